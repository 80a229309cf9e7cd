import { timingSafeEqual } from 'node:crypto';
import {
  AlertDescription,
  AlertLevel,
  alertName,
  decodeAlert,
  encodeAlert,
  HandshakeAbort,
} from '../alert.js';
import type { CipherSuite } from '../cipher-suites.js';
import type { ResolvedConfig } from '../config.js';
import {
  computeExtendedMasterSecret,
  computeMasterSecret,
  computeVerifyData,
  expandKeyBlock,
  exportKeyingMaterial,
} from '../crypto/key-schedule.js';
import { createRecordProtection } from '../crypto/record-protection.js';
import { type DtlsCloseReason, type DtlsEvent, type DtlsState, type DtlsStats, newStats } from '../events.js';
import { computeFingerprint } from '../fingerprint.js';
import { type FlightEntry, packFlight } from '../flight.js';
import { type HandshakeFragment, parseHandshakeFragment } from '../handshake/fragment.js';
import {
  type FragmentVerdict,
  type HandshakeMessage,
  HandshakeReassembler,
} from '../handshake/reassembly.js';
import { Transcript } from '../handshake/transcript.js';
import { ContentType, HandshakeType } from '../handshake/types.js';
import { type RawRecord, RECORD_HEADER_LENGTH, splitDatagram } from '../record/record-header.js';
import { RecordLayer } from '../record/record-layer.js';
import { RetransmitTimer } from '../retransmit.js';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  type SrtpKeyingMaterial,
  type SrtpProfile,
  splitSrtpKeyingMaterial,
  srtpKeyingMaterialLength,
} from '../srtp-profiles.js';
import { DecodeError } from '../wire/decode-error.js';

const VERDICT_DROP: Record<Exclude<FragmentVerdict, 'buffered' | 'old'>, keyof DtlsStats['drops']> = {
  'too-large': 'handshake-too-large',
  'out-of-window': 'handshake-out-of-window',
  'buffer-full': 'handshake-buffer-full',
  'too-many-ranges': 'handshake-too-many-ranges',
  inconsistent: 'handshake-inconsistent',
};

/** Largest application data record plaintext (RFC 5246 §6.2.1). */
const MAX_PLAINTEXT = 16384;

/**
 * What both roles of a DTLS 1.2 association share: the record layer, reassembly, the transcript,
 * the flight being retransmitted and its timer, alerts, application data and the keys once
 * negotiated. The role subclasses hold the handshake state machine, one handler per flight.
 */
export abstract class Dtls12Connection {
  protected stateValue: DtlsState = 'new';
  readonly stats: DtlsStats = newStats();
  protected readonly records: RecordLayer;
  protected readonly reassembler: HandshakeReassembler;
  protected readonly transcript = new Transcript();
  private readonly timer: RetransmitTimer;
  private readonly outbox: Uint8Array[] = [];
  private readonly events: DtlsEvent[] = [];
  /** Our last flight, kept for retransmission (RFC 6347 §4.2.4). */
  private lastFlight: readonly FlightEntry[] | undefined;
  /** The last flight of the handshake is not timed: it is re-sent only when the peer repeats its flight. */
  private lastFlightIsFinal = false;
  /**
   * message_seq range of the peer flight our last flight answers: seeing any of it again means our
   * answer was lost (RFC 6347 §4.2.4).
   */
  private peerFlightStartSeq = 0;
  private peerFlightEndSeq = -1;
  private retransmitRequested = false;
  /** When our flight was last re-sent because the peer repeated its own. */
  private lastEchoRetransmitAt = Number.NEGATIVE_INFINITY;
  /** A no_renegotiation warning was sent for the datagram being processed. */
  private renegotiationRefused = false;
  /** Next message_seq we send (RFC 6347 §4.2.2). */
  protected nextSendSeq = 0;
  protected startedAt = 0;
  private handshakeDeadline: number | undefined;
  /** Record sequence number of the record being processed (a stateless HelloVerifyRequest echoes it). */
  protected currentRecordSeq = 0;
  /**
   * The peer's hello was accepted in this handshake (server: a ClientHello answered with flight 4;
   * client: a ServerHello). Until then a plaintext alert cannot be told apart from a forgery.
   */
  private peerHeard = false;

