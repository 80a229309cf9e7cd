import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsCookieGate } from '../src/cookie-gate.js';
import { DtlsEngine } from '../src/engine.js';
import { decodeClientHello, encodeClientHello } from '../src/handshake/messages/client-hello.js';
import { decodeHelloVerifyRequest } from '../src/handshake/messages/hello-verify-request.js';
import { splitDatagram } from '../src/record/record-header.js';
import { readCapture } from './sim/captures.js';
import { drain, events, handshakeMessages, messageDatagram } from './sim/craft.js';
import { Prng } from './sim/prng.js';

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

test('the engine answers a ClientHello without cookie with one small HelloVerifyRequest and keeps no timer', () => {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  client.start(0);
  const [ch] = drain(client);
  server.handleDatagram(ch!, 1);
  const out = drain(server);
  assert.equal(out.length, 1);
  assert.ok(out[0]!.length <= ch!.length, 'no amplification before the cookie returns');
  const [hvr] = handshakeMessages(out);
  assert.equal(hvr?.msgType, 3);
  assert.equal(decodeHelloVerifyRequest(hvr!.body).serverVersion, 0xfeff);
  assert.equal(
    splitDatagram(out[0]!).records[0]!.sequenceNumber,
    splitDatagram(ch!).records[0]!.sequenceNumber,
  );
  assert.equal(server.state, 'new');
  assert.equal(server.nextTimeout(), undefined);
});

test('a ClientHello with a wrong cookie gets a new HelloVerifyRequest and creates no handshake', () => {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  client.start(0);
  const [ch] = handshakeMessages(drain(client));
  const hello = decodeClientHello(ch!.body);
  const forged = encodeClientHello({ ...hello, cookie: new Uint8Array(32).fill(9) });
  server.handleDatagram(messageDatagram(1, 1, forged, 1), 1);
  const out = handshakeMessages(drain(server));
  assert.deepEqual(
    out.map((m) => m.msgType),
    [3],
  );
  assert.equal(server.state, 'new');
  // The right cookie with changed hello parameters is refused too.
  const cookie = decodeHelloVerifyRequest(out[0]!.body).cookie;
  const changed = encodeClientHello({ ...hello, cookie, cipherSuites: [0xc02b] });
  server.handleDatagram(messageDatagram(1, 2, changed, 2), 2);
  assert.deepEqual(
    handshakeMessages(drain(server)).map((m) => m.msgType),
    [3],
  );
  assert.equal(server.state, 'new');
});

test('the handshake completes through the cookie exchange; the lost HelloVerifyRequest is recovered', () => {
  const client = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'client',
    certificate: a,
    retransmit: { initialMs: 100 },
  });
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  client.start(0);
  server.handleDatagram(drain(client)[0]!, 1);
  drain(server); // HelloVerifyRequest lost
  client.handleTimeout(100);
  const again = drain(client);
  assert.equal(again.length, 1, 'flight 1 re-sent');
  server.handleDatagram(again[0]!, 101);
  for (const d of drain(server)) client.handleDatagram(d, 102);
  let now = 103;
  for (let i = 0; i < 4; i++, now++) {
    for (const d of drain(client)) server.handleDatagram(d, now);
    for (const d of drain(server)) client.handleDatagram(d, now);
  }
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
});

test('DtlsCookieGate replies statelessly, then accepts the returning ClientHello for a new engine', () => {
  const prng = new Prng(4);
  const gate = new DtlsCookieGate({ rng: (n) => prng.bytes(n) });
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  client.start(0);
  const first = drain(client)[0]!;
  const v1 = gate.check(first, '192.0.2.1:5000', 1);
  assert.equal(v1.kind, 'reply');
  if (v1.kind !== 'reply') return;
  assert.ok(v1.datagram.length < first.length);
  client.handleDatagram(v1.datagram, 2);
  const second = drain(client)[0]!;
  assert.deepEqual(gate.check(second, '192.0.2.1:5000', 3), { kind: 'accept', clientHello: true });
  assert.equal(gate.check(second, '192.0.2.99:5000', 3).kind, 'reply', 'the cookie is bound to the address');
  // The server engine is created now, without its own cookie exchange, and takes message_seq 1.
  const server = new DtlsEngine({
    maxVersion: 'DTLS 1.2',
    role: 'server',
    certificate: b,
    cookieExchange: false,
  });
  server.handleDatagram(second, 3);
  let now = 4;
  for (let i = 0; i < 4; i++, now++) {
    for (const d of drain(server)) client.handleDatagram(d, now);
    for (const d of drain(client)) {
      assert.notEqual(gate.check(d, '192.0.2.1:5000', now).kind, 'reply');
      server.handleDatagram(d, now);
    }
  }
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
  assert.ok(events(server).some((e) => e.type === 'connected'));
});

