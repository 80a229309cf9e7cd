#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { detailLines, summaryLine } from './report.js';
import { type LoadOptions, runLoad } from './run.js';
import { capacity, runSweep, SWEEP_LIMITS, sweepSvg } from './sweep.js';

function usage(): string {
  return [
    'usage: pnpm load [options]',
    '  --calls N         two-party calls, i.e. 2N callers (default 50)',
    `  --workers N       media workers of the server it starts (default ${availableParallelism()}, one per core)`,
    '  --seconds S       hold all calls this long, measuring (default 10)',
    '  --rate R          callers arriving per second during the ramp (default 100)',
    '  --url URL         load a running voice-call server instead of starting one',
    '  --target T        rtcseal (default) or werift (the baseline server in bench/load)',
    '  --payload BYTES   RTP payload per packet (default 100: Opus at 40 kbit/s)',
    '  --floor-seconds S measure the bare node:dgram echo floor this long (default min(seconds, 10); 0: skip)',
    '  --recv-buffer B   SO_RCVBUF of the server media sockets (default 4194304)',
    '  --json            print every figure as JSON after the summary line',
    `  --sweep           run increasing --steps of calls per target until loss > ${SWEEP_LIMITS.lossPercent}% or p99 > ${SWEEP_LIMITS.p99Ms} ms`,
    '                    (or a caller fails), and write an SVG chart of CPU per call-second, loss and p99',
    '  --steps N,N,..    call counts for --sweep (default 25,50,100,150,200,300,400,600,800)',
    '  --targets T,T     targets for --sweep (default rtcseal,werift)',
    '  --svg PATH        where --sweep writes its chart (default load-sweep.svg)',
  ].join('\n');
}

export interface LoadCommand {
  options: LoadOptions;
  json: boolean;
  sweep?: { steps: number[]; targets: Array<'rtcseal' | 'werift'>; svg: string };
}

export function parseLoadArgs(argv: readonly string[]): LoadCommand | 'help' {
  const o: { -readonly [K in keyof LoadOptions]: LoadOptions[K] } = {
    calls: 50,
    workers: availableParallelism(),
    seconds: 10,
    rate: 100,
    target: 'rtcseal',
  };
  let json = false;
  let sweep = false;
  let steps = [25, 50, 100, 150, 200, 300, 400, 600, 800];
  let targets: Array<'rtcseal' | 'werift'> = ['rtcseal', 'werift'];
  let svg = 'load-sweep.svg';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const text = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const num = () => {
      const raw = text();
      const v = Number(raw);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${arg} needs a number >= 0, got ${raw}`);
      return v;
    };
    if (arg === '--calls') o.calls = num();
    else if (arg === '--workers') o.workers = num();
    else if (arg === '--seconds') o.seconds = num();
    else if (arg === '--rate') o.rate = num();
    else if (arg === '--url') o.url = text();
    else if (arg === '--target') {
      const t = text();
      if (t !== 'rtcseal' && t !== 'werift') throw new Error(`--target must be rtcseal or werift, got ${t}`);
      o.target = t;
    } else if (arg === '--payload') o.payloadBytes = num();
    else if (arg === '--floor-seconds') o.floorSeconds = num();
    else if (arg === '--recv-buffer') o.recvBufferSize = num();
    else if (arg === '--json') json = true;
    else if (arg === '--sweep') sweep = true;
    else if (arg === '--steps') {
      steps = text()
        .split(',')
        .map((v) => Number(v));
      if (steps.some((v) => !Number.isInteger(v) || v < 1))
        throw new Error('--steps needs positive integers, comma-separated');
    } else if (arg === '--targets') {
      const list = text().split(',');
      if (list.some((t) => t !== 'rtcseal' && t !== 'werift'))
        throw new Error('--targets takes rtcseal and/or werift');
      targets = list as Array<'rtcseal' | 'werift'>;
    } else if (arg === '--svg') svg = text();
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  return sweep ? { options: o, json, sweep: { steps, targets, svg } } : { options: o, json };
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseLoadArgs(argv);
  if (parsed === 'help') {
    console.log(usage());
    return;
  }
  const log = (line: string) => console.error(line);
  // Exit through process.exit on Ctrl+C, so that the servers it started (detached) are stopped.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  if (parsed.sweep) {
    const { steps, targets, svg } = parsed.sweep;
    const points = await runSweep({ ...parsed.options, steps, targets, log }, (p, r) => {
      console.log(`${p.target.padEnd(7)} ${summaryLine(r)}${p.withinLimits ? '' : '  <- past the limits'}`);
    });
    const title = `${parsed.options.workers} worker(s), ${parsed.options.seconds} s per step, ${new Date().toISOString().slice(0, 10)}`;
    writeFileSync(svg, sweepSvg(points, title));
    for (const t of targets) console.log(`${t}: ${capacity(points, t) ?? 0} calls within the limits`);
    console.log(`chart: ${svg}`);
    if (parsed.json) console.log(JSON.stringify(points, null, 2));
    return;
  }
  const result = await runLoad({ ...parsed.options, log });
  for (const line of detailLines(result)) console.log(line);
  console.log(summaryLine(result));
  if (parsed.json) console.log(JSON.stringify(result, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
