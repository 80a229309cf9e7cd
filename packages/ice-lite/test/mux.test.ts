import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import test from 'node:test';
import fc from 'fast-check';
import type { TransportTuple } from '../src/ice/index.js';
import { classifyDatagram, UdpMux, UdpMuxRouter } from '../src/mux/index.js';
import {
  HmacSha1Key,
  readXorMappedAddress,
  Sha1Workspace,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
  verifyMessageIntegrity,
} from '../src/stun/index.js';

const PWD = 'muxpasswordmuxpassword00';

function check(localUfrag: string, pwd = PWD, useCandidate = false, tidByte = 1): Uint8Array {
  const ws = new Sha1Workspace();
  const b = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12).fill(tidByte))
    .username(`${localUfrag}:peer`)
    .iceControlling(1n)
    .priority(100);
  if (useCandidate) b.useCandidate();
  return b.finish({ sha1: { key: new HmacSha1Key(Buffer.from(pwd), ws), workspace: ws }, fingerprint: true });
}

const DTLS = Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
const RTP = Uint8Array.of(0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1);
const RTCP = Uint8Array.of(0x80, 200, 0, 6, 0, 0, 0, 1);

function setup(opts: { consentTimeoutMs?: number; maxSessions?: number } = {}) {
  const sent: Array<{ bytes: Uint8Array; address: string; port: number }> = [];
  const router = new UdpMuxRouter({
    send: (bytes, address, port) => sent.push({ bytes, address, port }),
    ...opts,
  });
  const got: Record<string, Array<{ kind: string; tuple: TransportTuple }>> = {};
  const closed: Record<string, string> = {};
  const add = (ufrag: string) => {
    got[ufrag] = [];
    return router.addSession(
      {
        ufrag,
        pwd: PWD,
        onDtls: (_b, tuple) => got[ufrag]!.push({ kind: 'dtls', tuple }),
        onRtp: (_b, tuple) => got[ufrag]!.push({ kind: 'rtp', tuple }),
        onRtcp: (_b, tuple) => got[ufrag]!.push({ kind: 'rtcp', tuple }),
        onClose: (reason) => {
          closed[ufrag] = reason;
        },
      },
      0,
    );
  };
  return { router, sent, got, closed, add };
}

test('classifies by first byte per RFC 7983 and splits RTCP by packet type (RFC 5761)', () => {
  assert.equal(classifyDatagram(Uint8Array.of(0, 1)), 'stun');
  assert.equal(classifyDatagram(Uint8Array.of(3)), 'stun');
  assert.equal(classifyDatagram(Uint8Array.of(4)), 'unknown');
  assert.equal(classifyDatagram(Uint8Array.of(19)), 'unknown');
  assert.equal(classifyDatagram(Uint8Array.of(20)), 'dtls');
  assert.equal(classifyDatagram(Uint8Array.of(63)), 'dtls');
  assert.equal(classifyDatagram(Uint8Array.of(64)), 'unknown');
  assert.equal(classifyDatagram(Uint8Array.of(127)), 'unknown');
  assert.equal(classifyDatagram(RTP), 'rtp');
  assert.equal(classifyDatagram(RTCP), 'rtcp');
  assert.equal(classifyDatagram(Uint8Array.of(0x80, 0xe0)), 'rtp');
  assert.equal(classifyDatagram(Uint8Array.of(191)), 'unknown');
  assert.equal(classifyDatagram(Uint8Array.of(192)), 'unknown');
  assert.equal(classifyDatagram(new Uint8Array(0)), 'unknown');
});

