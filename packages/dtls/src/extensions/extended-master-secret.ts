import { DecodeError } from '../wire/decode-error.js';

/**
 * extended_master_secret (RFC 7627 §5.1): the extension_data is empty in
 * both hellos. Non-empty data is a decode_error.
 */
export function decodeExtendedMasterSecret(data: Uint8Array): true {
  if (data.length !== 0) throw new DecodeError(`extended_master_secret carries ${data.length} bytes`);
  return true;
}

export function encodeExtendedMasterSecret(): Uint8Array {
  return new Uint8Array(0);
}
