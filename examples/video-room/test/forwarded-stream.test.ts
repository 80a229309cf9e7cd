import assert from 'node:assert/strict';
import test from 'node:test';
import { unwrapRtx } from '@rtcseal/ice-lite';
import { ForwardedStream } from '../src/forwarded-stream.js';
import { isVp8KeyframeStart, Vp8PictureContinuity } from '../src/vp8.js';

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

/** A VP8 payload with X, I (15-bit PictureID) and L (TL0PICIDX), starting a frame; P as given. */
function vp8(pictureId: number, tl0: number, keyframe: boolean): number[] {
  return [0x90, 0xc0, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, keyframe ? 0x00 : 0x01, 0xaa];
}

const pictureOf = (p: Uint8Array) => ({ pictureId: ((p[14]! & 0x7f) << 8) | p[15]!, tl0: p[16]! });

test('VP8 PictureID and TL0PICIDX continue across a switch of simulcast layer whose pictures carry the same numbers', () => {
  const s = new ForwardedStream({
    ssrc: 0xabc,
    frameTicks: 3000,
    historySize: 16,
    initialSequence: 1,
    payloadContinuity: new Vp8PictureContinuity(),
  });
  // Chromium numbers every layer's picture of one captured frame alike: h's keyframe 19701 is
  // forwarded, then the switch to q happens at q's keyframe, also 19701.
  const h1 = s.forward(rtp(10, 1000, 1, vp8(19700, 7, false)), 12, 96, 'a/h');
  const h2 = s.forward(rtp(11, 4000, 1, vp8(19701, 8, true)), 12, 96, 'a/h');
  const q1 = s.forward(rtp(500, 9000, 2, vp8(19701, 8, true)), 12, 96, 'a/q');
  const q2 = s.forward(rtp(501, 12000, 2, vp8(19702, 9, false)), 12, 96, 'a/q');
  assert.deepEqual([h1, h2, q1, q2].map(pictureOf), [
    { pictureId: 19700, tl0: 7 },
    { pictureId: 19701, tl0: 8 },
    { pictureId: 19702, tl0: 9 },
    { pictureId: 19703, tl0: 10 },
  ]);
  assert.equal(isVp8KeyframeStart(q1, 12, q1.length - 12), true, 'the keyframe stays one');
  assert.deepEqual([...q2.subarray(17)], [0x01, 0xaa], 'the VP8 payload is untouched');
});

test('VP8 PictureID wraps at 15 bits when a new source continues the numbering', () => {
  const c = new Vp8PictureContinuity();
  const a = Uint8Array.from(vp8(0x7fff, 255, true));
  const b = Uint8Array.from(vp8(42, 3, true));
  c.rewrite(a, 0, true);
  c.rewrite(b, 0, true);
  assert.equal(((b[2]! & 0x7f) << 8) | b[3]!, 0, 'one after 32767 is 0');
  assert.equal(b[2]! & 0x80, 0x80, 'the M bit stays');
  assert.equal(b[4], 0, 'TL0PICIDX one after 255 is 0');
  const seven = Uint8Array.from([0x90, 0x80, 0x05, 0x00]);
  c.rewrite(seven, 0, true);
  assert.equal(seven[2], 1, 'a 7-bit PictureID continues modulo 128');
});
