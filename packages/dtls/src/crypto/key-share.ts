import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { DecodeError } from '../wire/decode-error.js';

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

// DER prefix turning a raw X25519 private key into PKCS#8 (RFC 8410 §7).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

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
 * Raw X25519 keys travel through node as JWK (RFC 8037 §2: `x` is the raw
 * public value, base64url): OpenSSL's DER encoder and decoder cost far more
 * per handshake than the key agreement itself.
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

function x25519Share(privateKey?: Uint8Array): KeyShare {
  let priv: KeyObject;
  let pub: KeyObject;
  if (privateKey !== undefined) {
    if (privateKey.length !== 32) throw new RangeError('x25519 privateKey must be 32 bytes');
    priv = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]),
      format: 'der',
      type: 'pkcs8',
    });
    pub = createPublicKey(priv);
  } else {
    const pair = generateKeyPairSync('x25519');
    priv = pair.privateKey;
    pub = pair.publicKey;
  }
  const publicKey = new Uint8Array(Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url'));
  if (publicKey.length !== 32) throw new Error('x25519 public key export failed');
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

function nistShare(group: 23 | 24, privateKey?: Uint8Array): KeyShare {
  const { curve, pointLength } = NIST[group];
  const ecdh = createECDH(curve);
  if (privateKey !== undefined) ecdh.setPrivateKey(privateKey);
  else ecdh.generateKeys();
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
 * Generates an ephemeral key pair for ECDHE in `group`. `privateKey` fixes the
 * private scalar (tests and known-answer vectors only).
 */
export function generateKeyShare(group: KeyShareGroup, privateKey?: Uint8Array): KeyShare {
  if (group === 29) return x25519Share(privateKey);
  if (group === 23 || group === 24) return nistShare(group, privateKey);
  throw new RangeError(`group must be 23, 24 or 29, got ${String(group)}`);
}
