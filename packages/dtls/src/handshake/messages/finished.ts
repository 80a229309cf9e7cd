import { DecodeError } from '../../wire/decode-error.js';
import { VERIFY_DATA_LENGTH } from '../types.js';

/**
 * Finished body (RFC 5246 §7.4.9): `opaque verify_data[verify_data_length]`,
 * 12 bytes for every suite this package implements. The body is the
 * verify_data, so a wrong length is a decode_error; comparing it with the
 * expected value (in constant time) is the handshake's job.
 */
export interface Finished {
  readonly verifyData: Uint8Array;
}

export function decodeFinished(body: Uint8Array, verifyDataLength = VERIFY_DATA_LENGTH): Finished {
  if (body.length !== verifyDataLength)
    throw new DecodeError(`Finished: ${body.length} bytes, expected ${verifyDataLength}`);
  return { verifyData: body };
}

export function encodeFinished(msg: Finished): Uint8Array {
  if (msg.verifyData.length === 0) throw new RangeError('Finished verifyData: empty');
  return msg.verifyData.slice();
}
