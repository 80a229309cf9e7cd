import { AlertDescription, AlertLevel, alertName, encodeAlert } from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import { localSignatureSchemes } from '../crypto/signature.js';
import { type DtlsEvent, type DtlsState, type DtlsStats, sumStats } from '../events.js';
import { encodeClientKeyShares } from '../extensions/key-share.js';
import { encodeClientSupportedVersions } from '../extensions/supported-versions.js';
import { parseHandshakeFragment } from '../handshake/fragment.js';
import { decodeServerHello } from '../handshake/messages/server-hello.js';
import { type HandshakeMessage, HandshakeReassembler } from '../handshake/reassembly.js';
import { ExtensionType, ProtocolVersion } from '../handshake/types.js';
import type { SrtpKeyingMaterial } from '../srtp-profiles.js';
import { ClientHandshake12 } from '../v12/client-handshake.js';
import { MAX_FIRST_HELLO_SEQ } from '../v12/server-handshake.js';
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
  private held: { readonly bytes: Uint8Array; readonly seqs: ReadonlySet<number> }[] = [];
  private heldBytes = 0;
  private readonly serverHello: HandshakeReassembler;
  private readonly ownEvents: DtlsEvent[] = [];
  private readonly ownOutbox: Uint8Array[] = [];
  private failed = false;

  constructor(private readonly cfg: ResolvedConfig) {
    if (cfg.role !== 'client') throw new RangeError('ClientVersionOffer needs role client');
    this.opts = DEFAULT_DTLS13_OPTIONS;
    this.serverHello = new HandshakeReassembler({
      maxMessageSize: cfg.maxHandshakeMessageSize,
      maxBufferedBytes: cfg.maxHandshakeBufferSize,
    });
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
    // Its message_seq is 0, or 1 after a HelloVerifyRequest: each small number keeps its own rival
    // versions (the hardened reassembler's rules), so a forged fragment, whatever number it
    // claims, neither shadows the genuine ServerHello nor moves reassembly past it.
    const seqs = new Set<number>();
    for (const r of splitDatagram13(bytes).records) {
      if (r.kind !== 'plaintext' || r.contentType !== ContentType13.handshake || r.epoch !== 0) continue;
      let pos = 0;
      while (pos < r.fragment.length) {
        const p = parseHandshakeFragment(r.fragment, pos);
        if (!p.ok) break;
        pos = p.next;
        const f = p.fragment;
        if (f.msgType !== HandshakeType13.server_hello || f.messageSeq > MAX_FIRST_HELLO_SEQ) continue;
        const verdict = this.serverHello.offerFirst(f, 0);
        if (verdict === 'buffered' || verdict === 'inconsistent') seqs.add(f.messageSeq);
      }
    }
    if (seqs.size === 0) {
      // The 1.2 client drops (and counts) whatever is planted before the server's hello.
      this.impl.handleDatagram(bytes, now);
      return;
    }
    this.held.push({ bytes: Uint8Array.from(bytes), seqs });
    this.heldBytes += bytes.length;
    while (this.held.length > MAX_HELD_DATAGRAMS || this.heldBytes > this.cfg.maxHandshakeBufferSize)
      this.heldBytes -= this.held.shift()!.bytes.length;
    for (const seq of seqs) {
      if (!this.serverHello.isComplete(seq)) continue;
      this.serverHello.restartAt(seq);
      const m = this.serverHello.next();
      if (m !== undefined && this.decide(m, now)) return;
    }
  }

  /** Decides on one whole ServerHello; false when it does not decode (dropped, reassembly goes on). */
  private decide(m: HandshakeMessage, now: number): boolean {
    let info: ReturnType<typeof serverHello13Info>;
    let random: Uint8Array;
    try {
      const sh = decodeServerHello(m.body);
      info = serverHello13Info(sh);
      random = sh.random;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Not a ServerHello of either version, and unauthenticated: dropped, so that a forged one
      // cannot decide the version before the genuine hello completes at the same message_seq.
      this.v12Stats.drops['bad-server-hello']++;
      this.serverHello.restartAt(m.messageSeq);
      return false;
    }
    if (info.selectedVersion === ProtocolVersion.DTLS1_3) {
      this.switchTo13(m.messageSeq, now);
      return true;
    }
    if (info.selectedVersion !== undefined) {
      // RFC 8446 §4.2.1: supported_versions in a ServerHello selects 1.3 or is illegal.
      this.abort(now, 'server selected a version it cannot select with supported_versions');
      return true;
    }
    if (hasDowngradeSentinel(random)) {
      // RFC 8446 §4.1.3: a 1.3-capable server answered our 1.3 offer with 1.2: someone removed it.
      this.abort(now, 'DTLS 1.2 ServerHello carries the DTLS 1.3 downgrade sentinel');
      return true;
    }
    this.release(now);
    return true;
  }

  /** The 1.2 client's counters, which it keeps in its stats object. */
  private get v12Stats(): DtlsStats {
    return this.v12.stats as DtlsStats;
  }

  /** Datagrams of the chosen hello's message_seq (`undefined`: all); the rest go. */
  private takeHeld(seq: number | undefined): Uint8Array[] {
    const held = this.held.filter((h) => seq === undefined || h.seqs.has(seq)).map((h) => h.bytes);
    this.held = [];
    this.heldBytes = 0;
    return held;
  }

  /** The decision is 1.2: the 1.2 client processes the held datagrams and everything after. */
  private release(now: number): void {
    this.decided = true;
    for (const d of this.takeHeld(undefined)) this.impl.handleDatagram(d, now);
  }

  private switchTo13(seq: number, now: number): void {
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
    for (const d of this.takeHeld(seq)) client.handleDatagram(d, now);
  }

  private abort(now: number, detail: string): void {
    this.failed = true;
    this.takeHeld(undefined);
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

  /** After a switch to 1.3, what the 1.2 client counted (the hello sent, drops before the ServerHello) stays counted. */
  get stats(): Readonly<DtlsStats> {
    return this.impl === this.v12 ? this.v12.stats : sumStats(this.impl.stats, this.v12.stats);
  }
}
