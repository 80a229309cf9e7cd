import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { splitDatagram } from '../src/record/record-header.js';
import { simulate } from './sim/network.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function connect(suite: string, mtu?: number) {
  const extra = mtu === undefined ? {} : { mtu };
  const r = simulate(
    { certificate: a, cipherSuites: [suite], expectedFingerprint: b.fingerprint(), ...extra },
    { certificate: b, expectedFingerprint: a.fingerprint(), ...extra },
    { seed: 11 },
  );
  assert.equal(r.client.state, 'connected');
  assert.equal(r.server.state, 'connected');
  return r;
}

// Record header 13 bytes; AES-GCM adds an 8-byte explicit nonce and a 16-byte tag, ChaCha20-Poly1305
// only its 16-byte tag (RFC 5288 §3, RFC 7905 §2).
for (const [suite, expansion] of [
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 24],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 16],
] as const) {
  test(`maxSendSize is the mtu less the record header and ${suite}'s expansion`, () => {
    const r = connect(suite, 300);
    assert.equal(r.client.maxSendSize, 300 - 13 - expansion);
    assert.equal(r.server.maxSendSize, 300 - 13 - expansion);
  });
}

test('a message of maxSendSize goes out as one record in one datagram of at most the mtu', () => {
  const r = connect('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 500);
  const max = r.client.maxSendSize!;
  const data = new Uint8Array(max).map((_, i) => i);
  r.client.send(data, r.now);
  const datagram = r.client.pollTransmit()!;
  assert.equal(r.client.pollTransmit(), undefined);
  assert.equal(datagram.length, 500);
  assert.equal(splitDatagram(datagram).records.length, 1);
  r.server.handleDatagram(datagram, r.now);
  assert.deepEqual(r.server.pollEvent(), { type: 'data', data });
});

test('data longer than maxSendSize is refused with an error naming the limit, and nothing is sent', () => {
  const r = connect('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  const max = r.client.maxSendSize!;
  assert.equal(max, 1200 - 13 - 24);
  for (const size of [max + 1, 16384, 20000]) {
    assert.throws(
      () => r.client.send(new Uint8Array(size), r.now),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.includes(`${size} bytes`) &&
        e.message.includes(`maxSendSize ${max}`),
    );
  }
  assert.equal(r.client.pollTransmit(), undefined);
  // The connection is unharmed: a fitting message still goes through.
  r.client.send(Uint8Array.of(9), r.now);
  r.server.handleDatagram(r.client.pollTransmit()!, r.now);
  assert.deepEqual(r.server.pollEvent(), { type: 'data', data: Uint8Array.of(9) });
});

test('a large mtu still caps one record at 2^14 bytes of data (RFC 5246 §6.2.1)', () => {
  const r = connect('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 65000);
  assert.equal(r.client.maxSendSize, 16384);
  assert.throws(() => r.client.send(new Uint8Array(16385), r.now), RangeError);
});

test('an empty message is one empty record', () => {
  const r = connect('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  r.client.send(new Uint8Array(0), r.now);
  r.server.handleDatagram(r.client.pollTransmit()!, r.now);
  assert.deepEqual(r.server.pollEvent(), { type: 'data', data: new Uint8Array(0) });
});

test('maxSendSize is undefined before the handshake completes and after close', () => {
  const r = simulate(
    { certificate: a, expectedFingerprint: b.fingerprint() },
    { certificate: b, expectedFingerprint: a.fingerprint() },
    { seed: 12, until: ({ client }) => client.state === 'handshaking' },
  );
  assert.equal(r.client.maxSendSize, undefined);
  assert.throws(() => r.client.send(Uint8Array.of(1), r.now), /not connected/);
  const c = connect('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  c.client.close(c.now);
  assert.equal(c.client.maxSendSize, undefined);
});
