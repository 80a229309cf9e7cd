import { EC_POINT_FORMAT_UNCOMPRESSED, ILLEGAL_PARAMETER } from '../handshake/types.js';
import { DecodeError } from '../wire/decode-error.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/**
 * ec_point_formats: `ECPointFormat ec_point_format_list<1..2^8-1>` (RFC 8422 §5.1.2).
 * RFC 8422 §5.1.2: a list without `uncompressed` (0) makes the peer abort
 * with illegal_parameter, since uncompressed is the only format in use.
 */
export function decodeEcPointFormats(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const formats = r.vector(1, 'ec_point_format_list', 1, 0xff);
  r.expectEnd('ec_point_formats');
  if (!formats.includes(EC_POINT_FORMAT_UNCOMPRESSED))
    throw new DecodeError('ec_point_formats does not include uncompressed', ILLEGAL_PARAMETER);
  return formats;
}

/** Encodes the list; by default the one format this package uses, `uncompressed`. */
export function encodeEcPointFormats(
  formats: Uint8Array = Uint8Array.of(EC_POINT_FORMAT_UNCOMPRESSED),
): Uint8Array {
  if (formats.length === 0) throw new RangeError('ec_point_formats: at least one format is required');
  return new Writer(1 + formats.length).vector(1, formats).finish();
}