test('DTLS and RTP from a tuple that has not passed a check are dropped and counted, never delivered', () => {
  const { router, got, add } = setup();
  add('sessA');
  assert.equal(router.handleDatagram(DTLS, '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.handleDatagram(RTP, '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.handleDatagram(RTCP, '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.handleDatagram(Uint8Array.of(100, 1), '127.0.0.1', 5000, 0), 'drop');
  assert.deepEqual(got.sessA, []);
  assert.deepEqual(router.stats.drops, {
    'dtls-unverified-source': 1,
    'rtp-unverified-source': 1,
    'rtcp-unverified-source': 1,
    'unknown-first-byte': 1,
  });
});

test('STUN is routed by the USERNAME local ufrag; a passed check opens that tuple for its session only', () => {
  const { router, sent, got, add } = setup();
  const a = add('sessA');
  add('sessB');
  assert.equal(router.handleDatagram(check('sessA'), '127.0.0.1', 5000, 0), 'stun');
  assert.equal(sent.length, 1);
  const res = new StunMessage();
  assert.equal(res.parse(sent[0]!.bytes), 'ok');
  assert.equal(res.type, StunMessageType.BindingSuccessResponse);
  const ws = new Sha1Workspace();
  assert.ok(verifyMessageIntegrity(res, new HmacSha1Key(Buffer.from(PWD), ws), ws));
  assert.deepEqual(
    readXorMappedAddress(res.bytes, res.xorMappedAddressOffset, res.xorMappedAddressLength)?.port,
    5000,
  );
  assert.deepEqual([sent[0]!.address, sent[0]!.port], ['127.0.0.1', 5000]);

  assert.equal(router.handleDatagram(DTLS, '127.0.0.1', 5000, 1), 'dtls');
  assert.equal(router.handleDatagram(RTP, '127.0.0.1', 5000, 1), 'rtp');
  assert.equal(router.handleDatagram(RTCP, '127.0.0.1', 5000, 1), 'rtcp');
  assert.equal(router.handleDatagram(DTLS, '127.0.0.1', 5001, 1), 'drop', 'other port of same host');
  assert.deepEqual(
    got.sessA!.map((g) => g.kind),
    ['dtls', 'rtp', 'rtcp'],
  );
  assert.deepEqual(got.sessB, []);
  assert.equal(a.state, 'new');
  router.handleDatagram(check('sessA', PWD, true), '127.0.0.1', 5000, 2);
  assert.equal(a.state, 'connected');
  assert.deepEqual(a.selectedTuple, { address: '127.0.0.1', port: 5000 });
  assert.ok(Object.isFrozen(a.selectedTuple), "the agent's own record is not handed out");
  assert.equal(
    got.sessA![0]!.tuple,
    got.sessA![1]!.tuple,
    'media handlers get the stored tuple, no per-packet object',
  );
});

test("a valid check for one session from a tuple another session holds does not take that session's media", () => {
  const { router, sent, got, add } = setup();
  const a = add('sessA');
  const b = add('sessB');
  router.handleDatagram(check('sessB', PWD, true), '127.0.0.1', 5000, 0);
  // An attacker with sessA's credentials spoofs a check from sessB's peer address.
  assert.equal(router.handleDatagram(check('sessA', PWD, true), '127.0.0.1', 5000, 1), 'stun');
  assert.equal(router.stats.drops['tuple-held-by-another-session'], 1);
  router.handleDatagram(DTLS, '127.0.0.1', 5000, 2);
  router.handleDatagram(RTP, '127.0.0.1', 5000, 2);
  assert.deepEqual(
    got.sessB!.map((g) => g.kind),
    ['dtls', 'rtp'],
  );
  assert.equal(got.sessA!.length, 0);
  sent.length = 0;
  assert.equal(a.send(RTP), false, 'sessA may not speak to the tuple sessB holds');
  assert.equal(b.send(RTP), true);
  assert.equal(sent.length, 1);
  // Once sessB lets the tuple go, the next check for sessA binds it.
  b.close();
  router.handleDatagram(check('sessA', PWD, true), '127.0.0.1', 5000, 3);
  router.handleDatagram(RTP, '127.0.0.1', 5000, 3);
  assert.deepEqual(
    got.sessA!.map((g) => g.kind),
    ['rtp'],
  );
  assert.equal(a.send(RTP), true);
});

test('a check with the wrong password does not open the tuple; an unknown ufrag gets no answer', () => {
  const { router, sent, got, add } = setup();
  add('sessA');
  router.handleDatagram(check('sessA', 'wrongpasswordwrongpasswd'), '127.0.0.1', 5000, 0);
  assert.equal(sent.length, 1, '401 sent, not larger than the request');
  assert.equal(router.handleDatagram(DTLS, '127.0.0.1', 5000, 0), 'drop');
  assert.deepEqual(got.sessA, []);
  assert.equal(router.handleDatagram(check('nobody'), '127.0.0.1', 5000, 0), 'drop');
  assert.equal(sent.length, 1);
  assert.equal(router.stats.drops['stun-unknown-ufrag'], 1);
  const noUser = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12)).finish({
    fingerprint: true,
  });
  assert.equal(router.handleDatagram(noUser, '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.stats.drops['stun-no-username'], 1);
  assert.equal(router.handleDatagram(Uint8Array.of(0, 1, 0), '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.stats.drops['stun-too-short'], 1);
});

test('session.send goes only to validated tuples, by default the selected one', () => {
  const { router, sent, add } = setup();
  const a = add('sessA');
  assert.equal(a.send(RTP), false, 'nothing selected');
  assert.equal(a.send(RTP, { address: '127.0.0.1', port: 9 }), false, 'never checked');
  router.handleDatagram(check('sessA', PWD, true), '::1', 7000, 0);
  sent.length = 0;
  assert.equal(a.send(RTP), true);
  assert.deepEqual([sent[0]!.address, sent[0]!.port], ['::1', 7000]);
});

test('consent expiry unroutes the tuple, closes the session with a reason and frees its ufrag', () => {
  const { router, got, closed, add } = setup({ consentTimeoutMs: 10_000 });
  add('sessA');
  router.handleDatagram(check('sessA', PWD, true), '127.0.0.1', 5000, 1000);
  router.handleTimeout(10_999);
  assert.equal(router.handleDatagram(RTP, '127.0.0.1', 5000, 10_999), 'rtp');
  router.handleTimeout(11_000);
  assert.equal(closed.sessA, 'consent-expired');
  assert.equal(router.handleDatagram(RTP, '127.0.0.1', 5000, 11_001), 'drop');
  assert.equal(router.getSession('sessA'), undefined);
  assert.equal(router.sessionCount, 0);
  assert.equal(got.sessA!.length, 1);
  add('sessA');
});

test('close() removes the session and its routes at once', () => {
  const { router, closed, add } = setup();
  const a = add('sessA');
  router.handleDatagram(check('sessA'), '127.0.0.1', 5000, 0);
  a.close();
  assert.equal(closed.sessA, 'local-close');
  assert.equal(router.handleDatagram(DTLS, '127.0.0.1', 5000, 0), 'drop');
  assert.equal(router.handleDatagram(check('sessA'), '127.0.0.1', 5000, 0), 'drop');
});

test('the session table is bounded and ufrags are unique', () => {
  const { add } = setup({ maxSessions: 2 });
  add('sess1');
  assert.throws(() => add('sess1'), /ufrag/);
  add('sess2');
  assert.throws(() => add('sess3'), /maxSessions/);
  const generated = new UdpMuxRouter({ send: () => {} }).addSession({}, 0);
  assert.match(generated.ufrag, /^[A-Za-z0-9+/]{8}$/);
});

test('fuzz: arbitrary datagrams from unverified sources never throw and never reach a session', () => {
  const { router, got, add } = setup();
  add('sessA');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 1, max: 65535 }), (bytes, port) => {
      router.handleDatagram(bytes, '10.0.0.1', port, 0);
    }),
    { numRuns: 3000 },
  );
  // Valid-looking STUN with a random body but the right ufrag prefix: still no route without the pwd.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 60 }), (junk) => {
      const req = check('sessA');
      const m = new Uint8Array(req.length + ((junk.length + 3) & ~3));
      m.set(req);
      m.set(junk, req.length);
      router.handleDatagram(m, '10.0.0.2', 1, 0);
    }),
    { numRuns: 500 },
  );
  assert.deepEqual(got.sessA, []);
});

