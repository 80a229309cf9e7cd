import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import test from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import {
  buildBindingSuccess,
  buildErrorResponse,
  crc32,
  formatIpAddress,
  HmacSha1Key,
  hmacSha1Into,
  parseIpAddress,
  readXorMappedAddress,
  Sha1Workspace,
  StunAttribute,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
  verifyFingerprint,
  verifyMessageIntegrity,
  verifyMessageIntegritySha256,
} from '../src/stun/index.js';

interface StunOracleMessage {
  getAttribute(type: number): { value: unknown } | undefined;
  addUsername(v: string): void;
  addPriority(v: number): void;
  addUseCandidate(): void;
  addIceControlling(v: Buffer): void;
  addMessageIntegrity(key: string): void;
  addFingerprint(): void;
  toBuffer(): Buffer;
  type: number;
}
interface StunOracle {
  createMessage(type: number, tid?: Buffer): StunOracleMessage;
  decode(b: Buffer): StunOracleMessage;
  validateFingerprint(m: StunOracleMessage): boolean;
  validateMessageIntegrity(m: StunOracleMessage, key: string): boolean;
  constants: Record<string, number>;
}
const stun = createRequire(import.meta.url)('stun') as StunOracle;

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// RFC 5769 §2.1-2.4, transcribed from the RFC's hex dumps.
const SAMPLE_REQUEST = hex(`
  000100582112a442b7e7a701bc34d686fa87dfae
  80220010 5354554e2074657374 20636c69656e74
  00240004 6e0001ff
  80290008 932ff9b151263b36
  00060009 6576746a3a68367659202020
  00080014 9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2
  80280004 e57a3bcf`);
const SAMPLE_IPV4_RESPONSE = hex(`
  0101003c2112a442b7e7a701bc34d686fa87dfae
  8022000b 7465737420766563746f7220
  00200008 0001a147e112a643
  00080014 2b91f599fd9e90c38c7489f92af9ba53f06be7d7
  80280004 c07d4c96`);
const SAMPLE_IPV6_RESPONSE = hex(`
  010100482112a442b7e7a701bc34d686fa87dfae
  8022000b 7465737420766563746f7220
  00200014 0002a1470113a9faa5d3f179bc25f4b5bed2b9d9
  00080014 a382954e4be67bf11784c97c8292c275bfe3ed41
  80280004 c8fb0b4c`);
const SAMPLE_LONG_TERM_REQUEST = hex(`
  000100602112a44278ad3433c6ad72c029da412e
  00060012 e3839ee38388e383aae38383e382afe382b90000
  0015001c 662f2f3439396b39353464364f4c33346f4c39465354767936347341
  0014000b 6578616d706c652e6f726700
  00080014 f67024656dd64a3e02b8e0712e85c9a28ca89666`);
const SHORT_TERM_PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

function key(password: Uint8Array, ws = new Sha1Workspace()) {
  return { key: new HmacSha1Key(password, ws), ws };
}

test('RFC 5769 §2.1 sample request: attributes, MESSAGE-INTEGRITY and FINGERPRINT verify', () => {
  const m = new StunMessage();
  assert.equal(m.parse(SAMPLE_REQUEST), 'ok');
  assert.equal(m.type, StunMessageType.BindingRequest);
  assert.equal(m.messageClass, 'request');
  assert.equal(m.method, 1);
  assert.equal(m.username(), 'evtj:h6vY');
  assert.equal(m.priority, 0x6e0001ff);
  assert.ok(m.iceControlled && !m.iceControlling);
  assert.equal(m.tieBreaker(), 0x932ff9b151263b36n);
  assert.equal(m.unknownAttributeCount, 0);
  const { key: k, ws } = key(SHORT_TERM_PASSWORD);
  assert.ok(verifyMessageIntegrity(m, k, ws));
  assert.ok(verifyFingerprint(m));
  assert.ok(!verifyMessageIntegrity(m, key(Buffer.from('wrong')).key, ws));
});

