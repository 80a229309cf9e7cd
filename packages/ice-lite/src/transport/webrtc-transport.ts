import {
  type DtlsCertificate,
  type DtlsConfig,
  type DtlsDropReason,
  DtlsEngine,
  type DtlsEvent,
  type DtlsVersion,
  type SrtpKeyingMaterial,
} from '@rtcseal/dtls';
import { SrtpSession, type UnprotectFailureReason } from '@rtcseal/srtp';
import type { IceAgentStats, IceCloseReason } from '../ice/agent.js';
import type { IceCandidate } from '../ice/candidate.js';
import { type TransportTuple, tupleKey } from '../ice/tuple.js';
import type { MuxSession, MuxSessionOptions } from '../mux/router.js';
import { parseRtcpCompound, type RtcpParseError } from '../rtcp/compound.js';
import { buildFir, buildNack, buildPli } from '../rtcp/feedback-builders.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import { type RtcpRoute, routeRtcp } from '../rtcp/rtcp-routing.js';
import {
  BundleDemux,
  type BundleDemuxStats,
  type RemoteRtpStream,
  type RtpDemuxDrop,
  type RtpPacketInfo,
} from '../rtp/bundle-demux.js';
import { type RtpSendRefusal, SendStreamCheck } from '../rtp/send-streams.js';
import { answerSetup } from '../sdp/answer.js';
import {
  buildMediaAnswer,
  type MediaAnswer,
  type MediaAnswerOptions,
  type MediaSectionAnswerOptions,
} from '../sdp/media-answer.js';
import {
  isIceRestart,
  type MediaOffer,
  type MediaOfferErrorCode,
  parseMediaOffer,
} from '../sdp/media-offer.js';

/** Where a transport registers its ICE session: a `UdpMux`, or anything with the same two members. */
export interface MuxLike {
  addSession(options: MuxSessionOptions): MuxSession;
  readonly candidates: readonly IceCandidate[];
}

/** What `connected` reports once DTLS is done and the SRTP contexts exist. */
export interface WebRtcConnectedInfo {
  readonly dtlsVersion: DtlsVersion;
  readonly cipherSuite: string;
  /** The DTLS 1.3 key exchange group, e.g. 'X25519MLKEM768'; undefined with DTLS 1.2. */
  readonly dtlsGroup: string | undefined;
  readonly srtpProfile: string;
  readonly dtlsRole: 'client' | 'server';
  readonly peerFingerprint: string | undefined;
  /** ICE-selected remote address of the browser. */
  readonly remote: TransportTuple | undefined;
  /** From the transport's creation to connected, in ms. */
  readonly setupMs: number;
  /** The DTLS handshake alone, in ms. */
  readonly handshakeMs: number;
}

/** Why a transport ended. */
export type WebRtcCloseReason =
  | 'local-close'
  | `ice-${IceCloseReason}`
  | 'dtls-close-notify'
  | 'dtls-alert-received'
  | 'dtls-alert-sent'
  | 'dtls-handshake-timeout'
  | 'dtls-sequence-exhausted'
  | 'dtls-no-srtp';

/** Reasons a media packet or a DTLS client datagram was dropped; counters in `stats().drops`. */
export type WebRtcDropReason =
  | `srtp-${UnprotectFailureReason}`
  /** An authenticated RTP packet no m-section of the BUNDLE matched (RFC 9143 §9.2), by the demux's reason. */
  | `rtp-${RtpDemuxDrop}`
  /** An authenticated RTCP datagram of which not one packet parsed. */
  | `rtcp-${RtcpParseError}`
  /** A packet `sendRtp` refused (see `checkRtp`), or RTCP `sendRtcp` refused. */
  | `send-${WebRtcSendRefusal}`
  | 'send-rtcp-malformed'
  | 'send-rtcp-undeclared-ssrc'
  | 'srtp-not-ready'
  | 'after-close'
  /** A DTLS client datagram withheld: the tuple has not answered and its check budget is spent. */
  | 'dtls-unanswered-budget'
  /**
   * DTLS received as DTLS client before a tuple was selected: the peer (DTLS server) speaks only
   * after our ClientHello, which goes only to a tuple that answered our request.
   */
  | 'dtls-before-selection';

/**
 * DTLS client budget per tuple, in bytes per byte of valid check from that tuple. The check's own
 * response is at most about its size, so both together stay within 3x what the tuple sent
 * (DESIGN: no more than 3x towards an unverified peer).
 */
const CHECK_CREDIT = 2;
/** DTLS client budget per byte of DTLS received from the tuple (we send no other reply to it). */
const DTLS_CREDIT = 3;
/** Tuples whose budget is tracked at once; the oldest is forgotten beyond this. */
const MAX_BUDGET_TUPLES = 16;

export interface WebRtcTransportStats {
  readonly state: WebRtcTransportState;
  /**
   * The session's ICE state and diagnostics: `selected` is where media goes, `pending` a nominated
   * tuple that has not answered our request yet; the counters say why a session never connected or
   * why media did not move (see IceAgentStats).
   */
  readonly ice: Omit<IceAgentStats, 'byReason'> & {
    state: 'new' | 'connected' | 'closed';
    selected: TransportTuple | undefined;
    pending: TransportTuple | undefined;
    /** Rejected and dropped checks and responses, by reason (non-zero counters only). */
    drops: Readonly<IceAgentStats['byReason']>;
  };
  readonly dtls: {
    state: string;
    role: 'client' | 'server';
    version: string | undefined;
    cipherSuite: string | undefined;
    srtpProfile: string | undefined;
    handshakeMs: number | undefined;
    retransmissions: number;
    /** Records the DTLS engine dropped, by reason (non-zero counters only). */
    drops: Readonly<Partial<Record<DtlsDropReason, number>>>;
  };
  readonly rtpReceived: number;
  readonly rtpBytesReceived: number;
  readonly rtcpReceived: number;
  readonly rtpSent: number;
  readonly rtpBytesSent: number;
  readonly rtcpSent: number;
  readonly drops: Readonly<Partial<Record<WebRtcDropReason, number>>>;
  /** The BUNDLE demux: packets delivered, drops by reason (also in `drops` as `rtp-*`), bound SSRCs. */
  readonly demux: Readonly<BundleDemuxStats>;
  /** ICE restarts answered on this transport (RFC 8445 §9). */
  readonly iceRestarts: number;
}

