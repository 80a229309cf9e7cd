import { isIPv6 } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import type { IceCandidate } from '../ice/candidate.js';
import { answerSetup } from './answer.js';
import type { MediaOffer, OfferedMediaSection, SectionRejection } from './media-offer.js';
import { SECTION_REJECTION_TEXT } from './media-offer.js';
import {
  answerDirection,
  type HeaderExtension,
  type MediaDirection,
  type MediaKind,
  RTP_HEADER_EXTENSION_URIS,
  type RtcpFeedback,
  type RtpCodec,
} from './media-section.js';

/**
 * The answer of an ICE-lite endpoint to a browser's bundled offer (JSEP RFC 9429 §5.3, BUNDLE
 * RFC 9143, RFC 3264 §6): per m-section the codecs, header extensions, direction and streams the
 * embedder accepts, and once for the transport our ICE credentials, a=ice-lite, fingerprint, setup
 * and candidates. The result says what was negotiated, in the form the BUNDLE demux takes.
 */

/** A stream we will send in one m-section (RFC 5576 a=ssrc, RFC 4588 FID group, RFC 8830 msid). */
export interface SendStreamOptions {
  readonly ssrc: number;
  /** SSRC of its RTX repair stream; written only when RTX is negotiated for the section. */
  readonly rtxSsrc?: number;
  /** RTCP CNAME (RFC 7022); default the answer's `cname`. */
  readonly cname?: string;
  /** a=msid stream and track ids; default the answer's `streamId` and `<kind>-<mid>`. */
  readonly streamId?: string;
  readonly trackId?: string;
}

/** One entry of a codec preference: a mimeType (`video/H264`), or it with an fmtp test. */
export type CodecPreference =
  | string
  | { readonly mimeType: string; readonly fmtp?: (fmtp: string) => boolean };

/** What the embedder accepts in one m-section. Every field has a default. */
export interface MediaSectionAnswerOptions {
  /** Answer this section with port 0 even though it could be carried. */
  readonly reject?: boolean;
  /**
   * Codecs accepted, in our preference order; each entry takes the first offered codec that matches.
   * Default: Opus for audio; for video the offer's first of VP8, VP9, H264 and AV1 (in offer order).
   */
  readonly codecs?: readonly CodecPreference[];
  /** Answer the RTX payload type of each accepted codec (RFC 4588). Default true. */
  readonly rtx?: boolean;
  /** a=rtcp-fb values kept for accepted codecs, when the offer has them. Default {@link DEFAULT_RTCP_FEEDBACK}. */
  readonly rtcpFeedback?: readonly string[];
  /** Header extension URIs kept, when the offer has them. Default {@link DEFAULT_HEADER_EXTENSIONS}. */
  readonly headerExtensions?: readonly string[];
  /**
   * The direction we want; the answer takes its intersection with the offer's (RFC 3264 §6.1).
   * Default 'sendrecv' when `send` is given, else 'recvonly'.
   */
  readonly direction?: MediaDirection;
  /** What we send in this section. Without it the section does not send. */
  readonly send?: SendStreamOptions;
  /** Receive the offer's simulcast (answer its send rids as recv, RFC 8853 §5.3). Default true. */
  readonly simulcast?: boolean;
}

export interface MediaAnswerOptions {
  /** Our ICE credentials (the mux session's ufrag/pwd). */
  readonly ufrag: string;
  readonly pwd: string;
  /** Our DTLS certificate fingerprint, `"sha-256 AB:CD:..."`. */
  readonly fingerprint: string;
  /** Our host candidates (from the mux). */
  readonly candidates: readonly IceCandidate[];
  /** Our DTLS role when the offer says actpass (RFC 8842 §5.3). Default 'passive' (DTLS server). */
  readonly setup?: 'active' | 'passive';
  /** Per m-section, by mid (sections without a mid are addressed as `#<index>`). */
  readonly sections?: Readonly<Record<string, MediaSectionAnswerOptions>>;
  /** Defaults for every audio / video section that `sections` does not name. */
  readonly audio?: MediaSectionAnswerOptions;
  readonly video?: MediaSectionAnswerOptions;
  /** Default CNAME and msid stream id of our streams. Default 'rtcseal'. */
  readonly cname?: string;
  readonly streamId?: string;
  /**
   * o= line: session id (decimal; default derived from the ufrag) and version (default 1). A re-answer
   * passes the first answer's `sessionId` and a higher version (RFC 3264 §8), also after an ICE restart.
   */
  readonly sessionId?: string;
  readonly sessionVersion?: number;
}

