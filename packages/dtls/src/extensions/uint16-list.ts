import { DecodeError } from '../wire/decode-error.js';
import type { Reader } from '../wire/reader.js';
import type { Writer } from '../wire/writer.js';

/**
 * Reads a length-prefixed vector of uint16 values (cipher suites, named
 * groups, signature schemes, SRTP profiles, versions). The byte length must be
 * even and within `minBytes..maxBytes` as the RFC's vector bounds state it.
 */
export function readUint16List(
  reader: Reader,
  lengthBytes: 1 | 2,
  what: string,
  minBytes: number,
  maxBytes: number,
): number[] {
  const body = reader.vector(lengthBytes, what, minBytes, maxBytes);
  if (body.length % 2 !== 0) throw new DecodeError(`${what}: odd length ${body.length}`);
  const out = new Array<number>(body.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (body[2 * i]! << 8) | body[2 * i + 1]!;
  return out;
}

/** Writes a length-prefixed vector of uint16 values; throws RangeError on a value out of range. */
export function writeUint16List(
  writer: Writer,
  lengthBytes: 1 | 2,
  values: readonly number[],
  what: string,
): void {
  const max = lengthBytes === 1 ? 0xff : 0xffff;
  if (values.length * 2 > max) throw new RangeError(`${what}: ${values.length} entries do not fit`);
  writer.nested(lengthBytes, (w) => {
    for (const v of values) w.u16(checkUint16(v, what));
  });
}

/** Validates a value given by the embedding program before it is written as a uint16. */
export function checkUint16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what}: ${v} is not a uint16`);
  return v;
}

/** Validates a value given by the embedding program before it is written as a uint8. */
export function checkUint8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`${what}: ${v} is not a uint8`);
  return v;
}
