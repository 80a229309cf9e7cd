import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  encodeHandshakeFragment,
  fragmentHandshake,
  type HandshakeFragment,
  parseHandshakeFragment,
  transcriptForm,
} from '../src/handshake/fragment.js';
import { HandshakeReassembler, PENDING_MESSAGE_COST } from '../src/handshake/reassembly.js';

function frag(type: number, seq: number, body: Uint8Array, offset: number, len: number): HandshakeFragment {
  const r = parseHandshakeFragment(encodeHandshakeFragment(type, seq, body, offset, len), 0);
  assert.ok(r.ok);
  return r.fragment;
}

const body = Uint8Array.from({ length: 100 }, (_, i) => i);

test('reassembles a message from fragments in any order, overlapping', () => {
  const r = new HandshakeReassembler();
  assert.equal(r.offer(frag(11, 0, body, 50, 50)), 'buffered');
  assert.equal(r.next(), undefined);
  assert.equal(r.offer(frag(11, 0, body, 10, 45)), 'buffered');
  assert.equal(r.next(), undefined, 'bytes 0..9 are still missing');
  assert.equal(r.offer(frag(11, 0, body, 0, 12)), 'buffered');
  const m = r.next();
  assert.ok(m);
  assert.equal(m.msgType, 11);
  assert.deepEqual(m.body, body);
  assert.equal(r.nextSeq, 1);
  assert.equal(r.buffered, 0);
});

test('releases messages in message_seq order only', () => {
  const r = new HandshakeReassembler();
  r.offer(frag(14, 1, new Uint8Array(0), 0, 0));
  assert.equal(r.next(), undefined);
  r.offer(frag(2, 0, body, 0, 100));
  assert.equal(r.next()?.msgType, 2);
  assert.equal(r.next()?.msgType, 14);
});

test('reports fragments of already processed messages as old', () => {
  const r = new HandshakeReassembler();
  r.offer(frag(1, 0, body, 0, 100));
  r.next();
  assert.equal(r.offer(frag(1, 0, body, 0, 100)), 'old');
});

test('enforces message size, window, byte budget and range limits', () => {
  const r = new HandshakeReassembler({
    maxMessageSize: 1000,
    maxBufferedMessages: 4,
    maxBufferedBytes: 300,
    maxRangesPerMessage: 3,
  });
  const big = new Uint8Array(1001);
  assert.equal(r.offer(frag(11, 0, big, 0, 10)), 'too-large');
  assert.equal(r.offer(frag(11, 4, body, 0, 10)), 'out-of-window');
  const k = new Uint8Array(1000);
  assert.equal(r.offer(frag(11, 0, k, 0, 10)), 'buffered');
  assert.equal(
    r.buffered,
    PENDING_MESSAGE_COST + 10,
    'charged for the bytes received, not the 1000 declared',
  );
  assert.equal(r.offer(frag(11, 1, k, 0, 200)), 'buffer-full', '64 + 200 more would pass 300');
  assert.equal(r.offer(frag(11, 0, k, 20, 1)), 'buffered');
  assert.equal(r.offer(frag(11, 0, k, 40, 1)), 'buffered');
  assert.equal(r.offer(frag(11, 0, k, 60, 1)), 'too-many-ranges');
  assert.equal(r.offer(frag(11, 0, k, 10, 10)), 'buffered', 'closing a gap merges ranges');
  assert.equal(r.offer(frag(11, 0, k, 21, 250)), 'buffer-full', 'growing past the budget is refused too');
  assert.equal(r.buffered, PENDING_MESSAGE_COST + 22, 'a refused fragment changes nothing');
});

test('a forged partial fragment at the expected message_seq does not shadow the genuine message', () => {
  const genuine = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  // The forger's fragment arrives first: another type, another length (RFC 6347 would call the
  // genuine fragments inconsistent with it).
  for (const forged of [frag(2, 0, new Uint8Array(999), 0, 23), frag(1, 0, new Uint8Array(500), 0, 23)]) {
    const r = new HandshakeReassembler();
    assert.equal(r.offer(forged), 'buffered');
    assert.equal(r.offer(frag(1, 0, genuine, 0, 150)), 'buffered');
    assert.equal(r.next(), undefined);
    assert.equal(r.offer(frag(1, 0, genuine, 150, 150)), 'buffered');
    const m = r.next();
    assert.equal(m?.msgType, 1);
    assert.deepEqual(m?.body, genuine);
    assert.equal(r.nextSeq, 1);
  }
});

test('a fragment whose bytes disagree with bytes already received starts a rival; the genuine one completes', () => {
  const genuine = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const forgedBody = genuine.map((b) => b ^ 0xff);
  // Same type and length as the genuine message, sent before or after the genuine first half.
  for (const forgedFirst of [true, false]) {
    const r = new HandshakeReassembler();
    if (forgedFirst) r.offer(frag(1, 0, forgedBody, 100, 100));
    r.offer(frag(1, 0, genuine, 0, 150));
    if (!forgedFirst) r.offer(frag(1, 0, forgedBody, 100, 100));
    r.offer(frag(1, 0, genuine, 150, 150));
    assert.deepEqual(r.next()?.body, genuine, `forged first: ${forgedFirst}`);
  }
});

