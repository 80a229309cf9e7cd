import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  findSrtpProfile,
  formatSdesCrypto,
  parseSdesCrypto,
  SRTP_PROFILES,
  SrtpSession,
  sdesSessionOptions,
} from '../src/index.js';
import { buildRtp } from './rtp-packets.js';

test('parses the RFC 4568 example line with lifetime and MKI', () => {
  const r = parseSdesCrypto(
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4',
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  const a = r.attribute;
  assert.equal(a.tag, 1);
  assert.equal(a.profile.name, 'SRTP_AES128_CM_HMAC_SHA1_80');
  assert.equal(a.keys.length, 1);
  assert.equal(a.keys[0]!.lifetime, 2 ** 20);
  assert.deepEqual(a.keys[0]!.mki, { value: 1n, length: 4 });
  const bytes = Buffer.from('PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR', 'base64');
  assert.deepEqual(Buffer.from(a.keys[0]!.masterKey), bytes.subarray(0, 16));
  assert.deepEqual(Buffer.from(a.keys[0]!.masterSalt), bytes.subarray(16));
  const options = sdesSessionOptions(a);
  assert.deepEqual(Array.from(options.mki!), [0, 0, 0, 1], 'MKI value 1 in 4 bytes, big-endian');
  assert.equal(options.keyLifetime, 2 ** 20);
});

test('parses GCM and AES-256 suites, several keys and session parameters', () => {
  const k28 = Buffer.alloc(28, 7).toString('base64');
  const k46 = Buffer.alloc(46, 9).toString('base64');
  const gcm = parseSdesCrypto(`crypto:2 AEAD_AES_128_GCM inline:${k28}`);
  assert.ok(gcm.ok);
  assert.equal(gcm.attribute.profile.name, 'SRTP_AEAD_AES_128_GCM');
  const aes256 = parseSdesCrypto(
    `a=crypto:3 AES_256_CM_HMAC_SHA1_32 inline:${k46}|2^31|1:1;inline:${k46}|2^31|2:1 UNENCRYPTED_SRTCP KDR=0`,
  );
  assert.ok(aes256.ok, aes256.ok ? '' : aes256.error);
  assert.equal(aes256.attribute.profile.name, 'SRTP_AES256_CM_HMAC_SHA1_32');
  assert.equal(aes256.attribute.keys.length, 2);
  assert.deepEqual(aes256.attribute.sessionParams, ['UNENCRYPTED_SRTCP', 'KDR=0']);
  const options = sdesSessionOptions(aes256.attribute, 1);
  assert.equal(options.unencryptedSrtcp, true);
  assert.deepEqual(Array.from(options.mki!), [2]);
});

test('rejects malformed lines with a reason instead of throwing', () => {
  const good = Buffer.alloc(30, 1).toString('base64');
  const cases: [string, RegExp][] = [
    ['a=crypto:1 AES_CM_128_HMAC_SHA1_80', /expected/],
    [`a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:${good}`, /bad tag/],
    [`a=crypto:1 F8_128_HMAC_SHA1_80 inline:${good}`, /unsupported crypto-suite/],
    [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:${good}`, /key-method/],
    ['a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:not*base64!', /base64/],
    [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(28).toString('base64')}`, /needs 30/],
    [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${good}|2^99`, /bad lifetime/],
    [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${good}|256:1`, /bad MKI/],
    [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${good}|1:1|2:1`, /more than one MKI/],
  ];
  for (const [line, error] of cases) {
    const r = parseSdesCrypto(line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.match(r.error, error, line);
  }
});

test('session options refuse what the SRTP layer does not implement', () => {
  const k = Buffer.alloc(30, 1).toString('base64');
  for (const param of ['KDR=1', 'UNENCRYPTED_SRTP', 'UNAUTHENTICATED_SRTP']) {
    const r = parseSdesCrypto(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${k} ${param}`);
    assert.ok(r.ok);
    assert.throws(() => sdesSessionOptions(r.attribute), new RegExp(param));
  }
  const longMki = parseSdesCrypto(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${k}|1:17`);
  assert.ok(longMki.ok);
  assert.throws(() => sdesSessionOptions(longMki.attribute), /mki/);
});

test('format then parse gives back the same attribute for every profile (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SRTP_PROFILES),
      fc.integer({ min: 1, max: 999999999 }),
      fc.option(fc.integer({ min: 0, max: 48 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      fc.nat(),
      (profile, tag, lifetimeExp, mkiLength, seed) => {
        const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 29) & 0xff);
        const mki =
          mkiLength === undefined
            ? undefined
            : { value: BigInt(seed % 256 ** Math.min(mkiLength, 3)), length: mkiLength };
        const key = {
          masterKey: bytes(profile.keyLength),
          masterSalt: bytes(profile.saltLength),
          ...(lifetimeExp === undefined ? {} : { lifetime: 2 ** lifetimeExp }),
          ...(mki === undefined ? {} : { mki }),
        };
        const line = formatSdesCrypto({ tag, profile, keys: [key] });
        const r = parseSdesCrypto(line);
        assert.ok(r.ok, r.ok ? '' : `${line}: ${r.error}`);
        assert.equal(r.attribute.tag, tag);
        assert.equal(r.attribute.profile, profile);
        assert.deepEqual(r.attribute.keys[0], key);
        assert.equal(formatSdesCrypto(r.attribute), line);
      },
    ),
    { numRuns: 300 },
  );
});

test('fuzz: arbitrary strings never make the parser throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = parseSdesCrypto(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${s}`);
      assert.equal(typeof r.ok, 'boolean');
      assert.equal(typeof parseSdesCrypto(s).ok, 'boolean');
    }),
    { numRuns: 1000 },
  );
});

test('a session keyed from an SDES line talks to one keyed from the formatted line', () => {
  const profile = findSrtpProfile('AES_CM_128_HMAC_SHA1_32')!;
  const line = formatSdesCrypto({
    tag: 1,
    profile,
    keys: [
      {
        masterKey: Buffer.alloc(16, 3),
        masterSalt: Buffer.alloc(14, 4),
        lifetime: 2 ** 31,
        mki: { value: 5n, length: 2 },
      },
    ],
  });
  assert.match(line, /^a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:[A-Za-z0-9+/=]{40}\|2\^31\|5:2$/);
  const parsed = parseSdesCrypto(line);
  assert.ok(parsed.ok);
  const sender = new SrtpSession(sdesSessionOptions(parsed.attribute));
  const receiver = new SrtpSession(sdesSessionOptions(parsed.attribute));
  const plain = buildRtp({
    seq: 1,
    timestamp: 0,
    ssrc: 1,
    payloadType: 0,
    marker: false,
    csrcs: [],
    payload: Buffer.alloc(20),
    padding: 0,
  });
  const wire = sender.protectRtp(plain);
  assert.deepEqual(Array.from(wire.subarray(plain.length, plain.length + 2)), [0, 5], 'MKI 5 in two bytes');
  const r = receiver.unprotectRtp(wire);
  assert.ok(r.ok);
  assert.deepEqual(Buffer.from(r.packet), plain);
});
