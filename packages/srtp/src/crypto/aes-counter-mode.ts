import { type Cipher, createCipheriv } from 'node:crypto';
import { FirstUse } from '../self-test/first-use.js';
import { AES_CM_ANSWERS } from '../self-test/known-answers.js';

/**
 * What makes the AES-CM keystream: counter blocks laid out here and encrypted by one long-lived
 * AES-ECB cipher ('ecb-counter-blocks'), or node's own AES-CTR per packet ('node-crypto'), the
 * fallback when the former fails its self-test.
 */
export type AesCmKernel = 'ecb-counter-blocks' | 'node-crypto';

/**
 * AES in Counter Mode as SRTP uses it (RFC 3711 §4.1.1): the keystream for a packet is
 * E(k, IV), E(k, IV + 1), ... with IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16),
 * so the low 16 bits count blocks and the upper 112 bits come from the salt, SSRC and index.
 *
 * One `aes-*-ecb` cipher is created per session key and kept for the life of the context; the
 * counter blocks are laid out in a reusable buffer and encrypted with one `update()` call, which
 * is much cheaper than creating a CTR cipher per packet. The keystream is XORed in JS.
 * With the 'node-crypto' kernel, `xor`, `xorWithLookahead` and `keystreamFromPrefix` run node's
 * AES-CTR instead (a cipher per call), and `batchable` is false.
 */
export class AesCounterMode {
  readonly #cipher: Cipher;
  readonly #key: Buffer;
  readonly #ctrAlgorithm: 'aes-128-ctr' | 'aes-256-ctr';
  /** Which code makes the keystream. */
  readonly kernel: AesCmKernel;
  /**
   * Whether `writeCounters`, `generate` and `xorKeystream` (one keystream for a batch of packets)
   * are the kernel's path; false when node's AES-CTR serves, and callers go packet by packet.
   */
  readonly batchable: boolean;
  /** 14-byte session salt (k_s); its shift by 16 bits is the zero fill of the block counter. */
  readonly #salt: Uint8Array;
  #counters: Uint8Array;
  #counterWords: Uint32Array;
  readonly #iv = new Uint8Array(16);
  readonly #ivWords = new Uint32Array(this.#iv.buffer);
  readonly #littleEndian: boolean;
  #dataWords: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #keystreamWords: Int32Array<ArrayBufferLike> = new Int32Array(0);

