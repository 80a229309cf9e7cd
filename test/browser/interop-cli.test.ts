import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { browserMissingReason } from './browsers.js';

/**
 * The interop command (`pnpm interop`, interop-cli.ts) as a user runs it: a child process, its
 * output and its exit code. It makes its own loopback-only namespace, so this file does not.
 */

const CLI = fileURLToPath(import.meta.url).replace(/\.test\.(ts|js)$/, '.$1');

function runCli(args: readonly string[], timeoutMs: number) {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, [...execArgv, CLI, ...args], {
    encoding: 'utf8',
    env,
    timeout: timeoutMs,
    killSignal: 'SIGTERM',
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

test('bad arguments exit 2 with a message naming the option, before any browser starts', () => {
  for (const [args, named] of [
    [['--browser', 'safari'], '--browser'],
    [['--browser', 'chromium', '--setup', 'actpass'], '--setup'],
    [['--browser', 'chromium', '--profile', 'SRTP_ROT13'], '--profile'],
    [['--browser', 'chromium', '--seconds', '-1'], '--seconds'],
    [['--browser', 'chromium', '--colour', 'blue'], 'colour'],
  ] as const) {
    const r = runCli(args, 10_000);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`${named}`));
    assert.match(r.stderr, /usage: pnpm interop/);
    assert.equal(r.stdout, '');
  }
});

test('a call with chromium as DTLS server and AEAD_AES_256_GCM prints what was negotiated and exits 0', {
  skip: browserMissingReason('chromium'),
  timeout: 90_000,
}, (t) => {
  const r = runCli(
    ['--browser', 'chromium', '--setup', 'active', '--profile', 'SRTP_AEAD_AES_256_GCM', '--seconds', '1'],
    80_000,
  );
  for (const line of r.stdout.split('\n')) if (line) t.diagnostic(line);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /negotiated {3}DTLS 1\.2, TLS_ECDHE_ECDSA_\S+, SRTP_AEAD_AES_256_GCM/);
  assert.match(r.stdout, /roles {8}we are DTLS client \(a=setup:active\); browser reports DTLS server/);
  assert.match(r.stdout, /srtpCipher SRTP_AEAD_AES_256_GCM/);
  const fromBrowser = /we authenticated (\d+) RTP/.exec(r.stdout);
  const toBrowser = /browser received (\d+) \(inbound-rtp\)/.exec(r.stdout);
  assert.ok(fromBrowser && Number(fromBrowser[1]) > 10, 'browser RTP authenticated');
  assert.ok(toBrowser && Number(toBrowser[1]) > 10, 'our RTP counted by the browser');
  // Media went to the tuple that answered our own request (make before break).
  const validations = /path validations (\d+)\/(\d+) answered/.exec(r.stdout);
  assert.ok(validations && Number(validations[1]) >= 1, 'our path validation was answered');
  assert.match(r.stdout, /^interop: OK$/m);
});

test('--video: a bundled call with firefox prints the negotiated sections and frames each way, and exits 0', {
  skip: browserMissingReason('firefox'),
  timeout: 90_000,
}, (t) => {
  const r = runCli(['--browser', 'firefox', '--video', '--seconds', '3'], 80_000);
  for (const line of r.stdout.split('\n')) if (line) t.diagnostic(line);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(
    r.stdout,
    /^section {6}1 video sendrecv \[VP8\/90000, rtx\/90000 \(apt \d+\)\] send ssrc \d+ rtx \d+$/m,
  );
  const received = /we received (\d+) frames/.exec(r.stdout);
  const decoded = /browser decoded (\d+) \(/.exec(r.stdout);
  assert.ok(received && Number(received[1]) >= 20, 'browser video frames reached us');
  assert.ok(decoded && Number(decoded[1]) >= 20, 'the browser decoded our echo');
  assert.match(r.stdout, /^interop: OK$/m);
});

test('a profile the browser does not offer fails with exit 1 and the reason', {
  skip: browserMissingReason('chromium'),
  timeout: 90_000,
}, () => {
  // Chromium offers no SRTP_AES128_CM_HMAC_SHA1_32 (INTEROP.md), so the handshake ends without use_srtp.
  const r = runCli(
    ['--browser', 'chromium', '--profile', 'SRTP_AES128_CM_HMAC_SHA1_32', '--seconds', '1'],
    80_000,
  );
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /interop: FAILED: transport closed: dtls-no-srtp/);
});
