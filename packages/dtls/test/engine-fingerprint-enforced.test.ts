import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { DtlsEngine } from '../src/engine.js';
import type { DtlsEvent } from '../src/events.js';
import { drain, events, handshakeMessages } from './sim/craft.js';

/*
 * expectedFingerprint is always enforced: no configuration lets a peer reach `connected` without a
 * certificate of that fingerprint.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;
let other: DtlsCertificate;

before(async () => {
  [a, b, other] = await Promise.all([generateCertificate(), generateCertificate(), generateCertificate()]);
});

function run(clientConfig: Omit<DtlsConfig, 'role'>, serverConfig: Omit<DtlsConfig, 'role'>) {
  const client = new DtlsEngine({ role: 'client', ...clientConfig });
  const server = new DtlsEngine({ role: 'server', ...serverConfig });
  const clientEvents: DtlsEvent[] = [];
  const serverEvents: DtlsEvent[] = [];
  const toClient: Uint8Array[] = [];
  client.start(0);
  for (let round = 0; round < 20; round++) {
    const c = drain(client);
    const s = drain(server);
    toClient.push(...s);
    for (const d of c) server.handleDatagram(d, 1);
    for (const d of s) client.handleDatagram(d, 1);
    clientEvents.push(...events(client));
    serverEvents.push(...events(server));
    if (c.length === 0 && s.length === 0) break;
  }
  return { client, server, clientEvents, serverEvents, toClient };
}

const closed = (evs: DtlsEvent[]) => evs.find((e) => e.type === 'closed');
const SERVER = (fingerprint: string) => ({
  certificate: b,
  expectedFingerprint: fingerprint,
  requireClientCertificate: false,
});

for (const maxVersion of ['DTLS 1.2', undefined] as const) {
  const on = maxVersion === undefined ? 'default versions (DTLS 1.3)' : maxVersion;
  const pin = maxVersion === undefined ? {} : { maxVersion };

  test(`a server expecting a fingerprint sends CertificateRequest even with requireClientCertificate false (${on})`, () => {
    const r = run({ certificate: a }, { ...SERVER(a.fingerprint()), ...pin });
    const connected = r.serverEvents.find((e) => e.type === 'connected');
    if (maxVersion === 'DTLS 1.2') {
      assert.ok(
        handshakeMessages(r.toClient).some((m) => m.msgType === 13),
        'CertificateRequest in flight 4',
      );
    } else {
      // DTLS 1.3 encrypts the CertificateRequest: the client's certificate, sent only on request
      // (RFC 8446 §4.4.2), shows it was there.
      assert.equal(connected?.type === 'connected' ? connected.version : undefined, 'DTLS 1.3');
    }
    assert.equal(r.server.state, 'connected');
    assert.equal(connected?.type === 'connected' ? connected.peerFingerprint : undefined, a.fingerprint());
  });

  test(`a peer without a certificate fails the handshake with handshake_failure, named (${on})`, () => {
    const r = run(
      { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] },
      { ...SERVER(a.fingerprint()), ...pin },
    );
    assert.notEqual(r.server.state, 'connected');
    assert.deepEqual(closed(r.serverEvents), {
      type: 'closed',
      reason: 'alert-sent',
      alert: 'handshake_failure',
      detail: 'client sent no certificate, but expectedFingerprint is set',
    });
    if (maxVersion === 'DTLS 1.2') {
      assert.ok(!r.clientEvents.some((e) => e.type === 'connected'));
    } else {
      // In DTLS 1.3 the client finishes first (RFC 8446 §2): the server's alert ends it at once.
      assert.equal(r.client.state, 'closed');
      const c = closed(r.clientEvents);
      assert.equal(c?.type === 'closed' ? c.alert : undefined, 'handshake_failure');
    }
  });
}

test('a peer with another certificate fails the handshake with bad_certificate', () => {
  const r = run({ certificate: other }, SERVER(a.fingerprint()));
  assert.notEqual(r.server.state, 'connected');
  const c = closed(r.serverEvents);
  assert.equal(c?.type === 'closed' ? c.alert : undefined, 'bad_certificate');
});

test('expectedFingerprint with the PSK suites, which exchange no certificate, is refused; defaults leave them out', () => {
  const psk = { identity: 'id', key: Uint8Array.of(1, 2, 3) };
  assert.throws(
    () =>
      new DtlsEngine({
        role: 'client',
        psk,
        expectedFingerprint: b.fingerprint(),
        cipherSuites: ['TLS_PSK_WITH_AES_128_GCM_SHA256'],
      }),
    /config\.expectedFingerprint cannot be enforced with the PSK suites/,
  );
  assert.throws(
    () =>
      new DtlsEngine({
        role: 'server',
        certificate: b,
        pskLookup: () => psk.key,
        expectedFingerprint: a.fingerprint(),
        cipherSuites: ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
      }),
    /config\.expectedFingerprint/,
  );
  // A server with a PSK lookup, a certificate and a fingerprint: a PSK-only client finds no common
  // suite instead of connecting without a certificate.
  const r = run(
    { psk, cipherSuites: ['TLS_PSK_WITH_AES_128_GCM_SHA256'] },
    { certificate: b, pskLookup: () => psk.key, expectedFingerprint: a.fingerprint() },
  );
  assert.notEqual(r.server.state, 'connected');
  assert.notEqual(r.client.state, 'connected');
});
