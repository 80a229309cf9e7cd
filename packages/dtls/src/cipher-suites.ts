/**
 * The cipher suites this DTLS 1.2 implementation negotiates, as ONE table:
 * everything the record layer and key schedule need is read from the row
 * (key/IV lengths, tag length, PRF hash), never derived from the name.
 *
 * Registry: IANA "TLS Cipher Suites". AEAD parameters: RFC 5288 (GCM),
 * RFC 5289 (ECDHE + GCM), RFC 7905 (ChaCha20-Poly1305), RFC 6655/7251 (CCM_8),
 * RFC 5487 (PSK + GCM).
 */

export type KeyExchange = 'ECDHE_ECDSA' | 'ECDHE_RSA' | 'PSK';
export type AeadAlgorithm = 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305' | 'AES_128_CCM_8';
export type PrfHash = 'sha256' | 'sha384';

export interface CipherSuite {
  /** Two-byte IANA code point. */
  readonly id: number;
  /** IANA name, e.g. 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'. */
  readonly name: string;
  readonly keyExchange: KeyExchange;
  readonly aead: AeadAlgorithm;
  /** enc_key_length in bytes. */
  readonly keyLength: number;
  /** fixed_iv_length: the implicit part of the nonce taken from the key block (RFC 5246 §6.3). */
  readonly fixedIvLength: 4 | 12;
  /** Bytes of explicit nonce carried in each record (8 for GCM/CCM per RFC 5288 §3, 0 for ChaCha20 per RFC 7905 §2). */
  readonly recordIvLength: 8 | 0;
  /** Authentication tag length in bytes. */
  readonly tagLength: 16 | 8;
  /** Hash of the TLS 1.2 PRF and of the handshake transcript (RFC 5246 §5, RFC 5289 §3.2). */
  readonly prfHash: PrfHash;
}

function suite(
  id: number,
  name: string,
  keyExchange: KeyExchange,
  aead: AeadAlgorithm,
  prfHash: PrfHash,
): CipherSuite {
  const keyLength = aead === 'AES_128_GCM' || aead === 'AES_128_CCM_8' ? 16 : 32;
  const chacha = aead === 'CHACHA20_POLY1305';
  return Object.freeze({
    id,
    name,
    keyExchange,
    aead,
    keyLength,
    fixedIvLength: chacha ? 12 : 4,
    recordIvLength: chacha ? 0 : 8,
    tagLength: aead === 'AES_128_CCM_8' ? 8 : 16,
    prfHash,
  });
}

/** Every supported suite, in our default preference order (server side picks by this order). */
export const CIPHER_SUITES: readonly CipherSuite[] = Object.freeze([
  suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE_ECDSA', 'AES_128_GCM', 'sha256'),
  suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE_ECDSA', 'AES_256_GCM', 'sha384'),
  suite(
    0xcca9,
    'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
    'ECDHE_ECDSA',
    'CHACHA20_POLY1305',
    'sha256',
  ),
  suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE_RSA', 'AES_128_GCM', 'sha256'),
  suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE_RSA', 'AES_256_GCM', 'sha384'),
  suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE_RSA', 'CHACHA20_POLY1305', 'sha256'),
  suite(0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'PSK', 'AES_128_GCM', 'sha256'),
  suite(0xc0a8, 'TLS_PSK_WITH_AES_128_CCM_8', 'PSK', 'AES_128_CCM_8', 'sha256'),
]);

/** The suite with this code point, or undefined for one we do not implement. */
export function cipherSuiteById(id: number): CipherSuite | undefined {
  for (const s of CIPHER_SUITES) if (s.id === id) return s;
  return undefined;
}

/** The suite with this IANA name, or undefined. */
export function cipherSuiteByName(name: string): CipherSuite | undefined {
  for (const s of CIPHER_SUITES) if (s.name === name) return s;
  return undefined;
}

/** Bytes of key block consumed by a suite: 2 keys + 2 fixed IVs (AEAD suites have no MAC keys, RFC 5246 §6.3). */
export function keyBlockLength(s: CipherSuite): number {
  return 2 * s.keyLength + 2 * s.fixedIvLength;
}
