import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { encodeRecord, splitDatagram } from '../src/record/record-header.js';
import { drain, events } from './sim/craft.js';
import { type SimResult, simulate } from './sim/network.js';
import { Prng } from './sim/prng.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

/** A connected DTLS 1.2 pair: these tests reach into the 1.2 record layer, so both pin 1.2. */
function connected(seed = 1): SimResult {
  const r = simulate(
    { certificate: a, maxVersion: 'DTLS 1.2' },
    { certificate: b, maxVersion: 'DTLS 1.2' },
    { seed },
  );
  assert.equal(r.client.state, 'connected');
  assert.equal(r.server.state, 'connected');
  return r;
}

test('truncated and garbage records are dropped and counted; the connection survives', () => {
  const { client, server, now } = connected();
  client.send(Uint8Array.of(1, 2, 3), now);
  const good = drain(client)[0]!;
  server.handleDatagram(good.subarray(0, good.length - 5), now);
  assert.equal(server.stats.drops['truncated-record'], 1);
  // A well-framed epoch-1 record with garbage inside fails authentication silently.
  const garbage = encodeRecord(23, 0xfefd, 1, 50, new Uint8Array(40).fill(0xaa));
  server.handleDatagram(garbage, now);
  assert.equal(server.stats.drops['auth-failed'], 1);
  server.handleDatagram(encodeRecord(99, 0xfefd, 1, 51, new Uint8Array(4)), now);
  assert.equal(server.stats.drops['bad-content-type'], 1);
  server.handleDatagram(encodeRecord(23, 0x0303, 1, 52, new Uint8Array(4)), now);
  assert.equal(server.stats.drops['bad-version'], 1);
  server.handleDatagram(encodeRecord(23, 0xfefd, 7, 53, new Uint8Array(4)), now);
  assert.equal(server.stats.drops['unknown-epoch'], 1);
  assert.equal(server.pollTransmit(), undefined, 'no alert for records that fail authentication');
  assert.equal(server.state, 'connected');
  server.handleDatagram(good, now);
  assert.deepEqual(events(server), [{ type: 'data', data: Uint8Array.of(1, 2, 3) }]);
});

test('a replayed record is dropped', () => {
  const { client, server, now } = connected();
  client.send(Uint8Array.of(5), now);
  const d = drain(client)[0]!;
  server.handleDatagram(d, now);
  server.handleDatagram(d, now);
  assert.deepEqual(events(server), [{ type: 'data', data: Uint8Array.of(5) }]);
  assert.equal(server.stats.drops.replayed, 1);
});

test('several records in one datagram are all processed', () => {
  const { client, server, now } = connected();
  client.send(Uint8Array.of(1), now);
  client.send(Uint8Array.of(2), now);
  const [x, y] = drain(client);
  const both = new Uint8Array([...x!, ...y!]);
  server.handleDatagram(both, now);
  assert.deepEqual(
    events(server).map((e) => (e.type === 'data' ? e.data[0] : -1)),
    [1, 2],
  );
});

test('application data before the handshake completes is dropped', () => {
  // The server's data overtakes its Finished: the client, not yet connected, drops it.
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    cookieExchange: false,
  });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  for (const d of drain(server)) client.handleDatagram(d, 2);
  for (const d of drain(client)) server.handleDatagram(d, 3);
  assert.equal(server.state, 'connected');
  const flight6 = drain(server);
  server.send(Uint8Array.of(42), 4);
  const data = drain(server)[0]!;
  client.handleDatagram(data, 5);
  assert.equal(client.state, 'handshaking');
  for (const d of flight6) client.handleDatagram(d, 6);
  assert.equal(client.state, 'connected');
  // It waited for epoch 1 to open, then was dropped: the handshake was not complete yet.
  assert.equal(client.stats.drops['data-before-connected'], 1);
  assert.ok(!events(client).some((e) => e.type === 'data'));
});

test('a Finished that overtakes its ChangeCipherSpec is held and processed once the epoch opens', () => {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    cookieExchange: false,
  });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  for (const d of drain(server)) client.handleDatagram(d, 2);
  for (const d of drain(client)) server.handleDatagram(d, 3);
  const flight6 = drain(server);
  assert.equal(flight6.length, 1);
  const [ccs, fin] = splitDatagram(flight6[0]!).records;
  client.handleDatagram(fin!.bytes, 4);
  assert.equal(client.state, 'handshaking');
  client.handleDatagram(ccs!.bytes, 5);
  assert.equal(client.state, 'connected');
});

