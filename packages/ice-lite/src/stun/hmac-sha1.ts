import { createHash } from 'node:crypto';

/**
 * HMAC-SHA1 (RFC 2104, FIPS 180-4) for MESSAGE-INTEGRITY with the key schedule done once per key.
 *
 * STUN messages are ~100 bytes: a per-message `createHmac` costs several microseconds of object setup,
 * more than the four SHA-1 compressions the MAC needs. The inner and outer states after the padded key
 * blocks are computed once per session key; each message then costs only its own blocks.
 */

/** Scratch memory for SHA-1; one per thread of control (a router, an agent), shared by many keys. */
export class Sha1Workspace {
  readonly w = new Int32Array(80);
  readonly state = new Int32Array(5);
}

/** Chaining state after the key block: the per-session precomputation. */
export class HmacSha1Key {
  readonly inner = new Int32Array(5);
  readonly outer = new Int32Array(5);

  constructor(key: Uint8Array, workspace: Sha1Workspace = new Sha1Workspace()) {
    if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array');
    // RFC 2104 §2: keys longer than the block are hashed first.
    const k = new Uint8Array(64);
    k.set(key.length > 64 ? createHash('sha1').update(key).digest() : key);
    const block = new Uint8Array(64);
    for (let i = 0; i < 64; i++) block[i] = k[i]! ^ 0x36;
    initState(this.inner);
    loadBlock(workspace.w, block, 0);
    compress(this.inner, workspace.w);
    for (let i = 0; i < 64; i++) block[i] = k[i]! ^ 0x5c;
    initState(this.outer);
    loadBlock(workspace.w, block, 0);
    compress(this.outer, workspace.w);
  }
}

function initState(h: Int32Array): void {
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0 | 0;
}

function loadBlock(w: Int32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + 4 * i;
    w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
  }
}

/**
 * Loads padded-tail block `blockOffset` (0 or 64) into w: bytes[start, start+rem), then 0x80, then
 * zeros (the caller sets the length words). Reads only inside the message.
 */
function loadTail(w: Int32Array, bytes: Uint8Array, start: number, rem: number, blockOffset: number): void {
  for (let i = 0; i < 16; i++) {
    const p = blockOffset + 4 * i;
    let v = 0;
    if (p + 4 <= rem) {
      const o = start + p;
      v = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
    } else if (p <= rem) {
      for (let k = 0; k < 4; k++) {
        const q = p + k;
        const b = q < rem ? bytes[start + q]! : q === rem ? 0x80 : 0;
        v |= b << (24 - 8 * k);
      }
    }
    w[i] = v;
  }
}

/** One SHA-1 compression (FIPS 180-4 §6.1.2) of w[0..15] into h. */
function compress(h: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!;
  let b = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  for (let t = 0; t < 20; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w[t]! + 0x5a827999) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 20; t < 40; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t]! + 0x6ed9eba1) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 40; t < 60; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w[t]! + 0x8f1bbcdc) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 60; t < 80; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t]! + 0xca62c1d6) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/**
 * HMAC-SHA1 of bytes[start, end) into workspace.state (five big-endian words).
 * `firstWord`, when given, replaces bytes start..start+3: MESSAGE-INTEGRITY is computed over the header
 * with its length field rewritten (RFC 8489 §14.5), and this avoids copying or mutating the datagram.
 */
export function hmacSha1Words(
  key: HmacSha1Key,
  ws: Sha1Workspace,
  bytes: Uint8Array,
  start: number,
  end: number,
  firstWord?: number,
): Int32Array {
  const h = ws.state;
  const w = ws.w;
  const inner = key.inner;
  h[0] = inner[0]!;
  h[1] = inner[1]!;
  h[2] = inner[2]!;
  h[3] = inner[3]!;
  h[4] = inner[4]!;
  const n = end - start;
  const full = n >>> 6;
  for (let i = 0; i < full; i++) {
    loadBlock(w, bytes, start + 64 * i);
    if (i === 0 && firstWord !== undefined) w[0] = firstWord;
    compress(h, w);
  }
  // Final block(s): remaining bytes, 0x80, zeros, 64-bit bit length of ipad block + message.
  const rem = n & 63;
  const tailStart = start + 64 * full;
  const bits = (64 + n) * 8;
  loadTail(w, bytes, tailStart, rem, 0);
  if (full === 0 && firstWord !== undefined && rem >= 4) w[0] = firstWord;
  if (rem < 56) {
    w[14] = Math.floor(bits / 0x100000000);
    w[15] = bits | 0;
    compress(h, w);
  } else {
    compress(h, w);
    loadTail(w, bytes, tailStart, rem, 64);
    w[14] = Math.floor(bits / 0x100000000);
    w[15] = bits | 0;
    compress(h, w);
  }
  // Outer hash: one block holding the 20-byte inner digest, padding and length (64 + 20) * 8.
  w[0] = h[0]!;
  w[1] = h[1]!;
  w[2] = h[2]!;
  w[3] = h[3]!;
  w[4] = h[4]!;
  w[5] = 0x80000000 | 0;
  for (let i = 6; i < 15; i++) w[i] = 0;
  w[15] = 672;
  const outer = key.outer;
  h[0] = outer[0]!;
  h[1] = outer[1]!;
  h[2] = outer[2]!;
  h[3] = outer[3]!;
  h[4] = outer[4]!;
  compress(h, w);
  return h;
}

/** HMAC-SHA1 of bytes[start, end) written as 20 bytes at out[outOffset]. */
export function hmacSha1Into(
  key: HmacSha1Key,
  ws: Sha1Workspace,
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  outOffset: number,
  firstWord?: number,
): void {
  const h = hmacSha1Words(key, ws, bytes, start, end, firstWord);
  for (let i = 0; i < 5; i++) {
    const v = h[i]!;
    const o = outOffset + 4 * i;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
}
