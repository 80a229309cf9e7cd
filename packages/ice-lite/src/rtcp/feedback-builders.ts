import { PSFB_FMT, RTCP_PACKET_TYPE, RTPFB_FMT, type RtcpReportBlock } from './rtcp-packet.js';

/**
 * The RTCP an SFU sends: keyframe requests (PLI, FIR), retransmission requests (NACK), a bandwidth
 * cap (REMB) and receiver reports. Each returns one RTCP packet; concatenate them for a compound
 * (RFC 5506 reduced-size RTCP lets feedback go alone when a=rtcp-rsize was negotiated). Arguments
 * are checked and misuse throws naming the parameter.
 */

function u32(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be a 32-bit unsigned integer`);
  }
  return value;
}

function header(out: Uint8Array, format: number, packetType: number): DataView {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = 0x80 | format;
  out[1] = packetType;
  view.setUint16(2, out.length / 4 - 1);
  return view;
}

/** Picture Loss Indication (RFC 4585 §6.3.1): asks `mediaSsrc`'s sender for a keyframe. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = header(out, PSFB_FMT.pli, RTCP_PACKET_TYPE.payloadFeedback);
  view.setUint32(4, u32(senderSsrc, 'senderSsrc'));
  view.setUint32(8, u32(mediaSsrc, 'mediaSsrc'));
  return out;
}

/**
 * Full Intra Request (RFC 5104 §4.3.1). `sequenceNumber` is the command sequence number, which the
 * sender of FIRs increments for each new request to the same SSRC (§4.3.1.1) and keeps on repeats.
 */
export function buildFir(
  senderSsrc: number,
  entries: readonly { readonly ssrc: number; readonly sequenceNumber: number }[],
): Uint8Array {
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 64) {
    throw new RangeError('entries must hold 1 to 64 FIR entries');
  }
  const out = new Uint8Array(12 + 8 * entries.length);
  const view = header(out, PSFB_FMT.fir, RTCP_PACKET_TYPE.payloadFeedback);
  view.setUint32(4, u32(senderSsrc, 'senderSsrc'));
  view.setUint32(8, 0); // §4.3.1.2: media source SSRC unused, set to 0
  entries.forEach((e, i) => {
    view.setUint32(12 + 8 * i, u32(e.ssrc, `entries[${i}].ssrc`));
    if (!Number.isInteger(e.sequenceNumber) || e.sequenceNumber < 0 || e.sequenceNumber > 255) {
      throw new RangeError(`entries[${i}].sequenceNumber must be 0-255`);
    }
    out[16 + 8 * i] = e.sequenceNumber;
  });
  return out;
}

/**
 * Generic NACK (RFC 4585 §6.2.1) for the lost `sequenceNumbers` of `mediaSsrc`: packed into PID +
 * 16-bit BLP items, in order after the first (modulo 2^16, so a run across 65535 -> 0 packs too).
 */
export function buildNack(
  senderSsrc: number,
  mediaSsrc: number,
  sequenceNumbers: readonly number[],
): Uint8Array {
  if (!Array.isArray(sequenceNumbers) || sequenceNumbers.length === 0) {
    throw new RangeError('sequenceNumbers must be a non-empty array');
  }
  for (const [i, s] of sequenceNumbers.entries()) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffff)
      throw new RangeError(`sequenceNumbers[${i}] must be 0-65535`);
  }
  const first = sequenceNumbers[0]!;
  const sorted = [...new Set(sequenceNumbers)].sort(
    (a, b) => ((a - first) & 0xffff) - ((b - first) & 0xffff),
  );
  const items: { pid: number; blp: number }[] = [];
  for (const s of sorted) {
    const last = items[items.length - 1];
    const distance = last === undefined ? 0 : (s - last.pid) & 0xffff;
    if (last !== undefined && distance >= 1 && distance <= 16) last.blp |= 1 << (distance - 1);
    else items.push({ pid: s, blp: 0 });
  }
  if (items.length > 256) throw new RangeError('sequenceNumbers need more than 256 NACK items');
  const out = new Uint8Array(12 + 4 * items.length);
  const view = header(out, RTPFB_FMT.nack, RTCP_PACKET_TYPE.transportFeedback);
  view.setUint32(4, u32(senderSsrc, 'senderSsrc'));
  view.setUint32(8, u32(mediaSsrc, 'mediaSsrc'));
  items.forEach((item, i) => {
    view.setUint16(12 + 4 * i, item.pid);
    view.setUint16(14 + 4 * i, item.blp);
  });
  return out;
}

/**
 * Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb §2.2): `bitrate` bits/s as an
 * 18-bit mantissa and 6-bit exponent, rounded down; `ssrcs` are the streams it applies to.
 */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: readonly number[]): Uint8Array {
  if (!Number.isFinite(bitrate) || bitrate < 0) throw new RangeError('bitrate must be a non-negative number');
  if (!Array.isArray(ssrcs) || ssrcs.length > 255) throw new RangeError('ssrcs must hold 0 to 255 SSRCs');
  let exp = 0;
  let mantissa = Math.floor(bitrate);
  while (mantissa > 0x3ffff) {
    exp++;
    mantissa = Math.floor(bitrate / 2 ** exp);
  }
  if (exp > 63) throw new RangeError('bitrate is beyond what REMB can express');
  const out = new Uint8Array(20 + 4 * ssrcs.length);
  const view = header(out, PSFB_FMT.application, RTCP_PACKET_TYPE.payloadFeedback);
  view.setUint32(4, u32(senderSsrc, 'senderSsrc'));
  view.setUint32(8, 0); // the media source SSRC is unused: the SSRCs follow
  out.set([0x52, 0x45, 0x4d, 0x42], 12); // 'REMB'
  out[16] = ssrcs.length;
  out[17] = (exp << 2) | (mantissa >> 16);
  view.setUint16(18, mantissa & 0xffff);
  ssrcs.forEach((s, i) => {
    view.setUint32(20 + 4 * i, u32(s, `ssrcs[${i}]`));
  });
  return out;
}

/** Receiver Report (RFC 3550 §6.4.2) from `ssrc` with up to 31 report blocks. */
export function buildReceiverReport(ssrc: number, reports: readonly RtcpReportBlock[]): Uint8Array {
  if (!Array.isArray(reports) || reports.length > 31)
    throw new RangeError('reports must hold 0 to 31 report blocks');
  const out = new Uint8Array(8 + 24 * reports.length);
  const view = header(out, reports.length, RTCP_PACKET_TYPE.receiverReport);
  view.setUint32(4, u32(ssrc, 'ssrc'));
  reports.forEach((r, i) => {
    const o = 8 + 24 * i;
    const name = `reports[${i}]`;
    view.setUint32(o, u32(r.ssrc, `${name}.ssrc`));
    if (!Number.isInteger(r.fractionLost) || r.fractionLost < 0 || r.fractionLost > 255) {
      throw new RangeError(`${name}.fractionLost must be 0-255`);
    }
    if (!Number.isInteger(r.cumulativeLost) || r.cumulativeLost < -0x800000 || r.cumulativeLost > 0x7fffff) {
      throw new RangeError(`${name}.cumulativeLost must be a signed 24-bit integer`);
    }
    view.setUint32(o + 4, ((r.fractionLost << 24) | (r.cumulativeLost & 0xffffff)) >>> 0);
    view.setUint32(o + 8, u32(r.highestSequence, `${name}.highestSequence`));
    view.setUint32(o + 12, u32(r.jitter, `${name}.jitter`));
    view.setUint32(o + 16, u32(r.lastSenderReport, `${name}.lastSenderReport`));
    view.setUint32(o + 20, u32(r.delaySinceLastSenderReport, `${name}.delaySinceLastSenderReport`));
  });
  return out;
}
