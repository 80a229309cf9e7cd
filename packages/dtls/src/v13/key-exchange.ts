import { createECDH, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/**
 * Key exchange groups of DTLS 1.3 (RFC 8446 §4.2.7, §4.2.8): the post-quantum hybrid
 * X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) and the classical x25519, secp256r1, secp384r1.
 *
 * Keys come from the injected RNG only (sans-IO: a seeded run replays exactly). X25519 keys are
 * built as PKCS#8 DER key objects from 32 random bytes and their public value read from the SPKI
 * DER export, rather than generated and exported as JWK.
 */

export const Group13 = {
  secp256r1: 23,
  secp384r1: 24,
  x25519: 29,
  X25519MLKEM768: 0x11ec,
} as const;
export type Group13 = (typeof Group13)[keyof typeof Group13];

/** Our preference: the hybrid first (the browsers' first share), then x25519, then the NIST curves. */
export const GROUPS_13: readonly Group13[] = Object.freeze([0x11ec, 29, 23, 24]);

const GROUP_NAMES: ReadonlyMap<number, string> = new Map([
  [23, 'secp256r1'],
  [24, 'secp384r1'],
  [29, 'x25519'],
  [0x11ec, 'X25519MLKEM768'],
]);

export function isGroup13(group: number): group is Group13 {
  return GROUP_NAMES.has(group);
}

/** The IANA name of a group, e.g. 'X25519MLKEM768'. */
export function groupName(group: number): string {
  return GROUP_NAMES.get(group) ?? `0x${group.toString(16).padStart(4, '0')}`;
}

/** Why a peer's key share was refused; the handshake answers illegal_parameter (RFC 8446 §4.2.8). */
export type KeyShareError =
  | 'bad-share-length'
  | 'not-uncompressed-point'
  | 'invalid-point'
  | 'x25519-all-zero'
  | 'mlkem-modulus'
  | 'unsupported-group';

export type KeyShareResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: KeyShareError };

export type Rng = (n: number) => Uint8Array;

/** Byte lengths on the wire (draft-ietf-tls-ecdhe-mlkem §4.1, RFC 8446 §4.2.8.2). */
export const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;
export const MLKEM768_CIPHERTEXT_LENGTH = 1088;
export const X25519_LENGTH = 32;
export const HYBRID_CLIENT_SHARE_LENGTH = MLKEM768_ENCAPSULATION_KEY_LENGTH + X25519_LENGTH; // 1216
export const HYBRID_SERVER_SHARE_LENGTH = MLKEM768_CIPHERTEXT_LENGTH + X25519_LENGTH; // 1120

// RFC 8410 §7 / §4: the DER around a raw X25519 private key (PKCS#8) and public key (SPKI).
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

const ok = <T>(value: T): KeyShareResult<T> => ({ ok: true, value });
const fail = <T>(error: KeyShareError): KeyShareResult<T> => ({ ok: false, error });

/** An X25519 key pair from 32 secret bytes (RFC 7748 §5: clamping is done by the function itself). */
class X25519Key {
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  constructor(secret: Uint8Array) {
    if (secret.length !== 32) throw new RangeError(`x25519 secret must be 32 bytes, got ${secret.length}`);
    this.privateKey = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8_PREFIX, secret]),
      format: 'der',
      type: 'pkcs8',
    });
    const spki = createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(spki.subarray(X25519_SPKI_PREFIX.length));
  }

  /** X25519(ours, peer); refuses a peer value of the wrong length and an all-zero result (RFC 8446 §7.4.2, RFC 7748 §6.1). */
  agree(peer: Uint8Array): KeyShareResult<Uint8Array> {
    if (peer.length !== X25519_LENGTH) return fail('bad-share-length');
    let secret: Buffer;
    try {
      const publicKey = createPublicKey({
        key: Buffer.concat([X25519_SPKI_PREFIX, peer]),
        format: 'der',
        type: 'spki',
      });
      secret = diffieHellman({ privateKey: this.privateKey, publicKey });
    } catch {
      // OpenSSL itself refuses to return an all-zero X25519 output.
      return fail('x25519-all-zero');
    }
    let acc = 0;
    for (const b of secret) acc |= b;
    if (acc === 0) return fail('x25519-all-zero');
    return ok(new Uint8Array(secret));
  }
}

const NIST_CURVES = {
  23: { curve: 'prime256v1', scalarLength: 32, pointLength: 65 },
  24: { curve: 'secp384r1', scalarLength: 48, pointLength: 97 },
} as const;

function nistKey(group: 23 | 24, rng: Rng): ReturnType<typeof createECDH> {
  const { curve, scalarLength } = NIST_CURVES[group];
  const ecdh = createECDH(curve);
  // A random string of the scalar's length is a valid private key unless it is 0 or >= n
  // (probability below 2^-32 for both curves); draw again in that case.
  for (;;) {
    try {
      ecdh.setPrivateKey(rng(scalarLength));
      return ecdh;
    } catch {
      /* out of range: draw again */
    }
  }
}

