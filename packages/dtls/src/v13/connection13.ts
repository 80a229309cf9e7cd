import {
  AlertDescription,
  AlertLevel,
  alertName,
  decodeAlert,
  encodeAlert,
  HandshakeAbort,
} from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import type { DtlsCloseReason, DtlsDropReason, DtlsEvent, DtlsState, DtlsStats } from '../events.js';
import { newStats } from '../events.js';
import { computeFingerprint } from '../fingerprint.js';
import { type HandshakeFragment, parseHandshakeFragment } from '../handshake/fragment.js';
import {
  type FragmentVerdict,
  type HandshakeMessage,
  HandshakeReassembler,
} from '../handshake/reassembly.js';
import { RetransmitTimer } from '../retransmit.js';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  type SrtpKeyingMaterial,
  type SrtpProfile,
  splitSrtpKeyingMaterial,
  srtpKeyingMaterialLength,
} from '../srtp-profiles.js';
import { DecodeError } from '../wire/decode-error.js';
import { CIPHER_SUITES_13, type CipherSuite13 } from './cipher-suites.js';
import { fail13, HandshakeFailure13 } from './failure.js';
import { OutgoingFlight13 as Flight, type OutgoingFlight13, type OutgoingMessage13 } from './flight13.js';
import { GROUPS_13, type Group13, groupName } from './key-exchange.js';
import type { KeySchedule13 } from './key-schedule.js';
import { decodeAck, encodeAck, MAX_ACK_ENTRIES, type RecordNumber } from './messages/ack.js';
import { decodeKeyUpdate, encodeKeyUpdate } from './messages/key-update.js';
import { ContentType13 } from './record-header.js';
import {
  type RecordDrop13,
  RecordLayer13,
  type RecordVerdict13,
  SequenceExhausted13,
} from './record-layer.js';
import { RecordProtection13 } from './record-protection.js';
import { HandshakeType13 } from './types13.js';

/** What DTLS 1.3 adds to the shared configuration: its suites and groups, in preference order. */
export interface Dtls13Options {
  readonly cipherSuites: readonly CipherSuite13[];
  /** Groups we support, in preference order (the server picks by this order among the client's shares). */
  readonly groups: readonly Group13[];
  /** Client: the groups it sends key shares for in its first ClientHello. */
  readonly keyShareGroups: readonly Group13[];
}

export const DEFAULT_DTLS13_OPTIONS: Dtls13Options = Object.freeze({
  cipherSuites: CIPHER_SUITES_13,
  groups: GROUPS_13,
  // The browsers' choice: the hybrid and x25519, so a server without ML-KEM needs no retry.
  keyShareGroups: Object.freeze([0x11ec, 29] as Group13[]),
});

/** The epochs of DTLS 1.3 without early data (RFC 9147 §6.1). */
export const EPOCH_HANDSHAKE = 2;
export const EPOCH_APPLICATION = 3;

/** The keys of an established connection: what `connected` and the exporter need, and the KeyUpdate chain. */
export interface ApplicationKeys13 {
  readonly suite: CipherSuite13;
  readonly schedule: KeySchedule13;
  readonly group: Group13;
  /** Our current application traffic secret and its epoch. */
  ourSecret: Uint8Array;
  ourEpoch: number;
  /** The peer's current application traffic secret and its epoch. */
  peerSecret: Uint8Array;
  peerEpoch: number;
  readonly exporterSecret: Uint8Array;
  readonly srtpProfile: SrtpProfile | undefined;
  readonly peerCertificate: Uint8Array | undefined;
}

const VERDICT_DROP: Record<Exclude<FragmentVerdict, 'buffered' | 'old'>, DtlsDropReason> = {
  'too-large': 'handshake-too-large',
  'out-of-window': 'handshake-out-of-window',
  'buffer-full': 'handshake-buffer-full',
  'too-many-ranges': 'handshake-too-many-ranges',
  inconsistent: 'handshake-inconsistent',
};

/** Record-layer drops under the names the engine's counters already have. */
const RECORD_DROP: Record<Exclude<RecordDrop13, 'empty-inner-plaintext'>, DtlsDropReason> = {
  'truncated-record': 'truncated-record',
  'oversized-record': 'oversized-record',
  'bad-content-type': 'bad-content-type',
  'connection-id': 'bad-content-type',
  'unknown-epoch': 'unknown-epoch',
  'auth-failed': 'auth-failed',
  replayed: 'replayed',
  'bad-plaintext-epoch': 'unknown-epoch',
};

