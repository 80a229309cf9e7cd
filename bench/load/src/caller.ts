import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type DtlsCertificate, DtlsEngine, type DtlsEvent } from '@rtcseal/dtls';
import {
  buildBindingSuccess,
  classifyDatagram,
  HmacSha1Key,
  parseIpAddress,
  Sha1Workspace,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
  verifyMessageIntegrity,
} from '@rtcseal/ice-lite';
import { SrtpSession } from '@rtcseal/srtp';
import type { MediaLedger } from './ledger.js';
import { type AnswerParameters, buildOffer, parseAnswer, type SignallingClient } from './signalling.js';

/** Opus at 20 ms frames: 50 packets/s, 960 samples of the 48 kHz clock each. */
export const PACKET_INTERVAL_MS = 20;
const SAMPLES_PER_PACKET = 960;
const OPUS_PT = 111;
/** Browsers retransmit an unanswered check about this often while nominating. */
const CHECK_INTERVAL_MS = 100;
/** RFC 7675 §5.1: consent checks every 5 s (browsers randomise 4-6 s). */
const CONSENT_INTERVAL_MS = 5000;
/** Consent is lost after 30 s without an answer (RFC 7675 §5.1); here it fails the caller. */
const CONSENT_TIMEOUT_MS = 30_000;
/** Audio RTCP reports: browsers send them about every 5 s. */
const RTCP_INTERVAL_MS = 5000;
const ICE_TIMEOUT_MS = 10_000;
/** Payload after the RTP header: sender index, sequence, send time, flags, then filler. */
const PAYLOAD_HEADER = 17;
const FLAG_MEASURED = 1;
/** Packets a caller may send at once to catch up when the timer was late. */
const MAX_CATCH_UP = 5;

export type CallerState = 'new' | 'joining' | 'checking' | 'dtls' | 'connected' | 'failed' | 'closed';

/** What all callers of a run share. */
export interface CallerContext {
  readonly signalling: SignallingClient;
  readonly certificate: DtlsCertificate;
  readonly ledger: MediaLedger;
  /** RTP payload bytes per packet (Opus at ~32-40 kbit/s is 80-100). */
  readonly payloadBytes: number;
  /** Address the callers bind (the family of the server's candidates). */
  readonly bindAddress: string;
  /** Monotonic clock in ms (performance.now). */
  now(): number;
}

/**
 * One browser-like caller built from the project's client-side pieces: it offers through the
 * server's signalling, runs the controlling side of ICE (Binding requests with USE-CANDIDATE, then
 * consent checks), DTLS in the role the answer gives it, and SRTP at 50 packets/s with its index,
 * a sequence and the send time in each payload; it answers the server's own checks, sends RTCP SR
 * with a report block and SDES, and decrypts what the server relays to it.
 */