test('RFC 5769 §2.2 and §2.3 responses: XOR-MAPPED-ADDRESS IPv4 and IPv6 decode, MI and FP verify', () => {
  const m = new StunMessage();
  const { key: k, ws } = key(SHORT_TERM_PASSWORD);
  assert.equal(m.parse(SAMPLE_IPV4_RESPONSE), 'ok');
  assert.equal(m.messageClass, 'success');
  assert.deepEqual(readXorMappedAddress(m.bytes, m.xorMappedAddressOffset, m.xorMappedAddressLength), {
    address: '192.0.2.1',
    port: 32853,
    family: 4,
  });
  assert.ok(verifyMessageIntegrity(m, k, ws) && verifyFingerprint(m));
  assert.equal(m.parse(SAMPLE_IPV6_RESPONSE), 'ok');
  assert.deepEqual(readXorMappedAddress(m.bytes, m.xorMappedAddressOffset, m.xorMappedAddressLength), {
    address: '2001:db8:1234:5678:11:2233:4455:6677',
    port: 32853,
    family: 6,
  });
  assert.ok(verifyMessageIntegrity(m, k, ws) && verifyFingerprint(m));
});

test('RFC 5769 §2.4 long-term request verifies with key MD5(username:realm:SASLprep(password))', () => {
  const m = new StunMessage();
  assert.equal(m.parse(SAMPLE_LONG_TERM_REQUEST), 'ok');
  assert.equal(m.fingerprintOffset, -1);
  const username = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
  const ltKey = createHash('md5').update(`${username}:example.org:TheMatrIX`, 'utf8').digest();
  const ws = new Sha1Workspace();
  assert.ok(verifyMessageIntegrity(m, new HmacSha1Key(ltKey, ws), ws));
});

test('we reproduce the RFC 5769 response bytes for MI and FINGERPRINT from the same inputs', () => {
  // The sample response pads SOFTWARE with a space: building with identical attribute bytes must
  // reproduce it exactly, which pins HMAC input and length adjustment.
  const ws = new Sha1Workspace();
  const b = new StunMessageBuilder(StunMessageType.BindingSuccessResponse, SAMPLE_IPV4_RESPONSE.slice(8, 20));
  b.add(StunAttribute.Software, Buffer.from('test vector'));
  b.xorMappedAddress(parseIpAddress('192.0.2.1')!, 32853);
  const out = b.finish({
    sha1: { key: new HmacSha1Key(SHORT_TERM_PASSWORD, ws), workspace: ws },
    fingerprint: true,
  });
  out[20 + 4 + 11] = 0x20; // the RFC's padding byte; MI and FP below are recomputed over it
  const m = new StunMessage();
  assert.equal(m.parse(out), 'ok');
  hmacSha1Into(
    new HmacSha1Key(SHORT_TERM_PASSWORD, ws),
    ws,
    out,
    0,
    m.integrityOffset,
    out,
    m.integrityOffset + 4,
    (out[0]! << 24) | (out[1]! << 16) | (m.integrityOffset + 24 - 20) | 0,
  );
  const fp = (crc32(out, 0, m.fingerprintOffset) ^ 0x5354554e) >>> 0;
  new DataView(out.buffer).setUint32(m.fingerprintOffset + 4, fp);
  assert.deepEqual(out, SAMPLE_IPV4_RESPONSE);
});

test('HMAC-SHA1 with precomputed key state equals node:crypto for all lengths around block edges', () => {
  const ws = new Sha1Workspace();
  for (const klen of [0, 1, 22, 63, 64, 65, 130]) {
    const raw = Uint8Array.from({ length: klen }, (_, i) => (i * 31 + 7) & 0xff);
    const k = new HmacSha1Key(raw, ws);
    for (let n = 0; n < 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 13 + n) & 0xff);
      const out = new Uint8Array(20);
      hmacSha1Into(k, ws, data, 0, n, out, 0);
      assert.deepEqual(
        Buffer.from(out),
        createHmac('sha1', raw).update(data).digest(),
        `klen ${klen} n ${n}`,
      );
    }
  }
});

