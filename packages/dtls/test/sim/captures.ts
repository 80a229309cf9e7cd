import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the browsers' captured first flights live (override with RTCSEAL_CAPTURES). */
export const CAPTURES_DIR = process.env.RTCSEAL_CAPTURES ?? '/work/shared/captures';

/** A capture's bytes, or undefined when the capture directory is not on this machine. */
export function readCapture(name: string): Uint8Array | undefined {
  const path = join(CAPTURES_DIR, name);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}
