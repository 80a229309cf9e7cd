import type { SessionKeys } from './key-derivation.js';
import type { SrtpProfileInfo, SrtpProfileName } from './profile.js';

export interface SrtpSessionOptions {
  /** DTLS-SRTP registry name (e.g. 'SRTP_AES128_CM_HMAC_SHA1_80'), a known alias, or the registry value. */
  readonly profile: SrtpProfileName | string | number;
  /** Master key: 16 bytes (AES-128, NULL) or 32 bytes (AES-256). */
  readonly masterKey: Uint8Array;
  /** Master salt: 14 bytes (AES-CM, NULL) or 12 bytes (AEAD GCM, RFC 7714 §12). */
  readonly masterSalt: Uint8Array;
  /**
   * Replay window length in packets, for SRTP and SRTCP, per SSRC (RFC 3711 §3.3.2).
   * Default 1024; a multiple of 32 in [32, 32768].
   */
  readonly replayWindow?: number;
  /**
   * Most SSRCs one session tracks (default 4096). Per-SSRC state costs about
   * replayWindow / 4 bytes. Beyond the limit, a packet from a new SSRC is rejected
   * ('too-many-streams') on unprotect and protect throws; `deleteStream` frees an entry.
   */
  readonly maxStreams?: number;
  /**
   * Master Key Identifier (RFC 3711 §3.1) this session writes into every packet and requires on
   * every incoming one; up to 16 bytes. Omitted: packets carry no MKI.
   */
  readonly mki?: Uint8Array;
  /** Send SRTCP unencrypted (E flag 0) but authenticated (RFC 3711 §3.4). Default false. */
  readonly unencryptedSrtcp?: boolean;
  /**
   * Master key lifetime in packets (e.g. the SDES `|2^31` of RFC 4568 §6.1): protect throws once
   * this many SRTP, or this many SRTCP, packets were protected. It can only lower the RFC 3711
   * §9.2 maxima (2^48 SRTP, 2^31 SRTCP), which always apply.
   */
  readonly keyLifetime?: number;
}

/** Session keys given directly instead of a master key (known-answer tests, external KDFs). */
export interface SrtpSessionKeyOptions {
  readonly profile: SrtpProfileName | string | number;
  readonly rtp: SessionKeys;
  readonly rtcp: SessionKeys;
  readonly replayWindow?: number;
  readonly maxStreams?: number;
  readonly mki?: Uint8Array;
  readonly unencryptedSrtcp?: boolean;
  readonly keyLifetime?: number;
}

/** RFC 3711 §9.2: a master key protects at most 2^48 SRTP packets and 2^31 SRTCP packets. */
export const SRTP_MAX_PACKETS = 2 ** 48;
export const SRTCP_MAX_PACKETS = 2 ** 31;
const DEFAULT_REPLAY_WINDOW = 1024;
const DEFAULT_MAX_STREAMS = 4096;
const MAX_MKI_LENGTH = 16;

/** Options after validation, with defaults applied. */
export interface ValidatedOptions {
  readonly replayWindow: number;
  readonly maxStreams: number;
  readonly mki: Uint8Array;
  readonly encryptSrtcp: boolean;
  readonly keyLifetime: number;
}

/** Validates the options shared by both constructors; misuse throws naming the option. */
export function validateCommon(
  options: SrtpSessionOptions | SrtpSessionKeyOptions,
  profile: SrtpProfileInfo,
): ValidatedOptions {
  const replayWindow = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
  if (
    !Number.isInteger(replayWindow) ||
    replayWindow < 32 ||
    replayWindow > 32768 ||
    replayWindow % 32 !== 0
  ) {
    throw new RangeError('replayWindow must be a multiple of 32 in [32, 32768]');
  }
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  if (!Number.isInteger(maxStreams) || maxStreams < 1)
    throw new RangeError('maxStreams must be a positive integer');
  const mki = options.mki ?? new Uint8Array(0);
  if (!(mki instanceof Uint8Array) || mki.length > MAX_MKI_LENGTH) {
    throw new RangeError(`mki must be a Uint8Array of at most ${MAX_MKI_LENGTH} bytes`);
  }
  const unencrypted = options.unencryptedSrtcp ?? false;
  if (typeof unencrypted !== 'boolean') throw new TypeError('unencryptedSrtcp must be a boolean');
  const keyLifetime = options.keyLifetime ?? SRTP_MAX_PACKETS;
  if (!Number.isInteger(keyLifetime) || keyLifetime < 1 || keyLifetime > SRTP_MAX_PACKETS) {
    throw new RangeError('keyLifetime must be an integer in [1, 2^48]');
  }
  return {
    replayWindow,
    maxStreams,
    mki: new Uint8Array(mki),
    encryptSrtcp: !unencrypted && profile.cipher !== 'NULL',
    keyLifetime,
  };
}

/** Checks directly given session keys against the profile's lengths. */
export function checkSessionKeys(profile: SrtpProfileInfo, keys: SessionKeys, name: string): void {
  if (keys === null || typeof keys !== 'object')
    throw new TypeError(`${name} must be an object of session keys`);
  if (!(keys.encryptionKey instanceof Uint8Array) || keys.encryptionKey.length !== profile.keyLength) {
    throw new RangeError(`${name}.encryptionKey must be ${profile.keyLength} bytes for ${profile.name}`);
  }
  if (!(keys.salt instanceof Uint8Array) || keys.salt.length !== profile.saltLength) {
    throw new RangeError(`${name}.salt must be ${profile.saltLength} bytes for ${profile.name}`);
  }
  if (!(keys.authKey instanceof Uint8Array) || keys.authKey.length !== profile.authKeyLength) {
    throw new RangeError(`${name}.authKey must be ${profile.authKeyLength} bytes for ${profile.name}`);
  }
}
