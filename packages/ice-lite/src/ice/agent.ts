import { type IpAddressBytes, parseIpAddress } from '../stun/address.js';
import { buildBindingSuccess, buildErrorResponse } from '../stun/builder.js';
import { StunErrorCode, StunMessageType } from '../stun/constants.js';
import { HmacSha1Key, Sha1Workspace } from '../stun/hmac-sha1.js';
import { verifyFingerprint, verifyMessageIntegrity } from '../stun/integrity.js';
import type { StunMessage } from '../stun/message.js';
import {
  buildCheckRequest,
  CHECK_MAX_TRANSMISSIONS,
  CHECK_PACING_MS,
  CHECK_RTO_MS,
  type CheckPurpose,
  CONSENT_JITTER_MIN,
  CONSENT_JITTER_SPAN,
  matchesTransaction,
  newOutgoingCheck,
  type OutgoingCheck,
  type RemoteCredentials,
  randomTieBreaker,
  scheduleNext,
  UNVERIFIED_REQUEST_CREDIT,
  uniform,
} from './connectivity-check.js';
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
  /**
   * The peer's password from its SDP. With it (and `remoteUfrag`) media moves to a tuple only after
   * our own Binding request to it got an authenticated answer, and consent is our requests answered
   * (RFC 7675). Without it the agent cannot ask, and selects what the peer nominates at once.
   * Default: unset.
   */
  remotePwd?: string;
  /** Random source for credentials, transaction IDs, tie-breaker and consent jitter. Default: node:crypto. */
  rng?: RandomSource;
  /** Mean interval of our consent requests on the selected tuple (RFC 7675 §5.1: 5 s, x0.8–1.2). Default 5000. */
  consentIntervalMs?: number;
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
  /** Time of the latest authenticated answer to a request of ours from this tuple, -1 if none. */
  verifiedAt: number;
  /** Bytes of our requests this tuple may still be sent while it has not answered (see connectivity-check). */
  requestCredit: number;
  /** Our Binding request in flight to this tuple, at most one. */
  check: OutgoingCheck | undefined;
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
  | 'unknown-attributes'
  /** A response whose transaction ID is not one of ours in flight to the tuple it came from. */
  | 'unknown-transaction'
  /** A response to our request without MESSAGE-INTEGRITY (it cannot prove the peer sent it). */
  | 'response-missing-integrity'
  /** A response whose MESSAGE-INTEGRITY does not verify with the remote password. */
  | 'response-bad-integrity'
  | 'response-bad-fingerprint';

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
  /**
   * An ICE restart completed: media moved to a pair validated under the new credentials, and the
   * previous local ufrag is no longer accepted (RFC 8445 §9).
   */
  | { type: 'credentials-retired'; ufrag: string }
  | { type: 'tuple-expired'; tuple: TransportTuple }
  | { type: 'closed'; reason: IceCloseReason };

/** Per-session ICE diagnostics: why a session never connected, or why media did not move. */
export interface IceAgentStats {
  /** Binding requests the router handed to this session (its ufrag in USERNAME). */
  checksReceived: number;
  checksValid: number;
  checksRejected: number;
  checksDropped: number;
  /** Checks and responses whose MESSAGE-INTEGRITY did not verify. */
  integrityFailures: number;
  unauthorizedSent: number;
  roleConflictsSent: number;
  /** Valid checks with USE-CANDIDATE. */
  nominations: number;
  /** Our Binding requests to a tuple media is to move to, and how they ended (RFC 8445 §7.2.5). */
  pathValidationsStarted: number;
  pathValidationsSucceeded: number;
  pathValidationsFailed: number;
  /** Times media moved to another tuple, the first selection included. */
  selections: number;
  /** Our consent requests on the selected tuple (transmissions), and authenticated answers (RFC 7675). */
  consentRequestsSent: number;
  consentResponses: number;
  /** 1 once consent expired (30 s without an answer to our requests): the session closed, media stopped. */
  consentExpired: number;
  /** Transmissions of our requests withheld because the unanswered tuple's budget was spent. */
  requestsWithheld: number;
  /** Responses to our requests dropped (forged, unknown transaction, bad integrity). */
  responsesDropped: number;
  /** ICE restarts (new credentials both ways, RFC 8445 §9) and how many completed with a new selection. */
  restarts: number;
  restartsCompleted: number;
  /** Valid checks under the credentials before a restart, while it runs (they keep the old pair alive). */
  previousGenerationChecks: number;
  /** Per-reason counts of rejected and dropped checks and responses. */
  readonly byReason: Partial<Record<IceRejectReason, number>>;
}

