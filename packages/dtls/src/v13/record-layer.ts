import { ReplayWindow } from '../record/replay-window.js';
import { TAG_LENGTH } from './cipher-suites.js';
import {
  encodePlaintextRecord,
  encodeUnifiedHeader,
  MAX_PLAINTEXT,
  type PlaintextRecord,
  reconstructSequenceNumber,
  type SplitProblem13,
  splitDatagram13,
} from './record-header.js';
import {
  decodeInnerPlaintext,
  encodeInnerPlaintext,
  MASK_SAMPLE_LENGTH,
  type RecordProtection13,
} from './record-protection.js';

/** Why a record was dropped by the DTLS 1.3 record layer (each one counted by the connection). */
export type RecordDrop13 =
  | SplitProblem13
  /** No read keys for the record's epoch bits (not installed yet, or already discarded). */
  | 'unknown-epoch'
  /** AEAD authentication failed, or the ciphertext was too short to unmask (RFC 9147 §4.2.3). */
  | 'auth-failed'
  | 'replayed'
  /** A DTLSPlaintext record whose epoch is not 0. */
  | 'bad-plaintext-epoch'
  /** Authenticated, but DTLSInnerPlaintext had no non-zero content type byte (RFC 8446 §5.4). */
  | 'empty-inner-plaintext';

export type RecordVerdict13 =
  | {
      readonly ok: true;
      readonly epoch: number;
      readonly sequenceNumber: number;
      readonly contentType: number;
      readonly content: Uint8Array;
    }
  | { readonly ok: false; readonly reason: RecordDrop13 };

/** How one DTLSCiphertext record is framed. */
export interface EncodeOptions13 {
  /** 8 or 16 bits of sequence number on the wire (default 16). */
  readonly sequenceBits?: 8 | 16;
  /** false omits the length: the record then takes the rest of its datagram (default true). */
  readonly withLength?: boolean;
  /** Zero bytes after the content type (RFC 8446 §5.4). */
  readonly padding?: number;
}

interface ReadEpoch {
  readonly protection: RecordProtection13;
  readonly window: ReplayWindow;
  /** Records under this epoch's key that failed authentication (RFC 9147 §4.5.3). */
  failures: number;
}

interface WriteEpoch {
  readonly protection: RecordProtection13 | undefined;
  nextSeq: number;
}

/**
 * Writing needs a record number `epoch` no longer has: numbers must not wrap (RFC 9147 §4.5.1).
 * The connection ends quietly (no alert can be numbered either) with reason sequence-exhausted.
 */
export class SequenceExhausted13 extends Error {
  constructor(readonly epoch: number) {
    super(`record sequence numbers of epoch ${epoch} are used up`);
    this.name = 'SequenceExhausted13';
  }
}

/** Largest sequence number a record is given: 2^48-1 for DTLSPlaintext (RFC 9147 §4); KeyUpdate comes long before. */
const MAX_SEQUENCE = 2 ** 48 - 1;

/**
 * The DTLS 1.3 record layer of one connection: epochs and their keys in both directions, sequence
 * numbers, replay windows, record number masking and reconstruction, and the AEAD limits
 * (RFC 9147 §4, §4.5.3). Epoch 0 is DTLSPlaintext; epochs 1 and beyond are DTLSCiphertext (this
 * implementation never sends early data, so it uses 0, 2, 3, 4, ...).
 */
export class RecordLayer13 {
  private readonly reads = new Map<number, ReadEpoch>();
  private readonly writes = new Map<number, WriteEpoch>([[0, { protection: undefined, nextSeq: 0 }]]);
  private plaintextReads = true;
  /** Records that failed authentication (under every candidate epoch), for stats (RFC 9147 §4.5.2). */
  invalidRecords = 0;

  /** Installs keys to read `epoch` (≥ 1). */
  installReadEpoch(epoch: number, protection: RecordProtection13): void {
    checkEpoch(epoch);
    this.reads.set(epoch, { protection, window: new ReplayWindow(64), failures: 0 });
  }

  /** Installs keys to write `epoch` (≥ 1); its sequence numbers start at 0. */
  installWriteEpoch(epoch: number, protection: RecordProtection13): void {
    checkEpoch(epoch);
    this.writes.set(epoch, { protection, nextSeq: 0 });
  }

