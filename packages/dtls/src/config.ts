import { randomFillSync } from 'node:crypto';
import type { DtlsCertificate } from './certificate.js';
import { CIPHER_SUITES, type CipherSuite, cipherSuiteByName } from './cipher-suites.js';
import { type KeyShareGroup, SUPPORTED_GROUPS } from './crypto/key-share.js';
import type { DtlsVersion } from './events.js';
import { type ParsedFingerprint, parseFingerprint } from './fingerprint.js';
import { type SrtpProfile, srtpProfileByName } from './srtp-profiles.js';

/** A pre-shared key for the PSK suites (RFC 4279 §2). */
export interface DtlsPsk {
  /** psk_identity sent in ClientKeyExchange (a string is sent as UTF-8). */
  readonly identity: Uint8Array | string;
  readonly key: Uint8Array;
}

export type DtlsGroupName = 'x25519' | 'secp256r1' | 'secp384r1';

/**
 * Everything a DtlsEngine can be told. Only `role` is required; every other field has the default
 * written next to it.
 */
export interface DtlsConfig {
  /** 'client' sends the first flight on start(); 'server' answers ClientHellos. Required. */
  readonly role: 'client' | 'server';
  /**
   * Our certificate and private key. Required for a server with ECDHE suites (it signs
   * ServerKeyExchange); a client answers a CertificateRequest with it, or with no certificate when
   * absent. Not needed for PSK-only use.
   */
  readonly certificate?: DtlsCertificate;
  /**
   * The peer certificate's fingerprint as in SDP, 'sha-256 AB:CD:…' (RFC 8122 §5). When set the peer
   * must present a certificate with this fingerprint before `connected`: another certificate ends
   * the handshake with bad_certificate (42), none with handshake_failure (40). A server then always
   * sends CertificateRequest, even with requireClientCertificate false. It cannot be combined with
   * the PSK suites, which exchange no certificate (they are left out of the default suites).
   * Default: none (any certificate accepted; WebRTC callers always set it).
   */
  readonly expectedFingerprint?: string;
  /**
   * DTLS-SRTP profiles by registry name, in preference order: the client offers them in this order,
   * the server picks the first of these the client offers (RFC 5764 §4.1.1). [] disables use_srtp.
   * Default: SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM, SRTP_AES128_CM_HMAC_SHA1_80,
   * SRTP_AES128_CM_HMAC_SHA1_32.
   */
  readonly srtpProfiles?: readonly string[];
  /**
   * Cipher suites by IANA name, in preference order (the server picks by its own order).
   * Default: the six ECDHE suites when a certificate is given, plus the two PSK suites when `psk`
   * (client) or `pskLookup` (server) is given.
   */
  readonly cipherSuites?: readonly string[];
  /** ECDHE groups in preference order. Default: x25519, secp256r1, secp384r1. */
  readonly groups?: readonly DtlsGroupName[];
  /**
   * Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest (RFC 6347 §4.2.1).
   * Default true. Turn it off when a DtlsCookieGate in front already did the exchange, or when the
   * peer's address is already verified (ICE connectivity checks).
   */
  readonly cookieExchange?: boolean;
  /**
   * Server with cookieExchange: what the engine's own HelloVerifyRequest cookie is bound to besides
   * the ClientHello parameters (RFC 6347 §4.2.1 binds it to the client's address). Give the peer's
   * transport address (e.g. '192.0.2.1:5000') or the bytes of any identity the embedder has for the
   * source, so that a cookie earned at one address does not pass when replayed from another. The
   * engine sees no addresses itself: with the default '' every source shares one binding. At most
   * 1024 bytes (UTF-8 for a string).
   */
  readonly cookieBinding?: string | Uint8Array;
  /** Largest datagram we send, in bytes (RFC 6347 §4.1.1.1). Default 1200; at least 200. */
  readonly mtu?: number;
  /**
   * Retransmission timer (RFC 6347 §4.2.4.1). Default initialMs 1000 (the RFC's 1 s), maxMs 60000.
   * Embedders on low-latency paths often use 100–400 ms initial values.
   */
  readonly retransmit?: { readonly initialMs?: number; readonly maxMs?: number };
  /** A handshake not done this long after start ends with closed 'handshake-timeout'. Default 30000 ms. */
  readonly handshakeTimeoutMs?: number;
  /** Refuse peers without extended_master_secret (RFC 7627 §5.2, §5.3). Default true. */
  readonly requireExtendedMasterSecret?: boolean;
  /**
   * Server: send CertificateRequest and require a client certificate (ECDHE suites). Default true.
   * With expectedFingerprint set the certificate is requested and required whatever this says.
   */
  readonly requireClientCertificate?: boolean;
  /** Client: the PSK to use with the PSK suites. */
  readonly psk?: DtlsPsk;
  /** Server: the key for a PSK identity, undefined when unknown (-> unknown_psk_identity, RFC 4279 §2). */
  readonly pskLookup?: (identity: Uint8Array) => Uint8Array | undefined;
  /** Server: PSK identity hint sent in ServerKeyExchange (RFC 4279 §2). Default: none (no ServerKeyExchange). */
  readonly pskIdentityHint?: Uint8Array;
  /**
   * Random bytes source: hello randoms, the cookie secret and the ephemeral ECDHE private keys. It
   * must be cryptographically secure; a seeded one makes test runs reproducible. Default
   * node:crypto randomFillSync.
   */
  readonly rng?: (n: number) => Uint8Array;
  /** Largest handshake message accepted (certificate chains). Default 65536 bytes. */
  readonly maxHandshakeMessageSize?: number;
  /**
   * Most bytes the engine holds for handshake messages not yet processed, all of which are
   * unauthenticated: the bytes of the fragments received (buffers grow as fragments arrive, whatever
   * length a fragment declares) plus 256 per pending message version. A fragment beyond it is dropped and
   * counted (handshake-buffer-full). Default twice maxHandshakeMessageSize (131072); at least
   * maxHandshakeMessageSize + 1024.
   */
  readonly maxHandshakeBufferSize?: number;
  /** Anti-replay window width per epoch (RFC 6347 §4.1.2.6). Default 64. */
  readonly replayWindow?: number;
  /** Oldest protocol version accepted. Default 'DTLS 1.2'. */
  readonly minVersion?: DtlsVersion;
  /**
   * Newest protocol version offered (client) or accepted (server). Default 'DTLS 1.3': a server
   * picks 1.3 when the ClientHello's supported_versions offers it, else 1.2; a client offers both
   * and completes whichever the server picks. 'DTLS 1.2' pins 1.2.
   */
  readonly maxVersion?: DtlsVersion;
}

