import { createHash, timingSafeEqual } from 'node:crypto';

/** Hash functions allowed in an SDP a=fingerprint (RFC 8122 §5, RFC 4572). */
export type FingerprintAlgorithm = 'sha-1' | 'sha-224' | 'sha-256' | 'sha-384' | 'sha-512';

const NODE_HASH: Record<FingerprintAlgorithm, string> = {
  'sha-1': 'sha1',
  'sha-224': 'sha224',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};
const DIGEST_LENGTH: Record<FingerprintAlgorithm, number> = {
  'sha-1': 20,
  'sha-224': 28,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
};

export interface ParsedFingerprint {
  readonly algorithm: FingerprintAlgorithm;
  readonly digest: Uint8Array;
}

function isAlgorithm(name: string): name is FingerprintAlgorithm {
  return Object.hasOwn(NODE_HASH, name);
}

/** The certificate's fingerprint in SDP form: 'sha-256 AB:CD:…' (RFC 8122 §5: upper-case hex pairs joined by colons). */
export function computeFingerprint(der: Uint8Array, algorithm: FingerprintAlgorithm = 'sha-256'): string {
  if (!isAlgorithm(algorithm))
    throw new RangeError(`algorithm must be one of ${Object.keys(NODE_HASH).join(', ')}`);
  const digest = createHash(NODE_HASH[algorithm]).update(der).digest();
  return `${algorithm} ${formatDigest(digest)}`;
}

/** "00".."FF", to format digests without per-byte number formatting. */
const HEX_PAIRS: readonly string[] = Object.freeze(
  Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0')),
);

function formatDigest(digest: Uint8Array): string {
  let out = HEX_PAIRS[digest[0]!]!;
  for (let i = 1; i < digest.length; i++) out += `:${HEX_PAIRS[digest[i]!]!}`;
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  const l = c | 0x20; // ASCII lower case
  return l >= 97 && l <= 102 ? l - 87 : -1; // a-f
}

/**
 * Parses 'sha-256 AB:CD:…' (also with a leading 'a=fingerprint:' and in any
 * letter case, since RFC 8122 §5 makes the hash name case-insensitive).
 * Returns undefined for anything malformed.
 */
export function parseFingerprint(text: string): ParsedFingerprint | undefined {
  if (typeof text !== 'string') return undefined;
  let t = text.trim();
  if (t.slice(0, 14).toLowerCase() === 'a=fingerprint:') t = t.slice(14).trim();
  const space = t.search(/\s/);
  if (space <= 0) return undefined;
  const algorithm = t.slice(0, space).toLowerCase();
  if (!isAlgorithm(algorithm)) return undefined;
  const hex = t.slice(space).trimStart();
  const n = DIGEST_LENGTH[algorithm];
  // n pairs of hex digits separated by single colons.
  if (hex.length !== 3 * n - 1) return undefined;
  const digest = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = 3 * i;
    if (i > 0 && hex.charCodeAt(p - 1) !== 58) return undefined; // ':'
    const hi = hexValue(hex.charCodeAt(p));
    const lo = hexValue(hex.charCodeAt(p + 1));
    if (hi < 0 || lo < 0) return undefined;
    digest[i] = (hi << 4) | lo;
  }
  return { algorithm, digest };
}

/**
 * True when the certificate `der` has the fingerprint `expected` (in SDP form).
 * The digest comparison is constant-time; a malformed `expected` never matches.
 */
export function fingerprintMatches(der: Uint8Array, expected: string): boolean {
  const parsed = parseFingerprint(expected);
  return parsed !== undefined && parsedFingerprintMatches(der, parsed);
}

/** fingerprintMatches for a fingerprint parsed beforehand (an engine parses its expected one once). */
export function parsedFingerprintMatches(der: Uint8Array, expected: ParsedFingerprint): boolean {
  const actual = createHash(NODE_HASH[expected.algorithm]).update(der).digest();
  return actual.length === expected.digest.length && timingSafeEqual(actual, expected.digest);
}
