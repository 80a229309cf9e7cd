import type { BundleDemux } from '../rtp/bundle-demux.js';
import type { SendStreamCheck } from '../rtp/send-streams.js';
import type { RtcpPacket } from './rtcp-packet.js';

/**
 * Which stream of a BUNDLE an RTCP packet is about. Feedback and report blocks (NACK, PLI, FIR,
 * REMB, transport-cc, the blocks of SR and RR) are about streams we send: their media SSRC is one our
 * answer declared. A sender's own report, SDES and BYE are about the peer's streams, which the demux
 * bound from a=ssrc or learned from MID/RID. A packet about several SSRCs (FIR entries, REMB lists,
 * report blocks, SR sender and blocks) gives one route per SSRC.
 */
export interface RtcpRoute {
  readonly packet: RtcpPacket;
  readonly ssrc: number;
  /** 'ours': a stream we send (SendStreamCheck); 'theirs': a stream we receive (BundleDemux). */
  readonly stream: 'ours' | 'theirs';
  /** undefined when the SSRC is not one of that side's known streams. */
  readonly mid: string | undefined;
  /** The simulcast layer of the peer's stream; undefined for ours. */
  readonly rid: string | undefined;
  readonly isRtx: boolean | undefined;
}

export function routeRtcp(
  packets: readonly RtcpPacket[],
  receive: BundleDemux,
  send: SendStreamCheck,
): RtcpRoute[] {
  const routes: RtcpRoute[] = [];
  const ours = (packet: RtcpPacket, ssrc: number) => {
    const s = send.lookupSsrc(ssrc);
    routes.push({ packet, ssrc, stream: 'ours', mid: s?.mid, rid: undefined, isRtx: s?.isRtx });
  };
  const theirs = (packet: RtcpPacket, ssrc: number) => {
    const s = receive.lookupSsrc(ssrc);
    routes.push({ packet, ssrc, stream: 'theirs', mid: s?.mid, rid: s?.rid, isRtx: s?.isRtx });
  };
  for (const p of packets) {
    switch (p.type) {
      case 'sr':
        theirs(p, p.ssrc);
        for (const r of p.reports) ours(p, r.ssrc);
        break;
      case 'rr':
        for (const r of p.reports) ours(p, r.ssrc);
        break;
      case 'sdes':
        for (const c of p.chunks) theirs(p, c.ssrc);
        break;
      case 'bye':
        for (const s of p.ssrcs) theirs(p, s);
        break;
      case 'nack':
      case 'pli':
      case 'transport-cc':
        ours(p, p.mediaSsrc);
        break;
      case 'fir':
        for (const e of p.entries) ours(p, e.ssrc);
        break;
      case 'remb':
        for (const s of p.ssrcs) ours(p, s);
        break;
      case 'other':
        if (p.mediaSsrc !== undefined) ours(p, p.mediaSsrc);
        else if (p.ssrc !== undefined) theirs(p, p.ssrc);
        break;
    }
  }
  return routes;
}
