import { parseFingerprint } from '@rtcseal/dtls';
import * as sdpTransform from 'sdp-transform';
import type {
  HeaderExtension,
  MediaDirection,
  MediaKind,
  RtcpFeedback,
  RtpCodec,
  RtpStreamId,
  Simulcast,
  SimulcastStream,
  SsrcDescription,
  SsrcGroup,
} from './media-section.js';

/**
 * A browser's offer with any number of m-sections (JSEP, RFC 9429 §5.8; BUNDLE, RFC 9143), read into
 * what an answerer and a BUNDLE demux need. SDP comes from the network through signalling: a bad
 * offer is a typed error result, never an exception.
 */

/** Why an m-section is answered with port 0 (RFC 3264 §6), as the answer must say so. */
export type SectionRejection =
  /** The offerer rejected it itself (port 0 without a=bundle-only, RFC 9143 §7.5.3). */
  | 'rejected-by-offer'
  /** application (SCTP, RFC 8841): data channels are not implemented. */
  | 'data-channels-not-supported'
  /** Not audio, video or application. */
  | 'unsupported-media-type'
  /** An audio/video section whose protocol is not (UDP/)TLS/RTP/SAVP(F). */
  | 'unsupported-protocol'
  /** Outside the BUNDLE group while another section carries the transport: one transport per peer. */
  | 'not-bundled';

export const SECTION_REJECTION_TEXT: Readonly<Record<SectionRejection, string>> = {
  'rejected-by-offer': 'the offer rejected this m-section (port 0 without a=bundle-only)',
  'data-channels-not-supported': 'application (SCTP) m-sections are not supported: no data channels yet',
  'unsupported-media-type': 'only audio and video m-sections are carried',
  'unsupported-protocol': 'only UDP/TLS/RTP/SAVPF (DTLS-SRTP) is carried',
  'not-bundled': 'the m-section is outside the BUNDLE group; one transport carries only that group',
};

/** One m-section of the offer, in offer order. */
export interface OfferedMediaSection {
  /** Position in the offer; the answer has the same m-sections in the same order (RFC 3264 §6). */
  readonly index: number;
  /** m= media type as written (`audio`, `video`, `application`, …). */
  readonly type: string;
  /** `audio` or `video` when this is an RTP section we can carry, undefined otherwise. */
  readonly kind: MediaKind | undefined;
  readonly mid: string | undefined;
  readonly protocol: string;
  readonly port: number;
  /** a=bundle-only (RFC 9143 §6): port 0 that is not a rejection. */
  readonly bundleOnly: boolean;
  /** Set when this section must be answered rejected, with the reason. */
  readonly rejection: SectionRejection | undefined;
  readonly direction: MediaDirection;
  readonly rtcpMux: boolean;
  readonly rtcpReducedSize: boolean;
  /** Every payload type of the m= line that has an a=rtpmap (or a static one), in offer order. */
  readonly codecs: readonly RtpCodec[];
  readonly headerExtensions: readonly HeaderExtension[];
  readonly ssrcs: readonly SsrcDescription[];
  readonly ssrcGroups: readonly SsrcGroup[];
  readonly rids: readonly RtpStreamId[];
  readonly simulcast: Simulcast | undefined;
  /** a=msid (RFC 8830): the offerer's stream and track ids. */
  readonly msid: { readonly stream: string; readonly track: string | undefined } | undefined;
  /** a=sctp-port of an application section (RFC 8841), for the record. */
  readonly sctpPort: number | undefined;
}