test('CRC-32 matches the standard check value and zlib on every length and offset', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), (b, skip) => {
      const start = Math.min(skip, b.length);
      assert.equal(crc32(b, start, b.length), zlibCrc32(b.subarray(start)));
    }),
    { numRuns: 500 },
  );
});

test('rejects a message whose MESSAGE-INTEGRITY was altered by one bit, and a corrupted FINGERPRINT', () => {
  const m = new StunMessage();
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  for (let i = 0; i < SAMPLE_REQUEST.length - 8; i++) {
    const copy = SAMPLE_REQUEST.slice();
    copy[i]! ^= 1;
    if (m.parse(copy) !== 'ok') continue;
    assert.ok(!verifyMessageIntegrity(m, k, ws) || !verifyFingerprint(m), `byte ${i}`);
  }
  const copy = SAMPLE_REQUEST.slice();
  copy[copy.length - 1]! ^= 0x80;
  assert.equal(m.parse(copy), 'ok');
  assert.ok(!verifyFingerprint(m));
  assert.ok(verifyMessageIntegrity(m, k, ws), 'MI does not cover FINGERPRINT');
});

test('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT (RFC 8489 §14.5)', () => {
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  const tid = new Uint8Array(12).fill(9);
  const base = new StunMessageBuilder(StunMessageType.BindingRequest, tid)
    .username('a:b')
    .priority(5)
    .finish({ sha1: { key: k, workspace: ws } });
  // Append PRIORITY, USE-CANDIDATE, an unknown required attribute, then FINGERPRINT after MI.
  const extra = hex('00240004 00000007 00250000 7777 0000');
  const joined = new Uint8Array(base.length + extra.length + 8);
  joined.set(base);
  joined.set(extra, base.length);
  const len = joined.length - 20;
  joined[2] = len >> 8;
  joined[3] = len & 0xff;
  const fpAt = base.length + extra.length;
  joined.set(hex('80280004'), fpAt);
  new DataView(joined.buffer).setUint32(fpAt + 4, (crc32(joined, 0, fpAt) ^ 0x5354554e) >>> 0);
  const m = new StunMessage();
  assert.equal(m.parse(joined), 'ok');
  assert.equal(m.priority, 5);
  assert.equal(m.useCandidate, false);
  assert.equal(m.unknownAttributeCount, 0);
  assert.ok(verifyMessageIntegrity(m, k, ws));
  assert.ok(verifyFingerprint(m));
});

test('collects unknown comprehension-required attributes and skips comprehension-optional ones', () => {
  const tid = new Uint8Array(12).fill(1);
  const msg = new StunMessageBuilder(StunMessageType.BindingRequest, tid)
    .add(0xc057, hex('00010000'))
    .add(0xc070, new Uint8Array(37))
    .add(0x7f01, new Uint8Array(3))
    .add(0x0031, new Uint8Array(0))
    .finish({ fingerprint: true });
  const m = new StunMessage();
  assert.equal(m.parse(msg), 'ok');
  assert.deepEqual(m.unknownAttributeList(), [0x7f01, 0x0031]);
});

test('rejects malformed headers and attribute layouts with a reason', () => {
  const m = new StunMessage();
  assert.equal(m.parse(new Uint8Array(19)), 'too-short');
  const bad = SAMPLE_REQUEST.slice();
  bad[0] = 0x40;
  assert.equal(m.parse(bad), 'not-stun');
  const cookie = SAMPLE_REQUEST.slice();
  cookie[5] = 0;
  assert.equal(m.parse(cookie), 'bad-magic-cookie');
  assert.equal(m.parse(SAMPLE_REQUEST.subarray(0, 100)), 'bad-length');
  const overrun = SAMPLE_REQUEST.slice();
  overrun[23] = 0xff; // SOFTWARE length runs past the end
  assert.equal(m.parse(overrun), 'attribute-overrun');
  const afterFp = new Uint8Array(SAMPLE_REQUEST.length + 4);
  afterFp.set(SAMPLE_REQUEST);
  afterFp[3] = SAMPLE_REQUEST.length + 4 - 20;
  afterFp.set(hex('80220000'), SAMPLE_REQUEST.length);
  assert.equal(m.parse(afterFp), 'attribute-after-fingerprint');
  const badPriority = new StunMessageBuilder(1, new Uint8Array(12)).add(
    StunAttribute.Priority,
    new Uint8Array(3),
  );
  assert.equal(m.parse(badPriority.finish()), 'bad-attribute-length');
});

