/** What a datagram on a multiplexed WebRTC port is, by its first byte (RFC 7983 §7, RFC 5761 §4). */
export type DatagramKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'unknown';

export function classifyDatagram(bytes: Uint8Array): DatagramKind {
  if (bytes.length === 0) return 'unknown';
  const b = bytes[0]!;
  if (b <= 3) return 'stun';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 128 && b <= 191) {
    // RFC 5761 §4: RTCP packet types 192..223 occupy the RTP marker+payload-type byte's range that
    // RTP payload types avoid when RTP and RTCP share a port.
    if (bytes.length < 2) return 'unknown';
    const pt = bytes[1]!;
    return pt >= 192 && pt <= 223 ? 'rtcp' : 'rtp';
  }
  // 4..19 (ZRTP / reserved), 64..127 (TURN channels, QUIC), 192..255: not ours.
  return 'unknown';
}
