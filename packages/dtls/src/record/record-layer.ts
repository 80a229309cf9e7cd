import { ContentType } from '../handshake/types.js';
import { encodeRecord, type RawRecord, RECORD_HEADER_LENGTH } from './record-header.js';
import { ReplayWindow } from './replay-window.js';

/**
 * What the record layer needs from a negotiated cipher: the AEAD protection of one direction
 * (RFC 6347 §4.1.2.1). Structurally the RecordProtection of crypto/record-protection.ts.
 */
export interface RecordCipher {
  seal(epoch: number, seq: number, contentType: number, version: number, plaintext: Uint8Array): Uint8Array;
  /** undefined when authentication fails. */
  open(
    epoch: number,
    seq: number,
    contentType: number,
    version: number,
    fragment: Uint8Array,
  ): Uint8Array | undefined;
  /** Bytes added to a record's plaintext (explicit nonce + tag). */
  readonly overhead: number;
}

/** DTLS 1.2 on the wire (RFC 6347 §4.1). */
export const DTLS12_VERSION = 0xfefd;
/** DTLS 1.0: accepted as the record version of a ClientHello (clients offering 1.3 use it, RFC 9147 §5.1). */
export const DTLS10_VERSION = 0xfeff;

/** Largest record sequence number; a sender must not wrap (RFC 6347 §4.1). */
export const MAX_RECORD_SEQUENCE = 2 ** 48 - 1;

/** Why an incoming record was not delivered; counted in the engine's stats. */
export type RecordDropReason =
  | 'bad-version'
  | 'bad-content-type'
  | 'unknown-epoch'
  | 'replayed'
  | 'auth-failed'
  | 'future-epoch-buffer-full'
  | 'old-epoch';

export type OpenResult =
  | {
      readonly kind: 'record';
      readonly contentType: number;
      readonly epoch: number;
      readonly plaintext: Uint8Array;
    }
  /** A record of the next epoch arriving before the ChangeCipherSpec; held until the epoch opens. */
  | { readonly kind: 'deferred' }
  | { readonly kind: 'drop'; readonly reason: RecordDropReason };

interface ReadState {
  readonly cipher: RecordCipher | undefined;
  readonly window: ReplayWindow;
}

interface WriteState {
  readonly cipher: RecordCipher | undefined;
  nextSeq: number;
}

/** How many next-epoch records are held before the ChangeCipherSpec arrives (reordered Finished). */
const MAX_DEFERRED_RECORDS = 8;

/**
 * The DTLS 1.2 record layer of one association: epochs with their own sequence numbers and
 * protection (RFC 6347 §4.1), one replay window per protected read epoch (RFC 6347 §4.1.2.6).
 * The previous read epoch is kept so that the peer's retransmitted epoch-0 flight can still be
 * recognised after the switch; callers decide what such records may do.
 */
export class RecordLayer {
  private readonly reads = new Map<number, ReadState>();
  private readonly writes = new Map<number, WriteState>();
  private readEpochValue = 0;
  private writeEpochValue = 0;
  private pendingReadCipher: RecordCipher | undefined;
  private pendingWriteCipher: RecordCipher | undefined;
  private deferred: RawRecord[] = [];

  constructor(private readonly replayWindowWidth = 64) {
    this.reads.set(0, { cipher: undefined, window: new ReplayWindow(replayWindowWidth) });
    this.writes.set(0, { cipher: undefined, nextSeq: 0 });
  }

  get readEpoch(): number {
    return this.readEpochValue;
  }

  get writeEpoch(): number {
    return this.writeEpochValue;
  }

  /** Protection expansion of records written in `epoch`. */
  overhead(epoch: number): number {
    return this.writes.get(epoch)?.cipher?.overhead ?? 0;
  }

  /** Installs the keys that the next ChangeCipherSpec in each direction switches to. */
  setPendingCiphers(read: RecordCipher, write: RecordCipher): void {
    this.pendingReadCipher = read;
    this.pendingWriteCipher = write;
  }

  get hasPendingRead(): boolean {
    return this.pendingReadCipher !== undefined;
  }

  /** Our ChangeCipherSpec was written: later records use the next epoch, sequence numbers from 0 (RFC 6347 §4.1). */
  activateWriteEpoch(): void {
    if (this.pendingWriteCipher === undefined) throw new Error('no pending write cipher');
    this.writeEpochValue++;
    this.writes.set(this.writeEpochValue, { cipher: this.pendingWriteCipher, nextSeq: 0 });
  }

  /** The peer's ChangeCipherSpec arrived: records of the next epoch are now readable. Returns records held for it. */
  activateReadEpoch(): RawRecord[] {
    if (this.pendingReadCipher === undefined) throw new Error('no pending read cipher');
    this.readEpochValue++;
    this.reads.set(this.readEpochValue, {
      cipher: this.pendingReadCipher,
      window: new ReplayWindow(this.replayWindowWidth),
    });
    this.pendingReadCipher = undefined;
    const held = this.deferred.filter((r) => r.epoch === this.readEpochValue);
    this.deferred = [];
    return held;
  }

