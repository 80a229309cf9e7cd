import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { encodeRecord } from '../src/record/record-header.js';
import { drain, events, messageDatagram } from './sim/craft.js';

/*
 * One forged partial fragment at the message_seq an engine expects next must not shadow the genuine
 * message: the genuine fragments are not "inconsistent" with a forgery, and the handshake goes on
 * without waiting for a retransmission.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

/** A 35-byte datagram: a partial handshake fragment (10 of `length` bytes) in an epoch-0 record. */
function forgedFragment(msgType: number, messageSeq: number, length: number, recordSeq = 77): Uint8Array {
  const f = new Uint8Array(22);
  f.set([msgType, 0, length >> 8, length & 0xff, messageSeq >> 8, messageSeq & 0xff, 0, 0, 0, 0, 0, 10]);
  f.fill(0xee, 12);
  const d = encodeRecord(22, 0xfefd, 0, recordSeq, f);
  assert.equal(d.length, 35);
  return d;
}

/** Exchanges datagrams without ever firing a timer: a wedged handshake stays unfinished. */
function exchange(client: DtlsEngine, server: DtlsEngine, now = 1): void {
  for (let round = 0; round < 20; round++) {
    const toServer = drain(client);
    const toClient = drain(server);
    if (toServer.length === 0 && toClient.length === 0) return;
    for (const d of toServer) server.handleDatagram(d, now);
    for (const d of toClient) client.handleDatagram(d, now);
  }
}

for (const mtu of [1200, 220]) {
  test(`server: a forged fragment before the cookie-bearing ClientHello does not wedge it (client mtu ${mtu})`, () => {
    const client = new DtlsEngine({ role: 'client', certificate: a, mtu });
    const server = new DtlsEngine({ role: 'server', certificate: b });
    client.start(0);
    for (const d of drain(client)) server.handleDatagram(d, 1); // ClientHello, message_seq 0
    const hvr = drain(server);
    // The cookie-bearing ClientHello will be message_seq 1: a forger claims it first.
    server.handleDatagram(forgedFragment(1, 1, 0x2ff), 2);
    for (const d of hvr) client.handleDatagram(d, 3);
    exchange(client, server, 4);
    assert.equal(server.state, 'connected');
    assert.equal(client.state, 'connected');
  });

  test(`server without the cookie exchange: a forged fragment at message_seq 0 does not wedge it (client mtu ${mtu})`, () => {
    const client = new DtlsEngine({ role: 'client', certificate: a, mtu });
    const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange: false });
    server.handleDatagram(forgedFragment(1, 0, 0x2ff), 0);
    client.start(1);
    exchange(client, server, 2);
    assert.equal(server.state, 'connected');
    assert.equal(client.state, 'connected');
  });
}

test('client: a forged fragment while it waits for the HelloVerifyRequest does not wedge it', () => {
  for (const msgType of [3, 2]) {
    const client = new DtlsEngine({ role: 'client', certificate: a });
    const server = new DtlsEngine({ role: 'server', certificate: b, mtu: 220 });
    client.start(0);
    client.handleDatagram(forgedFragment(msgType, 0, 0x1ff), 1);
    exchange(client, server, 2);
    assert.equal(client.state, 'connected', `forged type ${msgType}`);
    assert.equal(server.state, 'connected', `forged type ${msgType}`);
  }
});

test('client: a forged fragment while it waits for the ServerHello after the cookie exchange does not wedge it', () => {
  for (const msgType of [2, 3, 11]) {
    const client = new DtlsEngine({ role: 'client', certificate: a });
    // A small mtu splits the genuine ServerHello flight into several fragments and datagrams.
    const server = new DtlsEngine({ role: 'server', certificate: b, mtu: 220 });
    client.start(0);
    for (const d of drain(client)) server.handleDatagram(d, 1);
    for (const d of drain(server)) client.handleDatagram(d, 2); // HelloVerifyRequest
    client.handleDatagram(forgedFragment(msgType, 1, 0x1ff), 3);
    exchange(client, server, 4);
    assert.equal(client.state, 'connected', `forged type ${msgType}`);
    assert.equal(server.state, 'connected', `forged type ${msgType}`);
  }
});

/** The reassembler of the connection an engine dispatches to (behind the version selector, if any). */
function reassemblerOf(e: DtlsEngine): { buffered: number } {
  type Inner = { impl?: Inner; reassembler?: { buffered: number } };
  let c = (e as unknown as { impl: Inner }).impl;
  while (c.reassembler === undefined && c.impl !== undefined) c = c.impl;
  return c.reassembler!;
}

test('rival versions left over from a forger are freed once the handshake completes (DTLS 1.2, whose flight 5 is plaintext)', () => {
  const client = new DtlsEngine({ role: 'client', certificate: a });
  const server = new DtlsEngine({
    role: 'server',
    certificate: b,
    cookieExchange: false,
    maxVersion: 'DTLS 1.2',
  });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1); // ClientHello 0; flight 5 is 1..4
  // A forged partial version of every message_seq of flight 5, 10 bytes each.
  for (let seq = 1; seq <= 4; seq++) server.handleDatagram(forgedFragment(20, seq, 0x1ff, 80 + seq), 2);
  assert.ok(reassemblerOf(server).buffered > 0);
  exchange(client, server, 3);
  assert.equal(server.state, 'connected');
  assert.equal(reassemblerOf(server).buffered, 0);
});

test('DTLS 1.3 (default versions): plaintext fragments forged for the encrypted flight are never kept, and the handshake completes', () => {
  const client = new DtlsEngine({ role: 'client', certificate: a });
  const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange: false });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1); // ClientHello 0; the client's flight is 1..3
  for (let seq = 1; seq <= 4; seq++) server.handleDatagram(forgedFragment(20, seq, 0x1ff, 80 + seq), 2);
  // After the hellos every DTLS 1.3 handshake message is encrypted: nothing of these is held.
  assert.equal(reassemblerOf(server).buffered, 0);
  assert.equal(server.stats.drops['unknown-epoch'], 4);
  exchange(client, server, 3);
  assert.equal(server.state, 'connected');
  assert.equal(client.state, 'connected');
  const connected = events(server).find((e) => e.type === 'connected');
  assert.equal(connected?.type === 'connected' ? connected.version : undefined, 'DTLS 1.3');
  assert.equal(reassemblerOf(server).buffered, 0);
});

test('client offering both versions: forged ServerHello fragments at any message_seq, and a forged ServerHello that does not decode, neither wedge it nor decide its version', () => {
  for (const cookieExchange of [false, true]) {
    const client = new DtlsEngine({ role: 'client', certificate: a });
    // A small mtu splits the genuine ServerHello (with its 1120-byte share) over several datagrams.
    const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange, mtu: 220 });
    client.start(0);
    for (const seq of [0, 1, 5, 15]) client.handleDatagram(forgedFragment(2, seq, 0x1ff, 90 + seq), 1);
    client.handleDatagram(messageDatagram(2, 0, Uint8Array.of(3, 4), 99), 1);
    assert.equal(client.state, 'handshaking', `cookieExchange ${cookieExchange}`);
    assert.equal(client.stats.drops['bad-server-hello'], 1, `cookieExchange ${cookieExchange}`);
    exchange(client, server, 2);
    assert.equal(client.state, 'connected', `cookieExchange ${cookieExchange}`);
    assert.equal(server.state, 'connected', `cookieExchange ${cookieExchange}`);
    const connected = events(client).find((e) => e.type === 'connected');
    assert.equal(connected?.type === 'connected' ? connected.version : undefined, 'DTLS 1.3');
  }
});
