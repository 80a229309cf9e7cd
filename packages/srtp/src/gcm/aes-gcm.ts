import { type Cipher, createCipheriv } from 'node:crypto';
import { AesGcmPortable } from './aes-gcm-portable.js';
import { type AesGcmCipher, checkGcmCall, checkGcmKey, GCM_TAG_LENGTH } from './aes-gcm-reference.js';
import {
  BUFFER_OFFSET,
  compileGcmKernel,
  GcmKernel,
  H_OFFSET,
  IV_OFFSET,
  TAG_IN_OFFSET,
  TAG_OUT_OFFSET,
} from './gcm-kernel.js';

/**
 * The WebAssembly kernel shared by every AesGcm of this thread. Its memory is scratch space only:
 * each call writes H, the IV and the packet before reading them, so no state passes between calls
 * or between keys. Undefined where WebAssembly is disabled.
 */
const KERNEL: GcmKernel | undefined =
  typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object'
    ? new GcmKernel(compileGcmKernel())
    : undefined;

const ZERO_BLOCK = new Uint8Array(16);

/**
 * AES-GCM for SRTP and SRTCP (RFC 7714 §8-9): 96-bit IV, 128-bit tag, in place on data[start, end).
 *
 * Built from parts (NIST SP 800-38D §7): one long-lived AES-ECB cipher per key encrypts, in a single
 * `update()` per packet, the pre-counter block J0 = IV || 1 (for the tag) and the counter blocks
 * inc32(J0), inc32^2(J0), ... (the GCTR keystream). Counter blocks, the XOR, GHASH and the tag
 * check run in a small WebAssembly kernel whose GHASH is constant-time (see ./gcm-kernel.ts).
 * Per-key state: the AES-ECB cipher and H (16 bytes).
 */
export class AesGcm implements AesGcmCipher {
  readonly #ecb: Cipher;
  readonly #h: Uint8Array;
  readonly #portable: AesGcmPortable | undefined;

  constructor(key: Uint8Array) {
    checkGcmKey(key);
    this.#ecb = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    // H = CIPH_K(0^128) (SP 800-38D §6.4).
    this.#h = Uint8Array.from(this.#ecb.update(ZERO_BLOCK));
    this.#portable = KERNEL === undefined ? new AesGcmPortable(key) : undefined;
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
    if (KERNEL === undefined) {
      this.#portable!.seal(iv, aad, data, start, end, tagOut, tagOffset);
      return;
    }
    checkGcmCall(iv, aad, data, start, end, tagOut, tagOffset);
    const at = this.#load(KERNEL, iv, aad, data, start, end);
    const mem = KERNEL.bytes(0);
    const k = KERNEL.exports;
    // The padding after the ciphertext must stay zero for GHASH: clear the keystream past the end.
    mem.fill(0, at.stream + 16 + at.length, at.stream + 16 + 16 * at.dataBlocks);
    k.xorBlocks(at.data, at.stream + 16, at.dataBlocks);
    k.tag(BUFFER_OFFSET, at.hashBlocks, at.stream, TAG_OUT_OFFSET);
    data.set(mem.subarray(at.data, at.data + at.length), start);
    tagOut.set(mem.subarray(TAG_OUT_OFFSET, TAG_OUT_OFFSET + GCM_TAG_LENGTH), tagOffset);
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
    if (KERNEL === undefined) return this.#portable!.open(iv, aad, data, start, end, tag, tagOffset);
    checkGcmCall(iv, aad, data, start, end, tag, tagOffset);
    const at = this.#load(KERNEL, iv, aad, data, start, end);
    const mem = KERNEL.bytes(0);
    const k = KERNEL.exports;
    k.tag(BUFFER_OFFSET, at.hashBlocks, at.stream, TAG_OUT_OFFSET);
    mem.set(tag.subarray(tagOffset, tagOffset + GCM_TAG_LENGTH), TAG_IN_OFFSET);
    // SP 800-38D §7.2: no plaintext before the tag is verified, compared over all 16 bytes.
    if (k.tagsEqual() === 0) return false;
    k.xorBlocks(at.data, at.stream + 16, at.dataBlocks);
    data.set(mem.subarray(at.data, at.data + at.length), start);
    return true;
  }

  /**
   * Lays out one packet in the kernel's memory: A zero-padded, C zero-padded and the length block
   * contiguous from BUFFER_OFFSET (the GHASH input of SP 800-38D §7.1 step 5), then CIPH_K(J0) and
   * the keystream, made by one ECB update over the counter blocks the kernel writes.
   */
  #load(
    kernel: GcmKernel,
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
  ): Layout {
    const length = end - start;
    const aadPadded = Math.ceil(aad.length / 16) * 16;
    const dataBlocks = Math.ceil(length / 16);
    const dataAt = BUFFER_OFFSET + aadPadded;
    const lengthsAt = dataAt + 16 * dataBlocks;
    const stream = lengthsAt + 16;
    const total = stream + 16 * (dataBlocks + 1);
    const mem = kernel.bytes(total);
    const k = kernel.exports;

    mem.set(this.#h, H_OFFSET);
    k.setKey();
    mem.set(iv, IV_OFFSET);
    k.counters(stream, dataBlocks + 1);
    mem.set(this.#ecb.update(mem.subarray(stream, total)), stream);

    mem.set(aad, BUFFER_OFFSET);
    mem.fill(0, BUFFER_OFFSET + aad.length, dataAt);
    mem.set(data.subarray(start, end), dataAt);
    mem.fill(0, dataAt + length, lengthsAt);
    // len(A) || len(C) as 64-bit big-endian bit counts.
    writeUint32(mem, lengthsAt, Math.floor(aad.length / 0x20000000));
    writeUint32(mem, lengthsAt + 4, (aad.length * 8) >>> 0);
    writeUint32(mem, lengthsAt + 8, Math.floor(length / 0x20000000));
    writeUint32(mem, lengthsAt + 12, (length * 8) >>> 0);
    return { length, dataBlocks, data: dataAt, stream, hashBlocks: (lengthsAt + 16 - BUFFER_OFFSET) / 16 };
  }
}

interface Layout {
  /** Bytes of data. */
  length: number;
  dataBlocks: number;
  /** Offsets in kernel memory: the data, and CIPH_K(J0) followed by the keystream. */
  data: number;
  stream: number;
  /** 16-byte blocks of GHASH input from BUFFER_OFFSET. */
  hashBlocks: number;
}

function writeUint32(mem: Uint8Array, at: number, v: number): void {
  mem[at] = v >>> 24;
  mem[at + 1] = v >>> 16;
  mem[at + 2] = v >>> 8;
  mem[at + 3] = v;
}
