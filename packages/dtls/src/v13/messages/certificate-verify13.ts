import { type KeyObject, sign, verify } from 'node:crypto';
import { signWithScheme, verifyWithScheme } from '../../crypto/signature.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/** CertificateVerify: SignatureScheme algorithm; opaque signature<0..2^16-1> (RFC 8446 §4.4.3). */
export interface CertificateVerify13 {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function decodeCertificateVerify13(body: Uint8Array): CertificateVerify13 {
  const r = new Reader(body);
  const scheme = r.u16('algorithm');
  const signature = r.vector(2, 'signature');
  r.expectEnd('CertificateVerify');
  return { scheme, signature };
}

export function encodeCertificateVerify13(cv: CertificateVerify13): Uint8Array {
  return new Writer(4 + cv.signature.length).u16(cv.scheme).vector(2, cv.signature).finish();
}

/**
 * The schemes DTLS 1.3 signs and verifies with, in preference order (RFC 8446 §4.2.3: ECDSA
 * schemes bind the curve; RSA uses PSS with an rsaEncryption key; PKCS#1 v1.5 is not allowed in
 * CertificateVerify).
 */
export const Scheme13 = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  ed25519: 0x0807,
} as const;
export const SCHEMES_13: readonly number[] = Object.freeze([0x0403, 0x0503, 0x0807, 0x0804]);

const CURVE_OF: Record<number, string> = { 1027: 'prime256v1', 1283: 'secp384r1' };

/**
 * The content signed in CertificateVerify (RFC 8446 §4.4.3): 64 spaces, the context string, a
 * zero byte, and the transcript hash.
 */
export function certificateVerifyContent(role: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = Buffer.from(`TLS 1.3, ${role} CertificateVerify`, 'latin1');
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out.set(transcriptHash, 65 + context.length);
  return out;
}

/** True when `key` can sign or verify with `scheme` in TLS 1.3 (curve-bound ECDSA, rsaEncryption for PSS). */
export function keyFitsScheme13(scheme: number, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (scheme === 0x0807) return type === 'ed25519';
  if (scheme === 0x0804) return type === 'rsa';
  const curve = CURVE_OF[scheme];
  return curve !== undefined && type === 'ec' && key.asymmetricKeyDetails?.namedCurve === curve;
}

/** Our scheme for `privateKey` among those the peer accepts, or undefined. */
export function chooseScheme13(privateKey: KeyObject, peerSchemes: readonly number[]): number | undefined {
  for (const s of SCHEMES_13) if (peerSchemes.includes(s) && keyFitsScheme13(s, privateKey)) return s;
  return undefined;
}

export function signCertificateVerify(
  scheme: number,
  privateKey: KeyObject,
  role: 'server' | 'client',
  transcriptHash: Uint8Array,
): Uint8Array {
  if (!SCHEMES_13.includes(scheme))
    throw new RangeError(`scheme 0x${scheme.toString(16)} is not a DTLS 1.3 scheme here`);
  if (!keyFitsScheme13(scheme, privateKey))
    throw new TypeError(`privateKey does not fit scheme 0x${scheme.toString(16)}`);
  const content = certificateVerifyContent(role, transcriptHash);
  if (scheme === 0x0807) return new Uint8Array(sign(null, content, privateKey));
  return signWithScheme(scheme, privateKey, content);
}

/** Verifies a peer's CertificateVerify; false for an unsupported scheme, a key that does not fit, or a bad signature. Never throws. */
export function verifyCertificateVerify(
  cv: CertificateVerify13,
  publicKey: KeyObject,
  role: 'server' | 'client',
  transcriptHash: Uint8Array,
): boolean {
  if (!SCHEMES_13.includes(cv.scheme) || !keyFitsScheme13(cv.scheme, publicKey)) return false;
  const content = certificateVerifyContent(role, transcriptHash);
  try {
    if (cv.scheme === 0x0807) return verify(null, content, publicKey, cv.signature);
  } catch {
    return false;
  }
  return verifyWithScheme(cv.scheme, publicKey, content, cv.signature);
}
