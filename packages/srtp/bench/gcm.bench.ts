/**
 * AesGcm against node:crypto AES-GCM with a new cipher per packet (the obvious way), side by side in
 * one process: SRTP-sized payloads of 160 and 1200 bytes behind a 12-byte RTP header as AAD.
 * Run: node packages/srtp/dist/bench/gcm.bench.js (after pnpm build), or npx tsx on this file.
 */
import { randomBytes } from 'node:crypto';
import { AesGcm } from '../src/gcm/aes-gcm.js';
import { type AesGcmCipher, AesGcmReference } from '../src/gcm/aes-gcm-reference.js';

const MS_PER_CASE = Number(process.env.GCM_BENCH_MS ?? 600);

interface Case {
  size: number;
  keyBytes: 16 | 32;
}

function measure(run: () => void): number {
  for (let i = 0; i < 2000; i++) run();
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < MS_PER_CASE) {
    for (let i = 0; i < 500; i++) run();
    ops += 500;
    t = performance.now();
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

const kops = (n: number) => `${(n / 1000).toFixed(0).padStart(5)}k/s`;

const cases: Case[] = [
  { size: 160, keyBytes: 16 },
  { size: 1200, keyBytes: 16 },
  { size: 160, keyBytes: 32 },
  { size: 1200, keyBytes: 32 },
];
console.log(`AES-GCM, packets/s (${MS_PER_CASE} ms per measurement)`);
console.log('case                 | AesGcm     | node per packet | ratio');
for (const { size, keyBytes } of cases) {
  const key = randomBytes(keyBytes);
  for (const [name, make] of [
    ['seal', seal],
    ['open', open],
  ] as const) {
    const fast = measure(make(new AesGcm(key), size));
    const base = measure(make(new AesGcmReference(key), size));
    const label = `AES-${keyBytes * 8} ${name} ${size} B`.padEnd(20);
    console.log(`${label} | ${kops(fast)}   | ${kops(base)}        | ${(fast / base).toFixed(2)}x`);
  }
}
