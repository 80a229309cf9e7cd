/**
 * The GCM inner loop (NIST SP 800-38D §6.3-6.5, §7) as a small WebAssembly module written with the
 * encoder of ./wasm-assembler.ts: counter blocks, keystream XOR, GHASH and the tag comparison.
 * AES itself stays in node:crypto; this module never sees the AES key, only H = CIPH_K(0^128).
 *
 * Two builds of GHASH: with WebAssembly SIMD (./ghash-simd.ts, four blocks per step), used where
 * the engine accepts it, and the scalar one below. The scalar GHASH multiplies in constant time
 * with 64-bit integer multiplications of operands with holes: a 32-bit operand is split into four
 * slices holding its bits at positions 0, 1, 2, 3 modulo 4. The 64-bit product of one slice of x by
 * one slice of H has its bits in one residue class modulo 4; each position receives at most 8
 * one-bit partial products and 8 < 2^4, so no count spills into the next position of the class,
 * and masking each product to its class leaves the carry-less product. 128 x 128 bits is two
 * Karatsuba levels over 32-bit operands: 9 products of 16 multiplications each. In both builds no
 * branch and no address depends on H or on the data. Key material in memory: H's powers and their
 * slices, for the key last loaded.
 *
 * Memory layout (byte offsets):
 *   0    H, H^2, H^3, H^4, 16 bytes each (written by the caller before `setKey`; the scalar build
 *        reads H only)
 *   64   tag received, 16 bytes;  80  tag computed, 16 bytes
 *   96   IV, 12 bytes (written by the caller before `counters`)
 *   112  a block of zeros for the caller;  128  four blocks for the caller
 *   256  H slices (scalar build: 9 operands x 4 slices x 8 bytes; SIMD build: 81 vectors)
 *   2048 SIMD build: operands and products between the phases of `tag`
 *   4096 and up: per-call buffers laid out by the caller
 */

import {
  SIMD_BLOCKS_PER_STEP,
  SIMD_H_SLICES_BYTES,
  SIMD_TAG_SCRATCH_BYTES,
  simdSetKeyFunction,
  simdTagFunction,
} from './ghash-simd.js';
import {
  assembleModule,
  type Code,
  call,
  doWhile,
  get,
  I32,
  I64,
  i32,
  i32Add,
  i32Load,
  i32Store,
  i32Sub,
  i64,
  i64And,
  i64Eqz,
  i64ExtendI32U,
  i64Load,
  i64Mul,
  i64Or,
  i64OrAll,
  i64Rotl,
  i64Shl,
  i64ShrU,
  i64Store,
  i64Xor,
  i64XorAll,
  memoryFill,
  seq,
  set,
  type WasmFunction,
  when,
} from './wasm-assembler.js';

export const H_POWERS_OFFSET = 0;
export const H_POWERS_BYTES = 64;
export const TAG_IN_OFFSET = 64;
export const TAG_OUT_OFFSET = 80;
export const IV_OFFSET = 96;
export const ZERO_BLOCK_OFFSET = 112;
export const SCRATCH_BLOCKS_OFFSET = 128;
const H_SLICES_OFFSET = 256;
const SIMD_SCRATCH_OFFSET = 2048;
export const BUFFER_OFFSET = 4096;
/** The GHASH input of `tag` must be a whole number of these blocks (zero blocks may lead). */
export const GHASH_BLOCK_MULTIPLE = SIMD_BLOCKS_PER_STEP;
if (
  H_SLICES_OFFSET + SIMD_H_SLICES_BYTES > SIMD_SCRATCH_OFFSET ||
  SIMD_SCRATCH_OFFSET + SIMD_TAG_SCRATCH_BYTES > BUFFER_OFFSET
) {
  throw new Error('GCM kernel layout overlaps');
}

const MASK32 = 0xffffffffn;
/** Slice j of a 32-bit operand: bits at positions j mod 4. */
const slice32 = (j: number): bigint => 0x11111111n << BigInt(j);
/** Residue class j of a 64-bit product. */
const class64 = (j: number): bigint => 0x1111111111111111n << BigInt(j);

