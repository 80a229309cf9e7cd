import {
  PSFB_FMT,
  RTCP_PACKET_TYPE,
  RTPFB_FMT,
  type RtcpPacket,
  type RtcpReportBlock,
} from './rtcp-packet.js';

/**
 * Walks a compound RTCP packet (RFC 3550 §6.1, reduced-size RFC 5506) and parses each packet enough
 * to route it. Bounded: it never reads past the datagram, stops after {@link MAX_RTCP_PACKETS}
 * packets, and caps the entries of any list; it never throws. Packets that parsed before a malformed
 * one are returned with the reason the walk stopped.
 */

export type RtcpParseError =
  /** Shorter than one RTCP header. */
  | 'too-short'
  /** A packet's version field is not 2. */
  | 'bad-version'
  /** A packet's length field runs past the datagram. */
  | 'bad-length'
  /** Padding in a packet that is not the last, or a padding count that does not fit (RFC 3550 §6.4.1). */
  | 'bad-padding'
  /** The body is shorter than its type and count require. */
  | 'truncated'
  /** More packets or list entries than any sender needs. */
  | 'too-many-entries';

export interface RtcpCompound {
  readonly packets: readonly RtcpPacket[];
  /** Why the walk stopped early; undefined when the whole datagram was read. */
  readonly error: RtcpParseError | undefined;
  /** Index of the packet the error is about. */
  readonly errorIndex: number;
}

/** Bounds of one compound packet. */
export const MAX_RTCP_PACKETS = 64;
const MAX_NACK_ITEMS = 256;
const MAX_FIR_ENTRIES = 64;

const decoder = new TextDecoder('utf-8', { fatal: false });
const REMB_ID = [0x52, 0x45, 0x4d, 0x42]; // 'REMB'

class Fields {
  constructor(
    readonly b: Uint8Array,
    readonly end: number,
  ) {}
  u8(at: number): number {
    return this.b[at]!;
  }
  u16(at: number): number {
    return (this.b[at]! << 8) | this.b[at + 1]!;
  }
  u24(at: number): number {
    return (this.b[at]! << 16) | (this.b[at + 1]! << 8) | this.b[at + 2]!;
  }
  u32(at: number): number {
    return ((this.b[at]! << 24) | (this.b[at + 1]! << 16) | (this.b[at + 2]! << 8) | this.b[at + 3]!) >>> 0;
  }
}

type Parsed = RtcpPacket | RtcpParseError;

export function parseRtcpCompound(datagram: Uint8Array): RtcpCompound {
  const packets: RtcpPacket[] = [];
  const total = datagram.length;
  if (total < 4) return { packets, error: 'too-short', errorIndex: 0 };
  let at = 0;
  while (at < total) {
    const index = packets.length;
    const stop = (error: RtcpParseError): RtcpCompound => ({ packets, error, errorIndex: index });
    if (index >= MAX_RTCP_PACKETS) return stop('too-many-entries');
    if (at + 4 > total) return stop('bad-length');
    const b0 = datagram[at]!;
    if (b0 >> 6 !== 2) return stop('bad-version');
    const size = (((datagram[at + 2]! << 8) | datagram[at + 3]!) + 1) * 4;
    const next = at + size;
    if (next > total) return stop('bad-length');
    let end = next;
    if (b0 & 0x20) {
      // RFC 3550 §6.4.1: only the last packet of a compound may be padded.
      if (next !== total) return stop('bad-padding');
      const padding = datagram[next - 1]!;
      if (padding === 0 || padding > size - 4) return stop('bad-padding');
      end = next - padding;
    }
    const parsed = parsePacket(new Fields(datagram, end), at, b0 & 0x1f, datagram[at + 1]!);
    if (typeof parsed === 'string') return stop(parsed);
    packets.push(parsed);
    at = next;
  }
  return { packets, error: undefined, errorIndex: -1 };
}

function parsePacket(f: Fields, at: number, count: number, packetType: number): Parsed {
  const body = at + 4;
  const available = f.end - body;
  switch (packetType) {
    case RTCP_PACKET_TYPE.senderReport: {
      if (available < 24 + 24 * count) return 'truncated';
      return {
        type: 'sr',
        ssrc: f.u32(body),
        ntpSeconds: f.u32(body + 4),
        ntpFraction: f.u32(body + 8),
        rtpTimestamp: f.u32(body + 12),
        packetCount: f.u32(body + 16),
        octetCount: f.u32(body + 20),
        reports: reportBlocks(f, body + 24, count),
      };
    }
    case RTCP_PACKET_TYPE.receiverReport: {
      if (available < 4 + 24 * count) return 'truncated';
      return { type: 'rr', ssrc: f.u32(body), reports: reportBlocks(f, body + 4, count) };
    }
    case RTCP_PACKET_TYPE.sourceDescription:
      return sourceDescription(f, body, count);
    case RTCP_PACKET_TYPE.goodbye: {
      if (available < 4 * count) return 'truncated';
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(f.u32(body + 4 * i));
      let reason: string | undefined;
      const r = body + 4 * count;
      if (r < f.end) {
        const length = f.u8(r);
        if (r + 1 + length > f.end) return 'truncated';
        reason = decoder.decode(f.b.subarray(r + 1, r + 1 + length));
      }
      return { type: 'bye', ssrcs, reason };
    }
    case RTCP_PACKET_TYPE.transportFeedback:
    case RTCP_PACKET_TYPE.payloadFeedback: {
      if (available < 8) return 'truncated';
      const senderSsrc = f.u32(body);
      const mediaSsrc = f.u32(body + 4);
      const fci = body + 8;
      if (packetType === RTCP_PACKET_TYPE.transportFeedback) {
        if (count === RTPFB_FMT.nack) return nack(f, fci, senderSsrc, mediaSsrc);
        if (count === RTPFB_FMT.transportCc) {
          if (f.end - fci < 8) return 'truncated';
          const ref = f.u24(fci + 4);
          return {
            type: 'transport-cc',
            senderSsrc,
            mediaSsrc,
            baseSequenceNumber: f.u16(fci),
            packetStatusCount: f.u16(fci + 2),
            referenceTime: ref & 0x800000 ? ref - 0x1000000 : ref,
            feedbackPacketCount: f.u8(fci + 7),
          };
        }
      } else {
        if (count === PSFB_FMT.pli) return { type: 'pli', senderSsrc, mediaSsrc };
        if (count === PSFB_FMT.fir) {
          const n = Math.floor((f.end - fci) / 8);
          if (n === 0) return 'truncated';
          if (n > MAX_FIR_ENTRIES) return 'too-many-entries';
          const entries: { ssrc: number; sequenceNumber: number }[] = [];
          for (let i = 0; i < n; i++)
            entries.push({ ssrc: f.u32(fci + 8 * i), sequenceNumber: f.u8(fci + 8 * i + 4) });
          return { type: 'fir', senderSsrc, mediaSsrc, entries };
        }
        if (
          count === PSFB_FMT.application &&
          f.end - fci >= 4 &&
          REMB_ID.every((c, i) => f.u8(fci + i) === c)
        ) {
          return remb(f, fci, senderSsrc);
        }
      }
      return { type: 'other', packetType, format: count, ssrc: senderSsrc, mediaSsrc };
    }
    default:
      return {
        type: 'other',
        packetType,
        format: count,
        ssrc: available >= 4 ? f.u32(body) : undefined,
        mediaSsrc: undefined,
      };
  }
}

