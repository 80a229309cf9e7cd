/**
 * Full DTLS 1.2 and DTLS 1.3 handshakes per second, client and server in one process over an in-memory path,
 * rtcseal's sans-IO engine side by side with werift 0.25.2's DtlsClient/DtlsServer in the same run.
 * Both: ECDSA P-256 certificates on both sides (client certificate requested), ECDHE over x25519,
 * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, extended master secret, use_srtp, HelloVerifyRequest cookie
 * round trip, and the DTLS-SRTP keys exported and compared at the end of every handshake.
 * rtcseal's DTLS 1.3 row: the same certificates and use_srtp, X25519MLKEM768, TLS_AES_128_GCM_SHA256,
 * the HelloRetryRequest cookie round trip and the final ACK; the ML-KEM-768 share of its time is
 * measured on its own (keygen + encapsulate + decapsulate, as one handshake does them).
 *
 * Run: node packages/dtls/dist/bench/handshake.bench.js (after pnpm build), or npx tsx on this file.
 * The two stacks run in alternating short slices (HANDSHAKE_BENCH_MS each, default 500 ms, 10 pairs)
 * so load from other processes hits both alike; the ratio printed is the median of the per-pair
 * ratios, next to the rates over all slices.
 */

import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { DtlsClient, DtlsServer } from 'werift';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';

const MS_PER_SLICE = Number(process.env.HANDSHAKE_BENCH_MS ?? 500);
const SLICES = 10;
const SUITE = 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256';
const LABEL = 'EXTRACTOR-dtls_srtp';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

/** One rtcseal handshake: pump each engine's datagrams into the other until both are connected. */
function rtcsealHandshake(
  serverCert: DtlsCertificate,
  clientCert: DtlsCertificate,
  now: number,
  version: 'DTLS 1.2' | 'DTLS 1.3' = 'DTLS 1.2',
): void {
  const common: Partial<DtlsConfig> = {
    cipherSuites: [SUITE],
    groups: ['x25519'],
    srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'],
    minVersion: version,
    maxVersion: version,
  };
  const client = new DtlsEngine({
    ...common,
    role: 'client',
    certificate: clientCert,
    expectedFingerprint: serverCert.fingerprint(),
  });
  const server = new DtlsEngine({
    ...common,
    role: 'server',
    certificate: serverCert,
    expectedFingerprint: clientCert.fingerprint(),
  });
  client.start(now);
  server.start(now);
  for (let round = 0; round < 20 || client.state !== 'connected' || server.state !== 'connected'; round++) {
    if (round > 40) break;
    let moved = false;
    for (let d = client.pollTransmit(); d !== undefined; d = client.pollTransmit()) {
      server.handleDatagram(d, now);
      moved = true;
    }
    for (let d = server.pollTransmit(); d !== undefined; d = server.pollTransmit()) {
      client.handleDatagram(d, now);
      moved = true;
    }
    if (!moved) break;
  }
  if (client.state !== 'connected' || server.state !== 'connected')
    throw new Error('rtcseal handshake did not complete');
  if (!sameBytes(client.exportKeyingMaterial(LABEL, 60), server.exportKeyingMaterial(LABEL, 60)))
    throw new Error('rtcseal keys differ');
}

interface MemoryTransport {
  type: string;
  address: { address: string; family: string; port: number };
  closed: boolean;
  peer: MemoryTransport | undefined;
  onData: (data: Buffer, addr: [string, number]) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

/** Two werift transports wired to each other; delivery on the next turn, as a socket would. */
function memoryPair(): [MemoryTransport, MemoryTransport] {
  const make = (port: number): MemoryTransport => {
    const t: MemoryTransport = {
      type: 'udp',
      address: { address: '127.0.0.1', family: 'IPv4', port },
      closed: false,
      peer: undefined,
      onData: () => {},
      send: async (data: Buffer) => {
        const peer = t.peer!;
        setImmediate(() => peer.onData(data, ['127.0.0.1', port]));
      },
      close: async () => {
        t.closed = true;
      },
    };
    return t;
  };
  const a = make(1);
  const b = make(2);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** One werift handshake over the in-memory pair. */
async function weriftHandshake(certPem: string, keyPem: string): Promise<void> {
  const [ta, tb] = memoryPair();
  const signatureHash = { hash: 4, signature: 3 }; // sha256 + ecdsa
  // werift picks x25519 for ECDHE by default and the ECDSA suite for an ECDSA certificate.
  const options = {
    cert: certPem,
    key: keyPem,
    signatureHash,
    extendedMasterSecret: true,
    srtpProfiles: [1],
  };
  const server = new DtlsServer({ ...options, transport: tb, certificateRequest: true } as never);
  const client = new DtlsClient({ ...options, transport: ta } as never);
  const connected = Promise.all([
    new Promise<void>((resolve) => client.onConnect.subscribe(() => resolve())),
    new Promise<void>((resolve) => server.onConnect.subscribe(() => resolve())),
  ]);
  void client.connect();
  // A stuck handshake must not stall the run: give up on it after 5 s and count it.
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    connected.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), 5000);
    }),
  ]);
  clearTimeout(timer);
  if (!done) {
    client.close();
    server.close();
    throw new Error('werift handshake did not complete within 5 s');
  }
  const same = sameBytes(client.exportKeyingMaterial(LABEL, 60), server.exportKeyingMaterial(LABEL, 60));
  client.close();
  server.close();
  if (!same) throw new Error('werift keys differ');
}

