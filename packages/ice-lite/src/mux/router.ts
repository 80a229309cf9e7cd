import {
  type IceCheckResult,
  type IceCloseReason,
  IceLiteAgent,
  type IceRejectReason,
} from '../ice/agent.js';
import { defaultRandom, generateIceCredentials, type RandomSource } from '../ice/credentials.js';
import { type TransportTuple, tupleKey } from '../ice/tuple.js';
import { Sha1Workspace } from '../stun/hmac-sha1.js';
import { latin1, StunMessage, type StunParseError } from '../stun/message.js';
import { classifyDatagram } from './classify.js';

/** Why the router dropped a datagram; each is a counter in `UdpMuxRouter.stats.drops`. */
export type MuxDropReason =
  | 'empty'
  | 'unknown-first-byte'
  | `stun-${StunParseError}`
  | 'stun-no-username'
  | 'stun-unknown-ufrag'
  | `ice-${IceRejectReason}`
  | 'dtls-unverified-source'
  | 'rtp-unverified-source'
  | 'rtcp-unverified-source'
  | 'tuple-held-by-another-session'
  /** A STUN response from a tuple routed to no session: none of our requests went there. */
  | 'stun-response-unverified-source'
  /** A request of ours not sent: its tuple is held by another session (see applyCheck). */
  | 'request-to-held-tuple'
  | 'no-handler';

export type MuxRoute = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'drop';

/** Handlers and credentials of one session; the later WebRTC transport plugs in here. */
export interface MuxSessionOptions {
  /** Local ICE credentials; generated when absent (and then read back from the session). */
  ufrag?: string;
  pwd?: string;
  /** The browser's ufrag from its offer; USERNAME must then be exactly `ufrag:remoteUfrag`. */
  remoteUfrag?: string;
  /**
   * The browser's password from its offer. With it and `remoteUfrag`, media moves to a nominated
   * tuple only after it answered our own Binding request, and consent is our requests answered
   * (RFC 7675); without it the latest nomination is selected at once (see IceLiteAgent).
   */
  remotePwd?: string;
  /** Datagrams that reach these come only from tuples that passed a check for this session. */
  onDtls?(bytes: Uint8Array, tuple: TransportTuple): void;
  onRtp?(bytes: Uint8Array, tuple: TransportTuple): void;
  onRtcp?(bytes: Uint8Array, tuple: TransportTuple): void;
  /**
   * Media goes to this tuple now: the peer nominated it (RFC 8445 §7.3.1.5) and, with the remote
   * credentials known, it answered our Binding request.
   */
  onSelected?(tuple: TransportTuple): void;
  /**
   * A check from `tuple` passed (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT), `bytes` long; called
   * before `onSelected`. What a peer has sent bounds what may be sent to it before it is verified.
   */
  onCheck?(tuple: TransportTuple, bytes: number): void;
  onClose?(reason: IceCloseReason): void;
}

export interface UdpMuxRouterOptions {
  /** Where outgoing datagrams go (the socket adapter, or a test). */
  send(bytes: Uint8Array, address: string, port: number): void;
  /** Most sessions at once; addSession throws beyond it. Default 10000. */
  maxSessions?: number;
  /** Consent timeout of each session (RFC 7675). Default 30000 ms. */
  consentTimeoutMs?: number;
  /** Mean interval of each session's consent requests (RFC 7675 §5.1, x0.8–1.2). Default 5000 ms. */
  consentIntervalMs?: number;
  /** Valid remote tuples kept per session. Default 8. */
  maxTuplesPerSession?: number;
  /** See IceLiteAgentOptions.unauthenticatedReplies. Default 'bounded'. */
  unauthenticatedReplies?: 'bounded' | 'none';
  rng?: RandomSource;
}

export interface MuxStats {
  received: number;
  stun: number;
  stunAnswered: number;
  dtls: number;
  rtp: number;
  rtcp: number;
  sent: number;
  readonly drops: Partial<Record<MuxDropReason, number>>;
}

/** One session registered with the router: the handle the embedding program keeps. */
export class MuxSession {
  readonly agent: IceLiteAgent;
  /** @internal */ readonly tupleKeys = new Set<string>();

  constructor(
    private readonly router: UdpMuxRouter,
    /** @internal */ readonly handlers: MuxSessionOptions,
    agent: IceLiteAgent,
  ) {
    this.agent = agent;
  }

  get ufrag(): string {
    return this.agent.localUfrag;
  }

  get pwd(): string {
    return this.agent.localPwd;
  }

  get state(): 'new' | 'connected' | 'closed' {
    return this.agent.state;
  }

  get selectedTuple(): TransportTuple | undefined {
    return this.agent.selected;
  }

