import { AlertDescription, AlertLevel, alertName, encodeAlert } from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import { localSignatureSchemes } from '../crypto/signature.js';
import type { DtlsEvent, DtlsState, DtlsStats } from '../events.js';
import { encodeClientKeyShares } from '../extensions/key-share.js';
import { encodeClientSupportedVersions } from '../extensions/supported-versions.js';
import { parseHandshakeFragment } from '../handshake/fragment.js';
import { decodeServerHello } from '../handshake/messages/server-hello.js';
import { HandshakeReassembler } from '../handshake/reassembly.js';
import { ExtensionType, ProtocolVersion } from '../handshake/types.js';
import type { SrtpKeyingMaterial } from '../srtp-profiles.js';
import { ClientHandshake12 } from '../v12/client-handshake.js';
import { DecodeError } from '../wire/decode-error.js';
import { Dtls13Client } from './client13.js';
import { checkNow, DEFAULT_DTLS13_OPTIONS, type Dtls13Options } from './connection13.js';
import { type ClientKeyShare, clientKeyShare } from './key-exchange.js';
import { SCHEMES_13 } from './messages/certificate-verify13.js';
import { hasDowngradeSentinel, serverHello13Info } from './messages/hello13.js';
import { ContentType13, encodePlaintextRecord, splitDatagram13 } from './record-header.js';
import { HandshakeType13 } from './types13.js';
import type { DtlsConnection } from './version-selection.js';

/** Datagrams held while the server's hello is incomplete (a 1.3 ServerHello with the hybrid share spans several). */
const MAX_HELD_DATAGRAMS = 16;

/**
 * A client offering DTLS 1.2 and 1.3 in one ClientHello (RFC 8446 §4.2.1, RFC 9147 §5.3): the
 * DTLS 1.2 client sends it, extended with supported_versions, the 1.3 suites and key shares whose
 * private parts this object holds. The server's answer decides: a HelloVerifyRequest goes to the
 * 1.2 client; a ServerHello (or HelloRetryRequest) is reassembled first, then a 1.3 one hands the
 * handshake to a DTLS 1.3 client that takes over the hello already sent, and a 1.2 one stays with
 * the 1.2 client unless its random carries the downgrade sentinel (RFC 8446 §4.1.3).
 */
export class ClientVersionOffer implements DtlsConnection {
  private impl: DtlsConnection;
  private decided = false;
  private readonly v12: ClientHandshake12;
  private readonly shares: readonly ClientKeyShare[];
  private readonly opts: Dtls13Options;
  /** The ClientHello as last sent by the 1.2 client, its message_seq, and epoch-0 records sent. */
  private hello: { body: Uint8Array; messageSeq: number } | undefined;
  private recordsSent = 0;
  private startedAt = 0;
  private held: Uint8Array[] = [];
  private serverHello = new HandshakeReassembler({ maxMessageSize: 8192, maxBufferedMessages: 2 });
  private readonly ownEvents: DtlsEvent[] = [];
  private readonly ownOutbox: Uint8Array[] = [];
  private failed = false;

  constructor(private readonly cfg: ResolvedConfig) {
    if (cfg.role !== 'client') throw new RangeError('ClientVersionOffer needs role client');
    this.opts = DEFAULT_DTLS13_OPTIONS;
    this.shares = this.opts.keyShareGroups.map((g) => clientKeyShare(g, cfg.rng));
    const v12Groups = cfg.groups.filter((g) => !this.opts.groups.includes(g));
    this.v12 = new ClientHandshake12({
      ...cfg,
      offer13: {
        cipherSuites: this.opts.cipherSuites.map((s) => s.id),
        supportedGroups: [...this.opts.groups, ...v12Groups],
        // The 1.2 verification set first, then the 1.3-only scheme (ed25519) last.
        signatureSchemes: [...new Set([...localSignatureSchemes, ...SCHEMES_13])],
        extensions: [
          {
            type: ExtensionType.supported_versions,
            data: encodeClientSupportedVersions([ProtocolVersion.DTLS1_3, ProtocolVersion.DTLS1_2]),
          },
          {
            type: ExtensionType.key_share,
            data: encodeClientKeyShares(this.shares.map((s) => ({ group: s.group, keyExchange: s.share }))),
          },
        ],
      },
    });
    this.impl = this.v12;
  }

  /** The version the server chose, once known. */
  get version(): 'DTLS 1.2' | 'DTLS 1.3' | undefined {
    if (!this.decided) return undefined;
    return this.impl instanceof Dtls13Client ? 'DTLS 1.3' : 'DTLS 1.2';
  }

  start(now: number): void {
    this.startedAt = now;
    this.impl.start(now);
  }