async function measure(
  run: () => void | Promise<void>,
  ms: number,
): Promise<{ count: number; elapsed: number; failures: number }> {
  let count = 0;
  const t0 = performance.now();
  let t = t0;
  let failures = 0;
  while (t - t0 < ms) {
    try {
      await run();
      count++;
    } catch (e) {
      failures++;
      if (failures > 3) throw e;
    }
    t = performance.now();
  }
  return { count, elapsed: t - t0, failures };
}

async function main(): Promise<void> {
  const [serverCert, clientCert] = await Promise.all([generateCertificate(), generateCertificate()]);
  let now = 0;
  const ours = () => {
    now += 1;
    rtcsealHandshake(serverCert, clientCert, now, 'DTLS 1.2');
  };
  const ours13 = () => {
    now += 1;
    rtcsealHandshake(serverCert, clientCert, now, 'DTLS 1.3');
  };
  const theirs = () => weriftHandshake(serverCert.certPem(), serverCert.keyPem());
  // What one X25519MLKEM768 handshake spends in ML-KEM-768 (both ends together).
  const mlkem = () => {
    const { publicKey, secretKey } = ml_kem768.keygen();
    const { cipherText } = ml_kem768.encapsulate(publicKey);
    ml_kem768.decapsulate(cipherText, secretKey);
  };

  // Warm-up (JIT, OpenSSL tables), then interleaved slices so machine noise hits all alike.
  await measure(ours, 300);
  await measure(ours13, 300);
  await measure(theirs, 300);
  await measure(mlkem, 300);
  const totals = {
    ours: { count: 0, elapsed: 0 },
    ours13: { count: 0, elapsed: 0 },
    werift: { count: 0, elapsed: 0 },
    mlkem: { count: 0, elapsed: 0 },
  };
  const rate = (t: { count: number; elapsed: number }) => (t.count * 1000) / t.elapsed;
  const ratios: number[] = [];
  const costRatios: number[] = [];
  const failures = { ours: 0, ours13: 0, werift: 0 };
  for (let i = 0; i < SLICES; i++) {
    const a = await measure(ours, MS_PER_SLICE);
    const c = await measure(ours13, MS_PER_SLICE);
    const b = await measure(theirs, MS_PER_SLICE);
    const k = await measure(mlkem, MS_PER_SLICE / 5);
    for (const [key, m] of [
      ['ours', a],
      ['ours13', c],
      ['werift', b],
      ['mlkem', k],
    ] as const) {
      totals[key].count += m.count;
      totals[key].elapsed += m.elapsed;
    }
    failures.ours += a.failures;
    failures.ours13 += c.failures;
    failures.werift += b.failures;
    ratios.push(rate(a) / rate(b));
    costRatios.push(rate(a) / rate(c));
  }
  const median = (xs: number[]) => {
    const v = [...xs].sort((x, y) => x - y);
    return (v[(SLICES - 1) >> 1]! + v[SLICES >> 1]!) / 2;
  };
  const oursRate = rate(totals.ours);
  const ours13Rate = rate(totals.ours13);
  const weriftRate = rate(totals.werift);
  const mlkemMs = 1000 / rate(totals.mlkem);
  const row = (name: string, r: number, n: number) =>
    `${name.padEnd(24)} ${r.toFixed(0).padStart(8)} handshakes/s  ${(1000 / r).toFixed(2).padStart(7)} ms each  (${n} handshakes)`;
  console.log(`Full handshake, ECDSA P-256 both sides, use_srtp, cookie round trip, in memory, one process`);
  console.log(row(`rtcseal DTLS 1.2 (x25519)`, oursRate, totals.ours.count));
  console.log(row('rtcseal DTLS 1.3 (PQ)', ours13Rate, totals.ours13.count));
  console.log(row('werift 0.25.2 DTLS 1.2', weriftRate, totals.werift.count));
  if (failures.ours + failures.ours13 + failures.werift > 0)
    console.log(
      `failed handshakes (not counted): rtcseal 1.2 ${failures.ours}, 1.3 ${failures.ours13}, werift ${failures.werift}`,
    );
  console.log(
    `ratio rtcseal 1.2 / werift: ${median(ratios).toFixed(2)}x median of ${SLICES} interleaved pairs, ${(oursRate / weriftRate).toFixed(2)}x overall`,
  );
  console.log(
    `cost of a DTLS 1.3 X25519MLKEM768 handshake / a DTLS 1.2 one: ${median(costRatios).toFixed(2)}x median, ${(oursRate / ours13Rate).toFixed(2)}x overall (target <= 1.5x)`,
  );
  console.log(
    `ML-KEM-768 (keygen + encapsulate + decapsulate, @noble/post-quantum): ${mlkemMs.toFixed(2)} ms = ${((100 * mlkemMs * ours13Rate) / 1000).toFixed(0)}% of a DTLS 1.3 handshake`,
  );
}

await main();
// werift leaves retransmission timers behind after close(); do not wait for them.
process.exit(0);