  /** The nominated tuple media moves to once it answers our request. */
  get pendingTuple(): TransportTuple | undefined {
    return this.agent.pending;
  }

  setRemoteUfrag(ufrag: string): void {
    this.agent.setRemoteUfrag(ufrag);
  }

  setRemotePwd(pwd: string): void {
    this.agent.setRemotePwd(pwd);
  }

  /**
   * ICE restart (RFC 8445 §9) on a re-offer with a new ice-ufrag/pwd: returns our new credentials for
   * the answer. Checks under the old ones are still answered and media stays on the selected pair
   * until the peer nominates a pair under the new ones and it answers our request; then the old
   * ufrag stops routing here. DTLS and SRTP above are untouched.
   */
  restartIce(remote: { remoteUfrag: string; remotePwd: string }): { ufrag: string; pwd: string } {
    return this.router.restartSession(this, remote);
  }

  /** This session's next ICE deadline (retransmission, consent request, expiry). */
  nextTimeout(): number | undefined {
    return this.agent.nextTimeout();
  }

  /**
   * Runs this session's ICE timers now, for an owner that keeps a timer per session (the router's
   * own sweep runs them for all sessions too; running them twice at one time does nothing twice).
   */
  handleTimeout(now: number): void {
    this.router.sessionTimeout(this, now);
  }

  /**
   * Sends to `tuple` (default: the selected one). Only tuples that passed a check are allowed, so
   * media can never be aimed at an address the peer did not prove it owns. Returns false if not sent.
   */
  send(bytes: Uint8Array, tuple: TransportTuple | undefined = this.agent.selected): boolean {
    if (!tuple || !this.agent.isValid(tuple.address, tuple.port)) return false;
    // A tuple another session holds is not this session's to speak to (see UdpMuxRouter.applyCheck).
    if (!this.tupleKeys.has(tupleKey(tuple.address, tuple.port))) return false;
    this.router.transmit(bytes, tuple.address, tuple.port);
    return true;
  }

  close(): void {
    this.router.removeSession(this, 'local-close');
  }
}

/**
 * Sans-IO routing core of one UDP port shared by many ICE-lite sessions (RFC 7983 demultiplexing).
 *
 * STUN is routed by the local ufrag in USERNAME and answered by that session's agent; a tuple that
 * passes a check is bound to the session. DTLS and RTP/RTCP are routed by tuple only, so nothing from
 * an address that has not passed a connectivity check reaches DTLS or SRTP. All tables are bounded.
 */
export class UdpMuxRouter {
  readonly stats: MuxStats = {
    received: 0,
    stun: 0,
    stunAnswered: 0,
    dtls: 0,
    rtp: 0,
    rtcp: 0,
    sent: 0,
    drops: {},
  };
  /** By local ufrag: a session restarting ICE is here under its old and its new ufrag. */
  private readonly sessionsByUfrag = new Map<string, MuxSession>();
  private readonly sessions = new Set<MuxSession>();
  /** Checked remote tuples: the session that owns them and the tuple object given to handlers. */
  private readonly sessionsByTuple = new Map<string, { session: MuxSession; tuple: TransportTuple }>();
  private readonly message = new StunMessage();
  private readonly workspace = new Sha1Workspace();
  private readonly sendFn: UdpMuxRouterOptions['send'];
  private readonly maxSessions: number;
  private readonly consentTimeoutMs: number;
  private readonly consentIntervalMs: number | undefined;
  private readonly maxTuplesPerSession: number;
  private readonly unauthenticatedReplies: 'bounded' | 'none';
  private readonly rng: RandomSource | undefined;

  constructor(options: UdpMuxRouterOptions) {
    if (typeof options?.send !== 'function') throw new TypeError('options.send must be a function');
    this.sendFn = options.send;
    this.maxSessions = options.maxSessions ?? 10_000;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1)
      throw new RangeError('options.maxSessions must be >= 1');
    this.consentTimeoutMs = options.consentTimeoutMs ?? 30_000;
    this.consentIntervalMs = options.consentIntervalMs;
    this.maxTuplesPerSession = options.maxTuplesPerSession ?? 8;
    this.unauthenticatedReplies = options.unauthenticatedReplies ?? 'bounded';
    this.rng = options.rng;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Checked remote tuples routed to sessions (bounded by maxSessions x maxTuplesPerSession). */
  get tupleCount(): number {
    return this.sessionsByTuple.size;
  }

