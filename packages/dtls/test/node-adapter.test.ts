import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import test, { before } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import {
  connect,
  createDtlsServer,
  type DtlsConnection,
  DtlsHandshakeError,
  type DtlsServer,
} from '../src/node/index.js';

const FAST: Partial<DtlsConfig> = { retransmit: { initialMs: 100, maxMs: 1000 }, handshakeTimeoutMs: 5000 };
const CASE = { timeout: 20_000 };
let serverCert: DtlsCertificate;
let clientCert: DtlsCertificate;

before(async () => {
  [serverCert, clientCert] = await Promise.all([generateCertificate(), generateCertificate()]);
});

async function startServer(
  extra: Partial<Parameters<typeof createDtlsServer>[0]> = {},
): Promise<{ server: DtlsServer; port: number }> {
  const server = createDtlsServer({ ...FAST, host: '127.0.0.1', port: 0, certificate: serverCert, ...extra });
  const { port } = await server.ready;
  return { server, port };
}

test('client and server on loopback agree on keys and exchange data both ways', CASE, async () => {
  const { server, port } = await startServer({
    expectedFingerprint: clientCert.fingerprint(),
    srtpProfiles: ['SRTP_AEAD_AES_128_GCM'],
  });
  try {
    const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
    const client = await connect({
      ...FAST,
      host: '127.0.0.1',
      port,
      certificate: clientCert,
      expectedFingerprint: serverCert.fingerprint(),
      srtpProfiles: ['SRTP_AEAD_AES_128_GCM'],
    });
    const [peer] = await accepted;
    assert.equal(client.role, 'client');
    assert.equal(peer.role, 'server');
    assert.equal(client.info?.version, 'DTLS 1.2');
    assert.equal(client.info?.peerFingerprint, serverCert.fingerprint());
    assert.equal(peer.info?.peerFingerprint, clientCert.fingerprint());
    assert.deepEqual(
      client.exportKeyingMaterial('EXPERIMENTAL test', 32),
      peer.exportKeyingMaterial('EXPERIMENTAL test', 32),
    );
    const a = client.srtpKeyingMaterial()!;
    const b = peer.srtpKeyingMaterial()!;
    assert.equal(a.profile, 'SRTP_AEAD_AES_128_GCM');
    assert.deepEqual(a.localMasterKey, b.remoteMasterKey);
    assert.deepEqual(a.remoteMasterSalt, b.localMasterSalt);

    const it = peer[Symbol.asyncIterator]();
    client.send(new TextEncoder().encode('one'));
    client.send(new TextEncoder().encode('two'));
    assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'one');
    assert.equal(Buffer.from((await it.next()).value as Uint8Array).toString(), 'two');
    const reply = once(client, 'data') as Promise<[Uint8Array]>;
    peer.send(new TextEncoder().encode('back'));
    assert.equal(Buffer.from((await reply)[0]).toString(), 'back');
    // One send is one datagram: the limit is exposed and larger data is refused at once.
    assert.equal(client.maxSendSize, 1200 - 13 - 24);
    assert.throws(() => client.send(new Uint8Array(client.maxSendSize! + 1)), /maxSendSize/);

    const peerClosed = peer.closed;
    await client.close();
    assert.equal((await peerClosed).reason, 'close-notify');
    assert.equal((await it.next()).done, true);
    assert.equal(server.stats.peers, 0);
    assert.throws(() => client.send(new Uint8Array(1)), /closed/);
  } finally {
    await server.close();
  }
});

test('one server socket serves several peers at once, each with its own keys', CASE, async () => {
  const { server, port } = await startServer({ requireClientCertificate: false });
  try {
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert })),
    );
    const keys = new Set(
      clients.map((c) => Buffer.from(c.exportKeyingMaterial('EXPERIMENTAL k', 16)).toString('hex')),
    );
    assert.equal(keys.size, 5);
    assert.equal(server.stats.peers, 5);
    assert.equal(server.stats.helloVerifyRequests, 5);
    assert.equal(server.connections().length, 5);
    await Promise.all(clients.map((c) => c.close()));
  } finally {
    await server.close();
  }
});

test('a full peer table turns new peers away without touching the existing one', CASE, async () => {
  const { server, port } = await startServer({ maxPeers: 1 });
  try {
    const first = await connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
    await assert.rejects(
      connect({ ...FAST, handshakeTimeoutMs: 800, host: '127.0.0.1', port, certificate: clientCert }),
      (e: unknown) => e instanceof DtlsHandshakeError && e.close.reason === 'handshake-timeout',
    );
    assert.ok(server.stats.peerTableFull >= 1);
    assert.equal(server.stats.peers, 1);
    assert.equal(first.state, 'connected');
    await first.close();
  } finally {
    await server.close();
  }
});

