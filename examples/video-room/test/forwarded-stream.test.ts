import assert from 'node:assert/strict';
import test from 'node:test';
import { unwrapRtx } from '@rtcseal/ice-lite';
import { ForwardedStream } from '../src/forwarded-stream.js';
import { isVp8KeyframeStart } from '../src/vp8.js';

function rtp(seq: number, ts: number, ssrc: number, payload: number[], extension = false): Uint8Array {
  const ext = extension ? [0xbe, 0xde, 0, 1, 0x10, 0x31, 0, 0] : [];
  const p = new Uint8Array(12 + ext.length + payload.length);
  const v = new DataView(p.buffer);
  p[0] = 0x80 | (extension ? 0x10 : 0);
  p[1] = 96;
  v.setUint16(2, seq);
  v.setUint32(4, ts);
  v.setUint32(8, ssrc);
  p.set(ext, 12);
  p.set(payload, 12 + ext.length);
  return p;
}

const header = (p: Uint8Array) => {
  const v = new DataView(p.buffer, p.byteOffset);
  return { pt: p[1]! & 0x7f, seq: v.getUint16(2), ts: v.getUint32(4), ssrc: v.getUint32(8) };
};

test('a forwarded stream continues sequence numbers and timestamps across a change of sender, under one SSRC', () => {
  const s = new ForwardedStream({ ssrc: 0xabc, frameTicks: 3000, historySize: 16, initialSequence: 100 });
  const a1 = s.forward(rtp(5000, 90_000, 1, [1, 2]), 12, 97, 'alice');
  const a2 = s.forward(rtp(5001, 93_000, 1, [3]), 12, 97, 'alice');
  const b1 = s.forward(rtp(40, 7, 2, [9, 9, 9], true), 20, 97, 'bob');
  assert.deepEqual([a1, a2, b1].map(header), [
    // The stream's own timeline: the first packet one frame after 0, each sender's steps kept.
    { pt: 97, seq: 100, ts: 3000, ssrc: 0xabc },
    { pt: 97, seq: 101, ts: 6000, ssrc: 0xabc },
    { pt: 97, seq: 102, ts: 9000, ssrc: 0xabc },
  ]);
  assert.equal(b1[0], 0x80, 'no extension (its ids were the sender’s)');
  assert.deepEqual([...b1.subarray(12)], [9, 9, 9]);
  assert.equal(s.counters.sourceChanges, 1);
});

test('a NACK is answered from the history as RTX carrying the original sequence number; old packets are gone', () => {
  const s = new ForwardedStream({
    ssrc: 0xabc,
    rtx: { ssrc: 0xdef, payloadType: 98 },
    frameTicks: 3000,
    historySize: 4,
    initialSequence: 10,
  });
  const sent = [0, 1, 2, 3, 4, 5].map((i) => s.forward(rtp(i, i * 3000, 1, [i]), 12, 97, 'a'));
  const [rtx] = s.retransmissions([14]);
  assert.ok(rtx);
  assert.equal(header(rtx).ssrc, 0xdef);
  assert.equal(header(rtx).pt, 98);
  assert.deepEqual(unwrapRtx(rtx, { ssrc: 0xabc, payloadType: 97 }), sent[4]);
  assert.deepEqual(s.retransmissions([10, 11]), [], 'beyond the history');
  assert.equal(s.counters.notInHistory, 2);
});

test('VP8 keyframe start: S=1, partition 0 and P=0 after the optional descriptor fields (RFC 7741)', () => {
  const at = (bytes: number[]) => isVp8KeyframeStart(Uint8Array.from(bytes), 0, bytes.length);
  assert.equal(at([0x10, 0x00]), true, 'plain descriptor, P=0');
  assert.equal(at([0x10, 0x01]), false, 'interframe');
  assert.equal(at([0x00, 0x00]), false, 'not the start of a frame');
  // X with I (15-bit picture id), L and T: 1 + 1 + 2 + 1 + 1 bytes before the payload header.
  assert.equal(at([0x90, 0xe0, 0x80, 0x05, 0x01, 0x20, 0x00]), true);
  assert.equal(at([0x90, 0xe0, 0x80, 0x05, 0x01, 0x20, 0x01]), false);
  assert.equal(at([0x90, 0xe0, 0x80]), false, 'truncated');
});
