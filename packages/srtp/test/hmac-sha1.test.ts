import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { HmacSha1 } from '../src/index.js';

function expected(key: Uint8Array, data: Uint8Array, trailer: number): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt32BE(trailer >>> 0);
  return createHmac('sha1', key).update(data).update(t).digest();
}

test('JS HMAC-SHA1 with precomputed pads equals node:crypto on random keys, messages and trailers', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 100 }),
      fc.uint8Array({ minLength: 0, maxLength: 600 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.nat(20),
      (key, data, trailer, offset) => {
        const buf = new Uint8Array(offset + data.length + 5);
        buf.set(data, offset);
        const out = new Uint8Array(25);
        // Threshold out of reach: the JS compression path only.
        new HmacSha1(key, Number.POSITIVE_INFINITY).macWithTrailer(
          buf,
          offset,
          offset + data.length,
          trailer,
          out,
          3,
          20,
        );
        assert.deepEqual(Buffer.from(out.subarray(3, 23)), expected(key, data, trailer));
      },
    ),
    { numRuns: 400 },
  );
});

test('every message length around the 55/56/64-byte padding edges matches node:crypto', () => {
  const key = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
  const h = new HmacSha1(key, Number.POSITIVE_INFINITY);
  for (let n = 0; n <= 260; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    const out = new Uint8Array(20);
    h.macWithTrailer(data, 0, n, 0xdeadbeef, out, 0, 20);
    assert.deepEqual(Buffer.from(out), expected(key, data, 0xdeadbeef), `length ${n}`);
  }
});

test('the native path above the threshold gives the same MAC as the JS path', () => {
  const key = Buffer.alloc(20, 7);
  const data = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const js = new Uint8Array(10);
  const native = new Uint8Array(10);
  new HmacSha1(key, Number.POSITIVE_INFINITY).macWithTrailer(data, 5, 2999, 42, js, 0, 10);
  new HmacSha1(key, 0).macWithTrailer(data, 5, 2999, 42, native, 0, 10);
  assert.deepEqual(js, native);
});

test('verifyWithTrailer accepts the right tag and rejects any single flipped bit', () => {
  const h = new HmacSha1(Buffer.alloc(20, 1));
  const data = Buffer.from('the authenticated portion');
  const tag = new Uint8Array(10);
  h.macWithTrailer(data, 0, data.length, 9, tag, 0, 10);
  assert.equal(h.verifyWithTrailer(data, 0, data.length, 9, tag, 0, 10), true);
  for (let bit = 0; bit < 80; bit++) {
    const bad = Uint8Array.from(tag);
    bad[bit >> 3]! ^= 1 << (bit & 7);
    assert.equal(h.verifyWithTrailer(data, 0, data.length, 9, bad, 0, 10), false);
  }
});
