/**
 * GHASH, the universal hash of GCM (NIST SP 800-38D §6.4), in constant time and with no per-key tables.
 *
 * Field elements are 16-byte blocks read as four big-endian 32-bit words. GCM numbers the bits of a
 * block from the most significant bit of byte 0 (coefficient of x^0), so a block read as a big-endian
 * integer is the bit-reversal of its polynomial. The carry-less product of two bit-reversed 128-bit
 * values is the bit-reversal of the true product over 255 bits; one left shift makes it a 256-bit
 * reversal, whose high half holds degrees 0..127 and whose low half is folded back with
 * x^128 = x^7 + x^2 + x + 1 (§6.3).
 *
 * Constant time: every carry-less product is computed with integer multiplications whose operands
 * have "holes". A 16-bit operand is split into three slices holding the bits at positions 0, 1 and 2
 * modulo 3. The integer product of one slice of x by one slice of y has its bits in one residue class
 * modulo 3; each such bit position receives at most 6 one-bit partial products, and 6 < 2^3, so a
 * position's count never spills into the next position of the same class. Masking the product to its
 * class keeps the low bit of every count: the XOR of the partial products, i.e. the carry-less product.
 * Products of 16-bit operands stay below 2^31, so Math.imul gives them exactly. There is no branch
 * and no memory access that depends on H or on the data.
 *
 * The 128 x 128 product is split by Karatsuba three times (128 -> 64 -> 32 -> 16 bits), 27 products of
 * 16-bit operands, each 9 multiplications. The 27 operands derived from H, already split into slices,
 * are the whole per-key state: 81 small integers (324 bytes), read in a fixed order.
 */

/** Bits 0, 3, 6, ..., 15 (and 1, 4, ... / 2, 5, ...) of a 16-bit operand. */
const SLICE0 = 0x9249;
const SLICE1 = 0x2492;
const SLICE2 = 0x4924;
/** The same residue classes over a 31-bit product. */
const CLASS0 = 0x49249249;
const CLASS1 = 0x12492492;
const CLASS2 = 0x24924924;

/** Number of 16-bit Karatsuba operands of one 128-bit field element. */
const OPERANDS = 27;

/**
 * Carry-less product of the 16-bit value x by the 16-bit value whose three slices are hk[i..i+2];
 * 31 bits, exact.
 */
function clmul16(x: number, hk: Int32Array, i: number): number {
  const x0 = x & SLICE0;
  const x1 = x & SLICE1;
  const x2 = x & SLICE2;
  const y0 = hk[i]!;
  const y1 = hk[i + 1]!;
  const y2 = hk[i + 2]!;
  return (
    ((Math.imul(x0, y0) ^ Math.imul(x1, y2) ^ Math.imul(x2, y1)) & CLASS0) |
    ((Math.imul(x0, y1) ^ Math.imul(x1, y0) ^ Math.imul(x2, y2)) & CLASS1) |
    ((Math.imul(x0, y2) ^ Math.imul(x1, y1) ^ Math.imul(x2, y0)) & CLASS2)
  );
}

/**
 * Carry-less product of the 32-bit value x by the 32-bit H operand number k (Karatsuba over 16-bit
 * halves); writes the 63-bit result as low and high words into p[2k], p[2k + 1].
 */
function clmul32(x: number, hk: Int32Array, k: number, p: Int32Array): void {
  const i = 9 * k;
  const lo = clmul16(x & 0xffff, hk, i);
  const hi = clmul16(x >>> 16, hk, i + 3);
  const mid = clmul16((x ^ (x >>> 16)) & 0xffff, hk, i + 6) ^ lo ^ hi;
  p[2 * k] = lo ^ (mid << 16);
  p[2 * k + 1] = hi ^ (mid >>> 16);
}

