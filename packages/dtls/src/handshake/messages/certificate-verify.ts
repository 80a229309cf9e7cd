import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { type DigitallySigned, readDigitallySigned, writeDigitallySigned } from './digitally-signed.js';

/**
 * CertificateVerify body (RFC 5246 §7.4.8): a digitally-signed value over
 * every handshake message so far (in DTLS, in their unfragmented transcript
 * form, RFC 6347 §4.2.6). The signed data is the transcript, not this message.
 */
export type CertificateVerify = DigitallySigned;

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body);
  const ds = readDigitallySigned(r);
  r.expectEnd('CertificateVerify');
  return ds;
}

export function encodeCertificateVerify(msg: CertificateVerify): Uint8Array {
  const w = new Writer(4 + msg.signature.length);
  writeDigitallySigned(w, msg);
  return w.finish();
}
