import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import {
  chooseSignatureScheme,
  localSignatureSchemes,
  SignatureScheme,
  signWithScheme,
  verifyWithScheme,
} from '../src/crypto/signature.js';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const data = new TextEncoder().encode('client_random || server_random || params');

const cases = [
  [SignatureScheme.ecdsa_secp256r1_sha256, p256],
  [SignatureScheme.ecdsa_secp384r1_sha384, p384],
  [SignatureScheme.ecdsa_secp521r1_sha512, p521],
  [SignatureScheme.rsa_pss_rsae_sha256, rsa],
  [SignatureScheme.rsa_pss_rsae_sha384, rsa],
  [SignatureScheme.rsa_pss_rsae_sha512, rsa],
  [SignatureScheme.rsa_pkcs1_sha256, rsa],
  [SignatureScheme.rsa_pkcs1_sha384, rsa],
  [SignatureScheme.rsa_pkcs1_sha512, rsa],
] as const;

for (const [scheme, pair] of cases) {
  test(`scheme 0x${scheme.toString(16)}: sign/verify round trip, and a forged signature or changed data is rejected`, () => {
    const sig = signWithScheme(scheme, pair.privateKey, data);
    assert.equal(verifyWithScheme(scheme, pair.publicKey, data, sig), true);
    const forged = Uint8Array.from(sig);
    forged[forged.length - 1] = forged[forged.length - 1]! ^ 1;
    assert.equal(verifyWithScheme(scheme, pair.publicKey, data, forged), false);
    const other = Uint8Array.from(data);
    other[0] = other[0]! ^ 1;
    assert.equal(verifyWithScheme(scheme, pair.publicKey, other, sig), false);
  });
}

test('a signature from another key of the same type is rejected', () => {
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sig = signWithScheme(0x0403, other.privateKey, data);
  assert.equal(verifyWithScheme(0x0403, p256.publicKey, data, sig), false);
});

test('a PSS signature does not verify as PKCS#1 v1.5 and vice versa', () => {
  const pss = signWithScheme(0x0804, rsa.privateKey, data);
  const pkcs1 = signWithScheme(0x0401, rsa.privateKey, data);
  assert.equal(verifyWithScheme(0x0401, rsa.publicKey, data, pss), false);
  assert.equal(verifyWithScheme(0x0804, rsa.publicKey, data, pkcs1), false);
});

test('verify never throws: garbage signatures, unknown schemes and mismatched key types give false', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(...localSignatureSchemes, 0x0201, 0x0807, 0),
      (sig, scheme) => {
        assert.equal(verifyWithScheme(scheme, p256.publicKey, data, sig), false);
        assert.equal(verifyWithScheme(scheme, rsa.publicKey, data, sig), false);
      },
    ),
    { numRuns: 200 },
  );
  const ecSig = signWithScheme(0x0403, p256.privateKey, data);
  assert.equal(verifyWithScheme(0x0804, p256.publicKey, data, ecSig), false);
});

test('signing with a key that does not fit the scheme is misuse', () => {
  assert.throws(() => signWithScheme(0x0804, p256.privateKey, data), /privateKey/);
  assert.throws(() => signWithScheme(0x0403, p256.publicKey, data), /privateKey/);
  assert.throws(() => signWithScheme(0x0201, p256.privateKey, data), /scheme/);
});

test('chooses the scheme naming our curve first, else another the peer offers, else none', () => {
  assert.equal(chooseSignatureScheme(p256.privateKey, [0x0804, 0x0503, 0x0403]), 0x0403);
  assert.equal(chooseSignatureScheme(p384.privateKey, [0x0403, 0x0503]), 0x0503);
  assert.equal(chooseSignatureScheme(p256.privateKey, [0x0503]), 0x0503);
  assert.equal(chooseSignatureScheme(p256.privateKey, [0x0804, 0x0401]), undefined);
  assert.equal(chooseSignatureScheme(rsa.privateKey, [0x0401, 0x0804]), 0x0804);
  assert.equal(chooseSignatureScheme(rsa.privateKey, [0x0401]), 0x0401);
  assert.equal(chooseSignatureScheme(rsa.privateKey, []), undefined);
});
