import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { CIPHER_SUITES_13, type CipherSuite13, cipherSuite13ById } from '../../src/v13/cipher-suites.js';
import { KeySchedule13 } from '../../src/v13/key-schedule.js';
import {
  encodeUnifiedHeader,
  reconstructSequenceNumber,
  splitDatagram13,
} from '../../src/v13/record-header.js';
import { RecordLayer13 } from '../../src/v13/record-layer.js';
import { decodeInnerPlaintext, RecordProtection13 } from '../../src/v13/record-protection.js';
import { RFC8448 } from './rfc8448.js';

/** All verdicts of one datagram (the layer yields them lazily). */
const recv = (layer: RecordLayer13, d: Uint8Array) => [...layer.receive(d)];

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function protection(suite: CipherSuite13, secret: Uint8Array): RecordProtection13 {
  const ks = new KeySchedule13(suite.hash, 'dtls13');
  return new RecordProtection13(suite, ks.trafficKeys(secret, suite.keyLength));
}

/** A sender and a receiver sharing keys for `epochs`. */
function pair(suite: CipherSuite13, epochs: number[]) {
  const tx = new RecordLayer13();
  const rx = new RecordLayer13();
  for (const e of epochs) {
    const secret = new Uint8Array(suite.hashLength).fill(e);
    tx.installWriteEpoch(e, protection(suite, secret));
    rx.installReadEpoch(e, protection(suite, secret));
  }
  return { tx, rx };
}

test('the unified header carries 001CSLEE, 8 or 16 sequence bits and an optional length (RFC 9147 §4)', () => {
  assert.deepEqual(encodeUnifiedHeader(2, 0x1234, 16, 0x0102), Uint8Array.of(0x2e, 0x12, 0x34, 0x01, 0x02));
  assert.deepEqual(encodeUnifiedHeader(3, 0x1234, 8, undefined), Uint8Array.of(0x23, 0x34));
  assert.deepEqual(encodeUnifiedHeader(7, 5, 8, 3), Uint8Array.of(0x27, 0x05, 0x00, 0x03));
  const d = new Uint8Array([0x2e, 0, 1, 0, 2, 0xaa, 0xbb, 0x23, 9, 0xcc, 0xdd, 0xee]);
  const s = splitDatagram13(d);
  assert.equal(s.problem, undefined);
  assert.equal(s.records.length, 2);
  const [a, b] = s.records;
  assert.ok(a?.kind === 'ciphertext' && b?.kind === 'ciphertext');
  assert.deepEqual([a.epochBits, a.sequenceBits, [...a.encrypted]], [2, 16, [0xaa, 0xbb]]);
  // The record without a length takes the rest of the datagram.
  assert.deepEqual([b.epochBits, b.sequenceBits, [...b.encrypted]], [3, 8, [0xcc, 0xdd, 0xee]]);
});

test('the demultiplexer rejects a connection ID, unknown first bytes, truncation and oversize (RFC 9147 §4.1)', () => {
  assert.equal(splitDatagram13(Uint8Array.of(0x3c, 1, 2, 3)).problem, 'connection-id');
  assert.equal(splitDatagram13(Uint8Array.of(23, 0xfe, 0xfd)).problem, 'bad-content-type');
  assert.equal(splitDatagram13(Uint8Array.of(20, 0xfe, 0xfd)).problem, 'bad-content-type');
  assert.equal(splitDatagram13(Uint8Array.of(0x2c, 0, 1, 0, 9, 1)).problem, 'truncated-record');
  assert.equal(splitDatagram13(Uint8Array.of(0x2c, 0)).problem, 'truncated-record');
  assert.equal(
    splitDatagram13(Uint8Array.of(0x2c, 0, 1, 0x42, 0x01, ...new Uint8Array(0x4201))).problem,
    'oversized-record',
  );
  const plain = Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 0xab, 0xcd);
  const s = splitDatagram13(plain);
  assert.deepEqual(s.records, [
    { kind: 'plaintext', contentType: 22, epoch: 0, sequenceNumber: 7, fragment: Uint8Array.of(0xab, 0xcd) },
  ]);
});

test('the splitter never throws and never reads past its input', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (d) => {
      const s = splitDatagram13(d);
      for (const r of s.records) {
        const part = r.kind === 'plaintext' ? r.fragment : r.encrypted;
        assert.ok(part.byteOffset + part.length <= d.byteOffset + d.length);
      }
    }),
    { numRuns: 2000 },
  );
});

test('record number reconstruction picks the value closest to the expected one (RFC 9147 §4.2.2)', () => {
  assert.equal(reconstructSequenceNumber(0, 0, 8), 0);
  assert.equal(reconstructSequenceNumber(0x1ff, 0x00, 8), 0x200);
  assert.equal(reconstructSequenceNumber(0x201, 0xff, 8), 0x1ff);
  assert.equal(reconstructSequenceNumber(5, 0xfe, 8), 0xfe);
  assert.equal(reconstructSequenceNumber(0x1_0005, 0xfffe, 16), 0xfffe);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: -127, max: 127 }),
      (expected, delta) => {
        const actual = expected + delta;
        if (actual < 0) return;
        assert.equal(reconstructSequenceNumber(expected, actual & 0xff, 8), actual);
        assert.equal(reconstructSequenceNumber(expected, actual & 0xffff, 16), actual);
      },
    ),
    { numRuns: 2000 },
  );
});

