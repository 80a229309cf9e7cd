import { createHash, createHmac } from 'node:crypto';
import { FirstUse } from '../self-test/first-use.js';
import { HMAC_SHA1_ANSWERS, SHA1_ANSWERS } from '../self-test/known-answers.js';
import { sha1Compress } from './sha1-compress.js';

/** One SHA-1 compression of the 64-byte block at `off` of `view` into the state `h`. */
export type Sha1Compress = (h: Int32Array, view: DataView, off: number) => void;

/**
 * What computes HMAC-SHA1 below the native threshold: the JS compression (sha1Compress), once it
 * gave the known answers, or node's Hmac for every message when it did not.
 */
export type Sha1Kernel =
  | { readonly serves: 'javascript' }
  | { readonly serves: 'node-crypto'; readonly failure: string };

/**
 * HMAC-SHA1 (RFC 2104, FIPS 180-4) for the SRTP/SRTCP authentication transform (RFC 3711 §4.2.1).
 *
 * The SHA-1 states after the ipad and opad blocks are computed once per key, so one MAC over a
 * packet costs the packet's own blocks plus a single outer block. Creating a node:crypto Hmac per
 * packet costs more than that for media-sized packets; above `nativeThreshold` bytes the native
 * implementation wins again and is used instead.
 *
 * Every SRTP/SRTCP MAC input is "packet bytes || one 32-bit big-endian word" (the ROC for SRTP,
 * E||SRTCP index for SRTCP), which is what `macWithTrailer` computes.
 */
export class HmacSha1 {
  readonly #key: Buffer;
  readonly #inner = new Int32Array(5);
  readonly #outer = new Int32Array(5);
  readonly #h = new Int32Array(5);
  readonly #outerBlock = new Uint8Array(64);
  readonly #outerView = new DataView(this.#outerBlock.buffer);
  readonly #tail = new Uint8Array(128);
  readonly #tailView = new DataView(this.#tail.buffer);
  /** DataView over the ArrayBuffer of the last message: pooled Buffers share one, so it is reused. */
  #dataView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  readonly #trailer = Buffer.alloc(4);
  readonly #digest = new Uint8Array(20);
  readonly #nativeThreshold: number;
  /** Which code computes the MACs below `nativeThreshold` (all of them with 'node-crypto'). */
  readonly serves: 'javascript' | 'node-crypto';