test('UdpMux over a real loopback socket: IPv4 through dual-stack and IPv6 peers, checks then media', async (t) => {
  const mux = await UdpMux.bind({ address: '::', port: 0, announcedAddresses: ['127.0.0.1', '::1'] });
  t.after(() => mux.close());
  assert.equal(mux.candidates.length, 2);
  assert.ok(mux.candidates.every((c) => c.port === mux.port));
  const received: Array<{ kind: string; tuple: TransportTuple }> = [];
  const session = mux.addSession({
    ufrag: 'sockA',
    pwd: PWD,
    onDtls: (_b, tuple) => received.push({ kind: 'dtls', tuple }),
  });
  for (const [type, host] of [
    ['udp4', '127.0.0.1'],
    ['udp6', '::1'],
  ] as const) {
    const client = createSocket(type);
    await new Promise<void>((r) => client.bind(0, host, r));
    const reply = new Promise<Buffer>((resolve) => client.once('message', (m) => resolve(m)));
    client.send(check('sockA', PWD, true), mux.port, host);
    const res = new StunMessage();
    assert.equal(res.parse(await reply), 'ok');
    assert.equal(res.type, StunMessageType.BindingSuccessResponse);
    const mapped = readXorMappedAddress(res.bytes, res.xorMappedAddressOffset, res.xorMappedAddressLength);
    assert.deepEqual([mapped?.address, mapped?.port], [host, client.address().port]);
    client.send(DTLS, mux.port, host);
    await new Promise((r) => setTimeout(r, 50));
    client.close();
  }
  assert.equal(received.length, 2);
  assert.equal(session.state, 'connected');
  assert.equal(session.selectedTuple?.address, '::1');
});

