import type { Finding } from './finding.js';

/**
 * Finding classes that are known and open: the fuzzer counts them apart from new findings, and the
 * short run in `pnpm test` does not fail on them. Each entry names the defect and its reproducer
 * in test/fuzz/findings. When a fix lands, delete its entry here and set its reproducers'
 * "status" to "fixed": from then on the short run and the reproducer replay enforce it.
 */
export interface KnownOpen {
  readonly id: string;
  readonly description: string;
  readonly matches: (f: Finding) => boolean;
  /**
   * Seen only by the watchdog of long runs, not replayable from an input (a race in native code):
   * no committed reproducer is required.
   */
  readonly nondeterministic?: true;
}

export const KNOWN_OPEN: readonly KnownOpen[] = [];

export function knownOpen(f: Finding): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.matches(f));
}
