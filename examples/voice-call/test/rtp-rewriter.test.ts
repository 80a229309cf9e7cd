import assert from 'node:assert/strict';
import test from 'node:test';
import { RtpRewriter } from '../src/rtp-rewriter.js';

function rtp(seq: number, ts: number, ssrc: number, pt = 111, marker = false): Uint8Array {
  const p = new Uint8Array(20);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | pt;
  v.setUint16(2, seq);
  v.setUint32(4, ts);
  v.setUint32(8, ssrc);
  return p;
}

const read = (p: Uint8Array) => {
  const v = new DataView(p.buffer, p.byteOffset);
  return {
    pt: p[1]! & 0x7f,
    marker: (p[1]! & 0x80) !== 0,
    seq: v.getUint16(2),
    ts: v.getUint32(4),
    ssrc: v.getUint32(8),
  };
};

test('announces the receiver SSRC and payload type and keeps the marker bit', () => {
  const w = new RtpRewriter(0xdeadbeef, 109, 100);
  const p = rtp(5000, 123456, 0x1111, 111, true);
  w.rewrite(p, 1);
  const r = read(p);
  assert.equal(r.pt, 109);
  assert.equal(r.marker, true);
  assert.equal(r.seq, 100);
  assert.equal(r.ssrc, 0xdeadbeef);
});

test('continues sequence numbers and timestamps across a change of source', () => {
  const w = new RtpRewriter(42, 111, 65534);
  const out: ReturnType<typeof read>[] = [];
  for (let i = 0; i < 3; i++) {
    const p = rtp(1000 + i, 50_000 + i * 960, 0xaaaa);
    w.rewrite(p, 1);
    out.push(read(p));
  }
  for (let i = 0; i < 3; i++) {
    const p = rtp(30_000 + i, 9_000_000 + i * 960, 0xbbbb);
    w.rewrite(p, 2);
    out.push(read(p));
  }
  assert.deepEqual(
    out.map((r) => r.seq),
    [65534, 65535, 0, 1, 2, 3],
  );
  for (let i = 1; i < out.length; i++) {
    assert.equal((out[i]!.ts - out[i - 1]!.ts) >>> 0, 960, `timestamp step at packet ${i}`);
  }
  assert.equal(w.currentSource, 2);
});

test('a reordered packet keeps its place without moving the reference point', () => {
  const w = new RtpRewriter(7, 111, 10);
  const a = rtp(500, 0, 1);
  const b = rtp(502, 1920, 1);
  const late = rtp(501, 960, 1);
  w.rewrite(a, 1);
  w.rewrite(b, 1);
  w.rewrite(late, 1);
  assert.equal(read(late).seq, 11);
  const next = rtp(503, 2880, 1);
  w.rewrite(next, 1);
  assert.equal(read(next).seq, 13);
});
