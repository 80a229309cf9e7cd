import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import test from 'node:test';
import { generateCertificate, loadCertificate, publicKeyFromCertificate } from '../src/certificate.js';
import { signWithScheme, verifyWithScheme } from '../src/crypto/signature.js';
import { fingerprintMatches } from '../src/fingerprint.js';
import { DecodeError } from '../src/wire/decode-error.js';
import { FIXTURE_CERT_PEM, FIXTURE_KEY_PEM } from './fixture-certificate.js';

const fixtureCert = FIXTURE_CERT_PEM;
const fixtureKey = FIXTURE_KEY_PEM;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('generates a self-signed ECDSA P-256 certificate with CN, short validity and a positive random serial', async () => {
  const cert = await generateCertificate({ commonName: 'peer-a', validityDays: 7 });
  const x = new X509Certificate(cert.der);
  assert.equal(x.subject, 'CN=peer-a');
  assert.equal(x.issuer, 'CN=peer-a');
  assert.equal(x.verify(x.publicKey), true);
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  assert.ok(days > 7 && days < 7.1, `validity ${days} days`);
  assert.ok(Date.parse(x.validFrom) <= Date.now());
  assert.ok(Number.parseInt(x.serialNumber.slice(0, 2), 16) < 0x80);
  const other = await generateCertificate();
  assert.notEqual(new X509Certificate(other.der).serialNumber, x.serialNumber);
  assert.deepEqual(cert.chain, [cert.der]);
  assert.equal(x.checkPrivateKey(cert.privateKey), true);
  assert.equal(fingerprintMatches(cert.der, cert.fingerprint()), true);
  assert.match(cert.fingerprint('sha-1'), /^sha-1 /);
  const sig = signWithScheme(0x0403, cert.privateKey, Uint8Array.of(1, 2, 3));
  assert.equal(
    verifyWithScheme(0x0403, publicKeyFromCertificate(cert.der), Uint8Array.of(1, 2, 3), sig),
    true,
  );
});

test('generates an RSA-2048 certificate on request', async () => {
  const cert = await generateCertificate({ keyType: 'rsa-2048' });
  const x = new X509Certificate(cert.der);
  assert.equal(x.publicKey.asymmetricKeyType, 'rsa');
  assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.equal(x.verify(x.publicKey), true);
});

test('PEM export loads back to the same certificate and key', async () => {
  const cert = await generateCertificate();
  const again = loadCertificate(cert.certPem(), cert.keyPem());
  assert.deepEqual(again.der, cert.der);
  assert.equal(again.fingerprint(), cert.fingerprint());
});

test('openssl reads the generated certificate and computes the same fingerprint', {
  skip: !hasOpenssl && 'openssl is not installed',
}, async () => {
  const cert = await generateCertificate({ commonName: 'interop' });
  const r = spawnSync('openssl', ['x509', '-noout', '-subject', '-fingerprint', '-sha256'], {
    input: cert.certPem(),
  });
  assert.equal(r.status, 0, r.stderr.toString());
  const out = r.stdout.toString();
  assert.match(out, /CN ?= ?interop/);
  const fp = /Fingerprint=([0-9A-F:]+)/.exec(out)![1];
  assert.equal(cert.fingerprint(), `sha-256 ${fp}`);
});

test('loads a PEM certificate and key made by openssl', () => {
  const cert = loadCertificate(fixtureCert, fixtureKey);
  assert.equal(
    cert.fingerprint(),
    'sha-256 28:AE:48:4B:8B:84:88:0B:FE:A4:F4:F1:EC:AB:27:7B:E6:96:46:7D:68:88:6A:C6:77:2F:74:D9:88:30:1B:37',
  );
  assert.equal(cert.privateKey.asymmetricKeyType, 'ec');
});

test('refuses a key that does not belong to the certificate, and PEM without a certificate', async () => {
  const other = await generateCertificate();
  assert.throws(() => loadCertificate(fixtureCert, other.keyPem()), /keyPem/);
  assert.throws(() => loadCertificate('nothing here', fixtureKey), /certPem/);
});

test('option misuse throws naming the option', async () => {
  await assert.rejects(generateCertificate({ keyType: 'dsa' as 'rsa-2048' }), /keyType/);
  await assert.rejects(generateCertificate({ commonName: '' }), /commonName/);
  await assert.rejects(generateCertificate({ commonName: 'x'.repeat(65) }), /commonName/);
  await assert.rejects(generateCertificate({ validityDays: 0 }), /validityDays/);
});

test('a peer certificate that does not parse is bad_certificate', () => {
  assert.throws(
    () => publicKeyFromCertificate(Uint8Array.of(0x30, 0x03, 1, 2, 3)),
    (e: unknown) => e instanceof DecodeError && e.alert === 42,
  );
});

test('a common name with DN special characters is encoded verbatim as UTF8String', async () => {
  const cert = await generateCertificate({ commonName: 'a,b=c é' });
  assert.equal(new X509Certificate(cert.der).subject, 'CN=a\\,b=c é');
});

test('a validity past 2049 switches to GeneralizedTime and still parses', async () => {
  const cert = await generateCertificate({ validityDays: 365 * 40 });
  assert.ok(Date.parse(new X509Certificate(cert.der).validTo) > Date.parse('2050-01-01'));
});
