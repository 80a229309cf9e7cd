import { type IpAddressBytes, parseIpAddress } from '../stun/address.js';
import { buildBindingSuccess, buildErrorResponse } from '../stun/builder.js';
import { StunErrorCode, StunMessageType } from '../stun/constants.js';
import { HmacSha1Key, Sha1Workspace } from '../stun/hmac-sha1.js';
import { verifyFingerprint, verifyMessageIntegrity } from '../stun/integrity.js';
import type { StunMessage } from '../stun/message.js';
import {
  assertIceCredentials,
  defaultRandom,
  generateIceCredentials,
  type RandomSource,
} from './credentials.js';
import { type TransportTuple, tupleKey } from './tuple.js';

/** Configuration of one ICE-lite agent; defaults next to each field. */
export interface IceLiteAgentOptions {
  /** Current time in ms (the agent reads no clock). */
  now: number;
  /** Local credentials; generated from `rng` when absent (RFC 8445 §5.3). */
  localUfrag?: string;
  localPwd?: string;
  /** The peer's ufrag from its SDP; when set, USERNAME must be exactly `local:remote`. Default: unset. */
  remoteUfrag?: string;
  /** Random source for credentials. Default: node:crypto randomBytes. */
  rng?: RandomSource;
  /**
   * A session with no valid check for this long is closed (RFC 7675 §5.1 consent, 30 s). The clock
   * starts when the agent is created, so a session the peer never reaches is closed too. Default 30000.
   */
  consentTimeoutMs?: number;
  /** Most remote tuples kept valid at once; the least recently checked unselected one is evicted. Default 8. */
  maxValidTuples?: number;
  /**
   * Answers to requests that fail authentication (400/401). 'bounded' (default): sent only when not
   * larger than the request, so an unverified source can never make us amplify. 'none': never sent.
   */
  unauthenticatedReplies?: 'bounded' | 'none';
  /** SHA-1 scratch shared with other agents on the same thread. Default: a private one. */
  workspace?: Sha1Workspace;
}

/**
 * A remote address that passed a connectivity check (RFC 8445 §7.3.1.3: a valid pair for a lite
 * agent). The agent's own record; `view` is the immutable tuple handed to the embedding program.
 */
export interface ValidTuple extends TransportTuple {
  readonly key: string;
  readonly ip: IpAddressBytes;
  readonly view: TransportTuple;
  lastCheckAt: number;
  /** Time of the latest check with USE-CANDIDATE, -1 if never nominated. */
  nominatedAt: number;
}

export type IceRejectReason =
  | 'closed'
  | 'not-binding-request'
  | 'missing-fingerprint'
  | 'bad-fingerprint'
  | 'missing-username'
  | 'missing-integrity'
  | 'username-mismatch'
  | 'bad-integrity'
  | 'missing-priority'
  | 'unknown-address'
  | 'role-conflict'
  | 'unknown-attributes';

export interface IceCheckResult {
  /** 'valid': answered with success; 'rejected': answered with an error; 'dropped': nothing sent. */
  readonly verdict: 'valid' | 'rejected' | 'dropped';
  readonly reason?: IceRejectReason;
  readonly response?: Uint8Array;
  /** The tuple now valid (verdict 'valid'). */
  readonly tuple?: ValidTuple;
  /** True when this check made `tuple` newly valid. */
  readonly newTuple?: boolean;
  /** Tuple evicted from the valid set to make room, to be unrouted. */
  readonly evicted?: ValidTuple;
  /** True when the selected tuple changed (USE-CANDIDATE on a different tuple). */
  readonly selectionChanged?: boolean;
}

/** Events kept for pollEvent() before the oldest are dropped. */
export const MAX_QUEUED_EVENTS = 64;

export type IceCloseReason = 'consent-expired' | 'local-close';

export type IceEvent =
  | { type: 'tuple-validated'; tuple: TransportTuple }
  | { type: 'selected'; tuple: TransportTuple }
  | { type: 'tuple-expired'; tuple: TransportTuple }
  | { type: 'closed'; reason: IceCloseReason };

export interface IceAgentStats {
  checksValid: number;
  checksRejected: number;
  checksDropped: number;
  /** Per-reason counts of rejected and dropped checks. */
  readonly byReason: Partial<Record<IceRejectReason, number>>;
}

