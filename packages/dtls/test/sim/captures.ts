import { readFileSync } from 'node:fs';

/**
 * The browsers' captured first flights (test/fixtures/captures: Chromium 156 with and without its
 * ML-KEM key share, Firefox ESR 153), as their DTLS records arrived. Resolved from the package
 * root, so the source tests (test/) and the compiled ones (dist/test/) read the same files.
 */
const CAPTURES_DIR = new URL('../../../test/fixtures/captures/', import.meta.url);
const SOURCE_CAPTURES_DIR = new URL('../fixtures/captures/', import.meta.url);

export type CapturedBrowser = 'chromium' | 'firefox' | 'chromium-nopqc';

/** The bytes of `<browser>-clienthello.bin`. */
export function readCapture(browser: CapturedBrowser): Uint8Array {
  const name = `${browser}-clienthello.bin`;
  const dir = import.meta.url.includes('/dist/') ? CAPTURES_DIR : SOURCE_CAPTURES_DIR;
  return new Uint8Array(readFileSync(new URL(name, dir)));
}
