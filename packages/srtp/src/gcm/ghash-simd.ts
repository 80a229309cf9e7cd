/**
 * GHASH for the GCM kernel with WebAssembly SIMD (NIST SP 800-38D §6.3-6.4), constant-time, four
 * blocks at a time.
 *
 * Aggregated reduction: for blocks X1..X4, Y' = (Y ^ X1)·H^4 ^ X2·H^3 ^ X3·H^2 ^ X4·H, the four
 * products summed unreduced and reduced once. Vector lane p carries product p (block p + 1 times
 * H^(4-p)), so all four lanes work. The caller prepends zero blocks to make the block count a
 * multiple of four: a zero block leaves a zero Y at zero.
 *
 * Products use i32x4.mul on operands with holes: a 16-bit operand is split into three slices, bits
 * at positions 0, 1, 2 modulo 3. A product of two slices has its bits in one residue class modulo
 * 3, each position receiving at most 6 one-bit partial products (6 < 2^3: no spill into the next
 * position of the class) and the whole product stays below 2^31; masking it to its class leaves the
 * carry-less product.
 *
 * Karatsuba: each 128 x 128 product is split into three 64 x 64 products, group A (low halves), B
 * (high halves) and C (their sums); each into three 32 x 32 products by role lo, hi, mid; each into
 * three 16 x 16 products by half lo, hi, mid: 27 vectors of 9 multiplications per four blocks. The
 * H side of every product, H^1..H^4 sliced likewise (81 vectors), is prepared by `setKey`.
 */
import {
  type Code,
  doWhile,
  get,
  I32,
  i8x16Shuffle,
  i32,
  i32Add,
  i32Sub,
  i32x4Mul,
  i32x4Shl,
  i32x4ShrU,
  i32x4Shuffle,
  i64x2Shl,
  i64x2ShrU,
  seq,
  set,
  V128,
  v128And,
  v128I32x4,
  v128Load,
  v128Or,
  v128Splat32,
  v128Store,
  v128Xor,
  v128XorAll,
  type WasmFunction,
} from './wasm-assembler.js';

/** 81 vectors of 16 bytes. */
export const SIMD_H_SLICES_BYTES = 81 * 16;
/** Blocks per step: the caller pads the GHASH input at the front to a multiple of this. */
export const SIMD_BLOCKS_PER_STEP = 4;

const SLICES = [0x9249, 0x2492, 0x4924];
const CLASSES = [0x49249249, 0x12492492, 0x24924924];
const ZERO = v128I32x4(0, 0, 0, 0);
/** Reverses the 16 bytes: a big-endian block becomes four little-endian words, least significant first. */
const REVERSE = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Index of the H slice vector for group j, role g, half t, slice s. */
const sliceIndex = (j: number, g: number, t: number, s: number) => ((3 * j + g) * 3 + t) * 3 + s;

/**
 * Transposes four block vectors (words w0..w3 in lanes) held in locals `blocks` into word vectors
 * in locals `words`: words[k] lane p = word k of block p.
 */
function transpose(blocks: readonly number[], scratch: readonly number[], words: readonly number[]): Code {
  const b = (i: number) => get(blocks[i]!);
  const s = (i: number) => get(scratch[i]!);
  return seq(
    set(scratch[0]!, i32x4Shuffle(b(0), b(1), [0, 4, 1, 5])), // w0 of b0, b1; w1 of b0, b1
    set(scratch[1]!, i32x4Shuffle(b(2), b(3), [0, 4, 1, 5])),
    set(scratch[2]!, i32x4Shuffle(b(0), b(1), [2, 6, 3, 7])), // w2, w3 of b0, b1
    set(scratch[3]!, i32x4Shuffle(b(2), b(3), [2, 6, 3, 7])),
    set(words[0]!, i32x4Shuffle(s(0), s(1), [0, 1, 4, 5])),
    set(words[1]!, i32x4Shuffle(s(0), s(1), [2, 3, 6, 7])),
    set(words[2]!, i32x4Shuffle(s(2), s(3), [0, 1, 4, 5])),
    set(words[3]!, i32x4Shuffle(s(2), s(3), [2, 3, 6, 7])),
  );
}

/** The 32-bit operand of group j (A, B, C) and role g (lo, hi, mid) from the word vectors. */
function roleOperand(words: readonly number[], j: number, g: number): Code {
  const w = (k: number) => get(words[k]!);
  // Group A is the low 64 bits (w1:w0), B the high (w3:w2), C their sum.
  const lo = j === 0 ? w(0) : j === 1 ? w(2) : v128Xor(w(0), w(2));
  const hi = j === 0 ? w(1) : j === 1 ? w(3) : v128Xor(w(1), w(3));
  return g === 0 ? lo : g === 1 ? hi : v128Xor(lo, hi);
}

/** Half t (lo, hi, lo ^ hi) of the 32-bit lanes of the operand in `local`. */
function halfOperand(local: number, t: number): Code {
  const lo = v128And(get(local), v128Splat32(0xffff));
  const hi = i32x4ShrU(get(local), 16);
  return t === 0 ? lo : t === 1 ? hi : v128Xor(lo, hi);
}

