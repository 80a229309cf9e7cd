import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';

/** KeyUpdate: KeyUpdateRequest request_update (RFC 8446 §4.6.3): 0 update_not_requested, 1 update_requested. */
export function decodeKeyUpdate(body: Uint8Array): { readonly updateRequested: boolean } {
  const r = new Reader(body);
  const v = r.u8('request_update');
  r.expectEnd('KeyUpdate');
  // Any other value is illegal_parameter (RFC 8446 §4.6.3).
  if (v > 1) throw new DecodeError(`request_update ${v}`, 47);
  return { updateRequested: v === 1 };
}

export function encodeKeyUpdate(updateRequested: boolean): Uint8Array {
  return Uint8Array.of(updateRequested ? 1 : 0);
}