/**
 * ICE-lite responder for one session (RFC 8445 §2.5, §7.3). Lite agents gather host candidates only,
 * never send checks and are always controlled: they answer the full agent's Binding requests, treat
 * a source that passed a check as a valid pair, and select the pair the peer nominates with
 * USE-CANDIDATE (the latest nomination wins, which also covers aggressive nomination).
 * Sans-IO: the caller routes requests here and sends the returned responses.
 */
export class IceLiteAgent {
  readonly localUfrag: string;
  readonly localPwd: string;
  private remoteUfrag: string | undefined;
  private expectedUsername: Uint8Array;
  private readonly key: HmacSha1Key;
  private readonly ws: Sha1Workspace;
  private readonly consentTimeoutMs: number;
  private readonly maxValidTuples: number;
  private readonly boundedReplies: boolean;
  private readonly tuples = new Map<string, ValidTuple>();
  private selectedTuple: ValidTuple | undefined;
  private lastValidAt: number;
  private events: IceEvent[] = [];
  private closedReason: IceCloseReason | undefined;
  readonly stats: IceAgentStats = { checksValid: 0, checksRejected: 0, checksDropped: 0, byReason: {} };

  constructor(options: IceLiteAgentOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (!Number.isFinite(options.now)) throw new TypeError('options.now must be a finite number (ms)');
    const consent = options.consentTimeoutMs ?? 30_000;
    if (!(consent > 0)) throw new RangeError('options.consentTimeoutMs must be > 0');
    const maxTuples = options.maxValidTuples ?? 8;
    if (!Number.isInteger(maxTuples) || maxTuples < 1)
      throw new RangeError('options.maxValidTuples must be >= 1');
    const replies = options.unauthenticatedReplies ?? 'bounded';
    if (replies !== 'bounded' && replies !== 'none') {
      throw new RangeError("options.unauthenticatedReplies must be 'bounded' or 'none'");
    }
    let { localUfrag, localPwd } = options;
    if (localUfrag === undefined || localPwd === undefined) {
      if (localUfrag !== undefined || localPwd !== undefined) {
        throw new TypeError('options.localUfrag and options.localPwd must be given together');
      }
      ({ ufrag: localUfrag, pwd: localPwd } = generateIceCredentials(options.rng ?? defaultRandom));
    }
    assertIceCredentials(localUfrag, localPwd, 'options.local');
    this.localUfrag = localUfrag;
    this.localPwd = localPwd;
    this.ws = options.workspace ?? new Sha1Workspace();
    // Short-term credential (RFC 8489 §9.1.1): the key is the password itself (OpaqueString-prepared;
    // ice-chars are unchanged by it).
    this.key = new HmacSha1Key(new TextEncoder().encode(localPwd), this.ws);
    this.consentTimeoutMs = consent;
    this.maxValidTuples = maxTuples;
    this.boundedReplies = replies === 'bounded';
    this.lastValidAt = options.now;
    this.remoteUfrag = undefined;
    this.expectedUsername = new Uint8Array(0);
    this.setRemoteUfrag(options.remoteUfrag);
  }

  /** Sets (or clears) the peer's ufrag once its SDP is known. */
  setRemoteUfrag(ufrag: string | undefined): void {
    if (ufrag !== undefined && (typeof ufrag !== 'string' || ufrag.length < 1 || ufrag.length > 256)) {
      throw new RangeError('remoteUfrag must be a 1..256 character string');
    }
    this.remoteUfrag = ufrag;
    // RFC 8445 §7.2.2: USERNAME of a check is "receiver-ufrag:sender-ufrag".
    this.expectedUsername = new TextEncoder().encode(`${this.localUfrag}:${ufrag ?? ''}`);
  }

  get state(): 'new' | 'connected' | 'closed' {
    if (this.closedReason) return 'closed';
    return this.selectedTuple ? 'connected' : 'new';
  }

  get closeReason(): IceCloseReason | undefined {
    return this.closedReason;
  }

  /** The nominated tuple media is sent to, if any. */
  get selected(): TransportTuple | undefined {
    return this.selectedTuple?.view;
  }

