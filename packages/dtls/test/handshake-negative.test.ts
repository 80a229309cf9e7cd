import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import type { DtlsEvent } from '../src/events.js';
import { drain, events, handshakeMessages, messageDatagram, type WireMessage } from './sim/craft.js';
import { simulate } from './sim/network.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function fatalSent(evs: readonly DtlsEvent[], description: number, name: string): void {
  assert.ok(
    evs.some((e) => e.type === 'alert' && e.sent && e.level === 'fatal' && e.description === description),
    `no fatal ${name} sent in ${JSON.stringify(evs)}`,
  );
  const last = evs.at(-1);
  assert.equal(last?.type, 'closed');
  assert.equal(last?.type === 'closed' && last.reason, 'alert-sent');
  assert.equal(last?.type === 'closed' && last.alert, name);
}

/**
 * A client and a server (no cookie exchange) stepped by hand: flight 1 delivered, flight 4 and
 * then flight 5 captured as messages so tests can replay them selectively.
 */
function handshakeParts() {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    cookieExchange: false,
  });
  client.start(0);
  for (const d of drain(client)) server.handleDatagram(d, 1);
  const flight4 = drain(server);
  const m4 = handshakeMessages(flight4);
  return { client, server, flight4, m4 };
}

function deliver(e: DtlsEngine, msgs: readonly WireMessage[], firstRecordSeq = 100): void {
  let rs = firstRecordSeq;
  for (const m of msgs) e.handleDatagram(messageDatagram(m.msgType, m.messageSeq, m.body, rs++), 2);
}

test('a wrong server fingerprint ends the handshake with bad_certificate before connected', () => {
  const other = a.fingerprint().replace(/^sha-256 ../, 'sha-256 00');
  const r = simulate(
    { certificate: a, expectedFingerprint: other },
    { certificate: b },
    { seed: 1, until: ({ server }) => server.state === 'closed' },
  );
  fatalSent(r.clientEvents, 42, 'bad_certificate');
  assert.ok(!r.clientEvents.some((e) => e.type === 'connected'));
  assert.deepEqual(r.serverEvents.at(-1), {
    type: 'closed',
    reason: 'alert-received',
    alert: 'bad_certificate',
  });
});

test('a wrong client fingerprint ends the handshake with bad_certificate on the server', () => {
  const r = simulate(
    { certificate: a },
    { certificate: b, expectedFingerprint: b.fingerprint() },
    { seed: 2, until: ({ client }) => client.state === 'closed' },
  );
  fatalSent(r.serverEvents, 42, 'bad_certificate');
  assert.ok(!r.serverEvents.some((e) => e.type === 'connected'));
});

test('a forged ServerKeyExchange signature ends with decrypt_error', () => {
  const { client, m4 } = handshakeParts();
  assert.deepEqual(
    m4.map((m) => m.msgType),
    [2, 11, 12, 13, 14],
  );
  const ske = m4[2]!;
  const forged = ske.body.slice();
  forged[forged.length - 1]! ^= 0x01;
  deliver(client, [m4[0]!, m4[1]!, { ...ske, body: forged }]);
  fatalSent(events(client), 51, 'decrypt_error');
});

test('a forged CertificateVerify signature ends with decrypt_error', () => {
  const { client, server, flight4 } = handshakeParts();
  for (const d of flight4) client.handleDatagram(d, 2);
  const m5 = handshakeMessages(drain(client));
  assert.deepEqual(
    m5.map((m) => m.msgType),
    [11, 16, 15],
  );
  const cv = m5[2]!;
  const forged = cv.body.slice();
  forged[forged.length - 1]! ^= 0x01;
  deliver(server, [m5[0]!, m5[1]!, { ...cv, body: forged }]);
  fatalSent(events(server), 51, 'decrypt_error');
});

test('an unsigned message altered in flight is caught by the signature over the transcript', () => {
  // The CertificateRequest is signed by nothing; swapping its certificate types keeps it valid but
  // makes the two transcripts differ, which CertificateVerify (RFC 5246 §7.4.8) and Finished expose.
  const { client, server, m4 } = handshakeParts();
  const cr = m4[3]!;
  const body = cr.body.slice();
  [body[1], body[2]] = [body[2]!, body[1]!];
  deliver(client, [m4[0]!, m4[1]!, m4[2]!, { ...cr, body }, m4[4]!]);
  const flight5 = drain(client);
  for (const d of flight5) server.handleDatagram(d, 3);
  fatalSent(events(server), 51, 'decrypt_error');
});

