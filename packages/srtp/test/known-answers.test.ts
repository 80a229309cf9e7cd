import assert from 'node:assert/strict';
import test from 'node:test';
import { AesCounterMode, aesCmPrf, deriveSessionKeys, findSrtpProfile, SrtpSession } from '../src/index.js';
import { hex } from './vectors.js';

test('AES-CM keystream matches RFC 3711 Appendix B.2', () => {
  const cm = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'));
  // SSRC 0, ROC 0, SEQ 0: the IV is the salt shifted by 16 bits; XOR into zeros gives the keystream.
  const data = new Uint8Array(0xff02 * 16);
  cm.xor(0, 0, 0, data, 0, data.length);
  const block = (i: number) =>
    Buffer.from(data.subarray(i * 16, i * 16 + 16))
      .toString('hex')
      .toUpperCase();
  assert.equal(block(0), 'E03EAD0935C95E80E166B16DD92B4EB4');
  assert.equal(block(1), 'D23513162B02D0F72A43A2FE4A5F97AB');
  assert.equal(block(2), '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(block(0xfeff), 'EC8CDF7398607CB0F2D21675EA9EA1E4');
  assert.equal(block(0xff00), '362B7C3C6773516318A077D7FC5073AE');
  assert.equal(block(0xff01), '6A2CC3787889374FBEB4C81B17BA6C44');
});

test('key derivation matches RFC 3711 Appendix B.3 (cipher key, salt, 94-byte auth key)', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  const h = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
  assert.equal(h(aesCmPrf(key, salt, 0x00, 16)), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(h(aesCmPrf(key, salt, 0x02, 14)), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(
    h(aesCmPrf(key, salt, 0x01, 94)),
    'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE' +
      'E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25' +
      '6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2',
  );
  const keys = deriveSessionKeys(findSrtpProfile('SRTP_AES128_CM_HMAC_SHA1_80')!, key, salt);
  assert.equal(h(keys.rtp.encryptionKey), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(h(keys.rtp.salt), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(h(keys.rtp.authKey), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
});

test('AES-256 key derivation uses an AES-256 PRF (RFC 6188 §7.2 vector)', () => {
  const key = hex('F0F04914B513F2763A1B1FA130F10E2998F6F6E43E4309D1E622A0E332B9F1B6');
  const salt = hex('3B04803DE51EE7C96423AB5B78D2');
  const keys = deriveSessionKeys(findSrtpProfile('SRTP_AES256_CM_HMAC_SHA1_80')!, key, salt);
  assert.equal(
    Buffer.from(keys.rtp.encryptionKey).toString('hex').toUpperCase(),
    '5BA1064E30EC51613CAD926C5A28EF731EC7FB397F70A960653CAF06554CD8C4',
  );
  assert.equal(Buffer.from(keys.rtp.salt).toString('hex').toUpperCase(), 'FA31791685CA444A9E07C6C64E93');
});

// RFC 7714 §16-17 give session keys directly: key 000102..., salt "Quid pro quo".
const GCM_SALT = hex('517569642070726f2071756f');
const GCM_KEY_128 = hex('000102030405060708090a0b0c0d0e0f');
const GCM_KEY_256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const RFC7714_RTP = hex(
  '8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573',
);
const RFC7714_RTCP = hex(
  '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef',
);

function rfc7714Session(bits: 128 | 256, unencryptedSrtcp = false): SrtpSession {
  const key = bits === 128 ? GCM_KEY_128 : GCM_KEY_256;
  const keys = { encryptionKey: key, salt: GCM_SALT, authKey: new Uint8Array(0) };
  return SrtpSession.fromSessionKeys({
    profile: bits === 128 ? 'SRTP_AEAD_AES_128_GCM' : 'SRTP_AEAD_AES_256_GCM',
    rtp: keys,
    rtcp: keys,
    unencryptedSrtcp,
  });
}

const rtpCases = [
  {
    bits: 128 as const,
    section: '§16.1',
    protected:
      '8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce',
  },
  {
    bits: 256 as const,
    section: '§16.2',
    protected:
      '8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13',
  },
];
for (const c of rtpCases) {
  test(`AEAD_AES_${c.bits}_GCM SRTP matches RFC 7714 ${c.section} both ways`, () => {
    const out = rfc7714Session(c.bits).protectRtp(RFC7714_RTP);
    assert.equal(Buffer.from(out).toString('hex'), hex(c.protected).toString('hex'));
    const r = rfc7714Session(c.bits).unprotectRtp(hex(c.protected));
    assert.ok(r.ok);
    assert.deepEqual(Buffer.from(r.packet), RFC7714_RTP);
    assert.equal(r.headerLength, 12);
  });
}

const rtcpCases = [
  {
    bits: 128 as const,
    section: '§17.1',
    encrypted: true,
    protected:
      '81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4',
  },
  {
    bits: 256 as const,
    section: '§17.2',
    encrypted: true,
    protected:
      '81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4',
  },
  {
    bits: 128 as const,
    section: '§17.3',
    encrypted: false,
    protected:
      '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4',
  },
  {
    bits: 256 as const,
    section: '§17.4',
    encrypted: false,
    protected:
      '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4',
  },
];
for (const c of rtcpCases) {
  test(`AEAD_AES_${c.bits}_GCM SRTCP (${c.encrypted ? 'encrypted' : 'unencrypted'}) matches RFC 7714 ${c.section}`, () => {
    const sender = rfc7714Session(c.bits, !c.encrypted);
    sender.setNextSrtcpIndex(0x4d617273, 0x5d4);
    const out = sender.protectRtcp(RFC7714_RTCP);
    assert.equal(Buffer.from(out).toString('hex'), hex(c.protected).toString('hex'));
    const r = rfc7714Session(c.bits).unprotectRtcp(hex(c.protected));
    assert.ok(r.ok);
    assert.deepEqual(Buffer.from(r.packet), RFC7714_RTCP);
    assert.equal(r.index, 0x5d4);
  });
}