test('UdpMux: a throwing session handler is reported to onError and the port keeps serving', async (t) => {
  const errors: unknown[] = [];
  const mux = await UdpMux.bind({
    type: 'udp4',
    address: '127.0.0.1',
    onError: (e) => errors.push(e),
  });
  t.after(() => mux.close());
  assert.deepEqual(
    mux.candidates.map((c) => c.address),
    ['127.0.0.1'],
  );
  mux.addSession({
    ufrag: 'boom',
    pwd: PWD,
    onDtls: () => {
      throw new Error('handler bug');
    },
  });
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  t.after(() => client.close());
  const replies: Buffer[] = [];
  client.on('message', (m) => replies.push(m));
  client.send(check('boom', PWD, true, 1), mux.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  client.send(DTLS, mux.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 50));
  client.send(check('boom', PWD, true, 2), mux.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /handler bug/);
  assert.equal(replies.length, 2, 'checks before and after the failing handler are answered');
});

test('UdpMux.bind takes the socket family from an IPv4 address, and names a mismatched one', async () => {
  const mux = await UdpMux.bind({ address: '127.0.0.1' });
  try {
    assert.ok(mux.port > 0);
    assert.deepEqual(
      mux.candidates.map((c) => c.address),
      ['127.0.0.1'],
    );
  } finally {
    await mux.close();
  }
  await assert.rejects(UdpMux.bind({ type: 'udp6', address: '127.0.0.1' }), /IPv4.*::ffff:127\.0\.0\.1/);
  await assert.rejects(UdpMux.bind({ address: 'localhost' }), /options.address must be an IP address/);
});

test('UdpMux.bind rejects a bad port naming the option', async () => {
  await assert.rejects(UdpMux.bind({ port: 70000 }), /options.port/);
});

test('UdpMux.bind with an IPv4 address alone binds a udp4 socket there and answers checks', async (t) => {
  const mux = await UdpMux.bind({ address: '127.0.0.1' });
  t.after(() => mux.close());
  assert.equal(mux.address, '127.0.0.1');
  assert.deepEqual(
    mux.candidates.map((c) => [c.address, c.port]),
    [['127.0.0.1', mux.port]],
  );
  mux.addSession({ ufrag: 'four', pwd: PWD });
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  t.after(() => client.close());
  const reply = new Promise<Buffer>((resolve) => client.once('message', (m) => resolve(m)));
  client.send(check('four', PWD, true), mux.port, '127.0.0.1');
  const res = new StunMessage();
  assert.equal(res.parse(await reply), 'ok');
  assert.equal(res.type, StunMessageType.BindingSuccessResponse);
});

