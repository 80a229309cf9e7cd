#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { detailLines, summaryLine } from './report.js';
import { type LoadOptions, runLoad } from './run.js';

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
  ].join('\n');
}

export function parseLoadArgs(argv: readonly string[]): { options: LoadOptions; json: boolean } | 'help' {
  const o: { -readonly [K in keyof LoadOptions]: LoadOptions[K] } = {
    calls: 50,
    workers: availableParallelism(),
    seconds: 10,
    rate: 100,
    target: 'rtcseal',
  };
  let json = false;
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
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  return { options: o, json };
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseLoadArgs(argv);
  if (parsed === 'help') {
    console.log(usage());
    return;
  }
  const result = await runLoad({ ...parsed.options, log: (line) => console.error(line) });
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
