import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { DtlsCertificate } from '../../src/certificate.js';
import { resolveConfig } from '../../src/config.js';
import { encodeHandshakeFragment } from '../../src/handshake/fragment.js';
import { Dtls13Client } from '../../src/v13/client13.js';
import { DEFAULT_DTLS13_OPTIONS } from '../../src/v13/connection13.js';
import { encodeHelloRetryRequest } from '../../src/v13/messages/hello-builders.js';
import { encodePlaintextRecord, splitDatagram13 } from '../../src/v13/record-header.js';
import { Prng } from '../sim/prng.js';
import { connected, settle, simulate13, testCertificates } from './sim13.js';

let certs: { client: DtlsCertificate; server: DtlsCertificate };
before(async () => {
  certs = await testCertificates();
});

const webrtc = () => ({
  client: { certificate: certs.client, expectedFingerprint: certs.server.fingerprint() },
  server: { certificate: certs.server, expectedFingerprint: certs.client.fingerprint() },
});

/** First bytes of every record in a datagram: 22 plaintext handshake, 0x2x ciphertext. */
function firstRecordIsHelloRetry(d: Uint8Array): boolean {
  const s = splitDatagram13(d);
  const r = s.records[0];
  // A HelloRetryRequest is a plaintext ServerHello whose random is the special value.
  return (
    r?.kind === 'plaintext' &&
    r.fragment[0] === 2 &&
    Buffer.from(r.fragment.subarray(12 + 2, 12 + 6)).toString('hex') === 'cf21ad74'
  );
}

test('DTLS 1.3 handshake: X25519MLKEM768, SRTP keys and exporter agree, fingerprints checked, the final flight is acknowledged', () => {
  const { client, server } = webrtc();
  // Run until the client's final flight is acknowledged, not merely until both report connected.
  const r = simulate13(client, server, {
    seed: 1,
    until: ({ client: cl, server: sv }) =>
      cl.state === 'closed' ||
      sv.state === 'closed' ||
      (cl.state === 'connected' && sv.state === 'connected' && cl.nextTimeout() === undefined),
  });
  const c = connected(r.clientEvents);
  const s = connected(r.serverEvents);
  assert.ok(c && s, JSON.stringify(r.clientEvents.concat(r.serverEvents)));
  assert.equal(c.version, 'DTLS 1.3');
  assert.equal(c.group, 'X25519MLKEM768');
  assert.equal(s.group, 'X25519MLKEM768');
  assert.equal(c.cipherSuite, 'TLS_AES_128_GCM_SHA256');
  assert.equal(c.srtpProfile, 'SRTP_AEAD_AES_128_GCM');
  assert.deepEqual(c.srtp?.localMasterKey, s.srtp?.remoteMasterKey);
  assert.deepEqual(c.srtp?.remoteMasterSalt, s.srtp?.localMasterSalt);
  assert.equal(c.peerFingerprint, certs.server.fingerprint());
  assert.equal(s.peerFingerprint, certs.client.fingerprint());
  assert.deepEqual(
    r.client.exportKeyingMaterial('EXTRACTOR-test', 32),
    r.server.exportKeyingMaterial('EXTRACTOR-test', 32),
  );
  // The server's first answer is a stateless HelloRetryRequest with a cookie (cookie exchange on by default).
  assert.ok(firstRecordIsHelloRetry(r.serverSent[0]!));
  // The client kept its final flight until the server's ACK arrived, then has no timer left.
  assert.equal(r.client.nextTimeout(), undefined);
  assert.equal(r.server.nextTimeout(), undefined);
  assert.equal(r.client.stats.retransmissions, 0);
  assert.equal(r.server.stats.retransmissions, 0);
});

test('without the cookie exchange the server answers the first ClientHello at once', () => {
  const { client, server } = webrtc();
  const r = simulate13(client, { ...server, cookieExchange: false }, { seed: 2 });
  assert.ok(connected(r.clientEvents) && connected(r.serverEvents));
  assert.equal(firstRecordIsHelloRetry(r.serverSent[0]!), false);
});

