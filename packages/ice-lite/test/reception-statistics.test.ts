import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  buildReceiverReport,
  buildReceiverReports,
  parseRtcpCompound,
  ReceiverReports,
  ReceptionStatistics,
} from '../src/rtcp/index.js';

const VIDEO = 90_000;

test('a stream received in order and complete reports no loss, its highest number and no SR', () => {
  const s = new ReceptionStatistics(0x1234, VIDEO);
  assert.equal(s.reportBlock(0), undefined, 'nothing to report before the first packet');
  for (let i = 0; i < 10; i++) s.packetReceived(1000 + i, 3000 * i, 1000 + (100 * i) / 3);
  assert.deepEqual(s.reportBlock(2000), {
    ssrc: 0x1234,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSequence: 1009,
    // The packets came exactly on their timestamps' schedule: no jitter.
    jitter: 0,
    lastSenderReport: 0,
    delaySinceLastSenderReport: 0,
  });
});

test('lost packets: fraction lost covers the interval since the last report, cumulative loss the whole stream (RFC 3550 A.3)', () => {
  const s = new ReceptionStatistics(1, VIDEO);
  // 0..9 with 2 and 3 missing: expected 10, received 8.
  for (const seq of [0, 1, 4, 5, 6, 7, 8, 9]) s.packetReceived(seq, seq * 3000, seq * 33);
  const first = s.reportBlock(400)!;
  assert.equal(first.cumulativeLost, 2);
  assert.equal(first.fractionLost, Math.floor((2 * 256) / 10));
  // 10..19 complete: nothing lost in this interval, still 2 in all.
  for (let seq = 10; seq < 20; seq++) s.packetReceived(seq, seq * 3000, seq * 33);
  const second = s.reportBlock(800)!;
  assert.equal(second.fractionLost, 0);
  assert.equal(second.cumulativeLost, 2);
  assert.equal(second.highestSequence, 19);
});

test('the extended highest sequence number counts wraps, and a reordered packet from before a wrap is not one', () => {
  const s = new ReceptionStatistics(1, VIDEO);
  for (const seq of [65534, 65535, 0, 65533, 1]) s.packetReceived(seq, 0, 0);
  const r = s.reportBlock(0)!;
  assert.equal(r.highestSequence, 0x10001);
  // From 65534 to 65537: 4 expected, 5 received (65533 came late, before the base): no loss.
  assert.equal(r.fractionLost, 0);
  assert.ok(r.cumulativeLost <= 0);
});

test('a jump of thousands is taken as a restart only when the next packet confirms it (RFC 3550 A.1)', () => {
  const s = new ReceptionStatistics(1, VIDEO);
  for (let seq = 100; seq < 110; seq++) s.packetReceived(seq, 0, 0);
  s.packetReceived(40_000, 0, 0); // alone: ignored
  s.packetReceived(110, 0, 0);
  assert.equal(s.reportBlock(0)!.highestSequence, 110);
  s.packetReceived(50_000, 0, 0);
  s.packetReceived(50_001, 0, 0); // confirms: the stream goes on from here
  const r = s.reportBlock(0)!;
  assert.equal(r.highestSequence, 50_001);
  assert.equal(r.cumulativeLost, 0);
});

test('interarrival jitter: packets arriving 10 ms off their schedule, alternately, converge on the RFC 3550 A.8 estimate', () => {
  const s = new ReceptionStatistics(1, VIDEO);
  for (let i = 0; i < 400; i++) s.packetReceived(i, i * 3000, i * (100 / 3) + (i % 2 === 0 ? 0 : 10));
  // Each transit changes by 10 ms = 900 ticks; J tends to 900 (J += (|D| - J) / 16).
  const { jitter } = s.reportBlock(0)!;
  assert.ok(jitter >= 890 && jitter <= 900, `jitter ${jitter}`);
});

