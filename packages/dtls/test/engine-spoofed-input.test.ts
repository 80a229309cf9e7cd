import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import { encodeRecord } from '../src/record/record-header.js';
import { drain, events, messageDatagram } from './sim/craft.js';

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
    client: new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a }),
    server: new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b, ...server }),
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

// ---- D2: malformed hellos before the peer was heard ---------------------------------------------

test('a spoofed malformed ClientHello before the real one is dropped and counted, with or without the cookie exchange', () => {
  for (const cookieExchange of [true, false]) {
    const { client, server } = pair({ cookieExchange });
    server.start(0);
    // A ClientHello with a zero-length body, message_seq 0, in record 5 of epoch 0.
    const spoof = Uint8Array.of(
      22,
      0xfe,
      0xfd,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5,
      0,
      12,
      1,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
    );
    server.handleDatagram(spoof, 0);
    assert.deepEqual(drain(server), [], 'no alert to a source nobody verified');
    assert.equal(server.state, 'new');
    assert.equal(server.stats.drops['bad-client-hello'], 1);
    client.start(0);
    assertConnects(client, server);
  }
});

test('a spoofed ClientHello with malformed extensions is dropped before the cookie exchange', () => {
  const { client, server } = pair();
  client.start(0);
  const [ch] = drain(client);
  // Same hello, extensions block length claims one byte more than there is.
  const bad = ch!.slice();
  const body = bad.subarray(13 + 12);
  const extStart = extensionsOffset(body);
  const extLen = (body[extStart]! << 8) | body[extStart + 1]!;
  body[extStart] = (extLen + 1) >> 8;
  body[extStart + 1] = (extLen + 1) & 0xff;
  server.handleDatagram(bad, 0);
  assert.deepEqual(drain(server), []);
  assert.equal(server.stats.drops['bad-client-hello'], 1);
  server.handleDatagram(ch!, 0);
  assertConnects(client, server);
});

/** Offset of the extensions length in a ClientHello body. */
function extensionsOffset(body: Uint8Array): number {
  let p = 2 + 32;
  p += 1 + body[p]!; // session_id
  p += 1 + body[p]!; // cookie
  p += 2 + ((body[p]! << 8) | body[p + 1]!); // cipher_suites
  p += 1 + body[p]!; // compression_methods
  return p;
}

test('spoofed garbage while the client waits for flight 2 or 4 is dropped and counted; the handshake completes', () => {
  const garbage = [
    messageDatagram(2, 0, new Uint8Array(0), 7), // ServerHello that does not decode
    messageDatagram(3, 0, new Uint8Array(0), 8), // HelloVerifyRequest that does not decode
    messageDatagram(3, 0, Uint8Array.of(0xfe, 0xff, 0), 9), // HelloVerifyRequest with an empty cookie
    messageDatagram(14, 0, new Uint8Array(0), 10), // ServerHelloDone out of place
    messageDatagram(20, 0, new Uint8Array(12), 11), // plaintext Finished
  ];
  for (const cookieExchange of [true, false]) {
    for (const [i, g] of garbage.entries()) {
      const { client, server } = pair({ cookieExchange });
      client.start(0);
      client.handleDatagram(g, 0);
      assert.deepEqual(drain(client).length, 1, `case ${i}: only the ClientHello, no alert`);
      assert.equal(client.state, 'handshaking', `case ${i}`);
      assert.equal(client.stats.drops['bad-server-hello'], 1, `case ${i}`);
      // The ClientHello went out before the garbage; the timer brings it again.
      const next = client.nextTimeout()!;
      client.handleTimeout(next);
      pump(client, server, next);
      assert.equal(client.state, 'connected', `case ${i}`);
      assert.equal(server.state, 'connected', `case ${i}`);
    }
  }
});

test('garbage after the cookie exchange, before the ServerHello, is dropped too', () => {
  const { client, server } = pair();
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  for (const d of drain(server)) client.handleDatagram(d, 2); // HelloVerifyRequest
  // Flight 4 will use message_seq 1: a forged one takes that number first.
  client.handleDatagram(messageDatagram(2, 1, Uint8Array.of(1, 2, 3), 30), 3);
  assert.equal(client.stats.drops['bad-server-hello'], 1);
  assertConnects(client, server);
});

// ---- D3: plaintext alerts before the peer's hello was accepted ----------------------------------

/** A plaintext (epoch 0) alert record. */
function plaintextAlert(level: number, description: number, seq = 0x63): Uint8Array {
  return encodeRecord(21, 0xfefd, 0, seq, Uint8Array.of(level, description));
}

test('a spoofed plaintext fatal alert to the client before any ServerHello is dropped and counted', () => {
  for (const cookieExchange of [true, false]) {
    const { client, server } = pair({ cookieExchange });
    client.start(0);
    client.handleDatagram(plaintextAlert(2, 40), 0); // fatal handshake_failure
    client.handleDatagram(plaintextAlert(1, 0), 0); // close_notify
    assert.equal(client.state, 'handshaking');
    assert.equal(client.stats.drops['alert-before-peer'], 2);
    assert.deepEqual(events(client), [], 'an unattributable alert is not reported either');
    assertConnects(client, server);
  }
});

test('a spoofed plaintext fatal alert between the HelloVerifyRequest and the ServerHello is dropped', () => {
  const { client, server } = pair();
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  for (const d of drain(server)) client.handleDatagram(d, 2); // HelloVerifyRequest
  client.handleDatagram(plaintextAlert(2, 40), 3);
  assert.equal(client.state, 'handshaking');
  assert.equal(client.stats.drops['alert-before-peer'], 1);
  assertConnects(client, server);
});

test('a spoofed plaintext fatal alert to the server before its ClientHello is dropped and counted', () => {
  for (const cookieExchange of [true, false]) {
    const { client, server } = pair({ cookieExchange });
    server.start(0);
    server.handleDatagram(plaintextAlert(2, 40), 0);
    assert.equal(server.state, 'new');
    assert.deepEqual(drain(server), []);
    client.start(0);
    if (cookieExchange) {
      // Also after the HelloVerifyRequest went out, while the server keeps no state.
      for (const d of drain(client)) server.handleDatagram(d, 1);
      server.handleDatagram(plaintextAlert(2, 40, 0x64), 1);
      assert.equal(server.state, 'new');
      for (const d of drain(server)) client.handleDatagram(d, 2);
    }
    assertConnects(client, server);
  }
});

test('once the peer hello was accepted, its plaintext fatal alert still ends the handshake at once', () => {
  // Client: after flight 4 (ServerHello accepted) a server rejecting our certificate alerts in plaintext.
  {
    const { client, server } = pair({ cookieExchange: false });
    client.start(0);
    for (const d of drain(client)) server.handleDatagram(d, 1);
    for (const d of drain(server)) client.handleDatagram(d, 2); // flight 4
    client.handleDatagram(plaintextAlert(2, 42), 3); // bad_certificate
    assert.equal(client.state, 'closed');
    assert.deepEqual(events(client).at(-1), {
      type: 'closed',
      reason: 'alert-received',
      alert: 'bad_certificate',
    });
  }
  // Server: after it answered the ClientHello with flight 4.
  {
    const { client, server } = pair({ cookieExchange: false });
    client.start(0);
    for (const d of drain(client)) server.handleDatagram(d, 1);
    assert.equal(server.state, 'handshaking');
    server.handleDatagram(plaintextAlert(2, 42), 2);
    assert.equal(server.state, 'closed');
    assert.deepEqual(events(server).at(-1), {
      type: 'closed',
      reason: 'alert-received',
      alert: 'bad_certificate',
    });
  }
});
