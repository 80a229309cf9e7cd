import { type DtlsConfig, type ResolvedConfig, resolveConfig } from './config.js';
import type { DtlsEvent, DtlsState, DtlsStats } from './events.js';
import type { SrtpKeyingMaterial } from './srtp-profiles.js';
import { ClientHandshake12 } from './v12/client-handshake.js';
import { ServerHandshake12 } from './v12/server-handshake.js';
import { ClientVersionOffer } from './v13/client-version-selection.js';
import { Dtls13Client } from './v13/client13.js';
import { DEFAULT_DTLS13_OPTIONS } from './v13/connection13.js';
import { type DtlsConnection, ServerVersionSelector } from './v13/version-selection.js';

/**
 * A sans-IO DTLS endpoint (DESIGN "Sans-IO engines"): feed it datagrams and timeouts with the
 * current time, poll it for datagrams to send, events and its next deadline. It owns no socket,
 * timer, clock or randomness of its own. Bad input from the network never throws out of it; API
 * misuse does, at once.
 *
 * This class only dispatches to the version-specific connection: DTLS 1.2 (RFC 6347) or DTLS 1.3
 * (RFC 9147), as `minVersion`/`maxVersion` allow. A server allowing both decides on the
 * reassembled ClientHello (ServerVersionSelector).
 */
export class DtlsEngine {
  private readonly impl: DtlsConnection;

  constructor(config: DtlsConfig) {
    const cfg = resolveConfig(config);
    this.impl = chooseConnection(cfg);
  }

  /** Client: sends flight 1 (ClientHello). Server: nothing; it waits for a ClientHello. */
  start(now: number): void {
    this.impl.start(now);
  }

  /** One UDP datagram from the peer (may carry several records). */
  handleDatagram(bytes: Uint8Array, now: number): void {
    this.impl.handleDatagram(bytes, now);
  }

  /** Call when `nextTimeout()` has passed: retransmits the last flight or ends a handshake that took too long. */
  handleTimeout(now: number): void {
    this.impl.handleTimeout(now);
  }

  /** The next datagram to send, or undefined; call until undefined. */
  pollTransmit(): Uint8Array | undefined {
    return this.impl.pollTransmit();
  }

  /** The next event, or undefined; call until undefined. */
  pollEvent(): DtlsEvent | undefined {
    return this.impl.pollEvent();
  }

  /** When handleTimeout should next be called (same clock as `now`), or undefined when nothing is pending. */
  nextTimeout(): number | undefined {
    return this.impl.nextTimeout();
  }

  /**
   * Sends application data as one record in one datagram. Throws unless connected, and throws a
   * RangeError when `data` is longer than `maxSendSize` (DTLS does not fragment application data,
   * RFC 6347 §4.1.1): size messages to it, or split a byte stream yourself.
   */
  send(data: Uint8Array, now: number): void {
    this.impl.send(data, now);
  }

  /**
   * The largest `data` one send() accepts: the configured mtu minus the record header (13 bytes)
   * and the negotiated suite's expansion (24 bytes for AES-GCM, 16 for ChaCha20-Poly1305, 16 for
   * AES-CCM_8), at most 2^14. 1163 with the default mtu 1200 and an AES-GCM suite. Undefined
   * unless connected.
   */
  get maxSendSize(): number | undefined {
    return this.impl.maxSendSize;
  }

  /** Sends close_notify (RFC 5246 §7.2.1) and closes; idempotent. */
  close(now: number): void {
    this.impl.close(now);
  }

  /** RFC 5705 keying material exporter. Throws unless connected. */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    return this.impl.exportKeyingMaterial(label, length, context);
  }

  /** SRTP master keys and salts for our role (RFC 5764 §4.2) once connected with use_srtp; else undefined. */
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    return this.impl.srtpKeyingMaterial();
  }

  get state(): DtlsState {
    return this.impl.state;
  }

  get stats(): Readonly<DtlsStats> {
    return this.impl.stats;
  }
}

function chooseConnection(cfg: ResolvedConfig): DtlsConnection {
  if (cfg.role === 'server')
    return cfg.maxVersion === 'DTLS 1.2' ? new ServerHandshake12(cfg) : new ServerVersionSelector(cfg);
  if (cfg.minVersion === 'DTLS 1.3') return new Dtls13Client(cfg, DEFAULT_DTLS13_OPTIONS);
  if (cfg.maxVersion === 'DTLS 1.2') return new ClientHandshake12(cfg);
  return new ClientVersionOffer(cfg);
}

export { DtlsCookieGate } from './cookie-gate.js';
