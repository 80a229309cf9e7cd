import { readRtpHeader } from './rtp-header.js';

/**
 * RTX retransmission packets in SSRC-multiplexing mode (RFC 4588 §4): the repaired packet's header
 * (marker, timestamp, CSRCs, header extensions) under the RTX SSRC, RTX payload type and the RTX
 * stream's own sequence number, with the original sequence number (OSN) in the first two bytes of the
 * payload. `wrapRtx` answers a NACK from a history of sent packets; `unwrapRtx` turns a received
 * retransmission back into the packet it repairs.
 */

export interface RtxStreamParameters {
  /** The SSRC of the packet that comes out: the RTX SSRC when wrapping, the media SSRC when unwrapping. */
  readonly ssrc: number;
  /** The RTX payload type when wrapping (its apt is the original's), the media one when unwrapping. */
  readonly payloadType: number;
}

export type RtxUnwrapError =
  /** Not a readable RTP packet. */
  | 'malformed'
  /** No room for the original sequence number: a padding-only packet (bandwidth probe), not a repair. */
  | 'no-original-sequence';

function checkParameters(p: RtxStreamParameters, what: string): void {
  if (!p || !Number.isInteger(p.ssrc) || p.ssrc < 0 || p.ssrc > 0xffffffff) {
    throw new RangeError(`${what}.ssrc must be a 32-bit unsigned integer`);
  }
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) {
    throw new RangeError(`${what}.payloadType must be 0-127`);
  }
}

/** Copies `header` with a new payload type (marker kept), sequence number and SSRC, and no padding bit. */
function writeHeader(
  out: Uint8Array,
  header: Uint8Array,
  payloadType: number,
  sequenceNumber: number,
  ssrc: number,
) {
  out.set(header);
  out[0] = header[0]! & ~0x20; // the padding of the input is not carried over
  out[1] = (header[1]! & 0x80) | payloadType;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(2, sequenceNumber);
  view.setUint32(8, ssrc);
}

/**
 * The RTX packet that retransmits `original` (a plain RTP packet we sent) as the `sequenceNumber`-th
 * packet of the RTX stream. The original must be a well-formed RTP packet (it is our own): misuse
 * throws.
 */
export function wrapRtx(
  original: Uint8Array,
  rtx: RtxStreamParameters & { readonly sequenceNumber: number },
): Uint8Array {
  checkParameters(rtx, 'rtx');
  if (!Number.isInteger(rtx.sequenceNumber) || rtx.sequenceNumber < 0 || rtx.sequenceNumber > 0xffff) {
    throw new RangeError('rtx.sequenceNumber must be 0-65535');
  }
  const layout = readRtpHeader(original);
  if (typeof layout === 'string') throw new RangeError(`original is not an RTP packet (${layout})`);
  const headerLength = layout.payloadOffset;
  const out = new Uint8Array(headerLength + 2 + layout.payloadLength);
  writeHeader(out, original.subarray(0, headerLength), rtx.payloadType, rtx.sequenceNumber, rtx.ssrc);
  out[headerLength] = layout.sequenceNumber >> 8;
  out[headerLength + 1] = layout.sequenceNumber & 0xff;
  out.set(original.subarray(headerLength, headerLength + layout.payloadLength), headerLength + 2);
  return out;
}

/**
 * The packet a received RTX packet repairs, under the media SSRC and payload type, with the original
 * sequence number; or why it carries none. Header extensions and CSRCs are kept.
 */
export function unwrapRtx(rtx: Uint8Array, media: RtxStreamParameters): Uint8Array | RtxUnwrapError {
  checkParameters(media, 'media');
  const layout = readRtpHeader(rtx);
  if (typeof layout === 'string') return 'malformed';
  if (layout.payloadLength < 2) return 'no-original-sequence';
  const headerLength = layout.payloadOffset;
  const osn = (rtx[headerLength]! << 8) | rtx[headerLength + 1]!;
  const out = new Uint8Array(headerLength + layout.payloadLength - 2);
  writeHeader(out, rtx.subarray(0, headerLength), media.payloadType, osn, media.ssrc);
  out.set(rtx.subarray(headerLength + 2, headerLength + layout.payloadLength), headerLength);
  return out;
}
