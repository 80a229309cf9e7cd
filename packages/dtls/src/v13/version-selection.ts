import type { ResolvedConfig } from '../config.js';
import type { DtlsDropReason, DtlsEvent, DtlsState, DtlsStats } from '../events.js';
import { newStats, sumStats } from '../events.js';
import { parseHandshakeFragment } from '../handshake/fragment.js';
import { decodeClientHello } from '../handshake/messages/client-hello.js';
import {
  type FragmentVerdict,
  type HandshakeMessage,
  HandshakeReassembler,
} from '../handshake/reassembly.js';
import type { SrtpKeyingMaterial } from '../srtp-profiles.js';
import { MAX_FIRST_HELLO_SEQ, ServerHandshake12 } from '../v12/server-handshake.js';
import { DecodeError } from '../wire/decode-error.js';
import { checkNow, DEFAULT_DTLS13_OPTIONS } from './connection13.js';
import { offersDtls13 } from './messages/hello13.js';
import { ContentType13, splitDatagram13 } from './record-header.js';
import { Dtls13Server } from './server13.js';
import { HandshakeType13 } from './types13.js';

/** The contract every version's connection fulfils; DtlsEngine dispatches to one of them. */
export interface DtlsConnection {
  start(now: number): void;
  handleDatagram(bytes: Uint8Array, now: number): void;
  handleTimeout(now: number): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): DtlsEvent | undefined;
  nextTimeout(): number | undefined;
  send(data: Uint8Array, now: number): void;
  readonly maxSendSize: number | undefined;
  close(now: number): void;
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array;
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined;
  readonly state: DtlsState;
  readonly stats: Readonly<DtlsStats>;
}

/** Datagrams held while the ClientHello is incomplete: a ClientHello and its retransmissions span few. */
const MAX_HELD_DATAGRAMS = 16;

/** Fragment verdicts that keep nothing, under the engine's drop counters. */
const VERDICT_DROP: Record<Exclude<FragmentVerdict, 'buffered' | 'inconsistent'>, DtlsDropReason> = {
  old: 'handshake-out-of-window',
  'too-large': 'handshake-too-large',
  'out-of-window': 'handshake-out-of-window',
  'buffer-full': 'handshake-buffer-full',
  'too-many-ranges': 'handshake-too-many-ranges',
};

/** A datagram held until the version is chosen, with the ClientHello message_seq values it carried. */
interface HeldDatagram {
  readonly bytes: Uint8Array;
  readonly seqs: ReadonlySet<number>;
}

/**
 * A server that may speak DTLS 1.2 or 1.3 decides on the reassembled ClientHello, never on a first
 * fragment: browsers' ClientHellos span two datagrams and supported_versions may sit in the second.
 * Until then it reassembles ClientHello fragments under the hardened DTLS 1.2 server's rules
 * (nothing but ClientHello fragments kept, message_seq at most MAX_FIRST_HELLO_SEQ, rival versions
 * per message_seq so a forged fragment cannot shadow the genuine hello, memory following the bytes
 * received within maxHandshakeBufferSize), holds the datagrams that carried them (bounded), keeps
 * no other state and sends nothing. Once a hello is whole it creates the connection of the chosen
 * version and hands it only the datagrams that carried that hello's message_seq, so that connection
 * runs its own cookie exchange, record numbering and hello checks exactly as if it had been first;
 * the rivals planted at other message_seq values are dropped and counted
 * (handshake-before-peer-hello). 1.3 is chosen when supported_versions offers it (RFC 8446 §4.2.1)
 * and the hello does not answer a DTLS 1.2 HelloVerifyRequest, else 1.2.
 */
export class ServerVersionSelector implements DtlsConnection {
  private impl: DtlsConnection | undefined;
  private held: HeldDatagram[] = [];
  private heldBytes = 0;
  private reassembler: HandshakeReassembler;
  private closed = false;
  /** What this front counted itself; added to the chosen connection's counters. */
  private readonly ownStats: DtlsStats = newStats();
  private readonly ownEvents: DtlsEvent[] = [];

  constructor(private readonly cfg: ResolvedConfig) {
    if (cfg.role !== 'server') throw new RangeError('ServerVersionSelector needs role server');
    this.reassembler = this.newReassembler();
  }

  private newReassembler(): HandshakeReassembler {
    return new HandshakeReassembler({
      maxMessageSize: this.cfg.maxHandshakeMessageSize,
      maxBufferedBytes: this.cfg.maxHandshakeBufferSize,
    });
  }

  /** The version chosen, once a ClientHello decided it. */
  get version(): 'DTLS 1.2' | 'DTLS 1.3' | undefined {
    if (this.impl === undefined) return undefined;
    return this.impl instanceof Dtls13Server ? 'DTLS 1.3' : 'DTLS 1.2';
  }

  start(_now: number): void {}

