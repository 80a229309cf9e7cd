import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * Finds the SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 §4.1) by
 * walking the DER, and imports the common key types through node's JWK and
 * PKCS#1 paths, which are an order of magnitude cheaper per handshake than
 * OpenSSL's generic certificate/SPKI decoders. Returns undefined for anything
 * it does not recognise (the caller then falls back to a full parse).
 */

interface Tlv {
  readonly tag: number;
  /** First content byte. */
  readonly start: number;
  /** One past the last content byte. */
  readonly end: number;
}

/** One DER TLV at `offset`, within `limit`; undefined when malformed (X.690 §8.1, definite lengths only). */
function readTlv(b: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = b[offset]!;
  let len = b[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]!;
    start += n;
  }
  const end = start + len;
  return end > limit ? undefined : { tag, start, end };
}

function bytesEqual(b: Uint8Array, t: Tlv, expected: Uint8Array): boolean {
  if (t.end - t.start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[t.start + i] !== expected[i]) return false;
  return true;
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const OID_EC_PUBLIC_KEY = hex('2a8648ce3d0201'); // 1.2.840.10045.2.1 (RFC 5480 §2.1.1)
const OID_RSA_ENCRYPTION = hex('2a864886f70d010101'); // 1.2.840.113549.1.1.1 (RFC 3279 §2.3.1)
const CURVES: readonly { oid: Uint8Array; crv: string; size: number }[] = [
  { oid: hex('2a8648ce3d030107'), crv: 'P-256', size: 32 }, // RFC 5480 §2.1.1.1
  { oid: hex('2b81040022'), crv: 'P-384', size: 48 },
  { oid: hex('2b81040023'), crv: 'P-521', size: 66 },
];

/** The SubjectPublicKeyInfo TLV of a certificate, or undefined. */
function findSpki(der: Uint8Array): Tlv | undefined {
  const cert = readTlv(der, 0, der.length);
  if (cert === undefined || cert.tag !== 0x30) return undefined;
  const tbs = readTlv(der, cert.start, cert.end);
  if (tbs === undefined || tbs.tag !== 0x30) return undefined;
  let field = readTlv(der, tbs.start, tbs.end);
  if (field !== undefined && field.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  // serialNumber, signature, issuer, validity, subject, then subjectPublicKeyInfo.
  const tags = [0x02, 0x30, 0x30, 0x30, 0x30];
  for (const tag of tags) {
    if (field === undefined || field.tag !== tag) return undefined;
    field = readTlv(der, field.end, tbs.end);
  }
  return field !== undefined && field.tag === 0x30 ? field : undefined;
}

/** The public key of the certificate `der` for EC (named P-256/384/521, uncompressed) and RSA keys, else undefined. */
export function importCertificatePublicKey(der: Uint8Array): KeyObject | undefined {
  const spki = findSpki(der);
  if (spki === undefined) return undefined;
  const alg = readTlv(der, spki.start, spki.end);
  if (alg === undefined || alg.tag !== 0x30) return undefined;
  const bits = readTlv(der, alg.end, spki.end);
  if (bits === undefined || bits.tag !== 0x03 || bits.end !== spki.end || bits.end - bits.start < 2)
    return undefined;
  if (der[bits.start] !== 0) return undefined; // unused-bits count must be 0 for keys
  const key = der.subarray(bits.start + 1, bits.end);
  const oid = readTlv(der, alg.start, alg.end);
  if (oid === undefined || oid.tag !== 0x06) return undefined;
  try {
    if (bytesEqual(der, oid, OID_EC_PUBLIC_KEY)) {
      const param = readTlv(der, oid.end, alg.end);
      if (param === undefined || param.tag !== 0x06 || param.end !== alg.end) return undefined;
      const curve = CURVES.find((c) => bytesEqual(der, param, c.oid));
      if (curve === undefined || key.length !== 1 + 2 * curve.size || key[0] !== 0x04) return undefined;
      const x = Buffer.from(key.subarray(1, 1 + curve.size)).toString('base64url');
      const y = Buffer.from(key.subarray(1 + curve.size)).toString('base64url');
      // Importing checks the point is on the curve.
      return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x, y }, format: 'jwk' });
    }
    if (bytesEqual(der, oid, OID_RSA_ENCRYPTION)) {
      return createPublicKey({ key: Buffer.from(key), format: 'der', type: 'pkcs1' });
    }
  } catch {
    return undefined;
  }
  return undefined;
}