/**
 * setKey(): H^1..H^4 at powersOffset (16 bytes each, H^1 first) -> the 81 slice vectors at
 * slicesOffset; lane p of each holds a slice of H^(4-p).
 */
export function simdSetKeyFunction(powersOffset: number, slicesOffset: number): WasmFunction {
  const blocks = range(0, 4);
  const scratch = range(4, 4);
  const words = range(8, 4);
  const operand = 12;
  return {
    name: 'setKey',
    params: [],
    results: [],
    locals: range(0, 13).map(() => V128),
    body: seq(
      ...blocks.map((local, p) =>
        set(local, i8x16Shuffle(v128Load(i32(0), powersOffset + 16 * (3 - p)), ZERO, REVERSE)),
      ),
      transpose(blocks, scratch, words),
      ...[0, 1, 2].flatMap((j) =>
        [0, 1, 2].flatMap((g) => [
          set(operand, roleOperand(words, j, g)),
          ...[0, 1, 2].flatMap((t) =>
            [0, 1, 2].map((s) =>
              v128Store(
                i32(0),
                v128And(halfOperand(operand, t), v128Splat32(SLICES[s]!)),
                slicesOffset + 16 * sliceIndex(j, g, t, s),
              ),
            ),
          ),
        ]),
      ),
    ),
  };
}

enum L {
  Ptr = 0,
  Blocks = 1,
  Ej0 = 2,
  Out = 3,
  K = 4, // i32: byte offset of the current operand / product
  Y = 5,
  B = 6, // 4 blocks
  S = 10, // 4 scratch
  W = 14, // 4 word vectors
  Operand = 18,
  X = 19, // 3 slices
  M = 22,
  Lo = 23, // 3: per role of the current group
  Hi = 26, // 3
  R = 29, // words 1, 2 of the current group
  G = 31, // 3 group sums
  ZL = 34,
  ZH = 35,
  F = 36,
  Count = 37,
}

/** Where `tag` keeps its 27 operand vectors and 27 products between phases (432 bytes each). */
export const SIMD_TAG_SCRATCH_BYTES = 2 * 27 * 16;

/**
 * One carry-less 16 x 16 product vector, lane by lane: the operand at operands + K by H's three
 * slice vectors at slices + 3K, into products + K. Run in a loop over K: a loop body this small
 * keeps its values in registers, where the engine's scheduler, given the whole unrolled block,
 * hoists every load and spills most of them.
 */
function productStep(operands: number, slices: number, products: number): Code {
  const x = (a: number) => get(L.X + a);
  const h = (b: number) => v128Load(i32Add(get(L.K), i32Add(get(L.K), get(L.K))), slices + 16 * b);
  const classTerm = (c: number) =>
    v128And(
      v128XorAll(...[0, 1, 2].map((a) => i32x4Mul(x(a), h((c - a + 3) % 3)))),
      v128Splat32(CLASSES[c]!),
    );
  return seq(
    set(L.Operand, v128Load(get(L.K), operands)),
    ...[0, 1, 2].map((s) => set(L.X + s, v128And(get(L.Operand), v128Splat32(SLICES[s]!)))),
    v128Store(get(L.K), v128Or(v128Or(classTerm(0), classTerm(1)), classTerm(2)), products),
  );
}

/** XOR of the four lanes of each of the vectors a, b, c, d into lanes 0, 1, 2, 3. */
function laneSums(a: Code, b: Code, c: Code, d: Code, scratch: readonly number[]): Code {
  const s = (i: number) => get(scratch[i]!);
  return seq(
    set(scratch[0]!, v128Xor(i32x4Shuffle(a, b, [0, 4, 2, 6]), i32x4Shuffle(a, b, [1, 5, 3, 7]))),
    set(scratch[1]!, v128Xor(i32x4Shuffle(c, d, [0, 4, 2, 6]), i32x4Shuffle(c, d, [1, 5, 3, 7]))),
    set(scratch[2]!, v128Xor(i32x4Shuffle(s(0), s(1), [0, 1, 4, 5]), i32x4Shuffle(s(0), s(1), [2, 3, 6, 7]))),
  );
}

/** The x^t shifts of reduction modulo x^128 + x^7 + x^2 + x + 1 on 64-bit lanes (§6.3). */
const foldDown = (v: Code): Code => v128XorAll(v, i64x2ShrU(v, 1), i64x2ShrU(v, 2), i64x2ShrU(v, 7));
const overflow = (v: Code): Code => v128XorAll(i64x2Shl(v, 63), i64x2Shl(v, 62), i64x2Shl(v, 57));

