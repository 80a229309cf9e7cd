/**
 * Replays reproducers: `node test/dist/fuzz/replay.js FILE...` runs each saved input against its
 * target and prints the finding classes it produces now (one JSON line per file). Used by
 * fuzz.test.ts in a child process for inputs that once hung, and by hand when fixing a finding.
 */
import { readFileSync } from 'node:fs';
import { findingClass } from './finding.js';
import { makeContext } from './inputs.js';
import type { Reproducer } from './run.js';
import { findTarget } from './targets/index.js';

export async function replayReproducer(
  r: Reproducer,
  groups: Parameters<typeof makeContext>[0],
): Promise<string[]> {
  const ctx = await makeContext(groups);
  return findTarget(r.target).run(r.input, ctx).findings.map(findingClass);
}

if (process.argv[1]?.endsWith('replay.js')) {
  for (const file of process.argv.slice(2)) {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Reproducer;
    const classes = await replayReproducer(r, ['secp256r1']);
    console.log(JSON.stringify({ file, class: r.class, reproduced: classes.includes(r.class), classes }));
  }
}
