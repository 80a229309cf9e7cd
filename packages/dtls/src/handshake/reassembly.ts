import type { HandshakeFragment } from './fragment.js';

/** Limits on what a peer can make us buffer (DESIGN: nothing from the network grows memory without bound). */
export interface ReassemblyLimits {
  /** Largest handshake message body accepted, e.g. a certificate chain. */
  readonly maxMessageSize: number;
  /** How many message_seq values ahead of the next expected one are buffered (out-of-order window). */
  readonly maxBufferedMessages: number;
  /**
   * Budget of bytes held for messages not yet released: the bytes of fragments received (with
   * their buffers' spare room) plus a fixed cost per pending message, never the length a fragment
   * declares. A fragment that would exceed it is dropped (buffer-full).
   */
  readonly maxBufferedBytes: number;
  /** Disjoint byte ranges tracked per message; a peer sending tiny scattered fragments hits this. */
  readonly maxRangesPerMessage: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxMessageSize: 65536,
  maxBufferedMessages: 16,
  maxBufferedBytes: 131072,
  maxRangesPerMessage: 64,
};

/**
 * What one pending message costs besides its bytes (the object and its range list), counted in the
 * budget so that fragments carrying no bytes are not free.
 */
export const PENDING_MESSAGE_COST = 64;

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

/** Received bytes [start, end) of a message; `bytes` may have spare room at its end to grow into. */
interface Range {
  start: number;
  end: number;
  bytes: Uint8Array;
}

interface PendingMessage {
  readonly msgType: number;
  /** The message length every fragment declares. */
  readonly length: number;
  readonly epoch: number;
  /** Sorted, disjoint, non-adjacent ranges received so far. */
  ranges: Range[];
  /** Bytes charged to the budget: PENDING_MESSAGE_COST plus the ranges' buffer sizes. */
  held: number;
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

  /** Bytes charged to the budget now (see ReassemblyLimits.maxBufferedBytes). */
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
        this.bufferedBytes -= m.held;
        this.pending.delete(s);
      }
    }
    this.expected = seq;
  }

  /**
   * Offers one fragment received in record epoch `epoch`. Memory follows the bytes that arrive, not
   * the length a fragment declares: a forged first fragment claiming 64 KiB costs what it carries.
   */
  offer(f: HandshakeFragment, epoch = 0): FragmentVerdict {
    const L = this.limits;
    if (f.messageSeq < this.expected) return 'old';
    if (f.messageSeq >= this.expected + L.maxBufferedMessages) return 'out-of-window';
    if (f.length > L.maxMessageSize) return 'too-large';
    let m = this.pending.get(f.messageSeq);
    if (m === undefined) {
      if (this.bufferedBytes + PENDING_MESSAGE_COST + f.fragmentLength > L.maxBufferedBytes)
        return 'buffer-full';
      m = { msgType: f.msgType, length: f.length, epoch, ranges: [], held: PENDING_MESSAGE_COST };
      this.pending.set(f.messageSeq, m);
      this.bufferedBytes += m.held;
    } else if (m.msgType !== f.msgType || m.length !== f.length || m.epoch !== epoch) {
      return 'inconsistent';
    }
    if (f.fragmentLength === 0) return 'buffered';
    return this.addRange(m, f.fragmentOffset, f.body);
  }

  /**
   * Stores `data` at `start` of `m`. Bytes already received are kept (a retransmission carries the
   * same ones). Appending to a range grows its buffer by doubling, up to the message length, so a
   * message arriving in order costs at most about twice its bytes; anything else is copied into an
   * exactly sized buffer.
   */
  private addRange(m: PendingMessage, start: number, data: Uint8Array): FragmentVerdict {
    const end = start + data.length;
    const ranges = m.ranges;
    // Ranges that overlap or touch [start, end): indexes first..last-1.
    let first = 0;
    while (first < ranges.length && ranges[first]!.end < start) first++;
    let last = first;
    while (last < ranges.length && ranges[last]!.start <= end) last++;
    if (first === last) {
      if (ranges.length + 1 > this.limits.maxRangesPerMessage) return 'too-many-ranges';
      if (!this.charge(m, data.length)) return 'buffer-full';
      ranges.splice(first, 0, { start, end, bytes: data.slice() });
      return 'buffered';
    }
    const head = ranges[first]!;
    if (last - first === 1 && head.start <= start) {
      if (end <= head.end) return 'buffered';
      // Appending to one range: in place when it has room, else into a buffer twice the size.
      const need = end - head.start;
      if (need > head.bytes.length) {
        const size = Math.min(Math.max(need, 2 * head.bytes.length), m.length - head.start);
        if (!this.charge(m, size - head.bytes.length)) return 'buffer-full';
        const grown = new Uint8Array(size);
        grown.set(head.bytes.subarray(0, head.end - head.start));
        head.bytes = grown;
      }
      head.bytes.set(data.subarray(head.end - start), head.end - head.start);
      head.end = end;
      return 'buffered';
    }
    const lo = Math.min(start, head.start);
    const hi = Math.max(end, ranges[last - 1]!.end);
    let released = 0;
    for (let i = first; i < last; i++) released += ranges[i]!.bytes.length;
    if (!this.charge(m, hi - lo - released)) return 'buffer-full';
    const merged = new Uint8Array(hi - lo);
    merged.set(data, start - lo);
    for (let i = first; i < last; i++) {
      const r = ranges[i]!;
      merged.set(r.bytes.subarray(0, r.end - r.start), r.start - lo);
    }
    ranges.splice(first, last - first, { start: lo, end: hi, bytes: merged });
    return 'buffered';
  }

  /** Charges `delta` bytes to `m` and the budget; false, with nothing charged, when over budget. */
  private charge(m: PendingMessage, delta: number): boolean {
    if (delta > 0 && this.bufferedBytes + delta > this.limits.maxBufferedBytes) return false;
    m.held += delta;
    this.bufferedBytes += delta;
    return true;
  }

  /** The next message in sequence if it is complete; advances the expected message_seq. */
  next(): HandshakeMessage | undefined {
    const m = this.pending.get(this.expected);
    if (m === undefined) return undefined;
    const whole = m.ranges[0];
    let body: Uint8Array;
    if (m.length === 0) body = new Uint8Array(0);
    else if (m.ranges.length === 1 && whole!.start === 0 && whole!.end === m.length)
      body = whole!.bytes.length === m.length ? whole!.bytes : whole!.bytes.subarray(0, m.length);
    else return undefined;
    this.pending.delete(this.expected);
    this.bufferedBytes -= m.held;
    const seq = this.expected++;
    return { msgType: m.msgType, messageSeq: seq, body, epoch: m.epoch };
  }

  /** True when some fragment of message_seq `seq` (at or above the expected one) has been buffered. */
  has(seq: number): boolean {
    return this.pending.has(seq);
  }
}
