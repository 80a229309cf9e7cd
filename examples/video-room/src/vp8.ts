/**
 * Whether an RTP payload of VP8 starts a keyframe (RFC 7741): the payload descriptor (§4.2) with
 * S = 1 and partition index 0 marks the first packet of a frame, and in the VP8 payload header that
 * follows (§4.3) the inverse key frame flag P is 0 for a keyframe. A forwarding unit switches a
 * receiver to another sender or layer only at such a packet, so its decoder never sees a frame that
 * refers to pictures it did not get.
 */
export function isVp8KeyframeStart(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): boolean {
  const end = payloadOffset + payloadLength;
  let at = payloadOffset;
  if (at >= end) return false;
  const first = packet[at++]!;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  if (!start || partition !== 0) return false;
  if (first & 0x80) {
    // X: the extension byte says which optional fields follow.
    if (at >= end) return false;
    const ext = packet[at++]!;
    if (ext & 0x80) {
      // I: PictureID, 7 or 15 bits (M flag).
      if (at >= end) return false;
      at += packet[at]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) at++; // L: TL0PICIDX
    if (ext & 0x30) at++; // T or K: TID/Y/KEYIDX
  }
  if (at >= end) return false;
  return (packet[at]! & 0x01) === 0;
}