for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  for (const group of [0x11ec, 29, 23, 24] as const) {
    test(`${suite} with group 0x${group.toString(16)} completes and exchanges data`, () => {
      const { client, server } = webrtc();
      const r = simulate13(client, server, {
        seed: group,
        clientOptions: { keyShareGroups: [group] },
        serverOptions: {
          cipherSuites: DEFAULT_DTLS13_OPTIONS.cipherSuites.filter((s) => s.name === suite),
          groups: [group],
        },
      });
      const c = connected(r.clientEvents);
      assert.ok(c, JSON.stringify(r.clientEvents.concat(r.serverEvents)));
      assert.equal(c.cipherSuite, suite);
      r.client.send(Uint8Array.of(1, 2, 3), r.now);
      r.server.send(Uint8Array.of(4, 5), r.now);
      settle(r.client, r.server, r.now);
      const got = (events: typeof r.clientEvents) =>
        events.filter((e) => e.type === 'data').map((e) => (e.type === 'data' ? [...e.data] : []));
      for (let e = r.server.pollEvent(); e; e = r.server.pollEvent()) r.serverEvents.push(e);
      for (let e = r.client.pollEvent(); e; e = r.client.pollEvent()) r.clientEvents.push(e);
      assert.deepEqual(got(r.serverEvents), [[1, 2, 3]]);
      assert.deepEqual(got(r.clientEvents), [[4, 5]]);
    });
  }
}

test('a client without a share of the server’s groups is asked for one by HelloRetryRequest (RFC 8446 §4.1.4)', () => {
  const { client, server } = webrtc();
  const r = simulate13(
    client,
    { ...server, cookieExchange: false },
    {
      seed: 3,
      clientOptions: { keyShareGroups: [23] },
      serverOptions: { groups: [29, 24] },
    },
  );
  const c = connected(r.clientEvents);
  assert.ok(c, JSON.stringify(r.clientEvents.concat(r.serverEvents)));
  assert.equal(c.group, 'x25519');
  assert.ok(firstRecordIsHelloRetry(r.serverSent[0]!));
});

test('the server prefers X25519MLKEM768 over x25519 when the client shares both', () => {
  const { client, server } = webrtc();
  const r = simulate13(client, server, { seed: 4, clientOptions: { keyShareGroups: [29, 0x11ec] } });
  assert.equal(connected(r.serverEvents)?.group, 'X25519MLKEM768');
});

test('a second HelloRetryRequest is refused with unexpected_message', () => {
  const prng = new Prng(9);
  const client = new Dtls13Client(
    resolveConfig({ role: 'client', certificate: certs.client, rng: (n) => prng.bytes(n) }),
    DEFAULT_DTLS13_OPTIONS,
  );
  client.start(0);
  while (client.pollTransmit()) {}
  const hrr = (seq: number, cookie: number) => {
    const body = encodeHelloRetryRequest(0x1301, undefined, Uint8Array.of(cookie, 1, 2, 3));
    return encodePlaintextRecord(22, seq, encodeHandshakeFragment(2, seq, body, 0, body.length));
  };
  client.handleDatagram(hrr(0, 1), 10);
  assert.equal(client.state, 'handshaking');
  assert.ok(client.pollTransmit(), 'the client answers the first retry');
  client.handleDatagram(hrr(1, 2), 20);
  assert.equal(client.state, 'closed');
  const events = [];
  for (let e = client.pollEvent(); e; e = client.pollEvent()) events.push(e);
  assert.ok(
    events.some((e) => e.type === 'closed' && e.alert === 'unexpected_message'),
    JSON.stringify(events),
  );
});

test('a server certificate that does not match the expected fingerprint ends the handshake with bad_certificate', () => {
  const { client, server } = webrtc();
  const r = simulate13({ ...client, expectedFingerprint: certs.client.fingerprint() }, server, { seed: 5 });
  assert.equal(connected(r.clientEvents), undefined);
  assert.ok(r.clientEvents.some((e) => e.type === 'closed' && e.alert === 'bad_certificate'));
});

test('a client certificate that does not match ends the handshake on the server with bad_certificate', () => {
  const { client, server } = webrtc();
  const r = simulate13(client, { ...server, expectedFingerprint: certs.server.fingerprint() }, { seed: 6 });
  assert.equal(connected(r.serverEvents), undefined);
  assert.ok(r.serverEvents.some((e) => e.type === 'closed' && e.alert === 'bad_certificate'));
});

test('a client without a certificate is refused with certificate_required', () => {
  const { server } = webrtc();
  // The 1.2 suite list only satisfies the shared config; the 1.3 client offers its own suites.
  const r = simulate13(
    {
      expectedFingerprint: certs.server.fingerprint(),
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
    },
    server,
    { seed: 7 },
  );
  assert.equal(connected(r.serverEvents), undefined);
  assert.ok(
    r.serverEvents.some((e) => e.type === 'closed' && e.alert === 'unknown_alert_116'),
    JSON.stringify(r.serverEvents),
  );
});
