/**
 * Rewrites the RTP header of forwarded audio so that one receiver sees one
 * continuous stream, whichever participant is currently its source: the SSRC
 * and payload type the receiver's answer announced, and sequence numbers and
 * timestamps that continue across a change of source (RFC 3550 §5.1 requires
 * both to advance monotonically within one SSRC).
 */
export class RtpRewriter {
  private readonly ssrc: number;
  private readonly payloadType: number;
  private source: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq = -1;
  private lastTs = 0;

  /**
   * @param ssrc the SSRC announced to the receiver
   * @param payloadType the receiver's payload type for the codec
   * @param initialSeq random initial sequence number (RFC 3550 §5.1)
   */
  constructor(ssrc: number, payloadType: number, initialSeq = 0) {
    this.ssrc = ssrc >>> 0;
    this.payloadType = payloadType & 0x7f;
    this.lastSeq = (initialSeq - 1) & 0xffff;
  }

  /** The sender the last packet came from, keyed by the caller's source id. */
  get currentSource(): number | undefined {
    return this.source;
  }

  /**
   * Rewrites `packet` (a plain RTP packet, at least 12 bytes) in place.
   * `sourceId` tells which sender it came from; a change of sender rebases the
   * sequence number and timestamp so the receiver sees no jump.
   * `frameTicks` is how far the timestamp steps at a change (20 ms of 48 kHz Opus).
   */
  rewrite(packet: Uint8Array, sourceId: number, frameTicks = 960): void {
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const seq = view.getUint16(2);
    const ts = view.getUint32(4);
    if (sourceId !== this.source) {
      this.source = sourceId;
      this.seqOffset = (this.lastSeq + 1 - seq) & 0xffff;
      this.tsOffset = (this.lastTs + frameTicks - ts) >>> 0;
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    // Keep the marker bit, replace the payload type.
    packet[1] = (packet[1]! & 0x80) | this.payloadType;
    view.setUint16(2, outSeq);
    view.setUint32(4, outTs);
    view.setUint32(8, this.ssrc);
    // Only a newer packet moves the reference point (reordered ones keep their offset).
    if (((outSeq - this.lastSeq) & 0xffff) < 0x8000) {
      this.lastSeq = outSeq;
      this.lastTs = outTs;
    }
  }
}
