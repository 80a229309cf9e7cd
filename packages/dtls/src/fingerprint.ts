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

function formatDigest(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}

/**
 * Parses 'sha-256 AB:CD:…' (also with a leading 'a=fingerprint:' and in any
 * letter case, since RFC 8122 §5 makes the hash name case-insensitive).
 * Returns undefined for anything malformed.
 */
export function parseFingerprint(text: string): ParsedFingerprint | undefined {
  if (typeof text !== 'string') return undefined;
  let t = text.trim();
  if (t.toLowerCase().startsWith('a=fingerprint:')) t = t.slice('a=fingerprint:'.length).trim();
  const m = /^(\S+)\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*)$/.exec(t);
  if (m === null) return undefined;
  const algorithm = m[1]!.toLowerCase();
  if (!isAlgorithm(algorithm)) return undefined;
  const digest = new Uint8Array(Buffer.from(m[2]!.replaceAll(':', ''), 'hex'));
  if (digest.length !== DIGEST_LENGTH[algorithm]) return undefined;
  return { algorithm, digest };
}

/**
 * True when the certificate `der` has the fingerprint `expected` (in SDP form).
 * The digest comparison is constant-time; a malformed `expected` never matches.
 */
export function fingerprintMatches(der: Uint8Array, expected: string): boolean {
  const parsed = parseFingerprint(expected);
  if (parsed === undefined) return false;
  const actual = createHash(NODE_HASH[parsed.algorithm]).update(der).digest();
  return actual.length === parsed.digest.length && timingSafeEqual(actual, parsed.digest);
}