test('UdpMux.bind with an IPv6 address alone binds a udp6 socket; a type that cannot bind it is refused', async (t) => {
  const mux = await UdpMux.bind({ address: '::1' });
  t.after(() => mux.close());
  assert.equal(mux.address, '::1');
  await assert.rejects(UdpMux.bind({ type: 'udp6', address: '127.0.0.1' }), /options\.type udp6/);
  await assert.rejects(UdpMux.bind({ type: 'udp4', address: '::' }), /options\.type udp4/);
  await assert.rejects(UdpMux.bind({ address: 'localhost' }), /options\.address/);
});

test('UdpMux.bind sets the socket receive and send buffer sizes', async (t) => {
  const plain = await UdpMux.bind({ address: '127.0.0.1' });
  t.after(() => plain.close());
  // Linux reports twice the value set (its bookkeeping), so compare against the OS default and
  // the request rather than for equality.
  const small = await UdpMux.bind({ address: '127.0.0.1', recvBufferSize: 16_384, sendBufferSize: 16_384 });
  t.after(() => small.close());
  assert.ok(small.recvBufferSize >= 16_384 && small.recvBufferSize < plain.recvBufferSize);
  assert.ok(small.sendBufferSize >= 16_384 && small.sendBufferSize < plain.sendBufferSize);
  const large = await UdpMux.bind({ address: '127.0.0.1', recvBufferSize: 1 << 20 });
  t.after(() => large.close());
  assert.ok(large.recvBufferSize > plain.recvBufferSize, `${large.recvBufferSize} > ${plain.recvBufferSize}`);
});

test('UdpMux counts a datagram the socket refuses and reports it to onError', async (t) => {
  const errors: unknown[] = [];
  const mux = await UdpMux.bind({ address: '127.0.0.1', onError: (e) => errors.push(e) });
  t.after(() => mux.close());
  // Broadcast without SO_BROADCAST: the kernel refuses the send (EACCES).
  mux.router.transmit(RTP, '255.255.255.255', 9);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(mux.sendErrors, 1);
  assert.equal(errors.length, 1);
});

test('UdpMux.bind rejects buffer sizes that are not positive integers, naming the option', async () => {
  await assert.rejects(UdpMux.bind({ address: '127.0.0.1', recvBufferSize: 0 }), /options\.recvBufferSize/);
  await assert.rejects(UdpMux.bind({ address: '127.0.0.1', sendBufferSize: 1.5 }), /options\.sendBufferSize/);
});

test('onCheck reports each passed check with its size, before onSelected; failed checks are not reported', () => {
  const events: string[] = [];
  const router = new UdpMuxRouter({ send: () => {} });
  router.addSession(
    {
      ufrag: 'chk1',
      pwd: PWD,
      onCheck: (tuple, bytes) => events.push(`check ${tuple.port} ${bytes}`),
      onSelected: (tuple) => events.push(`selected ${tuple.port}`),
    },
    0,
  );
  const good = check('chk1', PWD, true, 3);
  router.handleDatagram(good, '127.0.0.1', 5001, 0);
  router.handleDatagram(check('chk1', 'wrongpasswordwrongpasswd', true, 4), '127.0.0.1', 5002, 0);
  assert.deepEqual(events, [`check 5001 ${good.length}`, 'selected 5001']);
});

/** A session that knows its peer's credentials (ufrag 'peer', PEER_PWD), so it validates paths. */
const PEER_PWD = 'peerpwdpeerpwdpeerpwd00';

function answerFromPeer(request: Uint8Array): Uint8Array {
  const ws = new Sha1Workspace();
  const key = new HmacSha1Key(Buffer.from(PEER_PWD), ws);
  const m = new StunMessage();
  assert.equal(m.parse(request), 'ok');
  assert.equal(m.username()?.startsWith('peer:'), true);
  assert.ok(verifyMessageIntegrity(m, key, ws));
  return new StunMessageBuilder(StunMessageType.BindingSuccessResponse, request.slice(8, 20)).finish({
    sha1: { key, workspace: ws },
    fingerprint: true,
  });
}