/** Byte swap of the i64 in `local`, in place: memory is little-endian, GCM blocks big-endian. */
function byteSwap64(local: number): Code {
  const x = get(local);
  return seq(
    set(
      local,
      i64Or(
        i64And(i64ShrU(x, i64(8n)), i64(0x00ff00ff00ff00ffn)),
        i64Shl(i64And(x, i64(0x00ff00ff00ff00ffn)), i64(8n)),
      ),
    ),
    set(
      local,
      i64Or(
        i64And(i64ShrU(x, i64(16n)), i64(0x0000ffff0000ffffn)),
        i64Shl(i64And(x, i64(0x0000ffff0000ffffn)), i64(16n)),
      ),
    ),
    set(local, i64Rotl(x, i64(32n))),
  );
}

/**
 * The nine 32-bit Karatsuba operands of a 128-bit value held as big-endian halves (hi, lo):
 * w0, w1, w0^w1 (low 64 bits), w2, w3, w2^w3 (high 64 bits), s0, s1, s0^s1 (their sum), where w0 is
 * the least significant word. Written into locals ops[0..8].
 */
function karatsubaOperands(hi: number, lo: number, ops: readonly number[]): Code {
  const o = (i: number) => ops[i]!;
  return seq(
    set(o(0), i64And(get(lo), i64(MASK32))),
    set(o(1), i64ShrU(get(lo), i64(32n))),
    set(o(2), i64Xor(get(o(0)), get(o(1)))),
    set(o(3), i64And(get(hi), i64(MASK32))),
    set(o(4), i64ShrU(get(hi), i64(32n))),
    set(o(5), i64Xor(get(o(3)), get(o(4)))),
    set(o(6), i64Xor(get(o(0)), get(o(3)))),
    set(o(7), i64Xor(get(o(1)), get(o(4)))),
    set(o(8), i64Xor(get(o(6)), get(o(7)))),
  );
}

/** Slice j of H's operand k, loaded from its fixed place in memory. */
const hSlice = (k: number, j: number): Code => get(L.HS + 4 * k + j);

/**
 * Carry-less 32 x 32 -> 64 product of the operand in local `operand` by H's operand k, into `out`.
 * `x` are four scratch locals for the slices of the operand.
 */
function clmul32(operand: number, k: number, x: readonly number[], out: number): Code {
  const xs = (a: number) => get(x[a]!);
  // Class c collects the products x_a * h_b with a + b = c (mod 4).
  const classTerm = (c: number) =>
    i64And(i64XorAll(...[0, 1, 2, 3].map((a) => i64Mul(xs(a), hSlice(k, (c - a + 4) % 4)))), i64(class64(c)));
  return seq(
    ...[0, 1, 2, 3].map((a) => set(x[a]!, i64And(get(operand), i64(slice32(a))))),
    set(out, i64OrAll(classTerm(0), classTerm(1), classTerm(2), classTerm(3))),
  );
}