  /**
   * @param key AES-128 or AES-256 key (16 or 32 bytes).
   * @param salt 14-byte session salt, or undefined to use `keystreamFromPrefix` only (key derivation).
   * @param kernel what makes the keystream (default: counter blocks through AES-ECB if that passed
   *   its self-test at first use, else node's AES-CTR).
   */
  constructor(key: Uint8Array, salt?: Uint8Array, kernel: AesCmKernel = AES_CM_KERNEL.get().serves) {
    if (key.length !== 16 && key.length !== 32) throw new RangeError('key must be 16 or 32 bytes');
    if (salt !== undefined && salt.length !== 14) throw new RangeError('salt must be 14 bytes');
    this.kernel = kernel;
    this.batchable = kernel === 'ecb-counter-blocks';
    this.#key = Buffer.from(key);
    this.#ctrAlgorithm = key.length === 16 ? 'aes-128-ctr' : 'aes-256-ctr';
    this.#cipher = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
    this.#cipher.setAutoPadding(false);
    this.#salt = new Uint8Array(14);
    if (salt !== undefined) this.#salt.set(salt);
    this.#counters = new Uint8Array(new ArrayBuffer(16 * 128));
    this.#counterWords = new Uint32Array(this.#counters.buffer);
    this.#littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  }

  /**
   * XORs the keystream of packet index i = indexHigh * 2^16 + indexLow for `ssrc` into
   * data[start, end). For SRTP indexHigh is the ROC and indexLow the sequence number; for SRTCP
   * (RFC 3711 §4.1) the 31-bit SRTCP index splits the same way.
   */
  xor(ssrc: number, indexHigh: number, indexLow: number, data: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    if (!this.batchable) {
      if ((end - start + 15) >>> 4 > 65536)
        throw new RangeError('byteLength exceeds 2^16 AES blocks for one IV');
      this.#setIv(ssrc, indexHigh, indexLow);
      this.#nativeXor(data, start, end);
      return;
    }
    const blocks = this.writeCounters(0, ssrc, indexHigh, indexLow, end - start);
    const keystream = this.generate(blocks);
    this.xorKeystream(keystream, 0, data, start, end);
  }

  /**
   * Like `xor`, for SRTP packet index `index` (ROC * 2^16 + SEQ), drawing on keystream generated
   * ahead for the next indices of the same SSRC: up to LOOKAHEAD_PACKETS packets within
   * LOOKAHEAD_BYTES (at least two packets). Media packets of one SSRC come with consecutive
   * indices, so one `update()` call serves several packets; the per-call cost of `update()`
   * dominates for audio-sized packets. Packets longer than LOOKAHEAD_MAX_BLOCKS blocks bypass it.
   */
  xorWithLookahead(
    lookahead: KeystreamLookahead,
    ssrc: number,
    index: number,
    data: Uint8Array,
    start: number,
    end: number,
  ): void {
    const blocks = (end - start + 15) >>> 4;
    if (blocks > LOOKAHEAD_MAX_BLOCKS || blocks === 0 || !this.batchable) {
      this.xor(ssrc, Math.floor(index / 65536), index % 65536, data, start, end);
      return;
    }
    let slot = index - lookahead.start;
    if (slot < 0 || slot >= lookahead.count || blocks > lookahead.strideBlocks) {
      // Round the stride up to 4 blocks and keep a wider previous one (up to twice the need), so
      // that packets of varying size (VBR audio) do not force a refill each.
      const previous = lookahead.strideBlocks;
      const stride = (Math.max(blocks, previous <= 2 * blocks ? previous : 0) + 3) & ~3;
      const limit = Math.min(LOOKAHEAD_PACKETS, Math.max(2, Math.floor(LOOKAHEAD_BYTES / (16 * stride))));
      let count = 0;
      for (; count < limit && index + count <= MAX_SRTP_INDEX; count++) {
        const i = index + count;
        this.writeCounters(count * stride, ssrc, Math.floor(i / 65536), i % 65536, stride * 16);
      }
      lookahead.keystream = this.generate(count * stride);
      lookahead.start = index;
      lookahead.count = count;
      lookahead.strideBlocks = stride;
      slot = 0;
    }
    this.xorKeystream(lookahead.keystream, slot * lookahead.strideBlocks * 16, data, start, end);
  }

  /**
   * Lays out the counter blocks for one packet of `byteLength` bytes at block `blockOffset` of the
   * shared counter buffer; returns the number of blocks written. Used to build one keystream for
   * a batch of packets.
   */
  writeCounters(
    blockOffset: number,
    ssrc: number,
    indexHigh: number,
    indexLow: number,
    byteLength: number,
  ): number {
    const blocks = (byteLength + 15) >>> 4;
    // RFC 3711 §4.1.1: the block counter is 16 bits; more blocks would repeat keystream.
    if (blocks > 65536) throw new RangeError('byteLength exceeds 2^16 AES blocks for one IV');
    this.#setIv(ssrc, indexHigh, indexLow);
    this.#fillCounters(blockOffset, blocks);
    return blocks;
  }

  /** IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), block counter 0 (RFC 3711 §4.1.1). */
  #setIv(ssrc: number, indexHigh: number, indexLow: number): void {
    const iv = this.#iv;
    const s = this.#salt;
    iv[0] = s[0]!;
    iv[1] = s[1]!;
    iv[2] = s[2]!;
    iv[3] = s[3]!;
    iv[4] = s[4]! ^ (ssrc >>> 24);
    iv[5] = s[5]! ^ ((ssrc >>> 16) & 0xff);
    iv[6] = s[6]! ^ ((ssrc >>> 8) & 0xff);
    iv[7] = s[7]! ^ (ssrc & 0xff);
    iv[8] = s[8]! ^ (indexHigh >>> 24);
    iv[9] = s[9]! ^ ((indexHigh >>> 16) & 0xff);
    iv[10] = s[10]! ^ ((indexHigh >>> 8) & 0xff);
    iv[11] = s[11]! ^ (indexHigh & 0xff);
    iv[12] = s[12]! ^ ((indexLow >>> 8) & 0xff);
    iv[13] = s[13]! ^ (indexLow & 0xff);
    iv[14] = 0;
    iv[15] = 0;
  }

