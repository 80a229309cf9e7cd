import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { prf } from '../src/crypto/prf.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// The TLS 1.2 PRF vectors published on the IETF TLS list (msg03416), also
// reproduced by `openssl kdf ... TLS1-PRF`.
test('P_SHA256 matches the published TLS 1.2 PRF vector', () => {
  const out = prf(
    'sha256',
    hex('9bbe436ba940f017b17652849a71db35'),
    'test label',
    hex('a0ba9f936cda311827a6f796ffd5198c'),
    100,
  );
  assert.equal(
    Buffer.from(out).toString('hex'),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('P_SHA384 matches the published TLS 1.2 PRF vector', () => {
  const out = prf(
    'sha384',
    hex('b80b733d6ceefcdc71566ea48e5567df'),
    'test label',
    hex('cd665cf6a8447dd6ff8b27555edb7465'),
    148,
  );
  assert.equal(
    Buffer.from(out).toString('hex'),
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
  );
});

test('a shorter output is a prefix of a longer one', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 64 }),
      fc.uint8Array({ maxLength: 64 }),
      fc.nat(100),
      fc.nat(100),
      (secret, seed, a, b) => {
        const long = prf('sha256', secret, 'x', seed, Math.max(a, b));
        const short = prf('sha256', secret, 'x', seed, Math.min(a, b));
        assert.deepEqual(short, long.subarray(0, short.length));
      },
    ),
    { numRuns: 50 },
  );
});

test('rejects a negative length as misuse', () => {
  assert.throws(() => prf('sha256', new Uint8Array(1), 'x', new Uint8Array(0), -1), /length/);
});
