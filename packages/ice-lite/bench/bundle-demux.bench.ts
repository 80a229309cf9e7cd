/**
 * RTP packets demultiplexed per second on one core by BundleDemux (header, RFC 8285 extensions, MID /
 * SSRC / payload-type rules, the info object), side by side with werift-rtp's RtpPacket.deSerialize,
 * which only parses the header and extensions (it decides nothing): 1200-byte VP8 packets of a
 * three-layer Chromium simulcast answer, with MID + RID in a one-byte extension block (as the first
 * packets of a stream carry them) and without (matched by the learned SSRC). Then RTCP: a compound
 * of RR + PLI + NACK walked by parseRtcpCompound beside werift-rtp's RtcpPacketConverter.
 * Run: node packages/ice-lite/dist/bench/bundle-demux.bench.js (BENCH_MS sets the time per contender).
 */
import { createRequire } from 'node:module';
import { buildNack, buildPli, buildReceiverReport, parseRtcpCompound } from '../src/rtcp/index.js';
import { BundleDemux } from '../src/rtp/index.js';
import { buildMediaAnswer, parseMediaOffer } from '../src/sdp/index.js';
import { readSdpFixture } from '../test/fixtures.js';
import { buildRtp } from '../test/rtp-packets.js';

interface Werift {
  RtpPacket: { deSerialize(b: Buffer): { header: { ssrc: number } } };
  RtcpPacketConverter: { deSerialize(b: Buffer): unknown[] };
}
const werift = createRequire(import.meta.url)('werift-rtp') as Werift;
const MS = Number(process.env.BENCH_MS ?? 1000);

const offer = parseMediaOffer(readSdpFixture('chromium-simulcast'));
if (!offer.ok) throw new Error(offer.error.message);
const answer = buildMediaAnswer(offer.offer, {
  ufrag: 'bench',
  pwd: 'benchbenchbenchbenchbench',
  fingerprint: 'sha-256 00:11',
  candidates: [
    {
      foundation: '1',
      component: 1,
      transport: 'udp',
      priority: 1,
      address: '127.0.0.1',
      port: 9,
      type: 'host',
    },
  ],
});

const payload = new Uint8Array(1200 - 12 - 12);
const rids = ['q', 'h', 'f'];
function packets(withExtensions: boolean): Buffer[] {
  return Array.from({ length: 300 }, (_, i) =>
    Buffer.from(
      buildRtp({
        payloadType: 96,
        ssrc: 0x1000 + (i % 3),
        sequenceNumber: i,
        payload,
        extensions: withExtensions
          ? [
              { id: 4, value: '1' },
              { id: 10, value: rids[i % 3]! },
            ]
          : [],
      }),
    ),
  );
}

function rate(run: () => void, perRun: number): number {
  const end = performance.now() + MS;
  let n = 0;
  while (performance.now() < end) {
    run();
    n += perRun;
  }
  return n / (MS / 1000);
}

function row(label: string, ours: number, theirs: number): void {
  const f = (x: number) => `${(x / 1e6).toFixed(2)}M/s`;
  console.log(
    `${label.padEnd(44)} ${f(ours).padStart(9)}  werift-rtp ${f(theirs).padStart(9)}  ratio ${(ours / theirs).toFixed(1)}x`,
  );
}

for (const [label, batch] of [
  ['RTP 1200 B, MID + RID extensions', packets(true)],
  ['RTP 1200 B, no extension (learned SSRC)', packets(false)],
] as const) {
  const demux = new BundleDemux(answer.sections);
  for (const p of packets(true)) demux.demux(p); // learn the three SSRCs
  let sink = 0;
  const ours = rate(() => {
    for (const p of batch) {
      const r = demux.demux(p);
      if (typeof r !== 'string') sink += r.payloadLength;
    }
  }, batch.length);
  const theirs = rate(() => {
    for (const p of batch) sink += werift.RtpPacket.deSerialize(p).header.ssrc & 1;
  }, batch.length);
  row(label, ours, theirs);
  if (demux.stats().delivered === 0 || sink === 0) throw new Error('nothing was demultiplexed');
}

const block = {
  ssrc: 1,
  fractionLost: 0,
  cumulativeLost: 0,
  highestSequence: 1,
  jitter: 0,
  lastSenderReport: 0,
  delaySinceLastSenderReport: 0,
};
const compound = Buffer.concat([
  buildReceiverReport(5, [block]),
  buildPli(5, 6),
  buildNack(5, 6, [1, 3, 5, 40]),
]);
let count = 0;
const ours = rate(() => {
  count += parseRtcpCompound(compound).packets.length;
}, 1);
const theirs = rate(() => {
  count += werift.RtcpPacketConverter.deSerialize(compound).length;
}, 1);
row('RTCP compound RR + PLI + NACK', ours, theirs);
if (count === 0) throw new Error('nothing was parsed');
