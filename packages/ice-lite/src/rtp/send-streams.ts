import type { NegotiatedMediaSection } from '../sdp/media-answer.js';
import { readRtpHeader } from './rtp-header.js';

/**
 * The send-side rule of a negotiated BUNDLE: only SSRCs the answer declared may be sent (a=ssrc,
 * RFC 5576), each with a payload type its m-section negotiated, RTX payload types on the RTX SSRC
 * only. A browser drops, without a word, RTP whose SSRC it was not told about (it has no track for
 * it); refusing it here turns that silence into a reason.
 */

export type RtpSendRefusal =
  /** Not a readable RTP packet. */
  | 'malformed'
  /** The SSRC is none of the declared send streams (or their RTX). */
  | 'undeclared-ssrc'
  /** The payload type is not a media codec of the stream's m-section. */
  | 'payload-type-not-negotiated'
  /** An RTX payload type on the media SSRC, or a media one on the RTX SSRC (RFC 4588 §4: SSRC multiplexing). */
  | 'rtx-payload-type-mismatch';

interface DeclaredSsrc {
  readonly mid: string | undefined;
  readonly sectionIndex: number;
  readonly isRtx: boolean;
  /** payload type -> apt for RTX, -1 for media. */
  readonly payloadTypes: ReadonlyMap<number, number>;
}

export class SendStreamCheck {
  private ssrcs = new Map<number, DeclaredSsrc>();

  constructor(sections: readonly NegotiatedMediaSection[]) {
    this.update(sections);
  }

  /** Takes the send streams of a new negotiation; SSRCs no longer declared are refused from now on. */
  update(sections: readonly NegotiatedMediaSection[]): void {
    if (!Array.isArray(sections as unknown))
      throw new TypeError('sections must be the sections of a MediaAnswer');
    const ssrcs = new Map<number, DeclaredSsrc>();
    for (const s of sections) {
      if (!s.send || s.rejection !== undefined) continue;
      const payloadTypes = new Map(s.codecs.map((c) => [c.payloadType, c.apt ?? -1] as const));
      ssrcs.set(s.send.ssrc, { mid: s.mid, sectionIndex: s.index, isRtx: false, payloadTypes });
      if (s.send.rtxSsrc !== undefined) {
        ssrcs.set(s.send.rtxSsrc, { mid: s.mid, sectionIndex: s.index, isRtx: true, payloadTypes });
      }
    }
    this.ssrcs = ssrcs;
  }

  /** undefined when `packet` may be sent, else why not. Allocates nothing. */
  check(packet: Uint8Array): RtpSendRefusal | undefined {
    const header = readRtpHeader(packet);
    if (typeof header === 'string') return 'malformed';
    const declared = this.ssrcs.get(header.ssrc);
    if (!declared) return 'undeclared-ssrc';
    const apt = declared.payloadTypes.get(header.payloadType);
    if (apt === undefined) return 'payload-type-not-negotiated';
    if (apt >= 0 !== declared.isRtx) return 'rtx-payload-type-mismatch';
    return undefined;
  }

  /** The m-section a declared SSRC sends in, or undefined. */
  lookupSsrc(ssrc: number): { mid: string | undefined; sectionIndex: number; isRtx: boolean } | undefined {
    const d = this.ssrcs.get(ssrc >>> 0);
    return d ? { mid: d.mid, sectionIndex: d.sectionIndex, isRtx: d.isRtx } : undefined;
  }

  /** Every declared SSRC, media and RTX. */
  get declaredSsrcs(): number[] {
    return [...this.ssrcs.keys()];
  }
}