  addSession(options: MuxSessionOptions, now: number): MuxSession {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (!Number.isFinite(now)) throw new TypeError('now must be a finite number (ms)');
    if (this.sessions.size >= this.maxSessions) throw new RangeError('maxSessions reached');
    if (options.ufrag !== undefined && this.sessionsByUfrag.has(options.ufrag)) {
      throw new RangeError('options.ufrag is already used by another session');
    }
    let agent: IceLiteAgent;
    do {
      agent = new IceLiteAgent({
        now,
        localUfrag: options.ufrag,
        localPwd: options.pwd,
        remoteUfrag: options.remoteUfrag,
        remotePwd: options.remotePwd,
        rng: this.rng,
        consentTimeoutMs: this.consentTimeoutMs,
        consentIntervalMs: this.consentIntervalMs,
        maxValidTuples: this.maxTuplesPerSession,
        unauthenticatedReplies: this.unauthenticatedReplies,
        workspace: this.workspace,
      });
      // A generated ufrag colliding with a live one (48 random bits) is retried.
    } while (this.sessionsByUfrag.has(agent.localUfrag));
    const session = new MuxSession(this, options, agent);
    this.sessionsByUfrag.set(agent.localUfrag, session);
    this.sessions.add(session);
    return session;
  }

  /** @internal */
  restartSession(session: MuxSession, remote: { remoteUfrag: string; remotePwd: string }) {
    if (this.sessionsByUfrag.get(session.ufrag) !== session)
      throw new Error('restartIce() on a closed session');
    let creds: { ufrag: string; pwd: string };
    // A new ufrag must route to this session alone (48 random bits; a collision is retried).
    do creds = generateIceCredentials(this.rng ?? defaultRandom);
    while (this.sessionsByUfrag.has(creds.ufrag));
    const { retired } = session.agent.restart({ ...remote, localUfrag: creds.ufrag, localPwd: creds.pwd });
    this.sessionsByUfrag.set(creds.ufrag, session);
    for (const ufrag of retired) this.unmapUfrag(session, ufrag);
    return creds;
  }

  private unmapUfrag(session: MuxSession, ufrag: string): void {
    if (this.sessionsByUfrag.get(ufrag) === session) this.sessionsByUfrag.delete(ufrag);
  }

  getSession(ufrag: string): MuxSession | undefined {
    return this.sessionsByUfrag.get(ufrag);
  }

  /** Input from the socket: classify, route, answer. Never throws on network input. */
  handleDatagram(bytes: Uint8Array, address: string, port: number, now: number): MuxRoute {
    this.stats.received++;
    const kind = classifyDatagram(bytes);
    switch (kind) {
      case 'stun':
        return this.handleStun(bytes, address, port, now);
      case 'dtls':
      case 'rtp':
      case 'rtcp': {
        const route = this.sessionsByTuple.get(tupleKey(address, port));
        if (!route) return this.drop(`${kind}-unverified-source`);
        const h = route.session.handlers;
        const handler = kind === 'dtls' ? h.onDtls : kind === 'rtp' ? h.onRtp : (h.onRtcp ?? h.onRtp);
        if (!handler) return this.drop('no-handler');
        this.stats[kind]++;
        handler.call(h, bytes, route.tuple);
        return kind;
      }
      default:
        return this.drop(bytes.length === 0 ? 'empty' : 'unknown-first-byte');
    }
  }

  /**
   * Timer sweep over all sessions: retransmissions, consent requests and expiry (O(sessions); call
   * about once a second, or run sessions' timers one by one with `MuxSession.handleTimeout`).
   */
  handleTimeout(now: number): void {
    for (const session of [...this.sessions]) this.sessionTimeout(session, now);
  }

  /** @internal */
  sessionTimeout(session: MuxSession, now: number): void {
    if (this.sessionsByUfrag.get(session.ufrag) !== session) return;
    session.agent.handleTimeout(now);
    this.drainTransmits(session);
    this.drainEvents(session);
  }

