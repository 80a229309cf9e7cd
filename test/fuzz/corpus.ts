import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The committed seed corpus (test/fuzz/corpus): JSON files of datagrams as hex, each saying which
 * side receives them. Seeds come from the browsers' captured ClientHellos and from handshakes
 * recorded between the engines (record-corpus.ts writes them).
 */
export interface CorpusFile {
  readonly source: string;
  /** Who receives these datagrams: a DTLS server, a DTLS client, or the one-port mux (STUN, DTLS). */
  readonly to: 'server' | 'client' | 'mux';
  readonly datagrams: readonly string[];
}

/** test/fuzz/<name>, from the source tree or the compiled one (test/dist/fuzz). */
export function fuzzDirectory(name: string): string {
  const up = import.meta.url.includes('/dist/') ? '../../fuzz/' : './';
  return fileURLToPath(new URL(up + name, import.meta.url));
}

export function loadCorpus(): {
  toServer: Uint8Array[];
  toClient: Uint8Array[];
  toMux: Uint8Array[];
  files: number;
} {
  const dir = fuzzDirectory('corpus');
  const out = {
    toServer: [] as Uint8Array[],
    toClient: [] as Uint8Array[],
    toMux: [] as Uint8Array[],
    files: 0,
  };
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json')) continue;
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CorpusFile;
    const datagrams = file.datagrams.map((h) => new Uint8Array(Buffer.from(h, 'hex')));
    (file.to === 'server' ? out.toServer : file.to === 'client' ? out.toClient : out.toMux).push(
      ...datagrams,
    );
    out.files++;
  }
  return out;
}
