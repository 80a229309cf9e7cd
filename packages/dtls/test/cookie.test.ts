import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { COOKIE_LENGTH, HelloVerifyCookies } from '../src/cookie.js';

function seededRng() {
  let counter = 0;
  return (n: number) => new Uint8Array(n).fill(++counter);
}
const params = Uint8Array.of(0xfe, 0xfd, 1, 2, 3, 4);

test('a cookie verifies for the same address and ClientHello parameters', () => {
  const c = new HelloVerifyCookies({ rng: seededRng(), rotationMs: 1000 });
  const cookie = c.create('127.0.0.1:5000', params, 0);
  assert.equal(cookie.length, COOKIE_LENGTH);
  assert.ok(cookie.length <= 32);
  assert.equal(c.verify('127.0.0.1:5000', params, cookie, 10), true);
});

test('a cookie is rejected from another address or port', () => {
  const c = new HelloVerifyCookies({ rng: seededRng() });
  const cookie = c.create('127.0.0.1:5000', params, 0);
  assert.equal(c.verify('127.0.0.1:5001', params, cookie, 0), false);
  assert.equal(c.verify('127.0.0.2:5000', params, cookie, 0), false);
});

test('a cookie is rejected when the ClientHello parameters changed', () => {
  const c = new HelloVerifyCookies({ rng: seededRng() });
  const cookie = c.create('a', params, 0);
  assert.equal(c.verify('a', Uint8Array.of(0xfe, 0xfd, 1, 2, 3, 5), cookie, 0), false);
  assert.equal(c.verify('a', params.subarray(0, 5), cookie, 0), false);
});

test('address and params cannot be shifted into each other', () => {
  const c = new HelloVerifyCookies({ rng: seededRng() });
  const cookie = c.create('ab', Uint8Array.of(0x63), 0);
  assert.equal(c.verify('a', new TextEncoder().encode('bc'), cookie, 0), false);
});

test('the previous secret is still accepted after one rotation, not after two', () => {
  const c = new HelloVerifyCookies({ rng: seededRng(), rotationMs: 1000 });
  const cookie = c.create('a', params, 0);
  assert.equal(c.verify('a', params, cookie, 1500), true);
  assert.equal(c.verify('a', params, cookie, 2100), false);
  const fresh = c.create('a', params, 2100);
  assert.notDeepEqual(fresh, cookie);
  assert.equal(c.verify('a', params, fresh, 2200), true);
});

test('a long idle gap expires every earlier cookie at once', () => {
  const c = new HelloVerifyCookies({ rng: seededRng(), rotationMs: 1000 });
  const cookie = c.create('a', params, 0);
  assert.equal(c.verify('a', params, cookie, 10_000), false);
});

test('another server instance (another secret) rejects the cookie', () => {
  const a = new HelloVerifyCookies({ rng: () => new Uint8Array(32).fill(1) });
  const b = new HelloVerifyCookies({ rng: () => new Uint8Array(32).fill(2) });
  assert.equal(b.verify('x', params, a.create('x', params, 0), 0), false);
});

test('any tampered or truncated cookie is rejected', () => {
  const c = new HelloVerifyCookies({ rng: seededRng() });
  const cookie = c.create('a', params, 0);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: cookie.length * 8 - 1 }), (bit) => {
      const t = Uint8Array.from(cookie);
      t[bit >> 3] = t[bit >> 3]! ^ (1 << (bit & 7));
      assert.equal(c.verify('a', params, t, 0), false);
    }),
  );
  assert.equal(c.verify('a', params, cookie.subarray(0, 31), 0), false);
  assert.equal(c.verify('a', params, new Uint8Array(0), 0), false);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (junk) =>
      assert.equal(c.verify('a', params, junk, 0), false),
    ),
  );
});

test('misconfiguration throws naming the option', () => {
  assert.throws(() => new HelloVerifyCookies({ rotationMs: 0 }), /rotationMs/);
  const bad = new HelloVerifyCookies({ rng: () => new Uint8Array(3) });
  assert.throws(() => bad.create('a', params, 0), /rng/);
});