/** Y <- (Y ^ B0)·H^4 ^ B1·H^3 ^ B2·H^2 ^ B3·H for the four blocks in locals B (words in lanes). */
function absorbFourBlocks(slices: number, operands: number, products: number): Code {
  // Operands: vector (3j + g) * 3 + t is half t of role g of group j, lane p from block p.
  const steps: Code[] = [
    set(L.B, v128Xor(get(L.B), get(L.Y))),
    transpose(range(L.B, 4), range(L.S, 4), range(L.W, 4)),
  ];
  for (let j = 0; j < 3; j++) {
    for (let g = 0; g < 3; g++) {
      steps.push(set(L.Operand, roleOperand(range(L.W, 4), j, g)));
      for (let t = 0; t < 3; t++) {
        steps.push(v128Store(i32(0), halfOperand(L.Operand, t), operands + 16 * ((3 * j + g) * 3 + t)));
      }
    }
  }
  steps.push(
    set(L.K, i32(0)),
    doWhile(
      seq(productStep(operands, slices, products), set(L.K, i32Add(get(L.K), i32(16)))),
      [...get(L.K), ...i32(16 * 27), 0x47], // i32.ne
    ),
  );
  const product = (j: number, g: number, t: number) =>
    v128Load(i32(0), products + 16 * ((3 * j + g) * 3 + t));
  for (let j = 0; j < 3; j++) {
    for (let g = 0; g < 3; g++) {
      // 32 x 32 Karatsuba: (lo, hi, mid) 31-bit products -> 64-bit product as (Lo, Hi) words.
      steps.push(
        set(L.M, v128XorAll(product(j, g, 2), product(j, g, 0), product(j, g, 1))),
        set(L.Lo + g, v128Xor(product(j, g, 0), i32x4Shl(get(L.M), 16))),
        set(L.Hi + g, v128Xor(product(j, g, 1), i32x4ShrU(get(L.M), 16))),
      );
    }
    // 64 x 64 Karatsuba in every lane, words R0..R3 of group j's product; then the sum over lanes
    // (the four aggregated products), one vector of words.
    const lo = (g: number) => get(L.Lo + g);
    const hi = (g: number) => get(L.Hi + g);
    steps.push(
      set(L.R, v128XorAll(hi(0), lo(2), lo(0), lo(1))),
      set(L.R + 1, v128XorAll(lo(1), hi(2), hi(0), hi(1))),
      laneSums(lo(0), get(L.R), get(L.R + 1), hi(1), [L.S, L.S + 1, L.G + j]),
    );
  }
  const g = (j: number) => get(L.G + j);
  steps.push(
    // 128 x 128 Karatsuba: Z = A ^ ((C ^ A ^ B) << 64) ^ (B << 128); ZL words 0..3, ZH words 4..7.
    set(L.M, v128XorAll(g(2), g(0), g(1))),
    set(L.ZL, v128Xor(g(0), i32x4Shuffle(get(L.M), ZERO, [4, 4, 0, 1]))),
    set(L.ZH, v128Xor(g(1), i32x4Shuffle(get(L.M), ZERO, [2, 3, 4, 4]))),
    // Reflected product over 255 bits: shift the 256-bit Z left once (64-bit lanes q0..q3).
    set(
      L.ZH,
      v128Or(i64x2Shl(get(L.ZH), 1), i64x2ShrU(i32x4Shuffle(get(L.ZL), get(L.ZH), [2, 3, 4, 5]), 63)),
    ),
    set(L.ZL, v128Or(i64x2Shl(get(L.ZL), 1), i64x2ShrU(i32x4Shuffle(ZERO, get(L.ZL), [0, 1, 4, 5]), 63))),
    // Fold q0 (degrees 192..255) first: its overflow lands in q1, which is folded after.
    set(L.F, overflow(get(L.ZL))),
    set(L.ZL, v128Xor(get(L.ZL), i32x4Shuffle(ZERO, get(L.F), [0, 1, 4, 5]))),
    set(L.ZH, v128Xor(get(L.ZH), foldDown(get(L.ZL)))),
    set(L.F, overflow(get(L.ZL))),
    set(L.Y, v128Xor(get(L.ZH), i32x4Shuffle(get(L.F), ZERO, [2, 3, 4, 5]))),
  );
  return seq(...steps);
}

/**
 * tag(ptr, blocks, ej0, out): Y = GHASH_H over `blocks` blocks at ptr, a multiple of four (§7.1
 * step 5 input, front-padded with zero blocks); writes Y XOR [ej0] at out. `scratch` holds
 * SIMD_TAG_SCRATCH_BYTES.
 */
export function simdTagFunction(slices: number, scratch: number): WasmFunction {
  return {
    name: 'tag',
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, ...range(L.Y, L.Count - L.Y).map(() => V128)],
    body: seq(
      set(L.Y, ZERO),
      doWhile(
        seq(
          ...range(0, 4).map((i) => set(L.B + i, i8x16Shuffle(v128Load(get(L.Ptr), 16 * i), ZERO, REVERSE))),
          absorbFourBlocks(slices, scratch, scratch + 27 * 16),
          set(L.Ptr, i32Add(get(L.Ptr), i32(64))),
          set(L.Blocks, i32Sub(get(L.Blocks), i32(4))),
        ),
        get(L.Blocks),
      ),
      v128Store(get(L.Out), v128Xor(i8x16Shuffle(get(L.Y), ZERO, REVERSE), v128Load(get(L.Ej0)))),
    ),
  };
}
