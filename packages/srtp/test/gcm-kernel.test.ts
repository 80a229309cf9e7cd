import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  BUFFER_OFFSET,
  compileGcmKernel,
  GcmKernel,
  GHASH_BLOCK_MULTIPLE,
  H_POWERS_BYTES,
  H_POWERS_OFFSET,
  IV_OFFSET,
  TAG_IN_OFFSET,
  TAG_OUT_OFFSET,
} from '../src/gcm/gcm-kernel.js';
import { ghashKey, ghashKeyPowers, ghashUpdate } from '../src/gcm/ghash.js';

const builds = [
  { name: 'SIMD', kernel: new GcmKernel(compileGcmKernel(true)) },
  { name: 'scalar', kernel: new GcmKernel(compileGcmKernel(false)) },
];

test('the SIMD build compiles on this engine and the scalar one when asked', () => {
  assert.equal(builds[0]!.kernel.simd, true);
  assert.equal(builds[1]!.kernel.simd, false);
});

/** GHASH of whole blocks by the plain-JS implementation (itself checked bit by bit in gcm-ghash.test.ts). */
function jsGhash(h: Uint8Array, blocks: Uint8Array): Uint8Array {
  const y = new Int32Array(4);
  ghashUpdate(y, ghashKey(h), blocks, 0, blocks.length);
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) view.setInt32(4 * i, y[i]!);
  return out;
}

/**
 * The kernel's tag over `blocks` with a zero "E(K, J0)", i.e. the bare GHASH; zero blocks lead the
 * input to a multiple of GHASH_BLOCK_MULTIPLE, as the kernel requires.
 */
function kernelGhash(kernel: GcmKernel, h: Uint8Array, blocks: Uint8Array): Uint8Array {
  const n = blocks.length / 16;
  const lead = (GHASH_BLOCK_MULTIPLE - (n % GHASH_BLOCK_MULTIPLE)) % GHASH_BLOCK_MULTIPLE;
  const zeroAt = BUFFER_OFFSET + 16 * (lead + n);
  const outAt = zeroAt + 16;
  const mem = kernel.bytes(outAt + 16);
  mem.set(ghashKeyPowers(h, H_POWERS_BYTES / 16), H_POWERS_OFFSET);
  kernel.exports.setKey();
  mem.fill(0, BUFFER_OFFSET, BUFFER_OFFSET + 16 * lead);
  mem.set(blocks, BUFFER_OFFSET + 16 * lead);
  mem.fill(0, zeroAt, zeroAt + 16);
  kernel.exports.tag(BUFFER_OFFSET, lead + n, zeroAt, outAt);
  return mem.slice(outAt, outAt + 16);
}

for (const { name, kernel } of builds) {
  test(`${name} kernel GHASH agrees with the plain-JS GHASH on random keys and blocks`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n })),
        (h, blocks) => {
          assert.deepEqual(kernelGhash(kernel, h, blocks), jsGhash(h, blocks));
        },
      ),
      { numRuns: 300 },
    );
  });

  test(`${name} kernel GHASH agrees on single-bit keys and blocks (every slice, class and fold)`, () => {
    for (let i = 0; i < 128; i += 3) {
      const h = new Uint8Array(16);
      h[i >> 3] = 0x80 >> (i & 7);
      for (let j = 0; j < 128; j += 5) {
        const x = new Uint8Array(16);
        x[j >> 3] = 0x80 >> (j & 7);
        assert.deepEqual(kernelGhash(kernel, h, x), jsGhash(h, x), `bits ${i}, ${j}`);
      }
    }
    const ones = new Uint8Array(16).fill(0xff);
    assert.deepEqual(kernelGhash(kernel, ones, ones), jsGhash(ones, ones));
  });

  test(`${name} kernel seal and open frame A and C as SP 800-38D §7.1 step 5 and check the tag`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 70 }),
        fc.uint8Array({ maxLength: 200 }),
        (h, aad, data) => {
          // GHASH input as the standard writes it: A, zeros, C, zeros, len(A) || len(C) in bits.
          const pad = (n: number) => Math.ceil(n / 16) * 16;
          const framed = new Uint8Array(pad(aad.length) + pad(data.length) + 16);
          framed.set(aad);
          framed.set(data, pad(aad.length));
          const lengths = new DataView(framed.buffer, framed.length - 16);
          lengths.setBigUint64(0, BigInt(aad.length * 8));
          lengths.setBigUint64(8, BigInt(data.length * 8));
          const expectedTag = jsGhash(h, framed);

          // A zero keystream and a zero CIPH_K(J0): seal leaves C as it is and its tag is GHASH.
          const blocks = Math.ceil(data.length / 16);
          const stream = BUFFER_OFFSET;
          const work = stream + 16 * (blocks + 1);
          const total = framed.length / 16;
          const lead = (GHASH_BLOCK_MULTIPLE - (total % GHASH_BLOCK_MULTIPLE)) % GHASH_BLOCK_MULTIPLE;
          const aadAt = work + 16 * lead;
          const dataAt = aadAt + pad(aad.length);
          const mem = kernel.bytes(work + 16 * (lead + total));
          mem.set(ghashKeyPowers(h, H_POWERS_BYTES / 16), H_POWERS_OFFSET);
          kernel.exports.setKey();
          const fill = () => {
            mem.fill(0xee, work, work + 16 * (lead + total)); // garbage the framing must clear
            mem.fill(0, stream, work);
            mem.set(aad, aadAt);
            mem.set(data, dataAt);
          };
          fill();
          kernel.exports.seal(work, aadAt, dataAt, aad.length, data.length, stream);
          assert.deepEqual(mem.subarray(TAG_OUT_OFFSET, TAG_OUT_OFFSET + 16), expectedTag);
          assert.deepEqual(mem.subarray(dataAt, dataAt + data.length), data);

          fill();
          mem.set(expectedTag, TAG_IN_OFFSET);
          assert.equal(kernel.exports.open(work, aadAt, dataAt, aad.length, data.length, stream), 1);
          fill();
          mem[TAG_IN_OFFSET + 7]! ^= 1;
          assert.equal(kernel.exports.open(work, aadAt, dataAt, aad.length, data.length, stream), 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  test(`${name} kernel writes counter blocks IV || 1, IV || 2, ... big-endian`, () => {
    const mem = kernel.bytes(BUFFER_OFFSET + 16 * 300);
    const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    mem.set(iv, IV_OFFSET);
    kernel.exports.counters(BUFFER_OFFSET, 300);
    for (const i of [0, 1, 254, 255, 256, 299]) {
      const block = mem.subarray(BUFFER_OFFSET + 16 * i, BUFFER_OFFSET + 16 * i + 16);
      assert.deepEqual(block.subarray(0, 12), iv);
      assert.equal(new DataView(block.buffer, block.byteOffset + 12, 4).getUint32(0), i + 1);
    }
  });
}