/** The config with defaults applied and names resolved; what the handshake code reads. */
export interface ResolvedConfig {
  readonly role: 'client' | 'server';
  readonly certificate: DtlsCertificate | undefined;
  /** Parsed once here; the handshake compares digests. */
  readonly expectedFingerprint: ParsedFingerprint | undefined;
  readonly srtpProfiles: readonly SrtpProfile[];
  readonly cipherSuites: readonly CipherSuite[];
  readonly groups: readonly KeyShareGroup[];
  readonly cookieExchange: boolean;
  readonly cookieBinding: string | Uint8Array;
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly handshakeTimeoutMs: number;
  readonly requireExtendedMasterSecret: boolean;
  readonly requireClientCertificate: boolean;
  readonly psk: { readonly identity: Uint8Array; readonly key: Uint8Array } | undefined;
  readonly pskLookup: ((identity: Uint8Array) => Uint8Array | undefined) | undefined;
  readonly pskIdentityHint: Uint8Array | undefined;
  readonly rng: (n: number) => Uint8Array;
  readonly maxHandshakeMessageSize: number;
  readonly maxHandshakeBufferSize: number;
  readonly replayWindow: number;
  readonly minVersion: DtlsVersion;
  readonly maxVersion: DtlsVersion;
  /**
   * Set internally when a DTLS 1.2 client's ClientHello also offers DTLS 1.3 (one hello for both,
   * RFC 8446 §4.2.1): the 1.3 suites go first, supported_groups is replaced, and the 1.3
   * extensions (supported_versions, key_share) are appended.
   */
  readonly offer13?: {
    readonly cipherSuites: readonly number[];
    readonly supportedGroups: readonly number[];
    readonly signatureSchemes: readonly number[];
    readonly extensions: readonly { readonly type: number; readonly data: Uint8Array }[];
  };
}

