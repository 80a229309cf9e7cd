/**
 * Soak of ECDHE key shares and full handshakes, run in a child process under a watchdog, so that a
 * process that stops for good (a deadlock in key generation, say) is reported instead of waited on.
 *
 *   pnpm soak:keys [-- --shares N --handshakes N --stall-ms MS --legacy --json]
 *
 * The child makes `--shares` key shares (x25519 and P-256 alternating, each agreed with a fixed
 * peer) and then `--handshakes` full DTLS 1.2 handshakes between two engines in memory (ECDSA
 * certificates both ways, fingerprints checked, groups alternating), reporting its progress to the
 * parent. When no progress arrives for `--stall-ms` (default 15000) the parent kills the child and
 * reports it as hung. `--legacy` makes the shares the way this package made them before
 * (generateKeyPairSync('x25519') then a JWK export), which on Node 20 deadlocks now and then: it
 * shows what the watchdog catches. Prints shares/s, handshakes/s and whether the child hung; exits
 * 0 when it completed, 2 when it hung, 1 on any other failure.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '../src/certificate.js';
import { generateKeyShare } from '../src/crypto/key-share.js';
import { DtlsEngine } from '../src/engine.js';

interface SoakOptions {
  shares: number;
  handshakes: number;
  stallMs: number;
  legacy: boolean;
  json: boolean;
  /** Test hook: the child blocks for good after this many shares (to prove the watchdog). */
  hangAfter: number | undefined;
}

type ChildMessage =
  | { readonly type: 'progress'; readonly phase: 'shares' | 'handshakes'; readonly done: number }
  | {
      readonly type: 'result';
      readonly shares: number;
      readonly sharesMs: number;
      readonly handshakes: number;
      readonly handshakesMs: number;
    };

export interface SoakReport {
  readonly hung: boolean;
  readonly phase: 'shares' | 'handshakes' | 'done';
  readonly shares: number;
  readonly sharesPerSecond: number;
  readonly handshakes: number;
  readonly handshakesPerSecond: number;
  readonly legacy: boolean;
}

