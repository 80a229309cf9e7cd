import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * Certificate body (RFC 5246 §7.4.2):
 *   opaque ASN.1Cert<1..2^24-1>;
 *   ASN.1Cert certificate_list<0..2^24-1>;
 * Sender's certificate first; an empty list is a client without a
 * certificate (RFC 5246 §7.4.6). The DER bytes are views into the message.
 */
export interface Certificate {
  readonly certificateList: readonly Uint8Array[];
}

export function decodeCertificate(body: Uint8Array): Certificate {
  const outer = new Reader(body);
  const r = new Reader(outer.vector(3, 'certificate_list'));
  outer.expectEnd('Certificate');
  const certificateList: Uint8Array[] = [];
  while (r.remaining > 0) certificateList.push(r.vector(3, 'ASN.1Cert', 1, 0xffffff));
  return { certificateList };
}

export function encodeCertificate(msg: Certificate): Uint8Array {
  let size = 3;
  for (const der of msg.certificateList) {
    if (der.length === 0) throw new RangeError('Certificate certificateList: empty certificate');
    size += 3 + der.length;
  }
  const w = new Writer(size);
  w.nested(3, (inner) => {
    for (const der of msg.certificateList) inner.vector(3, der);
  });
  return w.finish();
}
