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
 * each call writes H, the IVs and the packets before reading them, so no state passes between calls
 * or between keys. Undefined where WebAssembly is disabled (node --jitless).
 */
const KERNEL: GcmKernel | undefined =
  typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object'
    ? new GcmKernel(compileGcmKernel())
    : undefined;

const ZERO_BLOCK = new Uint8Array(16);

/** One message of a batch: the arguments of `seal` / `open` as fields. */
export interface GcmPacket {
  /** 12-byte IV. */
  iv: Uint8Array;
  aad: Uint8Array;
  /** Encrypted or decrypted in place over [start, end). */
  data: Uint8Array;
  start: number;
  end: number;
  /** The 16-byte tag at tag[tagOffset..]: written by sealBatch, checked by openBatch. */
  tag: Uint8Array;
  tagOffset: number;
}

/**
 * AES-GCM for SRTP and SRTCP (RFC 7714 §8-9): 96-bit IV, 128-bit tag, in place on data[start, end).
 *
 * Built from parts (NIST SP 800-38D §7): one long-lived AES-ECB cipher per key encrypts, in a single
 * `update()` per packet (or per batch), the pre-counter block J0 = IV || 1 (for the tag) and the
 * counter blocks inc32(J0), inc32^2(J0), ... (the GCTR keystream). Counter blocks, the XOR, GHASH
 * and the tag check run in a small WebAssembly kernel whose GHASH is constant-time (see
 * ./gcm-kernel.ts). Per-key state: the AES-ECB cipher and H (16 bytes).
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
    checkGcmCall(iv, aad, data, start, end, tagOut, tagOffset);
    if (KERNEL === undefined) {
      this.#portable!.seal(iv, aad, data, start, end, tagOut, tagOffset);
      return;
    }
    const streamBlocks = blocksOf(end - start) + 1;
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    KERNEL.bytes(work + workSize(aad.length, end - start));
    this.#keystream(KERNEL, iv, BUFFER_OFFSET, streamBlocks, work);
    sealOne(KERNEL, BUFFER_OFFSET, work, aad, data, start, end, tagOut, tagOffset);
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
    if (KERNEL === undefined) return this.#portable!.open(iv, aad, data, start, end, tag, tagOffset);
    const streamBlocks = blocksOf(end - start) + 1;
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    KERNEL.bytes(work + workSize(aad.length, end - start));
    this.#keystream(KERNEL, iv, BUFFER_OFFSET, streamBlocks, work);
    return openOne(KERNEL, BUFFER_OFFSET, work, aad, data, start, end, tag, tagOffset);
  }

  /**
   * Seals every packet, with one AES call for the keystreams of the whole batch. Same result as
   * calling `seal` on each in order. Each packet's IV must be fresh, as for `seal`.
   */
  sealBatch(packets: readonly GcmPacket[]): void {
    for (const p of packets) checkGcmCall(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
    if (KERNEL === undefined) {
      for (const p of packets) this.#portable!.seal(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      return;
    }
    const work = this.#batchKeystreams(KERNEL, packets);
    let stream = BUFFER_OFFSET;
    for (const p of packets) {
      sealOne(KERNEL, stream, work, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      stream += 16 * (blocksOf(p.end - p.start) + 1);
    }
  }

  /**
   * Opens every packet; writes 1 (authentic, now decrypted) or 0 (rejected, data untouched) into
   * `verified[i]` and returns the number of authentic packets. One AES call for the whole batch.
   */
  openBatch(packets: readonly GcmPacket[], verified: Uint8Array): number {
    for (const p of packets) checkGcmCall(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
    if (!(verified instanceof Uint8Array) || verified.length < packets.length) {
      throw new RangeError('verified must be a Uint8Array with room for one result per packet');
    }
    let count = 0;
    if (KERNEL === undefined) {
      packets.forEach((p, i) => {
        const ok = this.#portable!.open(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
        verified[i] = ok ? 1 : 0;
        if (ok) count++;
      });
      return count;
    }
    const work = this.#batchKeystreams(KERNEL, packets);
    let stream = BUFFER_OFFSET;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      const ok = openOne(KERNEL, stream, work, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      verified[i] = ok ? 1 : 0;
      if (ok) count++;
      stream += 16 * (blocksOf(p.end - p.start) + 1);
    }
    return count;
  }

  /** Keystreams of all packets, back to back from BUFFER_OFFSET; returns the work area after them. */
  #batchKeystreams(kernel: GcmKernel, packets: readonly GcmPacket[]): number {
    let streamBlocks = 0;
    let largest = 0;
    for (const p of packets) {
      streamBlocks += blocksOf(p.end - p.start) + 1;
      largest = Math.max(largest, workSize(p.aad.length, p.end - p.start));
    }
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    kernel.bytes(work + largest);
    const k = kernel.exports;
    const mem = kernel.bytes(0);
    let at = BUFFER_OFFSET;
    for (const p of packets) {
      const blocks = blocksOf(p.end - p.start) + 1;
      mem.set(p.iv, IV_OFFSET);
      k.counters(at, blocks);
      at += 16 * blocks;
    }
    this.#encryptInPlace(kernel, BUFFER_OFFSET, work);
    return work;
  }

  /** CIPH_K(J0) and the keystream of one packet at `at` (SP 800-38D §7.1 steps 2-3). */
  #keystream(kernel: GcmKernel, iv: Uint8Array, at: number, blocks: number, end: number): void {
    kernel.bytes(0).set(iv, IV_OFFSET);
    kernel.exports.counters(at, blocks);
    this.#encryptInPlace(kernel, at, end);
  }

  /** AES-ECB over kernel memory [from, to) in one call, and loads H for the GHASH that follows. */
  #encryptInPlace(kernel: GcmKernel, from: number, to: number): void {
    const mem = kernel.bytes(0);
    mem.set(this.#ecb.update(mem.subarray(from, to)), from);
    mem.set(this.#h, H_OFFSET);
    kernel.exports.setKey();
  }
}

const blocksOf = (bytes: number): number => Math.ceil(bytes / 16);

/** Bytes of the GHASH input: A and C, each zero-padded to whole blocks, then len(A) || len(C). */
const workSize = (aadLength: number, dataLength: number): number =>
  16 * (blocksOf(aadLength) + blocksOf(dataLength) + 1);

/**
 * Writes the GHASH input of SP 800-38D §7.1 step 5 at `work`: A zero-padded, C zero-padded, and the
 * length block (64-bit big-endian bit counts). Returns the offset of C.
 */
function layOut(
  kernel: GcmKernel,
  work: number,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  end: number,
): number {
  const mem = kernel.bytes(0);
  const length = end - start;
  const dataAt = work + 16 * blocksOf(aad.length);
  const lengthsAt = dataAt + 16 * blocksOf(length);
  mem.set(aad, work);
  mem.fill(0, work + aad.length, dataAt);
  mem.set(data.subarray(start, end), dataAt);
  mem.fill(0, dataAt + length, lengthsAt);
  writeUint32(mem, lengthsAt, Math.floor(aad.length / 0x20000000));
  writeUint32(mem, lengthsAt + 4, (aad.length * 8) >>> 0);
  writeUint32(mem, lengthsAt + 8, Math.floor(length / 0x20000000));
  writeUint32(mem, lengthsAt + 12, (length * 8) >>> 0);
  return dataAt;
}

function sealOne(
  kernel: GcmKernel,
  stream: number,
  work: number,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  end: number,
  tagOut: Uint8Array,
  tagOffset: number,
): void {
  const length = end - start;
  const blocks = blocksOf(length);
  const dataAt = layOut(kernel, work, aad, data, start, end);
  const mem = kernel.bytes(0);
  const k = kernel.exports;
  k.xorBlocks(dataAt, stream + 16, blocks);
  // The padding after the ciphertext must be zero again for GHASH.
  mem.fill(0, dataAt + length, dataAt + 16 * blocks);
  k.tag(work, blocksOf(aad.length) + blocks + 1, stream, TAG_OUT_OFFSET);
  data.set(mem.subarray(dataAt, dataAt + length), start);
  tagOut.set(mem.subarray(TAG_OUT_OFFSET, TAG_OUT_OFFSET + GCM_TAG_LENGTH), tagOffset);
}

function openOne(
  kernel: GcmKernel,
  stream: number,
  work: number,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  end: number,
  tag: Uint8Array,
  tagOffset: number,
): boolean {
  const length = end - start;
  const blocks = blocksOf(length);
  const dataAt = layOut(kernel, work, aad, data, start, end);
  const mem = kernel.bytes(0);
  const k = kernel.exports;
  k.tag(work, blocksOf(aad.length) + blocks + 1, stream, TAG_OUT_OFFSET);
  mem.set(tag.subarray(tagOffset, tagOffset + GCM_TAG_LENGTH), TAG_IN_OFFSET);
  // SP 800-38D §7.2: no plaintext before the tag is verified, compared over all 16 bytes.
  if (k.tagsEqual() === 0) return false;
  k.xorBlocks(dataAt, stream + 16, blocks);
  data.set(mem.subarray(dataAt, dataAt + length), start);
  return true;
}

function writeUint32(mem: Uint8Array, at: number, v: number): void {
  mem[at] = v >>> 24;
  mem[at + 1] = v >>> 16;
  mem[at + 2] = v >>> 8;
  mem[at + 3] = v;
}
