import { createHash } from 'node:crypto';
import { sha1Compress } from '@rtcseal/srtp';

/**
 * HMAC-SHA1 (RFC 2104, FIPS 180-4) for MESSAGE-INTEGRITY with the key schedule done once per key.
 *
 * STUN messages are ~100 bytes: a per-message `createHmac` costs several microseconds of object setup,
 * more than the four SHA-1 compressions the MAC needs. The inner and outer states after the padded key
 * blocks are computed once per session key; each message then costs only its own blocks. The SHA-1
 * compression is the one @rtcseal/srtp uses for its authentication tags.
 */

/** Scratch memory for SHA-1; one per thread of control (a router, an agent), shared by many keys. */
export class Sha1Workspace {
  readonly state = new Int32Array(5);
  /** Blocks that are not read straight from the message: the first with its word replaced, the tail. */
  readonly block = new Uint8Array(128);
  readonly view = new DataView(this.block.buffer);
  /** DataView of the last message's ArrayBuffer (pooled Buffers share one, so it is reused). */
  message: DataView = new DataView(new ArrayBuffer(0));
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
    const block = workspace.block;
    for (let i = 0; i < 64; i++) block[i] = k[i]! ^ 0x36;
    initState(this.inner);
    sha1Compress(this.inner, workspace.view, 0);
    for (let i = 0; i < 64; i++) block[i] = k[i]! ^ 0x5c;
    initState(this.outer);
    sha1Compress(this.outer, workspace.view, 0);
    block.fill(0, 0, 64);
  }
}

function initState(h: Int32Array): void {
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0 | 0;
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
  h.set(key.inner);
  let view = ws.message;
  if (view.buffer !== bytes.buffer) {
    view = new DataView(bytes.buffer);
    ws.message = view;
  }
  const shift = bytes.byteOffset;
  const block = ws.block;
  const bv = ws.view;
  const n = end - start;
  const full = n >>> 6;
  for (let i = 0; i < full; i++) {
    const at = start + 64 * i;
    if (i === 0 && firstWord !== undefined) {
      bv.setInt32(0, firstWord);
      for (let j = 4; j < 64; j += 4) bv.setInt32(j, view.getInt32(shift + at + j));
      sha1Compress(h, bv, 0);
    } else {
      sha1Compress(h, view, shift + at);
    }
  }
  // Tail: remaining bytes, 0x80, zeros, 64-bit bit length of ipad block + message.
  const rem = n & 63;
  const tailStart = start + 64 * full;
  const tailLength = rem < 56 ? 64 : 128;
  const remWords = rem & ~3;
  for (let j = 0; j < remWords; j += 4) bv.setInt32(j, view.getInt32(shift + tailStart + j));
  for (let j = remWords; j < rem; j++) block[j] = bytes[tailStart + j]!;
  if (full === 0 && firstWord !== undefined && rem >= 4) bv.setInt32(0, firstWord);
  block[rem] = 0x80;
  block.fill(0, rem + 1, tailLength - 8);
  const bits = (64 + n) * 8;
  bv.setUint32(tailLength - 8, Math.floor(bits / 0x100000000));
  bv.setUint32(tailLength - 4, bits >>> 0);
  sha1Compress(h, bv, 0);
  if (tailLength === 128) sha1Compress(h, bv, 64);
  // Outer hash: one block holding the 20-byte inner digest, padding and length (64 + 20) * 8.
  for (let i = 0; i < 5; i++) bv.setInt32(4 * i, h[i]!);
  bv.setUint32(20, 0x80000000);
  block.fill(0, 24, 62);
  bv.setUint16(62, 672);
  h.set(key.outer);
  sha1Compress(h, bv, 0);
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
