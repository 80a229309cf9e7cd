import { constants, type KeyObject, sign, verify } from 'node:crypto';

/**
 * TLS SignatureScheme code points (RFC 8446 §4.2.3, which TLS 1.2 reads as
 * the pair HashAlgorithm.SignatureAlgorithm of RFC 5246 §7.4.1.4.1).
 */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
} as const;

export interface SignatureSchemeInfo {
  readonly id: number;
  readonly name: string;
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  readonly keyType: 'ec' | 'rsa';
  /** RSA padding; undefined for ECDSA. */
  readonly padding?: 'pkcs1' | 'pss';
  /** The curve the TLS 1.3 name binds to; in TLS 1.2 ECDSA schemes name only the hash (RFC 5246 §7.4.1.4.1). */
  readonly curve?: 'prime256v1' | 'secp384r1' | 'secp521r1';
}

const SCHEMES: readonly SignatureSchemeInfo[] = Object.freeze([
  { id: 0x0403, name: 'ecdsa_secp256r1_sha256', hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  { id: 0x0503, name: 'ecdsa_secp384r1_sha384', hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  { id: 0x0603, name: 'ecdsa_secp521r1_sha512', hash: 'sha512', keyType: 'ec', curve: 'secp521r1' },
  { id: 0x0804, name: 'rsa_pss_rsae_sha256', hash: 'sha256', keyType: 'rsa', padding: 'pss' },
  { id: 0x0805, name: 'rsa_pss_rsae_sha384', hash: 'sha384', keyType: 'rsa', padding: 'pss' },
  { id: 0x0806, name: 'rsa_pss_rsae_sha512', hash: 'sha512', keyType: 'rsa', padding: 'pss' },
  { id: 0x0401, name: 'rsa_pkcs1_sha256', hash: 'sha256', keyType: 'rsa', padding: 'pkcs1' },
  { id: 0x0501, name: 'rsa_pkcs1_sha384', hash: 'sha384', keyType: 'rsa', padding: 'pkcs1' },
  { id: 0x0601, name: 'rsa_pkcs1_sha512', hash: 'sha512', keyType: 'rsa', padding: 'pkcs1' },
] satisfies SignatureSchemeInfo[]);

/** The schemes we offer in signature_algorithms and accept from peers, in preference order. */
export const localSignatureSchemes: readonly number[] = Object.freeze(SCHEMES.map((s) => s.id));

export function signatureSchemeInfo(scheme: number): SignatureSchemeInfo | undefined {
  for (const s of SCHEMES) if (s.id === scheme) return s;
  return undefined;
}

const HASH_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

function signOptions(info: SignatureSchemeInfo, key: KeyObject) {
  if (info.keyType === 'ec') return { key, dsaEncoding: 'der' as const };
  if (info.padding === 'pss')
    // RFC 8446 §4.2.3: PSS salt length equals the digest length, MGF1 with the same hash.
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[info.hash] };
  return { key, padding: constants.RSA_PKCS1_PADDING };
}

/** True when `key` (public or private) can be used with `info`. rsa_pss_rsae needs an rsaEncryption key. */
function keyFits(info: SignatureSchemeInfo, key: KeyObject): boolean {
  return key.asymmetricKeyType === info.keyType;
}

/** Signs `data` with `scheme` (ECDSA signatures DER-encoded, as TLS carries them). Throws on misuse. */
export function signWithScheme(scheme: number, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const info = signatureSchemeInfo(scheme);
  if (info === undefined) throw new RangeError(`scheme 0x${scheme.toString(16)} is not supported`);
  if (privateKey.type !== 'private') throw new TypeError('privateKey must be a private KeyObject');
  if (!keyFits(info, privateKey))
    throw new TypeError(`privateKey of type ${privateKey.asymmetricKeyType} cannot sign with ${info.name}`);
  return new Uint8Array(sign(info.hash, data, signOptions(info, privateKey)));
}

/**
 * Verifies a peer's signature. Returns false for an unknown scheme, a key of
 * the wrong type, malformed signature bytes or a bad signature; never throws.
 */
export function verifyWithScheme(
  scheme: number,
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const info = signatureSchemeInfo(scheme);
  if (info === undefined) return false;
  try {
    if (!keyFits(info, publicKey)) return false;
    return verify(info.hash, data, signOptions(info, publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * The scheme we sign with for `privateKey`, given the peer's
 * signature_algorithms list: our preference among those the peer offers that
 * fit the key. For ECDSA the scheme naming our own curve comes first; TLS 1.2
 * lets any hash pair with ECDSA (RFC 5246 §7.4.1.4.1), so the others follow.
 */
export function chooseSignatureScheme(
  privateKey: KeyObject,
  peerSchemes: readonly number[],
): number | undefined {
  const type = privateKey.asymmetricKeyType;
  if (type === 'ec') {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve;
    for (const s of SCHEMES)
      if (s.keyType === 'ec' && s.curve === curve && peerSchemes.includes(s.id)) return s.id;
  }
  for (const s of SCHEMES) if (s.keyType === type && peerSchemes.includes(s.id)) return s.id;
  return undefined;
}
