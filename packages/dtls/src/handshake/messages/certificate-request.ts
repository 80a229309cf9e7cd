import { readUint16List, writeUint16List } from '../../extensions/uint16-list.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * CertificateRequest body, TLS 1.2 form (RFC 5246 §7.4.4):
 *   ClientCertificateType certificate_types<1..2^8-1>;
 *   SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
 *   DistinguishedName certificate_authorities<0..2^16-1>;   (opaque DistinguishedName<1..2^16-1>)
 */
export interface CertificateRequest {
  /** ClientCertificateType values, e.g. rsa_sign(1), ecdsa_sign(64) (RFC 8422 §5.5). */
  readonly certificateTypes: Uint8Array;
  readonly signatureSchemes: readonly number[];
  /** DER DistinguishedNames, as views; WebRTC peers send none. */
  readonly certificateAuthorities: readonly Uint8Array[];
}

/** ClientCertificateType values (RFC 5246 §7.4.4, RFC 8422 §5.5). */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body);
  const certificateTypes = r.vector(1, 'certificate_types', 1, 0xff);
  const signatureSchemes = readUint16List(r, 2, 'supported_signature_algorithms', 2, 0xfffe);
  const cas = new Reader(r.vector(2, 'certificate_authorities'));
  r.expectEnd('CertificateRequest');
  const certificateAuthorities: Uint8Array[] = [];
  while (cas.remaining > 0) certificateAuthorities.push(cas.vector(2, 'DistinguishedName', 1, 0xffff));
  return { certificateTypes, signatureSchemes, certificateAuthorities };
}

export function encodeCertificateRequest(msg: CertificateRequest): Uint8Array {
  if (msg.certificateTypes.length === 0) throw new RangeError('CertificateRequest certificateTypes: empty');
  if (msg.signatureSchemes.length === 0) throw new RangeError('CertificateRequest signatureSchemes: empty');
  const w = new Writer(64);
  w.vector(1, msg.certificateTypes);
  writeUint16List(w, 2, msg.signatureSchemes, 'CertificateRequest signatureSchemes');
  w.nested(2, (inner) => {
    for (const dn of msg.certificateAuthorities) {
      if (dn.length === 0) throw new RangeError('CertificateRequest certificateAuthorities: empty name');
      inner.vector(2, dn);
    }
  });
  return w.finish();
}