test('an unexpected message in each client state ends with unexpected_message', () => {
  // (Waiting for the ServerHello, an unexpected message is dropped instead: engine-spoofed-input.test.ts.)
  const cases: Array<(p: ReturnType<typeof handshakeParts>) => WireMessage[]> = [
    // waiting for Certificate
    ({ m4 }) => [m4[0]!, { msgType: 14, messageSeq: 1, body: new Uint8Array(0), epoch: 0 }],
    // waiting for ServerKeyExchange
    ({ m4 }) => [m4[0]!, m4[1]!, { msgType: 14, messageSeq: 2, body: new Uint8Array(0), epoch: 0 }],
    // waiting for CertificateRequest or ServerHelloDone: a Certificate
    ({ m4 }) => [m4[0]!, m4[1]!, m4[2]!, { ...m4[1]!, messageSeq: 3 }],
    // waiting for ServerHelloDone: a second CertificateRequest
    ({ m4 }) => [m4[0]!, m4[1]!, m4[2]!, m4[3]!, { ...m4[3]!, messageSeq: 4 }],
    // a Finished in plaintext epoch 0
    ({ m4 }) => [m4[0]!, { msgType: 20, messageSeq: 1, body: new Uint8Array(12), epoch: 0 }],
  ];
  for (const [i, make] of cases.entries()) {
    const p = handshakeParts();
    deliver(p.client, make(p));
    const evs = events(p.client);
    assert.equal(p.client.state, 'closed', `case ${i}: ${JSON.stringify(evs)}`);
    fatalSent(evs, 10, 'unexpected_message');
  }
  // waiting for the server's Finished (after flight 5): a ServerHello
  const p = handshakeParts();
  for (const d of p.flight4) p.client.handleDatagram(d, 2);
  drain(p.client);
  deliver(p.client, [{ ...p.m4[0]!, messageSeq: 5 }]);
  fatalSent(events(p.client), 10, 'unexpected_message');
});

test('an unexpected message in each server state ends with unexpected_message', () => {
  const flight5 = () => {
    const p = handshakeParts();
    for (const d of p.flight4) p.client.handleDatagram(d, 2);
    const m5 = handshakeMessages(drain(p.client));
    return { ...p, m5 };
  };
  const cases: Array<(m5: WireMessage[]) => WireMessage[]> = [
    // waiting for the client Certificate: a ClientKeyExchange
    (m5) => [{ ...m5[1]!, messageSeq: 1 }],
    // waiting for ClientKeyExchange: a CertificateVerify
    (m5) => [m5[0]!, { ...m5[2]!, messageSeq: 2 }],
    // waiting for CertificateVerify: a Finished in epoch 0
    (m5) => [m5[0]!, m5[1]!, { msgType: 20, messageSeq: 3, body: new Uint8Array(12), epoch: 0 }],
    // waiting for Finished: another Certificate in epoch 0
    (m5) => [m5[0]!, m5[1]!, m5[2]!, { ...m5[0]!, messageSeq: 4 }],
  ];
  for (const [i, make] of cases.entries()) {
    const p = flight5();
    deliver(p.server, make(p.m5));
    const evs = events(p.server);
    assert.equal(p.server.state, 'closed', `case ${i}: ${JSON.stringify(evs)}`);
    fatalSent(evs, 10, 'unexpected_message');
  }
});

test('before a ClientHello the server drops other messages without answering', () => {
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  server.handleDatagram(messageDatagram(14, 0, new Uint8Array(0), 0), 0);
  server.handleDatagram(messageDatagram(2, 1, new Uint8Array(40), 1), 0);
  assert.equal(server.state, 'new');
  assert.equal(server.pollTransmit(), undefined);
  assert.equal(server.stats.drops['not-client-hello'], 2);
});

test('a server requiring the extended master secret refuses a client without it', async () => {
  const { decodeClientHello, encodeClientHello } = await import('../src/handshake/messages/client-hello.js');
  const client = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'client',
    certificate: a,
    requireExtendedMasterSecret: false,
  });
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    cookieExchange: false,
  });
  client.start(0);
  const [ch] = handshakeMessages(drain(client));
  const hello = decodeClientHello(ch!.body);
  const stripped = encodeClientHello({
    ...hello,
    extensions: hello.extensions!.filter((e) => e.type !== 23),
  });
  server.handleDatagram(messageDatagram(1, 0, stripped, 0), 1);
  fatalSent(events(server), 40, 'handshake_failure');
});

test('a ClientHello stripped of extended_master_secret in flight is detected by the transcript', async () => {
  const { decodeClientHello, encodeClientHello } = await import('../src/handshake/messages/client-hello.js');
  const r = simulate(
    { certificate: a, requireExtendedMasterSecret: false },
    { certificate: b, requireExtendedMasterSecret: false, cookieExchange: false },
    {
      seed: 3,
      until: ({ server }) => server.state === 'closed',
      tamper: (d, from) => {
        const ms = handshakeMessages([d]);
        if (from !== 'client' || ms[0]?.msgType !== 1) return d;
        const hello = decodeClientHello(ms[0].body);
        const stripped = encodeClientHello({
          ...hello,
          extensions: hello.extensions!.filter((e) => e.type !== 23),
        });
        return messageDatagram(1, ms[0].messageSeq, stripped, 0);
      },
    },
  );
  // Both sides tolerate the missing extension, but the signatures cover what each side saw.
  fatalSent(r.serverEvents, 51, 'decrypt_error');
  assert.notEqual(r.client.state, 'connected');
});
