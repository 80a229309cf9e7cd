import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { drain, events, messageDatagram } from './sim/craft.js';

/*
 * Before the peer's hello is accepted, nothing for a later message_seq may be kept: a complete
 * message planted there would be processed right after the genuine hello and end a handshake that
 * had not begun.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

/** Exchanges datagrams without firing a timer. */
function exchange(client: DtlsEngine, server: DtlsEngine, now = 1): void {
  for (let round = 0; round < 20; round++) {
    const toServer = drain(client);
    const toClient = drain(server);
    if (toServer.length === 0 && toClient.length === 0) return;
    for (const d of toServer) server.handleDatagram(d, now);
    for (const d of toClient) client.handleDatagram(d, now);
  }
}

const EMPTY = new Uint8Array(0);

/** Both paths: client and server pinned to DTLS 1.2, and the default versions (DTLS 1.3 chosen). */
const PATHS = [
  { on: 'DTLS 1.2', pin: { maxVersion: 'DTLS 1.2' } },
  { on: 'default versions', pin: {} },
] as const;

for (const { on, pin } of PATHS) {
  test(`server: a zero-length HelloRequest planted at message_seq 2 before the ClientHello is dropped, not processed after it (${on})`, () => {
    for (const cookieExchange of [true, false]) {
      for (const [msgType, seq] of [
        [0, 2], // HelloRequest, the 25-byte datagram
        [16, 1], // ClientKeyExchange where flight 5 would start without a cookie exchange
        [20, 3],
      ] as const) {
        const client = new DtlsEngine({ role: 'client', certificate: a, ...pin });
        const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange, ...pin });
        const planted = messageDatagram(msgType, seq, EMPTY, 40);
        assert.equal(planted.length, 25);
        server.handleDatagram(planted, 0);
        client.start(1);
        exchange(client, server, 2);
        const label = `cookieExchange ${cookieExchange}, type ${msgType} at ${seq}`;
        assert.equal(server.state, 'connected', label);
        assert.equal(client.state, 'connected', label);
        assert.equal(server.stats.drops['not-client-hello'], 1, label);
      }
    }
  });

  test(`server: ClientHello fragments planted at other message_seq values are dropped once the genuine one is accepted (${on})`, () => {
    const client = new DtlsEngine({ role: 'client', certificate: a, ...pin });
    const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange: false, ...pin });
    // Partial ClientHellos at 1..3 and one beyond any first hello.
    for (const seq of [1, 2, 3, 40]) {
      const d = messageDatagram(1, seq, new Uint8Array(10), 50 + seq);
      d[13 + 3] = 0x40; // declared length 64 > the 10 bytes carried
      server.handleDatagram(d, 0);
    }
    assert.equal(server.stats.drops['handshake-before-peer-hello'], 1, 'message_seq 40 is no first hello');
    client.start(1);
    exchange(client, server, 2);
    assert.equal(server.state, 'connected');
    assert.equal(
      server.stats.drops['handshake-before-peer-hello'],
      4,
      'the three rivals went when the hello was accepted',
    );
  });

  test(`client: a zero-length ServerHelloDone planted at message_seq 2 before the ServerHello is dropped, not processed after it (${on})`, () => {
    for (const cookieExchange of [true, false]) {
      for (const seq of [1, 2, 4]) {
        const client = new DtlsEngine({ role: 'client', certificate: a, ...pin });
        const server = new DtlsEngine({ role: 'server', certificate: b, cookieExchange, ...pin });
        client.start(0);
        client.handleDatagram(messageDatagram(14, seq, EMPTY, 60), 0);
        exchange(client, server, 1);
        const label = `cookieExchange ${cookieExchange}, message_seq ${seq}`;
        assert.equal(client.state, 'connected', label);
        assert.equal(server.state, 'connected', label);
        assert.equal(client.stats.drops['handshake-before-peer-hello'], 1, label);
        assert.ok(!events(client).some((e) => e.type === 'alert'), label);
      }
    }
  });

  test(`client: after the HelloVerifyRequest, a message planted for flight 4 is dropped too (${on})`, () => {
    const client = new DtlsEngine({ role: 'client', certificate: a, ...pin });
    const server = new DtlsEngine({ role: 'server', certificate: b, ...pin });
    client.start(0);
    for (const d of drain(client)) server.handleDatagram(d, 1);
    for (const d of drain(server)) client.handleDatagram(d, 2); // HelloVerifyRequest; ServerHello will be 1
    client.handleDatagram(messageDatagram(14, 2, EMPTY, 61), 3);
    client.handleDatagram(messageDatagram(13, 3, EMPTY, 62), 3);
    exchange(client, server, 4);
    assert.equal(client.state, 'connected');
    assert.equal(client.stats.drops['handshake-before-peer-hello'], 2);
  });
}
