import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';

/** AES-GCM with a 96-bit IV and a 128-bit tag (NIST SP 800-38D), in place on a byte range. */
export interface AesGcmCipher {
  seal(
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tagOut: Uint8Array,
    tagOffset: number,
  ): void;
  open(
    iv: Uint8Array,
    aad: Uint8Array,
    data: Uint8Array,
    start: number,
    end: number,
    tag: Uint8Array,
    tagOffset: number,
  ): boolean;
}

export const GCM_TAG_LENGTH = 16;
export const GCM_IV_LENGTH = 12;

/** Throws naming the parameter when the key is not an AES-128 or AES-256 key. */
export function checkGcmKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 32)) {
    throw new RangeError('key must be a Uint8Array of 16 (AES-128) or 32 (AES-256) bytes');
  }
}

/** Validates the arguments shared by seal and open; misuse by the caller throws naming the parameter. */
export function checkGcmCall(
  iv: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  end: number,
  tag: Uint8Array,
  tagOffset: number,
): void {
  if (!(iv instanceof Uint8Array) || iv.length !== GCM_IV_LENGTH) {
    throw new RangeError('iv must be a Uint8Array of 12 bytes');
  }
  if (!(aad instanceof Uint8Array)) throw new TypeError('aad must be a Uint8Array');
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  if (!Number.isInteger(start) || start < 0 || start > data.length) {
    throw new RangeError('start must be an integer in [0, data.length]');
  }
  if (!Number.isInteger(end) || end < start || end > data.length) {
    throw new RangeError('end must be an integer in [start, data.length]');
  }
  if (!(tag instanceof Uint8Array)) throw new TypeError('tag must be a Uint8Array');
  if (!Number.isInteger(tagOffset) || tagOffset < 0 || tagOffset + GCM_TAG_LENGTH > tag.length) {
    throw new RangeError('tagOffset must leave 16 bytes of tag');
  }
}

/**
 * AES-GCM on a fresh node:crypto cipher per call. Simple and obviously right; it is the oracle the
 * fast implementation is tested against.
 */
export class AesGcmReference implements AesGcmCipher {
  readonly #key: Buffer;
  readonly #algorithm: 'aes-128-gcm' | 'aes-256-gcm';

  constructor(key: Uint8Array) {
    checkGcmKey(key);
    this.#key = Buffer.from(key);
    this.#algorithm = key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
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
    const cipher = createCipheriv(this.#algorithm, this.#key, iv, { authTagLength: GCM_TAG_LENGTH });
    cipher.setAAD(aad);
    const body = data.subarray(start, end);
    const out = cipher.update(body);
    cipher.final();
    body.set(out);
    tagOut.set(cipher.getAuthTag(), tagOffset);
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
    const decipher = createDecipheriv(this.#algorithm, this.#key, iv, { authTagLength: GCM_TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag.subarray(tagOffset, tagOffset + GCM_TAG_LENGTH));
    const body = data.subarray(start, end);
    const out = decipher.update(body);
    try {
      // final() checks the tag in constant time; only on success is the plaintext written back.
      decipher.final();
    } catch {
      return false;
    }
    body.set(out);
    return true;
  }
}

/** Constant-time equality of two 16-byte tags. */
export function tagsEqual(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  return timingSafeEqual(
    a.subarray(aOffset, aOffset + GCM_TAG_LENGTH),
    b.subarray(bOffset, bOffset + GCM_TAG_LENGTH),
  );
}
