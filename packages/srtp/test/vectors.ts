import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One libsrtp 2.5.0 vector file (test/fixtures/libsrtp: one sender session per profile, in order). */
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
 * test/fixtures/libsrtp, resolved from the package root so the source tests (test/) and the
 * compiled ones (dist/test/) read the same files.
 */
export function findVectorsDirectory(): string {
  const dir = import.meta.url.includes('/dist/') ? '../../test/fixtures/libsrtp/' : './fixtures/libsrtp/';
  return fileURLToPath(new URL(dir, import.meta.url));
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