/** An offer read whole: the transport of the BUNDLE group and every m-section. */
export interface MediaOffer {
  /** ICE credentials of the section that carries the transport (the BUNDLE tag, RFC 9143 §7.2). */
  readonly iceUfrag: string;
  readonly icePwd: string;
  /** The offer's a=ice-options tokens (`trickle`, `ice2`). */
  readonly iceOptions: readonly string[];
  /** `"<hash-func> <HEX:..>"` (RFC 8122 §5); Firefox writes it at session level, Chromium per section. */
  readonly fingerprint: string;
  readonly setup: 'actpass' | 'active' | 'passive' | 'holdconn';
  /** mids of the first BUNDLE group (RFC 9143 §7.1), empty when none. */
  readonly bundle: readonly string[];
  /** Index of the section whose transport the answer uses: the first not rejected in the group. */
  readonly transportIndex: number;
  /** a=extmap-allow-mixed (RFC 8285 §6): the offerer accepts one- and two-byte forms mixed. */
  readonly extmapAllowMixed: boolean;
  readonly sections: readonly OfferedMediaSection[];
  /** The parsed SDP, for anything else the embedding program wants. */
  readonly parsed: sdpTransform.SessionDescription;
}

export type MediaOfferErrorCode =
  | 'empty'
  | 'too-large'
  | 'unparseable'
  | 'no-media'
  | 'too-many-sections'
  | 'no-usable-section'
  | 'bad-mid'
  | 'duplicate-mid'
  | 'bad-bundle-group'
  | 'no-ice-credentials'
  | 'bad-ice-credentials'
  | 'no-fingerprint'
  | 'bad-fingerprint'
  | 'bad-setup'
  | 'bad-direction'
  | 'bad-payload-type'
  | 'bad-extmap'
  | 'bad-ssrc'
  | 'bad-rid'
  | 'bad-simulcast'
  | 'too-many-entries'
  | 'unexpected-structure';

export interface MediaOfferError {
  readonly code: MediaOfferErrorCode;
  readonly message: string;
  /** The m-section index the error is about, when it is about one. */
  readonly section?: number;
}

export type MediaOfferResult = { ok: true; offer: MediaOffer } | { ok: false; error: MediaOfferError };

/** Bounds on what one offer may hold, so that an offer cannot make us build unbounded tables. */
export const MEDIA_OFFER_LIMITS = {
  maxBytes: 256 * 1024,
  maxSections: 64,
  /** Payload types are 7 bits; an m= line can name each at most once. */
  maxCodecsPerSection: 128,
  maxHeaderExtensionsPerSection: 64,
  maxSsrcsPerSection: 64,
  maxRidsPerSection: 16,
} as const;

