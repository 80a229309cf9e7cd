import { buildReceiverReport } from './feedback-builders.js';
import type { RtcpPacket, RtcpReportBlock } from './rtcp-packet.js';

/**
 * What a receiver of one RTP stream reports about it in RTCP receiver reports (RFC 3550 §6.4.1):
 * the extended highest sequence number, packets lost (cumulative and since the last report),
 * interarrival jitter, and the last sender report with the delay since it, from which the sender
 * computes the round-trip time. Sans-IO: the embedder feeds each packet with its arrival time and
 * each SR of the stream, and asks for a report block when it sends an RR.
 *
 * A browser's send-side bandwidth estimate lowers its rate on the loss reported here; the round trip
 * from LSR/DLSR feeds its estimate too.
 */

/** A jump beyond this many numbers ahead is not taken as the stream going on (RFC 3550 §A.1). */
const MAX_DROPOUT = 3000;
/** Numbers at most this far behind are taken as reordered or duplicated packets (§A.1). */
const MAX_MISORDER = 100;
const SEQ_MOD = 0x10000;

export class ReceptionStatistics {
  readonly ssrc: number;
  readonly clockRate: number;
  /** Highest sequence number seen, and how many times the 16-bit number wrapped (in units of 2^16). */
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  /** After a large jump: the number that would confirm the stream restarted there (§A.1). */
  private badSeq: number | undefined;
  private started = false;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Interarrival jitter in timestamp units, kept unrounded (§A.8). */
  private jitter = 0;
  private lastTransit: number | undefined;
  private lastSr: { middle: number; arrivalMs: number } | undefined;

  constructor(ssrc: number, clockRate: number) {
    if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff)
      throw new RangeError('ssrc must be a 32-bit unsigned integer');
    if (!Number.isInteger(clockRate) || clockRate <= 0)
      throw new RangeError('clockRate must be a positive integer');
    this.ssrc = ssrc;
    this.clockRate = clockRate;
  }

  /** Packets received (duplicates included, as RFC 3550 §A.3 counts them). */
  get packetsReceived(): number {
    return this.received;
  }

  /** The extended highest sequence number received (cycles × 2^16 + highest). */
  get extendedHighestSequence(): number {
    return this.cycles + this.maxSeq;
  }

  /**
   * One packet of the stream arrived at `arrivalMs` (any monotonic millisecond clock) with
   * `sequenceNumber` and `rtpTimestamp` from its header. The sequence rules are those of RFC 3550
   * §A.1 without the probation (SRTP has authenticated the source).
   */
  packetReceived(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): void {
    const seq = sequenceNumber & 0xffff;
    if (!this.started) {
      this.restart(seq);
      this.started = true;
    } else {
      const delta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
      if (delta < MAX_DROPOUT) {
        // In order, with a permissible gap; a smaller number than the highest means a wrap.
        if (seq < this.maxSeq) this.cycles += SEQ_MOD;
        this.maxSeq = seq;
      } else if (delta <= SEQ_MOD - MAX_MISORDER) {
        // A very large jump: the sender may have restarted. Two packets in a row confirm it.
        if (seq === this.badSeq) {
          this.restart(seq);
        } else {
          this.badSeq = (seq + 1) % SEQ_MOD;
          return;
        }
      }
      // Otherwise a duplicate or a reordered packet: counted as received.
    }
    this.received++;
    // §A.8: transit time in timestamp units; its change between packets feeds the jitter.
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - (rtpTimestamp >>> 0);
    if (this.lastTransit !== undefined) {
      let d = Math.abs(transit - this.lastTransit);
      // A timestamp wrap shows as a transit change of about 2^32: measure it the short way round.
      if (d > 0x80000000) d = Math.abs(d - 0x100000000);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  /** An SR of this stream arrived: its NTP time is echoed as LSR in our next report (§6.4.1). */
  senderReportReceived(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    const middle = (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
    this.lastSr = { middle, arrivalMs };
  }

  /**
   * The report block for an RR sent at `nowMs`, or undefined before the first packet. Fraction lost
   * covers the packets since the previous call (§A.3), so call it once per report sent.
   */
  reportBlock(nowMs: number): RtcpReportBlock | undefined {
    if (!this.started) return undefined;
    const extendedMax = this.cycles + this.maxSeq;
    const expected = extendedMax - this.baseSeq + 1;
    const lost = expected - this.received;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval <= 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    // §6.4.1: cumulative loss is a signed 24-bit value, clamped (duplicates can make it negative).
    const cumulativeLost = Math.max(-0x800000, Math.min(0x7fffff, lost));
    const sinceSr = this.lastSr === undefined ? 0 : Math.max(0, nowMs - this.lastSr.arrivalMs);
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost,
      highestSequence: extendedMax >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.jitter)),
      lastSenderReport: this.lastSr?.middle ?? 0,
      // DLSR in units of 1/65536 s; 0 while no SR has come (§6.4.1).
      delaySinceLastSenderReport:
        this.lastSr === undefined ? 0 : Math.min(0xffffffff, Math.floor((sinceSr * 65536) / 1000)),
    };
  }

  private restart(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.badSeq = undefined;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }
}

