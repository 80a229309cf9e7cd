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

/** Carry-less product of two 32-bit values' 16-bit Karatsuba terms: (lo, hi, mid) -> 63 bits in two words. */
function karatsuba32Low(lo: number, hi: number, mid: number): number {
  return lo ^ ((mid ^ lo ^ hi) << 16);
}

function karatsuba32High(lo: number, hi: number, mid: number): number {
  return hi ^ ((mid ^ lo ^ hi) >>> 16);
}

/**
 * y <- y * H in GF(2^128) (SP 800-38D §6.3), y as four big-endian words (y[0] = bytes 0..3).
 * The 32-bit Karatsuba operands of y are, in order: w0, w1, w0^w1, w2, w3, w2^w3, s0, s1, s0^s1
 * (s0 = w0^w2, s1 = w1^w3), matching the layout of ghashKey.
 */
export function ghashMultiply(y: Int32Array, hk: Int32Array): void {
  const w3 = y[0]!;
  const w2 = y[1]!;
  const w1 = y[2]!;
  const w0 = y[3]!;
  const s0 = w0 ^ w2;
  const s1 = w1 ^ w3;
  const w01 = w0 ^ w1;
  const w23 = w2 ^ w3;
  const s01 = s0 ^ s1;

  // 27 products of 16-bit operands: for each 32-bit operand v, (v.lo, v.hi, v.lo ^ v.hi).
  const p0l = clmul16(w0 & 0xffff, hk, 0);
  const p0h = clmul16(w0 >>> 16, hk, 3);
  const p0m = clmul16((w0 ^ (w0 >>> 16)) & 0xffff, hk, 6);
  const p1l = clmul16(w1 & 0xffff, hk, 9);
  const p1h = clmul16(w1 >>> 16, hk, 12);
  const p1m = clmul16((w1 ^ (w1 >>> 16)) & 0xffff, hk, 15);
  const p2l = clmul16(w01 & 0xffff, hk, 18);
  const p2h = clmul16(w01 >>> 16, hk, 21);
  const p2m = clmul16((w01 ^ (w01 >>> 16)) & 0xffff, hk, 24);
  const p3l = clmul16(w2 & 0xffff, hk, 27);
  const p3h = clmul16(w2 >>> 16, hk, 30);
  const p3m = clmul16((w2 ^ (w2 >>> 16)) & 0xffff, hk, 33);
  const p4l = clmul16(w3 & 0xffff, hk, 36);
  const p4h = clmul16(w3 >>> 16, hk, 39);
  const p4m = clmul16((w3 ^ (w3 >>> 16)) & 0xffff, hk, 42);
  const p5l = clmul16(w23 & 0xffff, hk, 45);
  const p5h = clmul16(w23 >>> 16, hk, 48);
  const p5m = clmul16((w23 ^ (w23 >>> 16)) & 0xffff, hk, 51);
  const p6l = clmul16(s0 & 0xffff, hk, 54);
  const p6h = clmul16(s0 >>> 16, hk, 57);
  const p6m = clmul16((s0 ^ (s0 >>> 16)) & 0xffff, hk, 60);
  const p7l = clmul16(s1 & 0xffff, hk, 63);
  const p7h = clmul16(s1 >>> 16, hk, 66);
  const p7m = clmul16((s1 ^ (s1 >>> 16)) & 0xffff, hk, 69);
  const p8l = clmul16(s01 & 0xffff, hk, 72);
  const p8h = clmul16(s01 >>> 16, hk, 75);
  const p8m = clmul16((s01 ^ (s01 >>> 16)) & 0xffff, hk, 78);

  // Nine 32 x 32 products, each as (low word, high word).
  const q0 = karatsuba32Low(p0l, p0h, p0m);
  const r0 = karatsuba32High(p0l, p0h, p0m);
  const q1 = karatsuba32Low(p1l, p1h, p1m);
  const r1 = karatsuba32High(p1l, p1h, p1m);
  const q2 = karatsuba32Low(p2l, p2h, p2m);
  const r2 = karatsuba32High(p2l, p2h, p2m);
  const q3 = karatsuba32Low(p3l, p3h, p3m);
  const r3 = karatsuba32High(p3l, p3h, p3m);
  const q4 = karatsuba32Low(p4l, p4h, p4m);
  const r4 = karatsuba32High(p4l, p4h, p4m);
  const q5 = karatsuba32Low(p5l, p5h, p5m);
  const r5 = karatsuba32High(p5l, p5h, p5m);
  const q6 = karatsuba32Low(p6l, p6h, p6m);
  const r6 = karatsuba32High(p6l, p6h, p6m);
  const q7 = karatsuba32Low(p7l, p7h, p7m);
  const r7 = karatsuba32High(p7l, p7h, p7m);
  const q8 = karatsuba32Low(p8l, p8h, p8m);
  const r8 = karatsuba32High(p8l, p8h, p8m);

  // Three 64 x 64 products (low halves a, high halves b, sums c), four words each:
  // (L0, L1 ^ M0, H0 ^ M1, H1) with M = mid ^ L ^ H.
  const a0 = q0;
  const a1 = r0 ^ q2 ^ q0 ^ q1;
  const a2 = q1 ^ r2 ^ r0 ^ r1;
  const a3 = r1;
  const b0 = q3;
  const b1 = r3 ^ q5 ^ q3 ^ q4;
  const b2 = q4 ^ r5 ^ r3 ^ r4;
  const b3 = r4;
  const c0 = q6 ^ a0 ^ b0;
  const c1 = r6 ^ q8 ^ q6 ^ q7 ^ a1 ^ b1;
  const c2 = q7 ^ r8 ^ r6 ^ r7 ^ a2 ^ b2;
  const c3 = r7 ^ a3 ^ b3;

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
  const v1 = (z1 << 1) | (z0 >>> 31);
  const v0 = z0 << 1;

  // Fold degrees 128..255 with x^128 = 1 + x + x^2 + x^7 (§6.3). Multiplying by x^t moves a bit t
  // places toward the low end of the word; what falls off lands at the top of the next word down.
  // Words are folded from the highest degree (v0) so that bits re-entering word 3 are folded again.
  z4 ^= v0 ^ (v0 >>> 1) ^ (v0 >>> 2) ^ (v0 >>> 7);
  z3 ^= (v0 << 31) ^ (v0 << 30) ^ (v0 << 25);
  z5 ^= v1 ^ (v1 >>> 1) ^ (v1 >>> 2) ^ (v1 >>> 7);
  z4 ^= (v1 << 31) ^ (v1 << 30) ^ (v1 << 25);
  z6 ^= z2 ^ (z2 >>> 1) ^ (z2 >>> 2) ^ (z2 >>> 7);
  z5 ^= (z2 << 31) ^ (z2 << 30) ^ (z2 << 25);
  z7 ^= z3 ^ (z3 >>> 1) ^ (z3 >>> 2) ^ (z3 >>> 7);
  z6 ^= (z3 << 31) ^ (z3 << 30) ^ (z3 << 25);

  y[0] = z7;
  y[1] = z6;
  y[2] = z5;
  y[3] = z4;
}