test('buildBindingSuccess: MI, FP and XOR-MAPPED-ADDRESS for IPv4, IPv6 and IPv4-mapped peers', () => {
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  const m = new StunMessage();
  for (const [text, family, shown] of [
    ['127.0.0.1', 4, '127.0.0.1'],
    ['::ffff:10.1.2.3', 4, '10.1.2.3'],
    ['::1', 6, '::1'],
    ['fe80::1:2%lo', 6, 'fe80::1:2'],
    ['2001:db8::8:800:200c:417a', 6, '2001:db8::8:800:200c:417a'],
  ] as const) {
    const res = buildBindingSuccess(SAMPLE_REQUEST, parseIpAddress(text)!, 50000, k, ws);
    assert.equal(m.parse(res), 'ok', text);
    assert.equal(m.type, StunMessageType.BindingSuccessResponse);
    assert.deepEqual(m.transactionId(), SAMPLE_REQUEST.subarray(8, 20));
    assert.ok(verifyMessageIntegrity(m, k, ws) && verifyFingerprint(m));
    assert.deepEqual(readXorMappedAddress(m.bytes, m.xorMappedAddressOffset, m.xorMappedAddressLength), {
      address: shown,
      port: 50000,
      family,
    });
  }
});

test('error responses carry ERROR-CODE, UNKNOWN-ATTRIBUTES and the request transaction ID', () => {
  const m = new StunMessage();
  const res = buildErrorResponse(SAMPLE_REQUEST, 420, { unknownAttributes: [0x7f01, 0x0031] });
  assert.equal(m.parse(res), 'ok');
  assert.equal(m.messageClass, 'error');
  assert.equal(m.errorCode, 420);
  assert.equal(m.errorReason(), 'Unknown Attribute');
  assert.ok(verifyFingerprint(m));
  const decoded = stun.decode(Buffer.from(res));
  assert.deepEqual(
    decoded.getAttribute(stun.constants.STUN_ATTR_UNKNOWN_ATTRIBUTES!)?.value,
    [0x7f01, 0x0031],
  );
});

test('MESSAGE-INTEGRITY-SHA256 round-trips, full and truncated', () => {
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  const msg = new StunMessageBuilder(1, new Uint8Array(12).fill(3))
    .username('x:y')
    .finish({ sha1: { key: k, workspace: ws }, sha256Key: SHORT_TERM_PASSWORD, fingerprint: true });
  const m = new StunMessage();
  assert.equal(m.parse(msg), 'ok');
  assert.ok(verifyMessageIntegrity(m, k, ws));
  assert.ok(verifyMessageIntegritySha256(m, SHORT_TERM_PASSWORD));
  assert.ok(!verifyMessageIntegritySha256(m, Buffer.from('other')));
  assert.ok(verifyFingerprint(m));
});

