/**
 * Binding requests handled per second on one core through the mux routing core (parse, FINGERPRINT,
 * USERNAME, MESSAGE-INTEGRITY, build the success response with MI and FINGERPRINT), side by side with
 * the `stun` npm package doing the same work; then idle-session memory at 1,000 and 10,000 sessions.
 * Run: node --expose-gc packages/ice-lite/dist/bench/stun.bench.js (re-executes itself with the flag).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { UdpMuxRouter } from '../src/mux/router.js';
import { StunMessageBuilder } from '../src/stun/builder.js';
import { StunMessageType } from '../src/stun/constants.js';
import { HmacSha1Key, Sha1Workspace } from '../src/stun/hmac-sha1.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1]!], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

interface StunOracleMessage {
  getAttribute(type: number): { value: unknown } | undefined;
  addXorAddress(address: string, port: number): void;
  addMessageIntegrity(key: string): void;
  addFingerprint(): void;
  toBuffer(): Buffer;
  transactionId: Buffer;
}
interface StunOracle {
  createMessage(type: number, tid?: Buffer): StunOracleMessage;
  decode(b: Buffer): StunOracleMessage;
  validateFingerprint(m: StunOracleMessage): boolean;
  validateMessageIntegrity(m: StunOracleMessage, key: string): boolean;
  constants: Record<string, number>;
}
const stun = createRequire(import.meta.url)('stun') as StunOracle;

const SESSIONS = 1000;
const PWD_PREFIX = 'benchpasswordbenchpass';

function ufragOf(i: number): string {
  return `u${i.toString(36).padStart(5, '0')}`;
}
function pwdOf(i: number): string {
  return `${PWD_PREFIX}${(i % 100).toString().padStart(2, '0')}`;
}

/** A check shaped like Chromium's: USERNAME, GOOG-NETWORK-INFO, ICE-CONTROLLING, PRIORITY, USE-CANDIDATE, MI, FP. */
function chromiumLikeCheck(i: number): Buffer {
  const ws = new Sha1Workspace();
  const tid = new Uint8Array(12);
  new DataView(tid.buffer).setUint32(8, i);
  const bytes = new StunMessageBuilder(StunMessageType.BindingRequest, tid)
    .username(`${ufragOf(i)}:Ab3x`)
    .add(0xc057, Uint8Array.of(0, 1, 0, 10))
    .iceControlling(0x1122334455667788n)
    .priority(1853824767)
    .useCandidate()
    .finish({ sha1: { key: new HmacSha1Key(Buffer.from(pwdOf(i)), ws), workspace: ws }, fingerprint: true });
  return Buffer.from(bytes);
}

function timeLoop(label: string, minMs: number, body: (i: number) => void, unit = 'req'): number {
  // Warm-up, then run whole batches until minMs has passed.
  for (let i = 0; i < 20_000; i++) body(i);
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let k = 0; k < 10_000; k++, n++) body(n);
    elapsed = performance.now() - start;
  }
  const perSec = (n / elapsed) * 1000;
  console.log(
    `${label.padEnd(58)} ${Math.round(perSec).toLocaleString('en-US').padStart(10)} ${unit}/s  ${((elapsed * 1000) / n).toFixed(2)} µs/${unit}`,
  );
  return perSec;
}

// --- throughput ---
let sent = 0;
let sentBytes = 0;
const router = new UdpMuxRouter({
  send: (bytes) => {
    sent++;
    sentBytes += bytes.length;
  },
  maxSessions: SESSIONS,
});
for (let i = 0; i < SESSIONS; i++)
  router.addSession({ ufrag: ufragOf(i), pwd: pwdOf(i), remoteUfrag: 'Ab3x' }, 0);
const requests = Array.from({ length: SESSIONS }, (_, i) => chromiumLikeCheck(i));
const ports = Array.from({ length: SESSIONS }, (_, i) => 20000 + i);

console.log(`Binding request ${requests[0]!.length} bytes, ${SESSIONS} sessions, one tuple each, one core`);
const ours = timeLoop('rtcseal UdpMuxRouter.handleDatagram (parse+verify+respond)', 2000, (i) => {
  const s = i % SESSIONS;
  router.handleDatagram(requests[s]!, '127.0.0.1', ports[s]!, 1);
});
if (sent === 0 || router.stats.stunAnswered !== sent) throw new Error('router did not answer');
console.log(`  responses: ${sentBytes / sent} bytes each, drops: ${JSON.stringify(router.stats.drops)}`);

const baseline = timeLoop('stun@2 decode+validate MI/FP+encode response', 1500, (i) => {
  const s = i % SESSIONS;
  const msg = stun.decode(requests[s]!);
  if (!stun.validateFingerprint(msg) || !stun.validateMessageIntegrity(msg, pwdOf(s)))
    throw new Error('oracle rejected');
  const res = stun.createMessage(stun.constants.STUN_BINDING_RESPONSE!, msg.transactionId);
  res.addXorAddress('127.0.0.1', ports[s]!);
  res.addMessageIntegrity(pwdOf(s));
  res.addFingerprint();
  res.toBuffer();
});
console.log(`ratio rtcseal / stun: ${(ours / baseline).toFixed(1)}x   (target >= 150,000 req/s)`);

// --- media path: RTP from checked tuples, classified and routed by 5-tuple to the session handler ---
let delivered = 0;
const mediaRouter = new UdpMuxRouter({ send: () => {}, maxSessions: SESSIONS });
for (let i = 0; i < SESSIONS; i++) {
  mediaRouter.addSession(
    { ufrag: ufragOf(i), pwd: pwdOf(i), remoteUfrag: 'Ab3x', onRtp: () => void delivered++ },
    0,
  );
  mediaRouter.handleDatagram(requests[i]!, '127.0.0.1', ports[i]!, 0);
}
const rtp = Buffer.alloc(172);
rtp[0] = 0x80;
rtp[1] = 111;
timeLoop(
  'rtcseal UdpMuxRouter RTP routing (classify+tuple lookup)',
  1000,
  (i) => {
    const s = i % SESSIONS;
    mediaRouter.handleDatagram(rtp, '127.0.0.1', ports[s]!, 1);
  },
  'pkt',
);
if (delivered === 0 || mediaRouter.stats.drops['rtp-unverified-source']) throw new Error('RTP not routed');

// --- idle session memory ---
/** JS heap plus memory outside it (typed-array backing stores). */
function heapUsed(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
for (const count of [1000, 10_000]) {
  const r = new UdpMuxRouter({ send: () => {}, maxSessions: count });
  const before = heapUsed();
  const keep = [];
  for (let i = 0; i < count; i++) keep.push(r.addSession({ remoteUfrag: 'Ab3x' }, 0));
  const after = heapUsed();
  const perSession = (after - before) / count;
  console.log(
    `idle sessions: ${count.toLocaleString('en-US').padStart(6)}  heap +${((after - before) / 1048576).toFixed(2)} MiB  ${(perSession / 1024).toFixed(2)} KiB/session  (target <= 20 KiB)`,
  );
  if (keep.length !== count) throw new Error('unreachable');
}
