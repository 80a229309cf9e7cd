import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { drain, events } from './sim/craft.js';
import { type SimResult, simulate } from './sim/network.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function connected(seed = 1): SimResult {
  const r = simulate({ certificate: a }, { certificate: b }, { seed });
  assert.equal(r.client.state, 'connected');
  assert.equal(r.server.state, 'connected');
  events(r.client);
  events(r.server);
  return r;
}

/** A record protected in `engine`'s current write epoch, as that peer would send it. */
function sealedBy(engine: DtlsEngine, contentType: number, body: Uint8Array): Uint8Array {
  const impl = (
    engine as unknown as {
      impl: { records: { writeEpoch: number; seal(e: number, t: number, p: Uint8Array): Uint8Array } };
    }
  ).impl;
  return impl.records.seal(impl.records.writeEpoch, contentType, body);
}

test('a warning alert from the peer is reported and the connection continues (RFC 5246 §7.2)', () => {
  const { client, server, now } = connected();
  server.handleDatagram(sealedBy(client, 21, Uint8Array.of(1, 90)), now); // warning user_canceled
  assert.deepEqual(events(server), [
    { type: 'alert', level: 'warning', description: 90, name: 'user_canceled', sent: false },
  ]);
  assert.equal(server.state, 'connected');
  assert.equal(server.pollTransmit(), undefined, 'a warning is not answered');
  client.send(Uint8Array.of(7), now);
  server.handleDatagram(drain(client)[0]!, now);
  assert.deepEqual(events(server), [{ type: 'data', data: Uint8Array.of(7) }]);
});

test('a fatal alert from the peer ends the connection at once, unanswered (RFC 5246 §7.2.2)', () => {
  const { client, server, now } = connected();
  server.handleDatagram(sealedBy(client, 21, Uint8Array.of(2, 80)), now); // fatal internal_error
  assert.deepEqual(events(server), [
    { type: 'alert', level: 'fatal', description: 80, name: 'internal_error', sent: false },
    { type: 'closed', reason: 'alert-received', alert: 'internal_error' },
  ]);
  assert.equal(server.state, 'closed');
  assert.equal(server.pollTransmit(), undefined);
  assert.equal(server.nextTimeout(), undefined);
  // Whatever follows is dropped and counted, never delivered.
  client.send(Uint8Array.of(1), now);
  server.handleDatagram(drain(client)[0]!, now);
  assert.deepEqual(events(server), []);
  assert.equal(server.stats.drops['after-close'], 1);
  assert.throws(() => server.send(Uint8Array.of(1), now), /closed/);
});

test('malformed alert bodies are dropped and counted; the connection survives', () => {
  const { client, server, now } = connected();
  // One byte, three bytes, and an undefined level (RFC 5246 §7.2: level is 1 or 2).
  for (const body of [Uint8Array.of(2), Uint8Array.of(2, 40, 0), Uint8Array.of(3, 40)])
    server.handleDatagram(sealedBy(client, 21, body), now);
  assert.equal(server.stats.drops['bad-alert'], 3);
  assert.deepEqual(events(server), []);
  assert.equal(server.state, 'connected');
});

test('records after a close_notify in the same datagram are ignored (RFC 5246 §7.2.1)', () => {
  const { client, server, now } = connected();
  const closeNotify = sealedBy(client, 21, Uint8Array.of(1, 0));
  const data = sealedBy(client, 23, Uint8Array.of(1, 2, 3));
  const datagram = new Uint8Array(closeNotify.length + data.length);
  datagram.set(closeNotify, 0);
  datagram.set(data, closeNotify.length);
  server.handleDatagram(datagram, now);
  assert.deepEqual(
    events(server).map((e) => e.type),
    ['alert', 'closed'],
  );
  assert.equal(drain(server).length, 1, 'only the answering close_notify');
});

test('close() is idempotent, and a closed engine stays silent', () => {
  const { client, server, now } = connected();
  client.close(now);
  client.close(now + 1);
  assert.equal(drain(client).length, 1, 'one close_notify');
  assert.deepEqual(events(client), [{ type: 'closed', reason: 'local-close' }]);
  // The peer's answering close_notify reaches a closed engine: counted, no new events.
  server.handleDatagram(sealedBy(client, 21, Uint8Array.of(1, 0)), now);
  const answer = drain(server)[0]!;
  client.handleDatagram(answer, now);
  assert.deepEqual(events(client), []);
  assert.equal(client.stats.drops['after-close'], 1);
  client.handleTimeout(now + 100_000);
  assert.equal(client.pollTransmit(), undefined);
});

test('close() before start sends nothing; close() during the handshake sends close_notify and stops the timers', () => {
  const idle = new DtlsEngine({ role: 'client', certificate: a });
  idle.close(0);
  assert.equal(idle.pollTransmit(), undefined);
  assert.deepEqual(events(idle), [{ type: 'closed', reason: 'local-close' }]);

  const client = new DtlsEngine({ role: 'client', certificate: a });
  client.start(0);
  drain(client);
  assert.notEqual(client.nextTimeout(), undefined);
  client.close(10);
  const [alert] = drain(client);
  // Plaintext epoch-0 alert record: type 21, level warning, close_notify.
  assert.deepEqual([alert![0], alert![13], alert![14]], [21, 1, 0]);
  assert.equal(client.nextTimeout(), undefined);
  client.handleTimeout(100_000);
  assert.equal(client.pollTransmit(), undefined, 'no retransmission after close');
});

test('a fatal alert during the handshake ends it with the alert as the reason', () => {
  const r = simulate(
    { certificate: a },
    { certificate: b },
    { seed: 5, until: ({ server }) => server.state === 'handshaking' },
  );
  // The server, mid-handshake, gets a plaintext fatal handshake_failure from the client.
  r.server.handleDatagram(Uint8Array.of(21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x63, 0, 2, 2, 40), r.now);
  assert.equal(r.server.state, 'closed');
  const closed = events(r.server).find((e) => e.type === 'closed');
  assert.deepEqual(closed, { type: 'closed', reason: 'alert-received', alert: 'handshake_failure' });
  assert.equal(r.server.nextTimeout(), undefined);
});