test('DtlsCookieGate judges a two-datagram browser ClientHello by its first fragment', () => {
  const capture = readCapture('chromium');
  const records = splitDatagram(capture).records;
  assert.equal(records.length, 2);
  const gate = new DtlsCookieGate();
  const v = gate.check(records[0]!.bytes, 'x', 0);
  assert.equal(v.kind, 'reply');
  assert.deepEqual(gate.check(records[1]!.bytes, 'x', 0), { kind: 'accept', clientHello: false });
  assert.equal(gate.check(Uint8Array.of(22, 0xfe), 'x', 0).kind, 'drop');
});

test('DtlsCookieGate never throws on random input', () => {
  const prng = new Prng(9);
  const gate = new DtlsCookieGate({ rng: (n) => prng.bytes(n) });
  for (let i = 0; i < 2000; i++) {
    const d = prng.bytes(prng.int(200));
    if (d.length > 0 && prng.next() < 0.5) d[0] = 22;
    if (d.length > 13 && prng.next() < 0.5) d[13] = 1;
    gate.check(d, 'addr', i);
  }
});

test('the client follows a second HelloVerifyRequest with a new cookie, up to a bound', () => {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  client.start(0);
  drain(client);
  for (let i = 0; i < 3; i++) {
    const cookie = new Uint8Array(40).fill(i + 1); // longer than 32 bytes is legal (RFC 6347 §4.2.1)
    const body = Uint8Array.of(0xfe, 0xff, cookie.length, ...cookie);
    client.handleDatagram(messageDatagram(3, i, body, i), 1 + i);
    const [ch] = handshakeMessages(drain(client));
    assert.deepEqual(decodeClientHello(ch!.body).cookie, cookie);
    assert.equal(ch!.messageSeq, i + 1);
  }
  // Beyond the bound a HelloVerifyRequest is not answered: it is dropped (it may be forged) and the
  // client keeps waiting for a ServerHello until its handshake timeout.
  const body = Uint8Array.of(0xfe, 0xff, 1, 7);
  client.handleDatagram(messageDatagram(3, 3, body, 3), 5);
  assert.deepEqual(drain(client), []);
  assert.equal(client.state, 'handshaking');
  assert.equal(client.stats.drops['bad-server-hello'], 1);
  client.handleTimeout(30_000);
  assert.equal(client.state, 'closed');
  assert.equal(events(client).at(-1)?.type, 'closed');
});

test('a two-datagram ClientHello survives a lost HelloVerifyRequest and a stray late fragment', async () => {
  const capture = readCapture('chromium');
  const { fragmentHandshake } = await import('../src/handshake/fragment.js');
  const { encodeRecord } = await import('../src/record/record-header.js');
  const { HandshakeReassembler } = await import('../src/handshake/reassembly.js');
  const { parseHandshakeFragment } = await import('../src/handshake/fragment.js');
  const [r1, r2] = splitDatagram(capture).records;
  // The DTLS 1.2 cookie exchange (HelloVerifyRequest) with a browser's hello: 1.2 pinned.
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  server.handleDatagram(r1!.bytes, 0);
  server.handleDatagram(r2!.bytes, 1);
  const hvr = handshakeMessages(drain(server))[0]!; // lost on its way
  assert.equal(hvr.msgType, 3);
  // The browser repeats its ClientHello (new record numbers): the second fragment arrives alone
  // first, then both.
  const reframe = (r: typeof r1, seq: number) => encodeRecord(22, 0xfeff, 0, seq, r!.fragment);
  server.handleDatagram(reframe(r2, 10), 2);
  assert.equal(server.pollTransmit(), undefined);
  server.handleDatagram(reframe(r1, 11), 3);
  server.handleDatagram(reframe(r2, 12), 4);
  const again = handshakeMessages(drain(server));
  assert.equal(again[0]?.msgType, 3, 'answered again with a HelloVerifyRequest');
  // The ClientHello with the cookie, in two fragments again, message_seq 1.
  const reasm = new HandshakeReassembler();
  for (const r of [r1!, r2!]) {
    const p = parseHandshakeFragment(r.fragment, 0);
    assert.ok(p.ok);
    reasm.offer(p.fragment);
  }
  const hello = decodeClientHello(reasm.next()!.body);
  const body = encodeClientHello({ ...hello, cookie: decodeHelloVerifyRequest(again[0]!.body).cookie });
  const frags = fragmentHandshake(1, 1, body, 1100);
  assert.equal(frags.length, 2);
  // A stray copy of the old second fragment arrives in between.
  server.handleDatagram(encodeRecord(22, 0xfeff, 0, 13, frags[0]!), 5);
  server.handleDatagram(reframe(r2, 14), 6);
  server.handleDatagram(encodeRecord(22, 0xfeff, 0, 15, frags[1]!), 7);
  assert.equal(server.state, 'handshaking');
  assert.deepEqual(
    handshakeMessages(drain(server)).map((m) => m.msgType),
    [2, 11, 12, 13, 14],
  );
});

