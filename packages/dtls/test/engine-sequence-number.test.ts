import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import { splitDatagram } from '../src/record/record-header.js';
import { MAX_RECORD_SEQUENCE, RecordLayer } from '../src/record/record-layer.js';
import { drain, events } from './sim/craft.js';

/*
 * RFC 6347 §4.1: record sequence numbers must not wrap. The server continues its epoch-0 numbering
 * above the ClientHello's record (RFC 6347 §4.2.1), so the peer chooses where that numbering starts:
 * running out must end things cleanly, and nothing may throw out of the engine for any input.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

/** The datagram with every record's sequence number set to `seq`. */
function renumber(d: Uint8Array, seq: number): Uint8Array {
  const out = d.slice();
  for (const r of splitDatagram(out).records) {
    const at = r.bytes.byteOffset - out.byteOffset + 5;
    let v = seq;
    for (let i = 5; i >= 0; i--) {
      out[at + i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
  return out;
}

function pump(client: DtlsEngine, server: DtlsEngine, now = 1): void {
  for (let round = 0; round < 40; round++) {
    const toServer = drain(client);
    const toClient = drain(server);
    for (const d of toServer) server.handleDatagram(d, now);
    for (const d of toClient) client.handleDatagram(d, now);
    if (toServer.length === 0 && toClient.length === 0) return;
  }
}

test('the record layer seals up to 2^48-1 and then refuses, without wrapping or throwing', () => {
  const layer = new RecordLayer();
  layer.reserveSequence(0, MAX_RECORD_SEQUENCE - 1);
  assert.equal(layer.remainingSequence(0), 2);
  const last = [layer.seal(0, 22, Uint8Array.of(1)), layer.seal(0, 22, Uint8Array.of(2))];
  assert.deepEqual(
    last.map((d) => splitDatagram(d!).records[0]!.sequenceNumber),
    [MAX_RECORD_SEQUENCE - 1, MAX_RECORD_SEQUENCE],
  );
  assert.equal(layer.seal(0, 21, Uint8Array.of(2, 80)), undefined);
  assert.equal(layer.remainingSequence(0), 0);
  layer.reserveSequence(0, MAX_RECORD_SEQUENCE + 1);
  assert.equal(layer.seal(0, 21, Uint8Array.of(2, 80)), undefined);
});

/** Each version path a default client can take: the server pinned to DTLS 1.2, and the default (DTLS 1.3). */
const SERVER_VERSIONS = [
  { on: 'DTLS 1.2', pin: { maxVersion: 'DTLS 1.2' } },
  { on: 'default versions, DTLS 1.3', pin: {} },
] as const;

for (const { on, pin } of SERVER_VERSIONS) {
  for (const seq of [MAX_RECORD_SEQUENCE, MAX_RECORD_SEQUENCE - 1, MAX_RECORD_SEQUENCE - 100]) {
    test(`a ClientHello in record ${seq} neither throws nor starts a handshake; a genuine one still connects (${on})`, () => {
      for (const cookieExchange of [true, false]) {
        const client = new DtlsEngine({ role: 'client', certificate: a });
        const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange, ...pin });
        client.start(0);
        // The ClientHello offering DTLS 1.3 spans two datagrams (the X25519MLKEM768 share).
        for (const d of drain(client)) server.handleDatagram(renumber(d, seq), 1);
        if (cookieExchange) {
          // The HelloVerifyRequest / HelloRetryRequest echoes the record number (stateless: RFC 6347
          // §4.2.1, RFC 9147 §5.1); the cookie-bearing hello follows.
          const [hvr] = drain(server);
          assert.equal(splitDatagram(hvr!).records[0]!.sequenceNumber, seq);
          client.handleDatagram(hvr!, 2);
          for (const d of drain(client)) server.handleDatagram(renumber(d, seq), 3);
        }
        assert.deepEqual(drain(server), [], `cookieExchange ${cookieExchange}: no flight 4, no alert`);
        assert.equal(server.state, 'new');
        assert.equal(server.stats.drops['sequence-exhausted'], 1);
        // The genuine client's next transmission is answered as usual.
        client.handleTimeout(client.nextTimeout()!);
        pump(client, server, 5000);
        assert.equal(client.state, 'connected', `cookieExchange ${cookieExchange}`);
        assert.equal(server.state, 'connected', `cookieExchange ${cookieExchange}`);
      }
    });
  }
}

for (const { on, pin } of SERVER_VERSIONS) {
  test(`a server whose epoch-0 numbers run out while it retransmits closes with sequence-exhausted, never wrapping (${on})`, () => {
    const config: DtlsConfig = {
      ...pin,
      role: 'server',
      certificate: b,
      cookieExchange: false,
      retransmit: { initialMs: 1, maxMs: 1 },
      handshakeTimeoutMs: 10_000_000,
    };
    const server = new DtlsEngine(config);
    const client = new DtlsEngine({ role: 'client', certificate: a });
    client.start(0);
    // The highest record number the server still answers: 2^16 numbers are left above it.
    const start = MAX_RECORD_SEQUENCE - 2 ** 16;
    for (const d of drain(client)) server.handleDatagram(renumber(d, start), 0);
    assert.equal(server.state, 'handshaking');
    let highest = 0;
    let now = 0;
    for (let i = 0; i < 100_000 && (server.state as string) !== 'closed'; i++) {
      for (const d of drain(server))
        for (const r of splitDatagram(d).records) highest = Math.max(highest, r.sequenceNumber);
      now = server.nextTimeout() ?? now + 1;
      server.handleTimeout(now);
    }
    assert.equal(server.state, 'closed');
    // The last flight that fit went out; the one that did not fit was not sent in part.
    assert.ok(highest <= MAX_RECORD_SEQUENCE && highest > MAX_RECORD_SEQUENCE - 16, `highest ${highest}`);
    assert.deepEqual(drain(server), [], 'nothing after the last number, not even an alert');
    const closed = events(server).find((e) => e.type === 'closed');
    assert.equal(closed?.type === 'closed' ? closed.reason : undefined, 'sequence-exhausted');
    assert.equal(server.nextTimeout(), undefined);
    // Input after the close is dropped without a throw.
    server.handleDatagram(renumber(drain(client)[0] ?? new Uint8Array(0), MAX_RECORD_SEQUENCE), now + 1);
  });
}

test('nothing throws out of handleDatagram or handleTimeout for genuine flights renumbered anywhere in the 48-bit space', async () => {
  // Genuine flights of a whole handshake, to mutate.
  const client = new DtlsEngine({ role: 'client', certificate: a });
  const server = new DtlsEngine({ role: 'server', certificate: b });
  client.start(0);
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  for (let round = 0; round < 10; round++) {
    const c = drain(client);
    const s = drain(server);
    toServer.push(...c);
    toClient.push(...s);
    for (const d of c) server.handleDatagram(d, round);
    for (const d of s) client.handleDatagram(d, round);
  }
  assert.equal(server.state, 'connected');
  const seqArb = fc.oneof(
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: MAX_RECORD_SEQUENCE - 20, max: MAX_RECORD_SEQUENCE }),
    fc.integer({ min: MAX_RECORD_SEQUENCE - 2 ** 17, max: MAX_RECORD_SEQUENCE - 2 ** 15 }),
  );
  const step = (pool: Uint8Array[]) =>
    fc.oneof(
      fc.tuple(fc.nat(pool.length - 1), seqArb).map(([i, seq]) => renumber(pool[i]!, seq)),
      fc.nat(pool.length - 1).map((i) => pool[i]!),
      fc.uint8Array({ maxLength: 64 }),
    );
  await fc.assert(
    fc.asyncProperty(
      fc.array(step(toServer), { maxLength: 12 }),
      fc.array(step(toClient), { maxLength: 12 }),
      fc.boolean(),
      async (serverInput, clientInput, cookieExchange) => {
        const s = new DtlsEngine({ role: 'server', certificate: b, cookieExchange });
        const c = new DtlsEngine({ role: 'client', certificate: a });
        c.start(0);
        let now = 0;
        for (let i = 0; i < Math.max(serverInput.length, clientInput.length); i++) {
          now += 700;
          if (serverInput[i] !== undefined) s.handleDatagram(serverInput[i]!, now);
          if (clientInput[i] !== undefined) c.handleDatagram(clientInput[i]!, now);
          s.handleTimeout(now);
          c.handleTimeout(now);
          drain(s);
          drain(c);
        }
      },
    ),
    { numRuns: 150 },
  );
});
