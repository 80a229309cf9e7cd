import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/**
 * renegotiation_info (RFC 5746 §3.2): `opaque renegotiated_connection<0..255>`.
 * On an initial handshake it is empty in both hellos (RFC 5746 §3.4, §3.6);
 * this package never renegotiates, so the engine only ever sends the empty
 * form and treats a non-empty value on an initial handshake as a failure.
 */
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const renegotiatedConnection = r.vector(1, 'renegotiated_connection');
  r.expectEnd('renegotiation_info');
  return renegotiatedConnection;
}

export function encodeRenegotiationInfo(renegotiatedConnection: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (renegotiatedConnection.length > 0xff)
    throw new RangeError(`renegotiated_connection: ${renegotiatedConnection.length} bytes exceed 255`);
  return new Writer(1 + renegotiatedConnection.length).vector(1, renegotiatedConnection).finish();
}
