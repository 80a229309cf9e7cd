import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { encodeRecord } from '../src/record/record-header.js';
import { drain } from './sim/craft.js';

/*
 * A forged first fragment may declare a message of 64 KiB and carry nothing: what the engine keeps
 * for it must follow the bytes that arrived, and the total per engine is capped by
 * maxHandshakeBufferSize.
 */

let cert: DtlsCertificate;

before(async () => {
  cert = await generateCertificate();
});

/** A 25-byte datagram: one epoch-0 handshake fragment declaring `length` bytes, carrying none. */
function emptyFragment(msgType: number, seq: number, length: number, recordSeq: number): Uint8Array {
  const header = Uint8Array.of(
    msgType,
    length >> 16,
    (length >> 8) & 0xff,
    length & 0xff,
    seq >> 8,
    seq & 0xff,
    0,
    0,
    0,
    0,
    0,
    0,
  );
  return encodeRecord(22, 0xfefd, 0, recordSeq, header);
}

test('four 25-byte forged fragments per engine pin a small multiple of their size, not 4 x 64 KiB', () => {
  const engines: DtlsEngine[] = [];
  const before = process.memoryUsage().arrayBuffers;
  let sent = 0;
  for (let i = 0; i < 200; i++) {
    const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false });
    for (let seq = 0; seq < 4; seq++) {
      const d = emptyFragment(1, seq, 0xffff, seq);
      assert.equal(d.length, 25);
      server.handleDatagram(d, 0);
      sent += d.length;
    }
    assert.deepEqual(drain(server), []);
    engines.push(server);
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  // Allocating the declared length would take 200 x 4 x 64 KiB = 52 MB.
  assert.ok(grown < 50 * sent, `array buffers grew by ${grown} bytes for ${sent} bytes received`);
  assert.equal(engines.length, 200);
});

test('what a forger can make one engine hold is capped by maxHandshakeBufferSize, drops counted (DTLS 1.2, whose flight 5 is plaintext)', () => {
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: cert,
    cookieExchange: false,
    maxHandshakeMessageSize: 4096,
    maxHandshakeBufferSize: 8192,
  });
  const client = new DtlsEngine({ role: 'client', certificate: cert });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  assert.equal(server.state, 'handshaking', 'flight 4 sent; flight 5 is expected from message_seq 1');
  // Partial fragments of every message_seq in the window, 1000 bytes each of a declared 4 KiB.
  const body = new Uint8Array(1000).fill(0x5a);
  for (let seq = 1; seq < 16; seq++) {
    const fragment = new Uint8Array(12 + body.length);
    fragment.set([11, 0, 0x10, 0, 0, seq, 0, 0, 0, 0, 0x03, 0xe8]);
    fragment.set(body, 12);
    server.handleDatagram(encodeRecord(22, 0xfefd, 0, 100 + seq, fragment), 2);
  }
  // 8192 / (1000 + 256) = 6 fit; the other 9 are dropped and counted.
  assert.equal(server.stats.drops['handshake-buffer-full'], 9);
  assert.equal(server.state, 'handshaking');
});

/** A partial handshake fragment: 1000 bytes of a declared 4 KiB message. */
function partialFragment(msgType: number, seq: number, recordSeq: number): Uint8Array {
  const body = new Uint8Array(1000).fill(0x5a);
  const fragment = new Uint8Array(12 + body.length);
  fragment.set([msgType, 0, 0x10, 0, 0, seq, 0, 0, 0, 0, 0x03, 0xe8]);
  fragment.set(body, 12);
  return encodeRecord(22, 0xfefd, 0, recordSeq, fragment);
}

const LIMITED = { maxHandshakeMessageSize: 4096, maxHandshakeBufferSize: 8192 } as const;

test('default versions: before any ClientHello, what a forger can make the version selection hold is capped by maxHandshakeBufferSize, drops counted', () => {
  const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false, ...LIMITED });
  for (let seq = 0; seq < 16; seq++) server.handleDatagram(partialFragment(1, seq, 100 + seq), 2);
  // 8192 / (1000 + 256) = 6 fit; the other 10 are dropped and counted.
  assert.equal(server.stats.drops['handshake-buffer-full'], 10);
  const selector = (server as unknown as { impl: { reassembler: { buffered: number }; heldBytes: number } })
    .impl;
  assert.ok(selector.reassembler.buffered <= 8192, `reassembler ${selector.reassembler.buffered}`);
  assert.ok(selector.heldBytes <= 8192, `held ${selector.heldBytes}`);
  assert.deepEqual(drain(server), []);
  assert.equal(server.state, 'new');
});

test('default versions (DTLS 1.3): after the hellos, plaintext fragments forged for the encrypted flight keep nothing, drops counted', () => {
  const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false, ...LIMITED });
  const client = new DtlsEngine({ role: 'client', certificate: cert });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  assert.equal(
    server.state,
    'handshaking',
    'the server flight sent; the client flight is expected from message_seq 1',
  );
  for (let seq = 1; seq < 16; seq++) server.handleDatagram(partialFragment(11, seq, 100 + seq), 2);
  assert.equal(server.stats.drops['unknown-epoch'], 15);
  const impl = (server as unknown as { impl: { impl: { reassembler: { buffered: number } } } }).impl.impl;
  assert.equal(impl.reassembler.buffered, 0);
  assert.equal(server.state, 'handshaking');
});

test('maxHandshakeBufferSize is checked: at least maxHandshakeMessageSize + 1024', () => {
  assert.throws(
    () =>
      new DtlsEngine({
        role: 'server',
        certificate: cert,
        maxHandshakeMessageSize: 4096,
        maxHandshakeBufferSize: 4096,
      }),
    /config\.maxHandshakeBufferSize must be an integer >= 5120/,
  );
});
