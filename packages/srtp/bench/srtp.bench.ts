/**
 * rtcseal SRTP against werift-rtp 0.8.9, side by side in one process run: protect and unprotect
 * of RTP packets with 160- and 1200-byte payloads, SRTP_AES128_CM_HMAC_SHA1_80 and
 * SRTP_AEAD_AES_128_GCM, plus rtcseal's batch calls. Prints packets/s and the ratio to werift.
 *
 * Run: pnpm bench:srtp (builds, then node packages/srtp/dist/bench/srtp.bench.js).
 * SRTP_BENCH_MS sets the time per measurement (default 600 ms, after a warm-up).
 */
import { randomBytes } from 'node:crypto';
import { RtpHeader, SrtpSession as WeriftSrtpSession } from 'werift-rtp';
import { SrtpSession } from '../src/index.js';

const MS_PER_CASE = Number(process.env.SRTP_BENCH_MS ?? 600);
const WARMUP_MS = Math.min(150, MS_PER_CASE / 4);
const SLICES = 10;
const PACKETS = 4096;
const BATCH = 16;
const SSRC = 0x1234abcd;

interface Profile {
  readonly name: string;
  readonly label: string;
  readonly weriftId: 1 | 7;
  readonly saltLength: number;
}

const profiles: readonly Profile[] = [
  { name: 'SRTP_AES128_CM_HMAC_SHA1_80', label: 'AES_CM_128_HMAC_SHA1_80', weriftId: 1, saltLength: 14 },
  { name: 'SRTP_AEAD_AES_128_GCM', label: 'AEAD_AES_128_GCM', weriftId: 7, saltLength: 12 },
];

/**
 * Measures several contenders fairly on a shared, noisy machine: after a warm-up of each, they
 * run in alternating slices (SLICES rounds, MS_PER_CASE / SLICES ms each), so that load from
 * other processes falls on all of them alike. `unit` is how many packets one call handles.
 * Returns packets/s per contender.
 */
function measure(contenders: readonly { op: () => void; unit: number }[]): number[] {
  for (const c of contenders) {
    const warmEnd = performance.now() + WARMUP_MS;
    while (performance.now() < warmEnd) for (let i = 0; i < 64; i++) c.op();
  }
  const calls = contenders.map(() => 0);
  const elapsed = contenders.map(() => 0);
  const sliceMs = MS_PER_CASE / SLICES;
  for (let round = 0; round < SLICES; round++) {
    contenders.forEach((c, k) => {
      const t0 = performance.now();
      let t = t0;
      let n = 0;
      while (t - t0 < sliceMs) {
        for (let i = 0; i < 32; i++) c.op();
        n += 32;
        t = performance.now();
      }
      calls[k]! += n;
      elapsed[k]! += t - t0;
    });
  }
  return contenders.map((c, k) => (calls[k]! * c.unit * 1000) / elapsed[k]!);
}

function rtpPacket(seq: number, payloadLength: number): Buffer {
  const p = Buffer.alloc(12 + payloadLength);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE((seq * 960) >>> 0, 4);
  p.writeUInt32BE(SSRC, 8);
  randomBytes(payloadLength).copy(p, 12);
  return p;
}

const fmt = (n: number) => `${(n / 1000).toFixed(0).padStart(6)}k/s`;
const rows: string[] = [];

function report(what: string, werift: number, ours: number, batch?: number): void {
  const line =
    `${what.padEnd(38)} werift ${fmt(werift)}   rtcseal ${fmt(ours)}  x${(ours / werift).toFixed(2).padStart(5)}` +
    (batch === undefined
      ? ''
      : `   batch(${BATCH}) ${fmt(batch)}  x${(batch / werift).toFixed(2).padStart(5)}`);
  rows.push(line);
  console.log(line);
}

console.log(`SRTP bench: ${MS_PER_CASE} ms per measurement, Node ${process.version}\n`);

