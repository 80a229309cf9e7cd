import { wrapRtx } from '@rtcseal/ice-lite';

/**
 * One stream an SFU sends to a receiver, fed by whichever sender (and simulcast layer) currently
 * fills that place: the receiver sees one SSRC whose sequence numbers and timestamps continue across
 * changes of source (RFC 3550 §5.1), the payload type of its own answer, and no header extensions
 * (their ids belong to the sender's negotiation). It keeps the last packets it sent, so a NACK from
 * the receiver (RFC 4585 §6.2.1) is answered from here, as RTX (RFC 4588) when negotiated.
 */
export interface ForwardedStreamOptions {
  readonly ssrc: number;
  /** RTX SSRC and payload type, when the receiver's answer has RTX for this stream. */
  readonly rtx?: { readonly ssrc: number; readonly payloadType: number } | undefined;
  /** How far the timestamp steps at a change of source: one frame (960 for 20 ms Opus, 3000 for 30 fps video). */
  readonly frameTicks: number;
  /** Packets kept for retransmission; 0 keeps none. */
  readonly historySize: number;
  readonly initialSequence: number;
  /**
   * Keeps the codec's own picture numbering continuous across changes of source (VP8:
   * `Vp8PictureContinuity`), for codecs whose payload descriptor numbers pictures.
   */
  readonly payloadContinuity?: PayloadContinuity | undefined;
}

/** Rewrites, in place, the payload descriptor of a packet about to be forwarded. */
export interface PayloadContinuity {
  rewrite(packet: Uint8Array, payloadOffset: number, newSource: boolean): void;
}

export class ForwardedStream {
  readonly ssrc: number;
  private readonly rtx: ForwardedStreamOptions['rtx'];
  private readonly frameTicks: number;
  private readonly payloadContinuity: PayloadContinuity | undefined;
  private source: string | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq: number;
  private lastTs = 0;
  private rtxSeq: number;
  /** Sent packets by sequence number modulo the size; each entry checked against its number. */
  private readonly history: (Uint8Array | undefined)[];
  /** Packets forwarded, and NACKed ones resent or no longer in the history. */
  readonly counters = { forwarded: 0, retransmitted: 0, notInHistory: 0, sourceChanges: 0 };

  constructor(options: ForwardedStreamOptions) {
    this.ssrc = options.ssrc >>> 0;
    this.rtx = options.rtx;
    this.frameTicks = options.frameTicks;
    this.payloadContinuity = options.payloadContinuity;
    this.lastSeq = (options.initialSequence - 1) & 0xffff;
    this.rtxSeq = (options.initialSequence * 7) & 0xffff;
    this.history = new Array(options.historySize);
  }

  /** The source (sender and layer) of the latest forwarded packet. */
  get currentSource(): string | undefined {
    return this.source;
  }

  /**
   * Writes the forwarded form of `packet` (the sender's plain RTP, read in place) into a new packet:
   * our SSRC, `payloadType`, continuous sequence number and timestamp, no CSRCs or extensions.
   */
  forward(packet: Uint8Array, payloadOffset: number, payloadType: number, source: string): Uint8Array {
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const seq = view.getUint16(2);
    const ts = view.getUint32(4);
    const newSource = source !== this.source;
    if (newSource) {
      // A new source continues where the last one stopped: the next number, one frame later.
      if (this.source !== undefined) this.counters.sourceChanges++;
      this.source = source;
      this.seqOffset = (this.lastSeq + 1 - seq) & 0xffff;
      this.tsOffset = (this.lastTs + this.frameTicks - ts) >>> 0;
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    // Padding (P) is carried with the payload; X and CC are cleared with what they described.
    const out = new Uint8Array(12 + packet.length - payloadOffset);
    out[0] = 0x80 | (packet[0]! & 0x20);
    out[1] = (packet[1]! & 0x80) | payloadType;
    const o = new DataView(out.buffer);
    o.setUint16(2, outSeq);
    o.setUint32(4, outTs);
    o.setUint32(8, this.ssrc);
    out.set(packet.subarray(payloadOffset), 12);
    this.payloadContinuity?.rewrite(out, 12, newSource);
    // Only a newer packet moves the reference (a reordered one keeps the offsets).
    if (((outSeq - this.lastSeq) & 0xffff) < 0x8000) {
      this.lastSeq = outSeq;
      this.lastTs = outTs;
    }
    if (this.history.length > 0) this.history[outSeq % this.history.length] = out;
    this.counters.forwarded++;
    return out;
  }

  /**
   * The packets to resend for a NACK of `sequenceNumbers`: RTX-wrapped (the original sequence number
   * first in the payload, RFC 4588 §4) when RTX was negotiated, else the packets themselves.
   */
  retransmissions(sequenceNumbers: readonly number[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const seq of sequenceNumbers) {
      const kept = this.history.length > 0 ? this.history[seq % this.history.length] : undefined;
      if (!kept || ((kept[2]! << 8) | kept[3]!) !== seq) {
        this.counters.notInHistory++;
        continue;
      }
      this.counters.retransmitted++;
      if (!this.rtx) {
        out.push(kept);
        continue;
      }
      out.push(wrapRtx(kept, { ...this.rtx, sequenceNumber: this.rtxSeq }));
      this.rtxSeq = (this.rtxSeq + 1) & 0xffff;
    }
    return out;
  }
}