/** Why `sendRtp` would not send a packet (`checkRtp`). */
export type WebRtcSendRefusal =
  | RtpSendRefusal
  /** No selected pair or no SRTP keys yet: `onConnected` has not fired. */
  | 'not-connected'
  | 'closed';

/** What `onRtcp` is told about an authenticated compound RTCP packet. */
export interface RtcpPacketInfo {
  /** The packets that parsed, in order (all of them unless `error` is set). */
  readonly packets: readonly RtcpPacket[];
  /** Per packet and SSRC it concerns: our stream (feedback, report blocks) or theirs (SR, SDES, BYE). */
  readonly routes: readonly RtcpRoute[];
  /** Why the walk stopped before the end of the datagram, if it did. */
  readonly error: RtcpParseError | undefined;
}

/**
 * What the embedder answers per m-section (see MediaAnswerOptions): codecs, header extensions,
 * direction and the streams it sends. The transport adds ICE, DTLS and candidate lines.
 */
export type WebRtcMediaOptions = Pick<
  MediaAnswerOptions,
  'sections' | 'audio' | 'video' | 'cname' | 'streamId'
>;

export type WebRtcTransportState = 'new' | 'connecting' | 'connected' | 'closed';

/** Listeners of one transport. Every one is optional. */
export interface WebRtcTransportHandlers {
  /**
   * Media can flow: DTLS is done, SRTP is keyed and ICE has selected a pair (one that answered our
   * own request), so `sendRtp` succeeds from inside this call on.
   */
  onConnected?(info: WebRtcConnectedInfo, transport: WebRtcTransport): void;
  /**
   * A plain RTP packet that authenticated and that the BUNDLE demux matched to an m-section: a view
   * (a Node Buffer) valid only during the call. Keep it with `new Uint8Array(packet)` or
   * `Uint8Array.from(packet)`; `packet.slice()` on a Buffer is another view of the same memory.
   * `info` (mid, rid or repaired rid, ssrc, payload type, kind, RTX) is valid during the call too.
   */
  onRtp?(packet: Uint8Array, info: RtpPacketInfo, transport: WebRtcTransport): void;
  /**
   * A plain compound RTCP packet that authenticated (a view valid during the call, as for onRtp),
   * with its packets parsed and routed to the streams they are about.
   */
  onRtcp?(packet: Uint8Array, info: RtcpPacketInfo, transport: WebRtcTransport): void;
  onClosed?(reason: WebRtcCloseReason, detail?: string, transport?: WebRtcTransport): void;
}

export interface WebRtcTransportOptions extends WebRtcTransportHandlers {
  /** The one-port mux the session lives on. */
  mux: MuxLike;
  /** Our DTLS certificate; its fingerprint goes into the answer. */
  certificate: DtlsCertificate;
  /** Our DTLS role when the offer says actpass: 'passive' (default, we are the DTLS server) or 'active'. */
  setup?: 'active' | 'passive';
  /** DTLS-SRTP profiles in our preference order. Default: the DTLS engine's default order. */
  srtpProfiles?: readonly string[];
  /** Extra DTLS engine settings (retransmit timer, timeouts, MTU). */
  dtls?: Omit<DtlsConfig, 'role' | 'certificate' | 'expectedFingerprint' | 'srtpProfiles' | 'cookieExchange'>;
  /**
   * What to answer per m-section and which streams we send (see WebRtcMediaOptions). Without it the
   * transport answers as an audio call: the offer must have an Opus audio section, the first one
   * sends with `ssrc`, video is received only.
   */
  media?: WebRtcMediaOptions;
  /** Without `media`: the SSRC our audio is sent with, announced in the answer. Default: random. */
  ssrc?: number;
  /** Without `media`: the CNAME of our audio. */
  cname?: string;
  /** Clock in ms. Default Date.now. */
  clock?: () => number;
}

/** Opus as the audio call's answer took it from the offer (the form `answer()` without `media` returns). */
export interface OpusParameters {
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp: string | undefined;
}

/** The offer of an audio call (answered without `media`): the parsed offer and its negotiated Opus. */
export interface AudioCallOffer extends MediaOffer {
  readonly opus: OpusParameters;
}

/** Why an offer or re-offer was not answered. */
export type WebRtcAnswerErrorCode =
  | MediaOfferErrorCode
  /** The transport's m-section has no a=rtcp-mux (RFC 8843 needs it here). */
  | 'no-rtcp-mux'
  /** Answered without `media` (an audio call) and the offer has no Opus audio section. */
  | 'no-opus'
  /** A re-offer with another certificate fingerprint: DTLS would have to start over (RFC 8842 §5.5). */
  | 'fingerprint-changed'
  /** A re-offer whose a=setup would swap our DTLS role (RFC 8842 §5.5). */
  | 'dtls-role-changed'
  /** renegotiate() on a closed transport. */
  | 'closed';

export interface WebRtcAnswerError {
  readonly ok: false;
  /** A sentence for logs and for the signalling peer. */
  readonly error: string;
  readonly code: WebRtcAnswerErrorCode;
  /** The m-section the error is about, when it is about one. */
  readonly section?: number;
}