  /** Earliest consent deadline over all sessions, O(sessions). */
  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const s of this.sessions) {
      const t = s.agent.nextTimeout();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /** @internal */
  transmit(bytes: Uint8Array, address: string, port: number): void {
    this.stats.sent++;
    this.sendFn(bytes, address, port);
  }

  /** @internal */
  removeSession(session: MuxSession, reason: IceCloseReason): void {
    if (this.sessionsByUfrag.get(session.ufrag) !== session) return;
    session.agent.close(reason);
    this.drainEvents(session);
  }

  private handleStun(bytes: Uint8Array, address: string, port: number, now: number): MuxRoute {
    const msg = this.message;
    const parsed = msg.parse(bytes);
    if (parsed !== 'ok') return this.drop(`stun-${parsed}`);
    const cls = msg.messageClass;
    if (cls === 'success' || cls === 'error') return this.handleStunResponse(msg, address, port, now);
    // Requests without USERNAME cannot be tied to a session; answering them would make this port a
    // STUN reflector for anyone, so they are dropped (RFC 8445 §7.3 needs no answer for them).
    if (msg.usernameOffset < 0) return this.drop('stun-no-username');
    const start = msg.usernameOffset;
    const end = start + msg.usernameLength;
    let colon = start;
    while (colon < end && bytes[colon] !== 0x3a) colon++;
    const session = this.sessionsByUfrag.get(latin1(bytes, start, colon));
    // Unknown ufrag: silence. Answering with 401 would tell a scanner which ufrags exist.
    if (!session) return this.drop('stun-unknown-ufrag');
    this.stats.stun++;
    const result = session.agent.handleStun(msg, address, port, now);
    this.applyCheck(session, result);
    if (result.response) {
      this.stats.stunAnswered++;
      this.transmit(result.response, address, port);
    }
    if (result.verdict === 'dropped') this.count(`ice-${result.reason!}`);
    if (result.verdict === 'valid') session.handlers.onCheck?.({ address, port }, bytes.length);
    this.drainTransmits(session);
    this.drainEvents(session);
    return result.verdict === 'dropped' ? 'drop' : 'stun';
  }

  /**
   * A response carries no USERNAME: it is routed by the tuple it came from, since our requests go
   * only to tuples routed to the asking session. The agent matches the transaction and checks
   * MESSAGE-INTEGRITY with the remote password.
   */
  private handleStunResponse(msg: StunMessage, address: string, port: number, now: number): MuxRoute {
    const route = this.sessionsByTuple.get(tupleKey(address, port));
    if (!route) return this.drop('stun-response-unverified-source');
    const session = route.session;
    this.stats.stun++;
    const result = session.agent.handleResponse(msg, address, port, now);
    if (result.verdict === 'dropped') this.count(`ice-${result.reason!}`);
    this.drainTransmits(session);
    this.drainEvents(session);
    return result.verdict === 'dropped' ? 'drop' : 'stun';
  }

  /** Sends the agent's own requests, only to tuples routed to its session. */
  private drainTransmits(session: MuxSession): void {
    for (let t = session.agent.pollTransmit(); t; t = session.agent.pollTransmit()) {
      if (!session.tupleKeys.has(tupleKey(t.tuple.address, t.tuple.port))) {
        this.count('request-to-held-tuple');
        continue;
      }
      this.transmit(t.bytes, t.tuple.address, t.tuple.port);
    }
  }

  private applyCheck(session: MuxSession, r: IceCheckResult): void {
    if (r.evicted) this.unroute(session, r.evicted.key);
    const tuple = r.tuple;
    if (!tuple) return;
    const route = this.sessionsByTuple.get(tuple.key);
    if (route?.session === session) return;
    // A check proves the sender knows this session's password, not that it owns the source address:
    // UDP sources can be spoofed. So a tuple another session still holds valid stays with that
    // session; otherwise anyone with credentials of their own could take a victim's media by sending
    // a check from the victim's address. The tuple passes on once its holder lets it go (consent
    // expiry, eviction, close); the peer's next check (consent, RFC 7675) then binds it here.
    if (route?.session.agent.isValid(tuple.address, tuple.port)) {
      this.count('tuple-held-by-another-session');
      return;
    }
    route?.session.tupleKeys.delete(tuple.key);
    this.sessionsByTuple.set(tuple.key, { session, tuple: tuple.view });
    session.tupleKeys.add(tuple.key);
  }

  private unroute(session: MuxSession, key: string): void {
    session.tupleKeys.delete(key);
    if (this.sessionsByTuple.get(key)?.session === session) this.sessionsByTuple.delete(key);
  }

  private drainEvents(session: MuxSession): void {
    const h = session.handlers;
    for (let e = session.agent.pollEvent(); e; e = session.agent.pollEvent()) {
      switch (e.type) {
        case 'selected':
          h.onSelected?.(e.tuple);
          break;
        case 'tuple-expired':
          this.unroute(session, tupleKey(e.tuple.address, e.tuple.port));
          break;
        case 'credentials-retired':
          this.unmapUfrag(session, e.ufrag);
          break;
        case 'closed':
          for (const key of [...session.tupleKeys]) this.unroute(session, key);
          this.sessionsByUfrag.delete(session.ufrag);
          this.sessions.delete(session);
          if (session.agent.previousUfrag !== undefined)
            this.unmapUfrag(session, session.agent.previousUfrag);
          h.onClose?.(e.reason);
          break;
        default:
          break;
      }
    }
  }

  private count(reason: MuxDropReason): void {
    this.stats.drops[reason] = (this.stats.drops[reason] ?? 0) + 1;
  }

  private drop(reason: MuxDropReason): 'drop' {
    this.count(reason);
    return 'drop';
  }
}
