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
  /**
   * Rival versions kept per message_seq: fragments whose type, length, epoch or overlapping bytes
   * disagree are kept apart until one version completes, so a forged fragment cannot shadow the
   * genuine message (see offer).
   */
  readonly maxVersionsPerMessage: number;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxMessageSize: 65536,
  maxBufferedMessages: 16,
  maxBufferedBytes: 131072,
  maxRangesPerMessage: 64,
  maxVersionsPerMessage: 4,
};

/**
 * The budget's charge for one pending version of a message besides its bytes, so that fragments
 * carrying few bytes are not nearly free (its objects and buffer take a few hundred bytes of heap;
 * the version limit bounds how many there are).
 */
export const PENDING_MESSAGE_COST = 256;

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
  /**
   * Buffered as a rival version of its message_seq (its type, length, epoch or bytes differ from the
   * others'), which took the place of the version that had received the fewest bytes: that one's
   * input was dropped.
   */
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
  /** Bytes received (covered by ranges). */
  received: number;
}

/**
 * Reassembles handshake messages from fragments by byte coverage (RFC 6347 §4.2.3): fragments may
 * arrive in any order, overlap, be re-cut differently on retransmission, and span datagrams. Messages
 * are released strictly in message_seq order (RFC 6347 §4.2.2).
 *
 * Fragments are unauthenticated until the handshake ends, so anyone who can forge the peer's address
 * can send one for the message_seq expected next. RFC 6347 has every fragment of a message agree on
 * type and length; if the first fragment seen fixed them, one forged partial fragment would make the
 * genuine message's fragments "inconsistent" for good. Instead each message_seq keeps up to
 * maxVersionsPerMessage rival versions, a fragment joining every version it agrees with (type,
 * length, epoch, and the bytes where they overlap) or starting its own, and the first version to
 * complete is released. The rivals of a released message stay until the next one is released, so
 * that a caller rejecting a forged complete message can restartAt() its message_seq and get the
 * genuine version.
 */
