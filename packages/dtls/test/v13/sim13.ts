import { type DtlsCertificate, generateCertificate } from '../../src/certificate.js';
import { type DtlsConfig, resolveConfig } from '../../src/config.js';
import type { DtlsEvent } from '../../src/events.js';
import { Dtls13Client } from '../../src/v13/client13.js';
import { DEFAULT_DTLS13_OPTIONS, type Dtls13Options } from '../../src/v13/connection13.js';
import { Dtls13Server } from '../../src/v13/server13.js';
import { type LinkProfile, PERFECT_LINK } from '../sim/network.js';
import { Prng } from '../sim/prng.js';

/** The sans-IO contract both engines under test share. */
export interface Endpoint {
  start(now: number): void;
  handleDatagram(bytes: Uint8Array, now: number): void;
  handleTimeout(now: number): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): DtlsEvent | undefined;
  nextTimeout(): number | undefined;
  readonly state: string;
}

export interface Sim13Options {
  readonly seed: number;
  readonly link?: LinkProfile;
  readonly maxTimeMs?: number;
  readonly tamper?: (bytes: Uint8Array, from: 'client' | 'server') => Uint8Array | undefined;
  readonly until?: (r: { client: Endpoint; server: Endpoint; now: number }) => boolean;
}

export interface Sim13Result<C extends Endpoint, S extends Endpoint> {
  readonly client: C;
  readonly server: S;
  readonly clientEvents: DtlsEvent[];
  readonly serverEvents: DtlsEvent[];
  readonly now: number;
  /** Every datagram each side emitted, in order. */
  readonly clientSent: Uint8Array[];
  readonly serverSent: Uint8Array[];
}

/** Runs two endpoints over a seeded lossy network on a virtual clock (the same loop as test/sim). */
export function runPair<C extends Endpoint, S extends Endpoint>(
  client: C,
  server: S,
  prng: Prng,
  opts: Sim13Options,
): Sim13Result<C, S> {
  const link = opts.link ?? PERFECT_LINK;
  const clientEvents: DtlsEvent[] = [];
  const serverEvents: DtlsEvent[] = [];
  const clientSent: Uint8Array[] = [];
  const serverSent: Uint8Array[] = [];
  const queue: { at: number; to: 'client' | 'server'; bytes: Uint8Array }[] = [];
  const maxTime = opts.maxTimeMs ?? 600_000;
  const until =
    opts.until ??
    (({ client: c, server: s }) =>
      (c.state === 'connected' && s.state === 'connected') || c.state === 'closed' || s.state === 'closed');
  let now = 0;
  const schedule = (bytes: Uint8Array, to: 'client' | 'server') => {
    if (bytes.length > link.mtu) return;
    if (prng.next() < link.loss) return;
    const copies = prng.next() < link.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const [lo, hi] = link.delayMs;
      let delay = lo + prng.next() * (hi - lo);
      if (prng.next() < link.reorder) delay += 10 + prng.next() * 50;
      queue.push({ at: now + delay, to, bytes });
    }
  };
  const pump = () => {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      clientSent.push(d);
      const t = opts.tamper ? opts.tamper(d, 'client') : d;
      if (t) schedule(t, 'server');
    }
    for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
      serverSent.push(d);
      const t = opts.tamper ? opts.tamper(d, 'server') : d;
      if (t) schedule(t, 'client');
    }
    for (let e = client.pollEvent(); e; e = client.pollEvent()) clientEvents.push(e);
    for (let e = server.pollEvent(); e; e = server.pollEvent()) serverEvents.push(e);
  };
  client.start(now);
  server.start(now);
  pump();
  while (!until({ client, server, now })) {
    const times = queue.map((q) => q.at);
    const ct = client.nextTimeout();
    const st = server.nextTimeout();
    if (ct !== undefined) times.push(ct);
    if (st !== undefined) times.push(st);
    if (times.length === 0) break;
    const next = Math.max(now, Math.min(...times));
    if (next > maxTime) break;
    now = next;
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
  return { client, server, clientEvents, serverEvents, now, clientSent, serverSent };
}

let certs: Promise<{ client: DtlsCertificate; server: DtlsCertificate }> | undefined;

/** One ECDSA P-256 certificate per role, made once per test process. */
export function testCertificates(): Promise<{ client: DtlsCertificate; server: DtlsCertificate }> {
  certs ??= Promise.all([generateCertificate(), generateCertificate()]).then(([client, server]) => ({
    client,
    server,
  }));
  return certs;
}

export type Config13 = Omit<DtlsConfig, 'role' | 'rng'>;

/** A DTLS 1.3 client and server over the simulated network, seeded from `opts.seed`. */
export function simulate13(
  clientConfig: Config13,
  serverConfig: Config13,
  opts: Sim13Options & { clientOptions?: Partial<Dtls13Options>; serverOptions?: Partial<Dtls13Options> },
): Sim13Result<Dtls13Client, Dtls13Server> {
  const prng = new Prng(opts.seed);
  const rng = (n: number) => prng.bytes(n);
  const client = new Dtls13Client(resolveConfig({ ...clientConfig, role: 'client', rng }), {
    ...DEFAULT_DTLS13_OPTIONS,
    ...opts.clientOptions,
  });
  const server = new Dtls13Server(resolveConfig({ ...serverConfig, role: 'server', rng }), {
    ...DEFAULT_DTLS13_OPTIONS,
    ...opts.serverOptions,
  });
  return runPair(client, server, prng, opts);
}

export function connected(
  events: readonly DtlsEvent[],
): Extract<DtlsEvent, { type: 'connected' }> | undefined {
  for (const e of events) if (e.type === 'connected') return e;
  return undefined;
}

/**
 * Delivers everything both sides send, directly and in order, and fires due timers, until both
 * are idle or `untilMs` of virtual time passed; returns the time reached. For steps after a
 * handshake (data, KeyUpdate) on a perfect link.
 */
export function settle(
  a: Endpoint,
  b: Endpoint,
  now: number,
  untilMs = now + 5_000,
  drop?: (d: Uint8Array, from: 'a' | 'b') => boolean,
): number {
  let t = now;
  for (let guard = 0; guard < 10_000; guard++) {
    let moved = false;
    for (let d = a.pollTransmit(); d; d = a.pollTransmit()) {
      moved = true;
      if (!drop?.(d, 'a')) b.handleDatagram(d, t);
    }
    for (let d = b.pollTransmit(); d; d = b.pollTransmit()) {
      moved = true;
      if (!drop?.(d, 'b')) a.handleDatagram(d, t);
    }
    if (moved) continue;
    const next = [a.nextTimeout(), b.nextTimeout()].filter((x): x is number => x !== undefined);
    if (next.length === 0) return t;
    const due = Math.min(...next);
    if (due > untilMs) return t;
    t = Math.max(t, due);
    a.handleTimeout(t);
    b.handleTimeout(t);
  }
  throw new Error('settle: no quiescence');
}
