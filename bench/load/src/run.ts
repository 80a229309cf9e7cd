import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateCertificate } from '@rtcseal/dtls';
import { Caller, type CallerContext, PACKET_INTERVAL_MS } from './caller.js';
import { LatencyHistogram, MediaLedger, quantile } from './ledger.js';
import { type ServerProcess, startEcho, startServer } from './processes.js';
import { type ServerFigures, SignallingClient } from './signalling.js';

export interface LoadOptions {
  /** Two-party calls, i.e. 2 x calls callers. */
  readonly calls: number;
  /** Media workers of the server the tool starts (ignored with url). */
  readonly workers: number;
  /** How long all calls are held (and measured), s. */
  readonly seconds: number;
  /** Callers arriving per second during the ramp. */
  readonly rate: number;
  /** A running server to load instead of starting one. */
  readonly url?: string;
  readonly target: 'rtcseal' | 'werift';
  /** RTP payload bytes per packet. Default 100 (Opus at 40 kbit/s). */
  readonly payloadBytes?: number;
  /** Measure the bare-echo floor afterwards for this long, s (0: skip). Default min(seconds, 10). */
  readonly floorSeconds?: number;
  /** SO_RCVBUF for the server's media sockets and the echo, bytes. Default 4 MiB. */
  readonly recvBufferSize?: number;
  /** How long callers may take from join to SRTP keyed, ms. Default 30000. */
  readonly setupTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface LoadResult {
  readonly target: 'rtcseal' | 'werift';
  readonly calls: number;
  readonly workers: number | undefined;
  readonly callers: number;
  readonly connected: number;
  readonly failed: number;
  readonly failures: Record<string, number>;
  /** Calls with both parties connected. */
  readonly callsUp: number;
  readonly setupMs: {
    readonly p50: number | undefined;
    readonly p99: number | undefined;
    readonly max: number | undefined;
  };
  readonly holdSeconds: number;
  readonly packets: {
    readonly sent: number;
    readonly received: number;
    /** Packets sent during the hold, and of those lost (never arrived after the drain). */
    readonly measured: number;
    readonly lost: number;
    /** Measured packets the server sent back to their sender (its partner not connected). */
    readonly echoed: number;
    readonly lossPercent: number;
    readonly rtcpSent: number;
    readonly late: number;
    readonly sendErrors: number;
    readonly receiveDrops: Record<string, number>;
  };
  /** Send-to-receive time through the server during the hold, ms. */
  readonly latencyMs: {
    readonly p50: number | undefined;
    readonly p99: number | undefined;
    readonly max: number;
  };
  readonly server:
    | {
        /** % of one core over the hold (process CPU, every thread). */
        readonly cpuPercent: number;
        readonly cpuMsPerCallSecond: number;
        readonly rssBytes: number;
        readonly rssPerCallBytes: number;
        readonly workers: ServerFigures['workers'];
        /** Participants still on the server after everyone hung up (and a grace period). */
        readonly participantsAfterHangUp: number | undefined;
        /** % of a core the server spent with no call, measured for 2 s before the ramp. */
        readonly idleCpuPercent: number | undefined;
        /** The workers' figures at the start of the hold (with `workers`, at its end: the deltas). */
        readonly workersAtStart: ServerFigures['workers'];
        /** Server RSS every RSS_SAMPLE_MS of the hold. */
        readonly rssSamples: ReadonlyArray<{ readonly atSeconds: number; readonly rss: number }>;
        /** RSS growth from the first minute of the hold to its end, %; undefined for holds under 2 min. */
        readonly rssGrowthAfterFirstMinutePercent: number | undefined;
      }
    | undefined;
  readonly generator: {
    readonly cpuPercent: number;
    /** Packets sent in the hold as % of 50 packets/s per connected caller. */
    readonly sendRatePercent: number;
    readonly overloaded: boolean;
    /** Longest the generator's event loop was blocked during the hold, ms. */
    readonly eventLoopDelayMaxMs: number;
  };
  readonly floor:
    | {
        readonly seconds: number;
        readonly datagramsPerSecond: number;
        readonly cpuPercent: number;
        readonly cpuMsPerCallSecond: number;
        readonly lost: number;
        /** Send-to-echo time through the bare echo over the window, ms: the latency the path alone adds. */
        readonly latencyMs: {
          readonly p50: number | undefined;
          readonly p99: number | undefined;
          readonly max: number;
        };
      }
    | undefined;
}

const TICK_MS = 5;
const RSS_SAMPLE_MS = 10_000;

/** RSS growth between the first sample at or after 60 s and the end, when the hold lasted 2 min or more. */
function rssGrowth(
  samples: ReadonlyArray<{ atSeconds: number; rss: number }>,
  endRss: number,
): number | undefined {
  const base = samples.find((s) => s.atSeconds >= 60);
  const last = samples[samples.length - 1];
  if (!base || !last || last.atSeconds < 120) return undefined;
  return ((endRss - base.rss) / base.rss) * 100;
}

/** Runs one load test: start (or reach) the server, ramp, hold, hang up, measure the floor. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => {});
  checkOptions(options);
  const callerCount = options.calls * 2;
  const recvBufferSize = options.recvBufferSize ?? 4 << 20;
  let server: ServerProcess | undefined;
  let base = options.url;
  if (!base) {
    server = await startServer({
      target: options.target,
      workers: options.workers,
      capacity: callerCount + 16,
      recvBufferSize,
      log,
    });
    base = server.base;
    log(`server (${options.target}) at ${base}`);
  }
  const ticker: { timer?: NodeJS.Timeout } = {};
  const signalling = new SignallingClient(base);
  const callers: Caller[] = [];
  try {
    const certificate = await generateCertificate();
    const ledger = new MediaLedger(callerCount);
    const ctx: CallerContext = {
      signalling,
      certificate,
      ledger,
      payloadBytes: options.payloadBytes ?? 100,
      bindAddress: '127.0.0.1',
      now: () => performance.now(),
    };
    // The server's own CPU with no call, to tell the per-call cost from what an idle process spends.
    const idle = await signalling.serverStats();
    await sleep(2000);
    const idleEnd = await signalling.serverStats();
    const idleCpuPercent =
      idle && idleEnd
        ? ((idleEnd.cpu.user + idleEnd.cpu.system - idle.cpu.user - idle.cpu.system) /
            1000 /
            (idleEnd.uptimeMs - idle.uptimeMs)) *
          100
        : undefined;
    const run = randomBytes(3).toString('hex');
    for (let i = 0; i < callerCount; i++) callers.push(new Caller(i, `load-${run}-${i >> 1}`, ctx));
    ticker.timer = setInterval(() => {
      const now = performance.now();
      for (const c of callers) c.tick(now);
    }, TICK_MS);

    // Ramp: callers arrive at `rate` per second.
    log(`ramp: ${callerCount} callers at ${options.rate}/s`);
    const rampStart = performance.now();
    const starts: Promise<void>[] = [];
    for (let i = 0; i < callerCount; i++) {
      const due = rampStart + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      starts.push(callers[i]!.start());
    }
    await Promise.all(starts);
    const setupDeadline = performance.now() + (options.setupTimeoutMs ?? 30_000);
    while (
      performance.now() < setupDeadline &&
      callers.some((c) => c.state !== 'connected' && c.state !== 'failed')
    ) {
      await sleep(50);
    }
    for (const c of callers) if (c.state !== 'connected' && c.state !== 'failed') c.close();
    for (const c of callers) if (c.state === 'closed') c.failure = 'setup-timeout';
    const connected = callers.filter((c) => c.state === 'connected');
    const setups = connected.map((c) => c.connectedAt - c.startedAt);
    const phase = (f: (c: Caller) => number) => quantile(connected.map(f), 0.5)?.toFixed(0);
    log(
      `setup phases (p50, ms): join ${phase((c) => c.answeredAt - c.startedAt)}, ICE ${phase((c) => c.iceDoneAt - c.answeredAt)}, DTLS ${phase((c) => c.connectedAt - c.iceDoneAt)}`,
    );
    log(`ramp done: ${connected.length}/${callerCount} connected`);
    // Let the last callers' first packets settle before measuring.
    await sleep(1000);

    // Hold.
    const s0 = await signalling.serverStats();
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const g0 = process.cpuUsage();
    const t0 = performance.now();
    ledger.measuring = true;
    // Server RSS through the hold (for soak runs: does memory stay flat once the calls are up?).
    const rssSamples: Array<{ atSeconds: number; rss: number }> = [];
    for (;;) {
      const left = options.seconds * 1000 - (performance.now() - t0);
      if (left <= 0) break;
      await sleep(Math.min(left, RSS_SAMPLE_MS));
      if (performance.now() - t0 < options.seconds * 1000) {
        const s = await signalling.serverStats();
        if (s) rssSamples.push({ atSeconds: (performance.now() - t0) / 1000, rss: s.rss });
      }
    }
    ledger.measuring = false;
    const t1 = performance.now();
    const g1 = process.cpuUsage(g0);
    loopDelay.disable();
    const s1 = await signalling.serverStats();
    const holdMs = t1 - t0;
    // Drain: what was sent in the hold has this long to arrive.
    await sleep(500);
    let measured = 0;
    let received = 0;
    for (let i = 0; i < callerCount; i++) {
      measured += ledger.sentMeasured[i]!;
      received += Math.min(ledger.receivedMeasured[i]!, ledger.sentMeasured[i]!);
    }

    // Hang up with close_notify, then see that the server let everyone go.
    for (const c of callers) c.hangUp();
    await sleep(1000);
    clearInterval(ticker.timer);
    ticker.timer = undefined;
    for (const c of callers) c.close();
    const after = await signalling.serverStats();
    // The demo page also says goodbye through signalling; do so for whoever close_notify left.
    await Promise.all(callers.map((c) => (c.participantId ? signalling.leave(c.participantId) : undefined)));

    const callsUp = countCallsUp(callers);
    // What the callers managed to send in the hold against 50 packets/s each: below 100% the
    // generator (its CPU, or the CPU the machine left it) limited the run, not the server.
    const nominal = (connected.length * holdMs) / PACKET_INTERVAL_MS;
    const sendRatePercent = nominal > 0 ? (measured / nominal) * 100 : 100;
    const generatorCpuPercent = ((g1.user + g1.system) / 1000 / holdMs) * 100;
    const failures: Record<string, number> = {};
    for (const c of callers) if (c.failure) failures[c.failure] = (failures[c.failure] ?? 0) + 1;

    let serverFigures: LoadResult['server'];
    if (s0 && s1) {
      const cpuMs = (s1.cpu.user + s1.cpu.system - s0.cpu.user - s0.cpu.system) / 1000;
      const calls = connected.length / 2;
      serverFigures = {
        cpuPercent: (cpuMs / holdMs) * 100,
        cpuMsPerCallSecond: calls > 0 ? cpuMs / (calls * (holdMs / 1000)) : 0,
        rssBytes: s1.rss,
        rssPerCallBytes: calls > 0 && idle ? (s1.rss - idle.rss) / calls : 0,
        workers: s1.workers,
        participantsAfterHangUp: after?.participants,
        idleCpuPercent,
        workersAtStart: s0.workers,
        rssSamples,
        rssGrowthAfterFirstMinutePercent: rssGrowth(rssSamples, s1.rss),
      };
    }
    const floorSeconds = options.floorSeconds ?? Math.min(options.seconds, 10);
    const floor =
      floorSeconds > 0 && connected.length > 0
        ? await measureFloor(connected.length, floorSeconds, 12 + ctx.payloadBytes + 16, recvBufferSize, log)
        : undefined;

    return {
      target: options.target,
      calls: options.calls,
      // With --url, as many as the server's stats list (werift: one process, one loop).
      workers: options.url
        ? (s1?.workers?.length ?? (s1 ? 1 : undefined))
        : options.target === 'rtcseal'
          ? options.workers
          : 1,
      callers: callerCount,
      connected: connected.length,
      failed: callerCount - connected.length,
      failures,
      callsUp,
      setupMs: { p50: quantile(setups, 0.5), p99: quantile(setups, 0.99), max: quantile(setups, 1) },
      holdSeconds: holdMs / 1000,
      packets: {
        sent: ledger.rtpSent,
        received: ledger.rtpReceived,
        measured,
        lost: measured - received,
        echoed: ledger.echoed,
        lossPercent: measured > 0 ? ((measured - received) / measured) * 100 : 0,
        rtcpSent: ledger.rtcpSent,
        late: ledger.lateSends,
        sendErrors: ledger.sendErrors,
        receiveDrops: ledger.receiveDrops,
      },
      latencyMs: {
        p50: ledger.latency.quantile(0.5),
        p99: ledger.latency.quantile(0.99),
        max: ledger.latency.max,
      },
      server: serverFigures,
      generator: {
        cpuPercent: generatorCpuPercent,
        sendRatePercent,
        overloaded: generatorCpuPercent > 80 || sendRatePercent < 95,
        eventLoopDelayMaxMs: loopDelay.max / 1e6,
      },
      floor,
    };
  } finally {
    if (ticker.timer) clearInterval(ticker.timer);
    for (const c of callers) c.close();
    signalling.close();
    await server?.stop();
  }
}

function countCallsUp(callers: readonly Caller[]): number {
  let n = 0;
  for (let i = 0; i + 1 < callers.length; i += 2) {
    if (
      callers[i]!.connectedAt > 0 &&
      callers[i + 1]!.connectedAt > 0 &&
      !callers[i]!.failure &&
      !callers[i + 1]!.failure
    )
      n++;
  }
  return n;
}

/**
 * The floor: the datagram rate the server handled (`senders` streams of 50 packets/s, each echoed
 * once), through a bare node:dgram echo in its own process. Its CPU per call-second is what the
 * socket path alone costs on this machine.
 */
async function measureFloor(
  senders: number,
  seconds: number,
  datagramBytes: number,
  recvBufferSize: number,
  log: (line: string) => void,
): Promise<LoadResult['floor']> {
  log(
    `floor: ${senders} streams of ${1000 / PACKET_INTERVAL_MS} datagrams/s through a bare echo for ${seconds} s`,
  );
  const echo = await startEcho(recvBufferSize);
  const sockets: Socket[] = [];
  let sent = 0;
  let received = 0;
  const latency = new LatencyHistogram();
  let measuring = false;
  try {
    for (let i = 0; i < senders; i++) {
      const s = createSocket('udp4');
      s.on('message', (msg: Buffer) => {
        received++;
        if (measuring && msg.length >= 8) latency.add(performance.now() - msg.readDoubleLE(0));
      });
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
      sockets.push(s);
    }
    const start = performance.now();
    const next = sockets.map((_, i) => start + (i * PACKET_INTERVAL_MS) / senders);
    const timer = setInterval(() => {
      const now = performance.now();
      for (let i = 0; i < sockets.length; i++) {
        if (now >= next[i]!) {
          // A buffer per datagram: a send the kernel queues keeps its buffer until it is done.
          const d = Buffer.alloc(datagramBytes, 0x80);
          d.writeDoubleLE(performance.now(), 0);
          sockets[i]!.send(d, echo.port, '127.0.0.1');
          sent++;
          next[i] = next[i]! + PACKET_INTERVAL_MS;
          if (now >= next[i]!) next[i] = now + PACKET_INTERVAL_MS;
        }
      }
    }, TICK_MS);
    await sleep(1000);
    const c0 = await echo.cpu();
    const sent0 = sent;
    const t0 = performance.now();
    measuring = true;
    await sleep(seconds * 1000);
    measuring = false;
    const c1 = await echo.cpu();
    const t1 = performance.now();
    const sentInWindow = sent - sent0;
    clearInterval(timer);
    await sleep(300);
    const cpuMs = (c1.user + c1.system - c0.user - c0.system) / 1000;
    const windowS = (t1 - t0) / 1000;
    return {
      seconds: windowS,
      datagramsPerSecond: (sentInWindow * 2) / windowS,
      cpuPercent: (cpuMs / (t1 - t0)) * 100,
      cpuMsPerCallSecond: cpuMs / ((senders / 2) * windowS),
      lost: sent - received,
      latencyMs: { p50: latency.quantile(0.5), p99: latency.quantile(0.99), max: latency.max },
    };
  } finally {
    for (const s of sockets) s.close();
    await echo.stop();
  }
}

function checkOptions(o: LoadOptions): void {
  const positive = (name: string, v: number, integer = true) => {
    if (!(v > 0) || (integer && !Number.isInteger(v)))
      throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  };
  positive('calls', o.calls);
  positive('seconds', o.seconds, false);
  positive('rate', o.rate, false);
  if (!o.url) positive('workers', o.workers);
  if (o.target !== 'rtcseal' && o.target !== 'werift')
    throw new RangeError(`target must be rtcseal or werift, got ${String(o.target)}`);
}
