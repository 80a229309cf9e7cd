import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherSuite } from '../cipher-suites.js';

/**
 * AEAD protection of DTLS 1.2 records for one direction of one epoch.
 * The caller owns epoch and sequence numbers; this object owns key and IV.
 */
export interface RecordProtection {
  /** Returns the record fragment: explicit nonce (if any) || ciphertext || tag. */
  seal(epoch: number, seq: number, contentType: number, version: number, plaintext: Uint8Array): Uint8Array;
  /** Returns the plaintext, or undefined when the fragment fails authentication or is too short. */
  open(
    epoch: number,
    seq: number,
    contentType: number,
    version: number,
    fragment: Uint8Array,
  ): Uint8Array | undefined;
  /** Bytes a protected fragment is longer than its plaintext (explicit nonce + tag). */
  readonly overhead: number;
}

const NODE_CIPHER: Record<CipherSuite['aead'], string> = {
  AES_128_GCM: 'aes-128-gcm',
  AES_256_GCM: 'aes-256-gcm',
  CHACHA20_POLY1305: 'chacha20-poly1305',
  AES_128_CCM_8: 'aes-128-ccm',
};

const MAX_SEQ = 2 ** 48 - 1;

function checkEpochSeq(epoch: number, seq: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff)
    throw new RangeError(`epoch must be uint16, got ${epoch}`);
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ)
    throw new RangeError(`seq must be uint48, got ${seq}`);
}

