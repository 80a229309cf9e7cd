import { type Extension, encodeExtensions } from '../../extensions/extension-list.js';
import { encodeClientKeyShares } from '../../extensions/key-share.js';
import { encodeSupportedGroups } from '../../extensions/supported-groups.js';
import {
  encodeClientSupportedVersions,
  encodeServerSupportedVersion,
} from '../../extensions/supported-versions.js';
import { encodeUseSrtp } from '../../extensions/use-srtp.js';
import { type ClientHello, encodeClientHello } from '../../handshake/messages/client-hello.js';
import { encodeServerHello } from '../../handshake/messages/server-hello.js';
import { COMPRESSION_NULL, ExtensionType, ProtocolVersion } from '../../handshake/types.js';
import { Writer } from '../../wire/writer.js';
import {
  encodeCookie,
  encodeHrrKeyShare,
  encodeSchemeList,
  encodeServerKeyShare,
  type KeyShareEntry13,
} from './extensions13.js';
import { HELLO_RETRY_REQUEST_RANDOM, LEGACY_VERSION } from './hello13.js';

/** What a client offers in a ClientHello that includes DTLS 1.3. */
export interface ClientHelloOffer13 {
  readonly random: Uint8Array;
  /** DTLS versions to offer, newest first (e.g. [0xfefc, 0xfefd]). */
  readonly versions: readonly number[];
  /** Cipher suites: the 1.3 suites, then any 1.2 suites when 1.2 is offered too. */
  readonly cipherSuites: readonly number[];
  readonly supportedGroups: readonly number[];
  readonly keyShares: readonly KeyShareEntry13[];
  readonly signatureSchemes: readonly number[];
  readonly srtpProfiles: readonly number[];
  /** The cookie of a HelloRetryRequest to echo (RFC 8446 §4.2.2). */
  readonly cookie?: Uint8Array | undefined;
  /** Extensions that only a 1.2 server reads (extended_master_secret, renegotiation_info, ...). */
  readonly legacyExtensions?: readonly Extension[];
}

/**
 * A ClientHello offering DTLS 1.3 (RFC 8446 §4.1.2, RFC 9147 §5.3): legacy_version DTLS 1.2, an
 * empty legacy_session_id and legacy_cookie (DTLS 1.3 carries the cookie as an extension), and
 * supported_versions.
 */
export function buildClientHello13(offer: ClientHelloOffer13): ClientHello {
  const ext: Extension[] = [
    { type: ExtensionType.supported_versions, data: encodeClientSupportedVersions(offer.versions) },
    { type: ExtensionType.supported_groups, data: encodeSupportedGroups(offer.supportedGroups) },
    { type: ExtensionType.key_share, data: encodeClientKeyShares(offer.keyShares) },
    {
      type: ExtensionType.signature_algorithms,
      data: encodeSchemeList(offer.signatureSchemes, 'signature_algorithms'),
    },
  ];
  if (offer.srtpProfiles.length > 0)
    ext.push({
      type: ExtensionType.use_srtp,
      data: encodeUseSrtp({ profiles: offer.srtpProfiles, mki: new Uint8Array(0) }),
    });
  if (offer.cookie !== undefined) ext.push({ type: ExtensionType.cookie, data: encodeCookie(offer.cookie) });
  for (const e of offer.legacyExtensions ?? []) ext.push(e);
  return {
    clientVersion: LEGACY_VERSION,
    random: offer.random,
    sessionId: new Uint8Array(0),
    cookie: new Uint8Array(0),
    cipherSuites: offer.cipherSuites,
    compressionMethods: Uint8Array.of(COMPRESSION_NULL),
    extensions: ext,
  };
}

export function encodeClientHello13(offer: ClientHelloOffer13): Uint8Array {
  return encodeClientHello(buildClientHello13(offer));
}

/**
 * A DTLS 1.3 ServerHello: legacy_version DTLS 1.2, legacy_session_id_echo empty (RFC 9147 §5: DTLS
 * servers do not echo it), supported_versions = DTLS 1.3 and the server's key share.
 */
export function encodeServerHello13(
  random: Uint8Array,
  cipherSuite: number,
  keyShare: KeyShareEntry13,
): Uint8Array {
  return encodeServerHello({
    serverVersion: LEGACY_VERSION,
    random,
    sessionId: new Uint8Array(0),
    cipherSuite,
    compressionMethod: COMPRESSION_NULL,
    extensions: [
      { type: ExtensionType.supported_versions, data: encodeServerSupportedVersion(ProtocolVersion.DTLS1_3) },
      { type: ExtensionType.key_share, data: encodeServerKeyShare(keyShare) },
    ],
  });
}

/**
 * A HelloRetryRequest (RFC 8446 §4.1.4): a ServerHello with the special random, carrying the group
 * the client must share (when its shares did not fit) and the stateless cookie.
 */
export function encodeHelloRetryRequest(
  cipherSuite: number,
  selectedGroup: number | undefined,
  cookie: Uint8Array | undefined,
): Uint8Array {
  const extensions: Extension[] = [
    { type: ExtensionType.supported_versions, data: encodeServerSupportedVersion(ProtocolVersion.DTLS1_3) },
  ];
  if (selectedGroup !== undefined)
    extensions.push({ type: ExtensionType.key_share, data: encodeHrrKeyShare(selectedGroup) });
  if (cookie !== undefined) extensions.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
  return encodeServerHello({
    serverVersion: LEGACY_VERSION,
    random: HELLO_RETRY_REQUEST_RANDOM,
    sessionId: new Uint8Array(0),
    cipherSuite,
    compressionMethod: COMPRESSION_NULL,
    extensions,
  });
}

/** An extension list on its own (EncryptedExtensions body helpers and tests). */
export function encodeExtensionBlock(extensions: readonly Extension[]): Uint8Array {
  const w = new Writer(64);
  encodeExtensions(w, extensions);
  return w.finish();
}
