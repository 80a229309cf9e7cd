import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostCandidates, type IceCandidate } from '../ice/candidate.js';
import { type MuxSession, type MuxSessionOptions, UdpMuxRouter, type UdpMuxRouterOptions } from './router.js';

export interface UdpMuxOptions extends Omit<UdpMuxRouterOptions, 'send'> {
  /** Bind address. Default '::' with a dual-stack socket (IPv4 peers appear as ::ffff:a.b.c.d). */
  address?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** 'udp6' or 'udp4'. Default: from `address` (an IPv4 address binds udp4), else 'udp6'. */
  type?: 'udp4' | 'udp6';
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

  private constructor(
    private readonly socket: Socket,
    readonly candidates: IceCandidate[],
    options: UdpMuxOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    const onError = options.onError ?? (() => {});
    this.router = new UdpMuxRouter({
      ...options,
      send: (bytes, address, port) => {
        if (this.closed) return;
        socket.send(bytes, port, address, (err) => {
          if (err) onError(err);
        });
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
    // An IPv4 address on a udp6 socket fails with a bare EINVAL: the address says the family.
    const family = options.address === undefined ? 0 : isIP(options.address);
    if (options.address !== undefined && family === 0) {
      throw new TypeError(`options.address must be an IP address, got ${JSON.stringify(options.address)}`);
    }
    if (options.type === 'udp6' && family === 4) {
      throw new TypeError(
        `options.address ${options.address} is IPv4; a 'udp6' socket needs '::ffff:${options.address}'`,
      );
    }
    if (options.type === 'udp4' && family === 6) {
      throw new TypeError(`options.address ${options.address} is IPv6; it needs type 'udp6'`);
    }
    let type = options.type ?? (family === 4 ? 'udp4' : 'udp6');
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
    const port = socket.address().port;
    const announced =
      options.announcedAddresses ?? defaultAnnounced(address, type, options.ipv6Only ?? false);
    const candidates = hostCandidates(announced.map((a) => ({ address: a, port })));
    return new UdpMux(socket, candidates, options);
  }

  get port(): number {
    return this.socket.address().port;
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
