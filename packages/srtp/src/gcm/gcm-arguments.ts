/** Arguments shared by every AES-GCM implementation of this package (RFC 7714 §8-9, SP 800-38D). */

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
  if (tag.buffer === data.buffer) {
    const tagAt = tag.byteOffset + tagOffset;
    const dataAt = data.byteOffset + start;
    if (tagAt < dataAt + (end - start) && dataAt < tagAt + GCM_TAG_LENGTH) {
      throw new RangeError('tagOffset must not place the tag inside data[start, end)');
    }
  }
}
