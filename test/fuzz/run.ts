/**
 * The fuzzer's command line: `pnpm fuzz --minutes N` (after a build, `node test/dist/fuzz/run.js`).
 *
 *   --minutes N | --seconds N   run for that long (default 1 minute)
 *   --runs N                    instead: exactly N inputs per target (deterministic with --seed)
 *   --seed S                    input stream (default: from the clock; printed, so a run replays)
 *   --targets a,b               dtls-engine, transport, dtls-memory (default: all)
 *   --groups x25519,secp256r1   ECDHE groups of every engine (default: x25519,secp256r1)
 *   --out DIR                   where reproducers go (default test/fuzz/findings); --no-save: nowhere
 *   --hang-seconds N            watchdog: a worker silent this long is killed, its input a 'hang'
 *   --reduce-ms N               time to reduce the first input of each finding class (default 3000)
 *
 * A child process does the work; the parent is the watchdog: a worker that stops answering (a
 * native deadlock, an endless loop) is killed, the input it had started is drawn again from its
 * seed and index and saved, and a new worker goes on from the next input. Each finding class is
 * saved once per run as a reproducer (test/fuzz/findings/<target>-<kind>-<hash>.json) unless a
 * committed reproducer already has that class. Exits 1 when a class that is not known-open
 * (known-open.ts) was found.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DtlsGroupName } from '@rtcseal/dtls';
import { fuzzDirectory } from './corpus.js';
import type { Finding } from './finding.js';
import { drawInput } from './inputs.js';
import { KNOWN_OPEN } from './known-open.js';
import { findTarget, TARGETS } from './targets/index.js';
import type { WorkerConfig, WorkerMessage } from './worker.js';

/** A committed or written reproducer. */
export interface Reproducer {
  readonly target: string;
  readonly class: string;
  /** 'open': a known defect not fixed yet (replayed as a todo); 'fixed' and 'new': enforced. */
  readonly status: 'open' | 'fixed' | 'new';
  readonly knownOpen?: string;
  readonly finding: Finding;
  readonly seed: number;
  readonly index: number;
  readonly input: unknown;
}

