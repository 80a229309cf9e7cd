/**
 * AesGcm against node:crypto AES-GCM with a new cipher per packet (the obvious way), side by side in
 * one process: SRTP-sized payloads of 160 and 1200 bytes behind a 12-byte RTP header as AAD.
 * Run: node packages/srtp/dist/bench/gcm.bench.js (after pnpm build), or npx tsx on this file.
 */
import { randomBytes } from 'node:crypto';
import { AesGcm, type GcmPacket } from '../src/gcm/aes-gcm.js';
import { AesGcmReference } from '../src/gcm/aes-gcm-reference.js';
import type { AesGcmCipher } from '../src/gcm/gcm-arguments.js';

const ROUNDS = 4;
const MS_PER_ROUND = Number(process.env.GCM_BENCH_MS ?? 60);

interface Case {
  size: number;
  keyBytes: 16 | 32;
}

/**
 * Packets per second of `a` and `b`, measured in alternating short rounds and keeping each one's best
 * round. Time is this process's CPU time, not wall time: the machine is shared, and a descheduled
 * process would otherwise count other programs' work as its own.
 */
function compare(a: () => void, b: () => void): [number, number] {
  for (let i = 0; i < 300; i++) {
    a();
    b();
  }
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < ROUNDS; r++) {
    bestA = Math.max(bestA, rate(a));
    bestB = Math.max(bestB, rate(b));
  }
  return [bestA, bestB];
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function rate(run: () => void): number {
  let ops = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < MS_PER_ROUND) {
    for (let i = 0; i < 20; i++) run();
    ops += 20;
    t = cpuMs();
  }
  return (ops * 1000) / (t - t0);
}

function seal(gcm: AesGcmCipher, size: number): () => void {
  const iv = randomBytes(12);
  const aad = randomBytes(12);
  const packet = randomBytes(size + 16);
  return () => {
    iv[11] = (iv[11]! + 1) & 0xff;
    gcm.seal(iv, aad, packet, 0, size, packet, size);
  };
}

function open(gcm: AesGcmCipher, size: number): () => void {
  const iv = randomBytes(12);
  const aad = randomBytes(12);
  const packet = randomBytes(size + 16);
  gcm.seal(iv, aad, packet, 0, size, packet, size);
  const sealed = Uint8Array.from(packet);
  return () => {
    packet.set(sealed);
    if (!gcm.open(iv, aad, packet, 0, size, packet, size)) throw new Error('open failed');
  };
}

const BATCH = 16;

function batchPackets(size: number): GcmPacket[] {
  return Array.from({ length: BATCH }, () => {
    const data = randomBytes(size + 16);
    return {
      iv: randomBytes(12),
      aad: randomBytes(12),
      data,
      start: 0,
      end: size,
      tag: data,
      tagOffset: size,
    };
  });
}

/** One run seals BATCH packets; the measured rate is divided back to packets by the caller. */
function sealBatch(gcm: AesGcm, size: number): () => void {
  const packets = batchPackets(size);
  return () => {
    for (const p of packets) p.iv[11] = (p.iv[11]! + 1) & 0xff;
    gcm.sealBatch(packets);
  };
}

function openBatch(gcm: AesGcm, size: number): () => void {
  const packets = batchPackets(size);
  gcm.sealBatch(packets);
  const sealed = packets.map((p) => Uint8Array.from(p.data));
  const verified = new Uint8Array(BATCH);
  return () => {
    for (let i = 0; i < BATCH; i++) packets[i]!.data.set(sealed[i]!);
    if (gcm.openBatch(packets, verified) !== BATCH) throw new Error('open failed');
  };
}

const kops = (n: number) => `${(n / 1000).toFixed(0).padStart(5)}k/s`;

const cases: Case[] = [
  { size: 160, keyBytes: 16 },
  { size: 480, keyBytes: 16 },
  { size: 1200, keyBytes: 16 },
  { size: 160, keyBytes: 32 },
  { size: 1200, keyBytes: 32 },
];
console.log(`AES-GCM, packets per CPU second (best of ${ROUNDS} alternating rounds of ${MS_PER_ROUND} ms)`);
console.log('case                 | AesGcm     | node per packet | ratio');
for (const { size, keyBytes } of cases) {
  const key = randomBytes(keyBytes);
  for (const [name, make] of [
    ['seal', seal],
    ['open', open],
  ] as const) {
    const [fast, base] = compare(make(new AesGcm(key), size), make(new AesGcmReference(key), size));
    const label = `AES-${keyBytes * 8} ${name} ${size} B`.padEnd(20);
    console.log(`${label} | ${kops(fast)}   | ${kops(base)}        | ${(fast / base).toFixed(2)}x`);
  }
  if (keyBytes === 16) {
    for (const [name, make] of [
      ['sealBatch', sealBatch],
      ['openBatch', openBatch],
    ] as const) {
      const baseline = (name === 'sealBatch' ? seal : open)(new AesGcmReference(key), size);
      const [batches, base] = compare(make(new AesGcm(key), size), baseline);
      const fast = BATCH * batches;
      const label = `AES-128 ${name}x${BATCH} ${size}`.padEnd(20);
      console.log(`${label} | ${kops(fast)}   | ${kops(base)}        | ${(fast / base).toFixed(2)}x`);
    }
  }
}
