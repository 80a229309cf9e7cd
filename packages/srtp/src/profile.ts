/**
 * SRTP protection profiles as data: one row per profile, read by the packet transforms,
 * by DTLS-SRTP negotiation (through `dtlsId`) and by SDES (through `sdesName`).
 * Adding a profile is adding a row.
 */

/** How the payload is encrypted. */
export type SrtpCipherName = 'AES_128_CM' | 'AES_256_CM' | 'NULL' | 'AES_128_GCM' | 'AES_256_GCM';

export interface SrtpProfileInfo {
  /** DTLS-SRTP registry name (RFC 5764 §4.1.2, RFC 7714 §14.2), or the RFC 6188 name for SDES-only rows. */
  readonly name: SrtpProfileName;
  /** IANA DTLS-SRTP protection profile value; undefined when the profile is not in that registry. */
  readonly dtlsId: number | undefined;
  /** RFC 4568 / RFC 6188 / RFC 7714 crypto-suite name used in SDP `a=crypto` lines. */
  readonly sdesName: string;
  readonly cipher: SrtpCipherName;
  /** Master (and session) encryption key length, bytes. */
  readonly keyLength: number;
  /** Master (and session) salt length, bytes: 14 for AES-CM/NULL (RFC 3711), 12 for GCM (RFC 7714 §12). */
  readonly saltLength: number;
  /** SRTP authentication tag length, bytes (16 for the AEAD profiles: the GCM tag). */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length, bytes: 10 even for the _32 profiles (RFC 5764 §4.1.2). */
  readonly rtcpTagLength: number;
  /** Session authentication key length, bytes (HMAC-SHA1: 20; AEAD: 0). */
  readonly authKeyLength: number;
  /** True for AES-GCM (RFC 7714): no HMAC, the tag comes out of the AEAD. */
  readonly aead: boolean;
}

export type SrtpProfileName =
  | 'SRTP_AES128_CM_HMAC_SHA1_80'
  | 'SRTP_AES128_CM_HMAC_SHA1_32'
  | 'SRTP_NULL_HMAC_SHA1_80'
  | 'SRTP_NULL_HMAC_SHA1_32'
  | 'SRTP_AEAD_AES_128_GCM'
  | 'SRTP_AEAD_AES_256_GCM'
  | 'SRTP_AES256_CM_HMAC_SHA1_80'
  | 'SRTP_AES256_CM_HMAC_SHA1_32';

function row(
  name: SrtpProfileName,
  dtlsId: number | undefined,
  sdesName: string,
  cipher: SrtpCipherName,
  keyLength: number,
  saltLength: number,
  rtpTagLength: number,
  rtcpTagLength: number,
): SrtpProfileInfo {
  const aead = cipher === 'AES_128_GCM' || cipher === 'AES_256_GCM';
  return Object.freeze({
    name,
    dtlsId,
    sdesName,
    cipher,
    keyLength,
    saltLength,
    rtpTagLength,
    rtcpTagLength,
    authKeyLength: aead ? 0 : 20,
    aead,
  });
}

/**
 * The profile table.
 *
 * The AES-256-CM rows come from RFC 6188, which defines them only as SDES crypto suites
 * (AES_256_CM_HMAC_SHA1_80/_32); the IANA DTLS-SRTP registry has no value for them
 * (0x0003-0x0004 are unassigned), so they carry no `dtlsId` and cannot be negotiated by
 * DTLS-SRTP. They keep an `SRTP_` name of the registry's shape so that every row has one.
 */
