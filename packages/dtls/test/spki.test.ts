import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { generateCertificate, publicKeyFromCertificate } from '../src/certificate.js';
import {
  bitString,
  explicit,
  objectIdentifier,
  sequence,
  smallInteger,
  utf8String,
} from '../src/crypto/der.js';
import { importCertificatePublicKey } from '../src/crypto/spki.js';
import { FIXTURE_CERT_PEM } from './fixture-certificate.js';

const jwk = (k: KeyObject) => JSON.stringify(k.export({ format: 'jwk' }));

/** A certificate-shaped DER around `spki` (signature not valid: only the SPKI walk is under test). */
function certificateAround(spki: Uint8Array): Uint8Array {
  const alg = sequence(objectIdentifier('1.2.840.10045.4.3.2'));
  const name = sequence();
  const validity = sequence(utf8String('x'), utf8String('y'));
  const tbs = sequence(explicit(0, smallInteger(2)), smallInteger(1), alg, name, validity, name, spki);
  return sequence(tbs, alg, bitString(new Uint8Array(8)));
}

test('extracts the same EC and RSA keys as a full X.509 parse', async () => {
  for (const cert of [await generateCertificate(), await generateCertificate({ keyType: 'rsa-2048' })]) {
    const fast = importCertificatePublicKey(cert.der);
    assert.ok(fast !== undefined);
    assert.equal(jwk(fast), jwk(new X509Certificate(cert.der).publicKey));
  }
  const pem = FIXTURE_CERT_PEM;
  const der = new Uint8Array(new X509Certificate(pem).raw);
  assert.equal(jwk(importCertificatePublicKey(der)!), jwk(new X509Certificate(pem).publicKey));
});

test('handles P-384 and P-521 keys', () => {
  for (const namedCurve of ['secp384r1', 'secp521r1']) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve });
    const der = certificateAround(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })));
    assert.equal(jwk(importCertificatePublicKey(der)!), jwk(publicKey));
  }
});

test('leaves compressed points and other key types to the full parser', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const compressed = sequence(
    sequence(objectIdentifier('1.2.840.10045.2.1'), objectIdentifier('1.2.840.10045.3.1.7')),
    bitString(Uint8Array.from([0x02, ...x])),
  );
  assert.equal(importCertificatePublicKey(certificateAround(compressed)), undefined);
  const ed = generateKeyPairSync('ed25519').publicKey;
  const edCert = certificateAround(new Uint8Array(ed.export({ format: 'der', type: 'spki' })));
  assert.equal(importCertificatePublicKey(edCert), undefined);
  // The full parser refuses this synthetic certificate, so the caller gets bad_certificate.
  assert.throws(() => publicKeyFromCertificate(edCert), /does not parse/);
});

test('a point off the curve is not imported', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  spki[spki.length - 1] = spki[spki.length - 1]! ^ 1;
  assert.equal(importCertificatePublicKey(certificateAround(spki)), undefined);
});

test('never throws on truncated, mutated or random input', async () => {
  const cert = await generateCertificate();
  for (let n = 0; n < cert.der.length; n += 7) importCertificatePublicKey(cert.der.subarray(0, n));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: cert.der.length - 1 }),
      fc.integer({ min: 0, max: 255 }),
      (i, v) => {
        const m = Uint8Array.from(cert.der);
        m[i] = v;
        importCertificatePublicKey(m);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void importCertificatePublicKey(b)));
});