test('the client repeats its ClientHello unchanged but for the cookie and message_seq (RFC 6347 §4.2.1)', () => {
  const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
  const server = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'server', certificate: b });
  client.start(0);
  const first = drain(client);
  server.handleDatagram(first[0]!, 1);
  client.handleDatagram(drain(server)[0]!, 2);
  const [m1] = handshakeMessages(first);
  const [m2] = handshakeMessages(drain(client));
  assert.deepEqual([m1!.messageSeq, m2!.messageSeq], [0, 1]);
  const h1 = decodeClientHello(m1!.body);
  const h2 = decodeClientHello(m2!.body);
  assert.equal(h1.cookie.length, 0);
  assert.equal(h2.cookie.length, 32);
  assert.deepEqual(encodeClientHello({ ...h2, cookie: new Uint8Array(0) }), m1!.body);
});

test('the engine cookie is bound to cookieBinding: a cookie earned under binding A is refused under binding B', () => {
  const bindings: Array<[string | Uint8Array, string | Uint8Array]> = [
    ['192.0.2.1:5000', '192.0.2.66:5000'],
    [Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)],
    ['', 'x'],
  ];
  for (const [bindA, bindB] of bindings) {
    // The same cookie secret in every server (same rng), so only the binding differs.
    const server = (cookieBinding: string | Uint8Array) =>
      new DtlsEngine({
        maxVersion: 'DTLS 1.2',
        role: 'server',
        certificate: b,
        cookieBinding,
        rng: (n) => new Uint8Array(n).fill(7),
      });
    const client = new DtlsEngine({ maxVersion: 'DTLS 1.2', role: 'client', certificate: a });
    client.start(0);
    const issuer = server(bindA);
    for (const d of drain(client)) issuer.handleDatagram(d, 1);
    for (const d of drain(issuer)) client.handleDatagram(d, 2); // HelloVerifyRequest
    const withCookie = drain(client);
    assert.ok(decodeClientHello(handshakeMessages(withCookie)[0]!.body).cookie.length > 0);

    const other = server(bindB);
    for (const d of withCookie) other.handleDatagram(d, 3);
    assert.deepEqual(
      handshakeMessages(drain(other)).map((m) => m.msgType),
      [3],
      'binding B answers with a new HelloVerifyRequest',
    );
    assert.equal(other.state, 'new');
    assert.equal(other.stats.drops['bad-cookie'], 1);

    const same = server(typeof bindA === 'string' ? bindA : Uint8Array.from(bindA));
    for (const d of withCookie) same.handleDatagram(d, 3);
    assert.equal(same.state, 'handshaking', 'binding A accepts its own cookie');
  }
});

test('cookieBinding must be a string or bytes of at most 1024 bytes', () => {
  const make = (cookieBinding: unknown) =>
    new DtlsEngine({
      maxVersion: 'DTLS 1.2',
      role: 'server',
      certificate: b,
      cookieBinding: cookieBinding as string,
    });
  assert.throws(() => make(42), /cookieBinding/);
  assert.throws(() => make('x'.repeat(1025)), /cookieBinding/);
  assert.throws(() => make(new Uint8Array(1025)), /cookieBinding/);
  make('y'.repeat(1024));
  make(new Uint8Array(1024));
});
