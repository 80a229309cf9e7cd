import { checkUint16 } from '../../extensions/uint16-list.js';
import type { Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';

/**
 * TLS 1.2 `digitally-signed` (RFC 5246 §4.7, §7.4.1.4.1):
 *   SignatureAndHashAlgorithm algorithm;   (read as one uint16 SignatureScheme, RFC 8446 §4.2.3)
 *   opaque signature<0..2^16-1>;
 * Used by ServerKeyExchange and CertificateVerify.
 */
export interface DigitallySigned {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function readDigitallySigned(r: Reader): DigitallySigned {
  const scheme = r.u16('SignatureAndHashAlgorithm');
  const signature = r.vector(2, 'signature');
  return { scheme, signature };
}

export function writeDigitallySigned(w: Writer, ds: DigitallySigned): void {
  w.u16(checkUint16(ds.scheme, 'signature scheme')).vector(2, ds.signature);
}
