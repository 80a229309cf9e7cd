/** Where a payload descriptor (VP8: RFC 7741 §4.2, VP9: RFC 9628 §4.2) keeps its picture numbers. */
export interface PictureNumberFields {
  /** Offset of the PictureID field in the packet, or -1 without one. */
  readonly pictureIdOffset: number;
  /** 7 or 15 (the M bit), or 0 without a PictureID. */
  readonly pictureIdBits: 0 | 7 | 15;
  /** Offset of TL0PICIDX, or -1 without one. */
  readonly tl0PicIdxOffset: number;
}

/**
 * Keeps the PictureID and TL0PICIDX of one forwarded stream continuous across changes of source
 * (another sender, or another simulcast layer of the same one), as the stream keeps sequence numbers
 * and timestamps continuous: a new source goes on one picture (and one base-layer picture) after
 * the last one sent, so a receiver's decoder, which orders frames and finds their references by
 * these numbers, never sees a number again or a jump backwards.
 */
export class PictureContinuity {
  private pictureIdOffset = 0;
  private tl0Offset = 0;
  private lastPictureId: number | undefined;
  private lastTl0: number | undefined;

  constructor(
    private readonly read: (
      packet: Uint8Array,
      payloadOffset: number,
      payloadLength: number,
    ) => PictureNumberFields | undefined,
  ) {}

  /**
   * Rewrites, in place, the descriptor of the payload of `packet` (a packet the stream is about to
   * send). `newSource`: the first packet of another source.
   */
  rewrite(packet: Uint8Array, payloadOffset: number, newSource: boolean): void {
    const d = this.read(packet, payloadOffset, packet.length - payloadOffset);
    if (!d) return;
    if (d.pictureIdOffset >= 0 && d.pictureIdBits !== 0) {
      const at = d.pictureIdOffset;
      const modulus = d.pictureIdBits === 15 ? 0x8000 : 0x80;
      const id = d.pictureIdBits === 15 ? ((packet[at]! & 0x7f) << 8) | packet[at + 1]! : packet[at]! & 0x7f;
      if (newSource && this.lastPictureId !== undefined) this.pictureIdOffset = this.lastPictureId + 1 - id;
      const out = (((id + this.pictureIdOffset) % modulus) + modulus) % modulus;
      if (d.pictureIdBits === 15) {
        packet[at] = 0x80 | (out >> 8);
        packet[at + 1] = out & 0xff;
      } else packet[at] = out;
      // Only a newer picture moves the reference (a reordered packet keeps it), modulo the field.
      if (
        this.lastPictureId === undefined ||
        newSource ||
        ((out - this.lastPictureId) & (modulus - 1)) < modulus / 2
      )
        this.lastPictureId = out;
    }
    if (d.tl0PicIdxOffset >= 0) {
      const at = d.tl0PicIdxOffset;
      const index = packet[at]!;
      if (newSource && this.lastTl0 !== undefined) this.tl0Offset = this.lastTl0 + 1 - index;
      const out = (index + this.tl0Offset) & 0xff;
      packet[at] = out;
      if (this.lastTl0 === undefined || newSource || ((out - this.lastTl0) & 0xff) < 0x80) this.lastTl0 = out;
    }
  }
}