test('at most maxVersionsPerMessage versions of a message_seq: the one with the fewest bytes gives way', () => {
  const r = new HandshakeReassembler({ maxVersionsPerMessage: 3 });
  const genuine = Uint8Array.from({ length: 400 }, (_, i) => i & 0xff);
  assert.equal(r.offer(frag(1, 0, genuine, 0, 200)), 'buffered');
  // Forged versions of other lengths fill the other places and then displace each other, never the
  // version with the most bytes.
  for (let i = 0; i < 10; i++) {
    const v = r.offer(frag(1, 0, new Uint8Array(500 + i), 0, 20));
    assert.equal(v, i < 2 ? 'buffered' : 'inconsistent');
  }
  assert.equal(r.offer(frag(1, 0, genuine, 200, 200)), 'buffered');
  assert.deepEqual(r.next()?.body, genuine);
});

test('rivals of a released message stay until the next release: a rejected forgery can be replaced', () => {
  const r = new HandshakeReassembler();
  const genuine = Uint8Array.from({ length: 200 }, (_, i) => i & 0xff);
  r.offer(frag(1, 0, new Uint8Array(0), 0, 0)); // forged, complete at once
  r.offer(frag(1, 0, genuine, 0, 100));
  assert.equal(r.next()?.body.length, 0, 'the forgery completed first');
  assert.equal(r.offer(frag(1, 0, genuine, 100, 100)), 'old');
  // The caller rejects the forgery and expects message_seq 0 again; the genuine half is still there.
  r.restartAt(0);
  assert.equal(r.offer(frag(1, 0, genuine, 100, 100)), 'buffered');
  assert.deepEqual(r.next()?.body, genuine);
  r.offer(frag(2, 1, new Uint8Array(0), 0, 0));
  assert.equal(r.next()?.msgType, 2);
  assert.equal(r.buffered, 0, 'rivals of released messages are gone once the next one is released');
});

test('memory held is proportional to the bytes received, whatever length the fragments declare', () => {
  // Fragments declaring the largest message, carrying nothing or a few bytes (the 25- to 35-byte
  // datagrams of a forger), at every message_seq of the window.
  const r = new HandshakeReassembler();
  const declared = new Uint8Array(65536);
  let carried = 0;
  for (let seq = 0; seq < 16; seq++) {
    const len = seq % 2 === 0 ? 0 : 10;
    assert.equal(r.offer(frag(1, seq, declared, 1000 * seq, len)), 'buffered');
    carried += 13 + 12 + len; // the datagram: record header, handshake header, bytes
  }
  assert.equal(r.buffered, 8 * (PENDING_MESSAGE_COST + 10), 'empty fragments keep nothing');
  assert.ok(r.buffered < 8 * carried, 'a small multiple of the datagram bytes received');
});

test('a message arriving in order in small fragments costs at most about twice its size', () => {
  const msg = Uint8Array.from({ length: 20000 }, (_, i) => (i * 7) & 0xff);
  const r = new HandshakeReassembler({ maxBufferedBytes: 2 * msg.length + PENDING_MESSAGE_COST });
  let peak = 0;
  const pieces = fragmentHandshake(11, 0, msg, 100);
  for (const [i, p] of pieces.entries()) {
    const parsed = parseHandshakeFragment(p, 0);
    assert.ok(parsed.ok);
    assert.equal(r.offer(parsed.fragment), 'buffered');
    peak = Math.max(peak, r.buffered);
    if (i < pieces.length - 1) assert.ok(r.buffered <= 2 * (100 * (i + 1)) + PENDING_MESSAGE_COST);
  }
  assert.ok(peak <= msg.length + PENDING_MESSAGE_COST, 'the last growth stops at the message length');
  assert.deepEqual(r.next()?.body, msg);
  assert.equal(r.buffered, 0);
});

test('parser refuses fragments that run past their record or their message', () => {
  const f = encodeHandshakeFragment(1, 0, body, 0, 100);
  assert.deepEqual(parseHandshakeFragment(f.subarray(0, 50), 0), {
    ok: false,
    reason: 'truncated-handshake',
  });
  const bad = f.slice();
  bad[3] = 10; // length 10 < offset 0 + fragment_length 100
  assert.deepEqual(parseHandshakeFragment(bad, 0), { ok: false, reason: 'inconsistent-fragment' });
});

test('transcript form is the unfragmented header (RFC 6347 §4.2.6)', () => {
  const t = transcriptForm(1, 3, body);
  assert.deepEqual([...t.subarray(0, 12)], [1, 0, 0, 100, 0, 3, 0, 0, 0, 0, 0, 100]);
});

test('any re-fragmentation in any order with duplicates reassembles the message', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 600 }),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (msg, sizeA, sizeB, order) => {
        const pieces = [...fragmentHandshake(16, 0, msg, sizeA), ...fragmentHandshake(16, 0, msg, sizeB)];
        const shuffled = pieces.map((p, i) => ({ p, k: order[i % Math.max(order.length, 1)] ?? i }));
        shuffled.sort((x, y) => x.k - y.k);
        const r = new HandshakeReassembler();
        let got: Uint8Array | undefined;
        for (const { p } of shuffled) {
          const parsed = parseHandshakeFragment(p, 0);
          assert.ok(parsed.ok);
          const v = r.offer(parsed.fragment);
          assert.ok(v === 'buffered' || v === 'old');
          const m = r.next();
          if (m) got = m.body;
        }
        assert.deepEqual(got, msg);
      },
    ),
    { numRuns: 300 },
  );
});

test('random fragments never throw and stay within the byte budget', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 60 }), (chunks) => {
      const r = new HandshakeReassembler({ maxBufferedBytes: 4096 });
      for (const c of chunks) {
        let pos = 0;
        while (pos < c.length) {
          const p = parseHandshakeFragment(c, pos);
          if (!p.ok) break;
          r.offer(p.fragment);
          while (r.next()) {}
          pos = p.next;
        }
        assert.ok(r.buffered <= 4096);
      }
    }),
    { numRuns: 1000 },
  );
});