function reportBlocks(f: Fields, at: number, count: number): RtcpReportBlock[] {
  const out: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + 24 * i;
    const lost = f.u24(o + 5);
    out.push({
      ssrc: f.u32(o),
      fractionLost: f.u8(o + 4),
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: f.u32(o + 8),
      jitter: f.u32(o + 12),
      lastSenderReport: f.u32(o + 16),
      delaySinceLastSenderReport: f.u32(o + 20),
    });
  }
  return out;
}

/** RFC 3550 §6.5: chunks of SSRC + items, each chunk ended by a zero item and padded to 32 bits. */
function sourceDescription(f: Fields, body: number, count: number): Parsed {
  const chunks: { ssrc: number; cname: string | undefined }[] = [];
  let at = body;
  for (let c = 0; c < count; c++) {
    if (at + 4 > f.end) return 'truncated';
    const ssrc = f.u32(at);
    at += 4;
    let cname: string | undefined;
    for (;;) {
      if (at >= f.end) return 'truncated';
      const itemType = f.u8(at);
      if (itemType === 0) {
        at = (at + 4) & ~3; // the end item and the padding to the next 32-bit boundary
        break;
      }
      if (at + 2 > f.end) return 'truncated';
      const length = f.u8(at + 1);
      if (at + 2 + length > f.end) return 'truncated';
      if (itemType === 1 && cname === undefined)
        cname = decoder.decode(f.b.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    chunks.push({ ssrc, cname });
  }
  return { type: 'sdes', chunks };
}

/** RFC 4585 §6.2.1: PID is lost, and bit i of BLP says PID + i + 1 is lost too. */
function nack(f: Fields, fci: number, senderSsrc: number, mediaSsrc: number): Parsed {
  const n = Math.floor((f.end - fci) / 4);
  if (n === 0) return 'truncated';
  if (n > MAX_NACK_ITEMS) return 'too-many-entries';
  const sequenceNumbers: number[] = [];
  for (let i = 0; i < n; i++) {
    const pid = f.u16(fci + 4 * i);
    const blp = f.u16(fci + 4 * i + 2);
    sequenceNumbers.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) sequenceNumbers.push((pid + bit + 1) & 0xffff);
  }
  return { type: 'nack', senderSsrc, mediaSsrc, sequenceNumbers };
}

/** draft-alvestrand-rmcat-remb §2.2: 'REMB', Num SSRC, BR Exp (6 bits), BR Mantissa (18 bits), SSRCs. */
function remb(f: Fields, fci: number, senderSsrc: number): Parsed {
  if (f.end - fci < 8) return 'truncated';
  const count = f.u8(fci + 4);
  const exp = f.u8(fci + 5) >> 2;
  const mantissa = ((f.u8(fci + 5) & 0x03) << 16) | f.u16(fci + 6);
  if (f.end - fci < 8 + 4 * count) return 'truncated';
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(f.u32(fci + 8 + 4 * i));
  return { type: 'remb', senderSsrc, bitrate: mantissa * 2 ** exp, ssrcs };
}

/**
 * The media SSRCs a packet is about, for routing feedback to the stream it concerns: report blocks'
 * sources, a NACK's/PLI's/transport-cc's media SSRC, FIR's entries, REMB's list, BYE's sources.
 */
export function rtcpMediaSsrcs(packet: RtcpPacket): number[] {
  switch (packet.type) {
    case 'sr':
    case 'rr':
      return packet.reports.map((r) => r.ssrc);
    case 'nack':
    case 'pli':
    case 'transport-cc':
      return [packet.mediaSsrc];
    case 'fir':
      return packet.entries.map((e) => e.ssrc);
    case 'remb':
      return [...packet.ssrcs];
    case 'bye':
      return [...packet.ssrcs];
    case 'sdes':
      return packet.chunks.map((c) => c.ssrc);
    case 'other':
      return packet.mediaSsrc === undefined ? [] : [packet.mediaSsrc];
  }
}
