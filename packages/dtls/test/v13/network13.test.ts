import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { DtlsCertificate } from '../../src/certificate.js';
import { splitDatagram13 } from '../../src/v13/record-header.js';
import type { LinkProfile } from '../sim/network.js';
import { connected, settle, simulate13, testCertificates } from './sim13.js';

let certs: { client: DtlsCertificate; server: DtlsCertificate };
before(async () => {
  certs = await testCertificates();
});

const configs = () => ({
  client: {
    certificate: certs.client,
    expectedFingerprint: certs.server.fingerprint(),
    retransmit: { initialMs: 200 },
  },
  server: {
    certificate: certs.server,
    expectedFingerprint: certs.client.fingerprint(),
    retransmit: { initialMs: 200 },
  },
});

const HOSTILE: LinkProfile = { loss: 0.2, duplicate: 0.1, reorder: 0.2, mtu: 300, delayMs: [5, 40] };

test('MTU 300: every datagram fits and the ServerHello with its 1120-byte share is fragmented', () => {
  const { client, server } = configs();
  const r = simulate13(
    { ...client, mtu: 300 },
    { ...server, mtu: 300 },
    { seed: 11, link: { loss: 0, duplicate: 0, reorder: 0, mtu: 300, delayMs: [5, 5] } },
  );
  assert.ok(
    connected(r.clientEvents) && connected(r.serverEvents),
    JSON.stringify(r.clientEvents.concat(r.serverEvents)),
  );
  for (const d of r.clientSent.concat(r.serverSent))
    assert.ok(d.length <= 300, `datagram of ${d.length} bytes`);
  // ServerHello (type 2) fragments in plaintext records: more than one, covering 1120 + headers.
  let shFragments = 0;
  for (const d of r.serverSent)
    for (const rec of splitDatagram13(d).records)
      if (
        rec.kind === 'plaintext' &&
        rec.fragment[0] === 2 &&
        rec.fragment.length > 12 &&
        ((rec.fragment[1]! << 16) | (rec.fragment[2]! << 8) | rec.fragment[3]!) > 1000
      )
        shFragments++;
  assert.ok(shFragments >= 5, `ServerHello in ${shFragments} fragments`);
  // So is the client's 1216-byte share in its ClientHello.
  assert.ok(r.clientSent.length >= 5);
});

test('the handshake completes through loss, duplication, reordering and MTU 300 for 40 seeds', () => {
  const { client, server } = configs();
  let retransmissions = 0;
  for (let seed = 100; seed < 140; seed++) {
    const r = simulate13(
      { ...client, mtu: 300, handshakeTimeoutMs: 120_000 },
      { ...server, mtu: 300, handshakeTimeoutMs: 120_000 },
      { seed, link: HOSTILE },
    );
    const c = connected(r.clientEvents);
    const s = connected(r.serverEvents);
    assert.ok(c && s, `seed ${seed}: ${JSON.stringify(r.clientEvents.concat(r.serverEvents))}`);
    assert.deepEqual(c.srtp?.localMasterKey, s.srtp?.remoteMasterKey, `seed ${seed}`);
    retransmissions += r.client.stats.retransmissions + r.server.stats.retransmissions;
  }
  assert.ok(retransmissions > 0, 'the lossy link made the engines retransmit');
});

test('the same seed replays the same run', () => {
  const { client, server } = configs();
  const a = simulate13(client, server, { seed: 77, link: HOSTILE });
  const b = simulate13(client, server, { seed: 77, link: HOSTILE });
  assert.equal(a.now, b.now);
  assert.deepEqual(a.clientSent, b.clientSent);
  assert.deepEqual(a.serverSent, b.serverSent);
});

test('a dropped first flight is retransmitted by following nextTimeout() alone', () => {
  const { client, server } = configs();
  let dropped = 0;
  const r = simulate13(client, server, {
    seed: 12,
    tamper: (d, from) => {
      if (from === 'client' && dropped < 5) {
        dropped++;
        return undefined;
      }
      return d;
    },
  });
  assert.ok(connected(r.clientEvents) && connected(r.serverEvents));
  assert.ok(r.client.stats.retransmissions >= 1);
});

test('a lost final flight and lost ACKs are recovered: the client re-sends only until the ACK arrives', () => {
  const { client, server } = configs();
  // Drop the client's first Finished flight (its first epoch-2 datagrams) and the server's first ACK.
  let clientEncrypted = 0;
  let serverAcks = 0;
  const r = simulate13(client, server, {
    seed: 13,
    tamper: (d, from) => {
      const recs = splitDatagram13(d).records;
      const encrypted = recs.some((x) => x.kind === 'ciphertext');
      if (from === 'client' && encrypted && clientEncrypted++ === 0) return undefined;
      if (from === 'server' && encrypted && recs.length === 1 && d.length < 100 && serverAcks++ < 2)
        return undefined;
      return d;
    },
    until: ({ client: c, server: s }) =>
      c.state === 'closed' ||
      s.state === 'closed' ||
      (c.state === 'connected' && s.state === 'connected' && c.nextTimeout() === undefined),
  });
  assert.ok(
    connected(r.clientEvents) && connected(r.serverEvents),
    JSON.stringify(r.clientEvents.concat(r.serverEvents)),
  );
  assert.ok(r.client.stats.retransmissions >= 1, 'the client re-sent its final flight');
  assert.equal(r.client.nextTimeout(), undefined, 'the ACK finally stopped the retransmissions');
  assert.ok(serverAcks >= 2, 'the server acknowledged again when the flight came back');
});

