import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import test, { before } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import { connect, createDtlsServer, type DtlsConnection, type DtlsServer } from '../src/node/index.js';
import { MAX_RECORD_SEQUENCE } from '../src/record/record-layer.js';

/*
 * The node adapters run engines on the event loop, where an exception ends the process: a datagram
 * or an event handler that throws must close one peer at most.
 */

const FAST: Partial<DtlsConfig> = { retransmit: { initialMs: 100, maxMs: 1000 }, handshakeTimeoutMs: 5000 };
const CASE = { timeout: 20_000 };
let serverCert: DtlsCertificate;
let clientCert: DtlsCertificate;

before(async () => {
  [serverCert, clientCert] = await Promise.all([generateCertificate(), generateCertificate()]);
});

async function startServer(): Promise<{ server: DtlsServer; port: number }> {
  const server = createDtlsServer({ ...FAST, host: '127.0.0.1', port: 0, certificate: serverCert });
  const { port } = await server.ready;
  return { server, port };
}

function connectClient(port: number): Promise<DtlsConnection> {
  return connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
}

/** Sets the record sequence number of a one-record datagram. */
function withRecordNumber(d: Uint8Array, seq: number): Uint8Array {
  const out = d.slice();
  let v = seq;
  for (let i = 10; i >= 5; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

test(
  'createDtlsServer survives a cookie-bearing ClientHello numbered 2^48-1 and still serves others',
  CASE,
  async () => {
    const { server, port } = await startServer();
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const engine = new DtlsEngine({ role: 'client', certificate: clientCert });
      engine.start(0);
      // Every datagram of the hello (one offering DTLS 1.3 spans two), each record renumbered.
      const sendAll = () => {
        for (let d = engine.pollTransmit(); d; d = engine.pollTransmit())
          socket.send(withRecordNumber(d, MAX_RECORD_SEQUENCE), port, '127.0.0.1');
      };
      sendAll();
      const [hvr] = (await once(socket, 'message')) as [Buffer];
      engine.handleDatagram(new Uint8Array(hvr), 1);
      sendAll();
      // A second client on the same server completes its handshake: the process and socket are fine.
      const other = await connectClient(port);
      assert.equal(other.state, 'connected');
      await other.close();
      assert.equal(server.stats.helloVerifyRequests >= 2, true);
      const dropped = server.connections().reduce((n, c) => n + c.stats.drops['sequence-exhausted'], 0);
      assert.equal(dropped, 1);
    } finally {
      socket.close();
      await server.close();
    }
  },
);

test(
  "a 'connection' listener that throws closes that peer, is counted, and the server serves the next",
  CASE,
  async () => {
    const { server, port } = await startServer();
    try {
      let calls = 0;
      server.on('connection', () => {
        calls++;
        if (calls === 1) throw new Error('listener bug');
      });
      // The server dispatches 'connection' right after sending its final flight, before the client
      // has it: by the time connect() resolves, the listener has thrown.
      const first = await connectClient(port);
      assert.equal(server.stats.handlerErrors, 1);
      assert.equal(server.connections().length, 0, 'the faulty peer left the table');
      await first.close();
      const second = await connectClient(port);
      assert.equal(second.state, 'connected');
      assert.equal(calls, 2);
      await second.close();
    } finally {
      await server.close();
    }
  },
);

test(
  "a 'data' or 'close' listener that throws on a client connection closes it with the reason, nothing escapes",
  CASE,
  async () => {
    const { server, port } = await startServer();
    try {
      const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
      const client = await connectClient(port);
      const [peer] = await accepted;
      client.on('data', () => {
        throw new Error('data listener bug');
      });
      client.on('close', () => {
        throw new Error('close listener bug');
      });
      peer.send(Uint8Array.of(1, 2, 3));
      const info = await client.closed;
      assert.equal(info.reason, 'local-close');
      assert.match(info.detail ?? '', /handler error: data listener bug/);
      assert.equal(client.faults, 2, 'the data listener, then the close listener');
    } finally {
      await server.close();
    }
  },
);