export type AnswerResult<O extends MediaOffer = MediaOffer> =
  | {
      ok: true;
      transport: WebRtcTransport;
      answer: string;
      offer: O;
      /** Per m-section what was negotiated: codecs, extensions, direction, our and their streams. */
      negotiated: MediaAnswer;
    }
  | WebRtcAnswerError;

export type RenegotiateResult =
  | {
      ok: true;
      answer: string;
      offer: MediaOffer;
      negotiated: MediaAnswer;
      /** The re-offer restarted ICE: the answer carries new credentials of ours (RFC 8445 §9). */
      iceRestart: boolean;
    }
  | WebRtcAnswerError;

/** The offer, its answer and their checks: replaced as a whole by a re-offer. */
interface Negotiation {
  readonly offer: MediaOffer;
  readonly answer: MediaAnswer;
  readonly media: WebRtcMediaOptions;
}

/**
 * One browser's media session on a shared UDP port: ICE-lite (the mux's agent), DTLS in the role
 * the offer's a=setup leaves to us (RFC 8842), and SRTP keyed from the DTLS exporter (RFC 5764).
 *
 * The DTLS engine sees only datagrams from tuples that passed an ICE check. A check proves that
 * the sender knows the session's password, not that it receives at the source address (anyone
 * holding credentials, e.g. their own session's, can send one with a spoofed source), so as DTLS
 * server the engine still makes the peer return a cookie (RFC 6347 §4.2.1) before it sends its
 * flight and retransmits it: no more than the ClientHello's size goes to an unproven address.
 * As DTLS client, what goes to a tuple before connected is bounded by what came from it: valid
 * checks (`CHECK_CREDIT`) and DTLS (`DTLS_CREDIT`), 3x in all. A spoofed nominating check buys
 * one ClientHello, not 30 s of retransmissions; a genuine peer's next checks (RFC 7675 consent)
 * and flights refill the budget, so lost flights are still retransmitted.
 * SRTP contexts are created at `connected`; media before that is dropped and counted.
 */
export class WebRtcTransport {
  /**
   * The first SSRC we declared (without `media`: the audio call's SSRC), else a random one: the
   * sender SSRC of the RTCP this transport originates (`requestKeyframe`, `nack`).
   */
  readonly ssrc: number;
  readonly dtlsRole: 'client' | 'server';
  private readonly session: MuxSession;
  private engine: DtlsEngine;
  private readonly engineConfig: DtlsConfig;
  private readonly handlers: WebRtcTransportHandlers;
  private readonly certificate: DtlsCertificate;
  private readonly candidates: MuxLike['candidates'];
  private readonly clock: () => number;
  private readonly createdAt: number;
  private negotiation: Negotiation;
  private readonly demux: BundleDemux;
  private readonly sendCheck: SendStreamCheck;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private dtlsTuple: TransportTuple | undefined;
  /**
   * DTLS server before `connected`: the tuple the current ClientHello came from, which the
   * handshake's flights go to. Its cookie was sent there, so it is the one address that proved it
   * receives (RFC 6347 §4.2.1).
   */
  private helloTuple: TransportTuple | undefined;
  private started = false;
  /**
   * DTLS client before `connected`: bytes each tuple may still be sent, by tuple key, credited by
   * what came from it. Insertion-ordered, bounded.
   */
  private readonly budgets = new Map<string, number>();
  /** DTLS client datagrams last withheld for want of budget; sent when a check refills it. */
  private withheld: Uint8Array[] = [];
  private tx: SrtpSession | undefined;
  private rx: SrtpSession | undefined;
  /** DTLS is done (SRTP keyed); `connected` is reported once a pair is selected as well. */
  private dtlsDone: WebRtcConnectedInfo | undefined;
  private connectedInfo: WebRtcConnectedInfo | undefined;
  private closedReason: WebRtcCloseReason | undefined;
  private iceRestarts = 0;
  /** FIR command sequence numbers by media SSRC (RFC 5104 §4.3.1.1). */
  private readonly firSequence = new Map<number, number>();
  private readonly counters = {
    rtpReceived: 0,
    rtpBytesReceived: 0,
    rtcpReceived: 0,
    rtpSent: 0,
    rtpBytesSent: 0,
    rtcpSent: 0,
  };
  private readonly drops: Partial<Record<WebRtcDropReason, number>> = {};

  /**
   * Answers a browser's offer: registers an ICE-lite session on the mux and returns the transport,
   * the answer SDP and what was negotiated per m-section. A bad offer is a typed error (it came from
   * the network through signalling); options that make no sense throw.
   *
   * With `media`, any bundled offer is answered (audio, video, simulcast; application sections with
   * port 0); without it, as an audio call whose first Opus section sends with `ssrc`.
   */
  static answer(
    offerSdp: string,
    options: WebRtcTransportOptions & { media: WebRtcMediaOptions },
  ): AnswerResult;
  static answer(offerSdp: string, options: WebRtcTransportOptions): AnswerResult<AudioCallOffer>;
  static answer(offerSdp: string, options: WebRtcTransportOptions): AnswerResult<MediaOffer> {
    checkOptions(options);
    const parsed = parseMediaOffer(offerSdp);
    if (!parsed.ok) return answerError(parsed.error.code, parsed.error.message, parsed.error.section);
    const offer = parsed.offer;
    const transportSection = offer.sections[offer.transportIndex]!;
    if (!transportSection.rtcpMux) {
      return answerError('no-rtcp-mux', 'offer without a=rtcp-mux (RFC 8843 needs it here)');
    }
    let media = options.media;
    let opus: OpusParameters | undefined;
    if (media === undefined) {
      // The audio call: the first carried audio section with Opus sends our stream.
      const audio = offer.sections.find(
        (s) => s.kind === 'audio' && s.rejection === undefined && s.codecs.some(isOpus),
      );
      const codec = audio?.codecs.find(isOpus);
      if (!audio || !codec) return answerError('no-opus', 'offer has no audio m-section with Opus');
      opus = {
        payloadType: codec.payloadType,
        clockRate: codec.clockRate,
        channels: codec.channels ?? 1,
        fmtp: codec.fmtp,
      };
      const ssrc = options.ssrc ?? randomSsrc();
      media = {
        sections: { [audio.mid ?? `#${audio.index}`]: { send: { ssrc, trackId: 'rtcseal-audio' } } },
        ...(options.cname !== undefined ? { cname: options.cname } : {}),
      };
    }
    const setup = answerSetup(offer.setup, options.setup);
    // Misuse of `media` (an SSRC declared twice, a mid the offer lacks) throws here, before any session.
    const trial = buildMediaAnswer(offer, mediaAnswerOptions(offer, media, options, setup, 'x', 'x'));
    const transport = new WebRtcTransport(offer, trial, media, options);
    const negotiated = buildMediaAnswer(
      offer,
      mediaAnswerOptions(offer, media, options, setup, transport.session.ufrag, transport.session.pwd),
    );
    transport.negotiation = { offer, answer: negotiated, media };
    transport.demux.update(negotiated.sections);
    transport.sendCheck.update(negotiated.sections);
    const audioCall: AudioCallOffer | undefined = opus ? { ...offer, opus } : undefined;
    const resultOffer: MediaOffer = audioCall ?? offer;
    return { ok: true, transport, answer: negotiated.sdp, offer: resultOffer, negotiated };
  }

