import { type Cipher, type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import { type CipherSuite13, IV_LENGTH, TAG_LENGTH } from './cipher-suites.js';
import type { TrafficKeys } from './key-schedule.js';

/** Ciphertext bytes the record number mask is computed from (RFC 9147 §4.2.3). */
export const MASK_SAMPLE_LENGTH = 16;

/**
 * AEAD protection and record number masking for one direction of one epoch (RFC 8446 §5.2–5.3,
 * RFC 9147 §4.2.3). It owns the epoch's key, IV and sn_key; the record layer owns sequence numbers.
 */
export class RecordProtection13 {
  readonly suite: CipherSuite13;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly snKey: Uint8Array;
  /** One AES-ECB context for the epoch's masks: keyed once, fed one block per record. */
  private readonly ecb: Cipher | undefined;

  constructor(suite: CipherSuite13, keys: TrafficKeys) {
    if (keys.key.length !== suite.keyLength) throw new RangeError(`key must be ${suite.keyLength} bytes`);
    if (keys.snKey.length !== suite.keyLength) throw new RangeError(`snKey must be ${suite.keyLength} bytes`);
    if (keys.iv.length !== IV_LENGTH) throw new RangeError(`iv must be ${IV_LENGTH} bytes`);
    this.suite = suite;
    this.key = keys.key;
    this.iv = keys.iv;
    this.snKey = keys.snKey;
    if (suite.snCipher !== 'chacha20') {
      const ecb = createCipheriv(suite.snCipher, keys.snKey, null);
      ecb.setAutoPadding(false);
      this.ecb = ecb;
    }
  }

  /** nonce = iv XOR the 64-bit record sequence number, left-padded (RFC 8446 §5.3; RFC 9147 §4: without the epoch). */
  private nonce(seq: number): Uint8Array {
    const n = Uint8Array.from(this.iv);
    const hi = Math.floor(seq / 0x1_0000_0000);
    const lo = seq >>> 0;
    n[4]! ^= hi >>> 24;
    n[5]! ^= (hi >>> 16) & 0xff;
    n[6]! ^= (hi >>> 8) & 0xff;
    n[7]! ^= hi & 0xff;
    n[8]! ^= lo >>> 24;
    n[9]! ^= (lo >>> 16) & 0xff;
    n[10]! ^= (lo >>> 8) & 0xff;
    n[11]! ^= lo & 0xff;
    return n;
  }

  // The chacha20-poly1305 AEAD has the same call shape as GCM in node:crypto; the cast only picks
  // the overload that exposes setAAD/getAuthTag.
  /** encrypted_record = AEAD-Encrypt(key, nonce, additional_data = header, DTLSInnerPlaintext) || tag. */
  seal(header: Uint8Array, seq: number, inner: Uint8Array): Uint8Array {
    const c = createCipheriv(this.suite.aead as CipherGCMTypes, this.key, this.nonce(seq), {
      authTagLength: TAG_LENGTH,
    });
    c.setAAD(header);
    const out = new Uint8Array(inner.length + TAG_LENGTH);
    out.set(c.update(inner), 0);
    c.final();
    out.set(c.getAuthTag(), inner.length);
    return out;
  }

  /** DTLSInnerPlaintext, or undefined when the record does not authenticate. */
  open(header: Uint8Array, seq: number, encrypted: Uint8Array): Uint8Array | undefined {
    if (encrypted.length < TAG_LENGTH) return undefined;
    const split = encrypted.length - TAG_LENGTH;
    const d = createDecipheriv(this.suite.aead as CipherGCMTypes, this.key, this.nonce(seq), {
      authTagLength: TAG_LENGTH,
    });
    d.setAAD(header);
    d.setAuthTag(encrypted.subarray(split));
    const plain = d.update(encrypted.subarray(0, split));
    try {
      d.final();
    } catch {
      return undefined;
    }
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  }

  /**
   * The record number mask from the first 16 ciphertext bytes (RFC 9147 §4.2.3): AES-ECB(sn_key,
   * sample) for AES-GCM suites; for ChaCha20-Poly1305 the ChaCha20 keystream with sample[0..3] as
   * the block counter and sample[4..15] as the nonce (node's 16-byte chacha20 IV is exactly that).
   */
  mask(sample: Uint8Array): Uint8Array {
    if (sample.length < MASK_SAMPLE_LENGTH)
      throw new RangeError(`sample must be ${MASK_SAMPLE_LENGTH} bytes`);
    const s = sample.subarray(0, MASK_SAMPLE_LENGTH);
    if (this.ecb !== undefined) return new Uint8Array(this.ecb.update(s));
    const c = createCipheriv('chacha20', this.snKey, s);
    return new Uint8Array(c.update(new Uint8Array(MASK_SAMPLE_LENGTH)));
  }
}

/** DTLSInnerPlaintext = content || type || zeros (RFC 8446 §5.2). */
export function encodeInnerPlaintext(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
  if (!Number.isInteger(padding) || padding < 0)
    throw new RangeError(`padding must be a non-negative integer`);
  const out = new Uint8Array(content.length + 1 + padding);
  out.set(content, 0);
  out[content.length] = contentType;
  return out;
}

/**
 * Splits DTLSInnerPlaintext: the content type is the last non-zero byte (RFC 8446 §5.4). An
 * all-zero plaintext has no content type; the caller ends the connection with unexpected_message.
 */
export function decodeInnerPlaintext(
  inner: Uint8Array,
): { contentType: number; content: Uint8Array } | undefined {
  let i = inner.length - 1;
  while (i >= 0 && inner[i] === 0) i--;
  if (i < 0) return undefined;
  return { contentType: inner[i]!, content: inner.subarray(0, i) };
}