/** The fields of `onRtp`'s info that reception statistics read. */
export interface ReceivedRtpPacket {
  readonly ssrc: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly isRtx: boolean;
}

/**
 * The receiver reports of one transport: a {@link ReceptionStatistics} per SSRC received, fed from
 * `onRtp` and from the SRs in `onRtcp`, and the RR packets that report them (RFC 3550 §6.4.2: at
 * most 31 blocks each, more streams in further RRs of the same compound). RTX packets are left out:
 * they repair a stream, and counting them would hide its loss. At most `maxStreams` SSRCs are kept,
 * the first ones seen, so a peer cannot grow it without bound.
 */
export class ReceiverReports {
  private readonly streams = new Map<number, ReceptionStatistics>();
  private readonly maxStreams: number;
  /** Streams not counted because `maxStreams` were kept already. */
  streamsRefused = 0;

  constructor(options: { readonly maxStreams?: number } = {}) {
    const max = options.maxStreams ?? 32;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError('options.maxStreams must be a positive integer');
    this.maxStreams = max;
  }

  /** Counts one received packet; `clockRate` is its codec's (the negotiated section says). */
  packetReceived(packet: ReceivedRtpPacket, clockRate: number, arrivalMs: number): void {
    if (packet.isRtx) return;
    let stats = this.streams.get(packet.ssrc);
    if (!stats) {
      if (this.streams.size >= this.maxStreams) {
        this.streamsRefused++;
        return;
      }
      stats = new ReceptionStatistics(packet.ssrc, clockRate);
      this.streams.set(packet.ssrc, stats);
    }
    stats.packetReceived(packet.sequenceNumber, packet.timestamp, arrivalMs);
  }

  /** Takes the SRs of a received compound, for streams we count. */
  rtcpReceived(packets: readonly RtcpPacket[], arrivalMs: number): void {
    for (const p of packets) {
      if (p.type === 'sr')
        this.streams.get(p.ssrc)?.senderReportReceived(p.ntpSeconds, p.ntpFraction, arrivalMs);
    }
  }

  /** Stops reporting `ssrc` (its sender left or said BYE). */
  forget(ssrc: number): boolean {
    return this.streams.delete(ssrc);
  }

  /** The report blocks for RRs sent at `nowMs`, one per stream that has packets. */
  reportBlocks(nowMs: number): RtcpReportBlock[] {
    const blocks: RtcpReportBlock[] = [];
    for (const stats of this.streams.values()) {
      const block = stats.reportBlock(nowMs);
      if (block) blocks.push(block);
    }
    return blocks;
  }
}

/**
 * RR packets from `senderSsrc` carrying `blocks`, 31 per packet, concatenated for one compound; one
 * empty RR when there are none (a compound starts with an SR or RR, RFC 3550 §6.1).
 */
export function buildReceiverReports(senderSsrc: number, blocks: readonly RtcpReportBlock[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i === 0 || i < blocks.length; i += 31) {
    parts.push(buildReceiverReport(senderSsrc, blocks.slice(i, i + 31)));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
