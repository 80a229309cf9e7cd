import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';
import fc from 'fast-check';
import { readHeaderExtensions, readRtpHeader, unwrapRtx, wrapRtx } from '../src/rtp/index.js';
import { buildRtp } from './rtp-packets.js';

interface WeriftPacket {
  header: {
    payloadType: number;
    marker: boolean;
    sequenceNumber: number;
    timestamp: number;
    ssrc: number;
    csrc: number[];
    extensions: { id: number; payload: Buffer }[];
  };
  payload: Buffer;
}
interface WeriftRtx {
  RtpPacket: { deSerialize(b: Buffer): WeriftPacket };
  wrapRtx(p: WeriftPacket, payloadType: number, sequenceNumber: number, ssrc: number): WeriftPacket;
  unwrapRtx(p: WeriftPacket, payloadType: number, ssrc: number): WeriftPacket;
}
const werift = createRequire(import.meta.url)('werift-rtp') as WeriftRtx;

function fields(p: WeriftPacket) {
  return {
    payloadType: p.header.payloadType,
    marker: p.header.marker,
    sequenceNumber: p.header.sequenceNumber,
    timestamp: p.header.timestamp,
    ssrc: p.header.ssrc,
    csrc: p.header.csrc,
    extensions: p.header.extensions.map((e) => [e.id, [...e.payload]]),
    payload: [...p.payload],
  };
}

const packetArb = fc.record({
  payloadType: fc.integer({ min: 96, max: 127 }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  marker: fc.boolean(),
  csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 3 }),
  extensions: fc.uniqueArray(
    fc.record({ id: fc.integer({ min: 1, max: 14 }), value: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    { maxLength: 3, selector: (e) => e.id },
  ),
  payload: fc.uint8Array({ minLength: 1, maxLength: 100 }),
  padding: fc.integer({ min: 0, max: 8 }),
});

test('wrapRtx makes what werift-rtp wrapRtx makes (RFC 4588 §4): OSN first, header fields of the original', () => {
  fc.assert(
    fc.property(packetArb, fc.integer({ min: 0, max: 0xffff }), (spec, rtxSeq) => {
      const original = buildRtp(spec);
      const ours = wrapRtx(original, { ssrc: 0xabcdef, payloadType: 97, sequenceNumber: rtxSeq });
      const theirs = werift.wrapRtx(
        werift.RtpPacket.deSerialize(Buffer.from(original)),
        97,
        rtxSeq,
        0xabcdef,
      );
      assert.deepEqual(fields(werift.RtpPacket.deSerialize(Buffer.from(ours))), fields(theirs));
      const layout = readRtpHeader(ours);
      assert.ok(typeof layout !== 'string');
      assert.equal((ours[0]! & 0x20) === 0, true, 'no padding bit');
    }),
    { numRuns: 300 },
  );
});

test('unwrapRtx(wrapRtx(p)) is p without its padding, and reads as werift-rtp unwrapRtx does', () => {
  fc.assert(
    fc.property(packetArb, fc.integer({ min: 0, max: 0xffff }), (spec, rtxSeq) => {
      const original = buildRtp(spec);
      const rtx = wrapRtx(original, { ssrc: 7, payloadType: 97, sequenceNumber: rtxSeq });
      const back = unwrapRtx(rtx, { ssrc: spec.ssrc, payloadType: spec.payloadType });
      assert.ok(typeof back !== 'string', String(back));
      assert.deepEqual(back, buildRtp({ ...spec, padding: 0 }));
      const theirs = werift.unwrapRtx(
        werift.RtpPacket.deSerialize(Buffer.from(rtx)),
        spec.payloadType,
        spec.ssrc,
      );
      const ours = werift.RtpPacket.deSerialize(Buffer.from(back));
      // werift-rtp drops CSRCs and extensions on unwrap; we keep them (the MID/RID still apply).
      const { csrc: _a, extensions: _b, ...theirFields } = fields(theirs);
      const { csrc: _c, extensions: ourExtensions, ...ourFields } = fields(ours);
      assert.deepEqual(ourFields, theirFields);
      const layout = readRtpHeader(back);
      assert.ok(typeof layout !== 'string');
      assert.equal(readHeaderExtensions(back, layout)?.size, spec.extensions.length);
      assert.equal(ourExtensions.length, spec.extensions.length);
    }),
    { numRuns: 300 },
  );
});

test('unwrapRtx: a padding-only RTX packet (a bandwidth probe) repairs nothing; garbage is malformed', () => {
  const probe = buildRtp({ payloadType: 97, ssrc: 1, payload: new Uint8Array(0), padding: 200 });
  assert.equal(unwrapRtx(probe, { ssrc: 2, payloadType: 96 }), 'no-original-sequence');
  assert.equal(unwrapRtx(new Uint8Array(5), { ssrc: 2, payloadType: 96 }), 'malformed');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
      const r = unwrapRtx(bytes, { ssrc: 2, payloadType: 96 });
      if (typeof r !== 'string') assert.ok(r.length <= bytes.length);
    }),
    { numRuns: 1000 },
  );
});

test('misuse throws naming the parameter', () => {
  const p = buildRtp({ payloadType: 96, ssrc: 1 });
  assert.throws(() => wrapRtx(p, { ssrc: -1, payloadType: 97, sequenceNumber: 0 }), /rtx\.ssrc/);
  assert.throws(() => wrapRtx(p, { ssrc: 1, payloadType: 200, sequenceNumber: 0 }), /rtx\.payloadType/);
  assert.throws(() => wrapRtx(p, { ssrc: 1, payloadType: 97, sequenceNumber: 70000 }), /rtx\.sequenceNumber/);
  assert.throws(
    () => wrapRtx(new Uint8Array(3), { ssrc: 1, payloadType: 97, sequenceNumber: 0 }),
    /original/,
  );
  assert.throws(() => unwrapRtx(p, { ssrc: 1, payloadType: -1 }), /media\.payloadType/);
});
