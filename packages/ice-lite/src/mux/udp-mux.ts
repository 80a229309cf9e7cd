import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostCandidates, type IceCandidate } from '../ice/candidate.js';
import { type MuxSession, type MuxSessionOptions, UdpMuxRouter, type UdpMuxRouterOptions } from './router.js';

export interface UdpMuxOptions extends Omit<UdpMuxRouterOptions, 'send'> {
  /**
   * Bind address, an IP literal. Default '::' with a dual-stack socket (IPv4 peers appear as
   * ::ffff:a.b.c.d). An IPv4 address ('127.0.0.1', '0.0.0.0') gives a 'udp4' socket.
   */
  address?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Socket family. Default: the bind address's family, 'udp6' when no address is given. */
  type?: 'udp4' | 'udp6';
  /**
   * SO_RCVBUF in bytes. Default: the OS default (Linux: net.core.rmem_default, ~208 KiB). Every
   * session's media arrives on this one socket: when the event loop falls behind by more than the
   * buffer holds, the kernel drops datagrams, so a busy port wants several MiB (Linux caps the
   * value at net.core.rmem_max and reports twice what was set, its bookkeeping overhead included).
   */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes. Default: the OS default (Linux: net.core.wmem_default). */
  sendBufferSize?: number;
  /** For 'udp6': refuse IPv4 peers. Default false (dual-stack where the OS allows it). */
  ipv6Only?: boolean;
  /**
   * Addresses to announce as host candidates. Default: the bind address, or for a wildcard bind every
   * interface address of the socket's families (loopback only when nothing else exists).
   */
  announcedAddresses?: string[];
  /** Clock for consent timing. Default Date.now. */
  clock?: () => number;
  /** Consent sweep period. Default 1000 ms. */
  sweepIntervalMs?: number;
  /** Called when a session handler throws or the socket fails; the mux keeps running. */
  onError?(error: unknown): void;
}

/**
 * One node:dgram socket serving many ICE-lite sessions through `UdpMuxRouter`.
 * The adapter only moves bytes and time; every decision is the router's.
 */
export class UdpMux {
  readonly router: UdpMuxRouter;
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Sends the socket refused (e.g. ENOBUFS, unreachable); each is also reported to onError. */
  private sendFailures = 0;

  private constructor(
    private readonly socket: Socket,
    readonly candidates: IceCandidate[],
    options: UdpMuxOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    const onError = options.onError ?? (() => {});
    // One completion callback for every datagram rather than a closure per send: the media path
    // sends thousands a second and only failures need attention.
    const sent = (err: Error | null) => {
      if (!err) return;
      this.sendFailures++;
      onError(err);
    };
    this.router = new UdpMuxRouter({
      ...options,
      send: (bytes, address, port) => {
        if (this.closed) return;
        socket.send(bytes, port, address, sent);
      },
    });
    socket.on('message', (msg, rinfo) => {
      try {
        this.router.handleDatagram(msg, rinfo.address, rinfo.port, this.clock());
      } catch (err) {
        onError(err);
      }
    });
    socket.on('error', onError);
    this.timer = setInterval(() => {
      try {
        this.router.handleTimeout(this.clock());
      } catch (err) {
        onError(err);
      }
    }, options.sweepIntervalMs ?? 1000);
    this.timer.unref();
  }

  static async bind(options: UdpMuxOptions = {}): Promise<UdpMux> {
    if (
      options.port !== undefined &&
      (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    ) {
      throw new RangeError('options.port must be 0..65535');
    }
    const buffers = {
      recv: bufferSize(options.recvBufferSize, 'recvBufferSize'),
      send: bufferSize(options.sendBufferSize, 'sendBufferSize'),
    };
    let type = socketType(options);
    let address = options.address ?? (type === 'udp6' ? '::' : '0.0.0.0');
    let socket: Socket;
    try {
      socket = await bindSocket(type, address, options.port ?? 0, options.ipv6Only ?? false);
    } catch (err) {
      // A host without IPv6: the default dual-stack socket falls back to IPv4 (explicit choices do not).
      if (options.type !== undefined || options.address !== undefined) throw err;
      type = 'udp4';
      address = '0.0.0.0';
      socket = await bindSocket(type, address, options.port ?? 0, false);
    }
    try {
      if (buffers.recv !== undefined) socket.setRecvBufferSize(buffers.recv);
      if (buffers.send !== undefined) socket.setSendBufferSize(buffers.send);
    } catch (err) {
      socket.close();
      throw err;
    }
    const port = socket.address().port;
    const announced =
      options.announcedAddresses ?? defaultAnnounced(address, type, options.ipv6Only ?? false);
    const candidates = hostCandidates(announced.map((a) => ({ address: a, port })));
    return new UdpMux(socket, candidates, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The bound address ('::', '127.0.0.1', …). */
  get address(): string {
    return this.socket.address().address;
  }

  /** SO_RCVBUF as the OS reports it (Linux: twice the value set, overhead included). */
  get recvBufferSize(): number {
    return this.socket.getRecvBufferSize();
  }

  /** SO_SNDBUF as the OS reports it. */
  get sendBufferSize(): number {
    return this.socket.getSendBufferSize();
  }

  /** Datagrams the socket failed to send, over the mux's life. */
  get sendErrors(): number {
    return this.sendFailures;
  }

  addSession(options: MuxSessionOptions): MuxSession {
    return this.router.addSession(options, this.clock());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** The socket family: as given, else the bind address's, else 'udp6'. A mismatch throws (EINVAL otherwise). */
function socketType(options: UdpMuxOptions): 'udp4' | 'udp6' {
  const { type, address } = options;
  if (type !== undefined && type !== 'udp4' && type !== 'udp6') {
    throw new RangeError(`options.type must be 'udp4' or 'udp6', got ${String(type)}`);
  }
  if (address === undefined) return type ?? 'udp6';
  const family = isIPv4(address) ? 'udp4' : isIPv6(address) ? 'udp6' : undefined;
  if (family === undefined)
    throw new TypeError(`options.address must be an IP address, got ${String(address)}`);
  if (type !== undefined && type !== family) {
    // An IPv4 address on a udp6 socket would fail with a bare EINVAL: say which form it needs.
    const hint =
      family === 'udp4' ? ` (IPv4; a 'udp6' socket needs '::ffff:${address}')` : ' (IPv6; it needs udp6)';
    throw new RangeError(`options.type ${type} cannot bind options.address ${address}${hint}`);
  }
  return family;
}

function bufferSize(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
    throw new RangeError(`options.${name} must be a positive integer (bytes), got ${String(v)}`);
  }
  return v;
}

async function bindSocket(
  type: 'udp4' | 'udp6',
  address: string,
  port: number,
  ipv6Only: boolean,
): Promise<Socket> {
  const socket = createSocket({ type, ipv6Only: type === 'udp6' ? ipv6Only : undefined });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

function defaultAnnounced(bind: string, type: 'udp4' | 'udp6', ipv6Only: boolean): string[] {
  if (bind !== '::' && bind !== '0.0.0.0') return [bind];
  const families = new Set<string>(type === 'udp4' ? ['IPv4'] : ipv6Only ? ['IPv6'] : ['IPv4', 'IPv6']);
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && families.has(i.family))
    // Link-local IPv6 needs a scope id that SDP cannot carry.
    .filter((i) => !(i!.family === 'IPv6' && i!.address.startsWith('fe80:')));
  const external = all.filter((i) => !i!.internal);
  return (external.length > 0 ? external : all).map((i) => i!.address);
}
