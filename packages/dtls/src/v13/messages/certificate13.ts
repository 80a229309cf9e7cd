import { decodeExtensions, type Extension, encodeExtensions } from '../../extensions/extension-list.js';
import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * Certificate of TLS 1.3 (RFC 8446 §4.4.2):
 *   opaque certificate_request_context<0..2^8-1>;
 *   CertificateEntry certificate_list<0..2^24-1>;
 * with CertificateEntry = opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>.
 */
export interface CertificateEntry13 {
  readonly certData: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface Certificate13 {
  readonly context: Uint8Array;
  readonly entries: readonly CertificateEntry13[];
}

/** Most entries read from one message: a chain longer than this is not one a WebRTC peer sends. */
const MAX_ENTRIES = 16;

export function decodeCertificate13(body: Uint8Array): Certificate13 {
  const r = new Reader(body);
  const context = r.vector(1, 'certificate_request_context');
  const list = new Reader(r.vector(3, 'certificate_list'));
  r.expectEnd('Certificate');
  const entries: CertificateEntry13[] = [];
  while (list.remaining > 0) {
    if (entries.length === MAX_ENTRIES) throw new DecodeError(`more than ${MAX_ENTRIES} certificates`);
    const certData = list.vector(3, 'cert_data', 1);
    const extensions = decodeExtensions(list);
    entries.push({ certData, extensions });
  }
  return { context, entries };
}

export function encodeCertificate13(context: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  const w = new Writer(256 + chain.reduce((n, c) => n + c.length + 5, 0));
  w.vector(1, context);
  w.nested(3, (inner) => {
    for (const der of chain) {
      if (der.length === 0) throw new RangeError('certificate: empty cert_data');
      inner.vector(3, der);
      encodeExtensions(inner, []);
    }
  });
  return w.finish();
}
