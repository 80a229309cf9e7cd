/**
 * One fuzzing process, started by run.ts with `--expose-gc` and an IPC channel. It draws inputs
 * round-robin over the targets, runs each against its invariants, and reports every input it
 * starts (the watchdog's evidence if it stops answering), what each did, and each finding class
 * the first time it appears, with the input reduced step by step while the class still fails.
 */
import { errorDetail, errorSignature, type Finding, findingClass } from './finding.js';
import { drawInput, makeContext, smallerInputs } from './inputs.js';
import { knownOpen } from './known-open.js';
import { type FuzzContext, type FuzzTarget, findTarget } from './targets/index.js';

export interface WorkerConfig {
  readonly seed: number;
  readonly targets: readonly string[];
  /** Next input index per target (a restarted worker skips the input that hung). */
  readonly startIndex: Readonly<Record<string, number>>;
  /** Stop after this many inputs per target (deterministic short runs)... */
  readonly runsPerTarget?: number;
  /** ...or at this wall-clock time (ms since the epoch). */
  readonly deadline?: number;
  readonly groups: FuzzContext['groups'];
  /** One input taking longer than this is a 'slow' finding. */
  readonly slowMs: number;
  /** Time spent reducing the first input of each finding class (0: none). */
  readonly reduceMs: number;
}

export type WorkerMessage =
  | { readonly t: 'start'; readonly target: string; readonly index: number }
  | { readonly t: 'ran'; readonly target: string; readonly connected: boolean; readonly refused: boolean }
  | {
      readonly t: 'finding';
      readonly target: string;
      readonly index: number;
      readonly cls: string;
      readonly known: string | undefined;
      readonly finding: Finding;
      readonly input: unknown;
      readonly first: boolean;
    }
  | { readonly t: 'end' };

const send = (m: WorkerMessage) => process.send!(m);

function runGuarded(target: FuzzTarget, input: unknown, ctx: FuzzContext) {
  try {
    return target.run(input, ctx);
  } catch (e) {
    // A target never throws on purpose; one that does hit something the harness did not expect.
    return {
      findings: [
        { kind: 'throw' as const, signature: `harness: ${errorSignature(e)}`, detail: errorDetail(e) },
      ],
      connected: false,
    };
  }
}

/** Drops steps and mutations while the same finding class still appears, within `budgetMs`. */
function reduce(
  target: FuzzTarget,
  input: unknown,
  cls: string,
  ctx: FuzzContext,
  budgetMs: number,
): unknown {
  const end = performance.now() + budgetMs;
  let best = input;
  let progress = true;
  while (progress && performance.now() < end) {
    progress = false;
    for (const candidate of smallerInputs(best)) {
      if (performance.now() >= end) break;
      if (runGuarded(target, candidate, ctx).findings.some((f) => findingClass(f) === cls)) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as WorkerConfig;
  const ctx = await makeContext(config.groups);
  const targets = config.targets.map(findTarget).filter((t) => t.available());
  const next = new Map(targets.map((t) => [t.name, config.startIndex[t.name] ?? 0]));
  const ran = new Map(targets.map((t) => [t.name, 0]));
  const seen = new Set<string>();
  // Timed runs share the time equally between targets (the memory probe's GCs make its inputs
  // slow; the others should not wait for it); counted runs go round-robin, input for input.
  const spent = new Map(targets.map((t) => [t.name, 0]));
  const order = (): FuzzTarget[] =>
    config.runsPerTarget !== undefined
      ? targets
      : [[...targets].sort((a, b) => spent.get(a.name)! - spent.get(b.name)!)[0]!];
  for (;;) {
    let any = false;
    for (const target of order()) {
      if (config.deadline !== undefined && Date.now() >= config.deadline) break;
      if (config.runsPerTarget !== undefined && ran.get(target.name)! >= config.runsPerTarget) continue;
      any = true;
      const index = next.get(target.name)!;
      next.set(target.name, index + 1);
      ran.set(target.name, ran.get(target.name)! + 1);
      send({ t: 'start', target: target.name, index });
      const input = drawInput(target, config.seed, index);
      const t0 = performance.now();
      const verdict = runGuarded(target, input, ctx);
      const ms = performance.now() - t0;
      spent.set(target.name, spent.get(target.name)! + ms);
      const findings: Finding[] = [...verdict.findings];
      if (ms > config.slowMs)
        findings.push({ kind: 'slow', signature: '', detail: `${ms.toFixed(0)} ms for one input` });
      send({
        t: 'ran',
        target: target.name,
        connected: verdict.connected,
        refused: verdict.refused === true,
      });
      for (const f of findings) {
        const cls = findingClass(f);
        const key = `${target.name}|${cls}`;
        const first = !seen.has(key);
        seen.add(key);
        const reduced =
          first && f.kind !== 'slow' && config.reduceMs > 0
            ? reduce(target, input, cls, ctx, config.reduceMs)
            : input;
        // The evidence of the reduced input, when it still shows the class.
        const evidence =
          reduced === input
            ? f
            : (runGuarded(target, reduced, ctx).findings.find((g) => findingClass(g) === cls) ?? f);
        send({
          t: 'finding',
          target: target.name,
          index,
          cls,
          known: knownOpen(f)?.id,
          finding: evidence,
          input: reduced,
          first,
        });
      }
    }
    if (!any || (config.deadline !== undefined && Date.now() >= config.deadline)) break;
  }
  send({ t: 'end' });
  process.disconnect?.();
}

await main();
