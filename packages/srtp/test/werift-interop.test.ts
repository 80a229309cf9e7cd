import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { RtpHeader, SrtcpSession as WeriftSrtcp, SrtpSession as WeriftSrtp } from 'werift-rtp';
import { SrtpSession } from '../src/index.js';
import { buildRtcp, buildRtp } from './rtp-packets.js';

// werift-rtp implements SRTP_AES128_CM_HMAC_SHA1_80 (1) and SRTP_AEAD_AES_128_GCM (7).
const profiles = [
  { name: 'SRTP_AES128_CM_HMAC_SHA1_80', id: 1 as const, saltLength: 14 },
  { name: 'SRTP_AEAD_AES_128_GCM', id: 7 as const, saltLength: 12 },
];

for (const p of profiles) {
  const key = randomBytes(16);
  const salt = randomBytes(p.saltLength);
  const other = { key: randomBytes(16), salt: randomBytes(p.saltLength) };
  const weriftKeys = (localKey: Buffer, localSalt: Buffer, remoteKey: Buffer, remoteSalt: Buffer) => ({
    keys: {
      localMasterKey: localKey,
      localMasterSalt: localSalt,
      remoteMasterKey: remoteKey,
      remoteMasterSalt: remoteSalt,
    },
    profile: p.id,
  });

  // Sequence numbers cross the 16-bit wrap, so both sides must agree on the ROC.
  const seqs = Array.from({ length: 40 }, (_, i) => (65520 + i) & 0xffff);
  const packets = seqs.map((seq, i) =>
    buildRtp({
      seq,
      timestamp: 1000 + 160 * i,
      ssrc: 0x5eed1234,
      payloadType: 111,
      marker: i === 0,
      csrcs: i % 3 === 0 ? [0x01020304, 0x0a0b0c0d] : [],
      extension: i % 2 === 0 ? { profile: 0xbede, body: Uint8Array.from([0x10, 0xaa, 0, 0]) } : undefined,
      payload: randomBytes(20 + ((i * 37) % 1200)),
      padding: 0,
    }),
  );

  test(`${p.name}: rtcseal unprotects what werift-rtp protects, across a sequence wrap`, () => {
    const werift = new WeriftSrtp(weriftKeys(key, salt, other.key, other.salt));
    const ours = new SrtpSession({ profile: p.name, masterKey: key, masterSalt: salt });
    for (const plain of packets) {
      const header = RtpHeader.deSerialize(plain);
      const wire = werift.encrypt(plain.subarray(header.payloadOffset), header);
      const r = ours.unprotectRtp(wire);
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.deepEqual(Buffer.from(r.packet), plain);
    }
    assert.equal(ours.getRolloverCounter(0x5eed1234), 1);
  });

  test(`${p.name}: werift-rtp unprotects what rtcseal protects, across a sequence wrap`, () => {
    const ours = new SrtpSession({ profile: p.name, masterKey: key, masterSalt: salt });
    const werift = new WeriftSrtp(weriftKeys(other.key, other.salt, key, salt));
    for (const plain of packets) {
      const wire = ours.protectRtp(plain);
      assert.deepEqual(Buffer.from(werift.decrypt(Buffer.from(wire))), plain);
    }
  });

  test(`${p.name}: SRTCP interoperates with werift-rtp both ways`, () => {
    const weriftSender = new WeriftSrtcp(weriftKeys(key, salt, other.key, other.salt));
    const ourReceiver = new SrtpSession({ profile: p.name, masterKey: key, masterSalt: salt });
    const ourSender = new SrtpSession({ profile: p.name, masterKey: key, masterSalt: salt });
    const weriftReceiver = new WeriftSrtcp(weriftKeys(other.key, other.salt, key, salt));
    for (let i = 0; i < 5; i++) {
      const plain = buildRtcp(0x5eed1234, randomBytes(24 + 4 * i));
      const r = ourReceiver.unprotectRtcp(weriftSender.encrypt(plain));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.deepEqual(Buffer.from(r.packet), plain);
      assert.deepEqual(Buffer.from(weriftReceiver.decrypt(Buffer.from(ourSender.protectRtcp(plain)))), plain);
    }
  });
}