/** A request of ours for the embedder to send (`pollTransmit`). */
export interface IceTransmit {
  readonly bytes: Uint8Array;
  readonly tuple: TransportTuple;
}

/** One generation of ICE credentials (both sides'), kept while a restart has not completed. */
interface Generation {
  readonly ufrag: string;
  readonly key: HmacSha1Key;
  readonly expectedUsername: Uint8Array;
  readonly remoteUfrag: string;
  readonly remoteKey: HmacSha1Key;
}

/** Requests kept for pollTransmit() before the oldest are dropped (bounded like the events). */
export const MAX_QUEUED_TRANSMITS = 64;

function newStats(): IceAgentStats {
  return {
    checksReceived: 0,
    checksValid: 0,
    checksRejected: 0,
    checksDropped: 0,
    integrityFailures: 0,
    unauthorizedSent: 0,
    roleConflictsSent: 0,
    nominations: 0,
    pathValidationsStarted: 0,
    pathValidationsSucceeded: 0,
    pathValidationsFailed: 0,
    selections: 0,
    consentRequestsSent: 0,
    consentResponses: 0,
    consentExpired: 0,
    requestsWithheld: 0,
    responsesDropped: 0,
    restarts: 0,
    restartsCompleted: 0,
    previousGenerationChecks: 0,
    byReason: {},
  };
}

/**
 * ICE-lite agent for one session (RFC 8445 §2.5, §7.3). Lite agents gather host candidates only and
 * are always controlled: they answer the full agent's Binding requests, treat a source that passed a
 * check as a valid pair, and follow the pair the peer nominates with USE-CANDIDATE (the latest
 * nomination wins, which also covers aggressive nomination).
 *
 * Media moves only to an address that answered us. A check proves that its sender knows the
 * password, not that it receives at its source address: anyone holding credentials (every caller
 * holds their own session's) can send a nominating check from a victim's address. So with the
 * remote credentials known, a nomination of a new tuple (or a check from a new port of the selected
 * tuple's address: NAT rebinding) makes the agent send its own Binding request there (make before
 * break, RFC 8445 §7.2.5 checks run by the controlled side too); media stays on the current tuple
 * until an authenticated success response comes back from exactly that tuple. On the selected
 * tuple the agent keeps asking (RFC 7675 consent freshness) and closes the session 30 s after the
 * last answer, so checks sent from a victim's address cannot keep a flow towards it alive.
 *
 * Sans-IO: the caller routes datagrams here and sends the returned responses and `pollTransmit()`
 * requests; `nextTimeout()`/`handleTimeout()` drive retransmissions, consent and expiry.
 */
export class IceLiteAgent {
  private ufrag: string;
  private pwd: string;
  private remoteUfrag: string | undefined;
  private remoteKey: HmacSha1Key | undefined;
  private expectedUsername: Uint8Array;
  private key: HmacSha1Key;
  /**
   * During an ICE restart (RFC 8445 §9): the credentials the selected pair was validated with. Checks
   * under them are still answered, and our consent requests on that pair still use them, so media
   * keeps flowing there until a pair is validated under the new ones; then they are retired.
   */
  private previous: Generation | undefined;
  private readonly ws: Sha1Workspace;
  private readonly rng: RandomSource;
  private readonly tieBreaker: bigint;
  private readonly consentTimeoutMs: number;
  private readonly consentIntervalMs: number;
  /** Longest time between consent answers when nothing is lost: the longest interval and one RTO. */
  private readonly consentInDoubtMs: number;
  private readonly maxValidTuples: number;
  private readonly boundedReplies: boolean;
  private readonly tuples = new Map<string, ValidTuple>();
  private selectedTuple: ValidTuple | undefined;
  /** The tuple media is to move to once it answers (the latest nomination, or a rebinding). */
  private pendingTuple: ValidTuple | undefined;
  private lastValidAt: number;
  /** Latest authenticated answer from the selected tuple (RFC 7675 §5.1 consent). */
  private lastConsentAt = 0;
  private nextConsentAt = 0;
  /** When the latest of our transactions started (or is scheduled to), for Ta pacing. */
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private events: IceEvent[] = [];
  private outbox: IceTransmit[] = [];
  private closedReason: IceCloseReason | undefined;
  readonly stats: IceAgentStats = newStats();

