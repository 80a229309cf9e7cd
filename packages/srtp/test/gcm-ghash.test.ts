import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { ghashKey, ghashLengths, ghashMultiply, ghashUpdate } from '../src/gcm/ghash.js';

/** Multiplication in GF(2^128) bit by bit, as written in NIST SP 800-38D §6.3 Algorithm 1. */
function slowMultiply(x: Uint8Array, y: Uint8Array): Uint8Array {
  const R = 0xe1n << 120n;
  const X = BigInt(`0x${Buffer.from(x).toString('hex')}`);
  let V = BigInt(`0x${Buffer.from(y).toString('hex')}`);
  let Z = 0n;
  for (let i = 0; i < 128; i++) {
    if ((X >> BigInt(127 - i)) & 1n) Z ^= V;
    V = V & 1n ? (V >> 1n) ^ R : V >> 1n;
  }
  return Uint8Array.from(Buffer.from(Z.toString(16).padStart(32, '0'), 'hex'));
}

function toWords(b: Uint8Array): Int32Array {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  return Int32Array.of(dv.getInt32(0), dv.getInt32(4), dv.getInt32(8), dv.getInt32(12));
}

function fromWords(w: Int32Array): Uint8Array {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) dv.setInt32(4 * i, w[i]!);
  return out;
}

function fastMultiply(x: Uint8Array, h: Uint8Array): Uint8Array {
  const y = toWords(x);
  ghashMultiply(y, ghashKey(h));
  return fromWords(y);
}

/** GHASH over A and C with the slow multiply (SP 800-38D §6.4 and §7.1 step 5). */
function slowGhash(h: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array {
  const pad = (b: Uint8Array) => {
    const out = new Uint8Array(Math.ceil(b.length / 16) * 16);
    out.set(b);
    return out;
  };
  const len = Buffer.alloc(16);
  len.writeBigUInt64BE(BigInt(aad.length * 8), 0);
  len.writeBigUInt64BE(BigInt(data.length * 8), 8);
  const all = Buffer.concat([pad(aad), pad(data), len]);
  let y: Uint8Array = new Uint8Array(16);
  for (let o = 0; o < all.length; o += 16) {
    const x = y.map((v, i) => v ^ all[o + i]!);
    y = slowMultiply(x, h);
  }
  return y;
}

const block = fc.uint8Array({ minLength: 16, maxLength: 16 });

test('GF(2^128) multiply agrees with the bit-by-bit algorithm on random blocks', () => {
  fc.assert(
    fc.property(block, block, (x, h) => {
      assert.deepEqual(fastMultiply(x, h), slowMultiply(x, h));
    }),
    { numRuns: 2000 },
  );
});

test('GF(2^128) multiply agrees on every single-bit operand pair', () => {
  // Single bits exercise every carry-less partial product, every slice and every reduction term.
  for (let i = 0; i < 128; i++) {
    const x = new Uint8Array(16);
    x[i >> 3] = 0x80 >> (i & 7);
    for (let j = 0; j < 128; j += 7) {
      const h = new Uint8Array(16);
      h[j >> 3] = 0x80 >> (j & 7);
      assert.deepEqual(fastMultiply(x, h), slowMultiply(x, h), `bits ${i}, ${j}`);
    }
  }
});

test('GF(2^128) multiply agrees on all-ones and alternating patterns (maximal column counts)', () => {
  const patterns = [0xff, 0xaa, 0x55, 0x92, 0x49, 0x24, 0x11, 0x88].map((b) => new Uint8Array(16).fill(b));
  for (const x of patterns) {
    for (const h of patterns) assert.deepEqual(fastMultiply(x, h), slowMultiply(x, h));
  }
});

test('multiplying by the field one (bit 0 set) is the identity', () => {
  const one = new Uint8Array(16);
  one[0] = 0x80;
  const x = Uint8Array.from(randomBytes(16));
  assert.deepEqual(fastMultiply(x, one), x);
  assert.deepEqual(fastMultiply(one, x), x);
});

test('GHASH over padded AAD, data and lengths agrees with the slow reference', () => {
  fc.assert(
    fc.property(
      block,
      fc.uint8Array({ maxLength: 70 }),
      fc.uint8Array({ maxLength: 100 }),
      (h, aad, data) => {
        const y = new Int32Array(4);
        const hk = ghashKey(h);
        ghashUpdate(y, hk, aad, 0, aad.length);
        ghashUpdate(y, hk, data, 0, data.length);
        ghashLengths(y, hk, aad.length, data.length);
        assert.deepEqual(fromWords(y), slowGhash(h, aad, data));
      },
    ),
    { numRuns: 300 },
  );
});

test('GHASH reproduces the tag node:crypto computes for AES-GCM', () => {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const aad = randomBytes(20);
  const plain = randomBytes(45);
  const c = createCipheriv('aes-128-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const h = ecb.update(Buffer.alloc(16));
  const ej0 = ecb.update(Buffer.concat([iv, Buffer.from([0, 0, 0, 1])]));
  const y = new Int32Array(4);
  const hk = ghashKey(h);
  ghashUpdate(y, hk, aad, 0, aad.length);
  ghashUpdate(y, hk, ct, 0, ct.length);
  ghashLengths(y, hk, aad.length, ct.length);
  const tag = fromWords(y).map((v, i) => v ^ ej0[i]!);
  assert.deepEqual(Buffer.from(tag), c.getAuthTag());
});

test('ghashKey rejects a short H naming the parameter', () => {
  assert.throws(() => ghashKey(new Uint8Array(15)), /h must/);
});
