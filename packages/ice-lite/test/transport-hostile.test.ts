import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import { SrtpSession } from '@rtcseal/srtp';
import fc from 'fast-check';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/candidate.js';
import { UdpMuxRouter } from '../src/mux/router.js';
import {
  HmacSha1Key,
  Sha1Workspace,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
} from '../src/stun/index.js';
import { WebRtcTransport } from '../src/transport/index.js';
import { ControllingPeer, isBindingRequest } from './controlling-peer.js';

// Hostile input against a live WebRtcTransport on the sans-IO router: what a peer or an off-path
// sender can put on the shared port, checked at the transport level (mux.test.ts covers the router
// alone). Every case: no throw, a counted drop, bounded tables, and no reply larger than the request
// before a check passes.

const PEER = { address: '127.0.0.1', port: 50_000 };
const STRANGER = { address: '127.0.0.1', port: 50_001 };
const PEER_UFRAG = 'pEeR';

let serverCert: DtlsCertificate;
let browserCert: DtlsCertificate;

test.before(async () => {
  [serverCert, browserCert] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function offerSdp(fingerprint: string, setup = 'actpass'): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${PEER_UFRAG}`,
    'a=ice-pwd:peerpasswordpeerpassword',
    `a=fingerprint:${fingerprint}`,
    `a=setup:${setup}`,
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

function rtpPacket(seq: number, ssrc = 1001): Uint8Array {
  const p = new Uint8Array(12 + 40);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = 111;
  v.setUint16(2, seq);
  v.setUint32(4, seq * 960);
  v.setUint32(8, ssrc);
  return p;
}

/**
 * Our transport answering a browser stand-in (DTLS client unless the offer says a=setup:passive)
 * on one router; every datagram logged.
 */
function harness(clock?: () => number, offerSetup = 'actpass') {
  const sent: Array<{ bytes: Uint8Array; address: string; port: number; inputLength: number }> = [];
  let inputLength = 0;
  const router = new UdpMuxRouter({
    send: (bytes, address, port) => sent.push({ bytes, address, port, inputLength }),
  });
  const delivered: Uint8Array[] = [];
  const closed: string[] = [];
  const result = WebRtcTransport.answer(offerSdp(browserCert.fingerprint('sha-256'), offerSetup), {
    mux: {
      addSession: (o) => router.addSession(o, 0),
      candidates: hostCandidates([{ address: '127.0.0.1', port: 5000 }]),
    },
    certificate: serverCert,
    ...(clock ? { clock } : {}),
    onRtp: (p) => delivered.push(new Uint8Array(p)),
    onClosed: (r) => closed.push(r),
  });
  assert.ok(result.ok, result.ok ? '' : result.error);
  const transport = result.transport;
  const m = sdpTransform.parse(result.answer).media[0]!;
  const ws = new Sha1Workspace();
  const goodKey = new HmacSha1Key(Buffer.from(String(m.icePwd)), ws);
  const badKey = new HmacSha1Key(Buffer.from('not-the-password-at-all!'), ws);
  const bindingRequest = (opts: { ufrag?: string; key?: HmacSha1Key; useCandidate?: boolean } = {}) => {
    const b = new StunMessageBuilder(
      StunMessageType.BindingRequest,
      globalThis.crypto.getRandomValues(new Uint8Array(12)),
    )
      .username(`${opts.ufrag ?? m.iceUfrag}:${PEER_UFRAG}`)
      .iceControlling(42n)
      .priority(1_000_000);
    if (opts.useCandidate) b.useCandidate();
    return b.finish({ sha1: { key: opts.key ?? goodKey, workspace: ws }, fingerprint: true });
  };
  const from = (bytes: Uint8Array, who: { address: string; port: number } = PEER) => {
    inputLength = bytes.length;
    return router.handleDatagram(bytes, who.address, who.port, 0);
  };
  const peer = new DtlsEngine({
    role: 'client',
    certificate: browserCert,
    expectedFingerprint: `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
    cookieExchange: false,
  });
  // The browser answers our Binding requests (path validation, consent), as browsers do.
  const icePeer = new ControllingPeer(PEER_UFRAG, 'peerpasswordpeerpassword');
  /** Answers our Binding requests among `datagrams` from the tuple each went to. */
  const answerRequests = (datagrams: typeof sent) => {
    for (const s of datagrams) {
      if (!isBindingRequest(s.bytes)) continue;
      const a = icePeer.answer(s.bytes, { address: '127.0.0.1', port: 5000 });
      if (a) from(a, { address: s.address, port: s.port });
    }
  };
  /** ICE check with USE-CANDIDATE, then the DTLS handshake, all from PEER. */
  const connect = () => {
    from(bindingRequest({ useCandidate: true }));
    peer.start(0);
    // Until both ends are connected: in DTLS 1.3 the client's final flight reaches the server last.
    for (
      let round = 0;
      round < 50 && (peer.state !== 'connected' || transport.state !== 'connected');
      round++
    ) {
      for (let d = peer.pollTransmit(); d; d = peer.pollTransmit()) from(d);
      const out = sent.splice(0);
      answerRequests(out);
      for (const s of out) if (s.bytes[0]! >= 20 && s.bytes[0]! <= 63) peer.handleDatagram(s.bytes, 0);
    }
    assert.equal(transport.state, 'connected');
    const keys = peer.srtpKeyingMaterial()!;
    return new SrtpSession({
      profile: keys.profile,
      masterKey: keys.localMasterKey,
      masterSalt: keys.localMasterSalt,
    });
  };
  /** Both tables of the router: sessions by ufrag, checked tuples. */
  const tables = () => ({ sessions: router.sessionCount, tuples: router.tupleCount });
  return {
    router,
    transport,
    sent,
    delivered,
    closed,
    bindingRequest,
    from,
    connect,
    tables,
    badKey,
    answerRequests,
  };
}

