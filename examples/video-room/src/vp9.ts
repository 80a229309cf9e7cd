import { PictureContinuity, type PictureNumberFields } from './picture-continuity.js';

/**
 * The VP9 payload descriptor (RFC 9628 §4.2) as a forwarding unit reads it: the first byte's flags
 * I (PictureID), P (inter-picture predicted), L (layer indices), F (flexible mode), B (start of a
 * frame); then PictureID (7 or 15 bits), the layer indices and, in non-flexible mode, TL0PICIDX.
 */
export interface Vp9Descriptor extends PictureNumberFields {
  /** B = 1: the first packet of a frame. */
  readonly frameStart: boolean;
  /** P = 1: the frame refers to earlier pictures. */
  readonly interPicturePredicted: boolean;
  /** Spatial layer id (SID), 0 without layer indices. */
  readonly spatialId: number;
}

export function readVp9Descriptor(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): Vp9Descriptor | undefined {
  const end = payloadOffset + payloadLength;
  let at = payloadOffset;
  if (at >= end) return undefined;
  const first = packet[at++]!;
  const flexible = (first & 0x10) !== 0;
  let pictureIdOffset = -1;
  let pictureIdBits: Vp9Descriptor['pictureIdBits'] = 0;
  let tl0PicIdxOffset = -1;
  let spatialId = 0;
  if (first & 0x80) {
    if (at >= end) return undefined;
    pictureIdOffset = at;
    pictureIdBits = packet[at]! & 0x80 ? 15 : 7;
    at += pictureIdBits === 15 ? 2 : 1;
  }
  if (first & 0x20) {
    if (at >= end) return undefined;
    spatialId = (packet[at]! >> 1) & 0x07;
    at++;
    if (!flexible) tl0PicIdxOffset = at++;
  }
  if (at > end) return undefined;
  return {
    frameStart: (first & 0x08) !== 0,
    interPicturePredicted: (first & 0x40) !== 0,
    spatialId,
    pictureIdOffset,
    pictureIdBits,
    tl0PicIdxOffset,
  };
}

/**
 * Whether a VP9 payload starts a keyframe: the first packet of a frame (B = 1) of the base spatial
 * layer that refers to no earlier picture (P = 0), from which a receiver can decode on its own.
 */
export function isVp9KeyframeStart(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): boolean {
  const d = readVp9Descriptor(packet, payloadOffset, payloadLength);
  return d?.frameStart === true && !d.interPicturePredicted && d.spatialId === 0;
}

/** A seat's VP9 PictureID and TL0PICIDX kept continuous across changes of source, as for VP8. */
export class Vp9PictureContinuity extends PictureContinuity {
  constructor() {
    super(readVp9Descriptor);
  }
}
