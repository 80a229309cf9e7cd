import type { LoadResult } from './run.js';

const ms = (v: number | undefined, digits = 1) => (v === undefined ? '-' : `${v.toFixed(digits)}ms`);

/**
 * The one-line summary:
 * `load: calls=500 workers=1 setup-p99=85ms loss=0.00% latency-p50=0.4ms p99=2.1ms server-cpu=31%
 *  (2.9 ms CPU per call-second; floor 2.1) rss=78 KiB/call`
 */
export function summaryLine(r: LoadResult): string {
  const parts = [
    `load: calls=${r.calls}`,
    `workers=${r.workers ?? '?'}`,
    `setup-p99=${ms(r.setupMs.p99, 0)}`,
    `loss=${r.packets.lossPercent.toFixed(2)}%`,
    `latency-p50=${ms(r.latencyMs.p50)}`,
    `p99=${ms(r.latencyMs.p99)}`,
  ];
  if (r.server) {
    const floor = r.floor ? r.floor.cpuMsPerCallSecond.toFixed(1) : '-';
    parts.push(
      `server-cpu=${r.server.cpuPercent.toFixed(0)}% (${r.server.cpuMsPerCallSecond.toFixed(1)} ms CPU per call-second; floor ${floor})`,
      `rss=${Math.round(r.server.rssPerCallBytes / 1024)} KiB/call`,
    );
  } else parts.push('server-cpu=? (no stats endpoint)');
  return parts.join(' ');
}

/** The lines before the summary: what an operator reads to see why. */
export function detailLines(r: LoadResult): string[] {
  const lines = [
    `target: ${r.target}  callers: ${r.callers} (${r.connected} connected, ${r.failed} failed)  calls up: ${r.callsUp}/${r.calls}`,
    `setup: p50 ${ms(r.setupMs.p50, 0)}  p99 ${ms(r.setupMs.p99, 0)}  max ${ms(r.setupMs.max, 0)}`,
    `hold: ${r.holdSeconds.toFixed(1)} s  rtp sent ${r.packets.sent}  received ${r.packets.received}  measured ${r.packets.measured}  lost ${r.packets.lost}  echoed ${r.packets.echoed}  rtcp sent ${r.packets.rtcpSent}`,
    `latency through the server: p50 ${ms(r.latencyMs.p50, 2)}  p99 ${ms(r.latencyMs.p99, 2)}  max ${ms(r.latencyMs.max, 2)}`,
    `generator: ${r.generator.cpuPercent.toFixed(0)}% of a core  send rate ${r.generator.sendRatePercent.toFixed(1)}%  event-loop delay max ${r.generator.eventLoopDelayMaxMs.toFixed(1)}ms  late sends ${r.packets.late}  send errors ${r.packets.sendErrors}`,
  ];
  if (Object.keys(r.failures).length > 0) lines.push(`failures: ${JSON.stringify(r.failures)}`);
  if (Object.keys(r.packets.receiveDrops).length > 0)
    lines.push(`receive drops: ${JSON.stringify(r.packets.receiveDrops)}`);
  if (r.server) {
    lines.push(
      `server: ${r.server.cpuPercent.toFixed(0)}% of a core  ${r.server.cpuMsPerCallSecond.toFixed(2)} ms CPU per call-second  rss ${(r.server.rssBytes / 1048576).toFixed(0)} MiB  participants after hang-up ${r.server.participantsAfterHangUp ?? '?'}`,
    );
    if (r.server.rssGrowthAfterFirstMinutePercent !== undefined)
      lines.push(
        `server rss growth after the first minute: ${r.server.rssGrowthAfterFirstMinutePercent.toFixed(1)}%`,
      );
    if (r.server.idleCpuPercent !== undefined)
      lines.push(`server idle (before the calls): ${r.server.idleCpuPercent.toFixed(1)}% of a core`);
    for (const [i, w] of (r.server.workers ?? []).entries()) {
      const before = r.server.workersAtStart?.[i];
      const drops = w.drops && Object.keys(w.drops).length > 0 ? ` drops ${JSON.stringify(w.drops)}` : '';
      const delta = (x: number | undefined, y: number | undefined) =>
        x === undefined || y === undefined ? '?' : String(Math.round(x - y));
      lines.push(
        `  worker ${i}: participants ${w.participants ?? '?'}  thread cpu in the hold ${delta(w.threadCpuMs, before?.threadCpuMs)} ms  gc ${delta(w.gcMs, before?.gcMs)} ms${drops}`,
      );
    }
  }
  if (r.floor) {
    lines.push(
      `floor (bare node:dgram echo, ${Math.round(r.floor.datagramsPerSecond)} datagrams/s): ${r.floor.cpuPercent.toFixed(0)}% of a core  ${r.floor.cpuMsPerCallSecond.toFixed(2)} ms CPU per call-second  lost ${r.floor.lost}`,
    );
    const f = r.floor.latencyMs;
    const added = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? '-' : `${(a - b).toFixed(2)}ms`;
    lines.push(
      `latency through the bare echo: p50 ${ms(f.p50, 2)}  p99 ${ms(f.p99, 2)}  max ${ms(f.max, 2)}; the server adds p50 ${added(r.latencyMs.p50, f.p50)}  p99 ${added(r.latencyMs.p99, f.p99)}`,
    );
    if (r.server)
      lines.push(`server / floor: ${(r.server.cpuMsPerCallSecond / r.floor.cpuMsPerCallSecond).toFixed(2)}x`);
  }
  if (r.generator.cpuPercent > 80)
    lines.push(
      `WARNING: the generator used ${r.generator.cpuPercent.toFixed(0)}% of a core (> 80%): it may be the bottleneck`,
    );
  if (r.generator.sendRatePercent < 95)
    lines.push(
      `WARNING: the callers sent ${r.generator.sendRatePercent.toFixed(0)}% of their 50 packets/s: the generator did not get the CPU it needed, the figures understate the load`,
    );
  return lines;
}
