/**
 * H.264 over RTP (RFC 6184): whether a payload starts a keyframe a receiver can decode from. Each
 * simulcast layer has its own sequence parameter set (its size), so a forwarding unit switches at the
 * packet carrying the SPS (NAL unit type 7) that precedes an IDR picture, never at the IDR alone;
 * encoders send SPS and PPS before every IDR, as a single NAL unit, in a STAP-A (§5.7.1) or, when
 * large, in an FU-A (§5.8).
 */
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

export function isH264KeyframeStart(
  packet: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
): boolean {
  const end = payloadOffset + payloadLength;
  if (payloadOffset >= end) return false;
  const type = packet[payloadOffset]! & 0x1f;
  if (type === NAL_SPS) return true;
  if (type === STAP_A) {
    // Aggregated NAL units, each after its 16-bit size.
    let at = payloadOffset + 1;
    while (at + 2 < end) {
      const size = (packet[at]! << 8) | packet[at + 1]!;
      if (size === 0 || at + 2 + size > end) return false;
      if ((packet[at + 2]! & 0x1f) === NAL_SPS) return true;
      at += 2 + size;
    }
    return false;
  }
  if (type === FU_A) {
    // FU header: S (start of the fragmented unit) and the unit's own type.
    if (payloadOffset + 1 >= end) return false;
    const header = packet[payloadOffset + 1]!;
    return (header & 0x80) !== 0 && (header & 0x1f) === NAL_SPS;
  }
  return false;
}