/** A KeyUpdate is started this many records before the AEAD's confidentiality limit (RFC 9147 §4.5.3). */
const KEY_UPDATE_MARGIN = 1 << 16;
/** Largest application data record content (RFC 8446 §5.1). */
const MAX_PLAINTEXT = 16384;

/**
 * What both roles of a DTLS 1.3 connection share (RFC 9147): the record layer and its epochs,
 * reassembly, our flight with its ACK bookkeeping and timer (§5.8, §7), ACKs, alerts, application
 * data, KeyUpdate (§8) and the exporter. The role subclasses hold the handshake state as one value
 * of a discriminated union and return the next state from each message.
 */
export abstract class Dtls13Connection {
  protected stateValue: DtlsState = 'new';
  readonly stats: DtlsStats = newStats();
  protected readonly records = new RecordLayer13();
  protected readonly reassembler: HandshakeReassembler;
  private readonly timer: RetransmitTimer;
  private readonly outbox: Uint8Array[] = [];
  private readonly events: DtlsEvent[] = [];
  /** Our flight awaiting acknowledgement (explicit ACK or the peer's next flight). */
  private flight: OutgoingFlight13 | undefined;
  /** message_seq range of the peer flight our current flight answers; seeing it again means our answer was lost. */
  private peerFlightStart = 0;
  private peerFlightEnd = -1;
  /** Records with handshake data of the peer's current flight (what an ACK lists, RFC 9147 §7). */
  private received: RecordNumber[] = [];
  /** When an ACK of a partly received peer flight is due (RFC 9147 §7.1). */
  private ackDeadline: number | undefined;
  private retransmitRequested = false;
  private ackRequested = false;
  private lastEchoAt = Number.NEGATIVE_INFINITY;
  protected nextSendSeq = 0;
  protected startedAt = 0;
  private handshakeDeadline: number | undefined;
  private peerHeard = false;
  /** Keys once connected. */
  protected app: ApplicationKeys13 | undefined;
  private srtpCache: SrtpKeyingMaterial | undefined;
  /** Our KeyUpdate is in flight: the write epoch moves once it is acknowledged (RFC 9147 §8). */
  private keyUpdateInFlight = false;
  /** Number of the record carrying the current handshake message (for ACKs of post-handshake messages). */
  protected currentRecord: RecordNumber = { epoch: 0, sequenceNumber: 0 };
  /** The peer's ServerHello / ClientHello was accepted: the handshake proper has begun. */
  private helloDone = false;

  constructor(
    protected readonly cfg: ResolvedConfig,
    protected readonly opts: Dtls13Options,
  ) {
    // The same limits as DTLS 1.2: memory follows the bytes received, within maxHandshakeBufferSize.
    this.reassembler = new HandshakeReassembler({
      maxMessageSize: cfg.maxHandshakeMessageSize,
      maxBufferedBytes: cfg.maxHandshakeBufferSize,
    });
    this.timer = new RetransmitTimer(cfg.retransmitInitialMs, cfg.retransmitMaxMs);
  }

  get state(): DtlsState {
    return this.stateValue;
  }

  protected isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  abstract start(now: number): void;

  /** One complete handshake message, in message_seq order, while the handshake runs. */
  protected abstract onHandshakeMessage(msg: HandshakeMessage, now: number): void;

  /**
   * Offers a handshake fragment that arrived before the peer's hello (ClientHello for a server,
   * ServerHello for a client) was accepted: only fragments of that hello may be kept, so nothing
   * planted for a later message_seq survives past it. Returns undefined when the fragment was
   * dropped (and counted).
   */
  protected abstract offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined;

  // ---- input -------------------------------------------------------------------------------

