import { encodeEcPointFormats } from '../../extensions/ec-point-formats.js';
import { encodeExtendedMasterSecret } from '../../extensions/extended-master-secret.js';
import type { Extension } from '../../extensions/extension-list.js';
import { encodeRenegotiationInfo } from '../../extensions/renegotiation-info.js';
import { encodeSignatureAlgorithms } from '../../extensions/signature-algorithms.js';
import { encodeSupportedGroups } from '../../extensions/supported-groups.js';
import { encodeUseSrtp } from '../../extensions/use-srtp.js';
import { ExtensionType } from '../types.js';
import type { ClientHelloInfo } from './client-hello-info.js';

/** What a DTLS 1.2 client offers in its ClientHello extensions. */
export interface ClientHelloOffer {
  /** SRTP profile ids in our order of preference; empty or absent: no use_srtp. */
  readonly srtpProfiles?: readonly number[];
  readonly srtpMki?: Uint8Array;
  /** Named groups for ECDHE; absent or empty when only PSK suites are offered. */
  readonly supportedGroups?: readonly number[];
  /** Signature schemes we verify (RFC 5246 §7.4.1.4.1). */
  readonly signatureSchemes?: readonly number[];
  readonly extendedMasterSecret: boolean;
}

/**
 * The ClientHello extensions for an offer. renegotiation_info is always
 * sent empty (RFC 5746 §3.4: an initial ClientHello carries the empty
 * extension or the SCSV), and ec_point_formats accompanies the groups
 * (RFC 8422 §5.1: uncompressed only).
 */
export function clientHelloExtensions(offer: ClientHelloOffer): Extension[] {
  const out: Extension[] = [];
  if (offer.supportedGroups !== undefined && offer.supportedGroups.length > 0) {
    out.push({ type: ExtensionType.supported_groups, data: encodeSupportedGroups(offer.supportedGroups) });
    out.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats() });
  }
  if (offer.signatureSchemes !== undefined && offer.signatureSchemes.length > 0)
    out.push({
      type: ExtensionType.signature_algorithms,
      data: encodeSignatureAlgorithms(offer.signatureSchemes),
    });
  if (offer.srtpProfiles !== undefined && offer.srtpProfiles.length > 0) {
    const mki = offer.srtpMki ?? new Uint8Array(0);
    out.push({ type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: offer.srtpProfiles, mki }) });
  }
  if (offer.extendedMasterSecret)
    out.push({ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() });
  out.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() });
  return out;
}

/** The server's decisions that show in its ServerHello extensions. */
export interface ServerHelloChoices {
  /** The SRTP profile chosen from the client's offer, if any. */
  readonly srtpProfile?: number | undefined;
  /** Use the extended master secret (only answered when the client offered it). */
  readonly extendedMasterSecret: boolean;
  /** The chosen suite uses ECDHE. */
  readonly ecdhe: boolean;
}

/**
 * The ServerHello extensions answering `info`. A server sends only
 * extensions the client offered (RFC 5246 §7.4.1.4):
 * - use_srtp: the one chosen profile with the client's MKI echoed (RFC 5764 §4.1.1);
 * - extended_master_secret: empty (RFC 7627 §5.2);
 * - renegotiation_info: empty, when the client signalled it by extension or
 *   SCSV (RFC 5746 §3.6);
 * - ec_point_formats: when the client sent it and an ECC suite is chosen
 *   (RFC 8422 §5.2).
 */
export function serverHelloExtensions(info: ClientHelloInfo, choices: ServerHelloChoices): Extension[] {
  const out: Extension[] = [];
  if (info.secureRenegotiation)
    out.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() });
  if (choices.extendedMasterSecret && info.extendedMasterSecret)
    out.push({ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() });
  if (choices.ecdhe && info.ecPointFormats !== undefined)
    out.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats() });
  if (choices.srtpProfile !== undefined) {
    if (info.srtp === undefined || !info.srtp.profiles.includes(choices.srtpProfile))
      throw new RangeError(`srtpProfile: ${choices.srtpProfile} was not offered by the client`);
    out.push({
      type: ExtensionType.use_srtp,
      data: encodeUseSrtp({ profiles: [choices.srtpProfile], mki: info.srtp.mki }),
    });
  }
  return out;
}
