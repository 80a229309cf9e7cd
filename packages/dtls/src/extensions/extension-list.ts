import { DecodeError } from '../wire/decode-error.js';
import { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';
import { checkUint16 } from './uint16-list.js';

/**
 * One extension as it appears on the wire (RFC 5246 §7.4.1.4): the type and
 * its opaque extension_data, kept as a view into the received message. Typed
 * codecs in this folder interpret the data of the types this package uses;
 * every other type stays raw and is ignored by the handshake.
 */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * Reads `Extension extensions<0..2^16-1>` from the reader's position. Order is
 * kept as received (browsers randomize it; nothing may depend on it).
 * RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the same
 * type" — a duplicate is a decode_error.
 */
export function decodeExtensions(reader: Reader): Extension[] {
  const block = reader.vector(2, 'extensions');
  const r = new Reader(block);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (r.remaining > 0) {
    const type = r.u16('extension type');
    const data = r.vector(2, 'extension_data');
    if (seen.has(type)) throw new DecodeError(`duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** Writes `Extension extensions<0..2^16-1>`; throws RangeError on a duplicate type (a program error). */
export function encodeExtensions(writer: Writer, extensions: readonly Extension[]): void {
  const seen = new Set<number>();
  writer.nested(2, (w) => {
    for (const ext of extensions) {
      checkUint16(ext.type, 'extension type');
      if (seen.has(ext.type)) throw new RangeError(`extension ${ext.type} given twice`);
      seen.add(ext.type);
      w.u16(ext.type).vector(2, ext.data);
    }
  });
}

/** The extension_data of the extension of `type`, or undefined when the peer did not send it. */
export function findExtension(
  extensions: readonly Extension[] | undefined,
  type: number,
): Uint8Array | undefined {
  if (extensions === undefined) return undefined;
  for (const ext of extensions) if (ext.type === type) return ext.data;
  return undefined;
}