/** Why an m-section of the answer has port 0. */
export type AnswerRejection = SectionRejection | 'rejected-by-options' | 'no-common-codec';

export const ANSWER_REJECTION_TEXT: Readonly<Record<AnswerRejection, string>> = {
  ...SECTION_REJECTION_TEXT,
  'rejected-by-options': 'the embedder rejected this m-section',
  'no-common-codec': 'the offer has none of the codecs accepted for this m-section',
};

/** A stream we declared in the answer, so that sending with its SSRCs is allowed. */
export interface DeclaredSendStream {
  readonly ssrc: number;
  /** Undefined when RTX was not negotiated or not asked for. */
  readonly rtxSsrc: number | undefined;
  readonly cname: string;
  readonly streamId: string;
  readonly trackId: string;
}

/** One m-section as negotiated: what the BUNDLE demux and the send check are configured with. */
export interface NegotiatedMediaSection {
  readonly index: number;
  readonly mid: string | undefined;
  readonly kind: MediaKind | undefined;
  /** Set when the answer has port 0 for this section; nothing flows in it. */
  readonly rejection: AnswerRejection | undefined;
  /** Our direction as written in the answer. */
  readonly direction: MediaDirection;
  /** Media codecs first, in our preference order, then their RTX. */
  readonly codecs: readonly RtpCodec[];
  /** With the offer's ids (RFC 8285 §6: the answer keeps the offered id). */
  readonly headerExtensions: readonly HeaderExtension[];
  /** The offerer's SSRCs (a=ssrc), which it sends with in this section. */
  readonly remoteSsrcs: readonly number[];
  /** The offerer's FID pairs: media SSRC -> RTX SSRC. */
  readonly remoteRtxSsrcs: ReadonlyMap<number, number>;
  /** rids we receive (the offer's send rids, answered recv), in simulcast order. */
  readonly receiveRids: readonly string[];
  readonly send: DeclaredSendStream | undefined;
}

export interface MediaAnswer {
  readonly sdp: string;
  readonly sections: readonly NegotiatedMediaSection[];
  /** mids of our BUNDLE group: the carried sections, in offer order. */
  readonly bundle: readonly string[];
  /** Our DTLS role as written in a=setup. */
  readonly setup: 'active' | 'passive';
  /** The o= line's session id and version; a re-answer keeps the id and raises the version (RFC 3264 §8). */
  readonly sessionId: string;
  readonly sessionVersion: number;
}

/** RTCP feedback kept by default: what an SFU answers or forwards (RFC 4585, RFC 5104). */
export const DEFAULT_RTCP_FEEDBACK: readonly string[] = [
  'nack',
  'nack pli',
  'ccm fir',
  'goog-remb',
  'transport-cc',
];

/** Header extensions kept by default; every other offered extension is left out of the answer. */
export const DEFAULT_HEADER_EXTENSIONS: readonly string[] = [
  RTP_HEADER_EXTENSION_URIS.mid,
  RTP_HEADER_EXTENSION_URIS.rid,
  RTP_HEADER_EXTENSION_URIS.repairedRid,
  RTP_HEADER_EXTENSION_URIS.absSendTime,
  RTP_HEADER_EXTENSION_URIS.transportWideCc,
  RTP_HEADER_EXTENSION_URIS.ssrcAudioLevel,
];

const DEFAULT_VIDEO_CODECS = new Set(['vp8', 'vp9', 'h264', 'av1']);

