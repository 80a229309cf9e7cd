import { ILLEGAL_PARAMETER } from '../handshake/types.js';
import { DecodeError } from '../wire/decode-error.js';
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { readUint16List, writeUint16List } from './uint16-list.js';

/**
 * UseSRTPData (RFC 5764 §4.1.1):
 *   SRTPProtectionProfile SRTPProtectionProfiles<2..2^16-1>;  (uint8[2] each)
 *   opaque srtp_mki<0..255>;
 */
export interface UseSrtp {
  /** Profile ids in the sender's order of preference. */
  readonly profiles: readonly number[];
  /** The MKI the client uses for SRTP (empty: no MKI). The server echoes the client's value. */
  readonly mki: Uint8Array;
}

export function decodeUseSrtp(data: Uint8Array): UseSrtp {
  const r = new Reader(data);
  const profiles = readUint16List(r, 2, 'SRTPProtectionProfiles', 2, 0xffff);
  const mki = r.vector(1, 'srtp_mki');
  r.expectEnd('use_srtp');
  return { profiles, mki };
}

/**
 * The server's use_srtp: RFC 5764 §4.1.1 requires "a single
 * SRTPProtectionProfile value"; any other count is illegal_parameter.
 */
export function decodeServerUseSrtp(data: Uint8Array): {
  readonly profile: number;
  readonly mki: Uint8Array;
} {
  const { profiles, mki } = decodeUseSrtp(data);
  if (profiles.length !== 1)
    throw new DecodeError(`server use_srtp lists ${profiles.length} profiles, not one`, ILLEGAL_PARAMETER);
  return { profile: profiles[0]!, mki };
}

export function encodeUseSrtp(value: UseSrtp): Uint8Array {
  if (value.profiles.length === 0)
    throw new RangeError('use_srtp profiles: at least one profile is required');
  if (value.mki.length > 0xff) throw new RangeError(`use_srtp mki: ${value.mki.length} bytes exceed 255`);
  const w = new Writer(8 + 2 * value.profiles.length + value.mki.length);
  writeUint16List(w, 2, value.profiles, 'use_srtp profiles');
  w.vector(1, value.mki);
  return w.finish();
}
