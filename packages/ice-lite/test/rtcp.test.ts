import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  MAX_RTCP_PACKETS,
  parseRtcpCompound,
  type RtcpPacket,
  type RtcpReportBlock,
  rtcpMediaSsrcs,
} from '../src/rtcp/index.js';

/* werift-rtp 0.8.9 as the oracle: the subset of its classes these tests use, typed loosely. */
type Obj = Record<string, unknown>;
interface WeriftRtcp {
  RtcpPacketConverter: { deSerialize(b: Buffer): Array<Obj & { type: number; feedback?: Obj }> };
  RtcpRrPacket: new (p: Obj) => { serialize(): Buffer };
  RtcpSrPacket: new (p: Obj) => { serialize(): Buffer };
  RtcpSenderInfo: new (p: Obj) => Obj;
  RtcpReceiverInfo: new (p: Obj) => Obj;
  PictureLossIndication: new (p: Obj) => Obj;
  GenericNack: new (p: Obj) => Obj;
  ReceiverEstimatedMaxBitrate: new (p: Obj) => Obj;
  TransportWideCC: new (p: Obj) => Obj;
  RunLengthChunk: new (p: Obj) => Obj;
  RecvDelta: new (p: Obj) => Obj;
  RtcpPayloadSpecificFeedback: new (p: Obj) => { serialize(): Buffer };
  RtcpTransportLayerFeedback: new (p: Obj) => { serialize(): Buffer };
}
const werift = createRequire(import.meta.url)('werift-rtp') as WeriftRtcp;

interface Capture {
  browser: string;
  userAgent: string;
  ourSsrc: number;
  packets: string[];
}
function readCapture(browser: 'chromium' | 'firefox'): Capture {
  const dir = import.meta.url.includes('/dist/') ? '../../test/fixtures/rtcp/' : './fixtures/rtcp/';
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`${dir}${browser}-audio-call.json`, import.meta.url)), 'utf8'),
  );
}

function parseAll(bytes: Uint8Array): readonly RtcpPacket[] {
  const r = parseRtcpCompound(bytes);
  assert.equal(r.error, undefined, `stopped at packet ${r.errorIndex}: ${r.error}`);
  return r.packets;
}

function only<T extends RtcpPacket['type']>(bytes: Uint8Array, type: T): Extract<RtcpPacket, { type: T }> {
  const packets = parseAll(bytes);
  assert.equal(packets.length, 1);
  assert.equal(packets[0]!.type, type);
  return packets[0] as Extract<RtcpPacket, { type: T }>;
}