test('garbage of every class from the checked tuple is dropped and counted; the call goes on', () => {
  const h = harness();
  const tx = h.connect();
  h.sent.length = 0;
  const garbage = {
    // STUN magic cookie present, body nonsense: fails as STUN, never reaches the agent's state.
    stun: Uint8Array.of(
      0x00,
      0x01,
      0x00,
      0x08,
      0x21,
      0x12,
      0xa4,
      0x42,
      ...new Uint8Array(12),
      0xff,
      0xff,
      0,
      4,
    ),
    // A DTLS 1.2 application_data record of epoch 1 with a body that cannot authenticate.
    dtls: Uint8Array.of(23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 24, ...new Uint8Array(24).fill(0x5a)),
    // RTP with a bogus tag, RTCP (PT 200) with a bogus trailer, and a byte no RFC 7983 class owns.
    rtp: Uint8Array.of(0x80, 111, 0, 9, 0, 0, 0, 1, 0, 0, 0x03, 0xe9, ...new Uint8Array(30).fill(7)),
    rtcp: Uint8Array.of(0x80, 200, 0, 6, 0, 0, 0x03, 0xe9, ...new Uint8Array(30).fill(7)),
    unknown: Uint8Array.of(100, 1, 2, 3),
  };
  assert.equal(h.from(garbage.stun), 'drop');
  assert.equal(h.from(garbage.dtls), 'dtls');
  assert.equal(h.from(garbage.rtp), 'rtp');
  assert.equal(h.from(garbage.rtcp), 'rtcp');
  assert.equal(h.from(garbage.unknown), 'drop');
  // Truncated ones too: a 1-byte datagram of each class.
  for (const first of [0x00, 22, 0x80, 100]) assert.doesNotThrow(() => h.from(Uint8Array.of(first)));

  const stats = h.transport.stats();
  assert.equal(stats.state, 'connected');
  assert.deepEqual(h.closed, []);
  assert.equal(h.delivered.length, 0);
  assert.ok(
    (stats.drops['srtp-auth-failed'] ?? 0) + (stats.drops['srtp-truncated'] ?? 0) >= 2,
    JSON.stringify(stats.drops),
  );
  assert.ok(
    Object.values(stats.dtls.drops).reduce((a, b) => a + b, 0) >= 1,
    JSON.stringify(stats.dtls.drops),
  );
  const muxDrops = h.router.stats.drops;
  // 100 twice; a lone 0x80 may count here too (RTP and RTCP differ only in the second byte).
  assert.ok((muxDrops['unknown-first-byte'] ?? 0) >= 2, JSON.stringify(muxDrops));
  assert.ok(
    Object.keys(muxDrops).some((k) => k.startsWith('stun-')),
    JSON.stringify(muxDrops),
  );
  assert.equal(h.sent.length, 0, 'nothing answered to garbage');
  // The genuine packet after all that still gets through.
  h.from(tx.protectRtp(rtpPacket(1)));
  assert.equal(h.delivered.length, 1);
});

