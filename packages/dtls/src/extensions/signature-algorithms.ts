import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { readUint16List, writeUint16List } from './uint16-list.js';

/**
 * signature_algorithms: `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`
 * (RFC 5246 §7.4.1.4.1). Each entry is read as one uint16, which is the
 * SignatureScheme value of RFC 8446 §4.2.3 (hash byte, then signature byte).
 */
export function decodeSignatureAlgorithms(data: Uint8Array): number[] {
  const r = new Reader(data);
  const schemes = readUint16List(r, 2, 'supported_signature_algorithms', 2, 0xfffe);
  r.expectEnd('signature_algorithms');
  return schemes;
}

export function encodeSignatureAlgorithms(schemes: readonly number[]): Uint8Array {
  if (schemes.length === 0) throw new RangeError('signature_algorithms: at least one scheme is required');
  const w = new Writer(2 + 2 * schemes.length);
  writeUint16List(w, 2, schemes, 'signature_algorithms');
  return w.finish();
}