test('AEAD protection opens the RFC 8448 records, including the nonce of sequence number 1', () => {
  const suite = cipherSuite13ById(0x1301)!;
  const server = new RecordProtection13(suite, {
    key: RFC8448.serverHsKey,
    iv: RFC8448.serverHsIv,
    snKey: new Uint8Array(16),
  });
  const rec = RFC8448.serverFlightRecord;
  const inner = server.open(rec.subarray(0, 5), 0, rec.subarray(5));
  assert.ok(inner);
  assert.equal(decodeInnerPlaintext(inner)?.contentType, 22);
  const bent = Uint8Array.from(rec);
  bent[100]! ^= 1;
  assert.equal(server.open(bent.subarray(0, 5), 0, bent.subarray(5)), undefined);
  assert.equal(
    server.open(rec.subarray(0, 5), 1, rec.subarray(5)),
    undefined,
    'wrong sequence number, wrong nonce',
  );
  // RFC 8448 §3: the server's application data record is the second in its epoch (after NewSessionTicket).
  const app =
    hex(`17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8
    fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d`);
  const ap = new RecordProtection13(suite, {
    key: RFC8448.serverApKey,
    iv: RFC8448.serverApIv,
    snKey: new Uint8Array(16),
  });
  const payload = ap.open(app.subarray(0, 5), 1, app.subarray(5));
  assert.ok(payload);
  const d = decodeInnerPlaintext(payload);
  assert.equal(d?.contentType, 23);
  assert.deepEqual(
    d?.content,
    Uint8Array.from({ length: 50 }, (_, i) => i),
  );
});

test('record number masks: AES-ECB of the sample, and ChaCha20 with the sample as counter || nonce (RFC 9147 §4.2.3)', () => {
  const aes = cipherSuite13ById(0x1301)!;
  const snKey = randomBytes(16);
  const sample = randomBytes(16);
  const p = new RecordProtection13(aes, { key: new Uint8Array(16), iv: new Uint8Array(12), snKey });
  const e = createCipheriv('aes-128-ecb', snKey, null);
  e.setAutoPadding(false);
  assert.deepEqual(p.mask(sample), new Uint8Array(e.update(sample)));
  // The keyed ECB context is reused: a second sample gives its own mask.
  const sample2 = randomBytes(16);
  const e2 = createCipheriv('aes-128-ecb', snKey, null);
  e2.setAutoPadding(false);
  assert.deepEqual(p.mask(sample2), new Uint8Array(e2.update(sample2)));
  // RFC 8439 §2.3.2 block function vector: key 00..1f, counter 1, nonce 000000090000004a00000000.
  const chacha = cipherSuite13ById(0x1303)!;
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const c = new RecordProtection13(chacha, { key: new Uint8Array(32), iv: new Uint8Array(12), snKey: key });
  const chachaSample = hex('01000000 000000090000004a00000000');
  assert.deepEqual(c.mask(chachaSample), hex('10f1e7e4d13b5915500fdd1fa32071c4'));
});

for (const suite of CIPHER_SUITES_13) {
  test(`${suite.name}: records round-trip in epochs 0, 2, 3 and 7, masked sequence numbers, replays dropped`, () => {
    const { tx, rx } = pair(suite, [2, 3, 7]);
    const p0 = tx.encode(0, 22, Uint8Array.of(1, 2, 3));
    assert.deepEqual(recv(rx, p0), [
      { ok: true, epoch: 0, sequenceNumber: 0, contentType: 22, content: Uint8Array.of(1, 2, 3) },
    ]);
    const records: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) records.push(tx.encode(2, 22, Uint8Array.of(i)));
    // The wire sequence number is masked: not the plain 0, 1, 2, ... for every record.
    assert.ok(records.some((r, i) => r[2] !== i || r[1] !== 0));
    // Out of order, then a replay.
    for (const i of [3, 0, 4, 1, 2]) {
      const [v] = recv(rx, records[i]!);
      assert.deepEqual(v, {
        ok: true,
        epoch: 2,
        sequenceNumber: i,
        contentType: 22,
        content: Uint8Array.of(i),
      });
    }
    assert.deepEqual(recv(rx, records[2]!), [{ ok: false, reason: 'replayed' }]);
    // Several records in one datagram, the last one without a length.
    const a = tx.encode(3, 23, Uint8Array.of(0xaa));
    const b = tx.encode(3, 23, Uint8Array.of(0xbb), { withLength: false, sequenceBits: 8, padding: 7 });
    const both = new Uint8Array([...a, ...b]);
    const got = recv(rx, both);
    assert.deepEqual(
      got.map((v) => (v.ok ? [v.epoch, v.sequenceNumber, v.contentType, [...v.content]] : v.reason)),
      [
        [3, 0, 23, [0xaa]],
        [3, 1, 23, [0xbb]],
      ],
    );
    // Epoch 7 shares its low bits with 3: the newest matching epoch is chosen (RFC 9147 §4.2.2).
    const r7 = tx.encode(7, 23, Uint8Array.of(7));
    assert.deepEqual(recv(rx, r7)[0], {
      ok: true,
      epoch: 7,
      sequenceNumber: 0,
      contentType: 23,
      content: Uint8Array.of(7),
    });
  });
}