  /** data[start, end) ^= node's AES-CTR keystream from the IV in #iv. */
  #nativeXor(data: Uint8Array, start: number, end: number): void {
    const ctr = createCipheriv(this.#ctrAlgorithm, this.#key, this.#iv);
    data.set(ctr.update(data.subarray(start, end)), start);
  }

  /**
   * Keystream for an arbitrary 14-byte counter prefix (the AES-CM PRF of RFC 3711 §4.3.3 uses
   * the master salt XOR label as prefix). Returns `byteLength` bytes.
   */
  keystreamFromPrefix(prefix: Uint8Array, byteLength: number): Buffer {
    const blocks = (byteLength + 15) >>> 4;
    this.#iv.set(prefix.subarray(0, 14));
    this.#iv[14] = 0;
    this.#iv[15] = 0;
    if (!this.batchable) {
      return createCipheriv(this.#ctrAlgorithm, this.#key, this.#iv).update(Buffer.alloc(byteLength));
    }
    this.#fillCounters(0, blocks);
    return this.generate(blocks).subarray(0, byteLength);
  }

  /** Encrypts the first `blocks` counter blocks: one `update()` for the whole run. */
  generate(blocks: number): Buffer {
    return this.#cipher.update(this.#counters.subarray(0, blocks * 16));
  }

  #fillCounters(blockOffset: number, blocks: number): void {
    const needed = (blockOffset + blocks) * 16;
    if (needed > this.#counters.length) this.#grow(needed);
    const words = this.#counterWords;
    const iw = this.#ivWords;
    const w0 = iw[0]!;
    const w1 = iw[1]!;
    const w2 = iw[2]!;
    const w3 = iw[3]!;
    let j = blockOffset * 4;
    if (this.#littleEndian) {
      // Bytes 14 and 15 of a block are the high and low byte of the 16-bit block counter.
      for (let i = 0; i < blocks; i++, j += 4) {
        words[j] = w0;
        words[j + 1] = w1;
        words[j + 2] = w2;
        words[j + 3] = w3 | (((i >>> 8) & 0xff) << 16) | ((i & 0xff) << 24);
      }
    } else {
      for (let i = 0; i < blocks; i++, j += 4) {
        words[j] = w0;
        words[j + 1] = w1;
        words[j + 2] = w2;
        words[j + 3] = w3 | (i & 0xffff);
      }
    }
  }

  /**
   * data[start, end) ^= keystream[ksOffset, ...). Works in 32-bit words where both ranges are
   * 4-byte aligned (RTP headers are a multiple of 4 bytes, so payloads usually are). The word
   * views are kept per ArrayBuffer: pooled Buffers and a lookahead keystream share one, so
   * consecutive packets reuse the views instead of allocating two per packet.
   */
  xorKeystream(keystream: Uint8Array, ksOffset: number, data: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const dataAt = data.byteOffset + start;
    const ksAt = keystream.byteOffset + ksOffset;
    if (n >= 16 && (dataAt & 3) === 0 && (ksAt & 3) === 0) {
      let dw = this.#dataWords;
      if (dw.buffer !== data.buffer) {
        dw = new Int32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
        this.#dataWords = dw;
      }
      let kw = this.#keystreamWords;
      if (kw.buffer !== keystream.buffer) {
        kw = new Int32Array(keystream.buffer, 0, keystream.buffer.byteLength >>> 2);
        this.#keystreamWords = kw;
      }
      const words = n >>> 2;
      const d = dataAt >>> 2;
      const k = ksAt >>> 2;
      for (let i = 0; i < words; i++) dw[d + i] = dw[d + i]! ^ kw[k + i]!;
      start += words << 2;
      ksOffset += words << 2;
    }
    for (let i = start, k = ksOffset; i < end; i++, k++) data[i] = data[i]! ^ keystream[k]!;
  }

  #grow(needed: number): void {
    let size = this.#counters.length;
    while (size < needed) size *= 2;
    const next = new Uint8Array(new ArrayBuffer(size));
    next.set(this.#counters);
    this.#counters = next;
    this.#counterWords = new Uint32Array(next.buffer);
  }
}

/** Most consecutive packet indices one lookahead refill covers. */
export const LOOKAHEAD_PACKETS = 16;
/** Keystream bytes one refill aims at (a refill covers at least two packets). */
export const LOOKAHEAD_BYTES = 4096;
/** Largest packet (in 16-byte blocks, i.e. 2048 payload bytes) served from the lookahead. */
export const LOOKAHEAD_MAX_BLOCKS = 128;
const MAX_SRTP_INDEX = 2 ** 48 - 1;

/**
 * Keystream computed ahead for one SSRC: packet index `start + k` owns bytes
 * [k * strideBlocks * 16, (k + 1) * strideBlocks * 16). At most 4 KiB per stream
 * (LOOKAHEAD_BYTES, or two packets of LOOKAHEAD_MAX_BLOCKS).
 */
export class KeystreamLookahead {
  start = -1;
  count = 0;
  strideBlocks = 0;
  keystream: Uint8Array = new Uint8Array(0);
}

/** The outcome of checking an AES-CM keystream path: what serves and, if it failed, why. */
export interface AesCmKernelCheck {
  readonly serves: AesCmKernel;
  readonly failure?: string;
}

/**
 * Checks an AES-CM implementation (made by `make`, with a key, a 14-byte salt or none) against
 * RFC 3711 B.2 (keystream blocks 0-2 by `xor` and by `xorWithLookahead`), B.3 (the PRF through
 * `keystreamFromPrefix`) and node's AES-CTR for consecutive packets across a ROC step (lookahead
 * refill, unaligned data). If anything disagrees (or throws), node's AES-CTR serves instead.
 */
export function checkAesCounterMode(
  make: (key: Uint8Array, salt: Uint8Array | undefined) => AesCounterMode,
): AesCmKernelCheck {
  const fail = (failure: string): AesCmKernelCheck => ({ serves: 'node-crypto', failure });
  try {
    const a = AES_CM_ANSWERS;
    const cm = make(Buffer.from(a.key, 'hex'), Buffer.from(a.salt, 'hex'));
    const stream = new Uint8Array(48);
    cm.xor(0, 0, 0, stream, 0, 48);
    if (Buffer.from(stream).toString('hex') !== a.keystream) return fail('RFC 3711 B.2 keystream by xor');
    const ahead = new Uint8Array(48);
    cm.xorWithLookahead(new KeystreamLookahead(), 0, 0, ahead, 0, 48);
    if (Buffer.from(ahead).toString('hex') !== a.keystream)
      return fail('RFC 3711 B.2 keystream by lookahead');

    const prf = make(Buffer.from(a.prf.masterKey, 'hex'), undefined);
    const x = Buffer.from(a.prf.masterSalt, 'hex'); // label 0 at index 0: x is the master salt
    if (prf.keystreamFromPrefix(x, 16).toString('hex') !== a.prf.cipherKey) return fail('RFC 3711 B.3 PRF');

    // Three packets of one SSRC across the ROC step, at an odd offset, against node's AES-CTR.
    const key = Buffer.from(a.prf.masterKey, 'hex');
    const salt = Buffer.from(a.salt, 'hex');
    const checked = make(key, salt);
    const lookahead = new KeystreamLookahead();
    const ssrc = 0x9abcdef0;
    for (const index of [0xfffe, 0xffff, 0x10000]) {
      const data = new Uint8Array(3 + 37).fill(0x5a);
      checked.xorWithLookahead(lookahead, ssrc, index, data, 3, 40);
      const iv = Buffer.alloc(16);
      salt.copy(iv);
      iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
      iv.writeUInt32BE((iv.readUInt32BE(8) ^ Math.floor(index / 65536)) >>> 0, 8);
      iv.writeUInt16BE(iv.readUInt16BE(12) ^ (index & 0xffff), 12);
      const expected = createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(37, 0x5a));
      if (!expected.equals(data.subarray(3)))
        return fail(`keystream of packet index ${index} differs from AES-CTR`);
    }
  } catch (e) {
    return fail(`AES-CM kernel threw: ${String(e)}`);
  }
  return { serves: 'ecb-counter-blocks' };
}

/** The AES-CM path every AesCounterMode uses unless told otherwise, checked on first use. */
const AES_CM_KERNEL = new FirstUse(() =>
  checkAesCounterMode((key, salt) => new AesCounterMode(key, salt, 'ecb-counter-blocks')),
);

/** The outcome of the AES-CM self-test (runs it if no AesCounterMode was made yet). */
export function aesCmKernelStatus(): AesCmKernelCheck {
  return AES_CM_KERNEL.get();
}