/** H, H^2, ..., H^count as consecutive 16-byte blocks (for GHASH over several blocks per step). */
export function ghashKeyPowers(h: Uint8Array, count: number): Uint8Array {
  const powers = new Uint8Array(16 * count);
  powers.set(h.subarray(0, 16));
  const hk = ghashKey(h);
  const view = new DataView(powers.buffer);
  const y = Int32Array.from({ length: 4 }, (_, w) => view.getInt32(4 * w));
  for (let e = 2; e <= count; e++) {
    ghashMultiply(y, hk);
    for (let w = 0; w < 4; w++) view.setInt32(16 * (e - 1) + 4 * w, y[w]!);
  }
  return powers;
}

/**
 * y <- GHASH_H(y, bytes[start, end)) with the final partial block zero-padded, as GCM pads the
 * additional data and the ciphertext separately (SP 800-38D §7.1 step 5).
 */
export function ghashUpdate(
  y: Int32Array,
  hk: Int32Array,
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
    ghashMultiply(y, hk);
  }
  if (o < end) {
    for (let j = 0; o < end; o++, j++) {
      const w = j >> 2;
      y[w] = y[w]! ^ (bytes[o]! << (24 - 8 * (j & 3)));
    }
    ghashMultiply(y, hk);
  }
}

/** Absorbs the final block len(A) || len(C), both 64-bit bit counts (SP 800-38D §7.1 step 5). */
export function ghashLengths(y: Int32Array, hk: Int32Array, aadBytes: number, dataBytes: number): void {
  y[0] = y[0]! ^ Math.floor(aadBytes / 0x20000000);
  y[1] = y[1]! ^ (aadBytes * 8);
  y[2] = y[2]! ^ Math.floor(dataBytes / 0x20000000);
  y[3] = y[3]! ^ (dataBytes * 8);
  ghashMultiply(y, hk);
}