  /** Whether datagrams from this tuple may pass to DTLS/SRTP (RFC 8445 §7.3.1.3, DESIGN: nothing else). */
  isValid(address: string, port: number): boolean {
    return this.tuples.has(tupleKey(address, port));
  }

  validTuples(): TransportTuple[] {
    return [...this.tuples.values()].map((t) => t.view);
  }

  /**
   * Handles a parsed STUN message addressed to this agent (the router matched USERNAME's first part).
   * `msg` must have parsed 'ok'. Checks follow RFC 8489 §9.1.3 and RFC 8445 §7.3.1 in this order:
   * FINGERPRINT, USERNAME, MESSAGE-INTEGRITY, then PRIORITY / role / unknown attributes, which are
   * answered with integrity since the sender is then authenticated.
   */
  handleStun(msg: StunMessage, address: string, port: number, now: number): IceCheckResult {
    if (this.closedReason) return this.drop('closed');
    // Lite agents send no requests, so responses are not ours; indications (keepalives) need nothing.
    if (msg.type !== StunMessageType.BindingRequest) return this.drop('not-binding-request');
    // RFC 8445 §7.2.2: checks carry FINGERPRINT. A wrong one means "not STUN" (RFC 8489 §7.3): drop.
    if (msg.fingerprintOffset < 0) return this.reject(msg, 'missing-fingerprint', StunErrorCode.BadRequest);
    if (!verifyFingerprint(msg)) return this.drop('bad-fingerprint');
    // RFC 8489 §9.1.3: without USERNAME and MESSAGE-INTEGRITY -> 400.
    if (msg.usernameOffset < 0) return this.reject(msg, 'missing-username', StunErrorCode.BadRequest);
    if (msg.integrityOffset < 0) return this.reject(msg, 'missing-integrity', StunErrorCode.BadRequest);
    if (!this.usernameMatches(msg)) return this.reject(msg, 'username-mismatch', StunErrorCode.Unauthorized);
    if (!verifyMessageIntegrity(msg, this.key, this.ws)) {
      return this.reject(msg, 'bad-integrity', StunErrorCode.Unauthorized);
    }
    // Authenticated from here on: errors carry MESSAGE-INTEGRITY and FINGERPRINT.
    if (msg.unknownAttributeCount > 0) {
      return this.rejectAuthenticated(msg, 'unknown-attributes', StunErrorCode.UnknownAttribute);
    }
    // RFC 8445 §7.1.1: a check carries PRIORITY.
    if (!msg.hasPriority) return this.rejectAuthenticated(msg, 'missing-priority', StunErrorCode.BadRequest);
    // RFC 8445 §6.1.1: with a lite peer the full agent is controlling. A peer that claims to be
    // controlled is in conflict, and a lite agent cannot switch to controlling (§7.3.1.1): 487.
    if (msg.iceControlled && !msg.iceControlling) {
      return this.rejectAuthenticated(msg, 'role-conflict', StunErrorCode.RoleConflict);
    }

    const key = tupleKey(address, port);
    let tuple = this.tuples.get(key);
    let newTuple = false;
    let evicted: ValidTuple | undefined;
    if (!tuple) {
      const ip = parseIpAddress(address);
      if (!ip || !Number.isInteger(port) || port < 0 || port > 65535) return this.drop('unknown-address');
      if (this.tuples.size >= this.maxValidTuples) evicted = this.evictOne();
      const view: TransportTuple = Object.freeze({ address, port });
      tuple = { address, port, key, ip, view, lastCheckAt: now, nominatedAt: -1 };
      this.tuples.set(key, tuple);
      newTuple = true;
      this.emit({ type: 'tuple-validated', tuple: view });
    }
    tuple.lastCheckAt = now;
    this.lastValidAt = now;
    let selectionChanged = false;
    // RFC 8445 §7.3.1.5: USE-CANDIDATE nominates the pair; the latest nomination is selected.
    if (msg.useCandidate) {
      tuple.nominatedAt = now;
      if (this.selectedTuple !== tuple) {
        this.selectedTuple = tuple;
        selectionChanged = true;
        this.emit({ type: 'selected', tuple: tuple.view });
      }
    }
    this.stats.checksValid++;
    const response = buildBindingSuccess(msg.bytes, tuple.ip, port, this.key, this.ws);
    return { verdict: 'valid', response, tuple, newTuple, evicted, selectionChanged };
  }

