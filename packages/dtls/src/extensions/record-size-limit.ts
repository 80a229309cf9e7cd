import { ILLEGAL_PARAMETER } from '../handshake/types.js';
import { DecodeError } from '../wire/decode-error.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/**
 * record_size_limit (RFC 8449 §4): `uint16 RecordSizeLimit`. Recognized only
 * (Firefox sends it). RFC 8449 §4: a value below 64 is illegal_parameter.
 */
export function decodeRecordSizeLimit(data: Uint8Array): number {
  const r = new Reader(data);
  const limit = r.u16('RecordSizeLimit');
  r.expectEnd('record_size_limit');
  if (limit < 64) throw new DecodeError(`record_size_limit ${limit} below 64`, ILLEGAL_PARAMETER);
  return limit;
}

export function encodeRecordSizeLimit(limit: number): Uint8Array {
  if (!Number.isInteger(limit) || limit < 64 || limit > 0xffff)
    throw new RangeError(`record_size_limit: ${limit} outside 64..65535`);
  return new Writer(2).u16(limit).finish();
}
