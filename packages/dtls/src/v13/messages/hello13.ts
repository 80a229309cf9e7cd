import { findExtension } from '../../extensions/extension-list.js';
import { decodeClientKeyShares } from '../../extensions/key-share.js';
import { decodeSupportedGroups } from '../../extensions/supported-groups.js';
import {
  decodeClientSupportedVersions,
  decodeServerSupportedVersion,
} from '../../extensions/supported-versions.js';
import { decodeUseSrtp, type UseSrtp } from '../../extensions/use-srtp.js';
import type { ClientHello } from '../../handshake/messages/client-hello.js';
import type { ServerHello } from '../../handshake/messages/server-hello.js';
import { ExtensionType, ProtocolVersion } from '../../handshake/types.js';
import { DecodeError } from '../../wire/decode-error.js';
import { ExtensionType13 } from '../types13.js';
import {
  decodeCookie,
  decodeHrrKeyShare,
  decodeSchemeList,
  decodeServerKeyShare,
  type KeyShareEntry13,
} from './extensions13.js';

/**
 * ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
 * The message is a ServerHello with this random; its transcript treatment differs (§4.4.1).
 */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

/**
 * The last 8 bytes of ServerHello.random of a server able to negotiate 1.3 that negotiated 1.2
 * with a client offering 1.3 (RFC 8446 §4.1.3): "DOWNGRD" then 01. A 1.3 client that sees it in a
 * 1.2 ServerHello aborts with illegal_parameter.
 */
export const DOWNGRADE_SENTINEL_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

export function isHelloRetryRequest(random: Uint8Array): boolean {
  if (random.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (random[i] !== HELLO_RETRY_REQUEST_RANDOM[i]) return false;
  return true;
}

export function hasDowngradeSentinel(random: Uint8Array): boolean {
  if (random.length !== 32) return false;
  for (let i = 0; i < 8; i++) if (random[24 + i] !== DOWNGRADE_SENTINEL_TLS12[i]) return false;
  return true;
}

/**
 * What a DTLS 1.3 server reads from a ClientHello. Undefined means "not sent". Throws DecodeError
 * for a malformed extension the 1.3 handshake depends on.
 */
export interface ClientHello13Info {
  readonly supportedVersions: readonly number[] | undefined;
  readonly keyShares: readonly KeyShareEntry13[] | undefined;
  readonly supportedGroups: readonly number[] | undefined;
  readonly signatureSchemes: readonly number[] | undefined;
  readonly cookie: Uint8Array | undefined;
  readonly srtp: UseSrtp | undefined;
  /** pre_shared_key offered; this implementation does not resume and ignores it (RFC 8446 §4.2.11). */
  readonly pskOffered: boolean;
  /** early_data offered; never accepted. */
  readonly earlyData: boolean;
}

export function clientHello13Info(hello: ClientHello): ClientHello13Info {
  const get = (t: number) => findExtension(hello.extensions, t);
  const sv = get(ExtensionType.supported_versions);
  const ks = get(ExtensionType.key_share);
  const sg = get(ExtensionType.supported_groups);
  const sa = get(ExtensionType.signature_algorithms);
  const ck = get(ExtensionType.cookie);
  const srtp = get(ExtensionType.use_srtp);
  const keyShares = ks === undefined ? undefined : decodeClientKeyShares(ks);
  if (keyShares !== undefined) {
    // RFC 8446 §4.2.8: each KeyShareEntry MUST name a different group.
    const seen = new Set<number>();
    for (const s of keyShares) {
      if (seen.has(s.group)) throw new DecodeError(`key_share lists group ${s.group} twice`, 47);
      seen.add(s.group);
    }
  }
  return {
    supportedVersions: sv === undefined ? undefined : decodeClientSupportedVersions(sv),
    keyShares,
    supportedGroups: sg === undefined ? undefined : decodeSupportedGroups(sg),
    signatureSchemes: sa === undefined ? undefined : decodeSchemeList(sa, 'signature_algorithms'),
    cookie: ck === undefined ? undefined : decodeCookie(ck),
    srtp: srtp === undefined ? undefined : decodeUseSrtp(srtp),
    pskOffered: get(ExtensionType13.pre_shared_key) !== undefined,
    earlyData: get(ExtensionType13.early_data) !== undefined,
  };
}

/** True when a ClientHello offers DTLS 1.3 in supported_versions; a malformed list offers nothing. */
export function offersDtls13(hello: ClientHello): boolean {
  const sv = findExtension(hello.extensions, ExtensionType.supported_versions);
  if (sv === undefined) return false;
  try {
    return decodeClientSupportedVersions(sv).includes(ProtocolVersion.DTLS1_3);
  } catch {
    return false;
  }
}

/** The DTLS 1.3 reading of a ServerHello or HelloRetryRequest. */
export interface ServerHello13Info {
  readonly helloRetryRequest: boolean;
  /** supported_versions.selected_version, undefined when absent (a DTLS 1.2 ServerHello). */
  readonly selectedVersion: number | undefined;
  /** ServerHello: the server's share. */
  readonly keyShare: KeyShareEntry13 | undefined;
  /** HelloRetryRequest: the group the server asks for. */
  readonly selectedGroup: number | undefined;
  /** HelloRetryRequest: the cookie to echo. */
  readonly cookie: Uint8Array | undefined;
}

export function serverHello13Info(hello: ServerHello): ServerHello13Info {
  const hrr = isHelloRetryRequest(hello.random);
  const get = (t: number) => findExtension(hello.extensions, t);
  const sv = get(ExtensionType.supported_versions);
  const ks = get(ExtensionType.key_share);
  const ck = get(ExtensionType.cookie);
  return {
    helloRetryRequest: hrr,
    selectedVersion: sv === undefined ? undefined : decodeServerSupportedVersion(sv),
    keyShare: ks === undefined || hrr ? undefined : decodeServerKeyShare(ks),
    selectedGroup: ks !== undefined && hrr ? decodeHrrKeyShare(ks) : undefined,
    cookie: ck === undefined ? undefined : decodeCookie(ck),
  };
}

/** legacy_version of every DTLS 1.3 ClientHello and ServerHello: DTLS 1.2 (RFC 9147 §5.3). */
export const LEGACY_VERSION = ProtocolVersion.DTLS1_2;
