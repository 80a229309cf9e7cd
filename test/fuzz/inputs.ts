import { generateCertificate } from '@rtcseal/dtls';
import fc from 'fast-check';
import { loadCorpus } from './corpus.js';
import type { FuzzContext, FuzzTarget } from './targets/index.js';

/**
 * Input `index` of a target's stream for `seed`: drawn alone from its own seed, so the watchdog
 * (which only knows the last index a worker started) can write out the very input that hung.
 */
export function drawInput(target: FuzzTarget, seed: number, index: number): unknown {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of target.name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return fc.sample(target.arbitrary, { seed: (h ^ (h >>> 16)) | 0, numRuns: 1 })[0];
}

/** Certificates are made once per process; the corpus is read from test/fuzz/corpus. */
export async function makeContext(groups: FuzzContext['groups']): Promise<FuzzContext> {
  const [server, client, other] = await Promise.all([
    generateCertificate(),
    generateCertificate(),
    generateCertificate(),
  ]);
  const corpus = loadCorpus();
  return { certificates: { server, client, other }, ...corpus, groups };
}

/** Removing one step at a time (and then one mutation of a step) while the same class still fails. */
export function smallerInputs(input: unknown): unknown[] {
  const out: unknown[] = [];
  if (input === null || typeof input !== 'object') return out;
  const record = input as Record<string, unknown>;
  for (const key of ['steps', 'datagrams']) {
    const list = record[key];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      if (list.length > 1) out.push({ ...record, [key]: list.filter((_, j) => j !== i) });
      const step = list[i] as Record<string, unknown>;
      if (Array.isArray(step?.muts) && step.muts.length > 0) {
        for (let m = 0; m < step.muts.length; m++) {
          const muts = (step.muts as unknown[]).filter((_, j) => j !== m);
          out.push({ ...record, [key]: list.map((s, j) => (j === i ? { ...step, muts } : s)) });
        }
      }
    }
  }
  return out;
}
