import { DecodeError } from '../../wire/decode-error.js';

/** ServerHelloDone has an empty body (RFC 5246 §7.4.5); any content is a decode_error. */
export function decodeServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0) throw new DecodeError(`ServerHelloDone carries ${body.length} bytes`);
}

export function encodeServerHelloDone(): Uint8Array {
  return new Uint8Array(0);
}