  handleDatagram(bytes: Uint8Array, now: number): void {
    if (this.decided || this.failed) {
      this.impl.handleDatagram(bytes, now);
      return;
    }
    if (!(bytes instanceof Uint8Array)) throw new TypeError('handleDatagram: bytes must be a Uint8Array');
    checkNow(now, 'handleDatagram');
    // Does this datagram carry a piece of a ServerHello? Then hold it until the hello is whole.
    let serverHelloPart = false;
    for (const r of splitDatagram13(bytes).records) {
      if (r.kind !== 'plaintext' || r.contentType !== ContentType13.handshake || r.epoch !== 0) continue;
      let pos = 0;
      while (pos < r.fragment.length) {
        const p = parseHandshakeFragment(r.fragment, pos);
        if (!p.ok) break;
        pos = p.next;
        const f = p.fragment;
        if (f.msgType !== HandshakeType13.server_hello) continue;
        if (f.messageSeq > this.serverHello.nextSeq && !this.serverHello.has(this.serverHello.nextSeq))
          this.serverHello.restartAt(f.messageSeq);
        if (this.serverHello.offer(f, 0) === 'buffered') serverHelloPart = true;
      }
    }
    if (!serverHelloPart) {
      this.impl.handleDatagram(bytes, now);
      return;
    }
    this.held.push(Uint8Array.from(bytes));
    if (this.held.length > MAX_HELD_DATAGRAMS) this.held.shift();
    const m = this.serverHello.next();
    if (m === undefined) return;
    let info: ReturnType<typeof serverHello13Info>;
    let random: Uint8Array;
    try {
      const sh = decodeServerHello(m.body);
      info = serverHello13Info(sh);
      random = sh.random;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Not a ServerHello of either version: let the 1.2 client count and drop it.
      this.release(now);
      return;
    }
    if (info.selectedVersion === ProtocolVersion.DTLS1_3) {
      this.switchTo13(now);
      return;
    }
    if (info.selectedVersion !== undefined) {
      // RFC 8446 §4.2.1: supported_versions in a ServerHello selects 1.3 or is illegal.
      this.abort(now, 'server selected a version it cannot select with supported_versions');
      return;
    }
    if (hasDowngradeSentinel(random)) {
      // RFC 8446 §4.1.3: a 1.3-capable server answered our 1.3 offer with 1.2: someone removed it.
      this.abort(now, 'DTLS 1.2 ServerHello carries the DTLS 1.3 downgrade sentinel');
      return;
    }
    this.release(now);
  }

  /** The decision is 1.2: the 1.2 client processes the held datagrams and everything after. */
  private release(now: number): void {
    this.decided = true;
    const held = this.held;
    this.held = [];
    for (const d of held) this.impl.handleDatagram(d, now);
  }

  private switchTo13(now: number): void {
    // The 1.2 client's output so far was observed in pollTransmit: the hello it last sent.
    if (this.hello === undefined) {
      this.abort(now, 'no ClientHello was sent');
      return;
    }
    const client = Dtls13Client.resume(this.cfg, this.opts, {
      body: this.hello.body,
      messageSeq: this.hello.messageSeq,
      recordsSent: this.recordsSent,
      shares: this.shares,
      startedAt: this.startedAt,
    });
    // Datagrams the 1.2 client produced but the embedder has not taken yet are still its own.
    for (let d = this.v12.pollTransmit(); d; d = this.v12.pollTransmit()) this.ownOutbox.push(d);
    this.impl = client;
    this.decided = true;
    const held = this.held;
    this.held = [];
    for (const d of held) client.handleDatagram(d, now);
  }

  private abort(now: number, detail: string): void {
    this.failed = true;
    this.held = [];
    this.v12.close(now);
    // Drop the 1.2 client's close_notify: the alert this failure names replaces it.
    while (this.v12.pollTransmit()) {}
    while (this.v12.pollEvent()) {}
    const description = AlertDescription.illegalParameter;
    this.ownOutbox.push(
      encodePlaintextRecord(
        ContentType13.alert,
        this.recordsSent++,
        encodeAlert(AlertLevel.fatal, description),
      ),
    );
    const name = alertName(description);
    this.ownEvents.push({ type: 'alert', level: 'fatal', description, name, sent: true });
    this.ownEvents.push({ type: 'closed', reason: 'alert-sent', alert: name, detail });
  }

  /** Notes the ClientHello and epoch-0 record numbers of what the 1.2 client sends. */
  private observe(d: Uint8Array): void {
    for (const r of splitDatagram13(d).records) {
      if (r.kind !== 'plaintext' || r.epoch !== 0) continue;
      this.recordsSent = Math.max(this.recordsSent, r.sequenceNumber + 1);
      if (r.contentType !== ContentType13.handshake) continue;
      const p = parseHandshakeFragment(r.fragment, 0);
      if (!p.ok || p.fragment.msgType !== HandshakeType13.client_hello) continue;
      const f = p.fragment;
      if (
        this.hello === undefined ||
        this.hello.messageSeq !== f.messageSeq ||
        this.hello.body.length !== f.length
      )
        this.hello = { body: new Uint8Array(f.length), messageSeq: f.messageSeq };
      this.hello.body.set(f.body, f.fragmentOffset);
    }
  }

  handleTimeout(now: number): void {
    if (!this.failed) this.impl.handleTimeout(now);
  }

  pollTransmit(): Uint8Array | undefined {
    const own = this.ownOutbox.shift();
    if (own !== undefined) return own;
    if (this.failed) return undefined;
    const d = this.impl.pollTransmit();
    if (d !== undefined && !this.decided) this.observe(d);
    return d;
  }

  pollEvent(): DtlsEvent | undefined {
    return this.ownEvents.shift() ?? (this.failed ? undefined : this.impl.pollEvent());
  }

  nextTimeout(): number | undefined {
    return this.failed ? undefined : this.impl.nextTimeout();
  }

  send(data: Uint8Array, now: number): void {
    this.impl.send(data, now);
  }

  get maxSendSize(): number | undefined {
    return this.failed ? undefined : this.impl.maxSendSize;
  }

  close(now: number): void {
    if (!this.failed) this.impl.close(now);
  }

  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    return this.impl.exportKeyingMaterial(label, length, context);
  }

  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    return this.impl.srtpKeyingMaterial();
  }

  get state(): DtlsState {
    return this.failed ? 'closed' : this.impl.state;
  }

  get stats(): Readonly<DtlsStats> {
    return this.impl.stats;
  }
}
