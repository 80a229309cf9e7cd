import { Writer } from '../wire/writer.js';

/** DTLSPlaintext/DTLSCiphertext header length: type(1) version(2) epoch(2) sequence_number(6) length(2) (RFC 6347 §4.1). */
export const RECORD_HEADER_LENGTH = 13;

/**
 * Largest record fragment accepted: 2^14 plaintext + 2048 of expansion (RFC 6347 §4.1 via RFC 5246 §6.2.3).
 * Anything larger is malformed.
 */
export const MAX_RECORD_FRAGMENT_LENGTH = 16384 + 2048;

export interface RecordHeader {
  readonly contentType: number;
  readonly version: number;
  readonly epoch: number;
  /** 48-bit sequence number, exact in a JS number. */
  readonly sequenceNumber: number;
  readonly length: number;
}

/** One record cut out of a datagram; `fragment` is a view into the datagram. */
export interface RawRecord extends RecordHeader {
  readonly fragment: Uint8Array;
  /** The 13 header bytes plus fragment, as a view (kept for exact retransmission detection and tests). */
  readonly bytes: Uint8Array;
}

/** Why a datagram's bytes (or part of them) were not turned into records. */
export type RecordSplitProblem = 'truncated-record' | 'oversized-record';

export interface SplitDatagram {
  readonly records: RawRecord[];
  /** Set when trailing bytes could not be parsed; the records before them are still usable. */
  readonly problem?: RecordSplitProblem;
}

/**
 * Cuts a datagram into its records (RFC 6347 §4.1.1: a datagram may carry several records, a record
 * never spans datagrams). A record whose length runs past the datagram ends the walk: its length
 * field cannot be trusted, so nothing after it can be located. Never throws.
 */
export function splitDatagram(datagram: Uint8Array): SplitDatagram {
  const records: RawRecord[] = [];
  let pos = 0;
  while (pos < datagram.length) {
    if (datagram.length - pos < RECORD_HEADER_LENGTH) return { records, problem: 'truncated-record' };
    const b = datagram;
    const length = (b[pos + 11]! << 8) | b[pos + 12]!;
    if (length > MAX_RECORD_FRAGMENT_LENGTH) return { records, problem: 'oversized-record' };
    const end = pos + RECORD_HEADER_LENGTH + length;
    if (end > datagram.length) return { records, problem: 'truncated-record' };
    const sequenceNumber =
      ((b[pos + 5]! << 8) | b[pos + 6]!) * 0x1_0000_0000 +
      ((b[pos + 7]! << 24) >>> 0) +
      ((b[pos + 8]! << 16) | (b[pos + 9]! << 8) | b[pos + 10]!);
    records.push({
      contentType: b[pos]!,
      version: (b[pos + 1]! << 8) | b[pos + 2]!,
      epoch: (b[pos + 3]! << 8) | b[pos + 4]!,
      sequenceNumber,
      length,
      fragment: b.subarray(pos + RECORD_HEADER_LENGTH, end),
      bytes: b.subarray(pos, end),
    });
    pos = end;
  }
  return { records };
}

/** Serializes one record: header followed by the (already protected) fragment. */
export function encodeRecord(
  contentType: number,
  version: number,
  epoch: number,
  sequenceNumber: number,
  fragment: Uint8Array,
): Uint8Array {
  if (fragment.length > MAX_RECORD_FRAGMENT_LENGTH)
    throw new RangeError(`record fragment of ${fragment.length} bytes`);
  const w = new Writer(RECORD_HEADER_LENGTH + fragment.length);
  w.u8(contentType).u16(version).u16(epoch).u48(sequenceNumber).u16(fragment.length).bytes(fragment);
  return w.finish();
}