/** The nine 32-bit Karatsuba operands of a 128-bit value given as words w3 (most significant) .. w0. */
function operands32(w3: number, w2: number, w1: number, w0: number, out: Int32Array): void {
  out[0] = w0;
  out[1] = w1;
  out[2] = w0 ^ w1;
  out[3] = w2;
  out[4] = w3;
  out[5] = w2 ^ w3;
  const s0 = w0 ^ w2;
  const s1 = w1 ^ w3;
  out[6] = s0;
  out[7] = s1;
  out[8] = s0 ^ s1;
}

/**
 * Per-key multiplier: the sliced Karatsuba operands of H (SP 800-38D §6.4, H = CIPH_K(0^128)).
 * Layout: for 32-bit operand k (0..8), 16-bit operands lo, hi, lo^hi, each as slices 0, 1, 2.
 */
export function ghashKey(h: Uint8Array, hOffset = 0): Int32Array {
  if (!(h instanceof Uint8Array) || hOffset < 0 || hOffset + 16 > h.length) {
    throw new RangeError('h must be a Uint8Array holding 16 bytes at hOffset');
  }
  const w = new Int32Array(4);
  for (let j = 0; j < 4; j++) {
    const o = hOffset + 4 * j;
    w[j] = (h[o]! << 24) | (h[o + 1]! << 16) | (h[o + 2]! << 8) | h[o + 3]!;
  }
  const ops = new Int32Array(9);
  operands32(w[0]!, w[1]!, w[2]!, w[3]!, ops);
  const hk = new Int32Array(3 * OPERANDS);
  for (let k = 0; k < 9; k++) {
    const v = ops[k]!;
    const parts = [v & 0xffff, v >>> 16, (v ^ (v >>> 16)) & 0xffff];
    for (let j = 0; j < 3; j++) {
      const x = parts[j]!;
      const i = 9 * k + 3 * j;
      hk[i] = x & SLICE0;
      hk[i + 1] = x & SLICE1;
      hk[i + 2] = x & SLICE2;
    }
  }
  return hk;
}

/**
 * y <- y * H in GF(2^128) (SP 800-38D §6.3), y as four big-endian words (y[0] = bytes 0..3).
 * `scratch` holds at least 18 + 9 words and carries no information between calls.
 */
export function ghashMultiply(y: Int32Array, hk: Int32Array, scratch: Int32Array): void {
  const ops = scratch.subarray(18, 27);
  operands32(y[0]!, y[1]!, y[2]!, y[3]!, ops);
  const p = scratch;
  for (let k = 0; k < 9; k++) clmul32(ops[k]!, hk, k, p);

  // 64 x 64 Karatsuba: products (lo, hi, mid) of groups 0 (low halves), 1 (high halves), 2 (sums).
  // Group g yields four words r0..r3 = L0, L1 ^ M0, H0 ^ M1, H1 with M = mid ^ L ^ H.
  let m0 = p[4]! ^ p[0]! ^ p[2]!;
  let m1 = p[5]! ^ p[1]! ^ p[3]!;
  const a0 = p[0]!;
  const a1 = p[1]! ^ m0;
  const a2 = p[2]! ^ m1;
  const a3 = p[3]!;
  m0 = p[10]! ^ p[6]! ^ p[8]!;
  m1 = p[11]! ^ p[7]! ^ p[9]!;
  const b0 = p[6]!;
  const b1 = p[7]! ^ m0;
  const b2 = p[8]! ^ m1;
  const b3 = p[9]!;
  m0 = p[16]! ^ p[12]! ^ p[14]!;
  m1 = p[17]! ^ p[13]! ^ p[15]!;
  const c0 = p[12]! ^ a0 ^ b0;
  const c1 = p[13]! ^ m0 ^ a1 ^ b1;
  const c2 = p[14]! ^ m1 ^ a2 ^ b2;
  const c3 = p[15]! ^ a3 ^ b3;

  // 128 x 128 Karatsuba: z = a ^ (c << 64) ^ (b << 128), z0 least significant.
  const z0 = a0;
  const z1 = a1;
  let z2 = a2 ^ c0;
  let z3 = a3 ^ c1;
  let z4 = b0 ^ c2;
  let z5 = b1 ^ c3;
  let z6 = b2;
  let z7 = b3;

  // Shift the 255-bit reversed product left by one: word 7 now holds degrees 0..31 (bit 31 = x^0),
  // word 0 degrees 224..255.
  z7 = (z7 << 1) | (z6 >>> 31);
  z6 = (z6 << 1) | (z5 >>> 31);
  z5 = (z5 << 1) | (z4 >>> 31);
  z4 = (z4 << 1) | (z3 >>> 31);
  z3 = (z3 << 1) | (z2 >>> 31);
  z2 = (z2 << 1) | (z1 >>> 31);
  let w1 = (z1 << 1) | (z0 >>> 31);
  const w0 = z0 << 1;

  // Fold degrees 128..255 with x^128 = 1 + x + x^2 + x^7 (§6.3). Multiplying by x^t moves a bit t
  // places toward the low end of the word; what falls off lands at the top of the next word down.
  // Words are folded from the highest degree (w0) so that bits re-entering word 3 are folded again.
  z4 ^= w0 ^ (w0 >>> 1) ^ (w0 >>> 2) ^ (w0 >>> 7);
  z3 ^= (w0 << 31) ^ (w0 << 30) ^ (w0 << 25);
  z5 ^= w1 ^ (w1 >>> 1) ^ (w1 >>> 2) ^ (w1 >>> 7);
  z4 ^= (w1 << 31) ^ (w1 << 30) ^ (w1 << 25);
  w1 = z2;
  z6 ^= w1 ^ (w1 >>> 1) ^ (w1 >>> 2) ^ (w1 >>> 7);
  z5 ^= (w1 << 31) ^ (w1 << 30) ^ (w1 << 25);
  w1 = z3;
  z7 ^= w1 ^ (w1 >>> 1) ^ (w1 >>> 2) ^ (w1 >>> 7);
  z6 ^= (w1 << 31) ^ (w1 << 30) ^ (w1 << 25);

  y[0] = z7;
  y[1] = z6;
  y[2] = z5;
  y[3] = z4;
}

