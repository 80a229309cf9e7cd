import { createSocket, type RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { DtlsConfig } from '../config.js';
import { DtlsCookieGate } from '../cookie-gate.js';
import { DtlsEngine } from '../engine.js';
import { type DtlsCloseInfo, DtlsConnection, DtlsHandshakeError, type RemoteAddress } from './connection.js';
import { type Clock, monotonicClock } from './driver.js';
import { UdpSender } from './udp.js';

export interface DtlsServerOptions extends Omit<DtlsConfig, 'role'> {
  /** UDP port to listen on; 0 picks a free one (see address()). Default 0. */
  readonly port?: number;
  /** Address to bind. Default '0.0.0.0' ('::' binds IPv6 and, where the OS allows, IPv4). */
  readonly host?: string;
  /** Most peers (handshaking or connected) kept at once; new peers beyond it are dropped. Default 1024. */
  readonly maxPeers?: number;
  /**
   * A connected peer (or one whose handshake never started) that sends nothing for this long is
   * dropped from the table (DTLS has no
   * keepalive of its own; a peer that vanished without close_notify would otherwise hold its slot).
   * 0 disables. Default 300000 ms.
   */
  readonly idleTimeoutMs?: number;
  /** Rotation period of the HelloVerifyRequest cookie secret (ms). Default 60000. */
  readonly cookieRotationMs?: number;
}

export interface DtlsServerStats {
  /** Peers in the table now. */
  peers: number;
  /** HelloVerifyRequests sent by the stateless gate. */
  helloVerifyRequests: number;
  /** Datagrams from unknown peers the gate dropped (not a ClientHello, bad cookie, garbage). */
  gateDrops: number;
  /** Valid new peers dropped because the table was full. */
  peerTableFull: number;
  /** Handshakes that ended without `connected`. */
  handshakeFailures: number;
  /** Connected peers dropped after idleTimeoutMs of silence. */
  idleEvictions: number;
  /**
   * Exceptions caught from event handlers (a 'connection' or 'data' listener that throws) or from
   * handling a datagram; each closed the peer it came from, none reached the event loop.
   */
  handlerErrors: number;
}

interface ServerEvents {
  listening: [AddressInfo];
  /** A peer completed its handshake. */
  connection: [DtlsConnection];
  /** A peer's handshake failed (wrong fingerprint, timeout, alert, …). */
  handshakeError: [RemoteAddress, DtlsHandshakeError];
  /** A socket error; the server stops. */
  error: [Error];
  close: [];
}

/** Per-address key of the peer table (also the address the cookie binds, RFC 6347 §4.2.1). */
function peerKey(address: string, port: number, family: string): string {
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** First record is a plaintext handshake record carrying a ClientHello (RFC 6347 §4.1, §4.2.2). */
function looksLikeClientHello(d: Uint8Array): boolean {
  return d.length >= 25 && d[0] === 22 && d[3] === 0 && d[4] === 0 && d[13] === 1;
}

/**
 * A DTLS server for many peers on one UDP socket. Datagrams from unknown
 * addresses pass a stateless cookie gate first (RFC 6347 §4.2.1): nothing is
 * allocated for a peer until it proves it receives at its address; then one
 * engine per peer address runs the handshake. The peer table is bounded.
 */
export class DtlsServer extends EventEmitter<ServerEvents> {
  private readonly socket;
  private readonly sender: UdpSender;
  private readonly peers = new Map<string, DtlsConnection>();
  /** Clock time of the last datagram from each peer. */
  private readonly lastSeen = new Map<string, number>();
  private readonly idleTimeoutMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly gate: DtlsCookieGate | undefined;
  private readonly maxPeers: number;
  private readonly engineConfig: DtlsConfig;
  private readonly clock: Clock;
  private closing = false;
  /** Resolves with the bound address once listening; rejects if binding fails. */
  readonly ready: Promise<AddressInfo>;
  readonly stats: DtlsServerStats = {
    peers: 0,
    helloVerifyRequests: 0,
    gateDrops: 0,
    peerTableFull: 0,
    handshakeFailures: 0,
    idleEvictions: 0,
    handlerErrors: 0,
  };

  /** @internal Use createDtlsServer(). */
  constructor(options: DtlsServerOptions, clock: Clock = monotonicClock) {
    super();
    const {
      port = 0,
      host = '0.0.0.0',
      maxPeers = 1024,
      idleTimeoutMs = 300_000,
      cookieRotationMs,
      ...config
    } = options;
    if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0)
      throw new RangeError('options.idleTimeoutMs must be a non-negative number');
    this.idleTimeoutMs = idleTimeoutMs;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError('options.port must be 0..65535');
    if (!Number.isInteger(maxPeers) || maxPeers < 1)
      throw new RangeError('options.maxPeers must be a positive integer');
    this.maxPeers = maxPeers;
    this.clock = clock;
    const cookieExchange = config.cookieExchange ?? true;
    // The gate does the cookie exchange; engines then start from the verified ClientHello.
    this.engineConfig = { ...config, role: 'server', cookieExchange: false };
    // Fail on a bad configuration now rather than on the first peer.
    new DtlsEngine(this.engineConfig);
    if (cookieExchange) {
      const gateOptions: ConstructorParameters<typeof DtlsCookieGate>[0] = {};
      if (config.rng !== undefined) gateOptions.rng = config.rng;
      if (cookieRotationMs !== undefined) gateOptions.rotationMs = cookieRotationMs;
      this.gate = new DtlsCookieGate(gateOptions);
    }
    this.socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    this.sender = new UdpSender(this.socket);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        this.socket.on('error', (err) => {
          this.emit('error', err);
          void this.close();
        });
        const addr = this.socket.address();
        this.emit('listening', addr);
        resolve(addr);
      });
    });
    // A failed bind is reported through `ready`; keep it from being unhandled when nobody awaits.
    this.ready.catch(() => {});
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  address(): AddressInfo {
    return this.socket.address();
  }

  /** Live connections (handshaking ones included). */
  connections(): DtlsConnection[] {
    return [...this.peers.values()];
  }

  /** The socket's 'message' listener: nothing may throw out of it, or the process ends. */
  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    try {
      this.route(msg, rinfo);
    } catch {
      this.stats.handlerErrors++;
    }
  }

  private route(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closing) return;
    const datagram = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const key = peerKey(rinfo.address, rinfo.port, rinfo.family);
    const existing = this.peers.get(key);
    if (existing !== undefined) {
      this.lastSeen.set(key, this.clock());
      existing.receive(datagram);
      return;
    }
    if (this.gate !== undefined) {
      const verdict = this.gate.check(datagram, key, this.clock());
      if (verdict.kind === 'reply') {
        this.stats.helloVerifyRequests++;
        this.sender.send(verdict.datagram, rinfo.port, rinfo.address);
        return;
      }
      // A valid cookie creates the engine; anything else from an unknown address has no engine to go to.
      if (verdict.kind === 'drop' || !verdict.clientHello) {
        this.stats.gateDrops++;
        return;
      }
    } else if (!looksLikeClientHello(datagram)) {
      this.stats.gateDrops++;
      return;
    }
    if (this.peers.size >= this.maxPeers) {
      this.stats.peerTableFull++;
      return;
    }
    this.addPeer(key, { address: rinfo.address, port: rinfo.port }).receive(datagram);
  }

  private addPeer(key: string, remote: RemoteAddress): DtlsConnection {
    const engine = new DtlsEngine(this.engineConfig);
    const connection = new DtlsConnection(
      engine,
      'server',
      remote,
      (d) => this.sender.send(d, remote.port, remote.address),
      (info: DtlsCloseInfo) => {
        this.peers.delete(key);
        this.lastSeen.delete(key);
        this.stats.peers = this.peers.size;
        if (connection.info === undefined) {
          this.stats.handshakeFailures++;
          this.emit('handshakeError', remote, new DtlsHandshakeError(info));
        }
      },
      this.clock,
      () => this.stats.handlerErrors++,
    );
    connection.on('connected', () => this.emit('connection', connection));
    this.peers.set(key, connection);
    this.lastSeen.set(key, this.clock());
    this.armSweeper();
    this.stats.peers = this.peers.size;
    connection.start();
    return connection;
  }

  /**
   * One timer for the whole table: every quarter of the idle timeout, connected peers silent for
   * longer are closed (close_notify, in case they are still there). Handshaking peers end by the
   * engine's own handshake timeout.
   */
  private armSweeper(): void {
    if (this.sweeper !== undefined || this.idleTimeoutMs === 0) return;
    this.sweeper = setInterval(
      () => {
        const now = this.clock();
        for (const [key, connection] of this.peers) {
          // Handshaking peers end by the engine's handshake timeout; a peer whose engine never started
          // a handshake (its cookie-bearing ClientHello was then dropped) has no timeout of its own.
          if (connection.info === undefined && connection.state !== 'new') continue;
          if (now - (this.lastSeen.get(key) ?? now) >= this.idleTimeoutMs) {
            this.stats.idleEvictions++;
            void connection.close();
          }
        }
        if (this.peers.size === 0) this.stopSweeper();
      },
      Math.max(10, Math.floor(this.idleTimeoutMs / 4)),
    );
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Sends close_notify to every peer, then closes the socket. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopSweeper();
    for (const c of [...this.peers.values()]) {
      if (c.info !== undefined) await c.close();
      else c.abort('server closed');
    }
    await this.sender.close();
    this.emit('close');
  }
}

/** Creates a server and starts binding; await `server.ready` for the address. */
export function createDtlsServer(options: DtlsServerOptions): DtlsServer {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  return new DtlsServer(options);
}
