import type { NegotiatedMediaSection } from '../sdp/media-answer.js';
import { type MediaKind, RTP_HEADER_EXTENSION_URIS } from '../sdp/media-section.js';
import { visitHeaderExtensions } from './header-extension.js';
import { readRtpHeader } from './rtp-header.js';

/**
 * Which m-section of a BUNDLE group an incoming RTP packet belongs to (RFC 9143 §9.2): by the MID
 * header extension when the packet has one, else by an SSRC already bound to a section (signalled
 * with a=ssrc, or learned from an earlier packet's MID or RID), else by a payload type that only one
 * receiving section has. Simulcast layers without a=ssrc are told apart by the RID extension
 * (RFC 8852), their RTX by repaired-RID. The packet is read in place; nothing is copied.
 */

/** What the demux found out about one packet: valid as long as the caller keeps it. */
export interface RtpPacketInfo {
  readonly mid: string | undefined;
  /** Index of the m-section in the offer/answer. */
  readonly sectionIndex: number;
  readonly kind: MediaKind;
  /** The simulcast layer (RFC 8852 rtp-stream-id), or for RTX the layer it repairs (repaired-rtp-stream-id). */
  readonly rid: string | undefined;
  readonly ssrc: number;
  readonly payloadType: number;
  /** An RTX packet (RFC 4588): the payload type is an RTX one of the section. */
  readonly isRtx: boolean;
  /** For RTX, the payload type it repairs (the rtx codec's apt); for media, the payload type itself. */
  readonly mediaPayloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /** The rule that matched (RFC 9143 §9.2 order). */
  readonly matchedBy: 'mid' | 'ssrc' | 'payload-type';
}

/** Why a packet was not delivered. Each has a counter in {@link BundleDemuxStats}. */
export type RtpDemuxDrop =
  /** Not a readable RTP packet (short, not version 2, lengths past the end, bad padding). */
  | 'malformed'
  /** A header extension element runs past the extension block. */
  | 'bad-header-extension'
  /** The MID extension names no carried m-section (RFC 9143 §9.2: discarded). */
  | 'unknown-mid'
  /** No MID, SSRC not bound, and no receiving section has the payload type. */
  | 'unknown-payload-type'
  /** No MID, SSRC not bound, and more than one receiving section has the payload type. */
  | 'ambiguous-payload-type'
  /** The section it matched does not receive (answered sendonly or inactive). */
  | 'section-not-receiving'
  /** The section it matched did not negotiate that payload type. */
  | 'payload-type-not-negotiated'
  /** A RID (or repaired RID) that is not one of the section's simulcast rids. */
  | 'unknown-rid';

export type BundleDemuxStats = Record<RtpDemuxDrop, number> & {
  delivered: number;
  /** SSRCs not learned because the table was full (the packet was still delivered). */
  ssrcTableFull: number;
  /** Bound SSRCs, signalled and learned. */
  boundSsrcs: number;
};

export interface BundleDemuxOptions {
  /** Most SSRCs bound at once, signalled ones included. Default 256. */
  readonly maxSsrcs?: number;
}

interface SectionEntry {
  readonly section: NegotiatedMediaSection;
  readonly kind: MediaKind;
  readonly receives: boolean;
  readonly midBytes: Uint8Array | undefined;
  /** payload type -> apt for RTX, -1 for media; absent when not negotiated. */
  readonly payloadTypes: Map<number, number>;
  readonly rids: readonly { readonly rid: string; readonly bytes: Uint8Array }[];
}

interface SsrcBinding {
  entry: SectionEntry;
  rid: string | undefined;
  /** From the FID group of the offer, or the payload type of the latest packet; undefined until known. */
  rtx: boolean | undefined;
}

/** A stream of the peer as the demux knows it: signalled (a=ssrc) or learned from its packets. */
export interface RemoteRtpStream {
  readonly ssrc: number;
  readonly mid: string | undefined;
  readonly sectionIndex: number;
  readonly rid: string | undefined;
  readonly isRtx: boolean | undefined;
}

const encoder = new TextEncoder();

function sameBytes(packet: Uint8Array, offset: number, length: number, value: Uint8Array): boolean {
  if (length !== value.length) return false;
  for (let i = 0; i < length; i++) if (packet[offset + i] !== value[i]) return false;
  return true;
}