export const SRTP_PROFILES: readonly SrtpProfileInfo[] = Object.freeze([
  row('SRTP_AES128_CM_HMAC_SHA1_80', 0x0001, 'AES_CM_128_HMAC_SHA1_80', 'AES_128_CM', 16, 14, 10, 10),
  // RFC 5764 §4.1.2: the _32 profile shortens only the SRTP tag; SRTCP keeps 80 bits.
  row('SRTP_AES128_CM_HMAC_SHA1_32', 0x0002, 'AES_CM_128_HMAC_SHA1_32', 'AES_128_CM', 16, 14, 4, 10),
  // RFC 5764 §4.1.2: NULL profiles still derive a 128-bit key and 112-bit salt.
  row('SRTP_NULL_HMAC_SHA1_80', 0x0005, 'NULL_HMAC_SHA1_80', 'NULL', 16, 14, 10, 10),
  row('SRTP_NULL_HMAC_SHA1_32', 0x0006, 'NULL_HMAC_SHA1_32', 'NULL', 16, 14, 4, 10),
  row('SRTP_AEAD_AES_128_GCM', 0x0007, 'AEAD_AES_128_GCM', 'AES_128_GCM', 16, 12, 16, 16),
  row('SRTP_AEAD_AES_256_GCM', 0x0008, 'AEAD_AES_256_GCM', 'AES_256_GCM', 32, 12, 16, 16),
  row('SRTP_AES256_CM_HMAC_SHA1_80', undefined, 'AES_256_CM_HMAC_SHA1_80', 'AES_256_CM', 32, 14, 10, 10),
  row('SRTP_AES256_CM_HMAC_SHA1_32', undefined, 'AES_256_CM_HMAC_SHA1_32', 'AES_256_CM', 32, 14, 4, 10),
]);

/** Names other stacks use for the same rows (OpenSSL's `-use_srtp` names, libsrtp / SDES suite names). */
const ALIASES: Readonly<Record<string, SrtpProfileName>> = Object.freeze({
  SRTP_AES128_CM_SHA1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
  SRTP_AES128_CM_SHA1_32: 'SRTP_AES128_CM_HMAC_SHA1_32',
  SRTP_NULL_SHA1_80: 'SRTP_NULL_HMAC_SHA1_80',
  SRTP_NULL_SHA1_32: 'SRTP_NULL_HMAC_SHA1_32',
  AEAD_AES_128_GCM: 'SRTP_AEAD_AES_128_GCM',
  AEAD_AES_256_GCM: 'SRTP_AEAD_AES_256_GCM',
  AES_CM_128_HMAC_SHA1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
  AES_CM_128_HMAC_SHA1_32: 'SRTP_AES128_CM_HMAC_SHA1_32',
  AES_CM_256_HMAC_SHA1_80: 'SRTP_AES256_CM_HMAC_SHA1_80',
  AES_CM_256_HMAC_SHA1_32: 'SRTP_AES256_CM_HMAC_SHA1_32',
  AES_256_CM_HMAC_SHA1_80: 'SRTP_AES256_CM_HMAC_SHA1_80',
  AES_256_CM_HMAC_SHA1_32: 'SRTP_AES256_CM_HMAC_SHA1_32',
  NULL_HMAC_SHA1_80: 'SRTP_NULL_HMAC_SHA1_80',
  NULL_HMAC_SHA1_32: 'SRTP_NULL_HMAC_SHA1_32',
});

/**
 * Finds a profile by its registry name, a known alias (case-insensitive), or its DTLS-SRTP
 * registry value. Returns undefined when nothing matches.
 */
export function findSrtpProfile(nameOrId: string | number): SrtpProfileInfo | undefined {
  if (typeof nameOrId === 'number') {
    return SRTP_PROFILES.find((p) => p.dtlsId !== undefined && p.dtlsId === nameOrId);
  }
  if (typeof nameOrId !== 'string') return undefined;
  const upper = nameOrId.trim().toUpperCase();
  const canonical = ALIASES[upper] ?? upper;
  return SRTP_PROFILES.find((p) => p.name === canonical);
}

/** Like findSrtpProfile, but throws a RangeError naming `parameter` for an unknown profile. */
export function requireSrtpProfile(nameOrId: string | number, parameter = 'profile'): SrtpProfileInfo {
  const profile = findSrtpProfile(nameOrId);
  if (profile === undefined) {
    throw new RangeError(
      `${parameter}: unknown SRTP protection profile ${JSON.stringify(nameOrId)}; expected one of ${SRTP_PROFILES.map((p) => p.name).join(', ')} or an alias`,
    );
  }
  return profile;
}

/** The profile whose SDES crypto-suite name (RFC 4568 §6.2) is `suite`, case-sensitive as in SDP. */
export function findSdesSuite(suite: string): SrtpProfileInfo | undefined {
  return SRTP_PROFILES.find((p) => p.sdesName === suite);
}