test('renegotiation is refused with a warning no_renegotiation and the connection continues', () => {
  const { client, server, now } = connected();
  // A HelloRequest (type 0, empty, message_seq 0 as a new handshake starts) protected in the
  // server's epoch 1, as a peer would send it.
  const records = (
    server as unknown as { impl: { records: { seal(e: number, t: number, p: Uint8Array): Uint8Array } } }
  ).impl.records;
  const helloRequest = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  client.handleDatagram(records.seal(1, 22, helloRequest), now);
  assert.deepEqual(events(client), [
    { type: 'alert', level: 'warning', description: 100, name: 'no_renegotiation', sent: true },
  ]);
  assert.equal(client.state, 'connected');
  server.handleDatagram(drain(client)[0]!, now);
  assert.deepEqual(events(server), [
    { type: 'alert', level: 'warning', description: 100, name: 'no_renegotiation', sent: false },
  ]);
  assert.equal(server.state, 'connected');
  // A new ClientHello to the server, protected in the client's epoch 1, is refused the same way.
  const clientRecords = (
    client as unknown as { impl: { records: { seal(e: number, t: number, p: Uint8Array): Uint8Array } } }
  ).impl.records;
  const hello = Uint8Array.of(1, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0xfe, 0xfd, 0, 0);
  server.handleDatagram(clientRecords.seal(1, 22, hello), now);
  assert.deepEqual(events(server), [
    { type: 'alert', level: 'warning', description: 100, name: 'no_renegotiation', sent: true },
  ]);
  assert.equal(server.state, 'connected');
});

test('a plaintext alert after the switch to epoch 1 is ignored', () => {
  const { client, server, now } = connected();
  server.handleDatagram(encodeRecord(21, 0xfefd, 0, 999, Uint8Array.of(2, 40)), now);
  assert.equal(server.state, 'connected');
  assert.equal(server.stats.drops['old-epoch'], 1);
  void client;
});

test('random datagrams never throw out of a server, a handshaking client or a connected pair', () => {
  const prng = new Prng(21);
  const { client, server, now } = connected(2);
  const fresh = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  const hs = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  hs.start(0);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(255), (bytes, kind) => {
      // Bias towards plausible records so deeper code paths are reached.
      if (bytes.length > 13 && kind < 200) {
        bytes[0] = 20 + (kind % 4);
        bytes[1] = 0xfe;
        bytes[2] = 0xfd;
        bytes[3] = 0;
        bytes[4] = kind % 2;
        const len = bytes.length - 13;
        bytes[11] = len >> 8;
        bytes[12] = len & 0xff;
      }
      for (const e of [fresh, hs, client, server]) {
        e.handleDatagram(bytes, now);
        drain(e);
        events(e);
      }
    }),
    { numRuns: 1500, seed: prng.int(1 << 30) },
  );
  assert.equal(client.state, 'connected', 'garbage never closes an established connection');
  assert.equal(server.state, 'connected');
});

test('bit flips in handshake traffic never throw: each run connects or closes cleanly', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const prng = new Prng(seed * 7919);
    const r = simulate(
      { certificate: a, retransmit: { initialMs: 200 }, handshakeTimeoutMs: 5000 },
      { certificate: b, retransmit: { initialMs: 200 }, handshakeTimeoutMs: 5000 },
      {
        seed,
        tamper: (d) => {
          if (prng.next() < 0.3) {
            const c = d.slice();
            c[prng.int(c.length)]! ^= 1 << prng.int(8);
            return c;
          }
          return d;
        },
        until: ({ client, server }) =>
          (client.state === 'connected' && server.state === 'connected') ||
          (client.state === 'closed' && server.state !== 'handshaking'),
        maxTimeMs: 20_000,
      },
    );
    assert.ok(
      ['connected', 'closed'].includes(r.client.state),
      `seed ${seed}: client ${r.client.state} at ${r.now}`,
    );
  }
});