  // Negotiated parameters.
  protected suite: CipherSuite | undefined;
  protected clientRandom: Uint8Array = new Uint8Array(32);
  protected serverRandom: Uint8Array = new Uint8Array(32);
  protected masterSecret: Uint8Array | undefined;
  protected extendedMasterSecret = false;
  protected srtpProfile: SrtpProfile | undefined;
  protected peerCertificate: Uint8Array | undefined;
  private srtpCache: SrtpKeyingMaterial | undefined;
  /** The handshake completed at some point (keys may be exported). */
  private completed = false;

  constructor(protected readonly cfg: ResolvedConfig) {
    this.records = new RecordLayer(cfg.replayWindow);
    this.reassembler = new HandshakeReassembler({
      maxMessageSize: cfg.maxHandshakeMessageSize,
      maxBufferedBytes: cfg.maxHandshakeBufferSize,
    });
    this.timer = new RetransmitTimer(cfg.retransmitInitialMs, cfg.retransmitMaxMs);
  }

  get state(): DtlsState {
    return this.stateValue;
  }

  /** Client: sends flight 1. Server: nothing to do until a ClientHello arrives. */
  abstract start(now: number): void;

  /** One complete handshake message, in message_seq order, while the handshake runs. */
  protected abstract onHandshakeMessage(msg: HandshakeMessage, now: number): void;

  /** Whether the peer's ChangeCipherSpec is acceptable now (every message before it was processed). */
  protected abstract expectsChangeCipherSpec(): boolean;

  /**
   * Buffers a fragment that arrives before the peer's hello was accepted (see peerHelloAccepted):
   * only a fragment that can belong to that hello is kept. Returns the reassembler's verdict, or
   * undefined when the fragment cannot be the hello (the method counts that drop itself).
   */
  protected abstract offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined;

  // ---- input ---------------------------------------------------------------------------------

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
    const { records, problem } = splitDatagram(bytes);
    this.retransmitRequested = false;
    this.renegotiationRefused = false;
    try {
      for (const r of records) {
        if (this.isClosed()) break;
        this.processRecord(r, now);
      }
      // One answer per repetition of the peer's flight, however many datagrams it spans.
      if (
        this.retransmitRequested &&
        !this.isClosed() &&
        now - this.lastEchoRetransmitAt >= this.cfg.retransmitInitialMs / 2
      ) {
        this.lastEchoRetransmitAt = now;
        this.retransmit(now, false);
      }
    } catch (e) {
      // Network input must never throw out of the engine: a fault here is ours, reported as internal_error.
      this.abort(e);
    }
    if (problem !== undefined) this.stats.drops[problem]++;
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
    const d = this.timer.deadline;
    if (d === undefined || now < d) return;
    try {
      this.retransmit(now, true);
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
    const t = this.timer.deadline;
    const h = this.stateValue === 'handshaking' ? this.handshakeDeadline : undefined;
    if (t === undefined) return h;
    if (h === undefined) return t;
    return Math.min(t, h);
  }

  private isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  private processRecord(r: RawRecord, now: number): void {
    this.stats.recordsReceived++;
    const res = this.records.open(r);
    if (res.kind === 'drop') {
      this.stats.drops[res.reason]++;
      return;
    }
    if (res.kind === 'deferred') return;
    this.currentRecordSeq = r.sequenceNumber;
    switch (res.contentType) {
      case ContentType.handshake:
        this.processHandshakeRecord(res.epoch, res.plaintext, now);
        break;
      case ContentType.change_cipher_spec:
        this.processChangeCipherSpec(res.epoch, res.plaintext, now);
        break;
      case ContentType.alert:
        this.processAlert(res.epoch, res.plaintext);
        break;
      default:
        this.processApplicationData(res.epoch, res.plaintext);
    }
  }

  private processHandshakeRecord(epoch: number, data: Uint8Array, now: number): void {
    let pos = 0;
    while (pos < data.length) {
      const p = parseHandshakeFragment(data, pos);
      if (!p.ok) {
        this.stats.drops[p.reason]++;
        break;
      }
      pos = p.next;
      const f = p.fragment;
      if (epoch < this.records.readEpoch) {
        // Unauthenticated bytes of an epoch we left: they may only tell us the peer repeats a flight.
        if (f.messageSeq < this.reassembler.nextSeq) this.noteOldFragment(f);
        else this.stats.drops['old-epoch']++;
        continue;
      }
      if (this.stateValue === 'connected' && this.refusesRenegotiation(f)) continue;
      if (!this.peerHeard) {
        const verdict = this.offerBeforePeerHello(f, epoch);
        if (verdict === 'old') this.noteOldFragment(f);
        else if (verdict !== undefined && verdict !== 'buffered') this.stats.drops[VERDICT_DROP[verdict]]++;
        // The hello is processed as soon as it is whole, so that the fragments after it in the same
        // record (the rest of flight 4) already meet an accepted hello.
        this.drainMessages(now);
        continue;
      }
      const verdict = this.reassembler.offer(f, epoch);
      if (verdict === 'old') this.noteOldFragment(f);
      else if (verdict !== 'buffered') this.stats.drops[VERDICT_DROP[verdict]]++;
    }
    this.drainMessages(now);
  }

