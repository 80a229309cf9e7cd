import { type Cipher, createCipheriv } from 'node:crypto';
import { FirstUse } from '../self-test/first-use.js';
import { GCM_ANSWERS } from '../self-test/known-answers.js';
import { AesGcmPortable } from './aes-gcm-portable.js';
import { AesGcmReference } from './aes-gcm-reference.js';
import {
  type AesGcmCipher,
  checkGcmCall,
  checkGcmKey,
  GCM_IV_LENGTH,
  GCM_TAG_LENGTH,
} from './gcm-arguments.js';
import {
  BUFFER_OFFSET,
  compileGcmKernel,
  GcmKernel,
  GHASH_BLOCK_MULTIPLE,
  H_POWERS_BYTES,
  IV_OFFSET,
  SCRATCH_BLOCKS_OFFSET,
  TAG_IN_OFFSET,
  TAG_OUT_OFFSET,
  ZERO_BLOCK_OFFSET,
} from './gcm-kernel.js';
import { ghashKeyPowers } from './ghash.js';

/**
 * The WebAssembly kernel shared by every AesGcm of this thread. Its memory is scratch space only:
 * each call writes H, the IVs and the packets before reading them, so no state passes between calls
 * or between keys. Undefined where WebAssembly is disabled (node --jitless).
 */
const KERNEL: GcmKernel | undefined =
  typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object'
    ? new GcmKernel(compileGcmKernel())
    : undefined;

/**
 * Which code serves an AesGcm around node's AES: GHASH in the WebAssembly kernel (SIMD or scalar
 * build), GHASH in plain JavaScript (./aes-gcm-portable.ts), or node's own AES-GCM for every
 * message (./aes-gcm-reference.ts, the fallback when a hand-written GHASH fails its self-test).
 */
export type GcmBuild = 'wasm-simd' | 'wasm-scalar' | 'javascript' | 'node-crypto';

/** A GcmBuild with the kernel instance it runs on, for the WebAssembly builds. */
export type GcmEngine =
  | { readonly build: 'wasm-simd' | 'wasm-scalar'; readonly kernel: GcmKernel }
  | { readonly build: 'javascript' | 'node-crypto' };

/** The fastest engine this runtime offers, before any self-test: the shared kernel, else JavaScript. */
export function preferredGcmEngine(): GcmEngine {
  if (KERNEL === undefined) return { build: 'javascript' };
  return { build: KERNEL.simd ? 'wasm-simd' : 'wasm-scalar', kernel: KERNEL };
}

/** The engine an AesGcm gets when none is named. */
const defaultGcmEngine = (): GcmEngine => GCM_ENGINE.get().engine;

const ZERO_BLOCK = new Uint8Array(16);

/**
 * Bytes of WebAssembly memory the shared kernel holds (0 without WebAssembly), for monitoring: it
 * grows only to fit the largest batch of packets below NATIVE_GCM_FROM_BYTES, about 3 bytes per
 * payload byte, and never shrinks.
 */
export function gcmKernelMemoryBytes(): number {
  return KERNEL === undefined ? 0 : KERNEL.bytes(0).length;
}

/**
 * Which code serves AesGcm by default: GHASH in WebAssembly SIMD, scalar WebAssembly, plain
 * JavaScript where WebAssembly is disabled, or node's own AES-GCM if that build failed its
 * self-test. For diagnostics; runs the self-test if no AesGcm was made yet.
 */
export function gcmGhashBuild(): GcmBuild {
  return GCM_ENGINE.get().engine.build;
}

/** The outcome of checking an engine: the engine that serves and, if the candidate failed, why. */
export interface GcmEngineCheck {
  readonly engine: GcmEngine;
  /** The engine that was checked. */
  readonly checked: GcmBuild;
  readonly failure?: string;
}

/**
 * Checks a GCM engine against the GCM specification's test cases 2 and 4 and RFC 7714 §16.1.1:
 * seal gives the ciphertext and tag, open gives the plaintext back, and open refuses the tag with
 * one bit flipped. If anything disagrees (or throws) node's AES-GCM serves instead.
 */