/** Writes epoch(2) || sequence_number(6): the 64-bit DTLS record sequence number (RFC 6347 §4.1). */
function writeEpochSeq(out: Uint8Array, offset: number, epoch: number, seq: number): void {
  out[offset] = epoch >>> 8;
  out[offset + 1] = epoch & 0xff;
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  out[offset + 2] = hi >>> 8;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

/**
 * additional_data = seq_num(8, i.e. epoch||seq) + type(1) + version(2) + length(2)
 * where length is the PLAINTEXT length (RFC 5246 §6.2.3.3 with the DTLS
 * sequence number of RFC 6347 §4.1.2.1).
 */
function additionalData(
  epoch: number,
  seq: number,
  contentType: number,
  version: number,
  length: number,
): Uint8Array {
  const aad = new Uint8Array(13);
  writeEpochSeq(aad, 0, epoch, seq);
  aad[8] = contentType;
  aad[9] = version >>> 8;
  aad[10] = version & 0xff;
  aad[11] = length >>> 8;
  aad[12] = length & 0xff;
  return aad;
}

/**
 * Creates the protection for one direction. `key` is the suite's write key and
 * `iv` its fixed IV from the key block (4 bytes for GCM/CCM, 12 for ChaCha20).
 */
export function createRecordProtection(
  suite: CipherSuite,
  key: Uint8Array,
  iv: Uint8Array,
): RecordProtection {
  if (key.length !== suite.keyLength)
    throw new RangeError(`key must be ${suite.keyLength} bytes for ${suite.name}`);
  if (iv.length !== suite.fixedIvLength)
    throw new RangeError(`iv must be ${suite.fixedIvLength} bytes for ${suite.name}`);
  const keyCopy = Buffer.from(key);
  const ivCopy = Uint8Array.from(iv);
  const algorithm = NODE_CIPHER[suite.aead];
  const tagLength = suite.tagLength;
  const explicitLength = suite.recordIvLength;
  const overhead = explicitLength + tagLength;
  const ccm = suite.aead === 'AES_128_CCM_8';

  /**
   * GCM and CCM (RFC 5288 §3, RFC 6655 §3): nonce = fixed_iv(4) || explicit(8),
   * and we use the record's own epoch||seq as the explicit part so it never repeats
   * under one key (RFC 6347 §4.1.2.1 makes epoch||seq unique per epoch's key).
   * ChaCha20-Poly1305 (RFC 7905 §2): nonce = iv(12) XOR (0^32 || epoch||seq), nothing explicit.
   */
  function nonce(epoch: number, seq: number): Buffer {
    const n = Buffer.allocUnsafe(12);
    if (explicitLength === 8) {
      n.set(ivCopy, 0);
      writeEpochSeq(n, 4, epoch, seq);
    } else {
      n.set(ivCopy, 0);
      const es = new Uint8Array(8);
      writeEpochSeq(es, 0, epoch, seq);
      for (let i = 0; i < 8; i++) n[4 + i] = n[4 + i]! ^ es[i]!;
    }
    return n;
  }

  function seal(
    epoch: number,
    seq: number,
    contentType: number,
    version: number,
    plaintext: Uint8Array,
  ): Uint8Array {
    checkEpochSeq(epoch, seq);
    if (plaintext.length > 0x4000 + 1024)
      throw new RangeError(`plaintext of ${plaintext.length} bytes exceeds a record`);
    const n = nonce(epoch, seq);
    const aad = additionalData(epoch, seq, contentType, version, plaintext.length);
    const out = new Uint8Array(overhead + plaintext.length);
    if (explicitLength === 8) out.set(n.subarray(4, 12), 0);
    if (ccm) {
      const c = createCipheriv('aes-128-ccm', keyCopy, n, { authTagLength: tagLength });
      c.setAAD(aad, { plaintextLength: plaintext.length });
      out.set(c.update(plaintext), explicitLength);
      c.final();
      out.set(c.getAuthTag(), explicitLength + plaintext.length);
    } else {
      const c = createCipheriv(algorithm as CipherGCMTypes, keyCopy, n, { authTagLength: tagLength });
      c.setAAD(aad);
      const body = c.update(plaintext);
      out.set(body, explicitLength);
      const tail = c.final();
      if (tail.length > 0) out.set(tail, explicitLength + body.length);
      out.set(c.getAuthTag(), explicitLength + plaintext.length);
    }
    return out;
  }

  function open(
    epoch: number,
    seq: number,
    contentType: number,
    version: number,
    fragment: Uint8Array,
  ): Uint8Array | undefined {
    if (fragment.length < overhead) return undefined;
    checkEpochSeq(epoch, seq);
    let n: Buffer;
    if (explicitLength === 8) {
      // The explicit nonce is whatever the sender put on the wire (RFC 5288 §3);
      // authentication fails if it was altered.
      n = Buffer.allocUnsafe(12);
      n.set(ivCopy, 0);
      n.set(fragment.subarray(0, 8), 4);
    } else {
      n = nonce(epoch, seq);
    }
    const ctLength = fragment.length - overhead;
    const ct = fragment.subarray(explicitLength, explicitLength + ctLength);
    const tag = fragment.subarray(explicitLength + ctLength);
    const aad = additionalData(epoch, seq, contentType, version, ctLength);
    // Authentication failure is an expected event for forged or corrupted
    // records: node reports it by throwing, so the stack capture is switched off
    // for the duration of the call (it is synchronous) to keep drops cheap.
    const savedLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      if (ccm) {
        const d = createDecipheriv('aes-128-ccm', keyCopy, n, { authTagLength: tagLength });
        d.setAuthTag(tag);
        d.setAAD(aad, { plaintextLength: ctLength });
        const pt = d.update(ct);
        d.final();
        return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength);
      }
      const d = createDecipheriv(algorithm as CipherGCMTypes, keyCopy, n, { authTagLength: tagLength });
      d.setAuthTag(tag);
      d.setAAD(aad);
      const body = d.update(ct);
      const tail = d.final();
      const pt = tail.length === 0 ? body : Buffer.concat([body, tail]);
      return new Uint8Array(pt.buffer, pt.byteOffset, pt.byteLength);
    } catch {
      return undefined;
    } finally {
      Error.stackTraceLimit = savedLimit;
    }
  }

  return { seal, open, overhead };
}