  /** Whether write epoch `epoch` exists (a flight may be re-sent in an older epoch). */
  canWrite(epoch: number): boolean {
    return this.writes.has(epoch);
  }

  /**
   * Makes the next record of write `epoch` use a sequence number of at least `seq`. A server that
   * answered with a HelloVerifyRequest reusing the ClientHello's record number (RFC 6347 §4.2.1)
   * continues above it, so the client's replay window does not drop the ServerHello.
   */
  reserveSequence(epoch: number, seq: number): void {
    const state = this.writes.get(epoch);
    if (state !== undefined && state.nextSeq < seq) state.nextSeq = seq;
  }

  /** Sequence numbers still unused in write `epoch` (0 for an epoch that does not exist). */
  remainingSequence(epoch: number): number {
    const state = this.writes.get(epoch);
    return state === undefined ? 0 : Math.max(0, MAX_RECORD_SEQUENCE + 1 - state.nextSeq);
  }

  /**
   * Seals one record in `epoch` with that epoch's next sequence number. Returns undefined, without
   * throwing, once the epoch's numbers are used up: a sender must not wrap them (RFC 6347 §4.1), and
   * the peer can push epoch 0 there (a ClientHello's record number is continued, see
   * reserveSequence), so the caller has to end the association cleanly instead.
   */
  seal(
    epoch: number,
    contentType: number,
    plaintext: Uint8Array,
    version = DTLS12_VERSION,
  ): Uint8Array | undefined {
    const state = this.writes.get(epoch);
    if (state === undefined) throw new Error(`no write state for epoch ${epoch}`);
    if (state.nextSeq > MAX_RECORD_SEQUENCE) return undefined;
    const seq = state.nextSeq++;
    const fragment = state.cipher
      ? state.cipher.seal(epoch, seq, contentType, version, plaintext)
      : plaintext;
    return encodeRecord(contentType, version, epoch, seq, fragment);
  }

  /** Record bytes for `plaintextLength` bytes in `epoch`. */
  recordSize(epoch: number, plaintextLength: number): number {
    return RECORD_HEADER_LENGTH + this.overhead(epoch) + plaintextLength;
  }

  /**
   * Checks, authenticates and replay-filters one record (RFC 6347 §4.1.2.1, §4.1.2.6). Records
   * failing authentication are dropped without an alert (RFC 6347 §4.1.2.7). Epoch-0 records are
   * passed through unfiltered: nothing about them can be verified.
   */
  open(r: RawRecord): OpenResult {
    if (r.version !== DTLS12_VERSION && r.version !== DTLS10_VERSION)
      return { kind: 'drop', reason: 'bad-version' };
    if (
      r.contentType !== ContentType.change_cipher_spec &&
      r.contentType !== ContentType.alert &&
      r.contentType !== ContentType.handshake &&
      r.contentType !== ContentType.application_data
    ) {
      return { kind: 'drop', reason: 'bad-content-type' };
    }
    const state = this.reads.get(r.epoch);
    if (state === undefined) {
      // RFC 6347 §4.1: records from the next epoch may arrive before the ChangeCipherSpec; keep a few.
      if (r.epoch === this.readEpochValue + 1) {
        if (this.deferred.length >= MAX_DEFERRED_RECORDS)
          return { kind: 'drop', reason: 'future-epoch-buffer-full' };
        this.deferred.push({ ...r, fragment: r.fragment.slice(), bytes: r.bytes.slice() });
        return { kind: 'deferred' };
      }
      return { kind: 'drop', reason: 'unknown-epoch' };
    }
    if (state.cipher === undefined) {
      // RFC 6347 §4.1.2.6: the window may only move after the record's MAC verified. An unprotected
      // (epoch 0) record has no MAC, so it is not replay-filtered at all: anyone can forge one, and a
      // forged high sequence number would otherwise shadow every genuine hello. Repeated epoch-0
      // handshake messages are recognised by message_seq in reassembly instead (RFC 6347 §4.2.2).
      return { kind: 'record', contentType: r.contentType, epoch: r.epoch, plaintext: r.fragment };
    }
    if (!state.window.check(r.sequenceNumber)) return { kind: 'drop', reason: 'replayed' };
    const plaintext = state.cipher.open(r.epoch, r.sequenceNumber, r.contentType, r.version, r.fragment);
    if (plaintext === undefined) return { kind: 'drop', reason: 'auth-failed' };
    state.window.accept(r.sequenceNumber);
    return { kind: 'record', contentType: r.contentType, epoch: r.epoch, plaintext };
  }
}