interface Args {
  durationMs: number | undefined;
  runs: number | undefined;
  seed: number;
  targets: string[];
  groups: DtlsGroupName[];
  out: string | undefined;
  hangMs: number;
  reduceMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    durationMs: 60_000,
    runs: undefined,
    seed: Date.now() % 2 ** 31,
    targets: TARGETS.map((t) => t.name),
    groups: ['x25519', 'secp256r1'],
    out: fuzzDirectory('findings'),
    hangMs: 30_000,
    reduceMs: 3000,
  };
  const number = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0)
      throw new RangeError(`${name} needs a number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a === '--minutes') args.durationMs = number(a, argv[++i]) * 60_000;
    else if (a === '--seconds') args.durationMs = number(a, argv[++i]) * 1000;
    else if (a === '--runs') {
      args.runs = number(a, argv[++i]);
      args.durationMs = undefined;
    } else if (a === '--seed') args.seed = number(a, argv[++i]);
    else if (a === '--targets') args.targets = argv[++i]!.split(',');
    else if (a === '--groups') args.groups = argv[++i]!.split(',') as DtlsGroupName[];
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--no-save') args.out = undefined;
    else if (a === '--hang-seconds') args.hangMs = number(a, argv[++i]) * 1000;
    else if (a === '--reduce-ms') args.reduceMs = number(a, argv[++i]);
    else throw new RangeError(`unknown argument ${a} (see test/fuzz/run.ts)`);
  }
  for (const t of args.targets) findTarget(t);
  return args;
}

/** Classes that already have a committed reproducer, by target. */
function committedClasses(dir: string | undefined): Set<string> {
  const out = new Set<string>();
  if (dir === undefined || !existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Reproducer;
    out.add(`${r.target}|${r.class}`);
  }
  return out;
}

interface TargetCounts {
  inputs: number;
  connected: number;
  refused: number;
  findings: Map<string, { count: number; known: string | undefined }>;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const deadline = args.durationMs === undefined ? undefined : started + args.durationMs;
  const counts = new Map<string, TargetCounts>(
    args.targets.map((t) => [t, { inputs: 0, connected: 0, refused: 0, findings: new Map() }]),
  );
  const committed = committedClasses(args.out);
  const written: string[] = [];
  const next: Record<string, number> = {};
  let newClasses = 0;
  console.log(
    `fuzz: seed ${args.seed}, targets ${args.targets.join(', ')}, groups ${args.groups.join(', ')}, ` +
      (args.runs !== undefined ? `${args.runs} inputs per target` : `${(args.durationMs ?? 0) / 1000} s`),
  );

  const save = (r: Reproducer) => {
    if (args.out === undefined || committed.has(`${r.target}|${r.class}`)) return;
    committed.add(`${r.target}|${r.class}`);
    mkdirSync(args.out, { recursive: true });
    const hash = createHash('sha256').update(JSON.stringify(r.input)).digest('hex').slice(0, 8);
    const file = join(args.out, `${r.target}-${r.finding.kind}-${hash}.json`);
    writeFileSync(file, `${JSON.stringify(r, null, 1)}\n`);
    written.push(file);
  };
  const record = (
    target: string,
    cls: string,
    known: string | undefined,
    first: boolean,
    f: Finding,
    index: number,
    input: unknown,
  ) => {
    const c = counts.get(target)!;
    const entry = c.findings.get(cls) ?? { count: 0, known };
    entry.count++;
    c.findings.set(cls, entry);
    if (entry.count === 1) {
      if (known === undefined) newClasses++;
      console.log(`  ${known ? 'known-open' : 'NEW'} ${target}: ${cls}${known ? ` (${known})` : ''}`);
    }
    if (first) {
      save({
        target,
        class: cls,
        status: known ? 'open' : 'new',
        ...(known ? { knownOpen: known } : {}),
        finding: f,
        seed: args.seed,
        index,
        input,
      });
    }
  };

  const workerPath = fileURLToPath(new URL('./worker.js', import.meta.url));
  let remaining = args.runs;
  for (;;) {
    const config: WorkerConfig = {
      seed: args.seed,
      targets: args.targets,
      startIndex: next,
      ...(args.runs !== undefined ? { runsPerTarget: remaining ?? args.runs } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
      groups: args.groups,
      slowMs: 5000,
      reduceMs: args.reduceMs,
    };
    const outcome = await new Promise<'end' | 'hang' | 'exit'>((resolve) => {
      const child: ChildProcess = fork(workerPath, [JSON.stringify(config)], {
        execArgv: ['--expose-gc', '--disable-warning=ExperimentalWarning'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let last = Date.now();
      let current: { target: string; index: number } | undefined;
      let ended = false;
      const watchdog = setInterval(() => {
        if (Date.now() - last < args.hangMs) return;
        clearInterval(watchdog);
        child.kill('SIGKILL');
        if (current) {
          const target = findTarget(current.target);
          const f: Finding = { kind: 'hang', signature: '', detail: `no answer for ${args.hangMs / 1000} s` };
          const known = KNOWN_OPEN.find((k) => k.matches(f))?.id;
          record(
            current.target,
            'hang',
            known,
            true,
            f,
            current.index,
            drawInput(target, args.seed, current.index),
          );
          next[current.target] = current.index + 1;
        }
        resolve('hang');
      }, 1000);
      child.on('message', (m: WorkerMessage) => {
        last = Date.now();
        switch (m.t) {
          case 'start':
            current = { target: m.target, index: m.index };
            next[m.target] = m.index + 1;
            break;
          case 'ran': {
            const c = counts.get(m.target)!;
            c.inputs++;
            if (m.connected) c.connected++;
            if (m.refused) c.refused++;
            break;
          }
          case 'finding':
            record(m.target, m.cls, m.known, m.first, m.finding, m.index, m.input);
            break;
          case 'end':
            ended = true;
            break;
        }
      });
      child.on('exit', () => {
        clearInterval(watchdog);
        resolve(ended ? 'end' : 'exit');
      });
    });
    if (outcome === 'end') break;
    if (outcome === 'exit') {
      console.log('  worker exited without finishing');
      newClasses++;
      break;
    }
    // After a hang: go on from the next input, within what is left of the run.
    if (deadline !== undefined && Date.now() >= deadline) break;
    if (args.runs !== undefined) {
      const done = Math.min(...[...counts.values()].map((c) => c.inputs));
      remaining = Math.max(0, args.runs - done);
      if (remaining === 0) break;
    }
  }

  const seconds = (Date.now() - started) / 1000;
  let total = 0;
  console.log(`\nfuzz: ${seconds.toFixed(1)} s, seed ${args.seed}`);
  for (const [target, c] of counts) {
    total += c.inputs;
    console.log(
      `  ${target}: ${c.inputs} inputs (${(c.inputs / seconds).toFixed(0)}/s), ${c.connected} connected, ${c.refused} refused configs`,
    );
    for (const [cls, e] of [...c.findings].sort((a, b) => b[1].count - a[1].count)) {
      console.log(
        `    ${String(e.count).padStart(6)}  ${e.known ? `known-open (${e.known})` : 'NEW'}  ${cls}`,
      );
    }
  }
  console.log(`  total: ${total} inputs; ${newClasses} new finding classes`);
  for (const f of written) console.log(`  reproducer: ${f}`);
  return newClasses > 0 ? 1 : 0;
}

process.exitCode = await main();
