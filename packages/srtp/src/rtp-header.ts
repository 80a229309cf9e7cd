import { type UnprotectFailureReason, UnprotectReason } from './result.js';

/**
 * Longest packet protect or unprotect handles: 2^16 AES blocks. AES-CM counts blocks in the low 16
 * bits of the counter (RFC 3711 §4.1.1), so a longer payload would reuse keystream; no UDP
 * datagram comes near it.
 */
export const MAX_SRTP_PACKET_LENGTH = 16 * 65536;

/** RTP fixed header length (RFC 3550 §5.1). */
export const RTP_FIXED_HEADER_LENGTH = 12;

/**
 * Length of the RTP header at packet[base, base + length): fixed header, CSRC list and, when the
 * X bit is set, the header extension (RFC 3550 §5.3.1; RFC 8285 one-byte 0xBEDE and two-byte
 * 0x100X profiles share that outer length field). Returns the length, or a failure reason when
 * the header is malformed. Never reads past base + length.
 */
export function rtpHeaderLength(
  packet: Uint8Array,
  base: number,
  length: number,
): number | UnprotectFailureReason {
  if (length < RTP_FIXED_HEADER_LENGTH) return UnprotectReason.truncated;
  const b0 = packet[base]!;
  if (b0 >>> 6 !== 2) return UnprotectReason.badVersion;
  let headerLength = RTP_FIXED_HEADER_LENGTH + 4 * (b0 & 0x0f);
  if (headerLength > length) return UnprotectReason.badCsrcCount;
  if ((b0 & 0x10) !== 0) {
    if (headerLength + 4 > length) return UnprotectReason.badExtensionLength;
    const words = (packet[base + headerLength + 2]! << 8) | packet[base + headerLength + 3]!;
    headerLength += 4 + 4 * words;
    if (headerLength > length) return UnprotectReason.badExtensionLength;
  }
  return headerLength;
}

export function readUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function writeUint32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