test('oracle: what the stun package builds we parse and verify; what we build it parses and verifies', () => {
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  const m = new StunMessage();
  for (let i = 0; i < 50; i++) {
    const req = stun.createMessage(stun.constants.STUN_BINDING_REQUEST!);
    req.addUsername(`ufrag${i}:remote`);
    req.addPriority(1000 + i);
    if (i % 2) req.addUseCandidate();
    req.addIceControlling(Buffer.alloc(8, i));
    req.addMessageIntegrity(SHORT_TERM_PASSWORD.toString());
    req.addFingerprint();
    const bytes = req.toBuffer();
    assert.equal(m.parse(bytes), 'ok');
    assert.equal(m.username(), `ufrag${i}:remote`);
    assert.equal(m.priority, 1000 + i);
    assert.equal(m.useCandidate, i % 2 === 1);
    assert.ok(m.iceControlling);
    assert.ok(verifyMessageIntegrity(m, k, ws), 'MI');
    assert.ok(verifyFingerprint(m), 'FP');

    const res = buildBindingSuccess(bytes, parseIpAddress(`10.0.0.${i}`)!, 40000 + i, k, ws);
    const decoded = stun.decode(Buffer.from(res));
    assert.equal(decoded.type, stun.constants.STUN_BINDING_RESPONSE);
    assert.deepEqual(decoded.getAttribute(stun.constants.STUN_ATTR_XOR_MAPPED_ADDRESS!)?.value, {
      address: `10.0.0.${i}`,
      port: 40000 + i,
      family: 'IPv4',
    });
    assert.ok(stun.validateFingerprint(decoded));
    assert.ok(stun.validateMessageIntegrity(decoded, SHORT_TERM_PASSWORD.toString()));
  }
});

test('formats and parses IPv6 per RFC 5952', () => {
  for (const s of ['::', '::1', '2001:db8::1', '2001:db8:0:1:1:1:1:1', '1::', 'fe80::1:0:0:1']) {
    assert.equal(formatIpAddress(parseIpAddress(s)!), s);
  }
  assert.equal(parseIpAddress('not an ip'), undefined);
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
      const parsed = parseIpAddress(text);
      assert.ok(parsed, text);
      const again = parseIpAddress(formatIpAddress(parsed));
      assert.deepEqual(again, parsed, text);
    }),
    { numRuns: 1000 },
  );
  assert.equal(parseIpAddress('1.2.3.256'), undefined);
});

test('fuzz: the parser never throws and verifiers never read out of bounds on arbitrary bytes', () => {
  const ws = new Sha1Workspace();
  const k = new HmacSha1Key(SHORT_TERM_PASSWORD, ws);
  const m = new StunMessage();
  const check = (bytes: Uint8Array) => {
    const r = m.parse(bytes);
    if (r !== 'ok') return;
    verifyFingerprint(m);
    verifyMessageIntegrity(m, k, ws);
    verifyMessageIntegritySha256(m, SHORT_TERM_PASSWORD);
    m.username();
    m.errorReason();
    if (m.xorMappedAddressOffset >= 0)
      readXorMappedAddress(m.bytes, m.xorMappedAddressOffset, m.xorMappedAddressLength);
    assert.ok(m.integrityOffset < bytes.length && m.fingerprintOffset < bytes.length);
    assert.ok(m.usernameOffset + m.usernameLength <= bytes.length);
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => check(b)),
    { numRuns: 3000 },
  );
  // Structure-aware: a valid header over random attribute TLVs, so the attribute walker is exercised.
  const tlv = fc.record({
    type: fc.constantFrom(
      0x0006,
      0x0008,
      0x0009,
      0x000a,
      0x001c,
      0x0020,
      0x0024,
      0x0025,
      0x8028,
      0x8029,
      0x802a,
      0xc057,
      0x7777,
    ),
    len: fc.integer({ min: 0, max: 40 }),
    fill: fc.uint8Array({ minLength: 0, maxLength: 44 }),
  });
  fc.assert(
    fc.property(fc.array(tlv, { maxLength: 8 }), fc.boolean(), (attrs, truncate) => {
      const parts: number[] = [];
      for (const a of attrs) {
        parts.push(a.type >> 8, a.type & 0xff, a.len >> 8, a.len & 0xff);
        const padded = (a.len + 3) & ~3;
        for (let i = 0; i < padded; i++) parts.push(a.fill[i % Math.max(1, a.fill.length)] ?? 0);
      }
      const body = truncate ? parts.slice(0, Math.max(0, parts.length - 3)) : parts;
      const msg = new Uint8Array(20 + body.length);
      msg.set(SAMPLE_REQUEST.subarray(0, 20));
      msg[2] = (body.length >> 8) & 0xff;
      msg[3] = body.length & 0xff;
      msg.set(body, 20);
      check(msg);
    }),
    { numRuns: 3000 },
  );
});
