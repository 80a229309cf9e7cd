import {
  decodeExtensions,
  type Extension,
  encodeExtensions,
  findExtension,
} from '../../extensions/extension-list.js';
import { ExtensionType } from '../../handshake/types.js';
import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { ExtensionType13 } from '../types13.js';
import { decodeSchemeList, encodeSchemeList } from './extensions13.js';

/**
 * CertificateRequest of TLS 1.3 (RFC 8446 §4.3.2):
 *   opaque certificate_request_context<0..2^8-1>;
 *   Extension extensions<2..2^16-1>;   (signature_algorithms MUST be present)
 */
export interface CertificateRequest13 {
  readonly context: Uint8Array;
  readonly signatureSchemes: readonly number[];
  readonly extensions: readonly Extension[];
}

export function decodeCertificateRequest13(body: Uint8Array): CertificateRequest13 {
  const r = new Reader(body);
  const context = r.vector(1, 'certificate_request_context');
  const extensions = decodeExtensions(r);
  r.expectEnd('CertificateRequest');
  const sa = findExtension(extensions, ExtensionType.signature_algorithms);
  // RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified"; missing_extension.
  if (sa === undefined) throw new DecodeError('CertificateRequest without signature_algorithms', 109);
  // certificate_authorities, when present, lists at least one name (RFC 8446 §4.2.4: <3..2^16-1>).
  const ca = findExtension(extensions, ExtensionType13.certificate_authorities);
  if (ca !== undefined && ca.length < 5) throw new DecodeError('empty certificate_authorities');
  return { context, signatureSchemes: decodeSchemeList(sa, 'signature_algorithms'), extensions };
}

/**
 * A WebRTC server's CertificateRequest: an empty context, signature_algorithms, and no
 * certificate_authorities (peers authenticate by fingerprint; an empty list would be malformed).
 */
export function encodeCertificateRequest13(signatureSchemes: readonly number[]): Uint8Array {
  const w = new Writer(64);
  w.vector(1, new Uint8Array(0));
  encodeExtensions(w, [
    {
      type: ExtensionType.signature_algorithms,
      data: encodeSchemeList(signatureSchemes, 'signature_algorithms'),
    },
  ]);
  return w.finish();
}
