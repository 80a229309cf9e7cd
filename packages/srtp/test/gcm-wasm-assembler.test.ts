import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { gcmKernelModuleBytes } from '../src/gcm/gcm-kernel.js';
import { sleb, uleb } from '../src/gcm/wasm-assembler.js';

/** Decoders written from the LEB128 definition (WebAssembly Core §5.2.2), to check the encoders. */
function decodeUleb(bytes: number[]): number {
  let v = 0;
  for (let i = 0; i < bytes.length; i++) v += (bytes[i]! & 0x7f) * 2 ** (7 * i);
  return v;
}
function decodeSleb(bytes: number[]): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) v |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * i);
  const bits = BigInt(7 * bytes.length);
  return v & (1n << (bits - 1n)) ? v - (1n << bits) : v;
}

test('uleb encodes 32-bit values with continuation bits on all but the last byte', () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  fc.assert(
    fc.property(fc.nat(), (n) => {
      const b = uleb(n);
      assert.equal(decodeUleb(b), n);
      assert.ok(b.slice(0, -1).every((x) => x & 0x80) && !(b[b.length - 1]! & 0x80));
    }),
  );
});

test("sleb encodes 64-bit two's complement values minimally", () => {
  assert.deepEqual(sleb(-123456n), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63n), [0x3f]);
  assert.deepEqual(sleb(64n), [0xc0, 0x00]);
  assert.deepEqual(sleb(0x8888888888888888n), sleb(BigInt.asIntN(64, 0x8888888888888888n)));
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      assert.equal(decodeSleb(sleb(v)), v);
    }),
  );
});

test('the GCM kernel module validates and exports its memory and functions', () => {
  const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  const bytes = gcmKernelModuleBytes(true);
  assert.equal(wasm.validate(bytes), true);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
});
