import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  randomFillSync,
} from 'node:crypto';
import { DecodeError } from '../wire/decode-error.js';

/** A source of cryptographically secure random bytes (the engine's injected `rng`). */
export type RandomSource = (n: number) => Uint8Array;

const systemRandom: RandomSource = (n) => randomFillSync(new Uint8Array(n));

/** Named groups (IANA "TLS Supported Groups") usable for ECDHE here. */
export const NamedGroup = {
  secp256r1: 23,
  secp384r1: 24,
  x25519: 29,
} as const;
export type KeyShareGroup = 23 | 24 | 29;

/** Groups in our preference order (x25519 first: cheapest and what browsers send). */
export const SUPPORTED_GROUPS: readonly KeyShareGroup[] = Object.freeze([29, 23, 24]);

export interface KeyShare {
  readonly group: KeyShareGroup;
  /** Our public value as sent on the wire: 32 raw bytes for x25519, an uncompressed point for NIST curves. */
  readonly publicKey: Uint8Array;
  /**
   * The shared secret with the peer's public value (the ECDHE pre-master
   * secret, RFC 8422 §5.10). Throws DecodeError(alert 47 illegal_parameter)
   * for an invalid peer value.
   */
  deriveSecret(peerPublic: Uint8Array): Uint8Array;
}

const NIST: Record<23 | 24, { curve: string; pointLength: number }> = {
  23: { curve: 'prime256v1', pointLength: 65 },
  24: { curve: 'secp384r1', pointLength: 97 },
};

export function isKeyShareGroup(group: number): group is KeyShareGroup {
  return group === 23 || group === 24 || group === 29;
}

function illegal(message: string): DecodeError {
  return new DecodeError(message, 47);
}

/**
 * Why no key-generation job and no key export here: on Node 20 a garbage collection that runs while
 * `KeyObject.export({ format: 'jwk' })` holds a key's mutex can destroy the finished
 * `generateKeyPairSync` job that shares that key, and the job's destructor takes the same mutex: the
 * main thread then waits on itself forever (native stack ExportJWKEdKey -> GC -> ~KeyGenJob ->
 * uv_mutex_lock). So the private key is made from random bytes (RFC 7748 §5: any 32 bytes are a
 * valid X25519 scalar; the function clamps it itself) and only imported, never exported: the public
 * value is X25519(k, 9), the function applied to the base point (RFC 7748 §6.1), computed by the same
 * diffieHellman call that later derives the shared secret. Imports go through node's raw-key JWK path
 * (it parses, it creates no job); PKCS#8 DER import costs ten times more through OpenSSL 3's decoders.
 */
function x25519PublicFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: {
      kty: 'OKP',
      crv: 'X25519',
      x: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url'),
    },
    format: 'jwk',
  });
}

/** The X25519 base point, u = 9 (RFC 7748 §4.1), little-endian. */
const X25519_BASE_POINT = x25519PublicFromRaw(Uint8Array.of(9, ...new Uint8Array(31)));

function x25519PrivateFromRaw(raw: Uint8Array): KeyObject {
  return createPrivateKey({
    // Node reads only `d` of a private OKP key (the public half is derived from it); `x` must merely
    // be a string.
    key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(raw).toString('base64url'), x: '' },
    format: 'jwk',
  });
}