test('LSR echoes the middle 32 bits of the last SR and DLSR the time since it, in 1/65536 s', () => {
  const s = new ReceptionStatistics(1, VIDEO);
  s.packetReceived(1, 0, 0);
  s.senderReportReceived(0x1234_5678, 0x9abc_def0, 1000);
  const r = s.reportBlock(1500)!;
  assert.equal(r.lastSenderReport, 0x5678_9abc);
  assert.equal(r.delaySinceLastSenderReport, 32768, 'half a second');
});

test('any sequence of packets yields a report block that the RR builder accepts and the parser reads back', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff })), {
        minLength: 1,
        maxLength: 200,
      }),
      (packets) => {
        const s = new ReceptionStatistics(7, VIDEO);
        packets.forEach(([seq, ts], i) => {
          s.packetReceived(seq, ts, i * 5);
        });
        const block = s.reportBlock(packets.length * 5)!;
        const parsed = parseRtcpCompound(buildReceiverReport(9, [block]));
        assert.equal(parsed.error, undefined);
        const rr = parsed.packets[0];
        assert.ok(rr?.type === 'rr');
        assert.deepEqual(rr.reports[0], block);
      },
    ),
  );
});

test('misuse throws naming the parameter', () => {
  assert.throws(() => new ReceptionStatistics(-1, VIDEO), /ssrc/);
  assert.throws(() => new ReceptionStatistics(1, 0), /clockRate/);
});

/** An SR without report blocks (RFC 3550 §6.4.1): the tests' stand-in for a browser's. */
function senderReport(ssrc: number, ntpSeconds: number, ntpFraction: number): Uint8Array {
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  out[0] = 0x80;
  out[1] = 200;
  v.setUint16(2, 6);
  v.setUint32(4, ssrc);
  v.setUint32(8, ntpSeconds);
  v.setUint32(12, ntpFraction);
  return out;
}

const rtp = (ssrc: number, sequenceNumber: number, isRtx = false) => ({
  ssrc,
  sequenceNumber,
  timestamp: sequenceNumber * 3000,
  isRtx,
});

test('receiver reports of a transport: one block per stream, RTX left out, SRs echoed, streams bounded', () => {
  const rr = new ReceiverReports({ maxStreams: 2 });
  for (let i = 0; i < 5; i++) {
    rr.packetReceived(rtp(1, 100 + i), VIDEO, i * 33);
    rr.packetReceived(rtp(2, 7 + i), 48_000, i * 20);
    rr.packetReceived(rtp(3, i, true), VIDEO, i * 33); // RTX of stream 1: not a stream of its own
  }
  rr.packetReceived(rtp(4, 1), VIDEO, 200);
  assert.equal(rr.streamsRefused, 1, 'a third stream is not kept');
  const sr = parseRtcpCompound(senderReport(2, 0x0001_0002, 0x0003_0004));
  rr.rtcpReceived(sr.packets, 100);
  const blocks = rr.reportBlocks(150);
  assert.deepEqual(
    blocks.map((b) => [b.ssrc, b.highestSequence, b.lastSenderReport]),
    [
      [1, 104, 0],
      [2, 11, 0x0002_0003],
    ],
  );
  assert.equal(rr.forget(1), true);
  assert.equal(rr.reportBlocks(200).length, 1);
});

test('more than 31 report blocks go in several RRs of one compound; none gives one empty RR', () => {
  const blocks = Array.from({ length: 40 }, (_, i) => ({
    ssrc: i + 1,
    fractionLost: 0,
    cumulativeLost: 0,
    highestSequence: i,
    jitter: 0,
    lastSenderReport: 0,
    delaySinceLastSenderReport: 0,
  }));
  const parsed = parseRtcpCompound(buildReceiverReports(9, blocks));
  assert.equal(parsed.error, undefined);
  assert.deepEqual(
    parsed.packets.map((p) => (p.type === 'rr' ? p.reports.length : -1)),
    [31, 9],
  );
  assert.deepEqual(
    parsed.packets.flatMap((p) => (p.type === 'rr' ? p.reports : [])),
    blocks,
  );
  const empty = parseRtcpCompound(buildReceiverReports(9, []));
  assert.deepEqual(empty.packets, [{ type: 'rr', ssrc: 9, reports: [] }]);
});