  private constructor(
    offer: MediaOffer,
    answer: MediaAnswer,
    media: WebRtcMediaOptions,
    options: WebRtcTransportOptions,
  ) {
    this.handlers = options;
    this.certificate = options.certificate;
    this.candidates = options.mux.candidates;
    this.clock = options.clock ?? Date.now;
    this.createdAt = this.clock();
    this.negotiation = { offer, answer, media };
    this.demux = new BundleDemux(answer.sections);
    this.sendCheck = new SendStreamCheck(answer.sections);
    this.ssrc = this.sendCheck.declaredSsrcs[0] ?? randomSsrc();
    // The offerer's a=setup decides, else our preference (RFC 8842 §5.2/§5.3).
    this.dtlsRole = answer.setup === 'passive' ? 'server' : 'client';
    this.engineConfig = {
      ...options.dtls,
      role: this.dtlsRole,
      certificate: options.certificate,
      expectedFingerprint: offer.fingerprint,
      ...(options.srtpProfiles ? { srtpProfiles: options.srtpProfiles } : {}),
      cookieExchange: this.dtlsRole === 'server',
      // Browsers retransmit their flights quickly; a 1 s initial timer would make a lost
      // datagram cost a second of call setup.
      retransmit: options.dtls?.retransmit ?? { initialMs: 200, maxMs: 4000 },
      // As DTLS server the engine takes DTLS 1.3 (X25519MLKEM768) whenever the browser offers it.
      // As DTLS client it offers DTLS 1.2 only unless dtls.maxVersion says otherwise: a 1.3 hello
      // with the 1216-byte ML-KEM share is ~1.4 KB, which the per-tuple send budget (3x the
      // tuple's checks) lets out only after several checks, seconds into the call.
      maxVersion: options.dtls?.maxVersion ?? (this.dtlsRole === 'server' ? 'DTLS 1.3' : 'DTLS 1.2'),
    };
    this.engine = new DtlsEngine(this.engineConfig);
    this.session = options.mux.addSession({
      remoteUfrag: offer.iceUfrag,
      // Media moves only to a tuple that answered our own request, signed with the offer's password.
      remotePwd: offer.icePwd,
      onDtls: (bytes, tuple) => this.onDtls(bytes, tuple),
      onRtp: (bytes) => this.onRtp(bytes),
      onRtcp: (bytes) => this.onRtcp(bytes),
      onSelected: (tuple) => this.onSelected(tuple),
      onCheck: (tuple, bytes) => {
        if (this.closedReason) return;
        if (this.dtlsRole === 'client' && !this.tx) {
          this.credit(tuple.address, tuple.port, CHECK_CREDIT * bytes);
        }
        // A check may have started our own request to the tuple: its retransmissions need the timer.
        this.armTimer();
      },
      onClose: (reason) => this.finish(`ice-${reason}`),
    });
  }

  get state(): WebRtcTransportState {
    if (this.closedReason) return 'closed';
    if (this.connectedInfo) return 'connected';
    // Connecting once a check passed: DTLS may run on the checked tuple while media's waits for its answer.
    return this.session.state === 'connected' || this.session.agent.validTuples().length > 0
      ? 'connecting'
      : 'new';
  }

  /** What `onConnected` reported, once media can flow. */
  get connected(): WebRtcConnectedInfo | undefined {
    return this.connectedInfo;
  }

  /** Our ICE credentials, as in the latest answer (new ones after an ICE restart). */
  get iceUfrag(): string {
    return this.session.ufrag;
  }

  get icePwd(): string {
    return this.session.pwd;
  }

  /** The latest offer and what its answer negotiated per m-section. */
  get offer(): MediaOffer {
    return this.negotiation.offer;
  }

  get negotiated(): MediaAnswer {
    return this.negotiation.answer;
  }

  /** The SRTP keys in use, for tools that decrypt captures. */
  get srtpKeys(): SrtpKeyingMaterial | undefined {
    return this.engine.srtpKeyingMaterial();
  }

