import { randomBytes } from 'node:crypto';

/** Random byte source; injected so tests are deterministic. */
export type RandomSource = (length: number) => Uint8Array;

export const defaultRandom: RandomSource = (length) => randomBytes(length);

/** RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/". 64 symbols: one per 6 random bits, unbiased. */
const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Default lengths: 8 chars = 48 random bits (>= 24 needed), 24 chars = 144 bits (>= 128 needed). */
export const UFRAG_LENGTH = 8;
export const PWD_LENGTH = 24;

export function randomIceString(rng: RandomSource, length: number): string {
  const bytes = rng(length);
  if (bytes.length < length) throw new RangeError('rng returned fewer bytes than asked');
  let s = '';
  for (let i = 0; i < length; i++) s += ICE_CHARS[bytes[i]! & 63];
  return s;
}

export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/**
 * Fresh local credentials (RFC 8445 §5.3): the ufrag needs at least 24 bits of randomness and the
 * password at least 128 bits (RFC 8839 §5.4 also bounds them to 4..256 and 22..256 characters).
 */
export function generateIceCredentials(rng: RandomSource = defaultRandom): IceCredentials {
  return { ufrag: randomIceString(rng, UFRAG_LENGTH), pwd: randomIceString(rng, PWD_LENGTH) };
}

const ICE_CHAR_RE = /^[A-Za-z0-9+/]+$/;

/** Throws when an ufrag/pwd given by the embedding program breaks RFC 8839 §5.4. */
export function assertIceCredentials(ufrag: string, pwd: string, what: string): void {
  if (typeof ufrag !== 'string' || ufrag.length < 4 || ufrag.length > 256 || !ICE_CHAR_RE.test(ufrag)) {
    throw new RangeError(`${what}.ufrag must be 4..256 ice-chars`);
  }
  if (typeof pwd !== 'string' || pwd.length < 22 || pwd.length > 256 || !ICE_CHAR_RE.test(pwd)) {
    throw new RangeError(`${what}.pwd must be 22..256 ice-chars`);
  }
}