test('with the remote password, the router sends our request to the nominated tuple, routes its answer by tuple, and only then selects', () => {
  const sent: Array<{ bytes: Uint8Array; address: string; port: number }> = [];
  const router = new UdpMuxRouter({ send: (bytes, address, port) => sent.push({ bytes, address, port }) });
  const selected: number[] = [];
  const s = router.addSession(
    {
      ufrag: 'sessV',
      pwd: PWD,
      remoteUfrag: 'peer',
      remotePwd: PEER_PWD,
      onSelected: (t) => selected.push(t.port),
    },
    0,
  );
  router.handleDatagram(check('sessV', PWD, true), '127.0.0.1', 5000, 0);
  assert.equal(s.selectedTuple, undefined);
  assert.deepEqual(s.pendingTuple, { address: '127.0.0.1', port: 5000 });
  const request = sent.find((x) => x.bytes[0] === 0 && x.bytes[1] === 0x01)!;
  assert.equal(request.port, 5000);
  assert.equal(s.send(RTP), false, 'no media before the answer');
  assert.equal(router.handleDatagram(answerFromPeer(request.bytes), '127.0.0.1', 5000, 30), 'stun');
  assert.deepEqual(selected, [5000]);
  assert.equal(s.send(RTP), true);
  assert.equal(s.agent.stats.pathValidationsSucceeded, 1);
});

test('router.handleTimeout retransmits our request after 500 ms, then 1 s, and the session consent requests follow', () => {
  const sent: Array<{ bytes: Uint8Array; address: string; port: number }> = [];
  const router = new UdpMuxRouter({ send: (bytes, address, port) => sent.push({ bytes, address, port }) });
  const s = router.addSession({ ufrag: 'sessT', pwd: PWD, remoteUfrag: 'peer', remotePwd: PEER_PWD }, 0);
  // Two checks from the tuple pay for more than two transmissions.
  router.handleDatagram(check('sessT', PWD, true, 1), '127.0.0.1', 5000, 0);
  router.handleDatagram(check('sessT', PWD, true, 2), '127.0.0.1', 5000, 0);
  const requests = () => sent.filter((x) => x.bytes[0] === 0 && x.bytes[1] === 0x01);
  assert.equal(requests().length, 1);
  assert.equal(router.nextTimeout(), 500);
  router.handleTimeout(499);
  assert.equal(requests().length, 1);
  router.handleTimeout(500);
  assert.equal(requests().length, 2);
  assert.deepEqual(requests()[1]!.bytes, requests()[0]!.bytes);
  router.handleTimeout(1500);
  router.handleDatagram(answerFromPeer(requests()[0]!.bytes), '127.0.0.1', 5000, 1510);
  assert.equal(s.selectedTuple?.port, 5000);
  const before = requests().length;
  router.handleTimeout(1510 + 3999);
  assert.equal(requests().length, before, 'no consent request before 0.8 x 5 s');
  router.handleTimeout(1510 + 6000);
  assert.equal(requests().length, before + 1, 'one by 1.2 x 5 s');
  assert.equal(s.agent.stats.consentRequestsSent, 1);
});

test('a request of ours is never sent to a tuple another session holds', () => {
  const sent: Array<{ bytes: Uint8Array; address: string; port: number }> = [];
  const router = new UdpMuxRouter({ send: (bytes, address, port) => sent.push({ bytes, address, port }) });
  router.addSession({ ufrag: 'sessH', pwd: PWD }, 0);
  const a = router.addSession({ ufrag: 'sessI', pwd: PWD, remoteUfrag: 'peer', remotePwd: PEER_PWD }, 0);
  router.handleDatagram(check('sessH', PWD, true), '127.0.0.1', 5000, 0);
  sent.length = 0;
  // sessI's credential holder nominates the address sessH's peer holds.
  router.handleDatagram(check('sessI', PWD, true), '127.0.0.1', 5000, 1);
  assert.equal(sent.filter((x) => x.bytes[0] === 0 && x.bytes[1] === 0x01).length, 0);
  assert.equal(router.stats.drops['request-to-held-tuple'], 1);
  assert.equal(a.selectedTuple, undefined);
});
