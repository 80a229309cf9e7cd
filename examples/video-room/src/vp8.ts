import { PictureContinuity } from './picture-continuity.js';

/**
 * The VP8 payload descriptor (RFC 7741 §4.2) as a forwarding unit reads and rewrites it: where a
 * frame starts, whether it is a keyframe, and the picture numbering (PictureID, TL0PICIDX) that a
 * receiver's decoder uses to order frames and find their references.
 */
export interface Vp8Descriptor {
  /** S = 1 and partition index 0: the first packet of a frame. */
  readonly frameStart: boolean;
  /** Offset of the PictureID field in the packet, or -1 when I = 0. */
  readonly pictureIdOffset: number;
  /** 7 or 15 (M bit), or 0 without a PictureID. */
  readonly pictureIdBits: 0 | 7 | 15;
  /** Offset of TL0PICIDX, or -1 when L = 0. */
  readonly tl0PicIdxOffset: number;
  /** Offset of the first byte after the descriptor (the VP8 payload header, §4.3). */
  readonly payloadHeaderOffset: number;
}

/** Reads the descriptor of the VP8 payload at `payloadOffset`; undefined when it is truncated. */
export function readVp8Descriptor(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): Vp8Descriptor | undefined {
  const end = payloadOffset + payloadLength;
  let at = payloadOffset;
  if (at >= end) return undefined;
  const first = packet[at++]!;
  let pictureIdOffset = -1;
  let pictureIdBits: Vp8Descriptor['pictureIdBits'] = 0;
  let tl0PicIdxOffset = -1;
  if (first & 0x80) {
    // X: the extension byte says which optional fields follow.
    if (at >= end) return undefined;
    const ext = packet[at++]!;
    if (ext & 0x80) {
      // I: PictureID, 7 or 15 bits (M flag).
      if (at >= end) return undefined;
      pictureIdOffset = at;
      pictureIdBits = packet[at]! & 0x80 ? 15 : 7;
      at += pictureIdBits === 15 ? 2 : 1;
    }
    if (ext & 0x40) tl0PicIdxOffset = at++; // L: TL0PICIDX
    if (ext & 0x30) at++; // T or K: TID/Y/KEYIDX
  }
  if (at > end) return undefined;
  return {
    frameStart: (first & 0x10) !== 0 && (first & 0x07) === 0,
    pictureIdOffset,
    pictureIdBits,
    tl0PicIdxOffset,
    payloadHeaderOffset: at,
  };
}

/**
 * Whether an RTP payload of VP8 starts a keyframe (RFC 7741): the first packet of a frame (S = 1,
 * partition 0) whose VP8 payload header (§4.3) has the inverse key frame flag P = 0. A forwarding
 * unit switches a receiver to another sender or layer only at such a packet, so its decoder never
 * sees a frame that refers to pictures it did not get.
 */
export function isVp8KeyframeStart(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): boolean {
  const d = readVp8Descriptor(packet, payloadOffset, payloadLength);
  if (!d?.frameStart || d.payloadHeaderOffset >= payloadOffset + payloadLength) return false;
  return (packet[d.payloadHeaderOffset]! & 0x01) === 0;
}

/**
 * A seat's VP8 numbering kept continuous across changes of source (see {@link PictureContinuity}).
 * A receiver's decoder orders frames by PictureID (RFC 7741 §4.2: it increases by one per frame) and
 * drops a frame whose number it has already seen: Chromium sends every simulcast layer of one
 * captured frame with the same PictureID, so a switch at layer q's keyframe numbered as the h frame
 * just forwarded was dropped by Firefox, which then decoded q's next frames onto h's pictures and
 * went on reporting h's frame size.
 */
export class Vp8PictureContinuity extends PictureContinuity {
  constructor() {
    super(readVp8Descriptor);
  }
}
