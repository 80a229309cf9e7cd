import { type LoadOptions, type LoadResult, runLoad } from './run.js';

/** Where a sweep stops: the first N past either limit is the last one run. */
export const SWEEP_LIMITS = { lossPercent: 0.1, p99Ms: 10 } as const;

export interface SweepPoint {
  readonly target: 'rtcseal' | 'werift';
  readonly calls: number;
  readonly cpuMsPerCallSecond: number | undefined;
  readonly serverCpuPercent: number | undefined;
  readonly lossPercent: number;
  readonly p99Ms: number | undefined;
  readonly failed: number;
  readonly withinLimits: boolean;
}

export interface SweepOptions extends Omit<LoadOptions, 'calls' | 'target'> {
  readonly targets: ReadonlyArray<'rtcseal' | 'werift'>;
  /** Call counts to try in order; each target stops after its first point past the limits. */
  readonly steps: readonly number[];
}

export function pointOf(r: LoadResult): SweepPoint {
  const p99 = r.latencyMs.p99;
  return {
    target: r.target,
    calls: r.calls,
    cpuMsPerCallSecond: r.server?.cpuMsPerCallSecond,
    serverCpuPercent: r.server?.cpuPercent,
    lossPercent: r.packets.lossPercent,
    p99Ms: p99,
    failed: r.failed,
    withinLimits:
      r.failed === 0 &&
      r.packets.lossPercent <= SWEEP_LIMITS.lossPercent &&
      p99 !== undefined &&
      p99 <= SWEEP_LIMITS.p99Ms,
  };
}

/** Runs increasing N per target until loss or latency passes the limits. */
export async function runSweep(
  options: SweepOptions,
  onPoint: (p: SweepPoint, r: LoadResult) => void = () => {},
): Promise<SweepPoint[]> {
  const points: SweepPoint[] = [];
  for (const target of options.targets) {
    for (const calls of options.steps) {
      const r = await runLoad({ ...options, target, calls });
      const p = pointOf(r);
      points.push(p);
      onPoint(p, r);
      if (!p.withinLimits) break;
    }
  }
  return points;
}

/** Calls per run at the limits: the largest N of a target still within them. */
export function capacity(points: readonly SweepPoint[], target: 'rtcseal' | 'werift'): number | undefined {
  const ok = points.filter((p) => p.target === target && p.withinLimits).map((p) => p.calls);
  return ok.length > 0 ? Math.max(...ok) : undefined;
}

const COLORS: Record<string, string> = { rtcseal: '#1f6feb', werift: '#d9480f' };

/**
 * Three panels side by side, N on every x axis: server CPU per call-second, loss and p99 latency,
 * one line per target, the limits drawn dashed. Plain SVG, no dependency.
 */
export function sweepSvg(points: readonly SweepPoint[], title: string): string {
  const W = 300;
  const H = 220;
  const M = { l: 48, r: 12, t: 28, b: 36 };
  const maxN = Math.max(1, ...points.map((p) => p.calls));
  const panels: Array<{
    name: string;
    unit: string;
    value: (p: SweepPoint) => number | undefined;
    limit?: number;
  }> = [
    { name: 'server CPU per call-second', unit: 'ms', value: (p) => p.cpuMsPerCallSecond },
    { name: 'loss', unit: '%', value: (p) => p.lossPercent, limit: SWEEP_LIMITS.lossPercent },
    { name: 'p99 latency through the server', unit: 'ms', value: (p) => p.p99Ms, limit: SWEEP_LIMITS.p99Ms },
  ];
  const parts: string[] = [];
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const targets = [...new Set(points.map((p) => p.target))];
  panels.forEach((panel, i) => {
    const x0 = i * W;
    const values = points.map(panel.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
    const maxY = niceMax(Math.max(panel.limit ?? 0, ...values, 1e-9) * 1.1);
    const px = (n: number) => x0 + M.l + (n / maxN) * (W - M.l - M.r);
    const py = (v: number) => M.t + (1 - Math.min(v, maxY) / maxY) * (H - M.t - M.b);
    parts.push(
      `<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-size="12">${esc(panel.name)} (${panel.unit})</text>`,
    );
    parts.push(
      `<line x1="${px(0)}" y1="${py(0)}" x2="${px(maxN)}" y2="${py(0)}" stroke="#888"/>`,
      `<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(maxY)}" stroke="#888"/>`,
    );
    for (const f of [0, 0.5, 1]) {
      parts.push(
        `<text x="${px(0) - 4}" y="${py(maxY * f) + 4}" text-anchor="end" font-size="10">${fmt(maxY * f)}</text>`,
        `<text x="${px(maxN * f)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${Math.round(maxN * f)}</text>`,
      );
    }
    parts.push(
      `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle" font-size="10">calls (two-party)</text>`,
    );
    if (panel.limit !== undefined)
      parts.push(
        `<line x1="${px(0)}" y1="${py(panel.limit)}" x2="${px(maxN)}" y2="${py(panel.limit)}" stroke="#999" stroke-dasharray="4 3"/>`,
      );
    for (const t of targets) {
      const pts = points
        .filter((p) => p.target === t)
        .map((p) => [p.calls, panel.value(p)] as const)
        .filter((a): a is readonly [number, number] => a[1] !== undefined && Number.isFinite(a[1]));
      if (pts.length === 0) continue;
      parts.push(
        `<polyline fill="none" stroke="${COLORS[t]}" stroke-width="2" points="${pts.map(([n, v]) => `${px(n).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`,
        ...pts.map(
          ([n, v]) =>
            `<circle cx="${px(n).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${COLORS[t]}"/>`,
        ),
      );
    }
  });
  targets.forEach((t, i) => {
    parts.push(
      `<rect x="${12 + i * 90}" y="${H + 6}" width="10" height="10" fill="${COLORS[t]}"/>`,
      `<text x="${26 + i * 90}" y="${H + 15}" font-size="11">${t}</text>`,
    );
  });
  parts.push(`<text x="${3 * W - 8}" y="${H + 15}" text-anchor="end" font-size="10">${esc(title)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * W}" height="${H + 24}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}