export class BundleDemux {
  private readonly maxSsrcs: number;
  private entries: SectionEntry[] = [];
  private readonly bindings = new Map<number, SsrcBinding>();
  /** payload type -> the one receiving section that has it, or null when several do. */
  private byPayloadType = new Map<number, SectionEntry | null>();
  private midId = -1;
  private ridId = -1;
  private repairedRidId = -1;
  private readonly counters: BundleDemuxStats = {
    delivered: 0,
    malformed: 0,
    'bad-header-extension': 0,
    'unknown-mid': 0,
    'unknown-payload-type': 0,
    'ambiguous-payload-type': 0,
    'section-not-receiving': 0,
    'payload-type-not-negotiated': 0,
    'unknown-rid': 0,
    ssrcTableFull: 0,
    boundSsrcs: 0,
  };
  // Where the extensions of the packet being read are; set by the visitor, read right after.
  private midOffset = -1;
  private midLength = 0;
  private ridOffset = -1;
  private ridLength = 0;
  private repairedOffset = -1;
  private repairedLength = 0;
  private readonly visitor = (id: number, offset: number, length: number): void => {
    if (id === this.midId) {
      this.midOffset = offset;
      this.midLength = length;
    } else if (id === this.ridId) {
      this.ridOffset = offset;
      this.ridLength = length;
    } else if (id === this.repairedRidId) {
      this.repairedOffset = offset;
      this.repairedLength = length;
    }
  };

  constructor(sections: readonly NegotiatedMediaSection[], options: BundleDemuxOptions = {}) {
    const maxSsrcs = options.maxSsrcs ?? 256;
    if (!Number.isInteger(maxSsrcs) || maxSsrcs < 1)
      throw new RangeError('options.maxSsrcs must be a positive integer');
    this.maxSsrcs = maxSsrcs;
    this.update(sections);
  }

  /**
   * Takes the sections of a new negotiation (a re-offer): SSRCs learned for a mid that is still
   * carried stay bound to it; the rest are forgotten.
   */
  update(sections: readonly NegotiatedMediaSection[]): void {
    if (!Array.isArray(sections as unknown))
      throw new TypeError('sections must be the sections of a MediaAnswer');
    const entries: SectionEntry[] = [];
    let midId = -1;
    let ridId = -1;
    let repairedRidId = -1;
    for (const section of sections) {
      if (section.rejection !== undefined || section.kind === undefined) continue;
      const payloadTypes = new Map<number, number>();
      for (const c of section.codecs) payloadTypes.set(c.payloadType, c.apt ?? -1);
      // BUNDLE requires one id per extension across the group (RFC 9143 §9.1); the first one wins.
      for (const e of section.headerExtensions) {
        if (e.uri === RTP_HEADER_EXTENSION_URIS.mid && midId < 0) midId = e.id;
        if (e.uri === RTP_HEADER_EXTENSION_URIS.rid && ridId < 0) ridId = e.id;
        if (e.uri === RTP_HEADER_EXTENSION_URIS.repairedRid && repairedRidId < 0) repairedRidId = e.id;
      }
      entries.push({
        section,
        kind: section.kind,
        receives: section.direction === 'sendrecv' || section.direction === 'recvonly',
        midBytes: section.mid === undefined ? undefined : encoder.encode(section.mid),
        payloadTypes,
        rids: section.receiveRids.map((rid) => ({ rid, bytes: encoder.encode(rid) })),
      });
    }
    const byPayloadType = new Map<number, SectionEntry | null>();
    for (const entry of entries) {
      if (!entry.receives) continue;
      for (const pt of entry.payloadTypes.keys()) byPayloadType.set(pt, byPayloadType.has(pt) ? null : entry);
    }
    const byMid = new Map(entries.filter((e) => e.section.mid !== undefined).map((e) => [e.section.mid!, e]));
    // Keep what was learned for sections that are still carried; re-point it at the new entry.
    for (const [ssrc, binding] of this.bindings) {
      const next = binding.entry.section.mid === undefined ? undefined : byMid.get(binding.entry.section.mid);
      if (next?.receives) binding.entry = next;
      else this.bindings.delete(ssrc);
    }
    this.entries = entries;
    this.byPayloadType = byPayloadType;
    this.midId = midId;
    this.ridId = ridId;
    this.repairedRidId = repairedRidId;
    // Signalled SSRCs (a=ssrc, FID pairs) are bound up front.
    for (const entry of entries) {
      if (!entry.receives) continue;
      const repair = new Set(entry.section.remoteRtxSsrcs.values());
      for (const ssrc of entry.section.remoteSsrcs) {
        const known = this.bindings.get(ssrc);
        const rtx = repair.has(ssrc) ? true : entry.section.remoteRtxSsrcs.has(ssrc) ? false : undefined;
        this.bind(ssrc, entry, known?.entry === entry ? known.rid : undefined, rtx ?? known?.rtx);
      }
    }
    this.counters.boundSsrcs = this.bindings.size;
  }

