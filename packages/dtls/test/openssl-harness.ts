import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DtlsCertificate } from '../src/certificate.js';

/** True when an `openssl` binary is on PATH. */
export const opensslAvailable: boolean = (() => {
  try {
    return spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
})();

/** A child process whose output is collected, with a bounded wait for a line to appear. */
export class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcessWithoutNullStreams;

  constructor(command: string, args: readonly string[], env?: NodeJS.ProcessEnv) {
    this.proc = spawn(command, args, { stdio: 'pipe', env: env ?? process.env });
    this.proc.stdout.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
    });
    this.proc.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
    });
    this.exited = new Promise((resolve) => this.proc.once('close', (code) => resolve(code)));
  }

  /** Resolves with the first match of `re` in stdout+stderr; rejects after `timeoutMs` or when the process exits first. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      const m = (this.stdout + this.stderr).match(re);
      if (m !== null) return m;
      if (exited) throw new Error(`process exited before ${re}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  write(text: string): void {
    this.proc.stdin.write(text);
  }

  endInput(): void {
    this.proc.stdin.end();
  }

  tail(): string {
    return `--- stdout ---\n${this.stdout.slice(-2000)}\n--- stderr ---\n${this.stderr.slice(-2000)}`;
  }

  /** Kills the process (if still running) and waits for it. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

/** A UDP port that was free a moment ago on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rtcseal-dtls-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeCertificateFiles(
  cert: DtlsCertificate,
  dir: string,
  name: string,
): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  writeFileSync(certFile, cert.certPem());
  writeFileSync(keyFile, cert.keyPem());
  return { certFile, keyFile };
}

/** The hex after `Keying material:` (OpenSSL's -keymatexport output and our CLI's). */
export const KEYING_MATERIAL = /Keying material: ([0-9A-F]+)/;