test('browsers: every compound Chromium and Firefox sent in an audio call parses whole, as werift-rtp reads it', () => {
  for (const browser of ['chromium', 'firefox'] as const) {
    const capture = readCapture(browser);
    assert.ok(capture.packets.length >= 6, browser);
    const seen = new Set<string>();
    let browserSsrc: number | undefined;
    for (const hex of capture.packets) {
      const bytes = Buffer.from(hex, 'hex');
      const ours = parseAll(bytes);
      const theirs = werift.RtcpPacketConverter.deSerialize(bytes).filter((p) => p.type !== 203);
      for (const p of ours) {
        seen.add(p.type);
        if (p.type === 'sr') {
          browserSsrc = p.ssrc;
          assert.ok(p.packetCount > 0 && p.octetCount > 0);
          const w = theirs.find((x) => x.type === 200)!;
          const info = w.senderInfo as Obj;
          assert.deepEqual(
            [p.ssrc, p.rtpTimestamp, p.packetCount, p.octetCount],
            [w.ssrc, info.rtpTimestamp, info.packetCount, info.octetCount],
          );
          assert.equal((BigInt(p.ntpSeconds) << 32n) | BigInt(p.ntpFraction), info.ntpTimestamp);
        }
        if (p.type === 'rr') {
          const w = theirs.find((x) => x.type === 201)!;
          assert.equal(p.ssrc, w.ssrc);
          const wr = w.reports as Obj[];
          assert.equal(p.reports.length, wr.length);
          for (const [i, r] of p.reports.entries()) {
            // The browser reports on what we echoed under our SSRC.
            assert.equal(r.ssrc, capture.ourSsrc);
            assert.deepEqual(
              [
                r.ssrc,
                r.fractionLost,
                r.cumulativeLost,
                r.highestSequence,
                r.jitter,
                r.lastSenderReport,
                r.delaySinceLastSenderReport,
              ],
              [
                wr[i]!.ssrc,
                wr[i]!.fractionLost,
                wr[i]!.packetsLost,
                wr[i]!.highestSequence,
                wr[i]!.jitter,
                wr[i]!.lsr,
                wr[i]!.dlsr,
              ],
            );
          }
        }
        if (p.type === 'sdes') {
          const w = theirs.find((x) => x.type === 202)!;
          const chunk = (w.chunks as Obj[])[0]!;
          assert.equal(p.chunks[0]!.ssrc, chunk.source);
          assert.equal(p.chunks[0]!.cname, ((chunk.items as Obj[])[0] as Obj).text);
        }
        if (p.type === 'bye') assert.deepEqual(p.ssrcs, [browserSsrc]);
      }
    }
    assert.ok(seen.has('sr') && seen.has('rr') && seen.has('sdes'), `${browser}: ${[...seen]}`);
    if (browser === 'firefox') assert.ok(seen.has('bye'), 'Firefox says BYE when its peer connection closes');
  }
});

test('PLI, FIR, NACK, REMB and RR we build are what werift-rtp reads', () => {
  const [pli] = werift.RtcpPacketConverter.deSerialize(Buffer.from(buildPli(0x11111111, 0x22222222)));
  assert.equal(pli!.type, 206);
  assert.deepEqual([pli!.feedback!.senderSsrc, pli!.feedback!.mediaSsrc], [0x11111111, 0x22222222]);
  assert.equal(pli!.feedback!.constructor.name, 'PictureLossIndication');

  const [fir] = werift.RtcpPacketConverter.deSerialize(
    Buffer.from(
      buildFir(7, [
        { ssrc: 0xaaaa, sequenceNumber: 3 },
        { ssrc: 0xbbbb, sequenceNumber: 255 },
      ]),
    ),
  );
  assert.equal(fir!.feedback!.constructor.name, 'FullIntraRequest');
  assert.deepEqual(fir!.feedback!.fir, [
    { ssrc: 0xaaaa, sequenceNumber: 3 },
    { ssrc: 0xbbbb, sequenceNumber: 255 },
  ]);

  const [nack] = werift.RtcpPacketConverter.deSerialize(
    Buffer.from(buildNack(1, 2, [100, 101, 116, 117, 300])),
  );
  assert.equal(nack!.type, 205);
  assert.deepEqual(nack!.feedback!.lost, [100, 101, 116, 117, 300]);
  assert.equal(nack!.feedback!.mediaSourceSsrc, 2);

  const [remb] = werift.RtcpPacketConverter.deSerialize(Buffer.from(buildRemb(9, 2_500_000, [5, 6])));
  assert.equal(remb!.feedback!.constructor.name, 'ReceiverEstimatedMaxBitrate');
  assert.equal(remb!.feedback!.bitrate, 2_500_000n);
  assert.deepEqual(remb!.feedback!.ssrcFeedbacks, [5, 6]);

  const block: RtcpReportBlock = {
    ssrc: 0xdeadbeef,
    fractionLost: 25,
    cumulativeLost: -3,
    highestSequence: 70_000,
    jitter: 12,
    lastSenderReport: 0x12345678,
    delaySinceLastSenderReport: 655,
  };
  const [rr] = werift.RtcpPacketConverter.deSerialize(Buffer.from(buildReceiverReport(0x1234, [block])));
  assert.equal(rr!.ssrc, 0x1234);
  const wr = (rr!.reports as Obj[])[0]!;
  assert.deepEqual(
    [wr.ssrc, wr.fractionLost, wr.highestSequence, wr.jitter, wr.lsr, wr.dlsr],
    [block.ssrc, 25, 70_000, 12, 0x12345678, 655],
  );
  // Our own reader agrees, including the negative 24-bit cumulative loss werift reads unsigned.
  assert.deepEqual(only(buildReceiverReport(0x1234, [block]), 'rr').reports, [block]);
});