  /**
   * Answers a re-offer on this live transport (RFC 3264 §8, JSEP RFC 9429 §5.3.2): m-sections added
   * or rejected, directions changed, and with a new ice-ufrag/pwd an ICE restart (RFC 8445 §9): our
   * answer carries new credentials from the mux, media stays on the current pair until the peer
   * nominates one under the new credentials and it answers our own request, and DTLS and SRTP go
   * on as they are. `media` replaces the answer options (default: the previous ones); streams we
   * already send keep their SSRCs in the m-sections that remain unless `media` names them.
   *
   * Atomic: everything is computed first, so a refused re-offer (a typed error: a bad offer, a changed
   * certificate fingerprint or DTLS role) leaves the transport exactly as it was.
   */
  renegotiate(offerSdp: string, media?: WebRtcMediaOptions): RenegotiateResult {
    if (media !== undefined && (typeof media !== 'object' || media === null)) {
      throw new TypeError('media must be an object');
    }
    if (this.closedReason) return answerError('closed', 'the transport is closed');
    const parsed = parseMediaOffer(offerSdp);
    if (!parsed.ok) return answerError(parsed.error.code, parsed.error.message, parsed.error.section);
    const offer = parsed.offer;
    const previous = this.negotiation;
    if (!offer.sections[offer.transportIndex]!.rtcpMux) {
      return answerError('no-rtcp-mux', 'offer without a=rtcp-mux (RFC 8843 needs it here)');
    }
    // RFC 8842 §5.5: a new fingerprint or a swapped role means a new DTLS association, which this
    // transport does not do on a live call (its SRTP keys come from the one it has).
    if (normalizeFingerprint(offer.fingerprint) !== normalizeFingerprint(previous.offer.fingerprint)) {
      return answerError('fingerprint-changed', 'the re-offer changes the DTLS certificate fingerprint');
    }
    const setup = previous.answer.setup;
    if (answerSetup(offer.setup, setup) !== setup) {
      return answerError(
        'dtls-role-changed',
        `the re-offer's a=setup:${offer.setup} would change our DTLS role (${setup})`,
      );
    }
    const nextMedia = keepSendStreams(media ?? previous.media, previous.answer, offer);
    const session = { id: previous.answer.sessionId, version: previous.answer.sessionVersion + 1 };
    const restart = isIceRestart(previous.offer, offer);
    const options = { certificate: this.certificate, mux: { candidates: this.candidates } };
    // Misuse in `media` throws here, before anything changed.
    let answer = buildMediaAnswer(
      offer,
      mediaAnswerOptions(offer, nextMedia, options, setup, this.session.ufrag, this.session.pwd, session),
    );
    if (restart) {
      const creds = this.session.restartIce({ remoteUfrag: offer.iceUfrag, remotePwd: offer.icePwd });
      answer = buildMediaAnswer(
        offer,
        mediaAnswerOptions(offer, nextMedia, options, setup, creds.ufrag, creds.pwd, session),
      );
      this.iceRestarts++;
      // Our requests under the new credentials (and their retransmissions) need the timer.
      this.armTimer();
    }
    this.negotiation = { offer, answer, media: nextMedia };
    this.demux.update(answer.sections);
    this.sendCheck.update(answer.sections);
    return { ok: true, answer: answer.sdp, offer, negotiated: answer, iceRestart: restart };
  }

  /**
   * Why `sendRtp(packet)` would refuse it, or undefined when it would be sent: not connected yet,
   * closed, or (RFC 5576 / RFC 4588) an SSRC the answer did not declare, a payload type its
   * m-section did not negotiate, an RTX payload type on the media SSRC or the reverse. Allocates nothing.
   */
  checkRtp(packet: Uint8Array): WebRtcSendRefusal | undefined {
    if (this.closedReason) return 'closed';
    if (!this.tx || !this.connectedInfo) return 'not-connected';
    return this.sendCheck.check(packet);
  }

  /**
   * Protects a plain RTP packet and sends it to the selected candidate pair. Returns false when
   * nothing was sent: before `onConnected`, after close, or when the packet is not of a declared
   * stream (its SSRC must be one the answer declared, e.g. `negotiated.sections[i].send.ssrc`; the
   * browser would drop anything else without a word). Refusals are counted in `stats().drops` as
   * `send-<reason>`; `checkRtp` says the reason for one packet.
   */
  sendRtp(packet: Uint8Array): boolean {
    if (!this.tx || this.closedReason) return false;
    const refusal = this.sendCheck.check(packet);
    if (refusal !== undefined) {
      this.drop(`send-${refusal}`);
      return false;
    }
    const out = this.tx.protectRtp(packet);
    if (!this.session.send(out)) return false;
    this.counters.rtpSent++;
    this.counters.rtpBytesSent += packet.length;
    return true;
  }

  /**
   * Protects a plain compound RTCP packet and sends it (RFC 5761 mux on the same tuple). The first
   * packet's sender SSRC must be one of our declared streams or `ssrc` (RFC 3550 §6.4: RTCP is sent
   * by a source of the session); refused otherwise and counted.
   */
  sendRtcp(packet: Uint8Array): boolean {
    if (!this.tx || this.closedReason) return false;
    if (packet.length < 8 || packet[0]! >> 6 !== 2) {
      this.drop('send-rtcp-malformed');
      return false;
    }
    const sender = ((packet[4]! << 24) | (packet[5]! << 16) | (packet[6]! << 8) | packet[7]!) >>> 0;
    if (sender !== this.ssrc && this.sendCheck.lookupSsrc(sender) === undefined) {
      this.drop('send-rtcp-undeclared-ssrc');
      return false;
    }
    const out = this.tx.protectRtcp(packet);
    if (!this.session.send(out)) return false;
    this.counters.rtcpSent++;
    return true;
  }

  /**
   * The peer's streams the demux knows (signalled with a=ssrc or learned from MID/RID), optionally of
   * one mid: e.g. the SSRC of simulcast layer `h`.
   */
  remoteStreams(mid?: string): RemoteRtpStream[] {
    return this.demux.remoteStreams(mid);
  }

