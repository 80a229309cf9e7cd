import assert from 'node:assert/strict';
import test from 'node:test';
import { findSrtpProfile, SrtpSession } from '../src/index.js';
import { hex, loadLibsrtpVectors } from './vectors.js';

const files = loadLibsrtpVectors();

test('finds all four libsrtp vector files', () => {
  assert.deepEqual(
    files.map((f) => f.profile),
    ['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80'],
  );
});

for (const vf of files) {
  const profile = findSrtpProfile(vf.profile)!;
  const keySalt = hex(vf.masterKeySalt);
  const options = {
    profile: vf.profile,
    masterKey: keySalt.subarray(0, profile.keyLength),
    masterSalt: keySalt.subarray(profile.keyLength),
  };

  test(`${vf.profile}: protects every vector packet byte for byte as libsrtp 2.5.0 did`, () => {
    assert.equal(keySalt.length, profile.keyLength + profile.saltLength);
    const sender = new SrtpSession(options);
    for (const [i, p] of vf.packets.entries()) {
      const out = p.kind === 'rtp' ? sender.protectRtp(hex(p.plain)) : sender.protectRtcp(hex(p.plain));
      assert.equal(Buffer.from(out).toString('hex'), p.protected, `packet ${i} (${p.kind})`);
    }
  });

  test(`${vf.profile}: unprotects every vector packet back to the plaintext`, () => {
    const receiver = new SrtpSession(options);
    for (const [i, p] of vf.packets.entries()) {
      const r =
        p.kind === 'rtp' ? receiver.unprotectRtp(hex(p.protected)) : receiver.unprotectRtcp(hex(p.protected));
      assert.ok(r.ok, `packet ${i} (${p.kind}) rejected: ${r.ok ? '' : r.reason}`);
      assert.equal(Buffer.from(r.packet).toString('hex'), p.plain, `packet ${i} (${p.kind})`);
    }
    assert.equal(receiver.getRolloverCounter(0x11223344), 1, 'ROC advanced across the 65535 -> 0 wrap');
  });

  test(`${vf.profile}: rejects the tampered last byte and the replayed first packet as libsrtp does`, () => {
    const receiver = new SrtpSession(options);
    const first = hex(vf.packets[0]!.protected);
    const tampered = Buffer.from(first);
    tampered[tampered.length - 1]! ^= 1;
    const bad = receiver.unprotectRtp(tampered);
    assert.deepEqual(bad, { ok: false, reason: 'auth-failed' });
    assert.ok(receiver.unprotectRtp(first).ok, 'the genuine packet still passes after the forgery');
    assert.deepEqual(receiver.unprotectRtp(first), { ok: false, reason: 'replayed' });
  });
}