  /** Consent freshness (RFC 7675 §5.1): expire stale tuples, close when no valid check for too long. */
  handleTimeout(now: number): void {
    if (this.closedReason) return;
    for (const t of this.tuples.values()) {
      if (now - t.lastCheckAt >= this.consentTimeoutMs) {
        this.tuples.delete(t.key);
        this.emit({ type: 'tuple-expired', tuple: t.view });
        if (this.selectedTuple === t) this.selectedTuple = undefined;
      }
    }
    if (now - this.lastValidAt >= this.consentTimeoutMs) this.close('consent-expired');
  }

  nextTimeout(): number | undefined {
    if (this.closedReason) return undefined;
    let next = this.lastValidAt + this.consentTimeoutMs;
    for (const t of this.tuples.values()) next = Math.min(next, t.lastCheckAt + this.consentTimeoutMs);
    return next;
  }

  pollEvent(): IceEvent | undefined {
    return this.events.shift();
  }

  close(reason: IceCloseReason = 'local-close'): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.tuples.clear();
    this.selectedTuple = undefined;
    this.emit({ type: 'closed', reason });
  }

  private usernameMatches(msg: StunMessage): boolean {
    const bytes = msg.bytes;
    const off = msg.usernameOffset;
    const len = msg.usernameLength;
    const expected = this.expectedUsername;
    if (this.remoteUfrag === undefined) {
      // Peer ufrag not known yet: the local part and the colon must match, any remote part is taken.
      if (len <= expected.length) return false;
    } else if (len !== expected.length) {
      return false;
    }
    for (let i = 0; i < expected.length; i++) if (bytes[off + i] !== expected[i]) return false;
    return true;
  }

  private evictOne(): ValidTuple | undefined {
    let victim: ValidTuple | undefined;
    for (const t of this.tuples.values()) {
      if (t === this.selectedTuple) continue;
      if (!victim || t.lastCheckAt < victim.lastCheckAt) victim = t;
    }
    // With maxValidTuples 1 the selected tuple itself gives way to the newly validated one.
    victim ??= this.selectedTuple;
    if (victim) {
      this.tuples.delete(victim.key);
      if (victim === this.selectedTuple) this.selectedTuple = undefined;
    }
    return victim;
  }

  /** Queues an event; an owner that never polls loses the oldest ones, never memory without bound. */
  private emit(event: IceEvent): void {
    if (this.events.length >= MAX_QUEUED_EVENTS) this.events.shift();
    this.events.push(event);
  }

  private count(reason: IceRejectReason): void {
    this.stats.byReason[reason] = (this.stats.byReason[reason] ?? 0) + 1;
  }

  private drop(reason: IceRejectReason): IceCheckResult {
    this.stats.checksDropped++;
    this.count(reason);
    return { verdict: 'dropped', reason };
  }

  /**
   * Error before authentication (RFC 8489 §9.1.3): no MESSAGE-INTEGRITY (we could not verify the
   * sender's key). Sent only when no larger than the request, so it can never amplify; with
   * `unauthenticatedReplies: 'none'` never.
   */
  private reject(msg: StunMessage, reason: IceRejectReason, code: number): IceCheckResult {
    this.count(reason);
    if (!this.boundedReplies) {
      this.stats.checksDropped++;
      return { verdict: 'dropped', reason };
    }
    let response = buildErrorResponse(msg.bytes, code);
    if (response.length > msg.length) response = buildErrorResponse(msg.bytes, code, { reason: '' });
    if (response.length > msg.length) {
      this.stats.checksDropped++;
      return { verdict: 'dropped', reason };
    }
    this.stats.checksRejected++;
    return { verdict: 'rejected', reason, response };
  }

  private rejectAuthenticated(msg: StunMessage, reason: IceRejectReason, code: number): IceCheckResult {
    this.count(reason);
    this.stats.checksRejected++;
    const response = buildErrorResponse(msg.bytes, code, {
      unknownAttributes: code === StunErrorCode.UnknownAttribute ? msg.unknownAttributeList() : undefined,
      integrity: { sha1: { key: this.key, workspace: this.ws }, fingerprint: true },
    });
    return { verdict: 'rejected', reason, response };
  }
}