export class HandshakeReassembler {
  private expected: number;
  private readonly pending = new Map<number, PendingMessage[]>();
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
    this.discardBelow(seq);
    this.expected = seq;
  }

  private discardBelow(seq: number): void {
    for (const [s, versions] of this.pending) {
      if (s < seq) this.discard(s, versions);
    }
  }

  private discard(seq: number, versions: readonly PendingMessage[]): void {
    for (const m of versions) this.bufferedBytes -= m.held;
    this.pending.delete(seq);
  }

  /**
   * Offers one fragment received in record epoch `epoch`. Memory follows the bytes that arrive, not
   * the length a fragment declares: a forged first fragment claiming 64 KiB costs what it carries.
   */
  offer(f: HandshakeFragment, epoch = 0): FragmentVerdict {
    if (f.messageSeq < this.expected) return 'old';
    if (f.messageSeq >= this.expected + this.limits.maxBufferedMessages) return 'out-of-window';
    return this.place(f, epoch);
  }

  /**
   * Offers a fragment of the peer's first message, whose message_seq is not known in advance (a
   * ClientHello is message_seq 0, or 1 after a stateless cookie exchange, or again 0 when the client
   * repeats its first one: RFC 6347 §4.2.2), whatever the expected message_seq. The caller bounds
   * the message_seq and, once isComplete() says a version is whole, moves there with restartAt().
   */
  offerFirst(f: HandshakeFragment, epoch = 0): FragmentVerdict {
    return this.place(f, epoch);
  }

  /** True when a version of message_seq `seq` has every byte. */
  isComplete(seq: number): boolean {
    return this.pending.get(seq)?.some((m) => completeBody(m) !== undefined) ?? false;
  }

  /** Drops everything buffered (e.g. rivals of a first message once one was accepted); returns how many versions. */
  discardPending(): number {
    let n = 0;
    for (const [seq, versions] of this.pending) {
      n += versions.length;
      this.discard(seq, versions);
    }
    return n;
  }

  private place(f: HandshakeFragment, epoch: number): FragmentVerdict {
    const L = this.limits;
    if (f.length > L.maxMessageSize) return 'too-large';
    // An empty fragment of a non-empty message adds no byte: nothing is kept for it (an empty
    // message is complete with its empty fragment and is kept).
    if (f.fragmentLength === 0 && f.length > 0) return 'buffered';
    let versions = this.pending.get(f.messageSeq);
    let refused: FragmentVerdict | undefined;
    for (const m of versions ?? []) {
      if (m.msgType !== f.msgType || m.length !== f.length || m.epoch !== epoch) continue;
      if (disagrees(m, f.fragmentOffset, f.body)) continue;
      const v = f.fragmentLength === 0 ? 'buffered' : this.addRange(m, f.fragmentOffset, f.body);
      if (v === 'buffered') return 'buffered';
      refused = v;
    }
    // A version it agrees with refused it (limits): no rival is started for the same bytes.
    if (refused !== undefined) return refused;
    // A new version of this message_seq; at the limit it takes the place of the one that received
    // the fewest bytes (the oldest of those), so one forged fragment cannot keep the genuine
    // message out and many forged ones must outweigh it.
    let victim: PendingMessage | undefined;
    if (versions !== undefined && versions.length >= L.maxVersionsPerMessage) {
      for (const m of versions) if (victim === undefined || m.received < victim.received) victim = m;
    }
    const cost = PENDING_MESSAGE_COST + f.fragmentLength;
    if (this.bufferedBytes - (victim?.held ?? 0) + cost > L.maxBufferedBytes) return 'buffer-full';
    if (versions === undefined) {
      versions = [];
      this.pending.set(f.messageSeq, versions);
    }
    if (victim !== undefined) {
      versions.splice(versions.indexOf(victim), 1);
      this.bufferedBytes -= victim.held;
    }
    const m: PendingMessage = {
      msgType: f.msgType,
      length: f.length,
      epoch,
      ranges: [],
      held: PENDING_MESSAGE_COST,
      received: 0,
    };
    versions.push(m);
    this.bufferedBytes += m.held;
    if (f.fragmentLength > 0) this.addRange(m, f.fragmentOffset, f.body);
    return victim === undefined ? 'buffered' : 'inconsistent';
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
      m.received += data.length;
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
      m.received += end - head.end;
      head.end = end;
      return 'buffered';
    }
    const lo = Math.min(start, head.start);
    const hi = Math.max(end, ranges[last - 1]!.end);
    let released = 0;
    let covered = 0;
    for (let i = first; i < last; i++) {
      released += ranges[i]!.bytes.length;
      covered += ranges[i]!.end - ranges[i]!.start;
    }
    if (!this.charge(m, hi - lo - released)) return 'buffer-full';
    const merged = new Uint8Array(hi - lo);
    merged.set(data, start - lo);
    for (let i = first; i < last; i++) {
      const r = ranges[i]!;
      merged.set(r.bytes.subarray(0, r.end - r.start), r.start - lo);
    }
    ranges.splice(first, last - first, { start: lo, end: hi, bytes: merged });
    m.received += hi - lo - covered;
    return 'buffered';
  }

  /** Charges `delta` bytes to `m` and the budget; false, with nothing charged, when over budget. */
  private charge(m: PendingMessage, delta: number): boolean {
    if (delta > 0 && this.bufferedBytes + delta > this.limits.maxBufferedBytes) return false;
    m.held += delta;
    this.bufferedBytes += delta;
    return true;
  }

  /**
   * The next message in sequence if a version of it is complete; advances the expected
   * message_seq. Its rivals stay until the following message is released (see the class comment).
   */
  next(): HandshakeMessage | undefined {
    const versions = this.pending.get(this.expected);
    if (versions === undefined) return undefined;
    for (const [i, m] of versions.entries()) {
      const body = completeBody(m);
      if (body === undefined) continue;
      this.discardBelow(this.expected);
      versions.splice(i, 1);
      this.bufferedBytes -= m.held;
      if (versions.length === 0) this.pending.delete(this.expected);
      const seq = this.expected++;
      return { msgType: m.msgType, messageSeq: seq, body, epoch: m.epoch };
    }
    return undefined;
  }

  /** True when some fragment of message_seq `seq`, at or above the expected one, has been buffered. */
  has(seq: number): boolean {
    return seq >= this.expected && this.pending.has(seq);
  }
}

/** The body of `m` when every byte arrived, else undefined. */
function completeBody(m: PendingMessage): Uint8Array | undefined {
  if (m.length === 0) return new Uint8Array(0);
  const whole = m.ranges[0];
  if (m.ranges.length !== 1 || whole!.start !== 0 || whole!.end !== m.length) return undefined;
  return whole!.bytes.length === m.length ? whole!.bytes : whole!.bytes.subarray(0, m.length);
}

/** True when `data` at `start` differs from bytes `m` already received where they overlap. */
function disagrees(m: PendingMessage, start: number, data: Uint8Array): boolean {
  const end = start + data.length;
  for (const r of m.ranges) {
    if (r.end <= start) continue;
    if (r.start >= end) break;
    const from = Math.max(start, r.start);
    const to = Math.min(end, r.end);
    for (let i = from; i < to; i++) if (r.bytes[i - r.start] !== data[i - start]) return true;
  }
  return false;
}