  handleDatagram(bytes: Uint8Array, now: number): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('handleDatagram: bytes must be a Uint8Array');
    checkNow(now, 'handleDatagram');
    this.stats.datagramsReceived++;
    if (this.stateValue === 'closed') {
      this.stats.drops['after-close']++;
      return;
    }
    if (this.stateValue === 'new' && this.cfg.role === 'client') {
      this.stats.drops['not-started']++;
      return;
    }
    this.retransmitRequested = false;
    this.ackRequested = false;
    try {
      for (const v of this.records.receive(bytes)) {
        if (this.isClosed()) break;
        this.processRecord(v, now);
      }
      if (this.isClosed()) return;
      if (this.retransmitRequested && now - this.lastEchoAt >= this.cfg.retransmitInitialMs / 2) {
        this.lastEchoAt = now;
        this.retransmit(now, false);
      }
      if (this.ackRequested) this.sendAck();
    } catch (e) {
      this.abort(e);
    }
  }

  handleTimeout(now: number): void {
    checkNow(now, 'handleTimeout');
    if (this.stateValue === 'closed') return;
    if (
      this.handshakeDeadline !== undefined &&
      now >= this.handshakeDeadline &&
      this.stateValue !== 'connected'
    ) {
      this.closeWith('handshake-timeout', undefined, `no handshake after ${this.cfg.handshakeTimeoutMs} ms`);
      return;
    }
    try {
      if (this.ackDeadline !== undefined && now >= this.ackDeadline) {
        this.ackDeadline = undefined;
        this.sendAck();
      }
      const d = this.timer.deadline;
      if (d !== undefined && now >= d) this.retransmit(now, true);
    } catch (e) {
      this.abort(e);
    }
  }

  pollTransmit(): Uint8Array | undefined {
    const d = this.outbox.shift();
    if (d !== undefined) this.stats.datagramsSent++;
    return d;
  }

  pollEvent(): DtlsEvent | undefined {
    return this.events.shift();
  }

  nextTimeout(): number | undefined {
    if (this.stateValue === 'closed') return undefined;
    let t = this.timer.deadline;
    const consider = (x: number | undefined) => {
      if (x !== undefined && (t === undefined || x < t)) t = x;
    };
    consider(this.ackDeadline);
    if (this.stateValue === 'handshaking') consider(this.handshakeDeadline);
    return t;
  }

  private processRecord(v: RecordVerdict13, now: number): void {
    if (!v.ok) {
      if (v.reason === 'empty-inner-plaintext') fail13('empty-record', 'record without a content type');
      this.stats.drops[RECORD_DROP[v.reason]]++;
      // RFC 9147 §4.5.3: too many forgeries under one key end the connection.
      for (const e of [EPOCH_HANDSHAKE, this.app?.peerEpoch ?? EPOCH_APPLICATION])
        if (this.records.integrityLimitReached(e)) fail13('integrity-limit', `epoch ${e} integrity limit`);
      return;
    }
    this.stats.recordsReceived++;
    switch (v.contentType) {
      case ContentType13.handshake:
        this.processHandshakeRecord(v.epoch, v.sequenceNumber, v.content, now);
        return;
      case ContentType13.ack:
        this.processAck(v.epoch, v.content, now);
        return;
      case ContentType13.alert:
        this.processAlert(v.epoch, v.content);
        return;
      case ContentType13.application_data:
        if (this.stateValue !== 'connected' || v.epoch < EPOCH_APPLICATION) {
          this.stats.drops['data-before-connected']++;
          return;
        }
        this.events.push({ type: 'data', data: v.content });
        return;
      default:
        this.stats.drops['bad-content-type']++;
    }
  }

  private processHandshakeRecord(epoch: number, sequenceNumber: number, data: Uint8Array, now: number): void {
    this.currentRecord = { epoch, sequenceNumber };
    let pos = 0;
    let fresh = false;
    while (pos < data.length) {
      const p = parseHandshakeFragment(data, pos);
      if (!p.ok) {
        this.stats.drops[p.reason]++;
        break;
      }
      pos = p.next;
      const f = p.fragment;
      let verdict: FragmentVerdict | undefined;
      if (!this.helloDone) verdict = this.offerBeforePeerHello(f, epoch);
      else if (epoch === 0 && f.messageSeq >= this.reassembler.nextSeq) {
        // After the hellos every DTLS 1.3 handshake message is encrypted (RFC 8446 §2): a plaintext
        // one for a later message_seq is forged; it is dropped, never kept as a rival.
        this.stats.drops['unknown-epoch']++;
        verdict = undefined;
      } else verdict = this.reassembler.offer(f, epoch);
      if (verdict === undefined) continue;
      if (verdict === 'old') this.noteOldFragment(f);
      else if (verdict === 'buffered') fresh = true;
      else this.stats.drops[VERDICT_DROP[verdict]]++;
    }
    // A server never acknowledges ClientHello records: before 1.3 is selected an ACK could reach a
    // DTLS 1.2 peer (RFC 9147bis §7). The client's ACKs go out only once it has handshake keys,
    // i.e. after a 1.3 ServerHello, and then cover the ServerHello's records too.
    const ackable = epoch >= EPOCH_HANDSHAKE || this.cfg.role === 'client';
    if (fresh && ackable && this.received.length < MAX_ACK_ENTRIES)
      this.received.push({ epoch, sequenceNumber });
    const before = this.nextSendSeq;
    this.drainMessages(now);
    // A flight that is still incomplete after this record: acknowledge what arrived after a short
    // delay, so the peer re-sends only the rest (RFC 9147 §7.1: a quarter of the timer).
    if (
      fresh &&
      this.stateValue === 'handshaking' &&
      this.nextSendSeq === before &&
      this.received.length > 0 &&
      ackable
    ) {
      this.ackDeadline ??= now + Math.max(1, Math.floor(this.cfg.retransmitInitialMs / 4));
    }
  }

  /**
   * The peer re-sent a message we already processed. If our current flight answers it, our answer
   * was lost: re-send it. After the handshake, a repeated final flight or KeyUpdate means our ACK
   * was lost: acknowledge again.
   */
  private noteOldFragment(f: HandshakeFragment): void {
    if (
      this.flight !== undefined &&
      f.messageSeq >= this.peerFlightStart &&
      f.messageSeq <= this.peerFlightEnd
    ) {
      this.retransmitRequested = true;
      return;
    }
    if (this.received.length > 0 && this.records.hasWriteEpoch(EPOCH_HANDSHAKE)) this.ackRequested = true;
  }

  private drainMessages(now: number): void {
    for (;;) {
      if (this.stateValue === 'closed') return;
      const m = this.reassembler.next();
      if (m === undefined) return;
      if (this.stateValue === 'connected') this.onPostHandshakeMessage(m, now);
      else this.onHandshakeMessage(m, now);
    }
  }

  /** KeyUpdate and NewSessionTicket after the handshake (RFC 8446 §4.6); anything else is unexpected. */
  private onPostHandshakeMessage(m: HandshakeMessage, now: number): void {
    const app = this.app!;
    // Each post-handshake message is acknowledged (RFC 9147 §8); the ACK goes out after the datagram.
    this.received = [this.currentRecord];
    this.ackRequested = true;
    if (m.msgType === HandshakeType13.new_session_ticket) return;
    if (m.msgType !== HandshakeType13.key_update)
      fail13('unexpected-message', `handshake message ${m.msgType} after the handshake`);
    if (m.epoch !== app.peerEpoch) fail13('unexpected-message', 'KeyUpdate under an old epoch');
    const { updateRequested } = decodeKeyUpdate(m.body);
    // RFC 8446 §4.6.3 / RFC 9147 §8: the peer's next records use the next epoch with the next secret.
    app.peerSecret = app.schedule.nextTrafficSecret(app.peerSecret);
    app.peerEpoch++;
    this.records.installReadEpoch(app.peerEpoch, this.protection(app.suite, app.schedule, app.peerSecret));
    // Keep the previous epoch for reordered records, drop the one before it.
    this.records.dropReadEpoch(app.peerEpoch - 2);
    if (updateRequested) this.requestKeyUpdate(now, false);
  }

  private processAck(epoch: number, body: Uint8Array, now: number): void {
    if (epoch < EPOCH_HANDSHAKE) {
      // A plaintext ACK cannot be authenticated; ours are never sent in epoch 0.
      this.stats.drops['bad-content-type']++;
      return;
    }
    let numbers: RecordNumber[];
    try {
      numbers = decodeAck(body);
    } catch (e) {
      if (e instanceof DecodeError) fail13('malformed-message', e.message);
      throw e;
    }
    if (this.flight === undefined) return;
    this.flight.acknowledge(numbers);
    if (!this.flight.acknowledged) return;
    // The whole flight arrived: no more retransmissions (RFC 9147 §7.2).
    this.flight = undefined;
    this.timer.stop();
    this.onFlightAcknowledged(now);
  }

  /** Our flight was fully acknowledged. */
  protected onFlightAcknowledged(_now: number): void {
    if (this.keyUpdateInFlight && this.app !== undefined) {
      // RFC 9147 §8: switch to the next epoch only once the KeyUpdate is acknowledged.
      this.keyUpdateInFlight = false;
      const app = this.app;
      app.ourSecret = app.schedule.nextTrafficSecret(app.ourSecret);
      app.ourEpoch++;
      this.records.installWriteEpoch(app.ourEpoch, this.protection(app.suite, app.schedule, app.ourSecret));
      this.records.dropWriteEpoch(app.ourEpoch - 1);
    }
  }

  /**
   * Plaintext alerts are unauthenticated: before the peer's hello was accepted one is dropped (a
   * forged datagram must not end a handshake), and once traffic is protected, plaintext alerts are
   * ignored altogether.
   */
  private processAlert(epoch: number, body: Uint8Array): void {
    if (this.stateValue === 'new') {
      this.stats.drops['not-started']++;
      return;
    }
    if (epoch === 0 && (!this.peerHeard || this.stateValue === 'connected')) {
      this.stats.drops['alert-before-peer']++;
      return;
    }
    const a = decodeAlert(body);
    if (a === undefined) {
      this.stats.drops['bad-alert']++;
      return;
    }
    const name = alertName(a.description);
    this.events.push({ type: 'alert', level: a.level, description: a.description, name, sent: false });
    if (a.description === AlertDescription.closeNotify) {
      this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
      this.closeWith('close-notify', name);
      return;
    }
    // RFC 8446 §6: every error alert is fatal whatever its level says; user_canceled is followed by close_notify.
    if (a.description !== AlertDescription.userCanceled) this.closeWith('alert-received', name);
  }

  // ---- output ------------------------------------------------------------------------------

  /** A message of our next flight: takes the next message_seq. */
  protected message(msgType: number, body: Uint8Array, epoch: number): OutgoingMessage13 {
    return { epoch, msgType, messageSeq: this.nextSendSeq++, body };
  }

  /**
   * Sends a flight that answers the peer's flight ending with message_seq `peerEndSeq`, and keeps it
   * until it is acknowledged. Every flight is timed (RFC 9147 §5.8): the last one of the handshake
   * too, until its ACK arrives.
   */
  protected sendFlight(messages: readonly OutgoingMessage13[], now: number, peerEndSeq: number): void {
    this.peerFlightStart = this.peerFlightEnd + 1;
    this.peerFlightEnd = peerEndSeq;
    this.flight = new Flight(messages, this.cfg.mtu);
    // Our answer acknowledges the peer's flight implicitly.
    this.received = [];
    this.ackDeadline = undefined;
    for (const d of this.flight.transmit(this.records)) this.outbox.push(d);
    this.timer.startFlight(now);
  }

  /** The peer's flight answered ours: ours needs no more retransmission. */
  protected flightAnswered(): void {
    this.flight = undefined;
    this.timer.stop();
  }

  /** Sends one datagram outside any flight (a stateless HelloRetryRequest). */
  protected sendDatagram(d: Uint8Array): void {
    this.outbox.push(d);
  }

  private retransmit(now: number, fromTimer: boolean): void {
    if (this.flight === undefined) {
      this.timer.stop();
      return;
    }
    for (const d of this.flight.transmit(this.records)) this.outbox.push(d);
    this.stats.retransmissions++;
    if (fromTimer) this.timer.backoff(now);
  }

  /** Acknowledges the records of the peer's flight received so far (RFC 9147 §7), in our newest epoch. */
  protected sendAck(): void {
    if (this.received.length === 0) return;
    const epoch = this.app?.ourEpoch ?? EPOCH_HANDSHAKE;
    if (!this.records.hasWriteEpoch(epoch) || this.records.remainingSequence(epoch) === 0) return;
    this.outbox.push(this.records.encode(epoch, ContentType13.ack, encodeAck(this.received)));
  }

  /** Records received with the peer's final flight are acknowledged once more now (server: after Finished). */
  protected acknowledgeNow(): void {
    this.ackDeadline = undefined;
    this.sendAck();
  }

  /**
   * The peer answered: its alerts may now end the handshake. `final` is false for a
   * HelloRetryRequest, after which the ServerHello is still to come; once the hello is final,
   * whatever was buffered beside it (rival versions, other message_seq values) is dropped and
   * counted, as in DTLS 1.2.
   */
  protected peerHelloAccepted(final = true): void {
    this.peerHeard = true;
    if (!final || this.helloDone) return;
    this.helloDone = true;
    this.stats.drops['handshake-before-peer-hello'] += this.reassembler.discardPending();
  }

  protected beginHandshake(now: number): void {
    this.stateValue = 'handshaking';
    this.startedAt = now;
    this.handshakeDeadline = now + this.cfg.handshakeTimeoutMs;
  }

  /** Our newest write epoch: alerts and ACKs go there. */
  private alertEpoch(): number {
    if (this.app !== undefined && this.records.hasWriteEpoch(this.app.ourEpoch)) return this.app.ourEpoch;
    return this.records.hasWriteEpoch(EPOCH_HANDSHAKE) ? EPOCH_HANDSHAKE : 0;
  }

  protected sendAlert(level: number, description: number): void {
    // No number left for an alert: the close happens without it.
    if (this.records.remainingSequence(this.alertEpoch()) === 0) return;
    this.outbox.push(
      this.records.encode(this.alertEpoch(), ContentType13.alert, encodeAlert(level, description)),
    );
    if (level === AlertLevel.fatal || description === AlertDescription.closeNotify) return;
    this.events.push({
      type: 'alert',
      level: 'warning',
      description,
      name: alertName(description),
      sent: true,
    });
  }

  protected fatal(description: number, detail: string): void {
    if (this.stateValue === 'closed') return;
    this.sendAlert(AlertLevel.fatal, description);
    const name = alertName(description);
    this.events.push({ type: 'alert', level: 'fatal', description, name, sent: true });
    this.closeWith('alert-sent', name, detail);
  }

  private abort(e: unknown): void {
    if (e instanceof SequenceExhausted13)
      this.closeWith('sequence-exhausted', undefined, `${e.message} (RFC 9147 §4.5.1)`);
    else if (e instanceof HandshakeFailure13) this.fatal(e.alert, `${e.reason}: ${e.detail}`);
    else if (e instanceof HandshakeAbort) this.fatal(e.alert, e.detail);
    else if (e instanceof DecodeError) this.fatal(e.alert, e.message);
    else this.fatal(AlertDescription.internalError, e instanceof Error ? e.message : String(e));
  }

  protected closeWith(reason: DtlsCloseReason, alert?: string, detail?: string): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.timer.stop();
    this.flight = undefined;
    this.ackDeadline = undefined;
    const ev: { type: 'closed'; reason: DtlsCloseReason; alert?: string; detail?: string } = {
      type: 'closed',
      reason,
    };
    if (alert !== undefined) ev.alert = alert;
    if (detail !== undefined) ev.detail = detail;
    this.events.push(ev);
  }

  // ---- keys --------------------------------------------------------------------------------

  protected protection(
    suite: CipherSuite13,
    schedule: KeySchedule13,
    secret: Uint8Array,
  ): RecordProtection13 {
    return new RecordProtection13(suite, schedule.trafficKeys(secret, suite.keyLength));
  }

  /** The handshake is complete: epoch 3 both ways, `connected` reported. */
  protected complete(now: number, app: ApplicationKeys13): void {
    this.app = app;
    this.records.installWriteEpoch(app.ourEpoch, this.protection(app.suite, app.schedule, app.ourSecret));
    this.records.installReadEpoch(app.peerEpoch, this.protection(app.suite, app.schedule, app.peerSecret));
    this.stateValue = 'connected';
    this.handshakeDeadline = undefined;
    // Rival versions a forger left for the last handshake messages are freed, not kept for the
    // connection's life.
    this.reassembler.discardPending();
    const ev: {
      type: 'connected';
      version: 'DTLS 1.3';
      cipherSuite: string;
      group: string;
      srtpProfile?: string;
      srtp?: SrtpKeyingMaterial;
      peerCertificate?: Uint8Array;
      peerFingerprint?: string;
      handshakeMs: number;
    } = {
      type: 'connected',
      version: 'DTLS 1.3',
      cipherSuite: app.suite.name,
      group: groupName(app.group),
      handshakeMs: now - this.startedAt,
    };
    const srtp = this.srtpKeyingMaterial();
    if (srtp !== undefined) {
      ev.srtpProfile = srtp.profile;
      ev.srtp = srtp;
    }
    if (app.peerCertificate !== undefined) {
      ev.peerCertificate = app.peerCertificate;
      ev.peerFingerprint = computeFingerprint(app.peerCertificate, 'sha-256');
    }
    this.events.push(ev);
  }

  /**
   * Starts a KeyUpdate (RFC 8446 §4.6.3, RFC 9147 §8): our next records move to the next epoch
   * once the peer acknowledges it; `requestPeer` asks the peer to update its keys too. Returns
   * false when the connection is not established or a KeyUpdate of ours is still unacknowledged.
   */
  requestKeyUpdate(now: number, requestPeer = true): boolean {
    checkNow(now, 'requestKeyUpdate');
    const app = this.app;
    if (
      this.stateValue !== 'connected' ||
      app === undefined ||
      this.keyUpdateInFlight ||
      this.flight !== undefined
    )
      return false;
    this.keyUpdateInFlight = true;
    const m = this.message(HandshakeType13.key_update, encodeKeyUpdate(requestPeer), app.ourEpoch);
    this.flight = new Flight([m], this.cfg.mtu);
    for (const d of this.flight.transmit(this.records)) this.outbox.push(d);
    this.timer.startFlight(now);
    return true;
  }

  // ---- API for the embedder ----------------------------------------------------------------

  /** The largest send(): one record in one datagram of `mtu` bytes (5-byte header, type byte, 16-byte tag). */
  get maxSendSize(): number | undefined {
    if (this.stateValue !== 'connected') return undefined;
    return Math.min(this.cfg.mtu - 5 - 1 - 16, MAX_PLAINTEXT);
  }

  send(data: Uint8Array, now: number): void {
    if (!(data instanceof Uint8Array)) throw new TypeError('send: data must be a Uint8Array');
    checkNow(now, 'send');
    const max = this.maxSendSize;
    if (max === undefined || this.app === undefined)
      throw new Error(`send: the connection is ${this.stateValue}, not connected`);
    if (data.length > max)
      throw new RangeError(
        `send: data of ${data.length} bytes exceeds maxSendSize ${max} (one record in one datagram, RFC 9147 §4.3)`,
      );
    this.outbox.push(this.records.encode(this.app.ourEpoch, ContentType13.application_data, data));
    // RFC 9147 §4.5.3: update keys well before the AEAD's confidentiality limit.
    if (this.records.nearConfidentialityLimit(this.app.ourEpoch, KEY_UPDATE_MARGIN))
      this.requestKeyUpdate(now, false);
  }

  close(now: number): void {
    checkNow(now, 'close');
    if (this.stateValue === 'closed') return;
    if (this.stateValue !== 'new') this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
    this.closeWith('local-close');
  }

  /** TLS-Exporter of RFC 8446 §7.5 (with the "dtls13" label prefix). Throws unless connected. */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    const app = this.app;
    if (this.stateValue !== 'connected' || app === undefined)
      throw new Error(`exportKeyingMaterial: the connection is ${this.stateValue}, not connected`);
    return app.schedule.exportKeyingMaterial(app.exporterSecret, label, length, context);
  }

  /** SRTP keys for our role (RFC 5764 §4.2 via the RFC 8446 §7.5 exporter) once connected with use_srtp. */
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    const app = this.app;
    if (app?.srtpProfile === undefined) return undefined;
    this.srtpCache ??= splitSrtpKeyingMaterial(
      app.schedule.exportKeyingMaterial(
        app.exporterSecret,
        DTLS_SRTP_EXPORTER_LABEL,
        srtpKeyingMaterialLength(app.srtpProfile),
      ),
      app.srtpProfile,
      this.cfg.role,
    );
    return this.srtpCache;
  }

  /** Our current write epoch (tests and stats). */
  get writeEpoch(): number {
    return this.app?.ourEpoch ?? (this.records.hasWriteEpoch(EPOCH_HANDSHAKE) ? EPOCH_HANDSHAKE : 0);
  }

  /** The peer's current epoch as we read it. */
  get readEpoch(): number {
    return this.app?.peerEpoch ?? (this.records.hasReadEpoch(EPOCH_HANDSHAKE) ? EPOCH_HANDSHAKE : 0);
  }
}

export function checkNow(now: number, where: string): void {
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw new TypeError(`${where}: now must be a finite number`);
}
