import type { ResolvedConfig } from '../config.js';
import type { DtlsEvent, DtlsState, DtlsStats } from '../events.js';
import { newStats } from '../events.js';
import { parseHandshakeFragment } from '../handshake/fragment.js';
import { decodeClientHello } from '../handshake/messages/client-hello.js';
import { HandshakeReassembler } from '../handshake/reassembly.js';
import type { SrtpKeyingMaterial } from '../srtp-profiles.js';
import { ServerHandshake12 } from '../v12/server-handshake.js';
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

/** Datagrams held while the ClientHello is incomplete, and their total size: a ClientHello spans few. */
const MAX_HELD_DATAGRAMS = 8;
const MAX_HELD_BYTES = 16384;

/**
 * A server that may speak DTLS 1.2 or 1.3 decides on the reassembled ClientHello, never on a first
 * fragment: browsers' ClientHellos span two datagrams and supported_versions may sit in the second.
 * Until then it holds the datagrams (bounded), keeps no other state and sends nothing; once the
 * hello is complete it creates the connection of the chosen version and hands it every held
 * datagram, so that connection runs its own cookie exchange exactly as if it had been first.
 * 1.3 is chosen when supported_versions offers it (RFC 8446 §4.2.1) and the hello does not answer a
 * DTLS 1.2 HelloVerifyRequest, else 1.2.
 */
export class ServerVersionSelector implements DtlsConnection {
  private impl: DtlsConnection | undefined;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private reassembler = new HandshakeReassembler({ maxMessageSize: 65536, maxBufferedMessages: 2 });
  private closed = false;
  private readonly ownStats: DtlsStats = newStats();
  private readonly ownEvents: DtlsEvent[] = [];

  constructor(private readonly cfg: ResolvedConfig) {
    if (cfg.role !== 'server') throw new RangeError('ServerVersionSelector needs role server');
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
    let sawHello = false;
    for (const r of splitDatagram13(bytes).records) {
      if (r.kind !== 'plaintext' || r.contentType !== ContentType13.handshake || r.epoch !== 0) continue;
      let pos = 0;
      while (pos < r.fragment.length) {
        const p = parseHandshakeFragment(r.fragment, pos);
        if (!p.ok) break;
        pos = p.next;
        const f = p.fragment;
        if (f.msgType !== HandshakeType13.client_hello) continue;
        // A ClientHello may come with message_seq 1 after a stateless cookie exchange in front.
        if (f.messageSeq > this.reassembler.nextSeq && !this.reassembler.has(this.reassembler.nextSeq))
          this.reassembler.restartAt(f.messageSeq);
        if (this.reassembler.offer(f, 0) === 'buffered') sawHello = true;
      }
    }
    if (!sawHello) {
      this.ownStats.drops['not-client-hello']++;
      return;
    }
    // Hold a copy: the embedder may reuse its receive buffer.
    this.held.push(Uint8Array.from(bytes));
    this.heldBytes += bytes.length;
    while (this.held.length > MAX_HELD_DATAGRAMS || this.heldBytes > MAX_HELD_BYTES) {
      this.heldBytes -= this.held.shift()!.length;
      this.ownStats.drops['handshake-buffer-full']++;
    }
    const m = this.reassembler.next();
    if (m === undefined) return;
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
      this.reset();
      return;
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
    const held = this.held;
    this.reset();
    for (const d of held) impl.handleDatagram(d, now);
  }

  private reset(): void {
    this.held = [];
    this.heldBytes = 0;
    this.reassembler = new HandshakeReassembler({ maxMessageSize: 65536, maxBufferedMessages: 2 });
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

  get stats(): Readonly<DtlsStats> {
    return this.impl?.stats ?? this.ownStats;
  }
}