  /** The m-section, rid and header fields of `packet`, or why it was dropped (counted). */
  demux(packet: Uint8Array): RtpPacketInfo | RtpDemuxDrop {
    const header = readRtpHeader(packet);
    if (typeof header === 'string') return this.drop('malformed');
    this.midOffset = -1;
    this.ridOffset = -1;
    this.repairedOffset = -1;
    if (header.extensionOffset >= 0 && !visitHeaderExtensions(packet, header, this.visitor)) {
      return this.drop('bad-header-extension');
    }
    const ssrc = header.ssrc;
    let binding = this.bindings.get(ssrc);
    let matchedBy: RtpPacketInfo['matchedBy'];
    let entry: SectionEntry | undefined;
    if (this.midOffset >= 0) {
      // RFC 9143 §9.2: a MID names the section, and (re)binds the SSRC to it.
      entry = this.entryByMid(packet, this.midOffset, this.midLength);
      if (!entry) return this.drop('unknown-mid');
      matchedBy = 'mid';
    } else if (binding) {
      entry = binding.entry;
      matchedBy = 'ssrc';
    } else {
      const byPt = this.byPayloadType.get(header.payloadType);
      if (byPt === undefined) return this.drop('unknown-payload-type');
      if (byPt === null) return this.drop('ambiguous-payload-type');
      entry = byPt;
      matchedBy = 'payload-type';
    }
    if (!entry.receives) return this.drop('section-not-receiving');
    const apt = entry.payloadTypes.get(header.payloadType);
    if (apt === undefined) return this.drop('payload-type-not-negotiated');
    const isRtx = apt >= 0;

    // rid: from the packet's RID (media) or repaired RID (RTX) when present, else what was learned.
    let rid = binding && binding.entry === entry ? binding.rid : undefined;
    const ridOffset = isRtx && this.repairedOffset >= 0 ? this.repairedOffset : this.ridOffset;
    const ridLength = isRtx && this.repairedOffset >= 0 ? this.repairedLength : this.ridLength;
    // A section that negotiated no simulcast has no rids to tell apart; a RID there is ignored.
    if (ridOffset >= 0 && entry.rids.length > 0) {
      const known = entry.rids.find((r) => sameBytes(packet, ridOffset, ridLength, r.bytes));
      if (!known) return this.drop('unknown-rid');
      rid = known.rid;
    }
    if (!binding || binding.entry !== entry || binding.rid !== rid || binding.rtx !== isRtx) {
      binding = this.bind(ssrc, entry, rid, isRtx);
    }
    this.counters.delivered++;
    return {
      mid: entry.section.mid,
      sectionIndex: entry.section.index,
      kind: entry.kind,
      rid,
      ssrc,
      payloadType: header.payloadType,
      isRtx,
      mediaPayloadType: isRtx ? apt : header.payloadType,
      sequenceNumber: header.sequenceNumber,
      timestamp: header.timestamp,
      marker: header.marker,
      payloadOffset: header.payloadOffset,
      payloadLength: header.payloadLength,
      matchedBy,
    };
  }

  /** The section and rid an SSRC is bound to, e.g. to route the peer's SR, SDES or BYE about it. */
  lookupSsrc(ssrc: number): RemoteRtpStream | undefined {
    const b = this.bindings.get(ssrc >>> 0);
    return b ? this.describe(ssrc >>> 0, b) : undefined;
  }

  /**
   * Every stream of the peer the demux knows, optionally of one mid: e.g. the SSRC of simulcast
   * layer `h` of mid 1, to send it a PLI when a receiver of that layer needs a keyframe.
   */
  remoteStreams(mid?: string): RemoteRtpStream[] {
    const out: RemoteRtpStream[] = [];
    for (const [ssrc, b] of this.bindings) {
      if (mid === undefined || b.entry.section.mid === mid) out.push(this.describe(ssrc, b));
    }
    return out;
  }

  private describe(ssrc: number, b: SsrcBinding): RemoteRtpStream {
    return { ssrc, mid: b.entry.section.mid, sectionIndex: b.entry.section.index, rid: b.rid, isRtx: b.rtx };
  }

  /** Counters since creation: delivered packets, drops by reason, SSRC table use. */
  stats(): Readonly<BundleDemuxStats> {
    return { ...this.counters, boundSsrcs: this.bindings.size };
  }

  private bind(
    ssrc: number,
    entry: SectionEntry,
    rid: string | undefined,
    rtx: boolean | undefined,
  ): SsrcBinding | undefined {
    const existing = this.bindings.get(ssrc);
    if (existing) {
      existing.entry = entry;
      existing.rid = rid;
      existing.rtx = rtx;
      return existing;
    }
    if (this.bindings.size >= this.maxSsrcs) {
      this.counters.ssrcTableFull++;
      return undefined;
    }
    const binding = { entry, rid, rtx };
    this.bindings.set(ssrc, binding);
    return binding;
  }

  private entryByMid(packet: Uint8Array, offset: number, length: number): SectionEntry | undefined {
    for (const entry of this.entries) {
      if (entry.midBytes && sameBytes(packet, offset, length, entry.midBytes)) return entry;
    }
    return undefined;
  }

  private drop(reason: RtpDemuxDrop): RtpDemuxDrop {
    this.counters[reason]++;
    return reason;
  }
}
