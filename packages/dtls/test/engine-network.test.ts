import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { connectedEvent, type LinkProfile, simulate } from './sim/network.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

const HOSTILE: LinkProfile = { loss: 0.3, duplicate: 0.1, reorder: 0.2, mtu: 300, delayMs: [5, 40] };

test('handshakes complete and keys agree over 30% loss, duplication, reordering and MTU 300 (100 seeds)', () => {
  let retransmissions = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const r = simulate(
      {
        certificate: a,
        expectedFingerprint: b.fingerprint(),
        mtu: 300,
        retransmit: { initialMs: 100 },
        handshakeTimeoutMs: 120_000,
      },
      {
        certificate: b,
        expectedFingerprint: a.fingerprint(),
        mtu: 300,
        retransmit: { initialMs: 100 },
        handshakeTimeoutMs: 120_000,
      },
      { seed, link: HOSTILE },
    );
    const detail = `seed ${seed}: ${JSON.stringify([r.clientEvents.at(-1), r.serverEvents.at(-1)])}`;
    assert.equal(r.client.state, 'connected', detail);
    assert.equal(r.server.state, 'connected', detail);
    const c = connectedEvent(r.clientEvents)!;
    const s = connectedEvent(r.serverEvents)!;
    assert.deepEqual(c.srtp!.localMasterKey, s.srtp!.remoteMasterKey, `seed ${seed}`);
    assert.deepEqual(
      r.client.exportKeyingMaterial('EXPERIMENTAL-sim', 16),
      r.server.exportKeyingMaterial('EXPERIMENTAL-sim', 16),
    );
    retransmissions += r.client.stats.retransmissions + r.server.stats.retransmissions;
  }
  assert.ok(retransmissions > 100, 'the lossy path really forced retransmissions');
});

test('the same seed replays the same run', () => {
  const run = () =>
    simulate({ certificate: a, mtu: 300 }, { certificate: b, mtu: 300 }, { seed: 77, link: HOSTILE });
  const x = run();
  const y = run();
  assert.deepEqual(x.clientSends, y.clientSends);
  assert.deepEqual(x.serverSends, y.serverSends);
});

test('a flight fragmented for MTU 300 never exceeds it', () => {
  const sizes: number[] = [];
  simulate(
    { certificate: a, mtu: 300 },
    { certificate: b, mtu: 300 },
    {
      seed: 3,
      tamper: (d) => {
        sizes.push(d.length);
        return d;
      },
    },
  );
  assert.ok(sizes.length > 4);
  assert.ok(Math.max(...sizes) <= 300);
});

test('the retransmission timer doubles from its initial value up to its cap (RFC 6347 §4.2.4.1)', () => {
  const r = simulate(
    { certificate: a, retransmit: { initialMs: 1000, maxMs: 8000 }, handshakeTimeoutMs: 40_000 },
    { certificate: b },
    { seed: 1, silentServer: true },
  );
  // flight 1 at 0, then after 1, 2, 4, 8, 8, 8 s
  assert.deepEqual(r.clientSends, [0, 1000, 3000, 7000, 15000, 23000, 31000, 39000]);
  assert.equal(r.client.stats.retransmissions, 7);
});

test('a silent peer ends the handshake with handshake-timeout, not a hang', () => {
  const r = simulate(
    { certificate: a },
    { certificate: b },
    { seed: 1, silentServer: true, until: ({ client }) => client.state === 'closed' },
  );
  assert.equal(r.now, 30_000, 'the default handshake timeout is 30 s');
  assert.deepEqual(r.clientEvents.at(-1), {
    type: 'closed',
    reason: 'handshake-timeout',
    detail: 'no handshake after 30000 ms',
  });
  assert.deepEqual(r.clientSends, [0, 1000, 3000, 7000, 15000]);
  assert.equal(r.client.nextTimeout(), undefined);
});

test('a server whose flight 6 was lost re-sends it when the client repeats flight 5', () => {
  let dropped = false;
  const r = simulate(
    { certificate: a, retransmit: { initialMs: 1000 } },
    { certificate: b },
    {
      seed: 5,
      tamper: (d, from) => {
        // Drop the first datagram carrying epoch-1 records from the server: its Finished.
        if (from === 'server' && !dropped && d.includes(0x14) && d[0] === 20) {
          dropped = true;
          return undefined;
        }
        return d;
      },
    },
  );
  assert.ok(dropped);
  assert.equal(r.client.state, 'connected');
  assert.equal(r.server.stats.retransmissions, 1, 'flight 6 was re-sent once, on the repeated flight 5');
  assert.equal(r.client.stats.retransmissions, 1);
});

test('any datagram of a repeated flight 5 brings flight 6 again, once per repetition', async () => {
  const { DtlsEngine } = await import('../src/engine.js');
  const { drain } = await import('./sim/craft.js');
  const client = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'client',
    certificate: a,
    mtu: 300,
    retransmit: { initialMs: 100 },
  });
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    mtu: 300,
    cookieExchange: false,
  });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  for (const d of drain(server)) client.handleDatagram(d, 2);
  for (const d of drain(client)) server.handleDatagram(d, 3);
  assert.equal(server.state, 'connected');
  drain(server); // flight 6 lost
  client.handleTimeout(client.nextTimeout()!);
  const again = drain(client);
  assert.ok(again.length >= 2, 'flight 5 spans several datagrams at MTU 300');
  // Only the first datagram (the start of the client Certificate) gets through: enough.
  server.handleDatagram(again[0]!, 200);
  assert.equal(server.stats.retransmissions, 1);
  for (const d of again.slice(1)) server.handleDatagram(d, 201);
  assert.equal(server.stats.retransmissions, 1, 'the rest of the same repetition adds nothing');
  for (const d of drain(server)) client.handleDatagram(d, 202);
  assert.equal(client.state, 'connected');
});