function parseOptions(argv: readonly string[]): SoakOptions {
  const o: SoakOptions = {
    shares: 2_000_000,
    handshakes: 20_000,
    stallMs: 15_000,
    legacy: false,
    json: false,
    hangAfter: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${a} takes a non-negative integer`);
      return v;
    };
    if (a === '--shares') o.shares = num();
    else if (a === '--handshakes') o.handshakes = num();
    else if (a === '--stall-ms') o.stallMs = Math.max(1, num());
    else if (a === '--hang-after') o.hangAfter = num();
    else if (a === '--legacy') o.legacy = true;
    else if (a === '--json') o.json = true;
    else if (a === '--child' || a === '--') continue;
    else throw new RangeError(`unknown option ${a}`);
  }
  return o;
}

// ---- child ------------------------------------------------------------------------------------

const PROGRESS_EVERY = 512;

function report(m: ChildMessage): void {
  process.send?.(m);
}

/** The construction this package used before: a key-generation job, then a JWK export of its key. */
function legacyX25519Public(): Uint8Array {
  const pair = generateKeyPairSync('x25519');
  return new Uint8Array(Buffer.from(pair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));
}

function runShares(o: SoakOptions): number {
  const peers = { 29: generateKeyShare(29), 23: generateKeyShare(23) } as const;
  const started = performance.now();
  for (let i = 0; i < o.shares; i++) {
    if (o.hangAfter !== undefined && i === o.hangAfter) {
      // Blocks the main thread without spinning, as a deadlock does.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    const group = i % 2 === 0 ? 29 : 23;
    if (o.legacy && group === 29) legacyX25519Public();
    else {
      const share = generateKeyShare(group);
      if (share.deriveSecret(peers[group].publicKey).length !== 32) throw new Error('bad shared secret');
    }
    if (i % PROGRESS_EVERY === 0) report({ type: 'progress', phase: 'shares', done: i });
  }
  return performance.now() - started;
}

async function runHandshakes(o: SoakOptions): Promise<number> {
  const [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
  const started = performance.now();
  for (let i = 0; i < o.handshakes; i++) {
    const groups = [i % 2 === 0 ? 'x25519' : 'secp256r1'] as const;
    const client = new DtlsEngine({
      role: 'client',
      certificate: a,
      expectedFingerprint: b.fingerprint(),
      groups,
    });
    const server = new DtlsEngine({
      role: 'server',
      certificate: b,
      expectedFingerprint: a.fingerprint(),
      groups,
    });
    client.start(0);
    for (let round = 0; round < 20; round++) {
      let moved = false;
      for (let d = client.pollTransmit(); d !== undefined; d = client.pollTransmit()) {
        server.handleDatagram(d, round);
        moved = true;
      }
      for (let d = server.pollTransmit(); d !== undefined; d = server.pollTransmit()) {
        client.handleDatagram(d, round);
        moved = true;
      }
      if (!moved) break;
    }
    if (client.state !== 'connected' || server.state !== 'connected')
      throw new Error(`handshake ${i} did not complete (${client.state}/${server.state})`);
    if (i % 64 === 0) report({ type: 'progress', phase: 'handshakes', done: i });
  }
  return performance.now() - started;
}

async function child(o: SoakOptions): Promise<void> {
  const sharesMs = runShares(o);
  const handshakesMs = await runHandshakes(o);
  const result: ChildMessage = {
    type: 'result',
    shares: o.shares,
    sharesMs,
    handshakes: o.handshakes,
    handshakesMs,
  };
  // Leave once the result is out: the IPC channel would keep the child alive.
  process.send?.(result, () => process.disconnect?.());
}

// ---- parent -----------------------------------------------------------------------------------

/** Runs the soak in a child process and resolves with what it did, or that it hung. */
export function runSoak(argv: readonly string[]): Promise<SoakReport> {
  const o = parseOptions(argv);
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const c: ChildProcess = fork(script, ['--child', ...argv], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let phase: 'shares' | 'handshakes' = 'shares';
    let done = 0;
    let lastProgress = performance.now();
    let settled = false;
    const watchdog = setInterval(
      () => {
        if (performance.now() - lastProgress < o.stallMs) return;
        settled = true;
        clearInterval(watchdog);
        c.kill('SIGKILL');
        const base = { hung: true, phase, legacy: o.legacy, sharesPerSecond: 0, handshakesPerSecond: 0 };
        resolve({
          ...base,
          shares: phase === 'shares' ? done : o.shares,
          handshakes: phase === 'handshakes' ? done : 0,
        });
      },
      Math.min(1000, o.stallMs),
    );
    c.on('message', (m: ChildMessage) => {
      lastProgress = performance.now();
      if (m.type === 'progress') {
        phase = m.phase;
        done = m.done;
        return;
      }
      settled = true;
      clearInterval(watchdog);
      resolve({
        hung: false,
        phase: 'done',
        legacy: o.legacy,
        shares: m.shares,
        sharesPerSecond: m.sharesMs > 0 ? (m.shares * 1000) / m.sharesMs : 0,
        handshakes: m.handshakes,
        handshakesPerSecond: m.handshakesMs > 0 ? (m.handshakes * 1000) / m.handshakesMs : 0,
      });
    });
    c.on('exit', (code, signal) => {
      if (settled) return;
      clearInterval(watchdog);
      reject(new Error(`soak child exited (${code ?? signal}) without a result`));
    });
  });
}

function print(r: SoakReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const how = r.legacy ? 'legacy x25519 keygen job + JWK export' : 'x25519 / P-256 alternating';
  process.stdout.write(
    r.hung
      ? `HUNG during ${r.phase} after ${n(r.phase === 'shares' ? r.shares : r.handshakes)} (${how}); the watchdog killed the child\n`
      : `key shares: ${n(r.shares)} at ${n(r.sharesPerSecond)}/s (${how})\nhandshakes: ${n(r.handshakes)} at ${n(r.handshakesPerSecond)}/s\nhung: no\n`,
  );
}

const argv = process.argv.slice(2);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (argv.includes('--child')) {
    child(parseOptions(argv)).catch((e: unknown) => {
      process.stderr.write(`soak child: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
  } else {
    const json = argv.includes('--json');
    runSoak(argv).then(
      (r) => {
        print(r, json);
        process.exitCode = r.hung ? 2 : 0;
      },
      (e: unknown) => {
        process.stderr.write(`soak: ${(e as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  }
}