  /** Forgets read keys of `epoch` (RFC 9147 §4.2.1: old epochs are kept only as long as reordering needs). */
  dropReadEpoch(epoch: number): void {
    this.reads.delete(epoch);
  }

  /** Forgets write keys of `epoch` once nothing will be retransmitted in it. */
  dropWriteEpoch(epoch: number): void {
    if (epoch !== 0) this.writes.delete(epoch);
  }

  /** Stops accepting DTLSPlaintext handshake records (once the handshake is encrypted in both directions). */
  refusePlaintext(): void {
    this.plaintextReads = false;
  }

  get acceptsPlaintext(): boolean {
    return this.plaintextReads;
  }

  hasReadEpoch(epoch: number): boolean {
    return this.reads.has(epoch);
  }

  hasWriteEpoch(epoch: number): boolean {
    return this.writes.has(epoch);
  }

  /** Continues `epoch`'s sequence numbers after `n` records another layer already sent in it. */
  skipSequenceNumbers(epoch: number, n: number): void {
    const w = this.writes.get(epoch);
    if (w === undefined) throw new RangeError(`no write keys for epoch ${epoch}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    w.nextSeq = Math.max(w.nextSeq, n);
  }

  /** Records sent so far in `epoch`. */
  sentIn(epoch: number): number {
    return this.writes.get(epoch)?.nextSeq ?? 0;
  }

  /** Records of `epoch` that failed authentication. */
  failuresIn(epoch: number): number {
    return this.reads.get(epoch)?.failures ?? 0;
  }

  /**
   * True when `epoch` has protected as many records as its AEAD's confidentiality limit allows,
   * less `margin` (RFC 9147 §4.5.3: update keys before reaching the limit).
   */
  nearConfidentialityLimit(epoch: number, margin: number): boolean {
    const w = this.writes.get(epoch);
    if (w?.protection === undefined) return false;
    return w.nextSeq + margin >= w.protection.suite.confidentialityLimit;
  }

  /** True when failed authentications under `epoch`'s key reached its AEAD's integrity limit (RFC 9147 §4.5.3). */
  integrityLimitReached(epoch: number): boolean {
    const r = this.reads.get(epoch);
    return r !== undefined && r.failures >= r.protection.suite.integrityLimit;
  }

  /**
   * One record carrying `content` under the write keys of `epoch`, with the next sequence number of
   * that epoch. Epoch 0 gives DTLSPlaintext; others the unified header, by default with a 16-bit
   * sequence number and a length (so several records may share a datagram).
   */
  encode(epoch: number, contentType: number, content: Uint8Array, options: EncodeOptions13 = {}): Uint8Array {
    const w = this.writes.get(epoch);
    if (w === undefined) throw new RangeError(`no write keys for epoch ${epoch}`);
    if (content.length > MAX_PLAINTEXT)
      throw new RangeError(`content must be at most ${MAX_PLAINTEXT} bytes`);
    if (w.nextSeq > MAX_SEQUENCE) throw new SequenceExhausted13(epoch);
    const seq = w.nextSeq++;
    if (w.protection === undefined) return encodePlaintextRecord(contentType, seq, content);
    const sequenceBits = options.sequenceBits ?? 16;
    // RFC 9147 §4.2.3: the ciphertext must be at least 16 bytes to be masked; the 16-byte tag plus
    // the type byte always are.
    const inner = encodeInnerPlaintext(contentType, content, options.padding ?? 0);
    const header = encodeUnifiedHeader(
      epoch,
      seq,
      sequenceBits,
      options.withLength === false ? undefined : inner.length + TAG_LENGTH,
    );
    const encrypted = w.protection.seal(header, seq, inner);
    const mask = w.protection.mask(encrypted.subarray(0, MASK_SAMPLE_LENGTH));
    const out = new Uint8Array(header.length + encrypted.length);
    out.set(header, 0);
    out[1]! ^= mask[0]!;
    if (sequenceBits === 16) out[2]! ^= mask[1]!;
    out.set(encrypted, header.length);
    return out;
  }

  /** How many records `epoch` can still be written with before its numbers run out (never wrapping). */
  remainingSequence(epoch: number): number {
    const w = this.writes.get(epoch);
    return w === undefined ? 0 : Math.max(0, MAX_SEQUENCE + 1 - w.nextSeq);
  }

  /** Bytes a record adds around `n` bytes of content in `epoch`. */
  overhead(epoch: number): number {
    return epoch === 0 ? 13 : 1 + 2 + 2 + 1 + 16;
  }

  /**
   * Every record of one datagram, each either opened or dropped with a reason, opened one at a
   * time as the caller iterates: a record may install the keys the next record of the same
   * datagram needs (the ServerHello before the encrypted flight). Never throws.
   */
  *receive(datagram: Uint8Array): Generator<RecordVerdict13> {
    const split = splitDatagram13(datagram);
    for (const r of split.records) {
      yield r.kind === 'plaintext'
        ? this.receivePlaintext(r)
        : this.receiveCiphertext(r.header, r.epochBits, r.sequenceBits, r.encrypted);
    }
    if (split.problem !== undefined) yield { ok: false, reason: split.problem };
  }

  private receivePlaintext(r: PlaintextRecord): RecordVerdict13 {
    if (r.epoch !== 0) return { ok: false, reason: 'bad-plaintext-epoch' };
    if (!this.plaintextReads && r.contentType !== 21 && r.contentType !== 26)
      return { ok: false, reason: 'unknown-epoch' };
    // Epoch-0 records are not authenticated, so they never move a replay window: a forged record
    // with a high sequence number must not shadow genuine ones. Duplicates are handled by the
    // handshake layer (message_seq) and are harmless.
    return {
      ok: true,
      epoch: 0,
      sequenceNumber: r.sequenceNumber,
      contentType: r.contentType,
      content: r.fragment,
    };
  }

  /**
   * Installed read epochs whose low two bits are `bits`, newest first, at most two (RFC 9147
   * §4.2.2: the most recent epoch with matching bits; the one before it covers reordering across a
   * KeyUpdate whose epochs differ by 4).
   */
  private readEpochsFor(bits: number): number[] {
    const found: number[] = [];
    for (const e of this.reads.keys()) if ((e & 3) === bits) found.push(e);
    return found.sort((x, y) => y - x).slice(0, 2);
  }

  private receiveCiphertext(
    header: Uint8Array,
    bits: number,
    seqBits: 8 | 16,
    encrypted: Uint8Array,
  ): RecordVerdict13 {
    const epochs = this.readEpochsFor(bits);
    if (epochs.length === 0) return { ok: false, reason: 'unknown-epoch' };
    let verdict: RecordVerdict13 = { ok: false, reason: 'auth-failed' };
    for (const epoch of epochs) {
      verdict = this.openIn(epoch, header, seqBits, encrypted);
      if (verdict.ok || verdict.reason !== 'auth-failed') return verdict;
    }
    this.invalidRecords++;
    return verdict;
  }

  private openIn(epoch: number, header: Uint8Array, seqBits: 8 | 16, encrypted: Uint8Array): RecordVerdict13 {
    const r = this.reads.get(epoch)!;
    if (encrypted.length < MASK_SAMPLE_LENGTH) return this.failed(r);
    const mask = r.protection.mask(encrypted.subarray(0, MASK_SAMPLE_LENGTH));
    // The AEAD's additional data is the header with the unmasked sequence number (RFC 9147 §4).
    const aad = Uint8Array.from(header);
    aad[1]! ^= mask[0]!;
    let wire = aad[1]!;
    if (seqBits === 16) {
      aad[2]! ^= mask[1]!;
      wire = (wire << 8) | aad[2]!;
    }
    const seq = reconstructSequenceNumber(r.window.highest + 1, wire, seqBits);
    const inner = r.protection.open(aad, seq, encrypted);
    if (inner === undefined) return this.failed(r);
    // RFC 9147 §4.5.1: the replay check comes after deprotection, and only then moves the window.
    if (!r.window.check(seq)) return { ok: false, reason: 'replayed' };
    r.window.accept(seq);
    const decoded = decodeInnerPlaintext(inner);
    if (decoded === undefined) return { ok: false, reason: 'empty-inner-plaintext' };
    return {
      ok: true,
      epoch,
      sequenceNumber: seq,
      contentType: decoded.contentType,
      content: decoded.content,
    };
  }

  private failed(r: ReadEpoch): RecordVerdict13 {
    r.failures++;
    return { ok: false, reason: 'auth-failed' };
  }
}

function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > Number.MAX_SAFE_INTEGER)
    throw new RangeError(`epoch must be a positive integer, got ${epoch}`);
}