for (const profile of profiles) {
  for (const payloadLength of [160, 1200]) {
    const masterKey = randomBytes(16);
    const masterSalt = randomBytes(profile.saltLength);
    const options = { profile: profile.name, masterKey, masterSalt };
    const weriftConfig = {
      keys: {
        localMasterKey: masterKey,
        localMasterSalt: masterSalt,
        remoteMasterKey: masterKey,
        remoteMasterSalt: masterSalt,
      },
      profile: profile.weriftId,
    };
    // Consecutive sequence numbers that cross the 16-bit wrap.
    const plains = Array.from({ length: PACKETS }, (_, i) =>
      rtpPacket((65536 - PACKETS / 2 + i) & 0xffff, payloadLength),
    );
    const headers = plains.map((p) => RtpHeader.deSerialize(p));
    const payloads = plains.map((p, i) => p.subarray(headers[i]!.payloadOffset));
    const wires = new SrtpSession(options).protectRtpBatch(plains).map((w) => Buffer.from(w));

    // Protect. The sender's state only ever sees sequence numbers in order, modulo the list.
    let weriftSender = new WeriftSrtpSession(weriftConfig);
    let wi = 0;
    const weriftProtect = () => {
      weriftSender.encrypt(payloads[wi]!, headers[wi]!);
      if (++wi === PACKETS) {
        wi = 0;
        weriftSender = new WeriftSrtpSession(weriftConfig);
      }
    };
    let sender = new SrtpSession(options);
    let oi = 0;
    const oursProtect = () => {
      sender.protectRtp(plains[oi]!);
      if (++oi === PACKETS) {
        oi = 0;
        sender = new SrtpSession(options);
      }
    };
    let batchSender = new SrtpSession(options);
    let bi = 0;
    const batches: Buffer[][] = [];
    for (let i = 0; i < PACKETS; i += BATCH) batches.push(plains.slice(i, i + BATCH));
    const oursProtectBatch = () => {
      batchSender.protectRtpBatch(batches[bi]!);
      if (++bi === batches.length) {
        bi = 0;
        batchSender = new SrtpSession(options);
      }
    };
    const [wp, op, bp] = measure([
      { op: weriftProtect, unit: 1 },
      { op: oursProtect, unit: 1 },
      { op: oursProtectBatch, unit: BATCH },
    ]);
    report(`${profile.label} ${payloadLength} B protect`, wp!, op!, bp!);

    // Unprotect. A receiver accepts each packet once (replay protection), so a new receiver
    // session starts each time the list of protected packets has been used up.
    let weriftReceiver = new WeriftSrtpSession(weriftConfig);
    let wu = 0;
    const weriftUnprotect = () => {
      weriftReceiver.decrypt(wires[wu]!);
      if (++wu === PACKETS) {
        wu = 0;
        weriftReceiver = new WeriftSrtpSession(weriftConfig);
      }
    };
    let receiver = new SrtpSession(options);
    let ou = 0;
    const oursUnprotect = () => {
      const r = receiver.unprotectRtp(wires[ou]!);
      if (!r.ok) throw new Error(`bench packet rejected: ${r.reason}`);
      if (++ou === PACKETS) {
        ou = 0;
        receiver = new SrtpSession(options);
      }
    };
    // Batch in place: copy each protected packet into a reusable buffer first (that copy is timed).
    const scratch = Array.from({ length: BATCH }, () => Buffer.alloc(payloadLength + 12 + 16));
    let batchReceiver = new SrtpSession(options);
    let bu = 0;
    const oursUnprotectBatch = () => {
      const views = new Array<Uint8Array>(BATCH);
      for (let i = 0; i < BATCH; i++) {
        const w = wires[bu + i]!;
        scratch[i]!.set(w);
        views[i] = scratch[i]!.subarray(0, w.length);
      }
      const results = batchReceiver.unprotectRtpBatchInPlace(views);
      if (!results[0]!.ok) throw new Error(`bench packet rejected: ${results[0]!.reason}`);
      bu += BATCH;
      if (bu === PACKETS) {
        bu = 0;
        batchReceiver = new SrtpSession(options);
      }
    };
    const [wu2, ou2, bu2] = measure([
      { op: weriftUnprotect, unit: 1 },
      { op: oursUnprotect, unit: 1 },
      { op: oursUnprotectBatch, unit: BATCH },
    ]);
    report(`${profile.label} ${payloadLength} B unprotect`, wu2!, ou2!, bu2!);
  }
}

console.log(
  '\nratios are rtcseal / werift-rtp in this run; batch = protectRtpBatch / unprotectRtpBatchInPlace',
);