export function checkGcmEngine(engine: GcmEngine): GcmEngineCheck {
  const fallback = (failure: string): GcmEngineCheck => ({
    engine: { build: 'node-crypto' },
    checked: engine.build,
    failure,
  });
  try {
    for (const [i, v] of GCM_ANSWERS.entries()) {
      const gcm = new AesGcm(Buffer.from(v.key, 'hex'), engine);
      const iv = Buffer.from(v.iv, 'hex');
      const aad = Buffer.from(v.aad, 'hex');
      const data = Buffer.from(v.plain, 'hex');
      const tag = Buffer.alloc(16);
      gcm.seal(iv, aad, data, 0, data.length, tag, 0);
      if (data.toString('hex') !== v.cipher || tag.toString('hex') !== v.tag) {
        return fallback(
          `GCM known answer ${i + 1}: seal gave ${data.toString('hex')} / ${tag.toString('hex')}`,
        );
      }
      tag[15] = tag[15]! ^ 1;
      if (gcm.open(iv, aad, data, 0, data.length, tag, 0)) {
        return fallback(`GCM known answer ${i + 1}: open accepted a flipped tag bit`);
      }
      tag[15] = tag[15]! ^ 1;
      if (!gcm.open(iv, aad, data, 0, data.length, tag, 0) || data.toString('hex') !== v.plain) {
        return fallback(`GCM known answer ${i + 1}: open refused or garbled the genuine message`);
      }
    }
  } catch (e) {
    return fallback(`GCM engine threw: ${String(e)}`);
  }
  return { engine, checked: engine.build };
}

/** The engine every AesGcm uses unless told otherwise: the preferred one, checked on first use. */
const GCM_ENGINE = new FirstUse(() => checkGcmEngine(preferredGcmEngine()));

/** The outcome of the GHASH self-test (runs it if no AesGcm was made yet). */
export function gcmEngineStatus(): GcmEngineCheck {
  return GCM_ENGINE.get();
}

/**
 * From this many bytes of AAD and data together, node's own AES-GCM (a fresh cipher per packet, hardware GHASH)
 * is faster than GHASH in the kernel; the crossover measured on the project's machine lies near
 * 2 KB, above any SRTP packet on an Ethernet path. Both paths are constant-time and give identical
 * results.
 */
export const NATIVE_GCM_FROM_BYTES = 2048;

/** Whether a message goes to node's AES-GCM: GHASH's work grows with AAD and data alike. */
const native = (aad: Uint8Array, start: number, end: number): boolean =>
  aad.length + (end - start) >= NATIVE_GCM_FROM_BYTES;

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
 * ./gcm-kernel.ts). Messages of NATIVE_GCM_FROM_BYTES and more (AAD and data) go to node's AES-GCM, whose
 * hardware GHASH outruns the kernel's there (for open, its tag is computed without the exception
 * node's decipher throws on a forgery). Per-key state: the AES-ECB cipher, the key and H^1..H^4
 * (64 bytes); about 2 KB of process memory per instance, most of it OpenSSL's cipher context.
 *
 * Misuse (wrong key or IV length, a range outside `data`, a tag overlapping the data) throws a
 * RangeError or TypeError naming the parameter. A wrong tag is a `false` from `open`, never a throw.
 */
export class AesGcm implements AesGcmCipher {
  readonly #ecb: Cipher;
  /** H, H^2, H^3, H^4 (for GHASH four blocks at a time), 16 bytes each. */
  readonly #hPowers: Uint8Array;
  readonly #key: Buffer;
  readonly #gcmAlgorithm: 'aes-128-gcm' | 'aes-256-gcm';
  readonly #ctrAlgorithm: 'aes-128-ctr' | 'aes-256-ctr';
  /** The WebAssembly kernel, or undefined when `#whole` serves every message. */
  readonly #kernel: GcmKernel | undefined;
  /** The plain-JavaScript or node:crypto AES-GCM serving every message when there is no kernel. */
  readonly #whole: AesGcmPortable | AesGcmReference | undefined;
  /** Which code serves this instance. */
  readonly build: GcmBuild;

