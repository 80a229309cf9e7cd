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
import { answerSetup, buildAudioAnswer } from '../sdp/answer.js';
import { type AudioOffer, parseAudioOffer } from '../sdp/offer.js';

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
}

export type WebRtcTransportState = 'new' | 'connecting' | 'connected' | 'closed';

/** Listeners of one transport. Every one is optional. */
export interface WebRtcTransportHandlers {
  /** DTLS is done and SRTP is keyed: media can flow. */
  onConnected?(info: WebRtcConnectedInfo): void;
  /**
   * A plain RTP packet that authenticated: a view (a Node Buffer) valid only during the call. Keep it
   * with `new Uint8Array(packet)` or `Uint8Array.from(packet)`; `packet.slice()` on a Buffer is
   * another view of the same memory, not a copy.
   */
  onRtp?(packet: Uint8Array): void;
  /** A plain compound RTCP packet that authenticated (a view valid during the call, as for onRtp). */
  onRtcp?(packet: Uint8Array): void;
  onClosed?(reason: WebRtcCloseReason, detail?: string): void;
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
  /** SSRC we send with, announced in the answer. Default: random. */
  ssrc?: number;
  cname?: string;
  /** Clock in ms. Default Date.now. */
  clock?: () => number;
}

export type AnswerResult =
  | { ok: true; transport: WebRtcTransport; answer: string; offer: AudioOffer }
  | { ok: false; error: string };

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
  /** The SSRC announced in the answer; `sendRtp` callers use it. */
  readonly ssrc: number;
  readonly dtlsRole: 'client' | 'server';
  private readonly session: MuxSession;
  private engine: DtlsEngine;
  private readonly engineConfig: DtlsConfig;
  private readonly handlers: WebRtcTransportHandlers;
  private readonly clock: () => number;
  private readonly createdAt: number;
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
  private connectedInfo: WebRtcConnectedInfo | undefined;
  private closedReason: WebRtcCloseReason | undefined;
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
   * Answers a browser's offer: registers an ICE-lite session on the mux and returns the transport
   * and the answer SDP. A bad offer is a typed error (it came from the network through signalling).
   */
  static answer(offerSdp: string, options: WebRtcTransportOptions): AnswerResult {
    const parsed = parseAudioOffer(offerSdp);
    if (!parsed.ok) return parsed;
    const offer = parsed.offer;
    if (!offer.rtcpMux) return { ok: false, error: 'offer without a=rtcp-mux (RFC 8843 needs it here)' };
    if (!/SAVPF?$/.test(offer.audioProtocol) || !offer.audioProtocol.includes('TLS')) {
      return { ok: false, error: `offer's audio protocol ${offer.audioProtocol} is not DTLS-SRTP` };
    }
    const transport = new WebRtcTransport(offer, options);
    const answer = buildAudioAnswer(offer, {
      ufrag: transport.session.ufrag,
      pwd: transport.session.pwd,
      fingerprint: options.certificate.fingerprint('sha-256'),
      candidates: options.mux.candidates,
      setup: transport.dtlsRole === 'server' ? 'passive' : 'active',
      ssrc: transport.ssrc,
      cname: options.cname,
    });
    return { ok: true, transport, answer, offer };
  }

  private constructor(offer: AudioOffer, options: WebRtcTransportOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('options must be an object');
    if (!options.mux || typeof options.mux.addSession !== 'function') {
      throw new TypeError('options.mux must be a UdpMux');
    }
    if (!options.certificate) throw new TypeError('options.certificate is required');
    this.handlers = options;
    this.clock = options.clock ?? Date.now;
    this.createdAt = this.clock();
    this.ssrc = options.ssrc ?? randomSsrc();
    // The offerer's a=setup decides, else our preference (RFC 8842 §5.2/§5.3).
    this.dtlsRole = answerSetup(offer.setup, options.setup) === 'passive' ? 'server' : 'client';
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

  get connected(): WebRtcConnectedInfo | undefined {
    return this.connectedInfo;
  }

  /** Our ICE credentials, as in the answer. */
  get iceUfrag(): string {
    return this.session.ufrag;
  }

  get icePwd(): string {
    return this.session.pwd;
  }

  /** The SRTP keys in use, for tools that decrypt captures. */
  get srtpKeys(): SrtpKeyingMaterial | undefined {
    return this.engine.srtpKeyingMaterial();
  }

  /**
   * Protects a plain RTP packet and sends it to the selected candidate pair. Returns false when the
   * transport is not connected (nothing is sent). A malformed packet throws (API misuse).
   */
  sendRtp(packet: Uint8Array): boolean {
    if (!this.tx || this.closedReason) return false;
    const out = this.tx.protectRtp(packet);
    if (!this.session.send(out)) return false;
    this.counters.rtpSent++;
    this.counters.rtpBytesSent += packet.length;
    return true;
  }

  /** Protects a plain compound RTCP packet and sends it (RFC 5761 mux on the same tuple). */
  sendRtcp(packet: Uint8Array): boolean {
    if (!this.tx || this.closedReason) return false;
    const out = this.tx.protectRtcp(packet);
    if (!this.session.send(out)) return false;
    this.counters.rtcpSent++;
    return true;
  }

  stats(): WebRtcTransportStats {
    const info = this.connectedInfo;
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
    this.handlers.onRtp?.(r.packet);
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
    this.handlers.onRtcp?.(r.packet);
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
        this.connectedInfo = {
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
        this.handlers.onConnected?.(this.connectedInfo);
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
    this.handlers.onClosed?.(reason, detail);
  }
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
