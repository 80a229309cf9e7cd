/**
 * GHASH for the GCM kernel with WebAssembly SIMD (NIST SP 800-38D §6.3-6.4), constant-time.
 *
 * The scalar kernel multiplies 32-bit slices with 64-bit products; here the 128-bit lanes carry
 * four 32-bit products at once (i32x4.mul), so operands are 16 bits wide and split into three
 * slices, bits at positions 0, 1, 2 modulo 3. A product of two such slices has its bits in one
 * residue class modulo 3, each position receiving at most 6 one-bit partial products (6 < 2^3, no
 * spill into the next position of the class) and the whole product below 2^31; masking it to its
 * class leaves the carry-less product.
 *
 * Karatsuba: the 128 x 128 product is split into three 64 x 64 products A (low halves), B (high
 * halves) and C (their sums); each of those into three 32 x 32 products by role: lo, hi, mid; each
 * of those into three 16 x 16 products. Vector lanes 0, 1, 2 hold A, B, C (lane 3 is unused), so one
 * vector per (32-bit role, 16-bit role) pair: 9 vectors of 9 multiplications. H's side of every
 * product is prepared once per call by `setKey`: 27 vectors of slices.
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

/** 27 vectors of 16 bytes. */
export const SIMD_H_SLICES_BYTES = 27 * 16;

const SLICES = [0x9249, 0x2492, 0x4924];
const CLASSES = [0x49249249, 0x12492492, 0x24924924];
const ZERO = v128I32x4(0, 0, 0, 0);
/** Reverses the 16 bytes: a big-endian block becomes four little-endian words, least significant first. */
const REVERSE = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/**
 * From a block as words (w0, w1, w2, w3) in `value` (w0 least significant), the three 32-bit role
 * vectors into locals roles[0..2]: lo = (w0, w2, w0^w2), hi = (w1, w3, w1^w3), mid = lo ^ hi,
 * lanes A, B, C.
 */
function roleVectors(value: number, roles: readonly number[]): Code {
  const v = get(value);
  return seq(
    set(roles[0]!, v128Xor(i32x4Shuffle(v, ZERO, [0, 2, 0, 4]), i32x4Shuffle(v, ZERO, [4, 4, 2, 4]))),
    set(roles[1]!, v128Xor(i32x4Shuffle(v, ZERO, [1, 3, 1, 4]), i32x4Shuffle(v, ZERO, [4, 4, 3, 4]))),
    set(roles[2]!, v128Xor(get(roles[0]!), get(roles[1]!))),
  );
}

/** The 16-bit operand t (0 lo, 1 hi, 2 lo ^ hi) of each lane of a 32-bit role vector. */
function halfOperand(role: Code, t: number): Code {
  const lo = v128And(role, v128Splat32(0xffff));
  const hi = i32x4ShrU(role, 16);
  return t === 0 ? lo : t === 1 ? hi : v128Xor(lo, hi);
}

/**
 * setKey(): H at `hOffset` -> its 27 slice vectors at `slicesOffset`, vector (3 * role + t) * 3 + s
 * holding slice s of 16-bit operand t of 32-bit role `role`.
 */
export function simdSetKeyFunction(hOffset: number, slicesOffset: number): WasmFunction {
  const [value, r0, r1, r2] = [0, 1, 2, 3];
  const roles = [r0, r1, r2];
  return {
    name: 'setKey',
    params: [],
    results: [],
    locals: [V128, V128, V128, V128],
    body: seq(
      set(value, i8x16Shuffle(v128Load(i32(0), hOffset), ZERO, REVERSE)),
      roleVectors(value, roles),
      ...roles.flatMap((role, g) =>
        [0, 1, 2].flatMap((t) =>
          [0, 1, 2].map((s) =>
            v128Store(
              i32(0),
              v128And(halfOperand(get(role), t), v128Splat32(SLICES[s]!)),
              slicesOffset + 16 * ((3 * g + t) * 3 + s),
            ),
          ),
        ),
      ),
    ),
  };
}

enum L {
  Ptr = 0,
  Blocks = 1,
  Ej0 = 2,
  Out = 3,
  Y = 4,
  T = 5,
  M = 6,
  G = 7,
  Roles = 8, // 3
  X = 11, // 3 slices of the current operand
  P = 14, // 9 products
  Lo = 23, // 3
  Hi = 26, // 3
  R = 29, // 4
  S = 33, // 4 transposition scratch
  ZL = 37,
  ZH = 38,
  H = 39, // 27 slice vectors of H
  Count = 66,
}

/** Carry-less 16 x 16 products, lane by lane, of the operand in `operand` by H's vector `k`. */
function clmul16x4(operand: number, k: number, out: number): Code {
  const x = (a: number) => get(L.X + a);
  const h = (b: number) => get(L.H + 3 * k + b);
  const classTerm = (c: number) =>
    v128And(
      v128XorAll(...[0, 1, 2].map((a) => i32x4Mul(x(a), h((c - a + 3) % 3)))),
      v128Splat32(CLASSES[c]!),
    );
  return seq(
    ...[0, 1, 2].map((s) => set(L.X + s, v128And(get(operand), v128Splat32(SLICES[s]!)))),
    set(out, v128Or(v128Or(classTerm(0), classTerm(1)), classTerm(2))),
  );
}

