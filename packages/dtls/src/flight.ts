import { encodeHandshakeFragment, HANDSHAKE_HEADER_LENGTH } from './handshake/fragment.js';
import { ContentType } from './handshake/types.js';
import type { RecordLayer } from './record/record-layer.js';

/**
 * One item of a flight: a handshake message (kept whole, re-fragmented on every transmission) or a
 * ChangeCipherSpec, each tagged with the epoch it is written in.
 */
export type FlightEntry =
  | {
      readonly kind: 'handshake';
      readonly epoch: number;
      readonly msgType: number;
      readonly messageSeq: number;
      readonly body: Uint8Array;
    }
  | { readonly kind: 'change-cipher-spec'; readonly epoch: number };

/**
 * The flights of the DTLS 1.2 handshake (RFC 6347 §4.2.4): the unit of the state machine and of
 * retransmission. Client flights are odd, server flights even.
 */
export type FlightNumber = 1 | 2 | 3 | 4 | 5 | 6;

export interface Flight {
  readonly number: FlightNumber;
  readonly entries: readonly FlightEntry[];
}

/** A datagram with less room than this starts a new datagram rather than carrying a tiny fragment. */
const MIN_USEFUL_FRAGMENT = 32;

/**
 * Serializes a flight into datagrams no larger than `mtu`: every message is fragmented to fit
 * (RFC 6347 §4.2.3) and records are coalesced into as few datagrams as fit (RFC 6347 §4.1.1).
 * Every transmission takes fresh record sequence numbers, so retransmissions are not replays
 * (RFC 6347 §4.2.4). Undefined, with nothing to send, when an epoch ran out of sequence numbers
 * (RecordLayer.seal).
 */
export function packFlight(
  entries: readonly FlightEntry[],
  records: RecordLayer,
  mtu: number,
): Uint8Array[] | undefined {
  const packer = new DatagramPacker(mtu);
  for (const e of entries) {
    if (e.kind === 'change-cipher-spec') {
      // RFC 5246 §7.1: ChangeCipherSpec is a single byte of value 1.
      const record = records.seal(e.epoch, ContentType.change_cipher_spec, CCS_BODY);
      if (record === undefined) return undefined;
      packer.add(record, mtu);
      continue;
    }
    const fixed = records.recordSize(e.epoch, HANDSHAKE_HEADER_LENGTH);
    let offset = 0;
    do {
      const remaining = e.body.length - offset;
      let room = packer.room - fixed;
      if (room < Math.min(remaining, MIN_USEFUL_FRAGMENT) || room <= 0) {
        packer.flush();
        room = packer.room - fixed;
        if (room <= 0) throw new RangeError(`mtu ${mtu} leaves no room for a handshake fragment`);
      }
      const len = Math.min(room, remaining);
      const fragment = encodeHandshakeFragment(e.msgType, e.messageSeq, e.body, offset, len);
      const record = records.seal(e.epoch, ContentType.handshake, fragment);
      if (record === undefined) return undefined;
      packer.add(record, mtu);
      offset += len;
    } while (offset < e.body.length);
  }
  packer.flush();
  return packer.datagrams;
}

const CCS_BODY = Uint8Array.of(1);

/** Collects records into datagrams of at most `mtu` bytes. */
class DatagramPacker {
  readonly datagrams: Uint8Array[] = [];
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly mtu: number) {}

  get room(): number {
    return this.mtu - this.size;
  }

  add(record: Uint8Array, mtu: number): void {
    if (this.size + record.length > mtu) this.flush();
    this.parts.push(record);
    this.size += record.length;
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const p of this.parts) {
      out.set(p, pos);
      pos += p.length;
    }
    this.datagrams.push(out);
    this.parts = [];
    this.size = 0;
  }
}