/**
 * y <- GHASH_H(y, bytes[start, end)) with the final partial block zero-padded, as GCM pads the
 * additional data and the ciphertext separately (SP 800-38D §7.1 step 5).
 */
export function ghashUpdate(
  y: Int32Array,
  hk: Int32Array,
  scratch: Int32Array,
  bytes: Uint8Array,
  start: number,
  end: number,
): void {
  let o = start;
  const full = end - ((end - start) & 15);
  for (; o < full; o += 16) {
    y[0] = y[0]! ^ ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!);
    y[1] = y[1]! ^ ((bytes[o + 4]! << 24) | (bytes[o + 5]! << 16) | (bytes[o + 6]! << 8) | bytes[o + 7]!);
    y[2] = y[2]! ^ ((bytes[o + 8]! << 24) | (bytes[o + 9]! << 16) | (bytes[o + 10]! << 8) | bytes[o + 11]!);
    y[3] = y[3]! ^ ((bytes[o + 12]! << 24) | (bytes[o + 13]! << 16) | (bytes[o + 14]! << 8) | bytes[o + 15]!);
    ghashMultiply(y, hk, scratch);
  }
  if (o < end) {
    for (let j = 0; o < end; o++, j++) {
      const w = j >> 2;
      y[w] = y[w]! ^ (bytes[o]! << (24 - 8 * (j & 3)));
    }
    ghashMultiply(y, hk, scratch);
  }
}

/** Absorbs the final block len(A) || len(C), both 64-bit bit counts (SP 800-38D §7.1 step 5). */
export function ghashLengths(
  y: Int32Array,
  hk: Int32Array,
  scratch: Int32Array,
  aadBytes: number,
  dataBytes: number,
): void {
  y[0] = y[0]! ^ Math.floor(aadBytes / 0x20000000);
  y[1] = y[1]! ^ (aadBytes * 8);
  y[2] = y[2]! ^ Math.floor(dataBytes / 0x20000000);
  y[3] = y[3]! ^ (dataBytes * 8);
  ghashMultiply(y, hk, scratch);
}
