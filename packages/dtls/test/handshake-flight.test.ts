import assert from 'node:assert/strict';
import test from 'node:test';
import { packFlight } from '../src/flight.js';
import { parseHandshakeFragment } from '../src/handshake/fragment.js';
import { HandshakeReassembler } from '../src/handshake/reassembly.js';
import { splitDatagram } from '../src/record/record-header.js';
import { RecordLayer } from '../src/record/record-layer.js';
import { RetransmitTimer } from '../src/retransmit.js';

test('packs a flight into datagrams within the MTU that reassemble to the same messages', () => {
  const cert = Uint8Array.from({ length: 900 }, (_, i) => i & 0xff);
  const entries = [
    { kind: 'handshake' as const, epoch: 0, msgType: 2, messageSeq: 1, body: new Uint8Array(90) },
    { kind: 'handshake' as const, epoch: 0, msgType: 11, messageSeq: 2, body: cert },
    { kind: 'handshake' as const, epoch: 0, msgType: 14, messageSeq: 3, body: new Uint8Array(0) },
  ];
  const layer = new RecordLayer();
  const dgrams = packFlight(entries, layer, 300)!;
  assert.ok(dgrams.length >= 4);
  const r = new HandshakeReassembler({}, 1);
  const got: number[] = [];
  const seqs = new Set<number>();
  for (const d of dgrams) {
    assert.ok(d.length <= 300, `datagram of ${d.length} bytes`);
    for (const rec of splitDatagram(d).records) {
      assert.ok(!seqs.has(rec.sequenceNumber));
      seqs.add(rec.sequenceNumber);
      const p = parseHandshakeFragment(rec.fragment, 0);
      assert.ok(p.ok);
      r.offer(p.fragment);
      for (let m = r.next(); m; m = r.next()) {
        got.push(m.msgType);
        if (m.msgType === 11) assert.deepEqual(m.body, cert);
      }
    }
  }
  assert.deepEqual(got, [2, 11, 14]);
  // small messages share a datagram
  const small = packFlight(entries.slice(0, 1).concat(entries.slice(2)), layer, 1200)!;
  assert.equal(small.length, 1);
  assert.equal(splitDatagram(small[0]!).records.length, 2);
});

test('a retransmitted flight takes fresh record sequence numbers', () => {
  const layer = new RecordLayer();
  const entries = [
    { kind: 'handshake' as const, epoch: 0, msgType: 1, messageSeq: 0, body: new Uint8Array(10) },
  ];
  const a = splitDatagram(packFlight(entries, layer, 1200)![0]!).records[0]!;
  const b = splitDatagram(packFlight(entries, layer, 1200)![0]!).records[0]!;
  assert.equal(b.sequenceNumber, a.sequenceNumber + 1);
});

test('retransmit timer doubles up to its cap and resets after an unretransmitted flight', () => {
  const t = new RetransmitTimer(1000, 4000);
  t.startFlight(0);
  assert.equal(t.deadline, 1000);
  t.backoff(1000);
  assert.equal(t.deadline, 3000);
  t.backoff(3000);
  assert.equal(t.deadline, 7000);
  t.backoff(7000);
  assert.equal(t.deadline, 11000, 'capped at 4000');
  t.startFlight(12000);
  assert.equal(t.deadline, 16000, 'keeps the backed-off value after loss (RFC 6347 §4.2.4.1)');
  t.startFlight(13000);
  assert.equal(t.deadline, 14000, 'back to the initial value after a flight without loss');
  t.stop();
  assert.equal(t.deadline, undefined);
});