test('ACKs of a partly received flight make the peer re-send only what is missing (RFC 9147 §7.2)', () => {
  const { client, server } = configs();
  // Lose one datagram of the server's encrypted flight (after the ServerHello's fragments), once.
  let serverDatagrams = 0;
  const r = simulate13(
    { ...client, mtu: 300 },
    { ...server, mtu: 300, cookieExchange: false },
    {
      seed: 14,
      tamper: (d, from) => (from === 'server' && serverDatagrams++ === 5 ? undefined : d),
      until: ({ client: c, server: s }) =>
        c.state === 'closed' ||
        s.state === 'closed' ||
        (c.state === 'connected' && s.state === 'connected' && c.nextTimeout() === undefined),
    },
  );
  assert.ok(connected(r.clientEvents) && connected(r.serverEvents));
  assert.ok(r.server.stats.retransmissions >= 1);
  // Count every handshake fragment the server sent, by (epoch kind, message type, offset).
  const sent = new Map<string, number>();
  for (const d of r.serverSent)
    for (const rec of splitDatagram13(d).records) {
      const key =
        rec.kind === 'plaintext'
          ? `sh/${(rec.fragment[6]! << 16) | (rec.fragment[7]! << 8) | rec.fragment[8]!}`
          : 'encrypted';
      sent.set(key, (sent.get(key) ?? 0) + 1);
    }
  // The ServerHello's fragments were acknowledged by the client and never re-sent.
  for (const [key, n] of sent) if (key.startsWith('sh/')) assert.equal(n, 1, `${key} sent ${n} times`);
  // The same run without the loss sends the flight once: the lossy run re-sent only a small part.
  const clean = simulate13(
    { ...client, mtu: 300 },
    { ...server, mtu: 300, cookieExchange: false },
    {
      seed: 14,
      until: ({ client: c, server: s }) =>
        c.state === 'closed' ||
        s.state === 'closed' ||
        (c.state === 'connected' && s.state === 'connected' && c.nextTimeout() === undefined),
    },
  );
  const encryptedRecords = (ds: Uint8Array[]) =>
    ds.reduce((n, d) => n + splitDatagram13(d).records.filter((x) => x.kind === 'ciphertext').length, 0);
  const once = encryptedRecords(clean.serverSent);
  const lossy = encryptedRecords(r.serverSent);
  assert.equal(clean.server.stats.retransmissions, 0);
  assert.ok(lossy > once, 'something was re-sent');
  assert.ok(lossy - once <= 3, `re-sent ${lossy - once} records of a ${once}-record flight`);
});

test('forged records under wrong epochs and sequence numbers are dropped and counted; the handshake completes', () => {
  const { client, server } = configs();
  const r = simulate13(client, server, {
    seed: 15,
    tamper: (d) => {
      // Append a forged epoch-2 record, an epoch-3 record and a garbage plaintext record to every datagram.
      const forged = Uint8Array.of(
        0x2e,
        0x12,
        0x34,
        0,
        20,
        ...new Uint8Array(20).fill(7),
        0x2f,
        0,
        1,
        0,
        17,
        ...new Uint8Array(17),
      );
      const out = new Uint8Array(d.length + forged.length);
      out.set(d, 0);
      out.set(forged, d.length);
      return out;
    },
  });
  assert.ok(
    connected(r.clientEvents) && connected(r.serverEvents),
    JSON.stringify(r.clientEvents.concat(r.serverEvents)),
  );
  const drops = (s: typeof r.client.stats) => s.drops['auth-failed'] + s.drops['unknown-epoch'];
  assert.ok(drops(r.client.stats) > 0 && drops(r.server.stats) > 0);
});

test('KeyUpdate both ways: epochs move after the ACK and data flows under the new keys (RFC 9147 §8)', () => {
  const { client, server } = configs();
  const r = simulate13(client, server, { seed: 16 });
  assert.ok(connected(r.clientEvents) && connected(r.serverEvents));
  let t = settle(r.client, r.server, r.now);
  assert.equal(r.client.writeEpoch, 3);
  assert.equal(r.client.requestKeyUpdate(t, true), true);
  assert.equal(r.client.requestKeyUpdate(t, true), false, 'one KeyUpdate at a time');
  t = settle(r.client, r.server, t);
  // The client moved to epoch 4 after the ACK; the server, asked to update, did too.
  assert.equal(r.client.writeEpoch, 4);
  assert.equal(r.server.readEpoch, 4);
  assert.equal(r.server.writeEpoch, 4);
  assert.equal(r.client.readEpoch, 4);
  r.client.send(Uint8Array.of(42), t);
  r.server.send(Uint8Array.of(43), t);
  t = settle(r.client, r.server, t);
  const data = (e: { pollEvent(): unknown }) => {
    const out: number[] = [];
    for (
      let ev = e.pollEvent() as { type: string; data?: Uint8Array } | undefined;
      ev;
      ev = e.pollEvent() as typeof ev
    )
      if (ev.type === 'data') out.push(...ev.data!);
    return out;
  };
  assert.deepEqual(data(r.server), [42]);
  assert.deepEqual(data(r.client), [43]);
  // The server updates on its own; a lost ACK makes it re-send the KeyUpdate until acknowledged.
  let dropAck = true;
  assert.equal(r.server.requestKeyUpdate(t, false), true);
  t = settle(r.client, r.server, t, t + 10_000, (_d, from) => {
    if (from === 'a' && dropAck) {
      dropAck = false;
      return true;
    }
    return false;
  });
  assert.equal(r.server.writeEpoch, 5);
  assert.equal(r.client.readEpoch, 5);
  assert.equal(r.client.writeEpoch, 4, 'not asked to update');
  assert.ok(r.server.stats.retransmissions >= 1);
  // The exporter is unaffected by KeyUpdate.
  assert.deepEqual(
    r.client.exportKeyingMaterial('EXTRACTOR-x', 16),
    r.server.exportKeyingMaterial('EXTRACTOR-x', 16),
  );
});
