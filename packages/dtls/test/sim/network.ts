import type { DtlsConfig } from '../../src/config.js';
import { DtlsEngine } from '../../src/engine.js';
import type { DtlsEvent } from '../../src/events.js';
import { type LinkProfile, PathDirection, PERFECT_LINK } from './path.js';
import { Prng } from './prng.js';

export {
  CELLULAR_LINK,
  type CorrelatedJitter,
  type GilbertElliott,
  LINK_PROFILES,
  type LinkProfile,
  type PathStats,
  PERFECT_LINK,
  type RateLimit,
  WIFI_LINK,
} from './path.js';

export interface Delivery {
  readonly at: number;
  readonly to: 'client' | 'server';
  readonly bytes: Uint8Array;
}

export interface SimResult {
  readonly client: DtlsEngine;
  readonly server: DtlsEngine;
  readonly clientEvents: DtlsEvent[];
  readonly serverEvents: DtlsEvent[];
  /** Virtual time when the run stopped. */
  readonly now: number;
  /** Send times of every datagram each side emitted. */
  readonly clientSends: number[];
  readonly serverSends: number[];
  /** What each direction of the path did (losses by cause, queue drops, duplicates). */
  readonly toServer: PathDirection['stats'];
  readonly toClient: PathDirection['stats'];
}

export interface SimOptions {
  readonly seed: number;
  readonly link?: LinkProfile;
  /** Stop after this much virtual time. */
  readonly maxTimeMs?: number;
  /** Rewrites (or drops, by returning undefined) a datagram in flight; for attack tests. */
  readonly tamper?: (bytes: Uint8Array, from: 'client' | 'server') => Uint8Array | undefined;
  /** Keep running until this returns true (default: both connected, or either closed). */
  readonly until?: (r: { client: DtlsEngine; server: DtlsEngine }) => boolean;
  /** Server absent: the client talks to nobody. */
  readonly silentServer?: boolean;
}

/**
 * Runs a client and a server engine over a simulated lossy network on a virtual clock, entirely
 * determined by `seed`: the engines' randoms and every loss, delay, duplicate and reordering.
 */
export function simulate(
  clientConfig: Omit<DtlsConfig, 'role' | 'rng'>,
  serverConfig: Omit<DtlsConfig, 'role' | 'rng'>,
  opts: SimOptions,
): SimResult {
  const prng = new Prng(opts.seed);
  const link = opts.link ?? PERFECT_LINK;
  const rng = (n: number) => prng.bytes(n);
  // These runs exercise DTLS 1.2 unless a test names the version: DtlsEngine's own default is 1.3.
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', ...clientConfig, role: 'client', rng });
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', ...serverConfig, role: 'server', rng });
  const clientEvents: DtlsEvent[] = [];
  const serverEvents: DtlsEvent[] = [];
  const clientSends: number[] = [];
  const serverSends: number[] = [];
  const queue: Delivery[] = [];
  const maxTime = opts.maxTimeMs ?? 600_000;
  const until =
    opts.until ??
    (({ client: c, server: s }) =>
      (c.state === 'connected' && s.state === 'connected') || c.state === 'closed' || s.state === 'closed');
  let now = 0;

  const paths = { server: new PathDirection(link, prng), client: new PathDirection(link, prng) };
  const schedule = (bytes: Uint8Array, to: 'client' | 'server') => {
    for (const at of paths[to].transit(bytes.length, now)) queue.push({ at, to, bytes });
  };

  const pump = () => {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      clientSends.push(now);
      const t = opts.tamper ? opts.tamper(d, 'client') : d;
      if (t && !opts.silentServer) schedule(t, 'server');
    }
    for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
      serverSends.push(now);
      const t = opts.tamper ? opts.tamper(d, 'server') : d;
      if (t) schedule(t, 'client');
    }
    for (let e = client.pollEvent(); e; e = client.pollEvent()) clientEvents.push(e);
    for (let e = server.pollEvent(); e; e = server.pollEvent()) serverEvents.push(e);
  };

  client.start(now);
  server.start(now);
  pump();
  while (!until({ client, server })) {
    const times = queue.map((q) => q.at);
    const ct = client.nextTimeout();
    const st = server.nextTimeout();
    if (ct !== undefined) times.push(ct);
    if (st !== undefined) times.push(st);
    if (times.length === 0) break;
    const next = Math.max(now, Math.min(...times));
    if (next > maxTime) break;
    now = next;
    // Deliver everything due, in time order (stable for equal times).
    queue.sort((a, b) => a.at - b.at);
    while (queue.length > 0 && queue[0]!.at <= now) {
      const d = queue.shift()!;
      (d.to === 'client' ? client : server).handleDatagram(d.bytes, now);
      pump();
    }
    if (ct !== undefined && ct <= now) client.handleTimeout(now);
    if (st !== undefined && st <= now) server.handleTimeout(now);
    pump();
  }
  return {
    client,
    server,
    clientEvents,
    serverEvents,
    now,
    clientSends,
    serverSends,
    toServer: paths.server.stats,
    toClient: paths.client.stats,
  };
}

/** The 'connected' event of a run's side, if any. */
export function connectedEvent(
  events: readonly DtlsEvent[],
): Extract<DtlsEvent, { type: 'connected' }> | undefined {
  for (const e of events) if (e.type === 'connected') return e;
  return undefined;
}