  /**
   * Asks the peer for a keyframe of its stream in `mid` (one simulcast layer with `rid`, else every
   * layer), with a PLI (RFC 4585 §6.3.1) or, with `method: 'fir'`, a FIR (RFC 5104 §4.3.1). Returns
   * how many streams were asked: 0 before the stream is known or when not connected.
   */
  requestKeyframe(mid: string, rid?: string, method: 'pli' | 'fir' = 'pli'): number {
    if (typeof mid !== 'string') throw new TypeError('mid must be a string');
    let asked = 0;
    for (const s of this.mediaStreams(mid, rid)) {
      let packet: Uint8Array;
      if (method === 'fir') {
        const seq = ((this.firSequence.get(s.ssrc) ?? -1) + 1) & 0xff;
        this.firSequence.set(s.ssrc, seq);
        packet = buildFir(this.ssrc, [{ ssrc: s.ssrc, sequenceNumber: seq }]);
      } else {
        packet = buildPli(this.ssrc, s.ssrc);
      }
      if (this.sendRtcp(packet)) asked++;
    }
    return asked;
  }

  /**
   * Asks the peer to send `sequenceNumbers` of its stream in `mid` (layer `rid`) again: a generic
   * NACK (RFC 4585 §6.2.1). Returns false when the stream is unknown or nothing was sent.
   */
  nack(mid: string, rid: string | undefined, sequenceNumbers: readonly number[]): boolean {
    if (typeof mid !== 'string') throw new TypeError('mid must be a string');
    const stream = this.mediaStreams(mid, rid)[0];
    if (!stream) return false;
    return this.sendRtcp(buildNack(this.ssrc, stream.ssrc, sequenceNumbers));
  }

  private mediaStreams(mid: string, rid: string | undefined): RemoteRtpStream[] {
    return this.demux
      .remoteStreams(mid)
      .filter((s) => s.isRtx !== true && (rid === undefined || s.rid === rid));
  }

  stats(): WebRtcTransportStats {
    const info = this.connectedInfo ?? this.dtlsDone;
    return {
      state: this.state,
      ice: iceStats(this.session),
      dtls: {
        state: this.engine.state,
        role: this.dtlsRole,
        version: info?.dtlsVersion,
        cipherSuite: info?.cipherSuite,
        srtpProfile: info?.srtpProfile,
        handshakeMs: info?.handshakeMs,
        retransmissions: this.engine.stats.retransmissions,
        drops: nonZero(this.engine.stats.drops),
      },
      ...this.counters,
      drops: { ...this.drops },
      demux: this.demux.stats(),
      iceRestarts: this.iceRestarts,
    };
  }

  /** Sends close_notify, leaves the mux and stops the timer. */
  close(): void {
    if (this.closedReason) return;
    if (this.engine.state === 'connected' || this.engine.state === 'handshaking') {
      this.engine.close(this.clock());
      this.flush();
    }
    this.finish('local-close');
  }

  private onSelected(tuple: TransportTuple): void {
    if (this.closedReason) return;
    // As DTLS client we speak first, once ICE has a pair to speak on (RFC 8445 §7.3 + RFC 5763 §5):
    // the selected one, which answered our own request, so the ClientHello goes where the peer is.
    if (this.dtlsRole === 'client' && !this.started) {
      this.started = true;
      this.dtlsTuple = tuple;
      this.engine.start(this.clock());
      this.pump();
    } else {
      this.armTimer();
    }
    this.reportConnected();
  }

  /** `connected` once both DTLS is done and a pair is selected, whichever came last. */
  private reportConnected(): void {
    const info = this.dtlsDone;
    if (!info || this.connectedInfo || this.closedReason) return;
    const remote = this.session.selectedTuple;
    if (!remote) return;
    this.connectedInfo = { ...info, remote, setupMs: this.clock() - this.createdAt };
    this.handlers.onConnected?.(this.connectedInfo, this);
  }

  /** Adds `bytes` to what may be sent to a tuple as DTLS client before connected. */
  private credit(address: string, port: number, bytes: number): void {
    const key = tupleKey(address, port);
    const budget = (this.budgets.get(key) ?? 0) + bytes;
    this.setBudget(key, budget);
    // A withheld ClientHello goes out as soon as its tuple has paid for it, not a timer later.
    const to = this.destination();
    if (this.withheld.length === 0 || !to || !sameTuple(to, { address, port })) return;
    if (this.withheld.reduce((n, d) => n + d.length, 0) > budget) return;
    const pending = this.withheld;
    this.withheld = [];
    for (const d of pending) this.sendHandshake(d, to);
  }

  /** Sets a tuple's budget as its newest entry, forgetting the oldest beyond the bound. */
  private setBudget(key: string, bytes: number): void {
    this.budgets.delete(key);
    this.budgets.set(key, bytes);
    if (this.budgets.size > MAX_BUDGET_TUPLES) this.budgets.delete(this.budgets.keys().next().value!);
  }

  private onDtls(bytes: Uint8Array, tuple: TransportTuple): void {
    if (this.closedReason) return;
    if (this.dtlsRole === 'client' && !this.started) {
      // Starting here would aim our ClientHello at whatever tuple spoke, answered or not.
      this.drop('dtls-before-selection');
      return;
    }
    this.dtlsTuple = tuple;
    // DTLS from the tuple pays for our next flights there too, at the same 3x: a datagram from a
    // spoofed source must not lift the bound. A genuine server's flight 4 (certificate and all)
    // pays for several transmissions of our flight 5, and its retransmissions pay for more.
    if (this.dtlsRole === 'client' && !this.tx)
      this.credit(tuple.address, tuple.port, DTLS_CREDIT * bytes.length);
    if (this.dtlsRole === 'server' && !this.tx && isClientHello(bytes)) {
      // The engine's cookie does not name the address it was sent to, and this session's tuples
      // share the engine: a ClientHello from another tuple starts over on a fresh engine (a fresh
      // cookie secret), so a cookie earned at one address cannot open the handshake, with its
      // flights and retransmissions, towards another. A genuine peer that switched pairs just
      // answers one more HelloVerifyRequest.
      if (this.helloTuple !== undefined && !sameTuple(this.helloTuple, tuple)) {
        this.engine = new DtlsEngine(this.engineConfig);
        this.started = false;
      }
      this.helloTuple = tuple;
    }
    if (!this.started) {
      this.started = true;
      this.engine.start(this.clock());
    }
    this.engine.handleDatagram(bytes, this.clock());
    this.pump();
  }

