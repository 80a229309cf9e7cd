import type { HandshakeFragment } from './fragment.js';

/** Limits on what a peer can make us buffer (DESIGN: nothing from the network grows memory without bound). */
export interface ReassemblyLimits {
  /** Largest handshake message body accepted, e.g. a certificate chain. */
  readonly maxMessageSize: number;
  /** How many message_seq values ahead of the next expected one are buffered (out-of-order window). */
  readonly maxBufferedMessages: number;
  /** Total bytes held for incomplete or not-yet-consumed messages. */
  readonly maxBufferedBytes: number;
  /** Disjoint byte ranges tracked per message; a peer sending tiny scattered fragments hits this. */
  readonly maxRangesPerMessage: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxMessageSize: 65536,
  maxBufferedMessages: 16,
  maxBufferedBytes: 262144,
  maxRangesPerMessage: 64,
};

/** A complete handshake message, body reassembled. */
export interface HandshakeMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  /** Record epoch the message arrived in (all its fragments share it). */
  readonly epoch: number;
}

/** Outcome of offering one fragment. */
export type FragmentVerdict =
  | 'buffered'
  /** message_seq below the next expected: a retransmission of something already processed (RFC 6347 §4.2.4). */
  | 'old'
  | 'too-large'
  | 'out-of-window'
  | 'buffer-full'
  | 'too-many-ranges'
  /** Type, length or epoch differs from earlier fragments of the same message_seq. */
  | 'inconsistent';

interface PendingMessage {
  readonly msgType: number;
  readonly epoch: number;
  readonly body: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) ranges received so far. */
  ranges: Array<[number, number]>;
}

/**
 * Reassembles handshake messages from fragments by byte coverage (RFC 6347 §4.2.3): fragments may
 * arrive in any order, overlap, be re-cut differently on retransmission, and span datagrams. Messages
 * are released strictly in message_seq order (RFC 6347 §4.2.2).
 */
export class HandshakeReassembler {
  private expected: number;
  private readonly pending = new Map<number, PendingMessage>();
  private bufferedBytes = 0;
  private readonly limits: ReassemblyLimits;

  constructor(limits: Partial<ReassemblyLimits> = {}, firstSeq = 0) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
    this.expected = firstSeq;
  }

  /** The message_seq of the next message to be released. */
  get nextSeq(): number {
    return this.expected;
  }

  /** Bytes currently held (for tests of the bounds). */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /**
   * Moves the next expected message_seq, discarding anything buffered below it. Used by a server
   * whose first ClientHello may carry message_seq 1 after a stateless cookie exchange (RFC 6347 §4.2.2).
   */
  restartAt(seq: number): void {
    for (const [s, m] of this.pending) {
      if (s < seq) {
        this.bufferedBytes -= m.body.length;
        this.pending.delete(s);
      }
    }
    this.expected = seq;
  }

  /** Offers one fragment received in record epoch `epoch`. */
  offer(f: HandshakeFragment, epoch = 0): FragmentVerdict {
    const L = this.limits;
    if (f.messageSeq < this.expected) return 'old';
    if (f.messageSeq >= this.expected + L.maxBufferedMessages) return 'out-of-window';
    if (f.length > L.maxMessageSize) return 'too-large';
    let m = this.pending.get(f.messageSeq);
    if (m === undefined) {
      if (this.bufferedBytes + f.length > L.maxBufferedBytes) return 'buffer-full';
      m = { msgType: f.msgType, epoch, body: new Uint8Array(f.length), ranges: [] };
      this.pending.set(f.messageSeq, m);
      this.bufferedBytes += f.length;
    } else if (m.msgType !== f.msgType || m.body.length !== f.length || m.epoch !== epoch) {
      return 'inconsistent';
    }
    if (f.fragmentLength === 0) return 'buffered';
    const start = f.fragmentOffset;
    const end = start + f.fragmentLength;
    const merged = mergeRange(m.ranges, start, end);
    if (merged.length > L.maxRangesPerMessage) return 'too-many-ranges';
    m.body.set(f.body, start);
    m.ranges = merged;
    return 'buffered';
  }

  /** The next message in sequence if it is complete; advances the expected message_seq. */
  next(): HandshakeMessage | undefined {
    const m = this.pending.get(this.expected);
    if (m === undefined) return undefined;
    const complete =
      m.body.length === 0
        ? true
        : m.ranges.length === 1 && m.ranges[0]![0] === 0 && m.ranges[0]![1] === m.body.length;
    if (!complete) return undefined;
    this.pending.delete(this.expected);
    this.bufferedBytes -= m.body.length;
    const seq = this.expected++;
    return { msgType: m.msgType, messageSeq: seq, body: m.body, epoch: m.epoch };
  }

  /** True when some fragment of message_seq `seq` (at or above the expected one) has been buffered. */
  has(seq: number): boolean {
    return this.pending.has(seq);
  }
}

/** Inserts [start, end) into sorted disjoint ranges, merging overlaps and adjacency; returns a new array. */
function mergeRange(
  ranges: ReadonlyArray<[number, number]>,
  start: number,
  end: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of ranges) {
    if (r[1] < s) out.push(r);
    else if (r[0] > e) {
      if (!placed) {
        out.push([s, e]);
        placed = true;
      }
      out.push(r);
    } else {
      s = Math.min(s, r[0]);
      e = Math.max(e, r[1]);
    }
  }
  if (!placed) out.push([s, e]);
  return out;
}