/** Picks the codecs of one section: media codecs in preference order, then each one's RTX. */
function chooseCodecs(section: OfferedMediaSection, options: MediaSectionAnswerOptions): RtpCodec[] {
  const offered = section.codecs;
  const media: RtpCodec[] = [];
  if (options.codecs === undefined) {
    const first =
      section.kind === 'audio'
        ? offered.find((c) => c.name.toLowerCase() === 'opus')
        : offered.find((c) => DEFAULT_VIDEO_CODECS.has(c.name.toLowerCase()));
    if (first) media.push(first);
  } else {
    for (const pref of options.codecs) {
      const mimeType = (typeof pref === 'string' ? pref : pref.mimeType).toLowerCase();
      const test = typeof pref === 'string' ? undefined : pref.fmtp;
      const found = offered.find(
        (c) =>
          c.mimeType.toLowerCase() === mimeType &&
          !media.includes(c) &&
          (test === undefined || test(c.fmtp ?? '')),
      );
      if (found) media.push(found);
    }
  }
  const keptFeedback = new Set(options.rtcpFeedback ?? DEFAULT_RTCP_FEEDBACK);
  const withFeedback = (c: RtpCodec): RtpCodec => ({
    ...c,
    rtcpFeedback: c.rtcpFeedback.filter((fb) => keptFeedback.has(feedbackText(fb))),
  });
  const out = media.map(withFeedback);
  if (options.rtx !== false) {
    for (const c of media) {
      const rtx = offered.find((r) => r.apt === c.payloadType && r.name.toLowerCase() === 'rtx');
      if (rtx) out.push({ ...rtx, rtcpFeedback: [] });
    }
  }
  return out;
}

function feedbackText(fb: RtcpFeedback): string {
  return fb.parameter === undefined ? fb.type : `${fb.type} ${fb.parameter}`;
}

/** RFC 8285 §6: an extension offered sendonly is answered recvonly and the reverse. */
function reverse(direction: MediaDirection | undefined): MediaDirection | undefined {
  if (direction === 'sendonly') return 'recvonly';
  if (direction === 'recvonly') return 'sendonly';
  return direction;
}

function checkSsrc(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be a 32-bit unsigned integer`);
  }
  return value;
}

function checkOptions(offer: MediaOffer, options: MediaAnswerOptions): void {
  if (!offer || !Array.isArray(offer.sections)) throw new TypeError('offer must come from parseMediaOffer');
  if (!options || typeof options.ufrag !== 'string' || typeof options.pwd !== 'string') {
    throw new TypeError('options.ufrag and options.pwd must be strings');
  }
  if (typeof options.fingerprint !== 'string' || !/^\S+ [0-9A-Fa-f:]+$/.test(options.fingerprint)) {
    throw new TypeError("options.fingerprint must look like 'sha-256 AB:CD:...'");
  }
  if (!Array.isArray(options.candidates) || options.candidates.length === 0) {
    throw new TypeError('options.candidates must be a non-empty array');
  }
  if (options.setup !== undefined && options.setup !== 'active' && options.setup !== 'passive') {
    throw new TypeError("options.setup must be 'active' or 'passive'");
  }
  const known = new Set(offer.sections.map((s) => s.mid ?? `#${s.index}`));
  for (const key of Object.keys(options.sections ?? {})) {
    if (!known.has(key)) throw new RangeError(`options.sections.${key} names no m-section of the offer`);
  }
}

/**
 * Builds the answer to a parsed offer. Embedder misuse (a bad SSRC, a mid the offer does not have,
 * an SSRC declared twice) throws at once naming the option; everything about the offer was checked by
 * parseMediaOffer.
 */