  handleDatagram(bytes: Uint8Array, now: number): void {
    if (this.impl !== undefined) {
      this.impl.handleDatagram(bytes, now);
      return;
    }
    if (!(bytes instanceof Uint8Array)) throw new TypeError('handleDatagram: bytes must be a Uint8Array');
    checkNow(now, 'handleDatagram');
    this.ownStats.datagramsReceived++;
    if (this.closed) {
      this.ownStats.drops['after-close']++;
      return;
    }
    const seqs = new Set<number>();
    const drops = this.ownStats.drops;
    for (const r of splitDatagram13(bytes).records) {
      if (r.kind !== 'plaintext' || r.contentType !== ContentType13.handshake || r.epoch !== 0) {
        drops['not-client-hello']++;
        continue;
      }
      let pos = 0;
      while (pos < r.fragment.length) {
        const p = parseHandshakeFragment(r.fragment, pos);
        if (!p.ok) {
          drops[p.reason]++;
          break;
        }
        pos = p.next;
        const f = p.fragment;
        if (f.msgType !== HandshakeType13.client_hello) {
          drops['not-client-hello']++;
          continue;
        }
        if (f.messageSeq > MAX_FIRST_HELLO_SEQ) {
          drops['handshake-before-peer-hello']++;
          continue;
        }
        const verdict = this.reassembler.offerFirst(f, 0);
        if (verdict === 'buffered' || verdict === 'inconsistent') seqs.add(f.messageSeq);
        else drops[VERDICT_DROP[verdict]]++;
      }
    }
    if (seqs.size === 0) return;
    // Hold a copy: the embedder may reuse its receive buffer. Memory stays proportional to what
    // arrived: at most MAX_HELD_DATAGRAMS and maxHandshakeBufferSize bytes, the oldest going first
    // (a genuine client's retransmission brings back what a flood pushed out).
    this.held.push({ bytes: Uint8Array.from(bytes), seqs });
    this.heldBytes += bytes.length;
    while (this.held.length > MAX_HELD_DATAGRAMS || this.heldBytes > this.cfg.maxHandshakeBufferSize) {
      this.heldBytes -= this.held.shift()!.bytes.length;
      drops['handshake-buffer-full']++;
    }
    for (const seq of seqs) {
      if (!this.reassembler.isComplete(seq)) continue;
      this.reassembler.restartAt(seq);
      const m = this.reassembler.next();
      if (m === undefined) continue;
      if (this.decide(m, now)) return;
    }
  }

  /** Decides on one whole ClientHello; false when it does not decode (dropped, the others kept). */
  private decide(m: HandshakeMessage, now: number): boolean {
    let dtls13: boolean;
    let offered13: boolean;
    try {
      const hello = decodeClientHello(m.body);
      offered13 = offersDtls13(hello);
      // A ClientHello carrying a legacy cookie answers a DTLS 1.2 HelloVerifyRequest (a cookie gate
      // in front): that exchange is 1.2's, and RFC 9147 §5.3 forbids the field in a 1.3 hello.
      dtls13 = offered13 && hello.cookie.length === 0;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.ownStats.drops['bad-client-hello']++;
      // The genuine hello may still complete at this message_seq (a forgery raced it).
      this.reassembler.restartAt(m.messageSeq);
      return false;
    }
    const useDtls13 = this.cfg.maxVersion === 'DTLS 1.3' && (dtls13 || this.cfg.minVersion === 'DTLS 1.3');
    // RFC 8446 §4.1.3: a 1.3-capable server negotiating 1.2 marks its random with the downgrade
    // sentinel, unless 1.2 was chosen only because the hello answers a 1.2 cookie exchange (a
    // cookie gate in front): then 1.3 was offered and not taken away, and the mark would make a
    // 1.3 client abort a handshake nobody tampered with.
    const cfg12: ResolvedConfig = offered13 && !dtls13 ? { ...this.cfg, maxVersion: 'DTLS 1.2' } : this.cfg;
    const impl: DtlsConnection = useDtls13
      ? new Dtls13Server(this.cfg, DEFAULT_DTLS13_OPTIONS)
      : new ServerHandshake12(cfg12);
    impl.start(now);
    this.impl = impl;
    // Only the datagrams of the chosen hello's message_seq go on; what was planted at other
    // message_seq values before it is dropped here and counted.
    const replay = this.held.filter((h) => h.seqs.has(m.messageSeq)).map((h) => h.bytes);
    this.ownStats.drops['handshake-before-peer-hello'] += this.reassembler.discardPending();
    this.ownStats.datagramsReceived -= replay.length;
    this.reset();
    for (const d of replay) impl.handleDatagram(d, now);
    return true;
  }

  private reset(): void {
    this.held = [];
    this.heldBytes = 0;
    this.reassembler = this.newReassembler();
  }

  handleTimeout(now: number): void {
    this.impl?.handleTimeout(now);
  }

  pollTransmit(): Uint8Array | undefined {
    return this.impl?.pollTransmit();
  }

  pollEvent(): DtlsEvent | undefined {
    return this.ownEvents.shift() ?? this.impl?.pollEvent();
  }

  nextTimeout(): number | undefined {
    return this.impl?.nextTimeout();
  }

  send(data: Uint8Array, now: number): void {
    if (this.impl === undefined) throw new Error('send: the connection is new, not connected');
    this.impl.send(data, now);
  }

  get maxSendSize(): number | undefined {
    return this.impl?.maxSendSize;
  }

  close(now: number): void {
    if (this.impl !== undefined) {
      this.impl.close(now);
      return;
    }
    checkNow(now, 'close');
    if (this.closed) return;
    this.closed = true;
    this.reset();
    this.ownEvents.push({ type: 'closed', reason: 'local-close' });
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (this.impl === undefined)
      throw new Error('exportKeyingMaterial: the connection is new, not connected');
    return this.impl.exportKeyingMaterial(label, length, context);
  }

  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    return this.impl?.srtpKeyingMaterial();
  }

  get state(): DtlsState {
    if (this.impl !== undefined) return this.impl.state;
    return this.closed ? 'closed' : 'new';
  }

  /** The chosen connection's counters plus what this front counted before it existed. */
  get stats(): Readonly<DtlsStats> {
    return this.impl === undefined ? this.ownStats : sumStats(this.impl.stats, this.ownStats);
  }
}
