import { decodeExtensions, type Extension, encodeExtensions } from '../../extensions/extension-list.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/** EncryptedExtensions: Extension extensions<0..2^16-1> (RFC 8446 §4.3.1). */
export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body);
  const extensions = decodeExtensions(r);
  r.expectEnd('EncryptedExtensions');
  return extensions;
}

export function encodeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  const w = new Writer(64);
  encodeExtensions(w, extensions);
  return w.finish();
}