test('werift-rtp packets read by our walker: NACK, PLI, REMB, transport-cc, SR', () => {
  const nack = new werift.RtcpTransportLayerFeedback({
    feedback: new werift.GenericNack({ senderSsrc: 3, mediaSourceSsrc: 4, lost: [10, 12, 40] }),
  }).serialize();
  assert.deepEqual(only(nack, 'nack'), {
    type: 'nack',
    senderSsrc: 3,
    mediaSsrc: 4,
    sequenceNumbers: [10, 12, 40],
  });
  const pli = new werift.RtcpPayloadSpecificFeedback({
    feedback: new werift.PictureLossIndication({ senderSsrc: 5, mediaSsrc: 6 }),
  }).serialize();
  assert.deepEqual(only(pli, 'pli'), { type: 'pli', senderSsrc: 5, mediaSsrc: 6 });
  const remb = new werift.RtcpPayloadSpecificFeedback({
    feedback: new werift.ReceiverEstimatedMaxBitrate({
      senderSsrc: 1,
      mediaSsrc: 0,
      ssrcNum: 2,
      brExp: 3,
      brMantissa: 200_000,
      ssrcFeedbacks: [5, 6],
    }),
  }).serialize();
  assert.deepEqual(only(remb, 'remb'), { type: 'remb', senderSsrc: 1, bitrate: 1_600_000, ssrcs: [5, 6] });
  const twcc = new werift.RtcpTransportLayerFeedback({
    feedback: new werift.TransportWideCC({
      senderSsrc: 1,
      mediaSourceSsrc: 2,
      baseSequenceNumber: 100,
      packetStatusCount: 3,
      referenceTime: 5,
      fbPktCount: 7,
      packetChunks: [new werift.RunLengthChunk({ packetStatus: 1, runLength: 3 })],
      recvDeltas: [250, 500, 750].map((delta) => new werift.RecvDelta({ delta })),
    }),
  }).serialize();
  // werift-rtp 0.8.9 writes transport-cc without the padding to a 32-bit boundary (25 bytes here) and
  // a length field rounded down; padded as the draft's §3.1 asks (and browsers send it), it reads.
  assert.equal(twcc.length, 25);
  const paddedTwcc = Buffer.concat([twcc, Buffer.alloc(3)]);
  paddedTwcc[3] = paddedTwcc.length / 4 - 1;
  assert.deepEqual(only(paddedTwcc, 'transport-cc'), {
    type: 'transport-cc',
    senderSsrc: 1,
    mediaSsrc: 2,
    baseSequenceNumber: 100,
    packetStatusCount: 3,
    referenceTime: 5,
    feedbackPacketCount: 7,
  });
  const sr = new werift.RtcpSrPacket({
    ssrc: 77,
    senderInfo: new werift.RtcpSenderInfo({
      ntpTimestamp: (5n << 32n) | 9n,
      rtpTimestamp: 1234,
      packetCount: 10,
      octetCount: 1600,
    }),
    reports: [
      new werift.RtcpReceiverInfo({
        ssrc: 8,
        fractionLost: 1,
        packetsLost: 2,
        highestSequence: 3,
        jitter: 4,
        lsr: 5,
        dlsr: 6,
      }),
    ],
  }).serialize();
  const parsed = only(sr, 'sr');
  assert.deepEqual(
    [
      parsed.ssrc,
      parsed.ntpSeconds,
      parsed.ntpFraction,
      parsed.rtpTimestamp,
      parsed.packetCount,
      parsed.octetCount,
    ],
    [77, 5, 9, 1234, 10, 1600],
  );
  assert.deepEqual(parsed.reports[0], {
    ssrc: 8,
    fractionLost: 1,
    cumulativeLost: 2,
    highestSequence: 3,
    jitter: 4,
    lastSenderReport: 5,
    delaySinceLastSenderReport: 6,
  });
});

