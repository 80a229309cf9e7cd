import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import test from 'node:test';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { generateCertificate, publicKeyFromCertificate } from '../src/certificate.js';
import { importCertificatePublicKey } from '../src/crypto/spki.js';
import { DecodeError } from '../src/wire/decode-error.js';
import { FIXTURE_CERT_PEM } from './fixture-certificate.js';

// KeyObject.equals rather than comparing JWK exports: several keys here come from key-generation
// jobs, and a JWK export of such a key can deadlock Node 20 (see src/crypto/key-share.ts).
const assertSameKey = (x: KeyObject, y: KeyObject) => assert.ok(x.equals(y), 'the same public key');

/** A real certificate carrying `spki` as its subject key, signed by a throwaway P-256 key. */
async function certificateAround(spki: Uint8Array): Promise<Uint8Array> {
  const signer = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '01',
      subject: 'CN=spki',
      issuer: 'CN=spki',
      publicKey: spki,
      signingKey: signer.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    },
    webcrypto,
  );
  return new Uint8Array(cert.rawData);
}

const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));

/**
 * A view of `bytes` that records every indexed read outside [0, length): in
 * JavaScript such a read yields undefined instead of faulting, so a walker
 * with a missing bounds check would silently compute on garbage.
 */
function watched(bytes: Uint8Array): { view: Uint8Array; strayReads: number[] } {
  const strayReads: number[] = [];
  const view = new Proxy(bytes, {
    get(target, prop) {
      if (typeof prop === 'string' && prop !== '' && String(Number(prop)) === prop) {
        const i = Number(prop);
        if (!Number.isInteger(i) || i < 0 || i >= target.length) strayReads.push(i);
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { view, strayReads };
}

test('extracts the same EC and RSA keys as a full X.509 parse', async () => {
  for (const cert of [await generateCertificate(), await generateCertificate({ keyType: 'rsa-2048' })]) {
    const fast = importCertificatePublicKey(cert.der);
    assert.ok(fast !== undefined);
    assertSameKey(fast, new X509Certificate(cert.der).publicKey);
  }
  const pem = FIXTURE_CERT_PEM;
  const der = new Uint8Array(new X509Certificate(pem).raw);
  assertSameKey(importCertificatePublicKey(der)!, new X509Certificate(pem).publicKey);
});

test('handles P-384 and P-521 keys', async () => {
  for (const namedCurve of ['secp384r1', 'secp521r1']) {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve });
    const der = await certificateAround(spkiOf(publicKey));
    assertSameKey(importCertificatePublicKey(der)!, publicKey);
  }
});

test('leaves compressed points and other key types to the full parser', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const uncompressed = spkiOf(publicKey);
  const y = uncompressed[uncompressed.length - 1]!;
  // The P-256 SubjectPublicKeyInfo header for a 33-byte point (RFC 5480 §2.2), then 02/03 || X.
  const compressed = Uint8Array.from([
    ...Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    0x02 | (y & 1),
    ...uncompressed.subarray(27, 59),
  ]);
  const der = await certificateAround(compressed);
  assert.equal(importCertificatePublicKey(der), undefined);
  assertSameKey(publicKeyFromCertificate(der), publicKey);
  const ed = generateKeyPairSync('ed25519').publicKey;
  const edCert = await certificateAround(spkiOf(ed));
  assert.equal(importCertificatePublicKey(edCert), undefined);
  // The fallback full parse still yields the key.
  assert.equal(publicKeyFromCertificate(edCert).asymmetricKeyType, 'ed25519');
});

test('a point off the curve is not imported', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = spkiOf(publicKey);
  spki[spki.length - 1] = spki[spki.length - 1]! ^ 1;
  assert.equal(importCertificatePublicKey(await certificateAround(spki)), undefined);
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

/** Edits of a valid certificate that hit the DER length and tag bytes hard. */
const certificateEdit = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    // Long-form length prefixes and their extremes (X.690 §8.1.3.5).
    byte: fc.constantFrom(0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x89, 0xff),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);
type CertificateEdit = typeof certificateEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(der: Uint8Array, edit: CertificateEdit): Uint8Array {
  const at = edit.at % (der.length + 1);
  switch (edit.kind) {
    case 'set': {
      const m = Uint8Array.from(der);
      if (at < m.length) m[at] = edit.byte;
      return m;
    }
    case 'truncate':
      return der.slice(0, at);
    case 'insert':
      return Uint8Array.from([...der.subarray(0, at), ...edit.bytes, ...der.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...der.subarray(0, at), ...der.subarray(at + edit.count)]);
  }
}

test('hostile certificates: only a key or undefined, no read outside the input, full-parse agreement', async () => {
  const seeds = [
    (await generateCertificate()).der,
    (await generateCertificate({ keyType: 'rsa-2048' })).der,
    new Uint8Array(new X509Certificate(FIXTURE_CERT_PEM).raw),
    await certificateAround(spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey)),
  ];
  const input = fc.oneof(
    fc
      .tuple(fc.constantFrom(...seeds), fc.array(certificateEdit, { minLength: 1, maxLength: 3 }))
      .map(([der, edits]) => edits.reduce(applyEdit, der)),
    fc.uint8Array({ maxLength: 400 }),
  );
  fc.assert(
    fc.property(input, (der) => {
      const { view, strayReads } = watched(der);
      const key = importCertificatePublicKey(view);
      assert.deepEqual(strayReads, [], 'read outside the input');
      if (key === undefined) return;
      assert.equal(key.type, 'public');
      // Whenever the full parser also accepts the bytes, both find the same key.
      let full: KeyObject | undefined;
      try {
        full = new X509Certificate(der).publicKey;
      } catch {
        full = undefined;
      }
      if (full !== undefined) assertSameKey(key, full);
    }),
    { numRuns: 1500 },
  );
});

test('publicKeyFromCertificate throws nothing but DecodeError bad_certificate on hostile input', async () => {
  const der = (await generateCertificate()).der;
  fc.assert(
    fc.property(fc.array(certificateEdit, { minLength: 1, maxLength: 3 }), (edits) => {
      try {
        publicKeyFromCertificate(edits.reduce(applyEdit, der));
      } catch (e) {
        assert.ok(e instanceof DecodeError && e.alert === 42, String(e));
      }
    }),
    { numRuns: 500 },
  );
});