  constructor(options: IceLiteAgentOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (!Number.isFinite(options.now)) throw new TypeError('options.now must be a finite number (ms)');
    const consent = options.consentTimeoutMs ?? 30_000;
    if (!(consent > 0)) throw new RangeError('options.consentTimeoutMs must be > 0');
    const interval = options.consentIntervalMs ?? 5000;
    if (!(interval > 0) || !Number.isFinite(interval))
      throw new RangeError('options.consentIntervalMs must be > 0');
    const maxTuples = options.maxValidTuples ?? 8;
    if (!Number.isInteger(maxTuples) || maxTuples < 1)
      throw new RangeError('options.maxValidTuples must be >= 1');
    const replies = options.unauthenticatedReplies ?? 'bounded';
    if (replies !== 'bounded' && replies !== 'none') {
      throw new RangeError("options.unauthenticatedReplies must be 'bounded' or 'none'");
    }
    if (options.rng !== undefined && typeof options.rng !== 'function') {
      throw new TypeError('options.rng must be a function');
    }
    this.rng = options.rng ?? defaultRandom;
    let { localUfrag, localPwd } = options;
    if (localUfrag === undefined || localPwd === undefined) {
      if (localUfrag !== undefined || localPwd !== undefined) {
        throw new TypeError('options.localUfrag and options.localPwd must be given together');
      }
      ({ ufrag: localUfrag, pwd: localPwd } = generateIceCredentials(this.rng));
    }
    assertIceCredentials(localUfrag, localPwd, 'options.local');
    this.ufrag = localUfrag;
    this.pwd = localPwd;
    this.ws = options.workspace ?? new Sha1Workspace();
    // Short-term credential (RFC 8489 §9.1.1): the key is the password itself (OpaqueString-prepared;
    // ice-chars are unchanged by it).
    this.key = new HmacSha1Key(new TextEncoder().encode(localPwd), this.ws);
    this.tieBreaker = randomTieBreaker(this.rng);
    this.consentTimeoutMs = consent;
    this.consentIntervalMs = interval;
    this.consentInDoubtMs = interval * (CONSENT_JITTER_MIN + CONSENT_JITTER_SPAN) + CHECK_RTO_MS;
    this.maxValidTuples = maxTuples;
    this.boundedReplies = replies === 'bounded';
    this.lastValidAt = options.now;
    this.remoteUfrag = undefined;
    this.expectedUsername = new Uint8Array(0);
    this.setRemoteUfrag(options.remoteUfrag);
    this.setRemotePwd(options.remotePwd);
  }

  /** Sets (or clears) the peer's ufrag once its SDP is known. */
  setRemoteUfrag(ufrag: string | undefined): void {
    if (ufrag !== undefined && (typeof ufrag !== 'string' || ufrag.length < 1 || ufrag.length > 256)) {
      throw new RangeError('remoteUfrag must be a 1..256 character string');
    }
    this.remoteUfrag = ufrag;
    // RFC 8445 §7.2.2: USERNAME of a check is "receiver-ufrag:sender-ufrag".
    this.expectedUsername = new TextEncoder().encode(`${this.ufrag}:${ufrag ?? ''}`);
  }

  /** Our ICE credentials, as in the latest answer (new ones after `restart`). */
  get localUfrag(): string {
    return this.ufrag;
  }

  get localPwd(): string {
    return this.pwd;
  }

  /** The local ufrag of the generation still accepted during a restart, if one runs. */
  get previousUfrag(): string | undefined {
    return this.previous?.ufrag;
  }

