import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import { encodeRecord } from '../src/record/record-header.js';
import { drain, events } from './sim/craft.js';

/*
 * Epoch-0 records carry no authentication: anyone who can forge the peer's UDP source can send
 * them. One such datagram must neither end nor wedge a handshake.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function pair(server: Partial<DtlsConfig> = {}): { client: DtlsEngine; server: DtlsEngine } {
  return {
    client: new DtlsEngine({ role: 'client', certificate: a }),
    server: new DtlsEngine({ role: 'server', certificate: b, ...server }),
  };
}

/** Moves datagrams both ways over a perfect link until both sides are quiet, firing timers. */
function pump(client: DtlsEngine, server: DtlsEngine, start = 1): number {
  let now = start;
  for (let round = 0; round < 40; round++) {
    const toServer = drain(client);
    const toClient = drain(server);
    for (const d of toServer) server.handleDatagram(d, now);
    for (const d of toClient) client.handleDatagram(d, now);
    if (client.state === 'connected' && server.state === 'connected') return now;
    if (toServer.length === 0 && toClient.length === 0) {
      const next = Math.min(client.nextTimeout() ?? Infinity, server.nextTimeout() ?? Infinity);
      if (next === Infinity) return now;
      now = Math.max(now + 1, next);
      client.handleTimeout(now);
      server.handleTimeout(now);
    } else {
      now += 1;
    }
  }
  return now;
}

function assertConnects(client: DtlsEngine, server: DtlsEngine): void {
  pump(client, server);
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
}

/** One 14-byte application_data record in epoch 0 with the given record sequence number. */
function epoch0Record(seq: number, type = 23, body: Uint8Array = Uint8Array.of(1)): Uint8Array {
  return encodeRecord(type, 0xfefd, 0, seq, body);
}

const MAX_SEQ_MINUS_1 = 2 ** 48 - 2;

// ---- D1: the epoch-0 replay window ------------------------------------------------------------

test('a spoofed epoch-0 record with a huge sequence number before the ClientHello does not shadow the real one', () => {
  for (const cookieExchange of [true, false]) {
    const { client, server } = pair({ cookieExchange });
    server.start(0);
    const spoof = Uint8Array.of(23, 0xfe, 0xfd, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 1, 1);
    assert.deepEqual(spoof, epoch0Record(MAX_SEQ_MINUS_1));
    server.handleDatagram(spoof, 0);
    client.start(0);
    assertConnects(client, server);
    assert.equal(server.stats.drops.replayed, 0);
  }
});

test('a spoofed epoch-0 record with a huge sequence number to the client before the ServerHello does not shadow it', () => {
  for (const cookieExchange of [true, false]) {
    const { client, server } = pair({ cookieExchange });
    client.start(0);
    client.handleDatagram(epoch0Record(MAX_SEQ_MINUS_1), 0);
    client.handleDatagram(epoch0Record(MAX_SEQ_MINUS_1, 22, new Uint8Array(0)), 0);
    assertConnects(client, server);
    assert.equal(client.stats.drops.replayed, 0);
  }
});

test('a forged epoch-1 record with a huge sequence number does not move the window: later genuine records pass', () => {
  const { client, server } = pair();
  client.start(0);
  assertConnects(client, server);
  // Fails authentication; were the window moved, the next genuine record would be "replayed".
  server.handleDatagram(encodeRecord(23, 0xfefd, 1, MAX_SEQ_MINUS_1, new Uint8Array(40).fill(7)), 100);
  assert.equal(server.stats.drops['auth-failed'], 1);
  client.send(Uint8Array.of(9), 100);
  for (const d of drain(client)) server.handleDatagram(d, 100);
  assert.deepEqual(events(server).at(-1), { type: 'data', data: Uint8Array.of(9) });
  assert.equal(server.stats.drops.replayed, 0);
});