  /**
   * @param key AES-128 or AES-256 key.
   * @param engine which code runs GCM around node's AES (default: the build that passed its
   *   self-test at first use; tests pass a build to check it alone).
   */
  constructor(key: Uint8Array, engine: GcmEngine = defaultGcmEngine()) {
    checkGcmKey(key);
    this.#key = Buffer.from(key);
    this.#gcmAlgorithm = key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
    this.#ctrAlgorithm = key.length === 16 ? 'aes-128-ctr' : 'aes-256-ctr';
    this.#ecb = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    // H = CIPH_K(0^128) (SP 800-38D §6.4).
    this.#hPowers = ghashKeyPowers(this.#ecb.update(ZERO_BLOCK), H_POWERS_BYTES / 16);
    this.build = engine.build;
    this.#kernel = engine.build === 'wasm-simd' || engine.build === 'wasm-scalar' ? engine.kernel : undefined;
    this.#whole =
      engine.build === 'javascript'
        ? new AesGcmPortable(key)
        : engine.build === 'node-crypto'
          ? new AesGcmReference(key)
          : undefined;
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
    const kernel = this.#kernel;
    if (kernel === undefined) {
      this.#whole!.seal(iv, aad, data, start, end, tagOut, tagOffset);
      return;
    }
    if (native(aad, start, end)) {
      this.#sealNative(iv, aad, data, start, end, tagOut, tagOffset);
      return;
    }
    const streamBlocks = blocksOf(end - start) + 1;
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    kernel.bytes(work + workSize(aad.length, end - start));
    this.#keystream(kernel, iv, BUFFER_OFFSET, streamBlocks, work);
    sealOne(kernel, BUFFER_OFFSET, work, aad, data, start, end, tagOut, tagOffset);
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
    const kernel = this.#kernel;
    if (kernel === undefined) return this.#whole!.open(iv, aad, data, start, end, tag, tagOffset);
    if (native(aad, start, end)) {
      return this.#openNative(kernel, iv, aad, data, start, end, tag, tagOffset);
    }
    const streamBlocks = blocksOf(end - start) + 1;
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    kernel.bytes(work + workSize(aad.length, end - start));
    this.#keystream(kernel, iv, BUFFER_OFFSET, streamBlocks, work);
    return openOne(kernel, BUFFER_OFFSET, work, aad, data, start, end, tag, tagOffset);
  }