test('fuzz: random datagrams of each first-byte class from the checked tuple never throw or end the call', () => {
  const h = harness();
  const tx = h.connect();
  const classes = [
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 20, max: 63 }),
    fc.integer({ min: 128, max: 191 }),
    fc.integer({ min: 4, max: 19 }),
    fc.integer({ min: 64, max: 127 }),
    fc.integer({ min: 192, max: 255 }),
  ];
  fc.assert(
    fc.property(fc.oneof(...classes), fc.uint8Array({ maxLength: 300 }), (first, body) => {
      const d = new Uint8Array(1 + body.length);
      d[0] = first;
      d.set(body, 1);
      h.from(d);
    }),
    { numRuns: 4000 },
  );
  assert.equal(h.transport.state, 'connected');
  assert.deepEqual(h.closed, []);
  assert.equal(h.delivered.length, 0, 'nothing random authenticated');
  h.from(tx.protectRtp(rtpPacket(1)));
  assert.equal(h.delivered.length, 1);
});

test('a plaintext fatal alert from the checked tuple after the handshake does not end the call', () => {
  const h = harness();
  const tx = h.connect();
  // Epoch 0, unauthenticated: anyone who can spoof the browser's address could send it.
  const alert = Uint8Array.of(21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 99, 0, 2, 2, 40);
  h.from(alert);
  assert.equal(h.transport.state, 'connected', `closed: ${h.closed.join(',')}`);
  h.from(tx.protectRtp(rtpPacket(1)));
  assert.equal(h.delivered.length, 1);
});

test('a Binding request with bad integrity or an unknown ufrag opens nothing; replies never exceed the request', () => {
  const h = harness();
  const before = h.tables();
  const badMi = h.bindingRequest({ key: h.badKey, useCandidate: true });
  h.from(badMi);
  const unknown = h.bindingRequest({ ufrag: 'nobodyhere', useCandidate: true });
  assert.equal(h.from(unknown), 'drop');
  assert.equal(h.transport.state, 'new');
  assert.equal(h.transport.stats().ice.selected, undefined);
  assert.deepEqual(h.tables(), before);
  assert.ok(h.sent.length <= 1, 'at most the bounded 401 for the known ufrag');
  for (const s of h.sent)
    assert.ok(s.bytes.length <= s.inputLength, `reply ${s.bytes.length} > request ${s.inputLength}`);
  if (h.sent.length === 1) {
    const res = new StunMessage();
    assert.equal(res.parse(h.sent[0]!.bytes), 'ok');
    assert.equal(res.messageClass, 'error');
  }
  assert.equal(h.router.stats.drops['stun-unknown-ufrag'], 1);
  // The known ufrag's bad check is answered (bounded 401), the unknown one is silence.
  assert.equal(h.router.stats.stunAnswered, h.sent.length);
});