  /**
   * ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): new local credentials (given, or generated) and
   * the peer's new ones. Media stays on the selected pair, kept by consent under the old
   * credentials, until the peer nominates a pair under the new ones and that pair answers our own
   * request signed with the new password; then the old credentials are retired. Returns the new
   * local credentials and the local ufrags no longer accepted from now on.
   */
  restart(options: { remoteUfrag: string; remotePwd: string; localUfrag?: string; localPwd?: string }): {
    ufrag: string;
    pwd: string;
    retired: string[];
  } {
    if (this.closedReason) throw new Error('restart() on a closed agent');
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    assertIceCredentials(options.remoteUfrag, options.remotePwd, 'options.remote');
    let { localUfrag, localPwd } = options;
    if (localUfrag === undefined || localPwd === undefined) {
      if (localUfrag !== undefined || localPwd !== undefined) {
        throw new TypeError('options.localUfrag and options.localPwd must be given together');
      }
      ({ ufrag: localUfrag, pwd: localPwd } = generateIceCredentials(this.rng));
    }
    assertIceCredentials(localUfrag, localPwd, 'options.local');
    const retired: string[] = [];
    if (this.selectedTuple && this.validatesPaths) {
      // Media flows under the current generation: keep it until the new one proves a pair. A restart
      // while another runs keeps the generation media flows under and drops the one never used.
      if (this.previous) retired.push(this.ufrag);
      else this.previous = this.generation();
    } else {
      retired.push(this.ufrag);
      if (this.previous) retired.push(this.previous.ufrag);
      this.previous = undefined;
    }
    // Requests signed with the old password prove nothing under the new one: validations start over.
    for (const t of this.tuples.values()) {
      if (t.check && t.check.purpose === 'validation') t.check = undefined;
    }
    this.pendingTuple = undefined;
    this.ufrag = localUfrag;
    this.pwd = localPwd;
    this.key = new HmacSha1Key(new TextEncoder().encode(localPwd), this.ws);
    this.setRemoteUfrag(options.remoteUfrag);
    this.remoteKey = new HmacSha1Key(new TextEncoder().encode(options.remotePwd), this.ws);
    this.stats.restarts++;
    return { ufrag: localUfrag, pwd: localPwd, retired };
  }

  private generation(): Generation {
    return {
      ufrag: this.ufrag,
      key: this.key,
      expectedUsername: this.expectedUsername,
      remoteUfrag: this.remoteUfrag!,
      remoteKey: this.remoteKey!,
    };
  }

  /** Sets the peer's password once its SDP is known: from then on media moves only to tuples that answered. */
  setRemotePwd(pwd: string | undefined): void {
    if (pwd !== undefined && (typeof pwd !== 'string' || pwd.length < 1 || pwd.length > 256)) {
      throw new RangeError('remotePwd must be a 1..256 character string');
    }
    this.remoteKey = pwd === undefined ? undefined : new HmacSha1Key(new TextEncoder().encode(pwd), this.ws);
    const selected = this.selectedTuple;
    if (selected && this.validatesPaths) {
      // Selected before we could ask: consent counts from the peer's latest check there, and our
      // first consent request is due at once.
      this.lastConsentAt = Math.max(this.lastConsentAt, selected.lastCheckAt);
      this.nextConsentAt = this.lastConsentAt;
    }
  }

  /** Whether media moves only after our own request was answered (the remote credentials are known). */
  get validatesPaths(): boolean {
    return this.remoteKey !== undefined && this.remoteUfrag !== undefined;
  }

  get state(): 'new' | 'connected' | 'closed' {
    if (this.closedReason) return 'closed';
    return this.selectedTuple ? 'connected' : 'new';
  }

  get closeReason(): IceCloseReason | undefined {
    return this.closedReason;
  }

  /** The tuple media is sent to, if any: nominated and (with remote credentials) answered. */
  get selected(): TransportTuple | undefined {
    return this.selectedTuple?.view;
  }

  /** The nominated tuple media will move to once it answers our request, if any. */
  get pending(): TransportTuple | undefined {
    return this.pendingTuple?.view;
  }

  /** Whether datagrams from this tuple may pass to DTLS/SRTP (RFC 8445 §7.3.1.3, DESIGN: nothing else). */
  isValid(address: string, port: number): boolean {
    return this.tuples.has(tupleKey(address, port));
  }

  validTuples(): TransportTuple[] {
    return [...this.tuples.values()].map((t) => t.view);
  }