  /**
   * Seals every packet, with one AES call for the keystreams of the whole batch. Same result as
   * calling `seal` on each in order, provided no packet's bytes overlap another's. Each packet's IV
   * must be fresh, as for `seal`.
   */
  sealBatch(packets: readonly GcmPacket[]): void {
    if (!Array.isArray(packets)) throw new TypeError('packets must be an array of GcmPacket');
    for (const p of packets) checkGcmCall(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
    const kernel = this.#kernel;
    if (kernel === undefined) {
      for (const p of packets) this.#whole!.seal(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      return;
    }
    const work = this.#batchKeystreams(kernel, packets);
    let stream = BUFFER_OFFSET;
    for (const p of packets) {
      if (native(p.aad, p.start, p.end)) {
        this.#sealNative(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
        continue;
      }
      sealOne(kernel, stream, work, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      stream += 16 * (blocksOf(p.end - p.start) + 1);
    }
  }

  /**
   * Opens every packet; writes 1 (authentic, now decrypted) or 0 (rejected, data untouched) into
   * `verified[i]` and returns the number of authentic packets. One AES call for the whole batch.
   */
  openBatch(packets: readonly GcmPacket[], verified: Uint8Array): number {
    if (!Array.isArray(packets)) throw new TypeError('packets must be an array of GcmPacket');
    for (const p of packets) checkGcmCall(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
    if (!(verified instanceof Uint8Array) || verified.length < packets.length) {
      throw new RangeError('verified must be a Uint8Array with room for one result per packet');
    }
    let count = 0;
    const kernel = this.#kernel;
    if (kernel === undefined) {
      packets.forEach((p, i) => {
        const ok = this.#whole!.open(p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
        verified[i] = ok ? 1 : 0;
        if (ok) count++;
      });
      return count;
    }
    const work = this.#batchKeystreams(kernel, packets);
    let stream = BUFFER_OFFSET;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      let ok: boolean;
      if (native(p.aad, p.start, p.end)) {
        ok = this.#openNative(kernel, p.iv, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
      } else {
        ok = openOne(kernel, stream, work, p.aad, p.data, p.start, p.end, p.tag, p.tagOffset);
        stream += 16 * (blocksOf(p.end - p.start) + 1);
      }
      verified[i] = ok ? 1 : 0;
      if (ok) count++;
    }
    return count;
  }

  /**
   * Keystreams of the packets the kernel handles (those below NATIVE_GCM_FROM_BYTES), back to back
   * from BUFFER_OFFSET; returns the work area after them, large enough for their GHASH inputs.
   */
  #batchKeystreams(kernel: GcmKernel, packets: readonly GcmPacket[]): number {
    let streamBlocks = 0;
    let largest = 0;
    for (const p of packets) {
      const length = p.end - p.start;
      if (native(p.aad, p.start, p.end)) continue;
      streamBlocks += blocksOf(length) + 1;
      largest = Math.max(largest, workSize(p.aad.length, length));
    }
    const work = BUFFER_OFFSET + 16 * streamBlocks;
    kernel.bytes(work + largest);
    const k = kernel.exports;
    const mem = kernel.bytes(0);
    let at = BUFFER_OFFSET;
    for (const p of packets) {
      if (native(p.aad, p.start, p.end)) continue;
      const blocks = blocksOf(p.end - p.start) + 1;
      copyBytes(p.iv, 0, mem, IV_OFFSET, GCM_IV_LENGTH);
      k.counters(at, blocks);
      at += 16 * blocks;
    }
    this.#encryptInPlace(kernel, BUFFER_OFFSET, work);
    return work;
  }

  /** Node's AES-GCM on a fresh cipher, in place. */
  #sealNative(
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tagOut: Uint8Array,
    tagOffset: number,
  ): void {
    const cipher = createCipheriv(this.#gcmAlgorithm, this.#key, iv, { authTagLength: GCM_TAG_LENGTH });
    cipher.setAAD(aad);
    data.set(cipher.update(data.subarray(start, end)), start);
    cipher.final();
    tagOut.set(cipher.getAuthTag(), tagOffset);
  }

  /**
   * Open with node's AES-GCM computing GHASH, without its decipher (which throws on a forgery) and
   * without copying the packet into kernel memory. A GCM encryption whose only AAD is A and C, each
   * zero-padded (A' below), and whose plaintext is empty hashes the same blocks as the real tag
   * except the last: len(A') || 0 instead of len(A) || len(C). GHASH is linear in its blocks and
   * multiplies the last one by H once (SP 800-38D §6.4), so the real tag is that tag XOR
   * ((len(A') || 0) XOR (len(A) || len(C))) * H: one block for the kernel. Only a matching tag
   * lets the data be decrypted, by AES-CTR from inc32(J0) (the GCTR of §6.5; a 32-bit counter
   * starting at 2 cannot carry into the IV within GCM's length limit).
   */
  #openNative(
    kernel: GcmKernel,
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tag: Uint8Array,
    tagOffset: number,
  ): boolean {
    const length = end - start;
    const aadPadding = 16 * blocksOf(aad.length) - aad.length;
    const dataPadding = 16 * blocksOf(length) - length;
    const cipher = createCipheriv(this.#gcmAlgorithm, this.#key, iv, { authTagLength: GCM_TAG_LENGTH });
    cipher.setAAD(aad);
    if (aadPadding > 0) cipher.setAAD(ZERO_BLOCK.subarray(0, aadPadding));
    cipher.setAAD(data.subarray(start, end));
    if (dataPadding > 0) cipher.setAAD(ZERO_BLOCK.subarray(0, dataPadding));
    cipher.final();
    const nativeTag = cipher.getAuthTag();

    const hashed = aad.length + aadPadding + length + dataPadding;
    const mem = kernel.bytes(0);
    const k = kernel.exports;
    // The correcting block, after zero blocks that leave GHASH's zero start unchanged.
    const fix = SCRATCH_BLOCKS_OFFSET + 16 * (GHASH_BLOCK_MULTIPLE - 1);
    mem.fill(0, SCRATCH_BLOCKS_OFFSET, fix);
    mem.fill(0, ZERO_BLOCK_OFFSET, ZERO_BLOCK_OFFSET + 16);
    writeUint32(mem, fix, Math.floor(aad.length / 0x20000000) ^ Math.floor(hashed / 0x20000000));
    writeUint32(mem, fix + 4, ((aad.length * 8) >>> 0) ^ ((hashed * 8) >>> 0));
    writeUint32(mem, fix + 8, Math.floor(length / 0x20000000));
    writeUint32(mem, fix + 12, (length * 8) >>> 0);
    kernel.loadKey(this.#hPowers);
    k.tag(SCRATCH_BLOCKS_OFFSET, GHASH_BLOCK_MULTIPLE, ZERO_BLOCK_OFFSET, TAG_OUT_OFFSET);
    for (let i = 0; i < GCM_TAG_LENGTH; i++)
      mem[TAG_OUT_OFFSET + i] = mem[TAG_OUT_OFFSET + i]! ^ nativeTag[i]!;
    copyBytes(tag, tagOffset, mem, TAG_IN_OFFSET, GCM_TAG_LENGTH);
    if (k.tagsEqual() === 0) return false;

    const counter = new Uint8Array(16);
    counter.set(iv);
    counter[15] = 2;
    const ctr = createCipheriv(this.#ctrAlgorithm, this.#key, counter);
    data.set(ctr.update(data.subarray(start, end)), start);
    ctr.final();
    return true;
  }

  /** CIPH_K(J0) and the keystream of one packet at `at` (SP 800-38D §7.1 steps 2-3). */
  #keystream(kernel: GcmKernel, iv: Uint8Array, at: number, blocks: number, end: number): void {
    copyBytes(iv, 0, kernel.bytes(0), IV_OFFSET, GCM_IV_LENGTH);
    kernel.exports.counters(at, blocks);
    this.#encryptInPlace(kernel, at, end);
  }

  /** AES-ECB over kernel memory [from, to) in one call, and loads H for the GHASH that follows. */
  #encryptInPlace(kernel: GcmKernel, from: number, to: number): void {
    const mem = kernel.bytes(0);
    mem.set(this.#ecb.update(mem.subarray(from, to)), from);
    kernel.loadKey(this.#hPowers);
  }
}

const blocksOf = (bytes: number): number => Math.ceil(bytes / 16);

/** Blocks of the GHASH input: A and C, each zero-padded to whole blocks, then len(A) || len(C). */
const hashedBlocks = (aadLength: number, dataLength: number): number =>
  blocksOf(aadLength) + blocksOf(dataLength) + 1;

/** Zero blocks in front of the GHASH input, to a multiple of GHASH_BLOCK_MULTIPLE. */
const leadBlocks = (blocks: number): number =>
  (GHASH_BLOCK_MULTIPLE - (blocks % GHASH_BLOCK_MULTIPLE)) % GHASH_BLOCK_MULTIPLE;

/** Bytes of the framed GHASH input at `work` (see copyIn). */
const workSize = (aadLength: number, dataLength: number): number => {
  const blocks = hashedBlocks(aadLength, dataLength);
  return 16 * (leadBlocks(blocks) + blocks);
};

/**
 * Copies A and C into the kernel at `work`, where its `seal` and `open` frame them as the GHASH
 * input of SP 800-38D §7.1 step 5: zero blocks to a multiple of GHASH_BLOCK_MULTIPLE (a zero block
 * leaves GHASH's zero start unchanged), A zero-padded, C zero-padded, the length block. Returns the
 * offset of C; A lies 16 * ceil(len(A) / 16) bytes before it. The input takes workSize() bytes.
 */
function copyIn(
  kernel: GcmKernel,
  work: number,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  end: number,
): number {
  const mem = kernel.bytes(0);
  const aadAt = work + 16 * leadBlocks(hashedBlocks(aad.length, end - start));
  const dataAt = aadAt + 16 * blocksOf(aad.length);
  copyRange(aad, 0, aad.length, mem, aadAt);
  copyRange(data, start, end, mem, dataAt);
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
  const dataAt = copyIn(kernel, work, aad, data, start, end);
  kernel.exports.seal(work, dataAt - 16 * blocksOf(aad.length), dataAt, aad.length, length, stream);
  const mem = kernel.bytes(0);
  copyRange(mem, dataAt, dataAt + length, data, start);
  copyBytes(mem, TAG_OUT_OFFSET, tagOut, tagOffset, GCM_TAG_LENGTH);
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
  const dataAt = copyIn(kernel, work, aad, data, start, end);
  const mem = kernel.bytes(0);
  copyBytes(tag, tagOffset, mem, TAG_IN_OFFSET, GCM_TAG_LENGTH);
  // SP 800-38D §7.2: the kernel compares all 16 bytes and decrypts only a packet whose tag matches.
  if (
    kernel.exports.open(work, dataAt - 16 * blocksOf(aad.length), dataAt, aad.length, length, stream) === 0
  ) {
    return false;
  }
  copyRange(mem, dataAt, dataAt + length, data, start);
  return true;
}

/**
 * from[fromStart, fromEnd) into `to` at toAt: by loop when short (an AAD, a tag), where that beats
 * the view TypedArray.prototype.set needs.
 */
function copyRange(from: Uint8Array, fromStart: number, fromEnd: number, to: Uint8Array, toAt: number): void {
  if (fromEnd - fromStart <= 24) copyBytes(from, fromStart, to, toAt, fromEnd - fromStart);
  else to.set(from.subarray(fromStart, fromEnd), toAt);
}

/** Copies a few bytes; cheaper than TypedArray.prototype.set with a subarray for a tag or an IV. */
function copyBytes(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number, n: number): void {
  for (let i = 0; i < n; i++) to[toOffset + i] = from[fromOffset + i]!;
}

function writeUint32(mem: Uint8Array, at: number, v: number): void {
  mem[at] = v >>> 24;
  mem[at + 1] = v >>> 16;
  mem[at + 2] = v >>> 8;
  mem[at + 3] = v;
}
