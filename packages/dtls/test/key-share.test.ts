import assert from 'node:assert/strict';
import test from 'node:test';
import { generateKeyShare, type KeyShareGroup } from '../src/crypto/key-share.js';
import { DecodeError } from '../src/wire/decode-error.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const isIllegal = (e: unknown) => e instanceof DecodeError && e.alert === 47;

test('x25519 reproduces the RFC 7748 §6.1 Diffie-Hellman vector', () => {
  const alice = generateKeyShare(29, hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const bob = generateKeyShare(29, hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  assert.equal(
    Buffer.from(alice.publicKey).toString('hex'),
    '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  );
  assert.equal(
    Buffer.from(bob.publicKey).toString('hex'),
    'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  );
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(Buffer.from(alice.deriveSecret(bob.publicKey)).toString('hex'), shared);
  assert.equal(Buffer.from(bob.deriveSecret(alice.publicKey)).toString('hex'), shared);
});

for (const [group, pubLen, secretLen] of [
  [29, 32, 32],
  [23, 65, 32],
  [24, 97, 48],
] as [KeyShareGroup, number, number][]) {
  test(`group ${group}: both sides derive the same secret`, () => {
    const a = generateKeyShare(group);
    const b = generateKeyShare(group);
    assert.equal(a.group, group);
    assert.equal(a.publicKey.length, pubLen);
    const s1 = a.deriveSecret(b.publicKey);
    const s2 = b.deriveSecret(a.publicKey);
    assert.equal(s1.length, secretLen);
    assert.deepEqual(s1, s2);
    assert.notDeepEqual(s1, generateKeyShare(group).deriveSecret(b.publicKey));
  });

  test(`group ${group}: wrong-length and garbage public values are rejected with illegal_parameter`, () => {
    const a = generateKeyShare(group);
    assert.throws(() => a.deriveSecret(new Uint8Array(0)), isIllegal);
    assert.throws(() => a.deriveSecret(new Uint8Array(pubLen - 1).fill(4)), isIllegal);
    assert.throws(() => a.deriveSecret(new Uint8Array(pubLen + 1).fill(4)), isIllegal);
  });
}

test('NIST curves reject compressed points, points off the curve and the point at infinity', () => {
  const a = generateKeyShare(23);
  const b = generateKeyShare(23);
  const compressed = Uint8Array.from(b.publicKey);
  compressed[0] = 0x02;
  assert.throws(() => a.deriveSecret(compressed), isIllegal);
  const offCurve = Uint8Array.from(b.publicKey);
  offCurve[64] = offCurve[64]! ^ 1;
  assert.throws(() => a.deriveSecret(offCurve), isIllegal);
  const zero = new Uint8Array(65);
  zero[0] = 4;
  assert.throws(() => a.deriveSecret(zero), isIllegal);
  const p384 = generateKeyShare(24);
  assert.throws(() => a.deriveSecret(p384.publicKey), isIllegal);
});

test('x25519 rejects small-order points that would give an all-zero secret (RFC 7748 §6.1)', () => {
  const a = generateKeyShare(29);
  assert.throws(() => a.deriveSecret(new Uint8Array(32)), isIllegal);
  const one = new Uint8Array(32);
  one[0] = 1;
  assert.throws(() => a.deriveSecret(one), isIllegal);
});

test('an unsupported group is misuse', () => {
  assert.throws(() => generateKeyShare(25 as KeyShareGroup), /group/);
});