  /**
   * Handles a parsed STUN message addressed to this agent: a Binding request (the router matched
   * USERNAME's first part) or a response to one of ours (matched by the tuple it came from).
   * `msg` must have parsed 'ok'. Checks follow RFC 8489 §9.1.3 and RFC 8445 §7.3.1 in this order:
   * FINGERPRINT, USERNAME, MESSAGE-INTEGRITY, then PRIORITY / role / unknown attributes, which are
   * answered with integrity since the sender is then authenticated.
   */
  handleStun(msg: StunMessage, address: string, port: number, now: number): IceCheckResult {
    if (this.closedReason) return this.drop('closed');
    if (
      msg.type === StunMessageType.BindingSuccessResponse ||
      msg.type === StunMessageType.BindingErrorResponse
    ) {
      return this.handleResponse(msg, address, port, now);
    }
    // Indications (keepalives) need nothing.
    if (msg.type !== StunMessageType.BindingRequest) return this.drop('not-binding-request');
    this.stats.checksReceived++;
    // RFC 8445 §7.2.2: checks carry FINGERPRINT. A wrong one means "not STUN" (RFC 8489 §7.3): drop.
    if (msg.fingerprintOffset < 0) return this.reject(msg, 'missing-fingerprint', StunErrorCode.BadRequest);
    if (!verifyFingerprint(msg)) return this.drop('bad-fingerprint');
    // RFC 8489 §9.1.3: without USERNAME and MESSAGE-INTEGRITY -> 400.
    if (msg.usernameOffset < 0) return this.reject(msg, 'missing-username', StunErrorCode.BadRequest);
    if (msg.integrityOffset < 0) return this.reject(msg, 'missing-integrity', StunErrorCode.BadRequest);
    // During a restart the previous generation's checks are still ours (RFC 8445 §9: the old pair
    // carries media until a new one is validated).
    const previous =
      !this.usernameMatches(msg, this.expectedUsername, this.remoteUfrag) &&
      this.previous !== undefined &&
      this.usernameMatches(msg, this.previous.expectedUsername, this.previous.remoteUfrag)
        ? this.previous
        : undefined;
    if (!previous && !this.usernameMatches(msg, this.expectedUsername, this.remoteUfrag)) {
      return this.reject(msg, 'username-mismatch', StunErrorCode.Unauthorized);
    }
    const hmac = previous?.key ?? this.key;
    if (!verifyMessageIntegrity(msg, hmac, this.ws)) {
      this.stats.integrityFailures++;
      return this.reject(msg, 'bad-integrity', StunErrorCode.Unauthorized);
    }
    // Authenticated from here on: errors carry MESSAGE-INTEGRITY and FINGERPRINT.
    if (msg.unknownAttributeCount > 0) {
      return this.rejectAuthenticated(msg, 'unknown-attributes', StunErrorCode.UnknownAttribute, hmac);
    }
    // RFC 8445 §7.1.1: a check carries PRIORITY.
    if (!msg.hasPriority)
      return this.rejectAuthenticated(msg, 'missing-priority', StunErrorCode.BadRequest, hmac);
    // RFC 8445 §6.1.1: with a lite peer the full agent is controlling. A peer that claims to be
    // controlled is in conflict, and a lite agent cannot switch to controlling (§7.3.1.1): 487.
    if (msg.iceControlled && !msg.iceControlling) {
      return this.rejectAuthenticated(msg, 'role-conflict', StunErrorCode.RoleConflict, hmac);
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
      tuple = {
        address,
        port,
        key,
        ip,
        view,
        lastCheckAt: now,
        nominatedAt: -1,
        verifiedAt: -1,
        requestCredit: 0,
        check: undefined,
      };
      this.tuples.set(key, tuple);
      newTuple = true;
      this.emit({ type: 'tuple-validated', tuple: view });
    }
    tuple.lastCheckAt = now;
    this.lastValidAt = now;
    const response = buildBindingSuccess(msg.bytes, tuple.ip, port, hmac, this.ws);
    // What this tuple sent pays for what we may ask it before it answers (bounded: a flood of valid
    // checks buys retransmissions of one request at a time, never a backlog).
    tuple.requestCredit = Math.min(tuple.requestCredit + UNVERIFIED_REQUEST_CREDIT * msg.length, 64 * 1024);
    const before = this.selectedTuple;
    if (previous) {
      // The old generation keeps its pairs alive, and nothing more: a move needs the new credentials.
      this.stats.previousGenerationChecks++;
      this.stats.checksValid++;
      return { verdict: 'valid', response, tuple, newTuple, evicted, selectionChanged: false };
    }
    if (msg.useCandidate) {
      tuple.nominatedAt = now;
      this.stats.nominations++;
    }
    if (!this.validatesPaths) {
      // Without the peer's password we cannot ask: RFC 8445 §7.3.1.5, the latest nomination is selected.
      if (msg.useCandidate && this.selectedTuple !== tuple) this.select(tuple, now);
    } else {
      this.considerMove(tuple, msg.useCandidate, newTuple, now);
    }
    this.stats.checksValid++;
    const selectionChanged = this.selectedTuple !== before;
    return { verdict: 'valid', response, tuple, newTuple, evicted, selectionChanged };
  }