export function buildMediaAnswer(offer: MediaOffer, options: MediaAnswerOptions): MediaAnswer {
  checkOptions(offer, options);
  const setup = answerSetup(offer.setup, options.setup ?? 'passive');
  const cname = options.cname ?? 'rtcseal';
  const streamId = options.streamId ?? 'rtcseal';
  const declared = new Set<number>();

  const negotiated: NegotiatedMediaSection[] = offer.sections.map((section) => {
    const key = section.mid ?? `#${section.index}`;
    const sectionOptions =
      options.sections?.[key] ??
      (section.kind === 'audio' ? options.audio : section.kind === 'video' ? options.video : undefined) ??
      {};
    const rejected = (rejection: AnswerRejection): NegotiatedMediaSection => ({
      index: section.index,
      mid: section.mid,
      kind: section.kind,
      rejection,
      direction: 'inactive',
      codecs: [],
      headerExtensions: [],
      remoteSsrcs: [],
      remoteRtxSsrcs: new Map(),
      receiveRids: [],
      send: undefined,
    });
    if (section.rejection !== undefined) return rejected(section.rejection);
    if (sectionOptions.reject === true) return rejected('rejected-by-options');
    const codecs = chooseCodecs(section, sectionOptions);
    if (!codecs.some((c) => c.apt === undefined)) return rejected('no-common-codec');

    const keptUris = new Set(sectionOptions.headerExtensions ?? DEFAULT_HEADER_EXTENSIONS);
    const headerExtensions = section.headerExtensions
      .filter((e) => keptUris.has(e.uri))
      .map((e) => {
        const direction = reverse(e.direction);
        return direction === undefined ? { id: e.id, uri: e.uri } : { id: e.id, uri: e.uri, direction };
      });

    const wanted = sectionOptions.direction ?? (sectionOptions.send ? 'sendrecv' : 'recvonly');
    const direction = answerDirection(section.direction, wanted);
    const sends = direction === 'sendrecv' || direction === 'sendonly';
    const receives = direction === 'sendrecv' || direction === 'recvonly';

    let send: DeclaredSendStream | undefined;
    if (sectionOptions.send !== undefined) {
      const s = sectionOptions.send;
      const ssrc = checkSsrc(s.ssrc, `options.sections.${key}.send.ssrc`);
      const rtxSsrc =
        s.rtxSsrc === undefined ? undefined : checkSsrc(s.rtxSsrc, `options.sections.${key}.send.rtxSsrc`);
      for (const v of rtxSsrc === undefined ? [ssrc] : [ssrc, rtxSsrc]) {
        if (declared.has(v))
          throw new RangeError(`options.sections.${key}.send: SSRC ${v} is declared twice`);
        declared.add(v);
      }
      if (sends) {
        const hasRtx = codecs.some((c) => c.apt !== undefined);
        send = {
          ssrc,
          rtxSsrc: hasRtx ? rtxSsrc : undefined,
          cname: s.cname ?? cname,
          streamId: s.streamId ?? streamId,
          trackId: s.trackId ?? `${section.kind}-${section.mid ?? section.index}`,
        };
      }
    }

    const rtxPairs = new Map<number, number>();
    for (const g of section.ssrcGroups) {
      if (g.semantics === 'FID' && g.ssrcs.length === 2) rtxPairs.set(g.ssrcs[0]!, g.ssrcs[1]!);
    }
    const simulcastRids =
      receives && sectionOptions.simulcast !== false && section.simulcast
        ? section.simulcast.send.flatMap((stream) => stream.map((alt) => alt.rid))
        : [];
    return {
      index: section.index,
      mid: section.mid,
      kind: section.kind,
      rejection: undefined,
      direction,
      codecs,
      headerExtensions,
      remoteSsrcs: receives ? section.ssrcs.map((s) => s.ssrc) : [],
      remoteRtxSsrcs: receives ? rtxPairs : new Map(),
      receiveRids: simulcastRids,
      send,
    };
  });

  const bundle = negotiated
    .filter((s) => s.rejection === undefined && s.mid !== undefined)
    .map((s) => s.mid!);
  const sessionId = options.sessionId ?? String(sessionIdFrom(options.ufrag));
  const sessionVersion = options.sessionVersion ?? 1;
  if (!/^\d{1,20}$/.test(sessionId)) throw new RangeError('options.sessionId must be a decimal number');
  if (!Number.isInteger(sessionVersion) || sessionVersion < 0) {
    throw new RangeError('options.sessionVersion must be a non-negative integer');
  }
  const sdp = writeAnswer(offer, negotiated, bundle, setup, options, sessionId, sessionVersion);
  return { sdp, sections: negotiated, bundle, setup, sessionId, sessionVersion };
}

