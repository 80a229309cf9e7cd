import type { RtpHeaderLayout } from './rtp-header.js';

/**
 * RTP header extension elements (RFC 8285), read in place. One-byte form (profile 0xBEDE, §4.2):
 * each element is ID (4 bits) and L (4 bits, length - 1); ID 0 is a padding byte, ID 15 ends the
 * parse. Two-byte form (profile 0x100 followed by 4 application bits, §4.3): an ID byte and a length
 * byte; ID 0 is a padding byte. Any other profile holds no elements we know how to read.
 */

export const ONE_BYTE_PROFILE = 0xbede;

/** True for 0x1000-0x100F, the two-byte form with its 4 appbits (RFC 8285 §4.3). */
export function isTwoByteProfile(profile: number): boolean {
  return profile >> 4 === 0x100;
}

/**
 * Walks the extension elements of `packet` and calls `visit(id, offset, length)` for each, in order,
 * with the element's data position in `packet`. Returns false when an element runs past the extension
 * block (a malformed packet), true otherwise; nothing is allocated.
 */
export function visitHeaderExtensions(
  packet: Uint8Array,
  layout: RtpHeaderLayout,
  visit: (id: number, offset: number, length: number) => void,
): boolean {
  if (layout.extensionOffset < 0) return true;
  let at = layout.extensionOffset + 4;
  const end = at + layout.extensionLength;
  if (layout.extensionProfile === ONE_BYTE_PROFILE) {
    while (at < end) {
      const b = packet[at]!;
      const id = b >> 4;
      if (id === 0) {
        at++; // padding byte
        continue;
      }
      if (id === 15) return true; // RFC 8285 §4.2: reserved, stop processing
      const length = (b & 0x0f) + 1;
      if (at + 1 + length > end) return false;
      visit(id, at + 1, length);
      at += 1 + length;
    }
    return true;
  }
  if (isTwoByteProfile(layout.extensionProfile)) {
    while (at < end) {
      const id = packet[at]!;
      if (id === 0) {
        at++; // padding byte
        continue;
      }
      if (at + 2 > end) return false;
      const length = packet[at + 1]!;
      if (at + 2 + length > end) return false;
      visit(id, at + 2, length);
      at += 2 + length;
    }
    return true;
  }
  return true;
}

/**
 * The elements of `packet` by id, as views into it (for tests and embedders; the demux uses
 * visitHeaderExtensions and allocates nothing). Undefined when an element is malformed.
 */
export function readHeaderExtensions(
  packet: Uint8Array,
  layout: RtpHeaderLayout,
): Map<number, Uint8Array> | undefined {
  const out = new Map<number, Uint8Array>();
  const ok = visitHeaderExtensions(packet, layout, (id, offset, length) => {
    if (!out.has(id)) out.set(id, packet.subarray(offset, offset + length));
  });
  return ok ? out : undefined;
}
