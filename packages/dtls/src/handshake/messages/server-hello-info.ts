import { decodeEcPointFormats } from '../../extensions/ec-point-formats.js';
import { decodeExtendedMasterSecret } from '../../extensions/extended-master-secret.js';
import { findExtension } from '../../extensions/extension-list.js';
import { decodeRenegotiationInfo } from '../../extensions/renegotiation-info.js';
import { decodeServerUseSrtp } from '../../extensions/use-srtp.js';
import { DecodeError } from '../../wire/decode-error.js';
import { ExtensionType } from '../types.js';
import type { ServerHello } from './server-hello.js';

/** unsupported_extension (RFC 5246 §7.2.2). */
const UNSUPPORTED_EXTENSION = 110;

/** What a DTLS 1.2 client needs from the ServerHello's extensions. */
export interface ServerHelloInfo {
  /** The one SRTP profile the server chose and the MKI it echoed (RFC 5764 §4.1.1). */
  readonly srtp: { readonly profile: number; readonly mki: Uint8Array } | undefined;
  /** The server agreed to the extended master secret (RFC 7627 §5.2). */
  readonly extendedMasterSecret: boolean;
  /** renegotiated_connection when the server sent renegotiation_info (RFC 5746 §3.4). */
  readonly renegotiatedConnection: Uint8Array | undefined;
  readonly ecPointFormats: Uint8Array | undefined;
}

/**
 * Decodes the ServerHello extensions a 1.2 client acts on. RFC 5246
 * §7.4.1.4: an extension the client did not offer makes it abort with
 * unsupported_extension, so `offeredTypes` (the types of our ClientHello's
 * extensions) is checked first.
 */
export function serverHelloInfo(hello: ServerHello, offeredTypes: readonly number[]): ServerHelloInfo {
  const ext = hello.extensions ?? [];
  for (const e of ext) {
    if (!offeredTypes.includes(e.type))
      throw new DecodeError(
        `ServerHello carries extension ${e.type} that was not offered`,
        UNSUPPORTED_EXTENSION,
      );
  }
  const srtpData = findExtension(ext, ExtensionType.use_srtp);
  const emsData = findExtension(ext, ExtensionType.extended_master_secret);
  const renegData = findExtension(ext, ExtensionType.renegotiation_info);
  const formatsData = findExtension(ext, ExtensionType.ec_point_formats);
  return {
    srtp: srtpData === undefined ? undefined : decodeServerUseSrtp(srtpData),
    extendedMasterSecret: emsData !== undefined && decodeExtendedMasterSecret(emsData),
    renegotiatedConnection: renegData === undefined ? undefined : decodeRenegotiationInfo(renegData),
    ecPointFormats: formatsData === undefined ? undefined : decodeEcPointFormats(formatsData),
  };
}
