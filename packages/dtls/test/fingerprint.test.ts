import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { computeFingerprint, fingerprintMatches, parseFingerprint } from '../src/fingerprint.js';
import { FIXTURE_CERT_PEM } from './fixture-certificate.js';

const pem = FIXTURE_CERT_PEM;
const der = new Uint8Array(new X509Certificate(pem).raw);

// Printed by `openssl x509 -in fixture-cert.pem -noout -fingerprint -sha1|-sha256|-sha512`.
const OPENSSL_SHA1 = '5A:43:D1:E1:3A:C1:92:FA:30:7A:93:07:BD:D3:0B:78:84:FC:A7:D3';
const OPENSSL_SHA256 =
  '28:AE:48:4B:8B:84:88:0B:FE:A4:F4:F1:EC:AB:27:7B:E6:96:46:7D:68:88:6A:C6:77:2F:74:D9:88:30:1B:37';
const OPENSSL_SHA512 =
  '87:11:E2:84:E0:2E:93:5E:A6:E0:F6:62:24:A5:BF:35:44:CC:A0:DE:B8:AD:09:EE:BE:FA:ED:80:EA:A7:27:21:C3:CB:28:AA:9F:AF:0E:AF:31:63:9E:61:40:7D:7D:72:1E:B7:E0:F0:17:D6:44:DC:76:A8:9D:C7:0B:C8:63:5B';

test('fingerprints of a fixed certificate equal what openssl x509 -fingerprint prints', () => {
  assert.equal(computeFingerprint(der), `sha-256 ${OPENSSL_SHA256}`);
  assert.equal(computeFingerprint(der, 'sha-1'), `sha-1 ${OPENSSL_SHA1}`);
  assert.equal(computeFingerprint(der, 'sha-512'), `sha-512 ${OPENSSL_SHA512}`);
  assert.match(computeFingerprint(der, 'sha-224'), /^sha-224 ([0-9A-F]{2}:){27}[0-9A-F]{2}$/);
  assert.match(computeFingerprint(der, 'sha-384'), /^sha-384 ([0-9A-F]{2}:){47}[0-9A-F]{2}$/);
});

test('matches an expected fingerprint in any letter case and with an a=fingerprint: prefix', () => {
  assert.equal(fingerprintMatches(der, `sha-256 ${OPENSSL_SHA256}`), true);
  assert.equal(fingerprintMatches(der, `SHA-256 ${OPENSSL_SHA256.toLowerCase()}`), true);
  assert.equal(fingerprintMatches(der, `a=fingerprint:sha-1 ${OPENSSL_SHA1}`), true);
  assert.equal(fingerprintMatches(der, `sha-512 ${OPENSSL_SHA512}`), true);
});

test('a different digest, algorithm or malformed text never matches', () => {
  const wrong = `sha-256 ${OPENSSL_SHA256.replace(/^28/, '29')}`;
  assert.equal(fingerprintMatches(der, wrong), false);
  assert.equal(fingerprintMatches(der, `sha-1 ${OPENSSL_SHA256}`), false);
  assert.equal(fingerprintMatches(der, `md5 ${OPENSSL_SHA1}`), false);
  assert.equal(fingerprintMatches(der, OPENSSL_SHA256), false);
  assert.equal(fingerprintMatches(der, `sha-256 ${OPENSSL_SHA256}:00`), false);
  assert.equal(fingerprintMatches(der, ''), false);
  assert.equal(fingerprintMatches(der, `sha-256 ${OPENSSL_SHA256.replaceAll(':', '-')}`), false);
  assert.equal(fingerprintMatches(der, `sha-256 ${OPENSSL_SHA256.replace('28', 'G8')}`), false);
  assert.equal(fingerprintMatches(der, `sha-256 ${OPENSSL_SHA256.slice(0, -3)}`), false);
  assert.equal(fingerprintMatches(der, `sha-256 :${OPENSSL_SHA256.slice(1)}`), false);
});

test('parseFingerprint inverts computeFingerprint and returns undefined for arbitrary text', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom('sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512' as const),
      (bytes, alg) => {
        const fp = computeFingerprint(bytes, alg);
        const parsed = parseFingerprint(fp)!;
        assert.equal(parsed.algorithm, alg);
        assert.equal(fingerprintMatches(bytes, fp), true);
      },
    ),
    { numRuns: 50 },
  );
  fc.assert(
    fc.property(fc.string(), (s) => {
      const p = parseFingerprint(s);
      if (p !== undefined) assert.ok(p.digest.length >= 20);
    }),
  );
});
