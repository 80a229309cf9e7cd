import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { encodeRecord, MAX_RECORD_FRAGMENT_LENGTH, splitDatagram } from '../src/record/record-header.js';

test('splits a datagram carrying several records', () => {
  const a = encodeRecord(22, 0xfefd, 0, 1, Uint8Array.of(1, 2, 3));
  const b = encodeRecord(20, 0xfefd, 0, 2, Uint8Array.of(1));
  const c = encodeRecord(23, 0xfefd, 1, 0x1_0000_0005, new Uint8Array(0));
  const dgram = new Uint8Array([...a, ...b, ...c]);
  const { records, problem } = splitDatagram(dgram);
  assert.equal(problem, undefined);
  assert.equal(records.length, 3);
  assert.deepEqual([...records[0]!.fragment], [1, 2, 3]);
  assert.equal(records[1]!.contentType, 20);
  assert.equal(records[2]!.epoch, 1);
  assert.equal(records[2]!.sequenceNumber, 0x1_0000_0005);
  assert.equal(records[2]!.length, 0);
});

test('keeps the records before a truncated one and reports it', () => {
  const a = encodeRecord(22, 0xfefd, 0, 1, Uint8Array.of(9, 9));
  const b = encodeRecord(22, 0xfefd, 0, 2, Uint8Array.of(1, 2, 3, 4));
  const dgram = new Uint8Array([...a, ...b.subarray(0, b.length - 1)]);
  const { records, problem } = splitDatagram(dgram);
  assert.equal(records.length, 1);
  assert.equal(problem, 'truncated-record');
  assert.equal(splitDatagram(Uint8Array.of(22, 0xfe)).problem, 'truncated-record');
});

test('refuses a record longer than 2^14 + 2048', () => {
  const h = new Uint8Array(13 + MAX_RECORD_FRAGMENT_LENGTH + 1);
  h[0] = 23;
  h[11] = ((MAX_RECORD_FRAGMENT_LENGTH + 1) >> 8) & 0xff;
  h[12] = (MAX_RECORD_FRAGMENT_LENGTH + 1) & 0xff;
  assert.equal(splitDatagram(h).problem, 'oversized-record');
});

test('record header round-trips for any fields', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      fc.uint8Array({ maxLength: 64 }),
      (type, version, epoch, seq, frag) => {
        const rec = encodeRecord(type, version, epoch, seq, frag);
        const { records, problem } = splitDatagram(rec);
        assert.equal(problem, undefined);
        const r = records[0]!;
        assert.deepEqual(
          [r.contentType, r.version, r.epoch, r.sequenceNumber, r.length],
          [type, version, epoch, seq, frag.length],
        );
        assert.deepEqual(r.fragment, frag);
      },
    ),
  );
});

test('splitting random bytes never throws and never reads past the datagram', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const { records } = splitDatagram(bytes);
      let total = 0;
      for (const r of records) total += r.bytes.length;
      assert.ok(total <= bytes.length);
    }),
    { numRuns: 2000 },
  );
});
