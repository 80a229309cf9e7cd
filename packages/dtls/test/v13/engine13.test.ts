import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { DtlsCertificate } from '../../src/certificate.js';
import { DtlsEngine } from '../../src/engine.js';
import { hasDowngradeSentinel } from '../../src/v13/messages/hello13.js';
import { splitDatagram13 } from '../../src/v13/record-header.js';
import { connectedEvent, simulate } from '../sim/network.js';
import { testCertificates } from './sim13.js';

let certs: { client: DtlsCertificate; server: DtlsCertificate };
before(async () => {
  certs = await testCertificates();
});

/** The engine's defaults (minVersion 1.2, maxVersion 1.3); simulate() alone pins 1.2. */
const DEFAULT_VERSIONS = { maxVersion: 'DTLS 1.3' } as const;

const configs = () => ({
  client: { certificate: certs.client, expectedFingerprint: certs.server.fingerprint(), ...DEFAULT_VERSIONS },
  server: { certificate: certs.server, expectedFingerprint: certs.client.fingerprint(), ...DEFAULT_VERSIONS },
});

/** The ServerHello random of the first ServerHello the server sent (plaintext fragment at offset 0). */
function serverHelloRandom(sent: readonly Uint8Array[]): Uint8Array | undefined {
  for (const d of sent)
    for (const r of splitDatagram13(d).records)
      if (
        r.kind === 'plaintext' &&
        r.fragment[0] === 2 &&
        r.fragment[6] === 0 &&
        r.fragment[7] === 0 &&
        r.fragment[8] === 0
      )
        return r.fragment.subarray(12 + 2, 12 + 34);
  return undefined;
}

test('default engines negotiate DTLS 1.3 with X25519MLKEM768 through the cookie exchange, and agree on SRTP keys', () => {
  const { client, server } = configs();
  const r = simulate(client, server, { seed: 21 });
  const c = connectedEvent(r.clientEvents);
  const s = connectedEvent(r.serverEvents);
  assert.ok(c && s, JSON.stringify(r.clientEvents.concat(r.serverEvents)));
  assert.deepEqual(
    [c.version, s.version, c.group, s.group],
    ['DTLS 1.3', 'DTLS 1.3', 'X25519MLKEM768', 'X25519MLKEM768'],
  );
  assert.deepEqual(c.srtp?.localMasterKey, s.srtp?.remoteMasterKey);
  assert.deepEqual(r.client.srtpKeyingMaterial(), c.srtp);
  assert.deepEqual(
    r.client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
    r.server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60),
  );
});

test('default engines reach DTLS 1.3 over loss, duplication, reordering and MTU 300 (20 seeds)', () => {
  const { client, server } = configs();
  const link = { loss: 0.2, duplicate: 0.1, reorder: 0.2, mtu: 300, delayMs: [5, 40] as const };
  for (let seed = 300; seed < 320; seed++) {
    const r = simulate(
      { ...client, mtu: 300, retransmit: { initialMs: 200 }, handshakeTimeoutMs: 120_000 },
      { ...server, mtu: 300, retransmit: { initialMs: 200 }, handshakeTimeoutMs: 120_000 },
      { seed, link },
    );
    const c = connectedEvent(r.clientEvents);
    assert.equal(
      c?.version,
      'DTLS 1.3',
      `seed ${seed}: ${JSON.stringify(r.clientEvents.concat(r.serverEvents))}`,
    );
    assert.deepEqual(c?.srtp?.localMasterKey, connectedEvent(r.serverEvents)?.srtp?.remoteMasterKey);
  }
});

test('a client offering both completes DTLS 1.2 with a server pinned to 1.2, which sets no downgrade sentinel', () => {
  const { client, server } = configs();
  const r = simulate(client, { ...server, maxVersion: 'DTLS 1.2' }, { seed: 22 });
  const c = connectedEvent(r.clientEvents);
  assert.equal(c?.version, 'DTLS 1.2', JSON.stringify(r.clientEvents));
  assert.equal(c?.group, undefined);
  assert.equal(connectedEvent(r.serverEvents)?.version, 'DTLS 1.2');
});