test('a DTLS ClientHello from a tuple that passed only a check gets no more than 3x its bytes back', (t) => {
  // A check proves knowledge of the session's password, not ownership of the source address: whoever
  // holds the credentials (every caller holds their own) can send it, and then a ClientHello, with a
  // victim's address as source. Until the peer proves it receives there, the server must not
  // amplify, retransmissions included.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const h = harness(() => now);
  const client = new DtlsEngine({ role: 'client', certificate: browserCert });
  let received = 0;
  const spoofed = (bytes: Uint8Array) => {
    received += bytes.length;
    h.from(bytes);
  };
  spoofed(h.bindingRequest({ useCandidate: true }));
  client.start(0);
  for (let d = client.pollTransmit(); d; d = client.pollTransmit()) spoofed(d);
  // The spoofer sees no answer and sends nothing more; the server's timers run out the handshake.
  for (let i = 0; i < 400; i++) {
    now += 100;
    t.mock.timers.tick(100);
  }
  const answered = h.sent.reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(answered > 0, 'the check and the ClientHello are answered');
  assert.ok(answered <= 3 * received, `${answered} bytes sent for ${received} received`);
});

test('a cookie earned on one tuple does not open the DTLS handshake from another: no flight to a spoofed address', (t) => {
  // The credential holder does the cookie exchange from its own address, then nominates a victim's
  // address with a spoofed check and replays the cookie'd ClientHello from there.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const h = harness(() => now);
  const own = { address: '127.0.0.1', port: 40_000 };
  const victim = { address: '127.0.0.1', port: 40_001 };
  const client = new DtlsEngine({ role: 'client', certificate: browserCert });
  h.from(h.bindingRequest({ useCandidate: true }), own);
  client.start(0);
  for (let d = client.pollTransmit(); d; d = client.pollTransmit()) h.from(d, own);
  for (const s of h.sent.splice(0))
    if (s.bytes[0]! >= 20 && s.bytes[0]! <= 63) client.handleDatagram(s.bytes, 0);
  let received = 0;
  const spoofed = (bytes: Uint8Array) => {
    received += bytes.length;
    h.from(bytes, victim);
  };
  spoofed(h.bindingRequest({ useCandidate: true }));
  for (let d = client.pollTransmit(); d; d = client.pollTransmit()) spoofed(d);
  for (let i = 0; i < 400; i++) {
    now += 100;
    t.mock.timers.tick(100);
  }
  const toVictim = h.sent.filter((s) => s.port === victim.port).reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(toVictim <= 3 * received, `${toVictim} bytes sent to the victim for ${received} received`);
});

test('as DTLS client, one spoofed nominating check from a victim draws at most 3x its bytes and no DTLS at all', (t) => {
  // The offer makes us the DTLS client, so a selection starts our ClientHello. A credential holder
  // nominates a victim's address with one spoofed check and sends nothing more; the victim never
  // answers. The nomination alone selects nothing: our Binding request to the victim goes
  // unanswered, so no ClientHello (nor its retransmissions) ever goes there.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const h = harness(() => now, 'passive');
  assert.equal(h.transport.dtlsRole, 'client');
  const victim = { address: '127.0.0.1', port: 40_020 };
  const check = h.bindingRequest({ useCandidate: true });
  h.from(check, victim);
  for (let i = 0; i < 400; i++) {
    now += 100;
    t.mock.timers.tick(100);
  }
  const toVictim = h.sent.filter((s) => s.port === victim.port);
  const dtls = toVictim.filter((s) => s.bytes[0]! >= 20 && s.bytes[0]! <= 63);
  assert.equal(dtls.length, 0, 'no ClientHello to a tuple that never answered');
  const bytes = toVictim.reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(bytes <= 3 * check.length, `${bytes} bytes sent to the victim for ${check.length} received`);
  const ice = h.transport.stats().ice;
  assert.equal(ice.pathValidationsStarted, 1);
  assert.equal(ice.pathValidationsFailed, 1, 'our request to the victim went unanswered');
  assert.equal(ice.selections, 0);
  assert.equal(h.transport.state, 'closed', 'the session still ends (no check for 30 s)');
});