test('BYE with a reason, SDES with several chunks, and an APP packet are walked (RFC 3550 §6.5-6.7)', () => {
  const bye = Uint8Array.from([0x82, 203, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 4, 0x64, 0x6f, 0x6e, 0x65, 0, 0, 0]);
  assert.deepEqual(only(bye, 'bye'), { type: 'bye', ssrcs: [1, 2], reason: 'done' });
  // Two chunks: CNAME "ab" then a NOTE item and CNAME "c"; each ends with a zero item, padded.
  const sdes = Uint8Array.from([
    0x82, 202, 0, 6, 0, 0, 0, 9, 1, 2, 0x61, 0x62, 0, 0, 0, 0, 0, 0, 0, 10, 7, 1, 0x78, 1, 1, 0x63, 0, 0,
  ]);
  assert.deepEqual(only(sdes, 'sdes').chunks, [
    { ssrc: 9, cname: 'ab' },
    { ssrc: 10, cname: 'c' },
  ]);
  const app = Uint8Array.from([0x81, 204, 0, 2, 0, 0, 0, 5, 0x6e, 0x61, 0x6d, 0x65]);
  assert.deepEqual(only(app, 'other'), {
    type: 'other',
    packetType: 204,
    format: 1,
    ssrc: 5,
    mediaSsrc: undefined,
  });
});

test('a compound of several packets is walked in order; routing SSRCs per packet', () => {
  const rr = buildReceiverReport(1, [
    {
      ssrc: 50,
      fractionLost: 0,
      cumulativeLost: 0,
      highestSequence: 0,
      jitter: 0,
      lastSenderReport: 0,
      delaySinceLastSenderReport: 0,
    },
  ]);
  const compound = Buffer.concat([
    rr,
    buildPli(1, 60),
    buildNack(1, 70, [5]),
    buildFir(1, [{ ssrc: 80, sequenceNumber: 0 }]),
    buildRemb(1, 1e6, [90, 91]),
  ]);
  const packets = parseAll(compound);
  assert.deepEqual(
    packets.map((p) => [p.type, rtcpMediaSsrcs(p)]),
    [
      ['rr', [50]],
      ['pli', [60]],
      ['nack', [70]],
      ['fir', [80]],
      ['remb', [90, 91]],
    ],
  );
});

test('malformed compounds stop with a typed reason and keep the packets before it', () => {
  const pli = buildPli(1, 2);
  const padded = Uint8Array.from([...buildPli(3, 4).slice(0, 12), 0, 0, 0, 4]);
  padded[0]! |= 0x20;
  padded[3] = 3;
  assert.deepEqual(
    parseAll(Buffer.concat([pli, padded])).map((p) => p.type),
    ['pli', 'pli'],
  );
  const cases: Array<[string, Uint8Array, string, number]> = [
    ['short', Uint8Array.from([0x80, 201]), 'too-short', 0],
    ['version 1', Buffer.concat([pli, Uint8Array.from([0x40, 201, 0, 1, 0, 0, 0, 0])]), 'bad-version', 1],
    [
      'length past the end',
      Buffer.concat([pli, Uint8Array.from([0x80, 201, 0, 9, 0, 0, 0, 0])]),
      'bad-length',
      1,
    ],
    ['padding before the last', Buffer.concat([padded, pli]), 'bad-padding', 0],
    ['RR count past its length', Uint8Array.from([0x81, 201, 0, 1, 0, 0, 0, 1]), 'truncated', 0],
    ['NACK without an item', Uint8Array.from([0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]), 'truncated', 0],
    [
      'SDES chunk without its end',
      Uint8Array.from([0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0x62]),
      'truncated',
      0,
    ],
    [
      '65 packets',
      Buffer.concat(Array.from({ length: MAX_RTCP_PACKETS + 1 }, () => pli)),
      'too-many-entries',
      64,
    ],
  ];
  for (const [what, bytes, error, index] of cases) {
    const r = parseRtcpCompound(bytes);
    assert.equal(r.error, error, what);
    assert.equal(r.errorIndex, index, what);
    assert.equal(r.packets.length, index, `${what}: the packets before are kept`);
  }
});

