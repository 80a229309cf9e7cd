import { decodeAlpn } from '../../extensions/alpn.js';
import { decodeEcPointFormats } from '../../extensions/ec-point-formats.js';
import { decodeExtendedMasterSecret } from '../../extensions/extended-master-secret.js';
import { findExtension } from '../../extensions/extension-list.js';
import { decodeClientKeyShares } from '../../extensions/key-share.js';
import { decodeRecordSizeLimit } from '../../extensions/record-size-limit.js';
import { decodeRenegotiationInfo } from '../../extensions/renegotiation-info.js';
import { decodeSignatureAlgorithms } from '../../extensions/signature-algorithms.js';
import { decodeSupportedGroups } from '../../extensions/supported-groups.js';
import { decodeClientSupportedVersions } from '../../extensions/supported-versions.js';
import { decodeUseSrtp, type UseSrtp } from '../../extensions/use-srtp.js';
import { DecodeError } from '../../wire/decode-error.js';
import { COMPRESSION_NULL, EMPTY_RENEGOTIATION_INFO_SCSV, ExtensionType, ProtocolVersion } from '../types.js';
import type { ClientHello } from './client-hello.js';

/**
 * What a DTLS 1.2 server needs from a ClientHello to choose its answer, with
 * every extension it acts on decoded. "undefined" always means "the client
 * did not send that extension", which RFC defaults distinguish from an
 * empty list (e.g. RFC 5246 §7.4.1.4.1 for absent signature_algorithms).
 */
export interface ClientHelloInfo {
  readonly clientVersion: number;
  /** Offered cipher suites in the client's order, signalling values included. */
  readonly cipherSuites: readonly number[];
  /** RFC 5246 §7.4.1.2: the list MUST contain null; a server can choose nothing else. */
  readonly nullCompressionOffered: boolean;
  readonly supportedGroups: readonly number[] | undefined;
  readonly ecPointFormats: Uint8Array | undefined;
  readonly signatureSchemes: readonly number[] | undefined;
  /** use_srtp profiles in the client's order and its MKI (RFC 5764 §4.1.1). */
  readonly srtp: UseSrtp | undefined;
  /** extended_master_secret offered (RFC 7627 §5.1). */
  readonly extendedMasterSecret: boolean;
  /** renegotiation_info or TLS_EMPTY_RENEGOTIATION_INFO_SCSV offered (RFC 5746 §3.6). */
  readonly secureRenegotiation: boolean;
  /** renegotiated_connection of the extension when sent; non-empty is a failure on an initial handshake. */
  readonly renegotiatedConnection: Uint8Array | undefined;
  /** supported_versions (client form) when sent and well formed. */
  readonly supportedVersions: readonly number[] | undefined;
  /** The client offers DTLS 1.3; a 1.2 server still answers with 1.2 from client_version. */
  readonly offersDtls13: boolean;
  /** Groups of the key_share entries a 1.3 client sent (empty when none). */
  readonly keyShareGroups: readonly number[];
  readonly alpn: readonly Uint8Array[] | undefined;
  readonly recordSizeLimit: number | undefined;
}

/**
 * Decodes the extensions of a ClientHello that a DTLS 1.2 server acts on.
 * Throws DecodeError when one of those is malformed. Extensions that only a
 * TLS 1.3 server or an ALPN/record_size_limit implementation would act on
 * are recognized leniently: RFC 8446 §4.2.1 has servers that do not
 * implement 1.3 ignore supported_versions, so a malformed one reads as
 * absent instead of failing the handshake.
 */
export function clientHelloInfo(hello: ClientHello): ClientHelloInfo {
  const ext = hello.extensions;
  const get = (type: number): Uint8Array | undefined => findExtension(ext, type);

  const groupsData = get(ExtensionType.supported_groups);
  const formatsData = get(ExtensionType.ec_point_formats);
  const sigData = get(ExtensionType.signature_algorithms);
  const srtpData = get(ExtensionType.use_srtp);
  const emsData = get(ExtensionType.extended_master_secret);
  const renegData = get(ExtensionType.renegotiation_info);

  const renegotiatedConnection = renegData === undefined ? undefined : decodeRenegotiationInfo(renegData);
  const supportedVersions = lenient(get(ExtensionType.supported_versions), decodeClientSupportedVersions);
  const keyShares = lenient(get(ExtensionType.key_share), decodeClientKeyShares);

  return {
    clientVersion: hello.clientVersion,
    cipherSuites: hello.cipherSuites,
    nullCompressionOffered: hello.compressionMethods.includes(COMPRESSION_NULL),
    supportedGroups: groupsData === undefined ? undefined : decodeSupportedGroups(groupsData),
    ecPointFormats: formatsData === undefined ? undefined : decodeEcPointFormats(formatsData),
    signatureSchemes: sigData === undefined ? undefined : decodeSignatureAlgorithms(sigData),
    srtp: srtpData === undefined ? undefined : decodeUseSrtp(srtpData),
    extendedMasterSecret: emsData !== undefined && decodeExtendedMasterSecret(emsData),
    secureRenegotiation:
      renegotiatedConnection !== undefined || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV),
    renegotiatedConnection,
    supportedVersions,
    offersDtls13: supportedVersions?.includes(ProtocolVersion.DTLS1_3) ?? false,
    keyShareGroups: keyShares?.map((s) => s.group) ?? [],
    alpn: lenient(get(ExtensionType.application_layer_protocol_negotiation), decodeAlpn),
    recordSizeLimit: lenient(get(ExtensionType.record_size_limit), decodeRecordSizeLimit),
  };
}

function lenient<T>(data: Uint8Array | undefined, decode: (d: Uint8Array) => T): T | undefined {
  if (data === undefined) return undefined;
  try {
    return decode(data);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