  private onRtp(bytes: Uint8Array): void {
    if (!this.rx) {
      this.drop(this.closedReason ? 'after-close' : 'srtp-not-ready');
      return;
    }
    const r = this.rx.unprotectRtp(bytes);
    if (!r.ok) {
      this.drop(`srtp-${r.reason}`);
      return;
    }
    this.counters.rtpReceived++;
    this.counters.rtpBytesReceived += r.packet.length;
    // RFC 9143 §9.2: MID, then a bound SSRC, then a payload type only one section has.
    const info = this.demux.demux(r.packet);
    if (typeof info === 'string') {
      this.drop(`rtp-${info}`);
      return;
    }
    this.handlers.onRtp?.(r.packet, info, this);
  }

  private onRtcp(bytes: Uint8Array): void {
    if (!this.rx) {
      this.drop(this.closedReason ? 'after-close' : 'srtp-not-ready');
      return;
    }
    const r = this.rx.unprotectRtcp(bytes);
    if (!r.ok) {
      this.drop(`srtp-${r.reason}`);
      return;
    }
    this.counters.rtcpReceived++;
    const compound = parseRtcpCompound(r.packet);
    if (compound.packets.length === 0) {
      this.drop(`rtcp-${compound.error ?? 'too-short'}`);
      return;
    }
    const handler = this.handlers.onRtcp;
    if (!handler) return;
    handler.call(
      this.handlers,
      r.packet,
      {
        packets: compound.packets,
        routes: routeRtcp(compound.packets, this.demux, this.sendCheck),
        error: compound.error,
      },
      this,
    );
  }

  private drop(reason: WebRtcDropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Sends what the engine queued, handles its events and re-arms its timer. */
  private pump(): void {
    this.flush();
    for (let e = this.engine.pollEvent(); e; e = this.engine.pollEvent()) this.onDtlsEvent(e);
    if (!this.closedReason) this.armTimer();
  }

  private flush(): void {
    const to = this.destination();
    const batch: Uint8Array[] = [];
    for (let d = this.engine.pollTransmit(); d; d = this.engine.pollTransmit()) batch.push(d);
    if (batch.length === 0) return;
    // A new flight (or its retransmission) supersedes what was withheld before.
    this.withheld = [];
    // As DTLS client before an answer, a flight goes out whole or not at all: sending the parts that
    // fit would spend the tuple's budget on fragments the server cannot use without the rest (a
    // DTLS 1.3 ClientHello with an ML-KEM share spans two datagrams), and the budget would never
    // grow enough for the large one.
    if (this.dtlsRole === 'client' && !this.tx && to) {
      const total = batch.reduce((n, d) => n + d.length, 0);
      if (total > (this.budgets.get(tupleKey(to.address, to.port)) ?? 0)) {
        for (const d of batch) {
          this.withheld.push(d);
          this.drop('dtls-unanswered-budget');
        }
        return;
      }
    }
    for (const d of batch) this.sendHandshake(d, to);
  }

  private destination(): TransportTuple | undefined {
    // Until connected, a DTLS server's flights go where its cookie went, not to whatever tuple is
    // nominated meanwhile (a nomination can be spoofed by whoever holds the credentials).
    return this.dtlsRole === 'server' && !this.tx && this.helloTuple !== undefined
      ? this.helloTuple
      : (this.session.selectedTuple ?? this.dtlsTuple);
  }

  /** Sends one engine datagram; as DTLS client, only within the tuple's budget until connected. */
  private sendHandshake(d: Uint8Array, to: TransportTuple | undefined): void {
    if (this.dtlsRole !== 'client' || this.tx || !to) {
      this.session.send(d, to);
      return;
    }
    const key = tupleKey(to.address, to.port);
    const left = this.budgets.get(key) ?? 0;
    if (d.length > left) {
      this.withheld.push(d);
      this.drop('dtls-unanswered-budget');
      return;
    }
    if (this.session.send(d, to)) this.budgets.set(key, left - d.length);
  }

  private onDtlsEvent(e: DtlsEvent): void {
    switch (e.type) {
      case 'connected': {
        if (!e.srtp || !e.srtpProfile) {
          // A WebRTC peer must negotiate use_srtp (RFC 8827 §6.5); without it no media can flow.
          this.engine.close(this.clock());
          this.flush();
          this.finish('dtls-no-srtp', 'peer did not negotiate use_srtp');
          return;
        }
        this.tx = new SrtpSession({
          profile: e.srtp.profile,
          masterKey: e.srtp.localMasterKey,
          masterSalt: e.srtp.localMasterSalt,
        });
        this.rx = new SrtpSession({
          profile: e.srtp.profile,
          masterKey: e.srtp.remoteMasterKey,
          masterSalt: e.srtp.remoteMasterSalt,
        });
        this.dtlsDone = {
          dtlsVersion: e.version,
          cipherSuite: e.cipherSuite,
          dtlsGroup: e.group,
          srtpProfile: e.srtpProfile,
          dtlsRole: this.dtlsRole,
          peerFingerprint: e.peerFingerprint,
          remote: this.session.selectedTuple ?? this.dtlsTuple,
          setupMs: this.clock() - this.createdAt,
          handshakeMs: e.handshakeMs,
        };
        this.budgets.clear();
        this.withheld = [];
        // As DTLS server the handshake can end on a checked tuple before ICE selected one (our
        // request to it not answered yet): `connected` waits for the selection (onSelected).
        this.reportConnected();
        break;
      }
      case 'closed':
        this.finish(`dtls-${e.reason === 'local-close' ? 'close-notify' : e.reason}`, e.alert ?? e.detail);
        break;
      default:
        // Application data has no user on a media-only transport; alerts end in 'closed'.
        break;
    }
  }

  /** One timer for the DTLS engine and this session's ICE (our requests' retransmissions, consent). */
  private armTimer(): void {
    if (this.closedReason) return;
    const dtlsAt = this.engine.nextTimeout();
    const iceAt = this.session.nextTimeout();
    const at = dtlsAt === undefined ? iceAt : iceAt === undefined ? dtlsAt : Math.min(dtlsAt, iceAt);
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        if (this.closedReason) return;
        const now = this.clock();
        // May close the session (consent expired), which finishes the transport.
        this.session.handleTimeout(now);
        if (this.closedReason) return;
        const dtlsAt = this.engine.nextTimeout();
        if (dtlsAt !== undefined && dtlsAt <= now) this.engine.handleTimeout(now);
        this.pump();
      },
      // Within setTimeout's range (a longer delay would fire at once).
      Math.min(Math.max(0, at - this.clock()), 0x7fffffff),
    );
    this.timer.unref?.();
  }

  private finish(reason: WebRtcCloseReason, detail?: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.tx = undefined;
    this.rx = undefined;
    this.session.close();
    this.handlers.onClosed?.(reason, detail, this);
  }
}