test('as DTLS client, spoofed DTLS from the victim does not lift the bound: still at most 3x', (t) => {
  // Besides the nominating check, the credential holder spoofs a DTLS datagram (a plaintext alert
  // record) from the victim's address, which a naive "the peer answered" rule would take as proof.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const h = harness(() => now, 'passive');
  const victim = { address: '127.0.0.1', port: 40_023 };
  const check = h.bindingRequest({ useCandidate: true });
  const fakeDtls = Uint8Array.of(21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 1, 0);
  h.from(check, victim);
  h.from(fakeDtls, victim);
  for (let i = 0; i < 400; i++) {
    now += 100;
    t.mock.timers.tick(100);
  }
  const received = check.length + fakeDtls.length;
  const toVictim = h.sent.filter((s) => s.port === victim.port);
  const bytes = toVictim.reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(bytes <= 3 * received, `${bytes} bytes sent to the victim for ${received} received`);
  assert.equal(toVictim.filter((s) => s.bytes[0]! >= 20 && s.bytes[0]! <= 63).length, 0, 'no DTLS at all');
  assert.equal(h.transport.stats().ice.selections, 0);
  // As DTLS client we speak first, and only to a selected tuple: DTLS before that starts nothing.
  assert.equal(h.transport.stats().drops['dtls-before-selection'], 1);
});

test('as DTLS client, checks from one tuple pay for nothing sent to another', (t) => {
  // The credential holder checks from its own address, then nominates the victim's with one
  // spoofed check: the victim's budget is its own check's, not the sum of the session's.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const h = harness(() => now, 'passive');
  const own = { address: '127.0.0.1', port: 40_021 };
  const victim = { address: '127.0.0.1', port: 40_022 };
  for (let i = 0; i < 20; i++) h.from(h.bindingRequest(), own);
  const check = h.bindingRequest({ useCandidate: true });
  h.from(check, victim);
  for (let i = 0; i < 400; i++) {
    now += 100;
    t.mock.timers.tick(100);
    if (i % 10 === 0) h.from(h.bindingRequest(), own);
  }
  const bytes = h.sent.filter((s) => s.port === victim.port).reduce((n, s) => n + s.bytes.length, 0);
  assert.ok(bytes <= 3 * check.length, `${bytes} bytes sent to the victim for ${check.length} received`);
});

test('a peer whose ClientHello moves to another checked tuple after the HelloVerifyRequest still connects', () => {
  const h = harness();
  const first = { address: '127.0.0.1', port: 40_010 };
  const second = { address: '127.0.0.1', port: 40_011 };
  // The DTLS 1.2 cookie exchange (HelloVerifyRequest) moving tuples: 1.2 pinned.
  const client = new DtlsEngine({ role: 'client', certificate: browserCert, maxVersion: 'DTLS 1.2' });
  h.from(h.bindingRequest({ useCandidate: true }), first);
  // The first tuple answers our request: media has a pair; then the peer checks from a second one.
  h.answerRequests(h.sent.splice(0));
  h.from(h.bindingRequest({ useCandidate: true }), second);
  client.start(0);
  let from = first;
  for (let round = 0; round < 50 && client.state !== 'connected'; round++) {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) h.from(d, from);
    // Everything after the first ClientHello comes from the second tuple (the peer switched pairs).
    from = second;
    const out = h.sent.splice(0);
    h.answerRequests(out);
    for (const s of out) if (s.bytes[0]! >= 20 && s.bytes[0]! <= 63) client.handleDatagram(s.bytes, 0);
  }
  assert.equal(client.state, 'connected');
  assert.equal(h.transport.state, 'connected');
});