function writeAnswer(
  offer: MediaOffer,
  negotiated: readonly NegotiatedMediaSection[],
  bundle: readonly string[],
  setup: 'active' | 'passive',
  options: MediaAnswerOptions,
  sessionId: string,
  sessionVersion: number,
): string {
  const [hashType, hashValue] = options.fingerprint.split(' ') as [string, string];
  const first = options.candidates[0]!;
  const ipVer = isIPv6(first.address) ? 6 : 4;
  const candidates = options.candidates.map((c) => ({
    foundation: c.foundation,
    component: c.component,
    transport: c.transport,
    priority: c.priority,
    ip: c.address,
    port: c.port,
    type: c.type,
  }));

  const media: sdpTransform.MediaDescription[] = negotiated.map((n) => {
    const offered = offer.sections[n.index]!;
    if (n.rejection !== undefined) {
      // RFC 3264 §6: a rejected stream keeps its m= line with port 0; RFC 9143 §7.3.3 leaves it out of
      // the group. SCTP keeps its format token (`webrtc-datachannel`), RTP keeps the offered payloads.
      const m: sdpTransform.MediaDescription = {
        type: offered.type,
        port: 0,
        protocol: offered.protocol,
        payloads: String(asText(offer.parsed.media[n.index]!.payloads) ?? ''),
        rtp: [],
        fmtp: [],
        connection: { version: 4, ip: '0.0.0.0' },
        direction: 'inactive',
      };
      if (n.mid !== undefined) m.mid = n.mid;
      return m;
    }
    const m: sdpTransform.MediaDescription = {
      type: offered.type,
      port: first.port,
      protocol: offered.protocol,
      payloads: n.codecs.map((c) => c.payloadType).join(' '),
      connection: { version: ipVer, ip: first.address },
      rtp: n.codecs.map((c) =>
        c.channels === undefined
          ? { payload: c.payloadType, codec: c.name, rate: c.clockRate }
          : { payload: c.payloadType, codec: c.name, rate: c.clockRate, encoding: c.channels },
      ),
      fmtp: n.codecs
        .filter((c) => c.fmtp !== undefined)
        .map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
      rtcpFb: n.codecs.flatMap((c) =>
        c.rtcpFeedback.map((fb) =>
          fb.parameter === undefined
            ? { payload: c.payloadType, type: fb.type }
            : { payload: c.payloadType, type: fb.type, subtype: fb.parameter },
        ),
      ),
      ext: n.headerExtensions.map((e) =>
        e.direction === undefined
          ? { value: e.id, uri: e.uri }
          : { value: e.id, direction: e.direction, uri: e.uri },
      ),
      // The transport attributes, identical in every bundled section (RFC 9143 §7.3: the answerer's
      // BUNDLE address; RFC 8839 §5.4 credentials; RFC 8122 fingerprint; RFC 4145 setup).
      iceUfrag: options.ufrag,
      icePwd: options.pwd,
      fingerprint: { type: hashType, hash: hashValue },
      setup,
      direction: n.direction,
      rtcpMux: 'rtcp-mux',
      candidates,
      endOfCandidates: 'end-of-candidates',
    };
    if (n.mid !== undefined) m.mid = n.mid;
    if (offered.rtcpReducedSize) m.rtcpRsize = 'rtcp-rsize';
    if (n.receiveRids.length > 0) {
      // RFC 8853 §5.3: the answer reverses the offer's send rids into recv ones, without restrictions.
      m.rids = n.receiveRids.map((id) => ({ id, direction: 'recv' }));
      const stream = offered.simulcast!.send.map((alts) =>
        alts.map((a) => (a.paused ? `~${a.rid}` : a.rid)).join(','),
      );
      m.simulcast = { dir1: 'recv', list1: stream.join(';') };
    }
    if (n.send) {
      const s = n.send;
      m.msid = [{ id: s.streamId, appdata: s.trackId }];
      const ssrcs = s.rtxSsrc === undefined ? [s.ssrc] : [s.ssrc, s.rtxSsrc];
      if (s.rtxSsrc !== undefined) m.ssrcGroups = [{ semantics: 'FID', ssrcs: `${s.ssrc} ${s.rtxSsrc}` }];
      m.ssrcs = ssrcs.flatMap((id) => [
        { id, attribute: 'cname', value: s.cname },
        { id, attribute: 'msid', value: `${s.streamId} ${s.trackId}` },
      ]);
    }
    return m;
  });

  const answer: sdpTransform.SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId,
      sessionVersion,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    msidSemantic: { semantic: 'WMS', token: '*' },
    media,
  };
  if (offer.extmapAllowMixed) answer.extmapAllowMixed = 'extmap-allow-mixed';
  if (bundle.length > 0 && offer.bundle.length > 0)
    answer.groups = [{ type: 'BUNDLE', mids: bundle.join(' ') }];
  return sdpTransform.write(answer);
}

function asText(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function sessionIdFrom(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h + 1;
}