/** Local indices of the `tag` function. */
enum L {
  Ptr = 0,
  Blocks = 1,
  Ej0 = 2,
  Out = 3,
  Yh = 4,
  Yl = 5,
  T = 6,
  M = 7,
  ALo = 8,
  AHi = 9,
  BLo = 10,
  BHi = 11,
  CLo = 12,
  CHi = 13,
  Z0 = 14,
  Z1 = 15,
  Z2 = 16,
  Z3 = 17,
  X = 18, // 4 locals
  Ops = 22, // 9 locals
  P = 31, // 9 locals
  HS = 40, // 36 locals
  Count = 76,
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const OPS = range(L.Ops, 9);
const PRODUCTS = range(L.P, 9);
const XS = range(L.X, 4);

/** (Yh, Yl) <- (Yh, Yl) * H in GF(2^128), reflected bit order of SP 800-38D §6.3. */
function multiplyByH(): Code {
  const p = (i: number) => get(PRODUCTS[i]!);
  // 64 x 64 Karatsuba of group g from products (lo, hi, mid) = p[3g], p[3g+1], p[3g+2].
  const combine = (g: number, lo: number, hi: number) =>
    seq(
      set(L.M, i64XorAll(p(3 * g + 2), p(3 * g), p(3 * g + 1))),
      set(lo, i64Xor(p(3 * g), i64Shl(get(L.M), i64(32n)))),
      set(hi, i64Xor(p(3 * g + 1), i64ShrU(get(L.M), i64(32n)))),
    );
  // x^128 = 1 + x + x^2 + x^7: a word of degrees >= 128 folds two words up (shifted toward the low
  // bits, as multiplying by x^t moves a reflected bit t places down) and its overflow one word up.
  const fold = (from: number, into: number, overflow: number) =>
    seq(
      set(
        into,
        i64XorAll(
          get(into),
          get(from),
          i64ShrU(get(from), i64(1n)),
          i64ShrU(get(from), i64(2n)),
          i64ShrU(get(from), i64(7n)),
        ),
      ),
      set(
        overflow,
        i64XorAll(
          get(overflow),
          i64Shl(get(from), i64(63n)),
          i64Shl(get(from), i64(62n)),
          i64Shl(get(from), i64(57n)),
        ),
      ),
    );
  return seq(
    karatsubaOperands(L.Yh, L.Yl, OPS),
    ...OPS.map((operand, k) => clmul32(operand, k, XS, PRODUCTS[k]!)),
    combine(0, L.ALo, L.AHi),
    combine(1, L.BLo, L.BHi),
    combine(2, L.CLo, L.CHi),
    // 128 x 128 Karatsuba: Z = A ^ ((C ^ A ^ B) << 64) ^ (B << 128), Z0 least significant.
    set(L.Z0, get(L.ALo)),
    set(L.Z1, i64XorAll(get(L.AHi), get(L.CLo), get(L.ALo), get(L.BLo))),
    set(L.Z2, i64XorAll(get(L.BLo), get(L.CHi), get(L.AHi), get(L.BHi))),
    set(L.Z3, get(L.BHi)),
    // The product of two reflected 128-bit values is the reflected product over 255 bits: shift
    // left once so that Z3 holds degrees 0..63 (its top bit is x^0) and Z0 degrees 192..255.
    set(L.Z3, i64Or(i64Shl(get(L.Z3), i64(1n)), i64ShrU(get(L.Z2), i64(63n)))),
    set(L.Z2, i64Or(i64Shl(get(L.Z2), i64(1n)), i64ShrU(get(L.Z1), i64(63n)))),
    set(L.Z1, i64Or(i64Shl(get(L.Z1), i64(1n)), i64ShrU(get(L.Z0), i64(63n)))),
    set(L.Z0, i64Shl(get(L.Z0), i64(1n))),
    // Highest degrees first, so that bits Z0 pushes into Z1 are folded again.
    fold(L.Z0, L.Z2, L.Z1),
    fold(L.Z1, L.Z3, L.Z2),
    set(L.Yh, get(L.Z3)),
    set(L.Yl, get(L.Z2)),
  );
}

/** Loads the big-endian 64-bit word at `addr + offset` into `local`. */
function loadBigEndian(local: number, addr: Code, offset: number): Code {
  return seq(set(local, i64Load(addr, offset)), byteSwap64(local));
}

/**
 * tag(ptr, blocks, ej0, out): Y = GHASH_H over `blocks` 16-byte blocks at ptr (the caller lays out
 * padded A, padded C and the length block contiguously, §7.1 step 5); writes Y XOR [ej0] at out.
 */
const tagFunction: WasmFunction = {
  name: 'tag',
  params: [I32, I32, I32, I32],
  results: [],
  locals: range(L.Yh, L.Count - L.Yh).map(() => I64),
  body: seq(
    ...range(0, 36).map((i) => set(L.HS + i, i64Load(i32(0), H_SLICES_OFFSET + 8 * i))),
    set(L.Yh, i64(0n)),
    set(L.Yl, i64(0n)),
    doWhile(
      seq(
        loadBigEndian(L.T, get(L.Ptr), 0),
        set(L.Yh, i64Xor(get(L.Yh), get(L.T))),
        loadBigEndian(L.T, get(L.Ptr), 8),
        set(L.Yl, i64Xor(get(L.Yl), get(L.T))),
        multiplyByH(),
        set(L.Ptr, i32Add(get(L.Ptr), i32(16))),
        set(L.Blocks, i32Sub(get(L.Blocks), i32(1))),
      ),
      get(L.Blocks),
    ),
    set(L.T, get(L.Yh)),
    byteSwap64(L.T),
    i64Store(get(L.Out), i64Xor(get(L.T), i64Load(get(L.Ej0), 0)), 0),
    set(L.T, get(L.Yl)),
    byteSwap64(L.T),
    i64Store(get(L.Out), i64Xor(get(L.T), i64Load(get(L.Ej0), 8)), 8),
  ),
};

/** setKey(): H at offset 0 -> the four slices of each of its nine Karatsuba operands (§6.4). */
const setKeyFunction: WasmFunction = (() => {
  const hi = 0;
  const lo = 1;
  const ops = range(2, 9);
  return {
    name: 'setKey',
    params: [],
    results: [],
    locals: range(0, 11).map(() => I64),
    body: seq(
      loadBigEndian(hi, i32(0), H_POWERS_OFFSET),
      loadBigEndian(lo, i32(0), H_POWERS_OFFSET + 8),
      karatsubaOperands(hi, lo, ops),
      ...ops.flatMap((operand, k) =>
        [0, 1, 2, 3].map((j) =>
          i64Store(i32(0), i64And(get(operand), i64(slice32(j))), H_SLICES_OFFSET + 32 * k + 8 * j),
        ),
      ),
    ),
  };
})();

/**
 * counters(dst, n): n counter blocks IV || i for i = 1..n at dst (§7.1 steps 2-3: J0 = IV || 1 for a
 * 96-bit IV, then inc32), the 32-bit counter big-endian.
 */
const countersFunction: WasmFunction = (() => {
  const [dst, n, i] = [0, 1, 2];
  const rotl = (a: Code, b: Code): Code => [...a, ...b, 0x77];
  const rotr = (a: Code, b: Code): Code => [...a, ...b, 0x78];
  const and = (a: Code, b: Code): Code => [...a, ...b, 0x71];
  const or = (a: Code, b: Code): Code => [...a, ...b, 0x72];
  const byteSwap32 = (x: Code) =>
    or(and(rotl(x, i32(8)), i32(0x00ff00ff)), and(rotr(x, i32(8)), i32(0xff00ff00)));
  return {
    name: 'counters',
    params: [I32, I32],
    results: [],
    locals: [I32],
    body: seq(
      set(i, i32(0)),
      when(
        get(n),
        doWhile(
          seq(
            i64Store(get(dst), i64Load(i32(0), IV_OFFSET), 0),
            i32Store(get(dst), i32Load(i32(0), IV_OFFSET + 8), 8),
            set(i, i32Add(get(i), i32(1))),
            i32Store(get(dst), byteSwap32(get(i)), 12),
            set(dst, i32Add(get(dst), i32(16))),
          ),
          [...get(i), ...get(n), 0x47], // i32.ne
        ),
      ),
    ),
  };
})();

/** xorBlocks(dst, src, n): dst ^= src over n 16-byte blocks (the GCTR XOR, §6.5). */
const xorBlocksFunction: WasmFunction = (() => {
  const [dst, src, n] = [0, 1, 2];
  return {
    name: 'xorBlocks',
    params: [I32, I32, I32],
    results: [],
    locals: [],
    body: when(
      get(n),
      doWhile(
        seq(
          i64Store(get(dst), i64Xor(i64Load(get(dst), 0), i64Load(get(src), 0)), 0),
          i64Store(get(dst), i64Xor(i64Load(get(dst), 8), i64Load(get(src), 8)), 8),
          set(dst, i32Add(get(dst), i32(16))),
          set(src, i32Add(get(src), i32(16))),
          set(n, i32Sub(get(n), i32(1))),
        ),
        get(n),
      ),
    ),
  };
})();

/** tagsEqual(): 1 when the received and computed tags are equal; reads all 16 bytes either way. */
const tagsEqualFunction: WasmFunction = {
  name: 'tagsEqual',
  params: [],
  results: [I32],
  locals: [],
  body: i64Eqz(
    i64Or(
      i64Xor(i64Load(i32(0), TAG_IN_OFFSET), i64Load(i32(0), TAG_OUT_OFFSET)),
      i64Xor(i64Load(i32(0), TAG_IN_OFFSET + 8), i64Load(i32(0), TAG_OUT_OFFSET + 8)),
    ),
  ),
};

/** Function order in the module (see gcmKernelModuleBytes): `call` takes these indices. */
const TAG_INDEX = 1;
const XOR_BLOCKS_INDEX = 3;
const TAGS_EQUAL_INDEX = 4;

/**
 * The framing both directions share: zero blocks from `work` up to A, A's padding, C's padding, and
 * the length block len(A) || len(C) in bits, big-endian (SP 800-38D §7.1 step 5); A and C were
 * copied in by the caller. Locals: params (work, aadAt, dataAt, aadLength, dataLength, stream)
 * then i32 `lengthsAt` and i64 `bits`.
 */
enum F {
  Work = 0,
  AadAt = 1,
  DataAt = 2,
  AadLength = 3,
  DataLength = 4,
  Stream = 5,
  LengthsAt = 6,
  Bits = 7,
}
const i32ShrU = (a: Code, b: Code): Code => [...a, ...b, 0x76];
const i32Shl = (a: Code, b: Code): Code => [...a, ...b, 0x74];
/** 16 * ceil(n / 16). */
const padded = (n: Code): Code => i32Shl(i32ShrU(i32Add(n, i32(15)), i32(4)), i32(4));
const dataBlocks = (): Code => i32ShrU(i32Add(get(F.DataLength), i32(15)), i32(4));

function frame(): Code {
  const bitsOf = (length: number) =>
    seq(set(F.Bits, i64Shl(i64ExtendI32U(get(length)), i64(3n))), byteSwap64(F.Bits));
  return seq(
    set(F.LengthsAt, i32Add(get(F.DataAt), padded(get(F.DataLength)))),
    memoryFill(get(F.Work), i32(0), i32Sub(get(F.AadAt), get(F.Work))),
    memoryFill(
      i32Add(get(F.AadAt), get(F.AadLength)),
      i32(0),
      i32Sub(get(F.DataAt), i32Add(get(F.AadAt), get(F.AadLength))),
    ),
    memoryFill(
      i32Add(get(F.DataAt), get(F.DataLength)),
      i32(0),
      i32Sub(get(F.LengthsAt), i32Add(get(F.DataAt), get(F.DataLength))),
    ),
    bitsOf(F.AadLength),
    i64Store(get(F.LengthsAt), get(F.Bits), 0),
    bitsOf(F.DataLength),
    i64Store(get(F.LengthsAt), get(F.Bits), 8),
  );
}

/** GHASH over the framed input into the computed tag slot, with CIPH_K(J0) at `stream`. */
const hashFramed = (): Code =>
  call(
    TAG_INDEX,
    get(F.Work),
    i32ShrU(i32Sub(i32Add(get(F.LengthsAt), i32(16)), get(F.Work)), i32(4)),
    get(F.Stream),
    i32(TAG_OUT_OFFSET),
  );

/**
 * seal(work, aadAt, dataAt, aadLength, dataLength, stream): frames the packet, encrypts C in place
 * with the keystream after CIPH_K(J0), clears C's padding again and writes the tag (§7.1).
 */
const sealFunction: WasmFunction = {
  name: 'seal',
  params: [I32, I32, I32, I32, I32, I32],
  results: [],
  locals: [I32, I64],
  body: seq(
    frame(),
    call(XOR_BLOCKS_INDEX, get(F.DataAt), i32Add(get(F.Stream), i32(16)), dataBlocks()),
    memoryFill(
      i32Add(get(F.DataAt), get(F.DataLength)),
      i32(0),
      i32Sub(get(F.LengthsAt), i32Add(get(F.DataAt), get(F.DataLength))),
    ),
    hashFramed(),
  ),
};

/**
 * open(...) -> 1 or 0: frames the packet, computes the tag over the ciphertext, compares it with
 * the received tag over all 16 bytes, and decrypts C in place only when they match (§7.2).
 */
const openFunction: WasmFunction = {
  name: 'open',
  params: [I32, I32, I32, I32, I32, I32],
  results: [I32],
  locals: [I32, I64],
  body: seq(
    frame(),
    hashFramed(),
    set(F.AadAt, call(TAGS_EQUAL_INDEX)),
    when(get(F.AadAt), call(XOR_BLOCKS_INDEX, get(F.DataAt), i32Add(get(F.Stream), i32(16)), dataBlocks())),
    get(F.AadAt),
  ),
};

/** The module's bytes, with GHASH in SIMD or scalar code; assembled from the definitions above. */
export function gcmKernelModuleBytes(simd: boolean): Uint8Array {
  const ghash = simd
    ? [
        simdSetKeyFunction(H_POWERS_OFFSET, H_SLICES_OFFSET),
        simdTagFunction(H_SLICES_OFFSET, SIMD_SCRATCH_OFFSET),
      ]
    : [setKeyFunction, tagFunction];
  return assembleModule(
    [...ghash, countersFunction, xorBlocksFunction, tagsEqualFunction, sealFunction, openFunction],
    1,
  );
}

/** The parts of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmModule {
  readonly kind?: 'WebAssembly.Module';
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule) => { readonly exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A compiled kernel and whether it is the SIMD build. */
export interface CompiledGcmKernel {
  module: WasmModule;
  simd: boolean;
}

/**
 * Compiles the kernel (synchronously: it is a few kilobytes): the SIMD build unless `simd` is false
 * or the engine rejects it (no SIMD support), then the scalar one.
 */
export function compileGcmKernel(simd = true): CompiledGcmKernel {
  if (simd) {
    try {
      return { module: new wasmApi.Module(gcmKernelModuleBytes(true)), simd: true };
    } catch {
      // Fall through to the scalar build.
    }
  }
  return { module: new wasmApi.Module(gcmKernelModuleBytes(false)), simd: false };
}

interface KernelExports {
  memory: WasmMemory;
  seal(
    work: number,
    aadAt: number,
    dataAt: number,
    aadLength: number,
    dataLength: number,
    stream: number,
  ): void;
  open(
    work: number,
    aadAt: number,
    dataAt: number,
    aadLength: number,
    dataLength: number,
    stream: number,
  ): number;
  setKey(): void;
  counters(dst: number, n: number): void;
  xorBlocks(dst: number, src: number, n: number): void;
  tag(ptr: number, blocks: number, ej0: number, out: number): void;
  tagsEqual(): number;
}

/**
 * One instance of the kernel and a byte view of its memory. Its memory is a scratch area: every
 * call writes all it reads, so nothing passes from one call (or one key) to the next.
 */
export class GcmKernel {
  readonly #exports: KernelExports;
  #bytes: Uint8Array;
  /** The H powers whose slices are loaded, by identity: a key used again needs no `setKey`. */
  #loadedKey: Uint8Array | undefined;

  /** Whether GHASH runs in the SIMD build. */
  readonly simd: boolean;

  constructor(compiled: CompiledGcmKernel) {
    this.simd = compiled.simd;
    this.#exports = new wasmApi.Instance(compiled.module).exports as unknown as KernelExports;
    this.#bytes = new Uint8Array(this.#exports.memory.buffer);
  }

  get exports(): KernelExports {
    return this.#exports;
  }

  /**
   * Makes `hPowers` (H^1..H^4, H_POWERS_BYTES, never modified by the caller) the key of the next
   * `tag` calls. Successive calls for one key, the usual pattern of a media stream, skip the work.
   */
  loadKey(hPowers: Uint8Array): void {
    if (this.#loadedKey === hPowers) return;
    this.#bytes.set(hPowers, H_POWERS_OFFSET);
    this.#exports.setKey();
    this.#loadedKey = hPowers;
  }

  /** The memory as bytes, grown first when needed to hold `size` bytes. */
  bytes(size: number): Uint8Array {
    if (size > this.#bytes.length) {
      const memory = this.#exports.memory;
      memory.grow(Math.ceil((size - memory.buffer.byteLength) / 65536));
      this.#bytes = new Uint8Array(memory.buffer);
    }
    return this.#bytes;
  }
}
