/**
 * Where the parts of an RTP packet are (RFC 3550 §5.1, header extension RFC 8285 §4), read in place.
 * Nothing is copied: the demux and the send check read fields straight from the packet.
 */

/** Why a datagram is not an RTP packet we can read. */
export type RtpHeaderError =
  | 'too-short'
  | 'not-version-2'
  /** CSRC list or header extension runs past the end. */
  | 'bad-header-length'
  /** Padding count of zero or larger than the payload (RFC 3550 §5.1). */
  | 'bad-padding';

/** The fixed header fields and the layout of one RTP packet. */
export interface RtpHeaderLayout {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  /** Offset of the header extension's 4-byte profile/length word, or -1 when the X bit is clear. */
  readonly extensionOffset: number;
  /** The extension's profile ("defined by profile"): 0xBEDE one-byte, 0x100x two-byte (RFC 8285 §4.2/§4.3). */
  readonly extensionProfile: number;
  /** Bytes of extension data after the profile/length word. */
  readonly extensionLength: number;
  readonly payloadOffset: number;
  /** Payload bytes, without padding. */
  readonly payloadLength: number;
}

export function readRtpSsrc(packet: Uint8Array): number {
  return ((packet[8]! << 24) | (packet[9]! << 16) | (packet[10]! << 8) | packet[11]!) >>> 0;
}

/** Reads the layout of `packet`, or says why it is not RTP. Never reads out of bounds. */
export function readRtpHeader(packet: Uint8Array): RtpHeaderLayout | RtpHeaderError {
  const length = packet.length;
  if (length < 12) return 'too-short';
  const b0 = packet[0]!;
  if (b0 >> 6 !== 2) return 'not-version-2';
  const csrcCount = b0 & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (offset > length) return 'bad-header-length';
  let extensionOffset = -1;
  let extensionProfile = 0;
  let extensionLength = 0;
  if (b0 & 0x10) {
    if (offset + 4 > length) return 'bad-header-length';
    extensionOffset = offset;
    extensionProfile = (packet[offset]! << 8) | packet[offset + 1]!;
    extensionLength = ((packet[offset + 2]! << 8) | packet[offset + 3]!) * 4;
    offset += 4 + extensionLength;
    if (offset > length) return 'bad-header-length';
  }
  let payloadLength = length - offset;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding, itself included.
    const padding = packet[length - 1]!;
    if (padding === 0 || padding > payloadLength) return 'bad-padding';
    payloadLength -= padding;
  }
  const b1 = packet[1]!;
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: (packet[2]! << 8) | packet[3]!,
    timestamp: ((packet[4]! << 24) | (packet[5]! << 16) | (packet[6]! << 8) | packet[7]!) >>> 0,
    ssrc: readRtpSsrc(packet),
    extensionOffset,
    extensionProfile,
    extensionLength,
    payloadOffset: offset,
    payloadLength,
  };
}