test('NACK round trip: any set of lost sequence numbers, across the 65535 -> 0 wrap, packs and unpacks to itself', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
      (base, offsets) => {
        const lost = offsets.map((o) => (base + o) & 0xffff);
        const parsed = only(buildNack(1, 2, lost), 'nack');
        assert.deepEqual(
          [...parsed.sequenceNumbers].sort((a, b) => a - b),
          [...lost].sort((a, b) => a - b),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('REMB: the bitrate survives within the 18-bit mantissa, rounded down', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (bitrate) => {
      const parsed = only(buildRemb(1, bitrate, [2]), 'remb');
      assert.ok(parsed.bitrate <= bitrate);
      assert.ok(parsed.bitrate >= bitrate * (1 - 2 ** -17) - 1, `${parsed.bitrate} for ${bitrate}`);
    }),
    { numRuns: 300 },
  );
});

test('builders refuse misuse naming the parameter', () => {
  assert.throws(() => buildPli(-1, 2), /senderSsrc/);
  assert.throws(() => buildPli(1, 2 ** 32), /mediaSsrc/);
  assert.throws(() => buildFir(1, []), /entries/);
  assert.throws(() => buildFir(1, [{ ssrc: 1, sequenceNumber: 256 }]), /entries\[0\]\.sequenceNumber/);
  assert.throws(() => buildNack(1, 2, []), /sequenceNumbers/);
  assert.throws(() => buildNack(1, 2, [70000]), /sequenceNumbers\[0\]/);
  assert.throws(() => buildRemb(1, -5, []), /bitrate/);
  assert.throws(() => buildReceiverReport(1, new Array(32).fill(undefined)), /reports/);
});

test('fuzz: random and mutated compounds never throw, never read past the end, stay bounded', () => {
  const seeds = [...readCapture('chromium').packets, ...readCapture('firefox').packets].map((h) =>
    Uint8Array.from(Buffer.from(h, 'hex')),
  );
  seeds.push(
    Buffer.concat([
      buildNack(1, 2, [1, 2, 3, 40]),
      buildFir(1, [{ ssrc: 3, sequenceNumber: 1 }]),
      buildRemb(1, 5e5, [4]),
    ]),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .tuple(
            fc.nat({ max: seeds.length - 1 }),
            fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
            fc.nat(),
          )
          .map(([which, edits, cut]) => {
            const p = Uint8Array.from(seeds[which]!);
            for (const e of edits) p[e.at % p.length] = e.value;
            return p.subarray(0, p.length - (cut % 8));
          }),
      ),
      (bytes) => {
        const r = parseRtcpCompound(bytes);
        assert.ok(r.packets.length <= MAX_RTCP_PACKETS);
        for (const p of r.packets) {
          rtcpMediaSsrcs(p);
          if (p.type === 'nack') assert.ok(p.sequenceNumbers.length <= 256 * 17);
          if (p.type === 'sdes') for (const c of p.chunks) assert.ok((c.cname?.length ?? 0) <= 255);
        }
      },
    ),
    { numRuns: 5000 },
  );
});