function answerError(code: WebRtcAnswerErrorCode, error: string, section?: number): WebRtcAnswerError {
  return section === undefined ? { ok: false, error, code } : { ok: false, error, code, section };
}

function isOpus(c: { name: string; apt?: number | undefined }): boolean {
  return c.name.toLowerCase() === 'opus';
}

function checkOptions(options: WebRtcTransportOptions): void {
  if (!options || typeof options !== 'object') throw new TypeError('options must be an object');
  if (!options.mux || typeof options.mux.addSession !== 'function') {
    throw new TypeError('options.mux must be a UdpMux');
  }
  if (!options.certificate) throw new TypeError('options.certificate is required');
  if (options.media !== undefined) {
    if (typeof options.media !== 'object' || options.media === null) {
      throw new TypeError('options.media must be an object');
    }
    if (options.ssrc !== undefined) {
      throw new TypeError(
        'options.ssrc is for the audio call form; with options.media declare send streams there',
      );
    }
  }
}

function normalizeFingerprint(f: string): string {
  return f.trim().toLowerCase();
}

/**
 * The media options of a re-answer: streams declared in the previous answer keep their SSRCs in the
 * m-sections still offered (a browser would otherwise see a new track), unless `media` names the
 * section itself.
 */
function keepSendStreams(
  media: WebRtcMediaOptions,
  previous: MediaAnswer,
  offer: MediaOffer,
): WebRtcMediaOptions {
  const sections: Record<string, MediaSectionAnswerOptions> = { ...media.sections };
  const offered = new Set(offer.sections.map((s) => s.mid).filter((m) => m !== undefined));
  for (const s of previous.sections) {
    if (!s.send || s.mid === undefined || !offered.has(s.mid) || sections[s.mid] !== undefined) continue;
    const defaults = s.kind === 'audio' ? media.audio : s.kind === 'video' ? media.video : undefined;
    sections[s.mid] = {
      ...defaults,
      send: {
        ssrc: s.send.ssrc,
        ...(s.send.rtxSsrc !== undefined ? { rtxSsrc: s.send.rtxSsrc } : {}),
        cname: s.send.cname,
        streamId: s.send.streamId,
        trackId: s.send.trackId,
      },
    };
  }
  return { ...media, sections };
}

/** The answer options of a negotiation: the embedder's media, our transport lines. */
function mediaAnswerOptions(
  offer: MediaOffer,
  media: WebRtcMediaOptions,
  options: { certificate: DtlsCertificate; mux: Pick<MuxLike, 'candidates'> },
  setup: 'active' | 'passive',
  ufrag: string,
  pwd: string,
  session?: { id: string; version: number },
): MediaAnswerOptions {
  void offer;
  return {
    ...media,
    ufrag,
    pwd,
    fingerprint: options.certificate.fingerprint('sha-256'),
    candidates: options.mux.candidates,
    setup,
    ...(session ? { sessionId: session.id, sessionVersion: session.version } : {}),
  };
}

function iceStats(session: MuxSession): WebRtcTransportStats['ice'] {
  const { byReason, ...counters } = session.agent.stats;
  return {
    state: session.state,
    selected: session.selectedTuple,
    pending: session.pendingTuple,
    ...counters,
    drops: { ...byReason },
  };
}

function nonZero(
  counters: Readonly<Record<DtlsDropReason, number>>,
): Partial<Record<DtlsDropReason, number>> {
  const out: Partial<Record<DtlsDropReason, number>> = {};
  for (const k of Object.keys(counters) as DtlsDropReason[]) if (counters[k] > 0) out[k] = counters[k];
  return out;
}

/** A DTLS record of epoch 0 carrying a ClientHello (fragment) first (RFC 6347 §4.1, §4.2.2). */
function isClientHello(bytes: Uint8Array): boolean {
  return bytes.length >= 25 && bytes[0] === 22 && bytes[3] === 0 && bytes[4] === 0 && bytes[13] === 1;
}

function sameTuple(a: TransportTuple, b: TransportTuple): boolean {
  return a === b || (a.port === b.port && a.address === b.address);
}

function randomSsrc(): number {
  const b = new Uint32Array(1);
  globalThis.crypto.getRandomValues(b);
  return b[0]! || 1;
}