export const DEFAULT_SRTP_PROFILES: readonly string[] = Object.freeze([
  'SRTP_AEAD_AES_128_GCM',
  'SRTP_AEAD_AES_256_GCM',
  'SRTP_AES128_CM_HMAC_SHA1_80',
  'SRTP_AES128_CM_HMAC_SHA1_32',
]);

const GROUP_IDS: Record<DtlsGroupName, KeyShareGroup> = { x25519: 29, secp256r1: 23, secp384r1: 24 };

function positiveInt(name: string, v: unknown, def: number, min = 1): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`config.${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Applies defaults and validates; throws naming the offending field (API misuse). */
export function resolveConfig(config: DtlsConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') throw new TypeError('config must be an object');
  if (config.role !== 'client' && config.role !== 'server') {
    throw new RangeError(`config.role must be 'client' or 'server', got ${String(config.role)}`);
  }
  const role = config.role;
  const expectedFingerprint =
    config.expectedFingerprint === undefined ? undefined : parseFingerprint(config.expectedFingerprint);
  if (config.expectedFingerprint !== undefined && expectedFingerprint === undefined) {
    throw new RangeError(`config.expectedFingerprint is not a fingerprint like 'sha-256 AB:CD:…'`);
  }
  const srtpProfiles = (config.srtpProfiles ?? DEFAULT_SRTP_PROFILES).map((name) => {
    const p = typeof name === 'string' ? srtpProfileByName(name) : undefined;
    if (p === undefined) throw new RangeError(`config.srtpProfiles: unknown profile ${String(name)}`);
    return p;
  });
  let psk: ResolvedConfig['psk'];
  if (config.psk !== undefined) {
    const { identity, key } = config.psk;
    if (!(key instanceof Uint8Array) || key.length === 0)
      throw new TypeError('config.psk.key must be non-empty bytes');
    const id = typeof identity === 'string' ? new TextEncoder().encode(identity) : identity;
    if (!(id instanceof Uint8Array) || id.length === 0 || id.length > 0xffff) {
      throw new TypeError('config.psk.identity must be 1..65535 bytes or a string');
    }
    psk = { identity: id, key };
  }
  if (config.pskLookup !== undefined && typeof config.pskLookup !== 'function') {
    throw new TypeError('config.pskLookup must be a function');
  }
  const hasPsk = role === 'client' ? psk !== undefined : config.pskLookup !== undefined;
  let cipherSuites: CipherSuite[];
  if (config.cipherSuites !== undefined) {
    cipherSuites = config.cipherSuites.map((name) => {
      const s = typeof name === 'string' ? cipherSuiteByName(name) : undefined;
      if (s === undefined) throw new RangeError(`config.cipherSuites: unknown suite ${String(name)}`);
      return s;
    });
  } else {
    cipherSuites = CIPHER_SUITES.filter((s) =>
      s.keyExchange === 'PSK'
        ? hasPsk && expectedFingerprint === undefined
        : config.certificate !== undefined,
    );
  }
  if (expectedFingerprint !== undefined && cipherSuites.some((s) => s.keyExchange === 'PSK')) {
    throw new RangeError(
      'config.expectedFingerprint cannot be enforced with the PSK suites in config.cipherSuites (they exchange no certificate)',
    );
  }
  if (cipherSuites.length === 0)
    throw new RangeError('config.cipherSuites: no usable suite (give a certificate or a PSK)');
  const usesCertificate = cipherSuites.some((s) => s.keyExchange !== 'PSK');
  // A client may run ECDHE without a certificate (it answers a CertificateRequest with an empty one).
  if (usesCertificate && config.certificate === undefined && role === 'server') {
    throw new TypeError('config.certificate is required for the ECDHE cipher suites');
  }
  if (cipherSuites.some((s) => s.keyExchange === 'PSK') && !hasPsk) {
    throw new TypeError(
      `config.${role === 'client' ? 'psk' : 'pskLookup'} is required for the PSK cipher suites`,
    );
  }
  const groups = (config.groups ?? ['x25519', 'secp256r1', 'secp384r1']).map((g) => {
    const id = GROUP_IDS[g as DtlsGroupName];
    if (id === undefined || !SUPPORTED_GROUPS.includes(id))
      throw new RangeError(`config.groups: unknown group ${String(g)}`);
    return id;
  });
  if (groups.length === 0 && usesCertificate) throw new RangeError('config.groups must not be empty');
  const retransmitInitialMs = positiveInt('retransmit.initialMs', config.retransmit?.initialMs, 1000);
  const retransmitMaxMs = positiveInt('retransmit.maxMs', config.retransmit?.maxMs, 60_000);
  if (retransmitMaxMs < retransmitInitialMs) {
    throw new RangeError('config.retransmit.maxMs must be >= config.retransmit.initialMs');
  }
  if (config.rng !== undefined && typeof config.rng !== 'function')
    throw new TypeError('config.rng must be a function');
  const maxHandshakeMessageSize = positiveInt(
    'maxHandshakeMessageSize',
    config.maxHandshakeMessageSize,
    65536,
    1024,
  );
  const maxHandshakeBufferSize = positiveInt(
    'maxHandshakeBufferSize',
    config.maxHandshakeBufferSize,
    2 * maxHandshakeMessageSize,
    maxHandshakeMessageSize + 1024,
  );
  const minVersion = resolveVersion('minVersion', config.minVersion, 'DTLS 1.2');
  const maxVersion = resolveVersion('maxVersion', config.maxVersion, 'DTLS 1.3');
  if (minVersion === 'DTLS 1.3' && maxVersion === 'DTLS 1.2')
    throw new RangeError('config.minVersion must not be newer than config.maxVersion');
  return {
    role,
    certificate: config.certificate,
    expectedFingerprint,
    srtpProfiles,
    cipherSuites,
    groups,
    cookieExchange: config.cookieExchange ?? true,
    cookieBinding: resolveCookieBinding(config.cookieBinding),
    mtu: positiveInt('mtu', config.mtu, 1200, 200),
    retransmitInitialMs,
    retransmitMaxMs,
    handshakeTimeoutMs: positiveInt('handshakeTimeoutMs', config.handshakeTimeoutMs, 30_000),
    requireExtendedMasterSecret: config.requireExtendedMasterSecret ?? true,
    requireClientCertificate: config.requireClientCertificate ?? true,
    psk,
    pskLookup: config.pskLookup,
    pskIdentityHint: config.pskIdentityHint,
    rng: config.rng ?? ((n: number) => randomFillSync(new Uint8Array(n))),
    maxHandshakeMessageSize,
    maxHandshakeBufferSize,
    replayWindow: positiveInt('replayWindow', config.replayWindow, 64, 32),
    minVersion,
    maxVersion,
  };
}

function resolveVersion(name: string, v: unknown, def: DtlsVersion): DtlsVersion {
  if (v === undefined) return def;
  if (v !== 'DTLS 1.2' && v !== 'DTLS 1.3')
    throw new RangeError(`config.${name} must be 'DTLS 1.2' or 'DTLS 1.3', got ${String(v)}`);
  return v;
}

/** Longest cookieBinding accepted, in bytes. */
const MAX_COOKIE_BINDING = 1024;

function resolveCookieBinding(binding: string | Uint8Array | undefined): string | Uint8Array {
  if (binding === undefined) return '';
  if (typeof binding === 'string') {
    if (Buffer.byteLength(binding, 'utf8') > MAX_COOKIE_BINDING)
      throw new RangeError(`config.cookieBinding must be at most ${MAX_COOKIE_BINDING} bytes`);
    return binding;
  }
  if (!(binding instanceof Uint8Array))
    throw new TypeError('config.cookieBinding must be a string or a Uint8Array');
  if (binding.length > MAX_COOKIE_BINDING)
    throw new RangeError(`config.cookieBinding must be at most ${MAX_COOKIE_BINDING} bytes`);
  // A copy: the embedder may reuse its buffer.
  return Uint8Array.from(binding);
}
