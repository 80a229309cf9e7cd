import { checkUint16 } from '../../extensions/uint16-list.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * HelloVerifyRequest body (RFC 6347 §4.2.1):
 *   ProtocolVersion server_version;
 *   opaque cookie<0..2^8-1>;
 * RFC 6347 §4.2.1: a DTLS 1.2 server SHOULD put DTLS 1.0 (0xfeff) in
 * server_version whatever version it will negotiate, and the client must not
 * take it as the negotiated version.
 */
export interface HelloVerifyRequest {
  readonly serverVersion: number;
  readonly cookie: Uint8Array;
}

export function decodeHelloVerifyRequest(body: Uint8Array): HelloVerifyRequest {
  const r = new Reader(body);
  const serverVersion = r.u16('server_version');
  const cookie = r.vector(1, 'cookie');
  r.expectEnd('HelloVerifyRequest');
  return { serverVersion, cookie };
}

export function encodeHelloVerifyRequest(hvr: HelloVerifyRequest): Uint8Array {
  if (hvr.cookie.length > 0xff)
    throw new RangeError(`HelloVerifyRequest cookie: ${hvr.cookie.length} bytes exceed 255`);
  return new Writer(3 + hvr.cookie.length)
    .u16(checkUint16(hvr.serverVersion, 'HelloVerifyRequest serverVersion'))
    .vector(1, hvr.cookie)
    .finish();
}