test('DTLS and RTP from an address that passed no check reach neither the engine nor SRTP', () => {
  const h = harness();
  // Before any check: a well-formed ClientHello from a stranger must not start the DTLS server.
  const impostor = new DtlsEngine({ role: 'client', certificate: browserCert, cookieExchange: false });
  impostor.start(0);
  const clientHello: Uint8Array[] = [];
  for (let d = impostor.pollTransmit(); d; d = impostor.pollTransmit()) clientHello.push(d);
  assert.ok(clientHello.length > 0);
  for (const d of clientHello) assert.equal(h.from(d, STRANGER), 'drop');
  assert.equal(h.transport.stats().dtls.state, 'new');
  assert.equal(h.sent.length, 0, 'no byte toward an unchecked address');

  // After the call is up: the stranger's DTLS, RTP and RTCP are all refused by source.
  const tx = h.connect();
  h.sent.length = 0;
  const rtp = tx.protectRtp(rtpPacket(1));
  assert.equal(h.from(rtp, STRANGER), 'drop');
  assert.equal(h.from(Uint8Array.of(0x80, 200, 0, 1, 0, 0, 0, 1), STRANGER), 'drop');
  for (const d of clientHello) assert.equal(h.from(d, STRANGER), 'drop');
  assert.equal(h.delivered.length, 0);
  assert.equal(h.sent.length, 0);
  const drops = h.router.stats.drops;
  assert.equal(drops['rtp-unverified-source'], 1);
  assert.equal(drops['rtcp-unverified-source'], 1);
  assert.equal(drops['dtls-unverified-source'], 2 * clientHello.length);
  assert.equal(h.transport.stats().dtls.state, 'connected');
  // The same packet from the checked tuple is accepted: the source was the only difference.
  h.from(rtp);
  assert.equal(h.delivered.length, 1);
});

test('a flood of 100,000 Binding requests with random ufrags: no throw, all counted, tables unchanged, no reply', () => {
  const h = harness();
  h.connect();
  h.sent.length = 0;
  const before = h.tables();
  assert.deepEqual(before, { sessions: 1, tuples: 1 }, "the peer's checked tuple is routed");
  const received = h.router.stats.received;
  const ws = new Sha1Workspace();
  const key = new HmacSha1Key(Buffer.from('flooderpasswordflooder!!'), ws);
  const tid = new Uint8Array(12);
  const rnd = new Uint32Array(3);
  const FLOOD = 100_000;
  for (let i = 0; i < FLOOD; i++) {
    globalThis.crypto.getRandomValues(rnd);
    tid.set(new Uint8Array(rnd.buffer));
    const ufrag = rnd[0]!.toString(36) + rnd[1]!.toString(36);
    const req = new StunMessageBuilder(StunMessageType.BindingRequest, tid)
      .username(`${ufrag}:${PEER_UFRAG}`)
      .iceControlling(1n)
      .priority(1)
      .useCandidate()
      .finish({ sha1: { key, workspace: ws }, fingerprint: true });
    // From ever-new source ports, as a spoofing flood would.
    h.from(req, { address: '127.0.0.1', port: 1024 + (i % 60_000) });
  }
  assert.equal(h.router.stats.received - received, FLOOD);
  assert.equal(h.router.stats.drops['stun-unknown-ufrag'], FLOOD);
  assert.equal(h.sent.length, 0, 'an unknown ufrag gets no answer at all');
  assert.deepEqual(h.tables(), before);
  assert.equal(h.transport.state, 'connected');
});

test('a flood of 10,000 Binding requests for the live ufrag with bad integrity: bounded replies, tables unchanged', () => {
  const h = harness();
  const before = h.tables();
  let requestBytes = 0;
  for (let i = 0; i < 10_000; i++) {
    const req = h.bindingRequest({ key: h.badKey, useCandidate: true });
    requestBytes += req.length;
    h.from(req, { address: '127.0.0.1', port: 1024 + i });
  }
  assert.ok(h.sent.length > 0, 'the bounded 401 is on by default');
  for (const s of h.sent) {
    assert.ok(s.bytes.length <= s.inputLength, `reply ${s.bytes.length} > request ${s.inputLength}`);
    assert.ok(s.bytes[0]! <= 3, 'only STUN');
  }
  const replyBytes = h.sent.reduce((a, s) => a + s.bytes.length, 0);
  assert.ok(replyBytes <= requestBytes, `replied ${replyBytes} bytes to ${requestBytes}`);
  assert.deepEqual(h.tables(), before);
  assert.equal(h.transport.state, 'new');
});