test('records are opened one at a time: keys installed while iterating open the rest of the datagram', () => {
  const suite = CIPHER_SUITES_13[0]!;
  const tx = new RecordLayer13();
  const rx = new RecordLayer13();
  const secret = new Uint8Array(32).fill(2);
  tx.installWriteEpoch(2, protection(suite, secret));
  const d = new Uint8Array([...tx.encode(0, 22, Uint8Array.of(1)), ...tx.encode(2, 22, Uint8Array.of(2))]);
  const out = [];
  for (const v of rx.receive(d)) {
    out.push(v.ok);
    // As the handshake does on a ServerHello: the next record of the datagram needs these keys.
    if (v.ok && v.epoch === 0) rx.installReadEpoch(2, protection(suite, secret));
  }
  assert.deepEqual(out, [true, true]);
});

test('forged records fail authentication, are counted, and do not move the replay window', () => {
  const suite = CIPHER_SUITES_13[0]!;
  const { tx, rx } = pair(suite, [2]);
  const genuine = tx.encode(2, 22, new Uint8Array(20));
  const forged = Uint8Array.from(genuine);
  forged[forged.length - 1]! ^= 1;
  assert.deepEqual(recv(rx, forged), [{ ok: false, reason: 'auth-failed' }]);
  // A forged header (its sequence number bits) is authenticated too: the AAD covers it.
  const forgedSeq = Uint8Array.from(genuine);
  forgedSeq[2]! ^= 0x80;
  assert.deepEqual(recv(rx, forgedSeq), [{ ok: false, reason: 'auth-failed' }]);
  assert.equal(rx.failuresIn(2), 2);
  assert.equal(rx.invalidRecords, 2);
  assert.equal(recv(rx, genuine)[0]?.ok, true);
  // Too short to unmask (RFC 9147 §4.2.3): rejected as a deprotection failure.
  assert.deepEqual(recv(rx, Uint8Array.of(0x2e, 0, 0, 0, 4, 1, 2, 3, 4)), [
    { ok: false, reason: 'auth-failed' },
  ]);
  // An epoch whose keys are not installed.
  assert.deepEqual(recv(rx, Uint8Array.of(0x2d, 0, 0, 0, 16, ...new Uint8Array(16))), [
    { ok: false, reason: 'unknown-epoch' },
  ]);
  // A plaintext record under a non-zero epoch.
  assert.deepEqual(recv(rx, Uint8Array.of(22, 0xfe, 0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)), [
    { ok: false, reason: 'bad-plaintext-epoch' },
  ]);
  rx.refusePlaintext();
  assert.deepEqual(recv(rx, Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), [
    { ok: false, reason: 'unknown-epoch' },
  ]);
});

test('8-bit sequence numbers reconstruct across wraps when records arrive in order', () => {
  const suite = CIPHER_SUITES_13[2]!;
  const { tx, rx } = pair(suite, [3]);
  for (let i = 0; i < 600; i++) {
    const [v] = recv(rx, tx.encode(3, 23, Uint8Array.of(i & 0xff), { sequenceBits: 8 }));
    assert.ok(v?.ok && v.sequenceNumber === i, `record ${i}`);
  }
});

test('an authenticated all-zero inner plaintext has no content type (RFC 8446 §5.4)', () => {
  const suite = CIPHER_SUITES_13[0]!;
  const { tx, rx } = pair(suite, [2]);
  // Content type 0 with padding: the receiver finds no non-zero byte.
  const r = tx.encode(2, 0, new Uint8Array(0), { padding: 4 });
  assert.deepEqual(recv(rx, r), [{ ok: false, reason: 'empty-inner-plaintext' }]);
});

test('AEAD limits: the integrity limit counts failures per epoch and the confidentiality limit is reported', () => {
  const suite = CIPHER_SUITES_13[0]!;
  const { tx, rx } = pair(suite, [2]);
  assert.equal(rx.integrityLimitReached(2), false);
  assert.equal(suite.integrityLimit, 2 ** 36);
  assert.equal(tx.nearConfidentialityLimit(2, suite.confidentialityLimit - 1), false);
  tx.encode(2, 23, new Uint8Array(1));
  assert.equal(tx.nearConfidentialityLimit(2, suite.confidentialityLimit - 1), true);
  assert.equal(tx.sentIn(2), 1);
  assert.throws(() => tx.encode(5, 23, new Uint8Array(1)), /epoch 5/);
  assert.throws(() => tx.installWriteEpoch(0, protection(suite, new Uint8Array(32))), /epoch/);
});