test('a 1.2-only client gets DTLS 1.2 from the default server, whose random carries the downgrade sentinel', () => {
  const { client, server } = configs();
  const sent: Uint8Array[] = [];
  const r = simulate({ ...client, maxVersion: 'DTLS 1.2' }, server, {
    seed: 23,
    tamper: (d, from) => {
      if (from === 'server') sent.push(d);
      return d;
    },
  });
  assert.equal(connectedEvent(r.clientEvents)?.version, 'DTLS 1.2');
  assert.equal(connectedEvent(r.serverEvents)?.version, 'DTLS 1.2');
  const random = serverHelloRandom(sent);
  assert.ok(random);
  assert.equal(hasDowngradeSentinel(random), true, 'RFC 8446 §4.1.3');
});

test('a ClientHello stripped of DTLS 1.3 in flight is caught by the downgrade sentinel (illegal_parameter)', () => {
  const { client, server } = configs();
  let stripped = 0;
  const r = simulate(client, server, {
    seed: 24,
    tamper: (d, from) => {
      if (from !== 'client') return d;
      // supported_versions (43) offering fefc, fefd: renamed to an unknown extension type.
      const out = Uint8Array.from(d);
      for (let i = 0; i + 8 < out.length; i++)
        if (
          out[i] === 0 &&
          out[i + 1] === 43 &&
          out[i + 2] === 0 &&
          out[i + 3] === 5 &&
          out[i + 4] === 4 &&
          out[i + 5] === 0xfe &&
          out[i + 6] === 0xfc
        ) {
          out[i] = 0xfa;
          stripped++;
        }
      return out;
    },
  });
  assert.ok(stripped > 0);
  assert.equal(connectedEvent(r.clientEvents), undefined);
  const closed = r.clientEvents.find((e) => e.type === 'closed');
  assert.ok(
    closed?.type === 'closed' &&
      closed.alert === 'illegal_parameter' &&
      /downgrade/.test(closed.detail ?? ''),
    JSON.stringify(r.clientEvents),
  );
});

test('a client offering both follows a DTLS 1.2 HelloVerifyRequest and completes 1.2 with a 1.2 server', () => {
  const { client, server } = configs();
  const r = simulate(client, { ...server, maxVersion: 'DTLS 1.2', cookieExchange: true }, { seed: 25 });
  assert.equal(connectedEvent(r.clientEvents)?.version, 'DTLS 1.2', JSON.stringify(r.clientEvents));
});

test('minVersion DTLS 1.3 on the server refuses a 1.2-only client with protocol_version', () => {
  const { client, server } = configs();
  const r = simulate(
    { ...client, maxVersion: 'DTLS 1.2' },
    { ...server, minVersion: 'DTLS 1.3', cookieExchange: false },
    { seed: 26 },
  );
  assert.equal(connectedEvent(r.serverEvents), undefined);
  assert.ok(
    r.serverEvents.some((e) => e.type === 'closed' && e.alert === 'protocol_version'),
    JSON.stringify(r.serverEvents),
  );
});

test('minVersion DTLS 1.3 on both ends negotiates 1.3; bad version settings throw naming the field', () => {
  const { client, server } = configs();
  const r = simulate(
    { ...client, minVersion: 'DTLS 1.3' },
    { ...server, minVersion: 'DTLS 1.3' },
    { seed: 27 },
  );
  assert.equal(connectedEvent(r.clientEvents)?.version, 'DTLS 1.3');
  const certificate = certs.client;
  assert.throws(
    () => new DtlsEngine({ role: 'client', certificate, minVersion: 'DTLS 1.3', maxVersion: 'DTLS 1.2' }),
    /minVersion/,
  );
  assert.throws(
    () => new DtlsEngine({ role: 'client', certificate, maxVersion: 'TLS 1.3' as 'DTLS 1.3' }),
    /maxVersion/,
  );
});

test('a server pinned to DTLS 1.2 does not mark its random with the downgrade sentinel', () => {
  const { client, server } = configs();
  const sent: Uint8Array[] = [];
  simulate(
    { ...client, maxVersion: 'DTLS 1.2' },
    { ...server, maxVersion: 'DTLS 1.2', cookieExchange: false },
    {
      seed: 28,
      tamper: (d, from) => {
        if (from === 'server') sent.push(d);
        return d;
      },
    },
  );
  const random = serverHelloRandom(sent);
  assert.equal(random?.length, 32);
  assert.equal(hasDowngradeSentinel(random!), false, 'a server pinned to 1.2 does not mark its random');
});