function nistAgree(
  group: 23 | 24,
  ecdh: ReturnType<typeof createECDH>,
  peer: Uint8Array,
): KeyShareResult<Uint8Array> {
  // RFC 8446 §4.2.8.2: UncompressedPointRepresentation only.
  if (peer.length !== NIST_CURVES[group].pointLength) return fail('bad-share-length');
  if (peer[0] !== 0x04) return fail('not-uncompressed-point');
  try {
    // computeSecret refuses a point that is not on the curve (RFC 8446 §4.2.8.2 validation).
    return ok(new Uint8Array(ecdh.computeSecret(peer)));
  } catch {
    return fail('invalid-point');
  }
}

/**
 * FIPS 203 §7.2 encapsulation key check: every 12-bit coefficient of the 3 × 256 encoded
 * polynomials is below q = 3329, i.e. ByteEncode12(ByteDecode12(ek)) == ek.
 */
export function mlkem768ModulusCheck(ek: Uint8Array): boolean {
  if (ek.length !== MLKEM768_ENCAPSULATION_KEY_LENGTH) return false;
  const end = 3 * 384;
  let bad = 0;
  for (let i = 0; i < end; i += 3) {
    const b0 = ek[i]!;
    const b1 = ek[i + 1]!;
    const b2 = ek[i + 2]!;
    const c0 = b0 | ((b1 & 0x0f) << 8);
    const c1 = (b1 >>> 4) | (b2 << 4);
    bad |= ((3328 - c0) | (3328 - c1)) >>> 31;
  }
  return bad === 0;
}

/** A key share the client offers in ClientHello and completes with the server's share. */
export interface ClientKeyShare {
  readonly group: Group13;
  /** KeyShareEntry.key_exchange as sent. */
  readonly share: Uint8Array;
  /** The shared secret from the server's key_exchange. */
  complete(serverShare: Uint8Array): KeyShareResult<Uint8Array>;
}

/** What the server answers to a client share: its own key_exchange and the shared secret. */
export interface ServerKeyShare {
  readonly share: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/** Generates the client's share for `group` from the injected RNG. */
export function clientKeyShare(group: Group13, rng: Rng): ClientKeyShare {
  switch (group) {
    case 29: {
      const key = new X25519Key(rng(32));
      return { group, share: key.publicKey, complete: (s) => key.agree(s) };
    }
    case 23:
    case 24: {
      const ecdh = nistKey(group, rng);
      return {
        group,
        share: new Uint8Array(ecdh.getPublicKey()),
        complete: (s) => nistAgree(group, ecdh, s),
      };
    }
    case 0x11ec: {
      // draft-ietf-tls-ecdhe-mlkem §4.1: client share = ML-KEM-768 encapsulation key || X25519 public.
      const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(rng(64));
      const x = new X25519Key(rng(32));
      const share = new Uint8Array(HYBRID_CLIENT_SHARE_LENGTH);
      share.set(ek, 0);
      share.set(x.publicKey, MLKEM768_ENCAPSULATION_KEY_LENGTH);
      return {
        group,
        share,
        complete(serverShare) {
          // Server share = ML-KEM ciphertext || X25519 public; secret = ML-KEM secret || X25519 secret.
          if (serverShare.length !== HYBRID_SERVER_SHARE_LENGTH) return fail('bad-share-length');
          const xs = x.agree(serverShare.subarray(MLKEM768_CIPHERTEXT_LENGTH));
          if (!xs.ok) return xs;
          // Decapsulation of a forged ciphertext yields an unrelated secret (implicit rejection),
          // which fails the handshake at the server's Finished.
          const ks = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CIPHERTEXT_LENGTH), dk);
          return ok(concat(ks, xs.value));
        },
      };
    }
    default:
      throw new RangeError(`group must be one of ${GROUPS_13.join(', ')}, got ${String(group)}`);
  }
}

/** The server's side of the exchange for the client's `clientShare` in `group`. */
export function serverKeyShare(
  group: number,
  clientShare: Uint8Array,
  rng: Rng,
): KeyShareResult<ServerKeyShare> {
  switch (group) {
    case 29: {
      const key = new X25519Key(rng(32));
      const s = key.agree(clientShare);
      return s.ok ? ok({ share: key.publicKey, sharedSecret: s.value }) : s;
    }
    case 23:
    case 24: {
      const ecdh = nistKey(group, rng);
      const s = nistAgree(group, ecdh, clientShare);
      return s.ok ? ok({ share: new Uint8Array(ecdh.getPublicKey()), sharedSecret: s.value }) : s;
    }
    case 0x11ec: {
      if (clientShare.length !== HYBRID_CLIENT_SHARE_LENGTH) return fail('bad-share-length');
      const ek = clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH);
      if (!mlkem768ModulusCheck(ek)) return fail('mlkem-modulus');
      const x = new X25519Key(rng(32));
      const xs = x.agree(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH));
      if (!xs.ok) return xs;
      const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, rng(32));
      const share = new Uint8Array(HYBRID_SERVER_SHARE_LENGTH);
      share.set(cipherText, 0);
      share.set(x.publicKey, MLKEM768_CIPHERTEXT_LENGTH);
      return ok({ share, sharedSecret: concat(sharedSecret, xs.value) });
    }
    default:
      return fail('unsupported-group');
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