function x25519Share(privateKey: Uint8Array): KeyShare {
  if (privateKey.length !== 32) throw new RangeError('x25519 privateKey must be 32 bytes');
  const priv = x25519PrivateFromRaw(privateKey);
  const publicKey = new Uint8Array(diffieHellman({ privateKey: priv, publicKey: X25519_BASE_POINT }));
  if (publicKey.length !== 32) throw new Error('x25519 public key derivation failed');
  return {
    group: 29,
    publicKey,
    deriveSecret(peerPublic: Uint8Array): Uint8Array {
      // RFC 8422 §5.11 / RFC 7748 §5: the public value is exactly 32 bytes.
      if (peerPublic.length !== 32) throw illegal(`x25519 public value of ${peerPublic.length} bytes`);
      let secret: Buffer;
      try {
        secret = diffieHellman({ privateKey: priv, publicKey: x25519PublicFromRaw(peerPublic) });
      } catch {
        throw illegal('invalid x25519 public value');
      }
      // RFC 7748 §6.1 / RFC 8422 §5.11: an all-zero result means a small-order point.
      let acc = 0;
      for (const b of secret) acc |= b;
      if (acc === 0) throw illegal('x25519 shared secret is all zero (small-order point)');
      return new Uint8Array(secret);
    },
  };
}

/** Draws a private scalar for a NIST curve: random bytes, retried in the rare case they are not in [1, n-1]. */
function nistPrivateFromRandom(
  curve: string,
  length: number,
  random: RandomSource,
): ReturnType<typeof createECDH> {
  // P-256 and P-384 orders are within 2^-32 of 2^bits: a retry is needed about once in 4 billion.
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = random(length);
    if (bytes.length !== length)
      throw new RangeError(`rng returned ${bytes.length} bytes, expected ${length}`);
    const ecdh = createECDH(curve);
    try {
      ecdh.setPrivateKey(bytes);
      return ecdh;
    } catch {
      // Zero or not below the group order: draw again.
    }
  }
  throw new Error(`rng gave no valid ${curve} private key in 8 draws`);
}

/**
 * NIST curves go through node's ECDH object: it holds the key in OpenSSL alone, with no KeyObject,
 * no key-generation job and no export, so it has none of x25519's hazard above.
 */
function nistShare(group: 23 | 24, privateKey: Uint8Array | undefined, random: RandomSource): KeyShare {
  const { curve, pointLength } = NIST[group];
  let ecdh: ReturnType<typeof createECDH>;
  if (privateKey !== undefined) {
    ecdh = createECDH(curve);
    ecdh.setPrivateKey(privateKey);
  } else {
    ecdh = nistPrivateFromRandom(curve, (pointLength - 1) / 2, random);
  }
  const publicKey = new Uint8Array(ecdh.getPublicKey());
  return {
    group,
    publicKey,
    deriveSecret(peerPublic: Uint8Array): Uint8Array {
      // RFC 8422 §5.4.1: only the uncompressed form (0x04 || X || Y) is allowed.
      if (peerPublic.length !== pointLength || peerPublic[0] !== 0x04)
        throw illegal(`${curve} public value is not an uncompressed point`);
      try {
        // computeSecret checks the point is on the curve (RFC 8422 §5.11 validation).
        return new Uint8Array(ecdh.computeSecret(peerPublic));
      } catch {
        throw illegal(`invalid ${curve} point`);
      }
    },
  };
}

/**
 * Generates an ephemeral key pair for ECDHE in `group`. The private key comes from `source`: a
 * random source (default node:crypto; the engine passes its injected `rng`, so seeded test runs are
 * reproducible) or fixed private-key bytes (known-answer tests only). No key-generation job and no
 * JWK export runs (see x25519Share).
 */
export function generateKeyShare(group: KeyShareGroup, source?: Uint8Array | RandomSource): KeyShare {
  if (group !== 23 && group !== 24 && group !== 29)
    throw new RangeError(`group must be 23, 24 or 29, got ${String(group)}`);
  if (source !== undefined && !(source instanceof Uint8Array) && typeof source !== 'function')
    throw new TypeError('source must be private-key bytes or a random source function');
  const random = typeof source === 'function' ? source : systemRandom;
  const fixed = source instanceof Uint8Array ? source : undefined;
  if (group === 29) {
    const priv = fixed ?? random(32);
    if (!(priv instanceof Uint8Array) || priv.length !== 32)
      throw new RangeError('x25519 private key must be 32 bytes (check the rng)');
    return x25519Share(priv);
  }
  return nistShare(group, fixed, random);
}