  /**
   * Make before break: decides whether a valid check makes `tuple` the one media is to move to, and
   * asks it. A nomination of another tuple does; so does, without a nomination, the first check from
   * a new port of the selected tuple's address (NAT rebinding: a port of the peer's that has been
   * checking all along is another path, not a rebinding), or from anywhere once the selected tuple
   * has missed an answer to our consent requests (a rebinding that changed the address too: a peer
   * whose consent checks carry no USE-CANDIDATE would otherwise never move). Media stays where it
   * is until the tuple answers, so none of these can aim it at an address that does not.
   */
  private considerMove(tuple: ValidTuple, nominated: boolean, newTuple: boolean, now: number): void {
    const selected = this.selectedTuple;
    if (tuple === selected && !(nominated && this.previous)) {
      // The peer renominated the current tuple: an earlier pending move is off (latest wins).
      if (nominated) this.pendingTuple = undefined;
      return;
    }
    if (tuple === selected) {
      // ICE restart nominating the pair media is on: it is validated again under the new
      // credentials (our consent request there, signed with the old ones, gives way).
      this.pendingTuple = tuple;
      if (tuple.check === undefined || tuple.check.purpose === 'consent')
        this.startCheck(tuple, 'validation', now);
      else if (tuple.check.owed) this.transmit(tuple, tuple.check, now);
      return;
    }
    const rebinding = newTuple && selected !== undefined && tuple.address === selected.address;
    const consentInDoubt = selected !== undefined && now - this.lastConsentAt > this.consentInDoubtMs;
    if (nominated || rebinding || consentInDoubt) this.pendingTuple = tuple;
    if (tuple !== this.pendingTuple) return;
    const inFlight = tuple.check;
    if (inFlight === undefined) {
      this.startCheck(tuple, 'validation', now);
    } else if (inFlight.owed) {
      // A retransmission was withheld for want of budget; this check paid for it.
      this.transmit(tuple, inFlight, now);
    }
  }

  /** A success or error response to one of our requests (RFC 8489 §6.3.3, §6.3.4; RFC 8445 §7.2.5). */
  handleResponse(msg: StunMessage, address: string, port: number, now: number): IceCheckResult {
    if (this.closedReason) return this.drop('closed');
    // RFC 8445 §7.2.5.2.1: the response must come from where the request went. Our requests go only
    // to valid tuples, so one from elsewhere, or with an ID not in flight there, is not ours.
    const tuple = this.tuples.get(tupleKey(address, port));
    const check = tuple?.check;
    if (!tuple || !check || !matchesTransaction(check, msg.bytes))
      return this.dropResponse('unknown-transaction');
    if (msg.fingerprintOffset >= 0 && !verifyFingerprint(msg))
      return this.dropResponse('response-bad-fingerprint');
    // Authenticated with the password we signed the request with (RFC 8489 §9.1.4). Anything else
    // could come from anyone who saw or guessed the transaction: it neither succeeds nor fails the
    // transaction, which keeps going.
    if (msg.integrityOffset < 0) return this.dropResponse('response-missing-integrity');
    const remoteKey = check.key ?? this.remoteKey;
    if (!remoteKey || !verifyMessageIntegrity(msg, remoteKey, this.ws)) {
      this.stats.integrityFailures++;
      return this.dropResponse('response-bad-integrity');
    }
    tuple.check = undefined;
    if (msg.type === StunMessageType.BindingErrorResponse) {
      // An authenticated error (487 included: a lite agent cannot take the controlling role,
      // RFC 8445 §7.3.1.1) ends the transaction without proof.
      this.endFailed(check);
      return { verdict: 'valid', tuple };
    }
    tuple.verifiedAt = now;
    if (check.purpose === 'consent') this.stats.consentResponses++;
    else this.stats.pathValidationsSucceeded++;
    const before = this.selectedTuple;
    if (tuple === this.pendingTuple && check.purpose === 'validation') this.select(tuple, now);
    else if (tuple === this.selectedTuple) this.lastConsentAt = now;
    return { verdict: 'valid', tuple, selectionChanged: this.selectedTuple !== before };
  }