  /**
   * @param key HMAC key (any length; SRTP uses 20 bytes).
   * @param nativeThreshold message length (bytes) from which node:crypto's Hmac is used.
   * @param kernel the outcome of the SHA-1 self-test (default: the one run at first use); when the
   *   JS compression failed it, node's Hmac serves every message whatever `nativeThreshold` says.
   */
  constructor(
    key: Uint8Array,
    nativeThreshold = DEFAULT_NATIVE_THRESHOLD,
    kernel: Sha1Kernel = SHA1_KERNEL.get(),
  ) {
    if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array');
    this.serves = kernel.serves;
    this.#nativeThreshold = kernel.serves === 'javascript' ? nativeThreshold : 0;
    this.#key = Buffer.from(key);
    let k: Uint8Array = key;
    if (k.length > 64) k = createHmacKeyDigest(k);
    const pad = new Uint8Array(64);
    pad.set(k);
    for (let i = 0; i < 64; i++) pad[i] = pad[i]! ^ 0x36;
    initState(this.#inner);
    const padView = new DataView(pad.buffer);
    sha1Compress(this.#inner, padView, 0);
    for (let i = 0; i < 64; i++) pad[i] = pad[i]! ^ (0x36 ^ 0x5c);
    initState(this.#outer);
    sha1Compress(this.#outer, padView, 0);
    pad.fill(0);
    this.#outerBlock[20] = 0x80;
    this.#outerBlock[62] = ((64 + 20) * 8) >>> 8;
    this.#outerBlock[63] = ((64 + 20) * 8) & 0xff;
  }

  /**
   * HMAC-SHA1(key, data[start, end) || uint32be(trailer)), truncated to `tagLength` bytes
   * written to out[outOffset ...].
   */
  macWithTrailer(
    data: Uint8Array,
    start: number,
    end: number,
    trailer: number,
    out: Uint8Array,
    outOffset: number,
    tagLength: number,
  ): void {
    if (end - start >= this.#nativeThreshold) {
      this.#nativeMac(data, start, end, trailer, out, outOffset, tagLength);
      return;
    }
    const h = this.#h;
    h[0] = this.#inner[0]!;
    h[1] = this.#inner[1]!;
    h[2] = this.#inner[2]!;
    h[3] = this.#inner[3]!;
    h[4] = this.#inner[4]!;
    let off = start;
    const fullEnd = end - ((end - start) & 63);
    let view = this.#dataView;
    if (view.buffer !== data.buffer) {
      view = new DataView(data.buffer);
      this.#dataView = view;
    }
    const shift = data.byteOffset;
    while (off < fullEnd) {
      sha1Compress(h, view, shift + off);
      off += 64;
    }
    // Tail: remaining bytes, the 32-bit trailer, 0x80, zero fill and the 64-bit bit length.
    const tail = this.#tail;
    const tv = this.#tailView;
    const rem = end - off;
    const remWords = rem & ~3;
    for (let i = 0; i < remWords; i += 4) tv.setInt32(i, view.getInt32(shift + off + i));
    for (let i = remWords; i < rem; i++) tail[i] = data[off + i]!;
    tail[rem] = trailer >>> 24;
    tail[rem + 1] = (trailer >>> 16) & 0xff;
    tail[rem + 2] = (trailer >>> 8) & 0xff;
    tail[rem + 3] = trailer & 0xff;
    tail[rem + 4] = 0x80;
    const tailLength = rem + 4 + 1 + 8 <= 64 ? 64 : 128;
    tail.fill(0, rem + 5, tailLength - 8);
    // Message length counts the 64-byte ipad block already hashed.
    const bits = (64 + (end - start) + 4) * 8;
    tv.setUint32(tailLength - 8, Math.floor(bits / 0x100000000));
    tv.setUint32(tailLength - 4, bits >>> 0);
    sha1Compress(h, tv, 0);
    if (tailLength === 128) sha1Compress(h, tv, 64);

    // Outer hash: one block holding the 20-byte inner digest; its padding and length
    // ((64 + 20) * 8 bits) were written once at construction.
    const ov = this.#outerView;
    ov.setInt32(0, h[0]!);
    ov.setInt32(4, h[1]!);
    ov.setInt32(8, h[2]!);
    ov.setInt32(12, h[3]!);
    ov.setInt32(16, h[4]!);
    h[0] = this.#outer[0]!;
    h[1] = this.#outer[1]!;
    h[2] = this.#outer[2]!;
    h[3] = this.#outer[3]!;
    h[4] = this.#outer[4]!;
    sha1Compress(h, ov, 0);
    for (let i = 0; i < tagLength; i++) {
      out[outOffset + i] = (h[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    }
  }

  /**
   * Compares HMAC(data[start,end) || trailer) truncated to tagLength with expected[expectedOffset...]
   * in constant time (no early exit on the first differing byte).
   */
  verifyWithTrailer(
    data: Uint8Array,
    start: number,
    end: number,
    trailer: number,
    expected: Uint8Array,
    expectedOffset: number,
    tagLength: number,
  ): boolean {
    const digest = this.#digest;
    this.macWithTrailer(data, start, end, trailer, digest, 0, tagLength);
    let diff = 0;
    for (let i = 0; i < tagLength; i++) diff |= digest[i]! ^ expected[expectedOffset + i]!;
    return diff === 0;
  }

  #nativeMac(
    data: Uint8Array,
    start: number,
    end: number,
    trailer: number,
    out: Uint8Array,
    outOffset: number,
    tagLength: number,
  ): void {
    const t = this.#trailer;
    t.writeUInt32BE(trailer >>> 0, 0);
    const mac = createHmac('sha1', this.#key).update(data.subarray(start, end)).update(t).digest();
    for (let i = 0; i < tagLength; i++) out[outOffset + i] = mac[i]!;
  }
}

/**
 * Message length from which node:crypto's Hmac is used. Measured on the project machine (Node 20,
 * CPU time per MAC): the JS path took 1.05 us at 172 bytes against 5.0 us for a createHmac per
 * message (and 4.9 us for two one-shot crypto.hash calls), 2.9 us vs 6.2 us at 1212 bytes; the two
 * met between 2000 and 3000 bytes, and node's Hmac wins above (11 us vs 24 us at 9000 bytes).
 */
export const DEFAULT_NATIVE_THRESHOLD = 2500;

function initState(h: Int32Array): void {
  h[0] = 0x67452301;
  h[1] = 0xefcdab89 | 0;
  h[2] = 0x98badcfe | 0;
  h[3] = 0x10325476;
  h[4] = 0xc3d2e1f0 | 0;
}

/** RFC 2104 §2: keys longer than the block size are hashed first. */
function createHmacKeyDigest(key: Uint8Array): Uint8Array {
  // Uses node's SHA-1 once at construction; not on the packet path.
  return new Uint8Array(createHash('sha1').update(key).digest());
}

/**
 * Checks a SHA-1 compression against FIPS 180-4's examples and RFC 2202's HMAC answers (HMAC
 * built on it as RFC 2104 writes it). The JS path serves only if every answer matched; otherwise
 * node's Hmac serves (and `failure` says what disagreed). A compression that throws fails.
 */
export function checkSha1Kernel(compress: Sha1Compress): Sha1Kernel {
  try {
    for (const { message, digest } of SHA1_ANSWERS) {
      const got = sha1WithCompress(compress, Buffer.from(message)).toString('hex');
      if (got !== digest) return { serves: 'node-crypto', failure: `SHA-1("${message}") gave ${got}` };
    }
    for (const { key, data, mac } of HMAC_SHA1_ANSWERS) {
      const got = hmacWithCompress(compress, Buffer.from(key, 'hex'), Buffer.from(data, 'hex')).toString(
        'hex',
      );
      if (got !== mac) return { serves: 'node-crypto', failure: `HMAC-SHA1 (RFC 2202) gave ${got}` };
    }
  } catch (e) {
    return { serves: 'node-crypto', failure: `SHA-1 kernel threw: ${String(e)}` };
  }
  return { serves: 'javascript' };
}

/** RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K hashed first when longer than a block. */
function hmacWithCompress(compress: Sha1Compress, key: Buffer, data: Buffer): Buffer {
  const k = Buffer.alloc(64);
  (key.length > 64 ? sha1WithCompress(compress, key) : key).copy(k);
  const inner = sha1WithCompress(compress, Buffer.concat([k.map((b) => b ^ 0x36), data]));
  return sha1WithCompress(compress, Buffer.concat([k.map((b) => b ^ 0x5c), inner]));
}

/** SHA-1 of a whole message with the given compression (padding per FIPS 180-4 §5.1.1). */
function sha1WithCompress(compress: Sha1Compress, message: Uint8Array): Buffer {
  const padded = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 4, (message.length * 8) >>> 0);
  const h = new Int32Array(5);
  initState(h);
  for (let off = 0; off < padded.length; off += 64) compress(h, view, off);
  const out = Buffer.alloc(20);
  for (let i = 0; i < 5; i++) out.writeInt32BE(h[i]!, 4 * i);
  return out;
}

/**
 * Whether HmacSha1's own JS path (pads hashed once, tail with the trailer, outer block) gives the
 * RFC 2202 answers when its compression does: the input "bytes || trailer" takes the answer's data
 * with its last four bytes as the trailer.
 */
export function checkHmacSha1Path(): Sha1Kernel {
  for (const { key, data, mac } of HMAC_SHA1_ANSWERS) {
    const bytes = Buffer.from(data, 'hex');
    const end = bytes.length - 4;
    const out = new Uint8Array(20);
    const hmac = new HmacSha1(Buffer.from(key, 'hex'), Number.POSITIVE_INFINITY, { serves: 'javascript' });
    hmac.macWithTrailer(bytes, 0, end, bytes.readUInt32BE(end), out, 0, 20);
    const got = Buffer.from(out).toString('hex');
    if (got !== mac) return { serves: 'node-crypto', failure: `HmacSha1 JS path (RFC 2202) gave ${got}` };
  }
  return { serves: 'javascript' };
}

/** What every HmacSha1 uses unless told otherwise: sha1Compress and the JS path, checked on first use. */
const SHA1_KERNEL = new FirstUse((): Sha1Kernel => {
  const compression = checkSha1Kernel(sha1Compress);
  return compression.serves === 'javascript' ? checkHmacSha1Path() : compression;
});

/** The outcome of the SHA-1 self-test (runs it if no HmacSha1 was made yet). */
export function sha1KernelStatus(): Sha1Kernel {
  return SHA1_KERNEL.get();
}
