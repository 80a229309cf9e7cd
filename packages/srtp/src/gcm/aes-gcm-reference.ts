import { createCipheriv, createDecipheriv } from 'node:crypto';
import { type AesGcmCipher, checkGcmCall, checkGcmKey, GCM_TAG_LENGTH } from './gcm-arguments.js';

/**
 * AES-GCM on a fresh node:crypto cipher per call. Simple and obviously right: the oracle the fast
 * implementation is tested against, the baseline it is measured against, and what AesGcm falls back
 * to if a hand-written GHASH ever fails its self-test. Slower on the media path: a forged packet
 * costs an exception from node's decipher.
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