  /** Retransmissions, consent requests and expiry (RFC 8489 §6.2.1, RFC 7675 §5.1). */
  handleTimeout(now: number): void {
    if (this.closedReason) return;
    for (const t of [...this.tuples.values()]) {
      // Consent of the selected tuple is our requests answered; other tuples live by the peer's checks.
      const validatedSelection = t === this.selectedTuple && this.validatesPaths;
      if (!validatedSelection && now - t.lastCheckAt >= this.consentTimeoutMs) {
        this.forget(t);
        this.emit({ type: 'tuple-expired', tuple: t.view });
      }
    }
    const selected = this.selectedTuple;
    if (selected && this.validatesPaths && now - this.lastConsentAt >= this.consentTimeoutMs) {
      // RFC 7675 §5.1: no answer for 30 s: consent is gone, media must stop.
      this.stats.consentExpired = 1;
      this.close('consent-expired');
      return;
    }
    for (const t of this.tuples.values()) {
      const c = t.check;
      if (!c || now < c.nextAt) continue;
      if (c.sent >= CHECK_MAX_TRANSMISSIONS) {
        t.check = undefined;
        this.endFailed(c);
      } else {
        this.transmit(t, c, now);
      }
    }
    if (selected && this.validatesPaths && now >= this.nextConsentAt) {
      this.scheduleConsent(now);
      if (!selected.check) this.startCheck(selected, 'consent', now);
    }
    if (now - this.lastValidAt >= this.consentTimeoutMs) this.close('consent-expired');
  }

  nextTimeout(): number | undefined {
    if (this.closedReason) return undefined;
    let next = this.lastValidAt + this.consentTimeoutMs;
    const consentBySelection = this.selectedTuple !== undefined && this.validatesPaths;
    for (const t of this.tuples.values()) {
      if (!(consentBySelection && t === this.selectedTuple))
        next = Math.min(next, t.lastCheckAt + this.consentTimeoutMs);
      if (t.check) next = Math.min(next, t.check.nextAt);
    }
    if (consentBySelection) {
      next = Math.min(next, this.nextConsentAt, this.lastConsentAt + this.consentTimeoutMs);
    }
    return next;
  }

  pollEvent(): IceEvent | undefined {
    return this.events.shift();
  }

  /** Our Binding requests to send, each to its tuple (a valid tuple of this session). */
  pollTransmit(): IceTransmit | undefined {
    return this.outbox.shift();
  }

