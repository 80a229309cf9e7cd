/**
 * The DTLS-SRTP protection profiles (IANA "DTLS-SRTP Protection Profiles";
 * RFC 5764 §4.1.2, RFC 7714 §14.2), as one table: negotiation and key export
 * both read key/salt lengths from the row.
 */
export interface SrtpProfile {
  /** Two-byte SRTPProtectionProfile code point. */
  readonly id: number;
  /** Registry name, e.g. 'SRTP_AES128_CM_HMAC_SHA1_80' (what @rtcseal/srtp takes). */
  readonly name: string;
  /** The name OpenSSL uses for it (`-use_srtp`), when it differs. */
  readonly opensslName: string;
  /** Master key length in bytes. */
  readonly keyLength: number;
  /** Master salt length in bytes. */
  readonly saltLength: number;
}

export const SRTP_PROFILES: readonly SrtpProfile[] = Object.freeze([
  {
    id: 0x0001,
    name: 'SRTP_AES128_CM_HMAC_SHA1_80',
    opensslName: 'SRTP_AES128_CM_SHA1_80',
    keyLength: 16,
    saltLength: 14,
  },
  {
    id: 0x0002,
    name: 'SRTP_AES128_CM_HMAC_SHA1_32',
    opensslName: 'SRTP_AES128_CM_SHA1_32',
    keyLength: 16,
    saltLength: 14,
  },
  // RFC 5764 §4.1.2: the NULL profiles still derive 128-bit keys and 112-bit salts.
  {
    id: 0x0005,
    name: 'SRTP_NULL_HMAC_SHA1_80',
    opensslName: 'SRTP_NULL_SHA1_80',
    keyLength: 16,
    saltLength: 14,
  },
  {
    id: 0x0006,
    name: 'SRTP_NULL_HMAC_SHA1_32',
    opensslName: 'SRTP_NULL_SHA1_32',
    keyLength: 16,
    saltLength: 14,
  },
  // RFC 7714 §12: AEAD profiles use a 96-bit salt.
  {
    id: 0x0007,
    name: 'SRTP_AEAD_AES_128_GCM',
    opensslName: 'SRTP_AEAD_AES_128_GCM',
    keyLength: 16,
    saltLength: 12,
  },
  {
    id: 0x0008,
    name: 'SRTP_AEAD_AES_256_GCM',
    opensslName: 'SRTP_AEAD_AES_256_GCM',
    keyLength: 32,
    saltLength: 12,
  },
]);

/** Exporter label of RFC 5764 §4.2. */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export function srtpProfileById(id: number): SrtpProfile | undefined {
  for (const p of SRTP_PROFILES) if (p.id === id) return p;
  return undefined;
}

/** Looks a profile up by its registry name or its OpenSSL name (case-insensitive). */
export function srtpProfileByName(name: string): SrtpProfile | undefined {
  const n = name.trim().toUpperCase();
  for (const p of SRTP_PROFILES) if (p.name === n || p.opensslName === n) return p;
  return undefined;
}

function resolve(profile: SrtpProfile | string | number): SrtpProfile {
  const p =
    typeof profile === 'number'
      ? srtpProfileById(profile)
      : typeof profile === 'string'
        ? srtpProfileByName(profile)
        : profile;
  if (p === undefined) throw new RangeError(`unknown SRTP profile ${String(profile)}`);
  return p;
}

/** Bytes to export with EXTRACTOR-dtls_srtp: 2 * (key + salt) (RFC 5764 §4.2). */
export function srtpKeyingMaterialLength(profile: SrtpProfile | string | number): number {
  const p = resolve(profile);
  return 2 * (p.keyLength + p.saltLength);
}

/** SRTP master keys for one end, ready for an SRTP session per direction. */
export interface SrtpKeyingMaterial {
  /** Registry name of the negotiated profile, e.g. 'SRTP_AEAD_AES_128_GCM'. */
  readonly profile: string;
  /** Protects what we send. */
  readonly localMasterKey: Uint8Array;
  readonly localMasterSalt: Uint8Array;
  /** Unprotects what the peer sends. */
  readonly remoteMasterKey: Uint8Array;
  readonly remoteMasterSalt: Uint8Array;
}

/**
 * Splits the exported material in the order of RFC 5764 §4.2:
 * client_write_SRTP_master_key, server_write_SRTP_master_key,
 * client_write_SRTP_master_salt, server_write_SRTP_master_salt,
 * and maps client/server to local/remote for `role`.
 */
export function splitSrtpKeyingMaterial(
  material: Uint8Array,
  profile: SrtpProfile | string | number,
  role: 'client' | 'server',
): SrtpKeyingMaterial {
  const p = resolve(profile);
  if (role !== 'client' && role !== 'server') throw new RangeError(`role must be 'client' or 'server'`);
  const k = p.keyLength;
  const s = p.saltLength;
  if (material.length !== 2 * (k + s))
    throw new RangeError(`material must be ${2 * (k + s)} bytes for ${p.name}, got ${material.length}`);
  const clientKey = material.slice(0, k);
  const serverKey = material.slice(k, 2 * k);
  const clientSalt = material.slice(2 * k, 2 * k + s);
  const serverSalt = material.slice(2 * k + s, 2 * k + 2 * s);
  return role === 'client'
    ? {
        profile: p.name,
        localMasterKey: clientKey,
        localMasterSalt: clientSalt,
        remoteMasterKey: serverKey,
        remoteMasterSalt: serverSalt,
      }
    : {
        profile: p.name,
        localMasterKey: serverKey,
        localMasterSalt: serverSalt,
        remoteMasterKey: clientKey,
        remoteMasterSalt: clientSalt,
      };
}