  /**
   * The peer re-sent a message we already processed. If it belongs to the flight our last flight
   * answers, our answer was lost: re-send it (RFC 6347 §4.2.4).
   */
  private noteOldFragment(f: HandshakeFragment): void {
    if (
      this.lastFlight !== undefined &&
      f.messageSeq >= this.peerFlightStartSeq &&
      f.messageSeq <= this.peerFlightEndSeq
    ) {
      this.retransmitRequested = true;
    }
  }

  /** The flight about to be sent answers the peer's flight that ended with message_seq `endSeq`. */
  protected answeringPeerFlight(endSeq: number): void {
    this.peerFlightStartSeq = this.peerFlightEndSeq + 1;
    this.peerFlightEndSeq = endSeq;
  }

  private drainMessages(now: number): void {
    for (;;) {
      if (this.isClosed()) return;
      const m = this.reassembler.next();
      if (m === undefined) return;
      try {
        if (this.stateValue === 'connected') this.onMessageAfterHandshake(m);
        else this.onHandshakeMessage(m, now);
      } catch (e) {
        this.abort(e);
        return;
      }
    }
  }

  /**
   * Renegotiation is refused (RFC 5746 §4.2, §4.4; RFC 5246 §7.4.1.1): a HelloRequest to a client or a
   * ClientHello to a server after the handshake gets a warning no_renegotiation, once per datagram,
   * and the connection continues. Such a message starts a new handshake at message_seq 0
   * (RFC 6347 §4.2.2), so it is recognised by type before reassembly. Any other new handshake
   * message after the handshake is unexpected_message.
   */
  private refusesRenegotiation(f: HandshakeFragment): boolean {
    const start =
      (this.cfg.role === 'client' && f.msgType === HandshakeType.hello_request) ||
      (this.cfg.role === 'server' && f.msgType === HandshakeType.client_hello);
    if (!start || f.fragmentOffset !== 0) return false;
    if (!this.renegotiationRefused) {
      this.renegotiationRefused = true;
      this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation);
    }
    return true;
  }

  private onMessageAfterHandshake(m: HandshakeMessage): void {
    throw new HandshakeAbort(
      AlertDescription.unexpectedMessage,
      `handshake message ${m.msgType} after the handshake`,
    );
  }

  private processChangeCipherSpec(epoch: number, body: Uint8Array, now: number): void {
    // RFC 5246 §7.1: the message is the single byte 1.
    if (body.length !== 1 || body[0] !== 1) {
      this.stats.drops['bad-ccs']++;
      return;
    }
    // An early ChangeCipherSpec (a message before it was lost) or a repeated one is dropped; the
    // peer's retransmission of the flight brings it again in order (RFC 6347 §4.2.4).
    if (epoch !== this.records.readEpoch || !this.records.hasPendingRead || !this.expectsChangeCipherSpec()) {
      this.stats.drops['bad-ccs']++;
      return;
    }
    const held = this.records.activateReadEpoch();
    for (const r of held) {
      if (this.isClosed()) return;
      this.processRecord(r, now);
    }
  }

  /**
   * Alerts in epoch 0 are unauthenticated (RFC 6347 §4.1.2.7 has invalid records dropped silently;
   * a plaintext alert has nothing to verify). Before a handshake exists, or once the peer's traffic
   * is protected, one is noise that must not end anything. During the handshake a plaintext fatal
   * alert is honoured only once the peer's hello was accepted: from then on the peer's genuine
   * refusals (a browser rejecting our certificate before its ChangeCipherSpec, RFC 5246 §7.2.2)
   * still end the handshake at once. Before that point, one forged datagram could otherwise end a
   * handshake the genuine peer has not even answered yet; the price is that a server refusing our
   * ClientHello with an alert is noticed by the handshake timeout instead.
   */
  private processAlert(epoch: number, body: Uint8Array): void {
    if (this.stateValue === 'new') {
      this.stats.drops['not-started']++;
      return;
    }
    if (epoch < this.records.readEpoch) {
      this.stats.drops['old-epoch']++;
      return;
    }
    if (epoch === 0 && !this.peerHeard) {
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
      // RFC 5246 §7.2.1: answer close_notify with close_notify.
      this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
      this.closeWith('close-notify', name);
      return;
    }
    if (a.level === 'fatal') this.closeWith('alert-received', name);
  }

  private processApplicationData(epoch: number, body: Uint8Array): void {
    if (this.stateValue !== 'connected' || epoch === 0) {
      this.stats.drops['data-before-connected']++;
      return;
    }
    // The peer sends data only after our final flight arrived: it need not be kept any longer.
    if (this.lastFlightIsFinal) this.lastFlight = undefined;
    this.events.push({ type: 'data', data: body });
  }

  // ---- output --------------------------------------------------------------------------------

  /** A handshake message of our next flight: takes the next message_seq and enters the transcript. */
  protected handshakeEntry(msgType: number, body: Uint8Array, epoch = 0, inTranscript = true): FlightEntry {
    const messageSeq = this.nextSendSeq++;
    if (inTranscript) this.transcript.add(msgType, messageSeq, body);
    return { kind: 'handshake', epoch, msgType, messageSeq, body };
  }

  /** Sends a flight and keeps it for retransmission; the final flight is not timed (RFC 6347 §4.2.4). */
  protected sendFlight(entries: readonly FlightEntry[], now: number, final: boolean): void {
    this.lastFlight = entries;
    this.lastFlightIsFinal = final;
    if (!this.transmitFlight(entries)) return;
    if (final) this.timer.stop();
    else this.timer.startFlight(now);
  }

  /**
   * Queues a flight's datagrams; false when an epoch ran out of record sequence numbers, which ends
   * the association with nothing sent (RFC 6347 §4.1: numbers never wrap).
   */
  private transmitFlight(entries: readonly FlightEntry[]): boolean {
    const datagrams = packFlight(entries, this.records, this.cfg.mtu);
    if (datagrams === undefined) {
      this.sequenceExhausted();
      return false;
    }
    for (const d of datagrams) this.outbox.push(d);
    return true;
  }

  private sequenceExhausted(): void {
    this.closeWith('sequence-exhausted', undefined, 'record sequence numbers used up (RFC 6347 §4.1)');
  }

  /** Sends one datagram outside any flight (a stateless HelloVerifyRequest). */
  protected sendDatagram(d: Uint8Array): void {
    this.outbox.push(d);
  }

  private retransmit(now: number, fromTimer: boolean): void {
    if (this.lastFlight === undefined) {
      this.timer.stop();
      return;
    }
    if (!this.transmitFlight(this.lastFlight)) return;
    this.stats.retransmissions++;
    if (fromTimer) this.timer.backoff(now);
  }

  /**
   * The peer's hello was accepted: its plaintext alerts are honoured from now on (see processAlert),
   * and its later messages are buffered. Whatever else was buffered before it (rival versions of
   * the hello, all unauthenticated) is dropped and counted, so nothing planted before the hello is
   * processed after it.
   */
  protected peerHelloAccepted(): void {
    this.peerHeard = true;
    this.stats.drops['handshake-before-peer-hello'] += this.reassembler.discardPending();
  }

  /** The handshake started (client: start(); server: first acceptable ClientHello). */
  protected beginHandshake(now: number): void {
    this.stateValue = 'handshaking';
    this.startedAt = now;
    this.handshakeDeadline = now + this.cfg.handshakeTimeoutMs;
  }

  protected sendAlert(level: number, description: number): void {
    const epoch = this.records.writeEpoch;
    const record = this.records.seal(epoch, ContentType.alert, encodeAlert(level, description));
    // With no sequence number left the alert cannot be sent; the caller's close still happens.
    if (record !== undefined) this.outbox.push(record);
    if (level === AlertLevel.fatal || description === AlertDescription.closeNotify) return;
    this.events.push({
      type: 'alert',
      level: 'warning',
      description,
      name: alertName(description),
      sent: true,
    });
  }

  /** Ends the connection with a fatal alert to the peer. */
  protected fatal(description: number, detail: string): void {
    if (this.isClosed()) return;
    this.sendAlert(AlertLevel.fatal, description);
    const name = alertName(description);
    this.events.push({ type: 'alert', level: 'fatal', description, name, sent: true });
    this.closeWith('alert-sent', name, detail);
  }

  /**
   * Ends the connection after a fault while handling input. It must not throw itself: it runs in the
   * catch blocks that keep exceptions from leaving handleDatagram/handleTimeout.
   */
  private abort(e: unknown): void {
    try {
      if (e instanceof HandshakeAbort) this.fatal(e.alert, e.detail);
      else if (e instanceof DecodeError) this.fatal(e.alert, e.message);
      else this.fatal(AlertDescription.internalError, e instanceof Error ? e.message : String(e));
    } catch (again) {
      this.closeWith('alert-sent', 'internal_error', again instanceof Error ? again.message : String(again));
    }
  }

  protected closeWith(reason: DtlsCloseReason, alert?: string, detail?: string): void {
    if (this.isClosed()) return;
    this.stateValue = 'closed';
    this.timer.stop();
    this.lastFlight = undefined;
    const ev: { type: 'closed'; reason: DtlsCloseReason; alert?: string; detail?: string } = {
      type: 'closed',
      reason,
    };
    if (alert !== undefined) ev.alert = alert;
    if (detail !== undefined) ev.detail = detail;
    this.events.push(ev);
  }

  // ---- keys ----------------------------------------------------------------------------------

  protected requireSuite(): CipherSuite {
    if (this.suite === undefined) throw new Error('no cipher suite negotiated');
    return this.suite;
  }

  /**
   * The master secret: with extended_master_secret it is bound to the session hash, the transcript
   * through ClientKeyExchange (RFC 7627 §4); call right after ClientKeyExchange entered the transcript.
   */
  protected deriveMasterSecret(preMasterSecret: Uint8Array): void {
    const suite = this.requireSuite();
    this.masterSecret = this.extendedMasterSecret
      ? computeExtendedMasterSecret(suite.prfHash, preMasterSecret, this.transcript.hash(suite.prfHash))
      : computeMasterSecret(suite.prfHash, preMasterSecret, this.clientRandom, this.serverRandom);
    const kb = expandKeyBlock(suite, this.masterSecret, this.clientRandom, this.serverRandom);
    const client = createRecordProtection(suite, kb.clientWriteKey, kb.clientWriteIv);
    const server = createRecordProtection(suite, kb.serverWriteKey, kb.serverWriteIv);
    if (this.cfg.role === 'client') this.records.setPendingCiphers(server, client);
    else this.records.setPendingCiphers(client, server);
  }

  /** verify_data over the transcript so far (RFC 5246 §7.4.9). */
  protected verifyData(label: 'client finished' | 'server finished'): Uint8Array {
    const suite = this.requireSuite();
    if (this.masterSecret === undefined) throw new Error('no master secret');
    return computeVerifyData(suite.prfHash, this.masterSecret, label, this.transcript.hash(suite.prfHash));
  }

  /** Checks the peer's Finished in constant time; decrypt_error on mismatch (RFC 5246 §7.4.9). */
  protected checkPeerFinished(verifyData: Uint8Array, label: 'client finished' | 'server finished'): void {
    const expected = this.verifyData(label);
    if (verifyData.length !== expected.length || !timingSafeEqual(verifyData, expected)) {
      throw new HandshakeAbort(AlertDescription.decryptError, 'Finished verify_data mismatch');
    }
  }

  /**
   * Before `connected`: with expectedFingerprint set, the peer must have presented a certificate
   * (whose fingerprint was checked when it arrived). No path may reach `connected` without one,
   * whatever was negotiated.
   */
  protected checkPeerAuthenticated(): void {
    if (this.cfg.expectedFingerprint !== undefined && this.peerCertificate === undefined) {
      throw new HandshakeAbort(
        AlertDescription.handshakeFailure,
        'expectedFingerprint is set but the peer presented no certificate',
      );
    }
  }

  /** The last flight of the handshake: ChangeCipherSpec then Finished in the new epoch. */
  protected changeCipherSpecAndFinished(label: 'client finished' | 'server finished'): FlightEntry[] {
    const ccs: FlightEntry = { kind: 'change-cipher-spec', epoch: this.records.writeEpoch };
    this.records.activateWriteEpoch();
    const finished = this.handshakeEntry(
      HandshakeType.finished,
      this.verifyData(label),
      this.records.writeEpoch,
    );
    return [ccs, finished];
  }

  /** The handshake is complete: report it. */
  protected complete(now: number, finalFlightIsOurs: boolean): void {
    this.checkPeerAuthenticated();
    // Rival versions still held for the last message are of no further use.
    this.reassembler.discardPending();
    this.stateValue = 'connected';
    this.completed = true;
    this.handshakeDeadline = undefined;
    this.timer.stop();
    if (!finalFlightIsOurs) this.lastFlight = undefined;
    const suite = this.requireSuite();
    const ev: {
      type: 'connected';
      version: 'DTLS 1.2';
      cipherSuite: string;
      srtpProfile?: string;
      srtp?: SrtpKeyingMaterial;
      peerCertificate?: Uint8Array;
      peerFingerprint?: string;
      handshakeMs: number;
    } = {
      type: 'connected',
      version: 'DTLS 1.2',
      cipherSuite: suite.name,
      handshakeMs: now - this.startedAt,
    };
    const srtp = this.srtpKeyingMaterial();
    if (srtp !== undefined) {
      ev.srtpProfile = srtp.profile;
      ev.srtp = srtp;
    }
    if (this.peerCertificate !== undefined) {
      ev.peerCertificate = this.peerCertificate;
      ev.peerFingerprint = computeFingerprint(this.peerCertificate, 'sha-256');
    }
    this.events.push(ev);
  }

  // ---- API for the embedder ------------------------------------------------------------------

  /**
   * The most application data one send() carries: what fits one record in one datagram of `mtu`
   * bytes after the record header and the suite's AEAD expansion, at most 2^14 (RFC 5246 §6.2.1).
   * RFC 6347 §4.1.1.1 has the record layer tell the upper layer its expansion so that the upper
   * layer sizes its messages; undefined until connected (the expansion depends on the suite).
   */
  get maxSendSize(): number | undefined {
    if (this.stateValue !== 'connected') return undefined;
    const room = this.cfg.mtu - RECORD_HEADER_LENGTH - this.records.overhead(this.records.writeEpoch);
    return Math.min(room, MAX_PLAINTEXT);
  }

  /**
   * One send() is one record in one datagram. DTLS does not fragment application data: a record
   * never spans datagrams (RFC 6347 §4.1.1), and cutting a message into several records would hand
   * the peer several messages, breaking the boundaries that datagram users (SCTP over DTLS,
   * RFC 8261 §5, which sizes its packets to the path MTU itself) rely on. Data larger than
   * maxSendSize is misuse and throws; callers with a byte stream split it themselves.
   */
  send(data: Uint8Array, now: number): void {
    if (!(data instanceof Uint8Array)) throw new TypeError('send: data must be a Uint8Array');
    checkNow(now, 'send');
    const max = this.maxSendSize;
    if (max === undefined) throw new Error(`send: the connection is ${this.stateValue}, not connected`);
    if (data.length > max) {
      throw new RangeError(
        `send: data of ${data.length} bytes exceeds maxSendSize ${max} (one record in a ${this.cfg.mtu}-byte datagram; DTLS does not fragment application data, RFC 6347 §4.1.1)`,
      );
    }
    const record = this.records.seal(this.records.writeEpoch, ContentType.application_data, data);
    if (record === undefined) this.sequenceExhausted();
    else this.outbox.push(record);
  }

  close(now: number): void {
    checkNow(now, 'close');
    if (this.isClosed()) return;
    if (this.stateValue !== 'new') this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
    this.closeWith('local-close');
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (this.stateValue !== 'connected' || this.masterSecret === undefined) {
      throw new Error(`exportKeyingMaterial: the connection is ${this.stateValue}, not connected`);
    }
    return exportKeyingMaterial(
      this.requireSuite().prfHash,
      this.masterSecret,
      this.clientRandom,
      this.serverRandom,
      label,
      length,
      context,
    );
  }

  /** SRTP keys for our role (RFC 5764 §4.2), when use_srtp was negotiated and the handshake is done. */
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    if (this.srtpProfile === undefined || this.masterSecret === undefined || !this.completed) {
      return undefined;
    }
    if (this.srtpCache === undefined) {
      const material = exportKeyingMaterial(
        this.requireSuite().prfHash,
        this.masterSecret,
        this.clientRandom,
        this.serverRandom,
        DTLS_SRTP_EXPORTER_LABEL,
        srtpKeyingMaterialLength(this.srtpProfile),
      );
      this.srtpCache = splitSrtpKeyingMaterial(material, this.srtpProfile, this.cfg.role);
    }
    return this.srtpCache;
  }
}

function checkNow(now: number, where: string): void {
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw new TypeError(`${where}: now must be a finite number`);
}
