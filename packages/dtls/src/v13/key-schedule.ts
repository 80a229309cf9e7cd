import { createHash, createHmac } from 'node:crypto';
import type { Hash13 } from './cipher-suites.js';

/**
 * The label prefix of HKDF-Expand-Label: "tls13 " in TLS 1.3 (RFC 8446 §7.1), "dtls13" in
 * DTLS 1.3 (RFC 9147 §5.9). A DTLS 1.3 peer derives different keys from the same secrets, so a
 * wrong prefix ends every handshake at the first encrypted record.
 */
export type LabelPrefix = 'tls13 ' | 'dtls13';
export const DTLS13_LABEL_PREFIX: LabelPrefix = 'dtls13';

const HASH_LENGTH: Record<Hash13, number> = { sha256: 32, sha384: 48 };

export function hashLength(hash: Hash13): number {
  return HASH_LENGTH[hash];
}

/** Hash(data) with the suite's hash. */
export function digest(hash: Hash13, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** HMAC(key, data). */
export function hmac(hash: Hash13, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, key).update(data).digest());
}

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an absent salt is HashLen zeros. */
export function hkdfExtract(hash: Hash13, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(hash, salt.length === 0 ? new Uint8Array(HASH_LENGTH[hash]) : salt, ikm);
}

/** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3). */
export function hkdfExpand(hash: Hash13, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hl = HASH_LENGTH[hash];
  if (!Number.isInteger(length) || length < 0 || length > 255 * hl)
    throw new RangeError(`length must be an integer in 0..${255 * hl}, got ${length}`);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, filled = 0; filled < length; i++) {
    t = new Uint8Array(createHmac(hash, prk).update(t).update(info).update(Uint8Array.of(i)).digest());
    const take = Math.min(hl, length - filled);
    out.set(take === hl ? t : t.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

/**
 * HkdfLabel (RFC 8446 §7.1): uint16 length, opaque label<7..255> = prefix + Label,
 * opaque context<0..255>.
 */
export function hkdfLabel(
  prefix: LabelPrefix,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const full = Buffer.from(prefix + label, 'latin1');
  if (full.length > 255)
    throw new RangeError(`label must be at most ${255 - prefix.length} bytes, got ${label}`);
  if (context.length > 255) throw new RangeError(`context must be at most 255 bytes, got ${context.length}`);
  if (!Number.isInteger(length) || length < 0 || length > 0xffff)
    throw new RangeError(`length must be uint16, got ${length}`);
  const out = new Uint8Array(2 + 1 + full.length + 1 + context.length);
  out[0] = length >>> 8;
  out[1] = length & 0xff;
  out[2] = full.length;
  out.set(full, 3);
  out[3 + full.length] = context.length;
  out.set(context, 4 + full.length);
  return out;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1) with the given prefix. */
export function hkdfExpandLabel(
  hash: Hash13,
  prefix: LabelPrefix,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(hash, secret, hkdfLabel(prefix, label, context, length), length);
}

/** Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages) (RFC 8446 §7.1). */
export function deriveSecret(
  hash: Hash13,
  prefix: LabelPrefix,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, prefix, secret, label, transcriptHash, HASH_LENGTH[hash]);
}

/** Keys of one direction of one epoch: AEAD key, IV, and the record number key (RFC 9147 §4.2.3). */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly snKey: Uint8Array;
}

/**
 * The staged secrets of RFC 8446 §7.1 for a handshake without PSK. Each method is a pure function
 * of its inputs; the handshake state that knows a secret carries it, this object holds only the
 * hash and the label prefix.
 */
export class KeySchedule13 {
  readonly hash: Hash13;
  readonly prefix: LabelPrefix;
  readonly hashLength: number;

  constructor(hash: Hash13, prefix: LabelPrefix = DTLS13_LABEL_PREFIX) {
    if (hash !== 'sha256' && hash !== 'sha384')
      throw new RangeError(`hash must be sha256 or sha384, got ${hash}`);
    if (prefix !== 'tls13 ' && prefix !== 'dtls13')
      throw new RangeError(`prefix must be "tls13 " or "dtls13", got ${prefix}`);
    this.hash = hash;
    this.prefix = prefix;
    this.hashLength = HASH_LENGTH[hash];
  }