const SETUPS = new Set(['actpass', 'active', 'passive', 'holdconn']);
const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
/** ice-char (RFC 8839 §5.4), 1-256: see offer.ts for why the lower bounds are not enforced. */
const ICE_CREDENTIAL = /^[A-Za-z0-9+/]{1,256}$/;
/** RFC 8843 §5 / RFC 8851 §10: mid and rid are RTP SDES values, token characters here. */
const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`{|}~]{1,64}$/;
/** RFC 8851 §10: rid-syntax = 1*(alpha-numeric / "-" / "_"), at most 255 in the RTP extension. */
const RID = /^[A-Za-z0-9_-]{1,255}$/;
const RTP_PROTOCOL = /^(UDP\/)?TLS\/RTP\/SAVPF?$/i;

/**
 * Static payload types of RFC 3551 that browsers offer without a=rtpmap, with the values that table
 * gives them.
 */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { name: string; clockRate: number; channels: number }> =
  new Map([
    [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
    [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
    [9, { name: 'G722', clockRate: 8000, channels: 1 }],
    [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  ]);

class OfferError {
  constructor(readonly error: MediaOfferError) {}
}

function fail(code: MediaOfferErrorCode, message: string, section?: number): never {
  throw new OfferError(section === undefined ? { code, message } : { code, message, section });
}

/** sdp-transform turns numeric-looking values into numbers; identifiers are text. */
function asText(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function asInteger(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Reads a browser's offer with any number of audio, video and application m-sections. Never throws:
 * anything malformed comes back as `{ ok: false, error: { code, message, section? } }`.
 */
export function parseMediaOffer(sdp: string): MediaOfferResult {
  try {
    return { ok: true, offer: interpret(sdp) };
  } catch (e) {
    if (e instanceof OfferError) return { ok: false, error: e.error };
    // sdp-transform's output is loosely typed; a shape we did not foresee is still a typed error.
    return {
      ok: false,
      error: { code: 'unexpected-structure', message: 'offer has an unexpected structure' },
    };
  }
}

function interpret(sdp: string): MediaOffer {
  if (typeof sdp !== 'string' || sdp.length === 0) fail('empty', 'offer is empty');
  if (sdp.length > MEDIA_OFFER_LIMITS.maxBytes) fail('too-large', 'offer is larger than 256 KiB');
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch {
    fail('unparseable', 'offer is not parseable SDP');
  }
  const media = parsed.media ?? [];
  if (media.length === 0) fail('no-media', 'offer has no m-section');
  if (media.length > MEDIA_OFFER_LIMITS.maxSections) {
    fail('too-many-sections', `offer has more than ${MEDIA_OFFER_LIMITS.maxSections} m-sections`);
  }

  const mids = new Set<string>();
  const bundleGroup = (parsed.groups ?? []).find((g) => String(g.type).toUpperCase() === 'BUNDLE');
  const bundle = bundleGroup
    ? String(bundleGroup.mids)
        .split(/\s+/)
        .filter((m) => m.length > 0)
    : [];

  const sections = media.map((m, index) => {
    const mid = asText(m.mid);
    if (mid !== undefined) {
      if (!TOKEN.test(mid)) fail('bad-mid', `a=mid:${mid} is not a token of 1-64 characters`, index);
      // RFC 8843 §5 (now RFC 9143 §7.1): mids are unique within the offer.
      if (mids.has(mid)) fail('duplicate-mid', `a=mid:${mid} appears twice`, index);
      mids.add(mid);
    }
    return readSection(m, index, mid, parsed);
  });

  for (const mid of bundle) {
    // RFC 9143 §7.2: every identification-tag in the group names an m-section of the offer.
    if (!mids.has(mid)) fail('bad-bundle-group', `a=group:BUNDLE names mid ${mid}, which no m-section has`);
  }

  // The transport is the first section of the BUNDLE group that is not rejected (its "offerer tagged"
  // section, RFC 9143 §7.2.1); without a group, the first carried section (one transport per peer).
  const usable = (s: OfferedMediaSection) => s.rejection === undefined;
  let transportIndex = -1;
  for (const mid of bundle) {
    const s = sections.find((x) => x.mid === mid);
    if (s && usable(s)) {
      transportIndex = s.index;
      break;
    }
  }
  if (transportIndex < 0) transportIndex = sections.findIndex(usable);
  if (transportIndex < 0) {
    fail('no-usable-section', 'offer has no audio or video m-section that can be carried');
  }

  // RFC 9143 §9.1: in one BUNDLE group an extension id means one extension, since the receiver
  // reads the MID extension before it knows which m-section a packet belongs to.
  const extensionUris = new Map<number, string>();
  for (const s of sections) {
    if (s.mid === undefined || !bundle.includes(s.mid) || s.rejection !== undefined) continue;
    for (const e of s.headerExtensions) {
      const uri = extensionUris.get(e.id);
      if (uri !== undefined && uri !== e.uri) {
        fail('bad-extmap', `a=extmap id ${e.id} means two extensions in one BUNDLE group`, s.index);
      }
      extensionUris.set(e.id, e.uri);
    }
  }

  // Sections we carry but that are outside the group cannot share the transport.
  const finalSections = sections.map((s) => {
    if (s.rejection !== undefined || s.index === transportIndex) return s;
    const inGroup = s.mid !== undefined && bundle.includes(s.mid);
    const transportInGroup =
      sections[transportIndex]!.mid !== undefined && bundle.includes(sections[transportIndex]!.mid!);
    return inGroup && transportInGroup ? s : { ...s, rejection: 'not-bundled' as const };
  });

  const transport = media[transportIndex]!;
  const iceUfrag = asText(transport.iceUfrag ?? parsed.iceUfrag);
  const icePwd = asText(transport.icePwd ?? parsed.icePwd);
  if (!iceUfrag || !icePwd)
    fail('no-ice-credentials', 'offer has no a=ice-ufrag / a=ice-pwd', transportIndex);
  // Checked here so the ICE agent and the DTLS engine, which throw on such values as misuse, never
  // see them: they came from the network.
  if (!ICE_CREDENTIAL.test(iceUfrag)) {
    fail('bad-ice-credentials', 'offer a=ice-ufrag is not 1-256 ice-chars', transportIndex);
  }
  if (!ICE_CREDENTIAL.test(icePwd)) {
    fail('bad-ice-credentials', 'offer a=ice-pwd is not 1-256 ice-chars', transportIndex);
  }
  // RFC 8122 §5: a=fingerprint at media level wins over session level (Firefox writes it there).
  const fp = transport.fingerprint ?? parsed.fingerprint;
  if (!fp) fail('no-fingerprint', 'offer has no a=fingerprint', transportIndex);
  const fingerprint = `${String(fp.type).toLowerCase()} ${String(fp.hash).toUpperCase()}`;
  if (parseFingerprint(fingerprint) === undefined) {
    fail(
      'bad-fingerprint',
      'offer a=fingerprint is not a known hash function with a digest of its length',
      transportIndex,
    );
  }
  const setup = String(transport.setup ?? parsed.setup ?? 'actpass').toLowerCase();
  if (!SETUPS.has(setup)) fail('bad-setup', `offer has an unknown a=setup:${setup}`, transportIndex);
  const iceOptions = String(asText(transport.iceOptions ?? parsed.iceOptions) ?? '')
    .split(/\s+/)
    .filter((t) => t.length > 0);
  return {
    iceUfrag,
    icePwd,
    iceOptions,
    fingerprint,
    setup: setup as MediaOffer['setup'],
    bundle,
    transportIndex,
    extmapAllowMixed: parsed.extmapAllowMixed !== undefined || media.some((m) => m.extmapAllowMixed),
    sections: finalSections,
    parsed,
  };
}

type ParsedMedia = sdpTransform.SessionDescription['media'][number];

function readSection(
  m: ParsedMedia,
  index: number,
  mid: string | undefined,
  session: sdpTransform.SessionDescription,
): OfferedMediaSection {
  const type = String(m.type);
  const protocol = String(m.protocol);
  const port = asInteger(m.port) ?? 0;
  const bundleOnly = m.bundleOnly !== undefined;
  const direction = String(m.direction ?? session.direction ?? 'sendrecv');
  if (!DIRECTIONS.has(direction)) fail('bad-direction', `unknown direction ${direction}`, index);
  const kind: MediaKind | undefined = type === 'audio' || type === 'video' ? type : undefined;

  let rejection: SectionRejection | undefined;
  if (port === 0 && !bundleOnly) rejection = 'rejected-by-offer';
  else if (type === 'application') rejection = 'data-channels-not-supported';
  else if (kind === undefined) rejection = 'unsupported-media-type';
  else if (!RTP_PROTOCOL.test(protocol)) rejection = 'unsupported-protocol';

  const base = {
    index,
    type,
    kind,
    mid,
    protocol,
    port,
    bundleOnly,
    direction: direction as MediaDirection,
    rtcpMux: m.rtcpMux !== undefined,
    rtcpReducedSize: m.rtcpRsize !== undefined,
    msid: readMsid(m),
    sctpPort: asInteger(m.sctpPort),
  };
  // A section that will be answered with port 0 carries nothing: its details are not read, so a
  // flaw in them does not refuse the offer.
  if (kind === undefined || rejection !== undefined) {
    return {
      ...base,
      rejection,
      codecs: [],
      headerExtensions: [],
      ssrcs: [],
      ssrcGroups: [],
      rids: [],
      simulcast: undefined,
    };
  }
  const codecs = readCodecs(m, kind, index);
  const rids = readRids(m, index, codecs);
  return {
    ...base,
    rejection,
    codecs,
    headerExtensions: readExtensions(m, index),
    ...readSsrcs(m, index),
    rids,
    simulcast: readSimulcast(m, index, rids),
  };
}

function readCodecs(m: ParsedMedia, kind: MediaKind, index: number): RtpCodec[] {
  const payloads = String(asText(m.payloads) ?? '')
    .split(/\s+/)
    .filter((p) => p.length > 0);
  if (payloads.length > MEDIA_OFFER_LIMITS.maxCodecsPerSection) {
    fail('too-many-entries', 'more payload types than fit in 7 bits', index);
  }
  const rtpmaps = new Map<number, { codec: string; rate: number | undefined; encoding: unknown }>();
  for (const r of m.rtp ?? [])
    rtpmaps.set(Number(r.payload), { codec: String(r.codec), rate: r.rate, encoding: r.encoding });
  const fmtps = new Map<number, string>();
  for (const f of m.fmtp ?? []) fmtps.set(Number(f.payload), String(f.config));
  const feedback = new Map<string, RtcpFeedback[]>();
  for (const fb of m.rtcpFb ?? []) {
    const key = String(fb.payload);
    const list = feedback.get(key) ?? [];
    if (list.length < 32) {
      list.push(
        fb.subtype === undefined
          ? { type: String(fb.type) }
          : { type: String(fb.type), parameter: String(fb.subtype) },
      );
    }
    feedback.set(key, list);
  }
  const seen = new Set<number>();
  const codecs: RtpCodec[] = [];
  for (const text of payloads) {
    const pt = asInteger(text);
    // RFC 3550 §5.1: 7 bits.
    if (pt === undefined || pt > 127) fail('bad-payload-type', `payload type ${text} is not 0-127`, index);
    if (seen.has(pt)) fail('bad-payload-type', `payload type ${pt} is listed twice`, index);
    seen.add(pt);
    // RFC 5761 §4: with rtcp-mux, 64-95 would read as RTCP packet types 192-223 when the marker bit is
    // set; such a payload type cannot be told from RTCP on our port, so it is not offered to the answer.
    if (pt >= 64 && pt <= 95) continue;
    const map = rtpmaps.get(pt) ?? undefined;
    const fixed = STATIC_PAYLOAD_TYPES.get(pt);
    if (!map && !fixed) continue; // a dynamic payload type without a=rtpmap has no meaning to us
    const name = map ? map.codec : fixed!.name;
    const clockRate = map ? (map.rate ?? 0) : fixed!.clockRate;
    if (!Number.isInteger(clockRate) || clockRate <= 0) {
      fail('bad-payload-type', `a=rtpmap:${pt} has no clock rate`, index);
    }
    const fmtp = fmtps.get(pt);
    const fb = [...(feedback.get(String(pt)) ?? []), ...(feedback.get('*') ?? [])];
    const codec: {
      -readonly [K in keyof RtpCodec]: RtpCodec[K];
    } = { payloadType: pt, name, mimeType: `${kind}/${name}`, clockRate, rtcpFeedback: fb };
    if (kind === 'audio') {
      const channels = map
        ? map.encoding === undefined
          ? 1
          : asInteger(String(map.encoding))
        : fixed!.channels;
      if (channels === undefined || channels < 1 || channels > 255) {
        fail('bad-payload-type', `a=rtpmap:${pt} has a bad channel count`, index);
      }
      codec.channels = channels;
    }
    if (fmtp !== undefined) codec.fmtp = fmtp;
    if (name.toLowerCase() === 'rtx') {
      // RFC 4588 §8.6: apt is required; an RTX without it repairs nothing.
      const apt = asInteger(/(?:^|;)\s*apt=(\d+)/.exec(fmtp ?? '')?.[1]);
      if (apt === undefined || apt > 127)
        fail('bad-payload-type', `rtx payload type ${pt} has no apt`, index);
      codec.apt = apt;
    }
    codecs.push(codec);
  }
  return codecs;
}

function readExtensions(m: ParsedMedia, index: number): HeaderExtension[] {
  const list = m.ext ?? [];
  if (list.length > MEDIA_OFFER_LIMITS.maxHeaderExtensionsPerSection) {
    fail('too-many-entries', 'too many a=extmap lines', index);
  }
  const ids = new Set<number>();
  return list.map((e) => {
    const id = asInteger(e.value);
    // RFC 8285 §5: 1-14 one-byte, 1-255 two-byte; 15 is reserved in the one-byte form and never
    // negotiated (§4.2), and 4095 ranges of the old syntax do not exist here.
    if (id === undefined || id < 1 || id > 255 || id === 15)
      fail('bad-extmap', `a=extmap id ${String(e.value)} is not 1-14 or 16-255`, index);
    if (ids.has(id)) fail('bad-extmap', `a=extmap id ${id} is used twice`, index);
    ids.add(id);
    const uri = String(e.uri);
    if (uri.length === 0 || uri.length > 512) fail('bad-extmap', `a=extmap:${id} has no usable URI`, index);
    const direction = e.direction === undefined ? undefined : String(e.direction);
    if (direction !== undefined && !DIRECTIONS.has(direction)) {
      fail('bad-extmap', `a=extmap:${id} has an unknown direction ${direction}`, index);
    }
    return direction === undefined ? { id, uri } : { id, uri, direction: direction as MediaDirection };
  });
}

function readSsrc(value: unknown, index: number): number {
  const ssrc = asInteger(typeof value === 'number' ? value : String(value));
  if (ssrc === undefined || ssrc > 0xffffffff)
    fail('bad-ssrc', `SSRC ${String(value)} is not a 32-bit number`, index);
  return ssrc;
}

function readSsrcs(m: ParsedMedia, index: number): { ssrcs: SsrcDescription[]; ssrcGroups: SsrcGroup[] } {
  const bySsrc = new Map<number, { ssrc: number; cname?: string; msid?: string }>();
  for (const line of m.ssrcs ?? []) {
    const ssrc = readSsrc(line.id, index);
    let entry = bySsrc.get(ssrc);
    if (!entry) {
      if (bySsrc.size >= MEDIA_OFFER_LIMITS.maxSsrcsPerSection)
        fail('too-many-entries', 'too many SSRCs', index);
      entry = { ssrc };
      bySsrc.set(ssrc, entry);
    }
    const attribute = String(line.attribute);
    if (attribute === 'cname' && line.value !== undefined) entry.cname = String(line.value);
    if (attribute === 'msid' && line.value !== undefined) entry.msid = String(line.value);
  }
  const ssrcGroups = (m.ssrcGroups ?? []).map((g) => {
    const ssrcs = String(g.ssrcs)
      .split(/\s+/)
      .filter((s) => s.length > 0)
      .map((s) => readSsrc(s, index));
    if (ssrcs.length === 0 || ssrcs.length > MEDIA_OFFER_LIMITS.maxSsrcsPerSection) {
      fail('bad-ssrc', `a=ssrc-group:${String(g.semantics)} has no SSRCs or too many`, index);
    }
    const semantics = String(g.semantics);
    // RFC 4588 §8.7: FID pairs exactly one media SSRC with one repair SSRC.
    if (semantics === 'FID' && ssrcs.length !== 2)
      fail('bad-ssrc', 'a=ssrc-group:FID needs two SSRCs', index);
    return { semantics, ssrcs };
  });
  if (ssrcGroups.length > MEDIA_OFFER_LIMITS.maxSsrcsPerSection)
    fail('too-many-entries', 'too many a=ssrc-group lines', index);
  return { ssrcs: [...bySsrc.values()], ssrcGroups };
}

function readRids(m: ParsedMedia, index: number, codecs: readonly RtpCodec[]): RtpStreamId[] {
  const list = m.rids ?? [];
  if (list.length > MEDIA_OFFER_LIMITS.maxRidsPerSection)
    fail('too-many-entries', 'too many a=rid lines', index);
  const ids = new Set<string>();
  return list.map((r) => {
    const id = String(r.id);
    if (!RID.test(id)) fail('bad-rid', `a=rid:${id} is not rid-syntax`, index);
    if (ids.has(id)) fail('bad-rid', `a=rid:${id} appears twice`, index);
    ids.add(id);
    const direction = String(r.direction);
    if (direction !== 'send' && direction !== 'recv')
      fail('bad-rid', `a=rid:${id} has direction ${direction}`, index);
    const params = r.params === undefined ? undefined : String(r.params);
    const payloadTypes: number[] = [];
    const pt = params ? /(?:^|;)pt=([\d,]+)/.exec(params)?.[1] : undefined;
    if (pt !== undefined) {
      for (const p of pt.split(',')) {
        const n = asInteger(p);
        // RFC 8851 §4: each pt names a payload type of the m= line.
        if (n === undefined || !codecs.some((c) => c.payloadType === n)) {
          fail('bad-rid', `a=rid:${id} pt=${p} is not a payload type of the section`, index);
        }
        payloadTypes.push(n);
      }
    }
    return params === undefined ? { id, direction, payloadTypes } : { id, direction, payloadTypes, params };
  });
}

/** RFC 8853 §5.1: `a=simulcast:send q;~h,f recv a`: streams by ';', alternatives by ',', '~' paused. */
function readSimulcast(m: ParsedMedia, index: number, rids: readonly RtpStreamId[]): Simulcast | undefined {
  const sc = m.simulcast;
  if (!sc) return undefined;
  const out: { send: SimulcastStream[]; recv: SimulcastStream[] } = { send: [], recv: [] };
  const pairs: Array<[unknown, unknown]> = [
    [sc.dir1, sc.list1],
    [sc.dir2, sc.list2],
  ];
  for (const [dirValue, listValue] of pairs) {
    if (dirValue === undefined) continue;
    const dir = String(dirValue);
    if (dir !== 'send' && dir !== 'recv') fail('bad-simulcast', `a=simulcast direction ${dir}`, index);
    if (out[dir].length > 0) fail('bad-simulcast', `a=simulcast names ${dir} twice`, index);
    const streams = String(listValue ?? '')
      .split(';')
      .map((stream) =>
        stream.split(',').map((alt) => {
          const paused = alt.startsWith('~');
          const rid = paused ? alt.slice(1) : alt;
          // RFC 8853 §5.1: every rid in the list has an a=rid line of the same direction.
          if (!rids.some((r) => r.id === rid && r.direction === dir)) {
            fail('bad-simulcast', `a=simulcast ${dir} names rid ${rid} without a=rid:${rid} ${dir}`, index);
          }
          return { rid, paused };
        }),
      );
    out[dir] = streams;
  }
  return out;
}

function readMsid(m: ParsedMedia): OfferedMediaSection['msid'] {
  // sdp-transform reads `a=msid:<id> <appdata>` only for ids without braces; Firefox writes
  // `{uuid} {uuid}`, which lands among its unparsed lines.
  const parsed = (m as { msid?: unknown }).msid;
  if (Array.isArray(parsed) && parsed.length > 0) {
    const first = parsed[0] as { id?: unknown; appdata?: unknown };
    return { stream: String(first.id), track: asText(first.appdata) };
  }
  for (const line of m.invalid ?? []) {
    const match = /^msid:(\S{1,256})(?: (\S{1,256}))?$/.exec(String(line.value));
    if (match) return { stream: match[1]!, track: match[2] };
  }
  return undefined;
}

/**
 * True when `next` restarts ICE relative to `previous` (RFC 8839 §4.4.1.1.1: a new ice-ufrag or
 * ice-pwd). The answer to it carries new credentials of ours, new checks follow, and DTLS and SRTP
 * stay as they are (RFC 8445 §9).
 */
export function isIceRestart(previous: MediaOffer, next: MediaOffer): boolean {
  return previous.iceUfrag !== next.iceUfrag || previous.icePwd !== next.icePwd;
}
