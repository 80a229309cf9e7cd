/**
 * The TLS 1.3 cipher suites DTLS 1.3 negotiates (RFC 8446 §B.4), as one table: a row names the
 * AEAD, its key length, the transcript/HKDF hash, and the cipher that masks record numbers
 * (RFC 9147 §4.2.3). The code reads the row and never branches on a suite's name.
 */

export type Hash13 = 'sha256' | 'sha384';

export interface CipherSuite13 {
  /** Two-byte IANA code point. */
  readonly id: number;
  /** IANA name, e.g. 'TLS_AES_128_GCM_SHA256'. */
  readonly name: string;
  /** Hash of HKDF and of the transcript (RFC 8446 §7.1). */
  readonly hash: Hash13;
  /** Output length of `hash` in bytes. */
  readonly hashLength: 32 | 48;
  /** node:crypto name of the AEAD. */
  readonly aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  /** AEAD key length, also the length of sn_key (RFC 9147 §4.2.3). */
  readonly keyLength: 16 | 32;
  /** node:crypto name of the record number mask cipher: AES-ECB for AES-GCM suites, ChaCha20 otherwise. */
  readonly snCipher: 'aes-128-ecb' | 'aes-256-ecb' | 'chacha20';
  /**
   * Records one key may protect before it must be updated (RFC 9147 §4.5.3: 2^24.5 for AES-GCM,
   * with a full-size record budget; ChaCha20-Poly1305's limit is above the sequence number space).
   */
  readonly confidentialityLimit: number;
  /** Records that may fail authentication under one key before the connection must close (RFC 9147 §4.5.3). */
  readonly integrityLimit: number;
}

/** Every AEAD's nonce is 12 bytes, and so is each traffic IV (RFC 8446 §5.3). */
export const IV_LENGTH = 12;
/** Every AEAD's tag is 16 bytes. */
export const TAG_LENGTH = 16;

export const CIPHER_SUITES_13: readonly CipherSuite13[] = Object.freeze([
  Object.freeze({
    id: 0x1301,
    name: 'TLS_AES_128_GCM_SHA256',
    hash: 'sha256',
    hashLength: 32,
    aead: 'aes-128-gcm',
    keyLength: 16,
    snCipher: 'aes-128-ecb',
    confidentialityLimit: Math.floor(2 ** 24.5),
    integrityLimit: 2 ** 36,
  }),
  Object.freeze({
    id: 0x1302,
    name: 'TLS_AES_256_GCM_SHA384',
    hash: 'sha384',
    hashLength: 48,
    aead: 'aes-256-gcm',
    keyLength: 32,
    snCipher: 'aes-256-ecb',
    confidentialityLimit: Math.floor(2 ** 24.5),
    integrityLimit: 2 ** 36,
  }),
  Object.freeze({
    id: 0x1303,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    hashLength: 32,
    aead: 'chacha20-poly1305',
    keyLength: 32,
    snCipher: 'chacha20',
    confidentialityLimit: Number.MAX_SAFE_INTEGER,
    integrityLimit: 2 ** 36,
  }),
] satisfies CipherSuite13[]);

export function cipherSuite13ById(id: number): CipherSuite13 | undefined {
  return CIPHER_SUITES_13.find((s) => s.id === id);
}

export function cipherSuite13ByName(name: string): CipherSuite13 | undefined {
  return CIPHER_SUITES_13.find((s) => s.name === name);
}