  transcriptHash(...messages: readonly Uint8Array[]): Uint8Array {
    return digest(this.hash, ...messages);
  }

  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return hkdfExpandLabel(this.hash, this.prefix, secret, label, context, length);
  }

  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.prefix, secret, label, transcriptHash);
  }

  /** Early Secret = HKDF-Extract(0, 0): no PSK (RFC 8446 §7.1). */
  earlySecret(): Uint8Array {
    return hkdfExtract(this.hash, new Uint8Array(0), new Uint8Array(this.hashLength));
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
  handshakeSecret(sharedSecret: Uint8Array): Uint8Array {
    const salt = this.deriveSecret(this.earlySecret(), 'derived', digest(this.hash));
    return hkdfExtract(this.hash, salt, sharedSecret);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  masterSecret(handshakeSecret: Uint8Array): Uint8Array {
    const salt = this.deriveSecret(handshakeSecret, 'derived', digest(this.hash));
    return hkdfExtract(this.hash, salt, new Uint8Array(this.hashLength));
  }

  /** [client, server] handshake traffic secrets over Transcript-Hash(ClientHello..ServerHello). */
  handshakeTrafficSecrets(handshakeSecret: Uint8Array, helloHash: Uint8Array): [Uint8Array, Uint8Array] {
    return [
      this.deriveSecret(handshakeSecret, 'c hs traffic', helloHash),
      this.deriveSecret(handshakeSecret, 's hs traffic', helloHash),
    ];
  }

  /** [client, server] application traffic secrets 0 over Transcript-Hash(ClientHello..server Finished). */
  applicationTrafficSecrets(
    masterSecret: Uint8Array,
    serverFinishedHash: Uint8Array,
  ): [Uint8Array, Uint8Array] {
    return [
      this.deriveSecret(masterSecret, 'c ap traffic', serverFinishedHash),
      this.deriveSecret(masterSecret, 's ap traffic', serverFinishedHash),
    ];
  }

  /** exporter_master_secret over Transcript-Hash(ClientHello..server Finished). */
  exporterMasterSecret(masterSecret: Uint8Array, serverFinishedHash: Uint8Array): Uint8Array {
    return this.deriveSecret(masterSecret, 'exp master', serverFinishedHash);
  }

  /** application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length) (RFC 8446 §7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, 'traffic upd', new Uint8Array(0), this.hashLength);
  }

  /** write_key, write_iv (RFC 8446 §7.3) and sn_key (RFC 9147 §4.2.3) of one traffic secret. */
  trafficKeys(secret: Uint8Array, keyLength: number): TrafficKeys {
    const empty = new Uint8Array(0);
    return {
      key: this.expandLabel(secret, 'key', empty, keyLength),
      iv: this.expandLabel(secret, 'iv', empty, 12),
      snKey: this.expandLabel(secret, 'sn', empty, keyLength),
    };
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash(...)), finished_key from the base key (RFC 8446 §4.4.4). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, 'finished', new Uint8Array(0), this.hashLength);
    return hmac(this.hash, finishedKey, transcriptHash);
  }

  /**
   * TLS-Exporter(label, context, length) (RFC 8446 §7.5):
   *   HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context), length)
   * An absent context is the same as an empty one in TLS 1.3.
   */
  exportKeyingMaterial(
    exporterMasterSecret: Uint8Array,
    label: string,
    length: number,
    context: Uint8Array = new Uint8Array(0),
  ): Uint8Array {
    if (typeof label !== 'string' || label.length === 0)
      throw new TypeError('label must be a non-empty string');
    if (!Number.isInteger(length) || length <= 0 || length > 255 * this.hashLength)
      throw new RangeError(`length must be an integer in 1..${255 * this.hashLength}, got ${length}`);
    const secret = this.deriveSecret(exporterMasterSecret, label, digest(this.hash));
    return this.expandLabel(secret, 'exporter', digest(this.hash, context), length);
  }
}
