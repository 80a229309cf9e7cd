import { type Cipher, createCipheriv } from 'node:crypto';
import { type AesGcmCipher, checkGcmCall, checkGcmKey, GCM_TAG_LENGTH } from './gcm-arguments.js';
import { ghashKey, ghashLengths, ghashUpdate } from './ghash.js';

/**
 * AES-GCM for SRTP and SRTCP (RFC 7714 §8-9): 96-bit IV, 128-bit tag, in place on data[start, end).
 *
 * The plain JavaScript build, for runtimes without WebAssembly (e.g. node --jitless); AesGcm uses
 * it only there. Built from parts (NIST SP 800-38D §7): one long-lived AES-ECB cipher per key
 * encrypts, in a single call per packet, the pre-counter block J0 = IV || 1 (for the tag) and the
 * counter blocks inc32(J0), inc32^2(J0), ... (the keystream of GCTR); GHASH runs in constant-time
 * code of our own (./ghash.ts) with 324 bytes of per-key state.
 */
export class AesGcmPortable implements AesGcmCipher {
  readonly #ecb: Cipher;
  readonly #hk: Int32Array;
  /** GHASH accumulator; overwritten at the start of every call. */
  readonly #y = new Int32Array(4);
  /** Computed tag of the packet being opened; overwritten every call. */
  readonly #expected = new Uint8Array(GCM_TAG_LENGTH);

  constructor(key: Uint8Array) {
    checkGcmKey(key);
    this.#ecb = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    // H = CIPH_K(0^128) (SP 800-38D §6.4).
    this.#hk = ghashKey(this.#ecb.update(new Uint8Array(16)));
  }

  seal(
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tagOut: Uint8Array,
    tagOffset: number,
  ): void {
    checkGcmCall(iv, aad, data, start, end, tagOut, tagOffset);
    const stream = this.#keystream(iv, end - start);
    xorInPlace(data, start, end, stream);
    this.#tag(stream, aad, data, start, end, tagOut, tagOffset);
  }

  open(
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tag: Uint8Array,
    tagOffset: number,
  ): boolean {
    checkGcmCall(iv, aad, data, start, end, tag, tagOffset);
    const stream = this.#keystream(iv, end - start);
    const expected = this.#expected;
    this.#tag(stream, aad, data, start, end, expected, 0);
    // SP 800-38D §7.2: the tag is checked before any plaintext is released; the comparison reads
    // all 16 bytes whatever the first difference.
    let diff = 0;
    for (let i = 0; i < GCM_TAG_LENGTH; i++) diff |= expected[i]! ^ tag[tagOffset + i]!;
    if (diff !== 0) return false;
    xorInPlace(data, start, end, stream);
    return true;
  }

  /**
   * CIPH_K(J0) followed by the GCTR keystream for `length` bytes (SP 800-38D §7.1 steps 2-3):
   * J0 = IV || 0^31 || 1 for a 96-bit IV, and counter block i is IV || (1 + i) mod 2^32.
   */
  #keystream(iv: Uint8Array, length: number): Buffer {
    const blocks = 1 + ((length + 15) >>> 4);
    // From Node's shared pool for small sizes: no per-key buffer that grows with the largest packet.
    const counters = Buffer.allocUnsafe(16 * blocks);
    for (let b = 0, o = 0; b < blocks; b++, o += 16) {
      for (let i = 0; i < 12; i++) counters[o + i] = iv[i]!;
      const n = b + 1;
      counters[o + 12] = n >>> 24;
      counters[o + 13] = n >>> 16;
      counters[o + 14] = n >>> 8;
      counters[o + 15] = n;
    }
    return this.#ecb.update(counters);
  }

  /** tag = GHASH_H(A, C) XOR CIPH_K(J0) (SP 800-38D §7.1 steps 5-6), ciphertext in data[start, end). */
  #tag(
    stream: Buffer,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    outOffset: number,
  ): void {
    const y = this.#y;
    const hk = this.#hk;
    y.fill(0);
    ghashUpdate(y, hk, aad, 0, aad.length);
    ghashUpdate(y, hk, data, start, end);
    ghashLengths(y, hk, aad.length, end - start);
    for (let w = 0; w < 4; w++) {
      const v = y[w]!;
      const o = outOffset + 4 * w;
      const s = 4 * w;
      out[o] = (v >>> 24) ^ stream[s]!;
      out[o + 1] = (v >>> 16) ^ stream[s + 1]!;
      out[o + 2] = (v >>> 8) ^ stream[s + 2]!;
      out[o + 3] = v ^ stream[s + 3]!;
    }
  }
}

/** data[start, end) ^= stream[16, ...): the keystream after CIPH_K(J0). */
function xorInPlace(data: Uint8Array, start: number, end: number, stream: Uint8Array): void {
  for (let i = start, j = 16; i < end; i++, j++) data[i] = data[i]! ^ stream[j]!;
}
