import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/** RecordNumber: uint64 epoch; uint64 sequence_number (RFC 9147 §4). Exact in JS numbers up to 2^53. */
export interface RecordNumber {
  readonly epoch: number;
  readonly sequenceNumber: number;
}

/** Most record numbers one ACK carries when we build it; it must fit one record of a small datagram. */
export const MAX_ACK_ENTRIES = 32;

function readU64(r: Reader, what: string): number {
  const hi = r.u32(what);
  const lo = r.u32(what);
  // Values beyond 2^53 cannot name a record of ours: reject rather than round.
  if (hi > 0x1fffff) throw new DecodeError(`${what} beyond 2^53`);
  return hi * 0x1_0000_0000 + lo;
}

/** ACK: RecordNumber record_numbers<0..2^16-1> (RFC 9147 §7). */
export function decodeAck(body: Uint8Array): RecordNumber[] {
  const r = new Reader(body);
  const list = new Reader(r.vector(2, 'record_numbers'));
  r.expectEnd('ACK');
  if (list.remaining % 16 !== 0) throw new DecodeError('record_numbers length is not a multiple of 16');
  const out: RecordNumber[] = [];
  while (list.remaining > 0)
    out.push({ epoch: readU64(list, 'epoch'), sequenceNumber: readU64(list, 'sequence_number') });
  return out;
}

export function encodeAck(numbers: readonly RecordNumber[]): Uint8Array {
  const w = new Writer(2 + 16 * numbers.length);
  w.nested(2, (inner) => {
    for (const n of numbers) {
      for (const v of [n.epoch, n.sequenceNumber]) {
        if (!Number.isSafeInteger(v) || v < 0)
          throw new RangeError(`record number ${v} is not a uint64 below 2^53`);
        inner.u32(Math.floor(v / 0x1_0000_0000)).u32(v >>> 0);
      }
    }
  });
  return w.finish();
}
