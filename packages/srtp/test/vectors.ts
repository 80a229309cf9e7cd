import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One libsrtp-generated vector file from shared/vectors (see INTEROP.md). */
export interface LibsrtpVectorFile {
  readonly file: string;
  readonly profile: string;
  readonly masterKeySalt: string;
  readonly packets: readonly {
    readonly kind: 'rtp' | 'rtcp';
    readonly plain: string;
    readonly protected: string;
  }[];
  readonly negative?: Record<string, string>;
}

/**
 * Finds shared/vectors by walking up from this file: the tests run from packages/srtp/test
 * (tsx) or packages/srtp/dist/test (compiled), and shared/ sits either inside an ancestor or
 * beside the checkout (`<clone>/../shared`).
 */
export function findVectorsDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const candidate of [join(dir, 'shared', 'vectors'), join(dir, '..', 'shared', 'vectors')]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shared/vectors not found above the test directory');
    dir = parent;
  }
}

export function loadLibsrtpVectors(): LibsrtpVectorFile[] {
  const dir = findVectorsDirectory();
  return readdirSync(dir)
    .filter((name) => name.startsWith('srtp-') && name.endsWith('.json'))
    .sort()
    .map(
      (name) => ({ file: name, ...JSON.parse(readFileSync(join(dir, name), 'utf8')) }) as LibsrtpVectorFile,
    );
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}