test(
  'a ClientHello without a cookie gets one small HelloVerifyRequest and creates no peer',
  CASE,
  async () => {
    const { server, port } = await startServer();
    const raw = createSocket('udp4');
    try {
      await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
      const engine = new DtlsEngine({ role: 'client', certificate: clientCert });
      engine.start(0);
      const hello = engine.pollTransmit()!;
      const reply = once(raw, 'message') as Promise<[Buffer]>;
      raw.send(hello, port, '127.0.0.1');
      const [msg] = await reply;
      assert.equal(msg[0], 22); // handshake record
      assert.equal(msg[13], 3); // hello_verify_request (RFC 6347 §4.2.1)
      assert.ok(msg.length <= hello.length, 'the reply is no larger than the ClientHello (no amplification)');
      assert.equal(server.stats.peers, 0);
      assert.equal(server.stats.helloVerifyRequests, 1);

      raw.send(Uint8Array.of(23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 2, 9, 9), port, '127.0.0.1');
      raw.send(new Uint8Array(40).fill(0xff), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(server.stats.gateDrops, 2);
      assert.equal(server.stats.peers, 0);
    } finally {
      raw.close();
      await server.close();
    }
  },
);

test('with cookieExchange off the server answers the first ClientHello directly', CASE, async () => {
  const { server, port } = await startServer({ cookieExchange: false, requireClientCertificate: false });
  try {
    const client = await connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
    assert.equal(server.stats.helloVerifyRequests, 0);
    await client.close();
  } finally {
    await server.close();
  }
});

test('a fingerprint mismatch rejects connect() and reports handshakeError on the server', CASE, async () => {
  const { server, port } = await startServer();
  try {
    const serverSide = once(server, 'handshakeError');
    await assert.rejects(
      connect({
        ...FAST,
        host: '127.0.0.1',
        port,
        certificate: clientCert,
        expectedFingerprint: clientCert.fingerprint(),
      }),
      (e: unknown) => e instanceof DtlsHandshakeError && e.close.alert === 'bad_certificate',
    );
    const [, err] = (await serverSide) as [unknown, DtlsHandshakeError];
    assert.equal(err.close.reason, 'alert-received');
    assert.equal(server.stats.handshakeFailures, 1);
  } finally {
    await server.close();
  }
});

test('server close sends close_notify to connected peers', CASE, async () => {
  const { server, port } = await startServer();
  const client = await connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
  await server.close();
  assert.equal((await client.closed).reason, 'close-notify');
});

test('misuse throws naming the option', async () => {
  await assert.rejects(connect({ host: '', port: 1, certificate: clientCert }), /host/);
  await assert.rejects(connect({ host: '127.0.0.1', port: 0, certificate: clientCert }), /port/);
  assert.throws(() => createDtlsServer({ port: -1, certificate: serverCert }), /port/);
  assert.throws(() => createDtlsServer({ port: 0, maxPeers: 0, certificate: serverCert }), /maxPeers/);
  assert.throws(() => createDtlsServer({ port: 0 }), /certificate/);
});

test('a connected peer silent for idleTimeoutMs is closed and leaves the table', CASE, async () => {
  const { server, port } = await startServer({ idleTimeoutMs: 300 });
  try {
    const client = await connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
    assert.equal(server.stats.peers, 1);
    assert.equal((await client.closed).reason, 'close-notify');
    assert.equal(server.stats.idleEvictions, 1);
    assert.equal(server.stats.peers, 0);
  } finally {
    await server.close();
  }
});

test('traffic keeps a peer past idleTimeoutMs', CASE, async () => {
  const { server, port } = await startServer({ idleTimeoutMs: 400 });
  try {
    const client = await connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
    for (let i = 0; i < 8; i++) {
      client.send(Uint8Array.of(i));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(client.state, 'connected');
    assert.equal(server.stats.idleEvictions, 0);
    await client.close();
  } finally {
    await server.close();
  }
});

test('the client retransmits on its timer until a server that starts late answers', CASE, async () => {
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const pending = connect({ ...FAST, host: '127.0.0.1', port, certificate: clientCert });
  await new Promise((r) => setTimeout(r, 350));
  const server = createDtlsServer({ ...FAST, host: '127.0.0.1', port, certificate: serverCert });
  try {
    await server.ready;
    const client = await pending;
    assert.equal(client.state, 'connected');
    assert.ok(client.stats.datagramsSent >= 3, `sent ${client.stats.datagramsSent} datagrams`);
    await client.close();
  } finally {
    await server.close();
  }
});