  close(reason: IceCloseReason = 'local-close'): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const t of this.tuples.values()) t.check = undefined;
    this.tuples.clear();
    this.selectedTuple = undefined;
    this.pendingTuple = undefined;
    this.outbox = [];
    this.emit({ type: 'closed', reason });
  }

  private select(tuple: ValidTuple, now: number): void {
    // Any validation now runs under the newest credentials (restart() dropped older ones), so a
    // selection completes a restart: the previous generation is retired (RFC 8445 §9).
    const retired = this.previous;
    if (retired) {
      this.previous = undefined;
      this.stats.restartsCompleted++;
      this.emit({ type: 'credentials-retired', ufrag: retired.ufrag });
    }
    this.selectedTuple = tuple;
    if (this.pendingTuple === tuple) this.pendingTuple = undefined;
    this.stats.selections++;
    // The answer that moved media here is the first consent (RFC 7675 §5.1).
    this.lastConsentAt = now;
    this.scheduleConsent(now);
    this.emit({ type: 'selected', tuple: tuple.view });
  }

  private scheduleConsent(now: number): void {
    const factor = CONSENT_JITTER_MIN + CONSENT_JITTER_SPAN * uniform(this.rng);
    this.nextConsentAt = now + this.consentIntervalMs * factor;
  }

  private startCheck(tuple: ValidTuple, purpose: CheckPurpose, now: number): void {
    // Consent on the pair media is on stays with the credentials it was validated under until a
    // restart completes: the peer's old generation answers there.
    const gen = purpose === 'consent' ? this.previous : undefined;
    const remote: RemoteCredentials = gen
      ? { ufrag: gen.remoteUfrag, key: gen.remoteKey }
      : { ufrag: this.remoteUfrag!, key: this.remoteKey! };
    const localUfrag = gen?.ufrag ?? this.ufrag;
    tuple.check = newOutgoingCheck(
      purpose,
      this.rng,
      (id) => buildCheckRequest(id, remote, localUfrag, this.tieBreaker, this.ws),
      now,
    );
    tuple.check.key = remote.key;
    if (purpose === 'validation') this.stats.pathValidationsStarted++;
    // RFC 8445 §14.2: transactions start no faster than one per Ta; a later one waits its turn
    // (handleTimeout sends it when due).
    const at = Math.max(now, this.lastStartAt + CHECK_PACING_MS);
    this.lastStartAt = at;
    tuple.check.nextAt = at;
    if (at <= now) this.transmit(tuple, tuple.check, now);
  }

  /**
   * Sends (queues) the next transmission of `check`. Until the tuple has answered us within the
   * consent window, each transmission is paid from what the tuple sent; one that cannot be paid is
   * skipped and owed to the next check from there.
   */
  private transmit(tuple: ValidTuple, check: OutgoingCheck, now: number): void {
    const verified = tuple.verifiedAt >= 0 && now - tuple.verifiedAt < this.consentTimeoutMs;
    if (!verified && tuple.requestCredit < check.bytes.length) {
      if (!check.owed) this.stats.requestsWithheld++;
      check.owed = true;
      check.sent++;
      scheduleNext(check, now);
      return;
    }
    if (!verified) tuple.requestCredit -= check.bytes.length;
    check.owed = false;
    check.sent++;
    scheduleNext(check, now);
    if (check.purpose === 'consent') this.stats.consentRequestsSent++;
    if (this.outbox.length >= MAX_QUEUED_TRANSMITS) this.outbox.shift();
    this.outbox.push({ bytes: check.bytes, tuple: tuple.view });
  }

  /** A failed validation leaves its tuple pending: the peer's next check from there asks again. */
  private endFailed(check: OutgoingCheck): void {
    if (check.purpose === 'validation') this.stats.pathValidationsFailed++;
  }

  /** Removes a tuple with its transaction and any role it had. */
  private forget(t: ValidTuple): void {
    this.tuples.delete(t.key);
    t.check = undefined;
    if (this.selectedTuple === t) this.selectedTuple = undefined;
    if (this.pendingTuple === t) this.pendingTuple = undefined;
  }

  private usernameMatches(msg: StunMessage, expected: Uint8Array, remoteUfrag: string | undefined): boolean {
    const bytes = msg.bytes;
    const off = msg.usernameOffset;
    const len = msg.usernameLength;
    if (remoteUfrag === undefined) {
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
    if (victim) this.forget(victim);
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

  private dropResponse(reason: IceRejectReason): IceCheckResult {
    this.stats.responsesDropped++;
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
    if (code === StunErrorCode.Unauthorized) this.stats.unauthorizedSent++;
    return { verdict: 'rejected', reason, response };
  }

  private rejectAuthenticated(
    msg: StunMessage,
    reason: IceRejectReason,
    code: number,
    key: HmacSha1Key,
  ): IceCheckResult {
    this.count(reason);
    this.stats.checksRejected++;
    if (code === StunErrorCode.RoleConflict) this.stats.roleConflictsSent++;
    const response = buildErrorResponse(msg.bytes, code, {
      unknownAttributes: code === StunErrorCode.UnknownAttribute ? msg.unknownAttributeList() : undefined,
      integrity: { sha1: { key, workspace: this.ws }, fingerprint: true },
    });
    return { verdict: 'rejected', reason, response };
  }
}