export class Caller {
  state: CallerState = 'new';
  failure: string | undefined;
  /** When the join request went out, and when SRTP was keyed (performance.now ms). */
  startedAt = 0;
  connectedAt = 0;
  /** When the answer arrived and when ICE got its first authenticated answer. */
  answeredAt = 0;
  iceDoneAt = 0;
  participantId: string | undefined;
  private socket: Socket | undefined;
  private readonly ufrag = randomBytes(4).toString('hex');
  private readonly pwd = randomBytes(12).toString('hex');
  private readonly ssrc = randomInt(1, 0xffffffff);
  private readonly ws = new Sha1Workspace();
  private readonly localKey: HmacSha1Key;
  private readonly stun = new StunMessage();
  private answer: AnswerParameters | undefined;
  private remote: { address: string; port: number } | undefined;
  private remoteKey: HmacSha1Key | undefined;
  private readonly tieBreaker = randomBytes(8).readBigUInt64BE();
  /** Transaction IDs of our checks still awaiting an answer (hex), bounded. */
  private readonly pendingChecks = new Set<string>();
  private iceAt = 0;
  private iceDone = false;
  private nextCheckAt = 0;
  private lastConsentAnswerAt = 0;
  private engine: DtlsEngine | undefined;
  private tx: SrtpSession | undefined;
  private rx: SrtpSession | undefined;
  private nextRtpAt = 0;
  private nextRtcpAt = 0;
  private seq = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 0xffffffff);
  private rtpSeq = 0;
  private packetsSent = 0;
  private octetsSent = 0;
  private remoteSsrc = 0;
  private highestSeq = 0;
  private readonly plain: Uint8Array;
  private readonly sent = (err: Error | null) => {
    if (err) this.ctx.ledger.sendErrors++;
  };

  constructor(
    readonly index: number,
    readonly room: string,
    private readonly ctx: CallerContext,
  ) {
    this.localKey = new HmacSha1Key(Buffer.from(this.pwd), this.ws);
    this.plain = new Uint8Array(12 + Math.max(PAYLOAD_HEADER, ctx.payloadBytes));
    for (let i = 12 + PAYLOAD_HEADER; i < this.plain.length; i++) this.plain[i] = (i * 31) & 0xff;
  }

  /** Binds the socket, offers and starts ICE; resolves once the answer is in (or the join failed). */
  async start(): Promise<void> {
    this.startedAt = this.ctx.now();
    this.state = 'joining';
    const socket = createSocket(this.ctx.bindAddress.includes(':') ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    const bound = await new Promise<boolean>((resolve) => {
      // Out of ports or descriptors: this caller fails, the run goes on.
      socket.once('error', () => resolve(false));
      socket.bind(0, this.ctx.bindAddress, () => resolve(true));
    });
    if (!bound) {
      this.fail('bind-error');
      return;
    }
    socket.on('error', () => this.ctx.ledger.sendErrors++);
    const offer = buildOffer({
      ufrag: this.ufrag,
      pwd: this.pwd,
      fingerprint: this.ctx.certificate.fingerprint('sha-256'),
      ssrc: this.ssrc,
      cname: `load${this.index}`,
      candidate: { address: this.ctx.bindAddress, port: socket.address().port },
    });
    const joined = await this.ctx.signalling.join(this.room, offer);
    if (this.state !== 'joining') return;
    if (!joined.ok) {
      this.fail(joined.reason);
      return;
    }
    this.participantId = joined.id;
    const answer = parseAnswer(joined.sdp);
    if (typeof answer === 'string') {
      this.fail(`bad-answer: ${answer}`);
      return;
    }
    const family = this.ctx.bindAddress.includes(':');
    const candidate = answer.candidates.find((c) => c.address.includes(':') === family);
    if (!candidate) {
      this.fail('no-candidate-of-our-family');
      return;
    }
    this.answer = answer;
    this.remote = candidate;
    this.remoteKey = new HmacSha1Key(Buffer.from(answer.pwd), this.ws);
    const now = this.ctx.now();
    this.engine = new DtlsEngine({
      role: answer.setup === 'passive' ? 'client' : 'server',
      certificate: this.ctx.certificate,
      expectedFingerprint: answer.fingerprint,
      // A browser as DTLS server does no cookie exchange: ICE has verified the address.
      cookieExchange: false,
      retransmit: { initialMs: 200, maxMs: 4000 },
      handshakeTimeoutMs: 15_000,
    });
    // As DTLS server we wait for the ClientHello from the start.
    if (answer.setup === 'active') this.engine.start(now);
    this.state = 'checking';
    this.answeredAt = now;
    this.iceAt = now;
    this.nextCheckAt = now;
    this.tick(now);
  }

  /** Timers: ICE checks and consent, DTLS retransmission, media and RTCP. Called every few ms. */
  tick(now: number): void {
    const state = this.state;
    if (state === 'failed' || state === 'closed' || state === 'new' || state === 'joining') return;
    if (now >= this.nextCheckAt) this.sendCheck(now);
    if (this.iceDone && now - this.lastConsentAnswerAt > CONSENT_TIMEOUT_MS) {
      this.fail('consent-lost');
      return;
    }
    if (!this.iceDone && now - this.iceAt > ICE_TIMEOUT_MS) {
      this.fail('ice-timeout');
      return;
    }
    const engine = this.engine!;
    if (state === 'dtls' || state === 'checking') {
      const t = engine.nextTimeout();
      if (t !== undefined && now >= t) {
        engine.handleTimeout(now);
        this.pump(now);
      }
      return;
    }
    // connected: the engine may still hold a timer (its last flight, kept for retransmission).
    const t = engine.nextTimeout();
    if (t !== undefined && now >= t) {
      engine.handleTimeout(now);
      this.pump(now);
    }
    if (now >= this.nextRtpAt) {
      let n = 0;
      while (now >= this.nextRtpAt && n < MAX_CATCH_UP) {
        if (now - this.nextRtpAt > PACKET_INTERVAL_MS) this.ctx.ledger.lateSends++;
        this.sendRtp();
        this.nextRtpAt += PACKET_INTERVAL_MS;
        n++;
      }
      // Far behind: skip what cannot be sent in time rather than burst it.
      if (now >= this.nextRtpAt) this.nextRtpAt = now + PACKET_INTERVAL_MS;
    }
    if (now >= this.nextRtcpAt) {
      this.sendRtcp();
      this.nextRtcpAt = now + RTCP_INTERVAL_MS;
    }
  }

  /** Hangs up as a browser closing its peer connection: DTLS close_notify. */
  hangUp(): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    if (this.engine && (this.engine.state === 'connected' || this.engine.state === 'handshaking')) {
      this.engine.close(this.ctx.now());
      this.flush();
    }
    this.state = 'closed';
  }

  /** Releases the socket (after hangUp, once close_notify is out). */
  close(): void {
    if (this.state !== 'failed') this.state = 'closed';
    this.socket?.close();
    this.socket = undefined;
  }

  private fail(reason: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.failure = reason;
  }

  private send(bytes: Uint8Array): void {
    const to = this.remote;
    if (!to || !this.socket) return;
    this.socket.send(bytes, to.port, to.address, this.sent);
  }

  private sendCheck(now: number): void {
    const answer = this.answer!;
    const tid = randomBytes(12);
    const b = new StunMessageBuilder(StunMessageType.BindingRequest, tid)
      .username(`${answer.ufrag}:${this.ufrag}`)
      .iceControlling(this.tieBreaker)
      .priority(2122260223);
    // Nominate until ICE is done (RFC 8445 §8.1.1); consent checks after that carry no nomination.
    if (!this.iceDone) b.useCandidate();
    if (this.pendingChecks.size >= 16) this.pendingChecks.clear();
    this.pendingChecks.add(tid.toString('hex'));
    this.send(b.finish({ sha1: { key: this.remoteKey!, workspace: this.ws }, fingerprint: true }));
    this.nextCheckAt = now + (this.iceDone ? CONSENT_INTERVAL_MS : CHECK_INTERVAL_MS);
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    const now = this.ctx.now();
    switch (classifyDatagram(msg)) {
      case 'stun':
        this.onStun(msg, rinfo, now);
        return;
      case 'dtls':
        if (!this.engine || this.state === 'failed') return;
        this.engine.handleDatagram(msg, now);
        this.pump(now);
        return;
      case 'rtp':
        this.onRtp(msg, now);
        return;
      case 'rtcp':
        if (!this.rx) {
          this.ctx.ledger.drop('rtcp-before-keys');
          return;
        }
        if (this.rx.unprotectRtcpInPlace(msg).ok) this.ctx.ledger.rtcpReceived++;
        else this.ctx.ledger.drop('srtcp-rejected');
        return;
      default:
        this.ctx.ledger.drop('unknown-datagram');
    }
  }

  private onStun(msg: Buffer, rinfo: RemoteInfo, now: number): void {
    const m = this.stun;
    if (m.parse(msg) !== 'ok') {
      this.ctx.ledger.drop('stun-malformed');
      return;
    }
    if (m.type === StunMessageType.BindingRequest) {
      // The server's own checks (consent, RFC 7675; a full-ICE server's connectivity checks).
      const answer = this.answer;
      if (!answer || m.username() !== `${this.ufrag}:${answer.ufrag}`) {
        this.ctx.ledger.drop('stun-bad-username');
        return;
      }
      if (!verifyMessageIntegrity(m, this.localKey, this.ws)) {
        this.ctx.ledger.drop('stun-bad-integrity');
        return;
      }
      const addr = parseIpAddress(rinfo.address);
      if (!addr) return;
      this.socket?.send(
        buildBindingSuccess(msg, addr, rinfo.port, this.localKey, this.ws),
        rinfo.port,
        rinfo.address,
        this.sent,
      );
      return;
    }
    if (m.type !== StunMessageType.BindingSuccessResponse) {
      this.ctx.ledger.drop('stun-not-success');
      return;
    }
    const tid = msg.toString('hex', 8, 20);
    if (!this.pendingChecks.delete(tid)) {
      this.ctx.ledger.drop('stun-unknown-transaction');
      return;
    }
    if (!this.remoteKey || !verifyMessageIntegrity(m, this.remoteKey, this.ws)) {
      this.ctx.ledger.drop('stun-bad-integrity');
      return;
    }
    this.lastConsentAnswerAt = now;
    if (this.iceDone) return;
    this.iceDone = true;
    this.iceDoneAt = now;
    this.nextCheckAt = now + CONSENT_INTERVAL_MS;
    if (this.state === 'checking') this.state = 'dtls';
    const engine = this.engine!;
    if (engine.state === 'new') {
      // DTLS client: speak once ICE has a nominated pair (RFC 8445 §7.3, RFC 5763 §5).
      engine.start(now);
      this.pump(now);
    }
  }

  private pump(now: number): void {
    this.flush();
    for (let e = this.engine!.pollEvent(); e; e = this.engine!.pollEvent()) this.onDtlsEvent(e, now);
  }

  private flush(): void {
    const engine = this.engine;
    if (!engine) return;
    for (let d = engine.pollTransmit(); d; d = engine.pollTransmit()) this.send(d);
  }

  private onDtlsEvent(e: DtlsEvent, now: number): void {
    if (e.type === 'connected') {
      if (!e.srtp) {
        this.fail('dtls-no-srtp');
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
      this.state = 'connected';
      this.connectedAt = now;
      this.nextRtpAt = now;
      // The first report soon after media starts (as browsers do), then every RTCP_INTERVAL_MS.
      this.nextRtcpAt = now + 1000 * Math.random();
    } else if (e.type === 'closed' && this.state !== 'closed') {
      this.fail(`dtls-${e.reason}${e.alert ? `-${e.alert}` : ''}`);
    }
  }

  private sendRtp(): void {
    const p = this.plain;
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    p[0] = 0x80;
    p[1] = OPUS_PT;
    v.setUint16(2, this.seq);
    v.setUint32(4, this.timestamp >>> 0);
    v.setUint32(8, this.ssrc);
    v.setUint32(12, this.index);
    v.setUint32(16, this.rtpSeq);
    // The time of this send, not of the tick: a tick sends for many callers.
    v.setFloat64(20, this.ctx.now());
    const measured = this.ctx.ledger.measuring;
    p[28] = measured ? FLAG_MEASURED : 0;
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_PACKET) >>> 0;
    this.rtpSeq++;
    this.send(this.tx!.protectRtp(p));
    this.packetsSent++;
    this.octetsSent += p.length - 12;
    this.ctx.ledger.rtpSent++;
    if (measured) this.ctx.ledger.sentMeasured[this.index]!++;
  }

  private onRtp(msg: Buffer, now: number): void {
    const ledger = this.ctx.ledger;
    if (!this.rx) {
      ledger.drop('rtp-before-keys');
      return;
    }
    const r = this.rx.unprotectRtpInPlace(msg);
    if (!r.ok) {
      ledger.drop(`srtp-${r.reason}`);
      return;
    }
    const p = r.packet;
    const at = r.headerLength;
    if (p.length < at + PAYLOAD_HEADER) {
      ledger.drop('rtp-not-ours');
      return;
    }
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    this.remoteSsrc = v.getUint32(8);
    this.highestSeq = v.getUint16(2);
    const sender = v.getUint32(at);
    ledger.rtpReceived++;
    if ((p[at + 16]! & FLAG_MEASURED) === 0) return;
    if (sender >= ledger.receivedMeasured.length) {
      ledger.drop('rtp-unknown-sender');
      return;
    }
    ledger.receivedMeasured[sender]!++;
    if (sender === this.index) ledger.echoed++;
    ledger.latency.add(now - v.getFloat64(at + 8));
  }

  /** SR with one report block about what we receive, and SDES CNAME (RFC 3550 §6.4.1, §6.5). */
  private sendRtcp(): void {
    const cname = Buffer.from(`load${this.index}`);
    const sdesChunk = 4 + 2 + cname.length + 1;
    const sdesLength = 4 + ((sdesChunk + 3) & ~3);
    const srLength = 28 + (this.remoteSsrc ? 24 : 0);
    const out = new Uint8Array(srLength + sdesLength);
    const v = new DataView(out.buffer);
    out[0] = 0x80 | (this.remoteSsrc ? 1 : 0);
    out[1] = 200;
    v.setUint16(2, srLength / 4 - 1);
    v.setUint32(4, this.ssrc);
    const ms = Date.now();
    // NTP timestamp: seconds since 1900 and a 32-bit fraction.
    v.setUint32(8, Math.floor(ms / 1000) + 2_208_988_800);
    v.setUint32(12, Math.floor(((ms % 1000) / 1000) * 0x1_0000_0000));
    v.setUint32(16, this.timestamp >>> 0);
    v.setUint32(20, this.packetsSent >>> 0);
    v.setUint32(24, this.octetsSent >>> 0);
    if (this.remoteSsrc) {
      v.setUint32(28, this.remoteSsrc);
      // fraction lost and cumulative lost 0 (the ledger counts loss), extended highest sequence.
      v.setUint32(36, this.highestSeq);
    }
    const s = srLength;
    out[s] = 0x81;
    out[s + 1] = 202;
    v.setUint16(s + 2, sdesLength / 4 - 1);
    v.setUint32(s + 4, this.ssrc);
    out[s + 8] = 1;
    out[s + 9] = cname.length;
    out.set(cname, s + 10);
    this.send(this.tx!.protectRtcp(out));
    this.ctx.ledger.rtcpSent++;
  }
}
