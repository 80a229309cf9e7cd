import { encodeHandshakeFragment, HANDSHAKE_HEADER_LENGTH } from '../handshake/fragment.js';
import type { RecordNumber } from './messages/ack.js';
import { ContentType13 } from './record-header.js';
import { type RecordLayer13, SequenceExhausted13 } from './record-layer.js';

/** A handshake message of one of our flights, with the epoch it is (and stays) written in (RFC 9147 §4.2.1). */
export interface OutgoingMessage13 {
  readonly epoch: number;
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
}

interface Fragment {
  readonly message: OutgoingMessage13;
  readonly offset: number;
  readonly length: number;
  acknowledged: boolean;
}

/** DTLSPlaintext header; unified header with 16-bit sequence number and length, type byte and tag. */
const PLAINTEXT_OVERHEAD = 13;
const CIPHERTEXT_OVERHEAD = 5 + 1 + 16;

/**
 * One flight of ours in DTLS 1.3 (RFC 9147 §5.8, §7): its messages are cut once into fragments
 * that fit the MTU, and each transmission records which record number carried which fragment, so
 * an ACK marks fragments as received and a retransmission re-sends only the others (selective
 * retransmission, RFC 9147 §7.2). Every transmission takes fresh record numbers.
 */
export class OutgoingFlight13 {
  private readonly fragments: Fragment[] = [];
  /** `${epoch}/${seq}` of every record sent so far → the fragment it carried. */
  private readonly carriedBy = new Map<string, Fragment>();

  constructor(
    readonly messages: readonly OutgoingMessage13[],
    private readonly mtu: number,
  ) {
    for (const m of messages) {
      const room = mtu - (m.epoch === 0 ? PLAINTEXT_OVERHEAD : CIPHERTEXT_OVERHEAD) - HANDSHAKE_HEADER_LENGTH;
      if (room < 16) throw new RangeError(`mtu ${mtu} leaves no room for a handshake fragment`);
      let offset = 0;
      do {
        const length = Math.min(room, m.body.length - offset);
        this.fragments.push({ message: m, offset, length, acknowledged: false });
        offset += length;
      } while (offset < m.body.length);
    }
  }

  /** Every fragment was acknowledged. */
  get acknowledged(): boolean {
    return this.fragments.every((f) => f.acknowledged);
  }

  /** Datagrams carrying every fragment not yet acknowledged, records coalesced up to the MTU. */
  transmit(records: RecordLayer13): Uint8Array[] {
    const datagrams: Uint8Array[] = [];
    let parts: Uint8Array[] = [];
    let size = 0;
    // The whole flight or nothing: a flight sent in part would leave the peer waiting for the rest.
    const needed = new Map<number, number>();
    for (const f of this.fragments)
      if (!f.acknowledged) needed.set(f.message.epoch, (needed.get(f.message.epoch) ?? 0) + 1);
    for (const [epoch, n] of needed)
      if (records.remainingSequence(epoch) < n) throw new SequenceExhausted13(epoch);
    for (const f of this.fragments) {
      if (f.acknowledged) continue;
      const m = f.message;
      const seq = records.sentIn(m.epoch);
      const record = records.encode(
        m.epoch,
        ContentType13.handshake,
        encodeHandshakeFragment(m.msgType, m.messageSeq, m.body, f.offset, f.length),
      );
      this.carriedBy.set(`${m.epoch}/${seq}`, f);
      if (size + record.length > this.mtu && parts.length > 0) {
        datagrams.push(concat(parts, size));
        parts = [];
        size = 0;
      }
      parts.push(record);
      size += record.length;
    }
    if (parts.length > 0) datagrams.push(concat(parts, size));
    return datagrams;
  }

  /** Marks the fragments the acknowledged records carried; returns how many became acknowledged. */
  acknowledge(numbers: readonly RecordNumber[]): number {
    let n = 0;
    for (const r of numbers) {
      const f = this.carriedBy.get(`${r.epoch}/${r.sequenceNumber}`);
      if (f !== undefined && !f.acknowledged) {
        f.acknowledged = true;
        n++;
      }
    }
    return n;
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