/** The x^t shifts of reduction modulo x^128 + x^7 + x^2 + x + 1 on 64-bit lanes (§6.3). */
const foldDown = (v: Code): Code => v128XorAll(v, i64x2ShrU(v, 1), i64x2ShrU(v, 2), i64x2ShrU(v, 7));
const overflow = (v: Code): Code => v128XorAll(i64x2Shl(v, 63), i64x2Shl(v, 62), i64x2Shl(v, 57));

/** Y <- Y * H, Y as words (w0, w1, w2, w3) in local Y. */
function multiplyByH(): Code {
  const p = (i: number) => get(L.P + i);
  const steps: Code[] = [roleVectors(L.Y, [L.Roles, L.Roles + 1, L.Roles + 2])];
  for (let g = 0; g < 3; g++) {
    for (let t = 0; t < 3; t++) {
      steps.push(set(L.T, halfOperand(get(L.Roles + g), t)), clmul16x4(L.T, 3 * g + t, L.P + 3 * g + t));
    }
    // 32 x 32 Karatsuba: (lo, hi, mid) 31-bit products -> 64-bit product as (Lo, Hi) words.
    steps.push(
      set(L.M, v128XorAll(p(3 * g + 2), p(3 * g), p(3 * g + 1))),
      set(L.Lo + g, v128Xor(p(3 * g), i32x4Shl(get(L.M), 16))),
      set(L.Hi + g, v128Xor(p(3 * g + 1), i32x4ShrU(get(L.M), 16))),
    );
  }
  const lo = (g: number) => get(L.Lo + g);
  const hi = (g: number) => get(L.Hi + g);
  const r = (i: number) => get(L.R + i);
  const s = (i: number) => get(L.S + i);
  steps.push(
    // 64 x 64 Karatsuba in every lane: words R0..R3 of the 128-bit products A, B, C.
    set(L.R, lo(0)),
    set(L.R + 1, v128XorAll(hi(0), lo(2), lo(0), lo(1))),
    set(L.R + 2, v128XorAll(lo(1), hi(2), hi(0), hi(1))),
    set(L.R + 3, hi(1)),
    // Transpose: one vector per product, its words in lanes.
    set(L.S, i32x4Shuffle(r(0), r(1), [0, 4, 1, 5])),
    set(L.S + 1, i32x4Shuffle(r(2), r(3), [0, 4, 1, 5])),
    set(L.S + 2, i32x4Shuffle(r(0), r(1), [2, 6, 3, 7])),
    set(L.S + 3, i32x4Shuffle(r(2), r(3), [2, 6, 3, 7])),
    set(L.ZL, i32x4Shuffle(s(0), s(1), [0, 1, 4, 5])), // A
    set(L.ZH, i32x4Shuffle(s(0), s(1), [2, 3, 6, 7])), // B
    set(L.M, v128XorAll(i32x4Shuffle(s(2), s(3), [0, 1, 4, 5]), get(L.ZL), get(L.ZH))), // C ^ A ^ B
    // 128 x 128 Karatsuba: Z = A ^ (M << 64) ^ (B << 128); ZL words 0..3, ZH words 4..7.
    set(L.ZL, v128Xor(get(L.ZL), i32x4Shuffle(get(L.M), ZERO, [4, 4, 0, 1]))),
    set(L.ZH, v128Xor(get(L.ZH), i32x4Shuffle(get(L.M), ZERO, [2, 3, 4, 4]))),
    // Reflected product over 255 bits: shift the 256-bit Z left once (64-bit lanes q0..q3).
    set(
      L.ZH,
      v128Or(i64x2Shl(get(L.ZH), 1), i64x2ShrU(i32x4Shuffle(get(L.ZL), get(L.ZH), [2, 3, 4, 5]), 63)),
    ),
    set(L.ZL, v128Or(i64x2Shl(get(L.ZL), 1), i64x2ShrU(i32x4Shuffle(ZERO, get(L.ZL), [0, 1, 4, 5]), 63))),
    // Fold q0 (degrees 192..255) first: its overflow lands in q1, which is folded after.
    set(L.G, overflow(get(L.ZL))),
    set(L.ZL, v128Xor(get(L.ZL), i32x4Shuffle(ZERO, get(L.G), [0, 1, 4, 5]))),
    set(L.ZH, v128Xor(get(L.ZH), foldDown(get(L.ZL)))),
    set(L.G, overflow(get(L.ZL))),
    set(L.Y, v128Xor(get(L.ZH), i32x4Shuffle(get(L.G), ZERO, [2, 3, 4, 5]))),
  );
  return seq(...steps);
}

/** tag(ptr, blocks, ej0, out): as the scalar kernel's, with H's slices from `slicesOffset`. */
export function simdTagFunction(slicesOffset: number): WasmFunction {
  return {
    name: 'tag',
    params: [I32, I32, I32, I32],
    results: [],
    locals: range(L.Y, L.Count - L.Y).map(() => V128),
    body: seq(
      ...range(0, 27).map((i) => set(L.H + i, v128Load(i32(0), slicesOffset + 16 * i))),
      set(L.Y, ZERO),
      doWhile(
        seq(
          set(L.Y, v128Xor(get(L.Y), i8x16Shuffle(v128Load(get(L.Ptr)), ZERO, REVERSE))),
          multiplyByH(),
          set(L.Ptr, i32Add(get(L.Ptr), i32(16))),
          set(L.Blocks, i32Sub(get(L.Blocks), i32(1))),
        ),
        get(L.Blocks),
      ),
      v128Store(get(L.Out), v128Xor(i8x16Shuffle(get(L.Y), ZERO, REVERSE), v128Load(get(L.Ej0)))),
    ),
  };
}
