import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  candidateToSdp,
  generateIceCredentials,
  hostCandidates,
  type IceEvent,
  IceLiteAgent,
  MAX_QUEUED_EVENTS,
} from '../src/ice/index.js';
import {
  HmacSha1Key,
  readXorMappedAddress,
  Sha1Workspace,
  StunAttribute,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../src/stun/index.js';

const LOCAL = { localUfrag: 'LoCaLuFr', localPwd: 'localpasswordlocalpassw0' };
const REMOTE_UFRAG = 'Rmt1';

function seededRng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

interface CheckOptions {
  username?: string | null;
  pwd?: string | null;
  priority?: number | null;
  useCandidate?: boolean;
  role?: 'controlling' | 'controlled' | 'none';
  fingerprint?: boolean;
  extra?: Array<[number, Uint8Array]>;
  tid?: number;
}

/** A Binding request shaped like a browser's check (RFC 8445 §7.2.2). */
function check(opts: CheckOptions = {}): Uint8Array {
  const tid = new Uint8Array(12).fill(opts.tid ?? 7);
  const b = new StunMessageBuilder(StunMessageType.BindingRequest, tid);
  const username = opts.username === undefined ? `${LOCAL.localUfrag}:${REMOTE_UFRAG}` : opts.username;
  if (username !== null) b.username(username);
  b.add(0xc057, Uint8Array.of(0, 1, 0, 0x0a)); // GOOG-NETWORK-INFO, comprehension-optional
  if (opts.role !== 'none') {
    if (opts.role === 'controlled') b.iceControlled(42n);
    else b.iceControlling(0x1234567890abcdefn);
  }
  if (opts.priority !== null) b.priority(opts.priority ?? 1853824767);
  if (opts.useCandidate) b.useCandidate();
  for (const [t, v] of opts.extra ?? []) b.add(t, v);
  const pwd = opts.pwd === undefined ? LOCAL.localPwd : opts.pwd;
  const ws = new Sha1Workspace();
  return b.finish({
    sha1: pwd === null ? undefined : { key: new HmacSha1Key(Buffer.from(pwd), ws), workspace: ws },
    fingerprint: opts.fingerprint ?? true,
  });
}

function parsed(bytes: Uint8Array): StunMessage {
  const m = new StunMessage();
  assert.equal(m.parse(bytes), 'ok');
  return m;
}

function agent(extra: Partial<ConstructorParameters<typeof IceLiteAgent>[0]> = {}) {
  return new IceLiteAgent({ now: 0, ...LOCAL, remoteUfrag: REMOTE_UFRAG, ...extra });
}

function drain(a: IceLiteAgent): IceEvent[] {
  const out: IceEvent[] = [];
  for (let e = a.pollEvent(); e; e = a.pollEvent()) out.push(e);
  return out;
}

const localKey = () => {
  const ws = new Sha1Workspace();
  return { key: new HmacSha1Key(Buffer.from(LOCAL.localPwd), ws), ws };
};

test('generated credentials use ice-chars with >= 24 and >= 128 random bits, and are reproducible with a seeded rng', () => {
  const a = generateIceCredentials(seededRng(1));
  const b = generateIceCredentials(seededRng(1));
  assert.deepEqual(a, b);
  assert.match(a.ufrag, /^[A-Za-z0-9+/]{8}$/);
  assert.match(a.pwd, /^[A-Za-z0-9+/]{24}$/);
  assert.notDeepEqual(generateIceCredentials(seededRng(2)), a);
  const agentWithDefaults = new IceLiteAgent({ now: 0, rng: seededRng(1) });
  assert.equal(agentWithDefaults.localUfrag, a.ufrag);
});

test('rejects bad configuration naming the parameter', () => {
  assert.throws(() => new IceLiteAgent({ now: 0, localUfrag: 'ab', localPwd: LOCAL.localPwd }), /ufrag/);
  assert.throws(() => new IceLiteAgent({ now: 0, localUfrag: 'abcd', localPwd: 'short' }), /pwd/);
  assert.throws(() => new IceLiteAgent({ now: 0, localUfrag: 'abcd' }), /together/);
  assert.throws(() => new IceLiteAgent({ now: Number.NaN }), /now/);
  assert.throws(() => new IceLiteAgent({ now: 0, consentTimeoutMs: 0 }), /consentTimeoutMs/);
});

test('answers a valid check with a success response authenticated by the local password', () => {
  const a = agent();
  const req = check();
  const r = a.handleStun(parsed(req), '127.0.0.1', 50123, 10);
  assert.equal(r.verdict, 'valid');
  assert.ok(r.newTuple);
  const res = parsed(r.response!);
  assert.equal(res.type, StunMessageType.BindingSuccessResponse);
  assert.deepEqual(res.transactionId(), req.subarray(8, 20));
  const { key, ws } = localKey();
  assert.ok(verifyMessageIntegrity(res, key, ws));
  assert.ok(verifyFingerprint(res));
  assert.deepEqual(readXorMappedAddress(res.bytes, res.xorMappedAddressOffset, res.xorMappedAddressLength), {
    address: '127.0.0.1',
    port: 50123,
    family: 4,
  });
  assert.ok(a.isValid('127.0.0.1', 50123));
  assert.ok(!a.isValid('127.0.0.1', 50124));
  assert.equal(a.state, 'new', 'not nominated yet');
  assert.deepEqual(drain(a), [{ type: 'tuple-validated', tuple: { address: '127.0.0.1', port: 50123 } }]);
});

test('USE-CANDIDATE selects the pair; the latest nominated valid pair wins', () => {
  const a = agent();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 1);
  assert.equal(a.state, 'connected');
  assert.deepEqual(a.selected, a.validTuples()[0]);
  const r2 = a.handleStun(parsed(check({ useCandidate: true })), '::1', 2000, 2);
  assert.ok(r2.selectionChanged);
  assert.equal(a.selected?.address, '::1');
  // A plain check on the first tuple does not move the selection back; a nomination does.
  a.handleStun(parsed(check()), '127.0.0.1', 1000, 3);
  assert.equal(a.selected?.address, '::1');
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 4);
  assert.equal(a.selected?.address, '127.0.0.1');
  const selected = drain(a).filter((e) => e.type === 'selected');
  assert.equal(selected.length, 3);
});

test('aggressive nomination: the very first request with USE-CANDIDATE connects (Firefox)', () => {
  const a = agent();
  const r = a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 40000, 0);
  assert.equal(r.verdict, 'valid');
  assert.ok(r.selectionChanged && r.newTuple);
  assert.equal(a.state, 'connected');
});

test('401 without MESSAGE-INTEGRITY for a wrong password or wrong username, never larger than the request', () => {
  const a = agent();
  for (const opts of [
    { pwd: 'wrongpasswordwrongpasswd' },
    { username: `${LOCAL.localUfrag}:other` },
    { username: `${LOCAL.localUfrag}:` },
  ]) {
    const req = check(opts);
    const r = a.handleStun(parsed(req), '127.0.0.1', 1, 0);
    assert.equal(r.verdict, 'rejected');
    const res = parsed(r.response!);
    assert.equal(res.errorCode, 401);
    assert.equal(res.integrityOffset, -1);
    assert.ok(verifyFingerprint(res));
    assert.ok(r.response!.length <= req.length);
  }
  assert.equal(a.validTuples().length, 0, 'nothing validated');
  assert.equal(a.stats.byReason['bad-integrity'], 1);
  assert.equal(a.stats.byReason['username-mismatch'], 2);
});

test('without a known remote ufrag any remote part is accepted, the local part still must match', () => {
  const a = new IceLiteAgent({ now: 0, ...LOCAL });
  assert.equal(
    a.handleStun(parsed(check({ username: `${LOCAL.localUfrag}:anything` })), '127.0.0.1', 1, 0).verdict,
    'valid',
  );
  assert.equal(
    a.handleStun(parsed(check({ username: `${LOCAL.localUfrag}` })), '127.0.0.1', 1, 0).verdict,
    'rejected',
  );
});

test('400 for missing USERNAME, MESSAGE-INTEGRITY, FINGERPRINT or PRIORITY; bad FINGERPRINT is dropped silently', () => {
  const a = agent();
  const noUser = a.handleStun(parsed(check({ username: null })), '127.0.0.1', 1, 0);
  assert.equal(parsed(noUser.response!).errorCode, 400);
  const noMi = a.handleStun(parsed(check({ pwd: null })), '127.0.0.1', 1, 0);
  assert.equal(parsed(noMi.response!).errorCode, 400);
  const noFp = a.handleStun(parsed(check({ fingerprint: false })), '127.0.0.1', 1, 0);
  assert.equal(noFp.reason, 'missing-fingerprint');
  const noPriority = a.handleStun(parsed(check({ priority: null })), '127.0.0.1', 1, 0);
  const res = parsed(noPriority.response!);
  assert.equal(res.errorCode, 400);
  assert.ok(verifyMessageIntegrity(res, localKey().key, localKey().ws), 'authenticated sender gets MI');
  const badFp = check();
  badFp[badFp.length - 1]! ^= 1;
  const r = a.handleStun(parsed(badFp), '127.0.0.1', 1, 0);
  assert.deepEqual([r.verdict, r.reason, r.response], ['dropped', 'bad-fingerprint', undefined]);
});

test('an error that would be larger than the unauthenticated request is not sent (no amplification)', () => {
  const a = agent();
  // 28-byte request: header + FINGERPRINT only. Even a 400 without reason phrase (36 bytes) is larger.
  const tiny = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12)).finish({
    fingerprint: true,
  });
  const r = a.handleStun(parsed(tiny), '127.0.0.1', 1, 0);
  assert.equal(r.verdict, 'dropped');
  assert.equal(r.response, undefined);
  const quiet = agent({ unauthenticatedReplies: 'none' });
  const q = quiet.handleStun(parsed(check({ pwd: 'wrongpasswordwrongpasswd' })), '127.0.0.1', 1, 0);
  assert.deepEqual([q.verdict, q.response], ['dropped', undefined]);
});

test('property: no unauthenticated answer is ever larger than the request', () => {
  const a = agent();
  fc.assert(
    fc.property(
      fc.record({
        username: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
        pwd: fc.option(fc.constantFrom('wrongpasswordwrongpasswd', LOCAL.localPwd), { nil: null }),
        fingerprint: fc.boolean(),
        priority: fc.option(fc.nat(), { nil: null }),
      }),
      (o) => {
        const req = check(o);
        const r = a.handleStun(parsed(req), '127.0.0.1', 9, 0);
        if (r.verdict !== 'valid' && r.response && parsed(r.response).integrityOffset < 0) {
          assert.ok(r.response.length <= req.length);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('487 Role Conflict, authenticated, when the peer claims ICE-CONTROLLED', () => {
  const a = agent();
  const r = a.handleStun(parsed(check({ role: 'controlled' })), '127.0.0.1', 1, 0);
  assert.equal(r.verdict, 'rejected');
  const res = parsed(r.response!);
  assert.equal(res.errorCode, 487);
  assert.ok(verifyMessageIntegrity(res, localKey().key, localKey().ws));
  assert.ok(!a.isValid('127.0.0.1', 1));
});

test('420 with UNKNOWN-ATTRIBUTES for unknown comprehension-required attributes; optional ones are ignored', () => {
  const a = agent();
  const ok = a.handleStun(
    parsed(
      check({
        extra: [
          [0xc070, new Uint8Array(12)],
          [0xc071, new Uint8Array(2)],
        ],
      }),
    ),
    '127.0.0.1',
    1,
    0,
  );
  assert.equal(ok.verdict, 'valid');
  const r = a.handleStun(parsed(check({ extra: [[0x7abc, new Uint8Array(4)]] })), '127.0.0.1', 2, 0);
  const res = parsed(r.response!);
  assert.equal(res.errorCode, 420);
  assert.ok(verifyMessageIntegrity(res, localKey().key, localKey().ws));
  // UNKNOWN-ATTRIBUTES value follows the ERROR-CODE attribute.
  const at = res.bytes.indexOf(StunAttribute.UnknownAttributes, 20);
  assert.ok(at > 0);
  assert.ok(Buffer.from(res.bytes).includes(Buffer.from([0x7a, 0xbc])));
});

test('responses and indications are not answered', () => {
  const a = agent();
  const ind = new StunMessageBuilder(StunMessageType.BindingIndication, new Uint8Array(12)).finish({
    fingerprint: true,
  });
  assert.equal(a.handleStun(parsed(ind), '127.0.0.1', 1, 0).reason, 'not-binding-request');
});

test('consent freshness: closes after 30 s without a valid check, stays open while checks arrive', () => {
  const a = agent();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1, 0);
  assert.equal(a.nextTimeout(), 30_000);
  for (let t = 5000; t <= 60_000; t += 5000) {
    a.handleTimeout(t);
    a.handleStun(parsed(check()), '127.0.0.1', 1, t);
  }
  assert.equal(a.state, 'connected');
  // Invalid checks do not refresh consent.
  a.handleStun(parsed(check({ pwd: 'wrongpasswordwrongpasswd' })), '127.0.0.1', 1, 80_000);
  a.handleTimeout(89_999);
  assert.equal(a.state, 'connected');
  drain(a);
  a.handleTimeout(90_000);
  assert.equal(a.state, 'closed');
  assert.equal(a.closeReason, 'consent-expired');
  assert.deepEqual(drain(a), [
    { type: 'tuple-expired', tuple: { address: '127.0.0.1', port: 1 } },
    { type: 'closed', reason: 'consent-expired' },
  ]);
  assert.equal(a.handleStun(parsed(check()), '127.0.0.1', 1, 90_001).reason, 'closed');
});

test('a session never reached by the peer is closed after the consent timeout (configurable)', () => {
  const a = agent({ consentTimeoutMs: 5000, now: 100 });
  a.handleTimeout(5099);
  assert.equal(a.state, 'new');
  a.handleTimeout(5100);
  assert.equal(a.closeReason, 'consent-expired');
});

test('the valid tuple set is bounded; the least recently checked unselected tuple is evicted', () => {
  const a = agent({ maxValidTuples: 2 });
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1, 0);
  a.handleStun(parsed(check()), '127.0.0.1', 2, 1);
  const r = a.handleStun(parsed(check()), '127.0.0.1', 3, 2);
  assert.equal(r.evicted?.port, 2);
  assert.deepEqual(
    a
      .validTuples()
      .map((t) => t.port)
      .sort(),
    [1, 3],
  );
  assert.equal(a.selected?.port, 1);
});

test('host candidates: RFC 8445 priorities, IPv6 preferred, foundations per base address', () => {
  const cands = hostCandidates([
    { address: '127.0.0.1', port: 5000 },
    { address: '::1', port: 5000 },
    { address: '127.0.0.1', port: 5001 },
  ]);
  assert.equal(cands[0]!.priority, 126 * 2 ** 24 + (65535 - 1024) * 256 + 255);
  assert.ok(cands[1]!.priority > cands[0]!.priority);
  assert.equal(cands[0]!.foundation, cands[2]!.foundation);
  assert.notEqual(cands[0]!.foundation, cands[1]!.foundation);
  assert.match(candidateToSdp(cands[1]!), /^candidate:[a-z0-9]+ 1 udp \d+ ::1 5000 typ host$/);
  assert.throws(() => hostCandidates([{ address: 'localhost', port: 1 }]), /addresses\[0\]\.address/);
});

test('the event queue is bounded when nobody polls it', () => {
  const a = agent({ maxValidTuples: 1 });
  // Each check from a new port validates a tuple (and evicts the previous one): one event each.
  for (let port = 1; port <= 200; port++)
    a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', port, port);
  const events = drain(a);
  assert.equal(events.length, MAX_QUEUED_EVENTS);
  assert.deepEqual(events.at(-1), { type: 'selected', tuple: { address: '127.0.0.1', port: 200 } });
});

// Path validation at the agent (RFC 8445 §7.2.5 run by the controlled side; RFC 7675 consent).
const REMOTE_PWD = 'remotepasswordremotepwd0';

function remoteKey() {
  const ws = new Sha1Workspace();
  return { key: new HmacSha1Key(Buffer.from(REMOTE_PWD), ws), ws };
}

function validating(extra: Partial<ConstructorParameters<typeof IceLiteAgent>[0]> = {}) {
  return agent({ remotePwd: REMOTE_PWD, rng: seededRng(3), ...extra });
}

/** The peer's answer to our request (type success unless `error`), keyed with `pwd`. */
function answerTo(request: Uint8Array, opts: { pwd?: string; error?: number; integrity?: boolean } = {}) {
  const ws = new Sha1Workspace();
  const b = new StunMessageBuilder(
    opts.error ? StunMessageType.BindingErrorResponse : StunMessageType.BindingSuccessResponse,
    request.slice(8, 20),
  );
  if (opts.error) b.errorCode(opts.error);
  return b.finish({
    sha1:
      opts.integrity === false
        ? undefined
        : { key: new HmacSha1Key(Buffer.from(opts.pwd ?? REMOTE_PWD), ws), workspace: ws },
    fingerprint: true,
  });
}

test('rejects bad path-validation configuration naming the parameter', () => {
  assert.throws(() => agent({ consentIntervalMs: 0 }), /consentIntervalMs/);
  assert.throws(() => agent({ remotePwd: '' }), /remotePwd/);
  assert.throws(() => agent({ rng: 5 as unknown as () => Uint8Array }), /rng/);
});

test('with the remote password a nomination selects nothing until our request to the tuple is answered', () => {
  const a = validating();
  assert.ok(a.validatesPaths);
  const r = a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  assert.equal(r.verdict, 'valid');
  assert.equal(r.selectionChanged, false);
  assert.equal(a.selected, undefined);
  assert.deepEqual(a.pending, { address: '127.0.0.1', port: 1000 });
  const out = a.pollTransmit()!;
  assert.deepEqual(out.tuple, { address: '127.0.0.1', port: 1000 });
  assert.equal(a.pollTransmit(), undefined);
  const req = parsed(out.bytes);
  assert.equal(req.username(), `${REMOTE_UFRAG}:${LOCAL.localUfrag}`);
  const { key, ws } = remoteKey();
  assert.ok(verifyMessageIntegrity(req, key, ws));
  const res = a.handleResponse(parsed(answerTo(out.bytes)), '127.0.0.1', 1000, 20);
  assert.equal(res.verdict, 'valid');
  assert.equal(res.selectionChanged, true);
  assert.deepEqual(a.selected, { address: '127.0.0.1', port: 1000 });
  assert.equal(a.pending, undefined);
  assert.equal(a.stats.pathValidationsSucceeded, 1);
  assert.ok(drain(a).some((e) => e.type === 'selected'));
});

test('without the remote password the latest nomination is selected at once (nothing to sign a request with)', () => {
  const a = agent();
  assert.equal(a.validatesPaths, false);
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  assert.deepEqual(a.selected, { address: '127.0.0.1', port: 1000 });
  assert.equal(a.pollTransmit(), undefined, 'no request of ours');
});

test('responses that prove nothing are dropped and counted; the transaction goes on', () => {
  const a = validating();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  const out = a.pollTransmit()!.bytes;
  const drops = (bytes: Uint8Array, port = 1000) =>
    a.handleResponse(parsed(bytes), '127.0.0.1', port, 5).reason;
  assert.equal(drops(answerTo(out, { integrity: false })), 'response-missing-integrity');
  assert.equal(
    drops(answerTo(out, { pwd: LOCAL.localPwd })),
    'response-bad-integrity',
    'our own key is not theirs',
  );
  assert.equal(drops(answerTo(out), 1001), 'unknown-transaction', 'another tuple');
  const corrupted = answerTo(out);
  corrupted[corrupted.length - 1]! ^= 1;
  assert.equal(drops(corrupted), 'response-bad-fingerprint');
  assert.equal(a.stats.responsesDropped, 4);
  assert.equal(a.stats.integrityFailures, 1);
  assert.equal(a.selected, undefined);
  assert.equal(a.handleResponse(parsed(answerTo(out)), '127.0.0.1', 1000, 6).verdict, 'valid');
  assert.deepEqual(a.selected, { address: '127.0.0.1', port: 1000 });
});

test('an authenticated error ends the validation as failed; the next check from the tuple asks again', () => {
  const a = validating();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  const first = a.pollTransmit()!.bytes;
  a.handleResponse(parsed(answerTo(first, { error: 487 })), '127.0.0.1', 1000, 5);
  assert.equal(a.stats.pathValidationsFailed, 1);
  assert.equal(a.selected, undefined);
  assert.deepEqual(a.pending, { address: '127.0.0.1', port: 1000 }, 'still where the peer wants media');
  a.handleStun(parsed(check({ tid: 8 })), '127.0.0.1', 1000, 60);
  const second = a.pollTransmit()!.bytes;
  assert.notDeepEqual(second.subarray(8, 20), first.subarray(8, 20));
  a.handleResponse(parsed(answerTo(second)), '127.0.0.1', 1000, 65);
  assert.deepEqual(a.selected, { address: '127.0.0.1', port: 1000 });
});

test('retransmissions are paid by what the unanswered tuple sent: 2x its check bytes, never more', () => {
  const a = validating();
  const c = check({ useCandidate: true });
  a.handleStun(parsed(c), '127.0.0.1', 1000, 0);
  let sent = 0;
  for (let t = 0; t <= 10_000; t += 10) {
    a.handleTimeout(t);
    for (let o = a.pollTransmit(); o; o = a.pollTransmit()) sent += o.bytes.length;
  }
  assert.ok(sent > 0 && sent <= 2 * c.length, `${sent} bytes of requests for a ${c.length}-byte check`);
  assert.equal(a.stats.pathValidationsFailed, 1);
  assert.ok(a.stats.requestsWithheld >= 1);
});

test('consent: requests every 5 s x [0.8, 1.2]; expiry 30 s after the last answer closes the session', () => {
  const a = validating();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  a.handleResponse(parsed(answerTo(a.pollTransmit()!.bytes)), '127.0.0.1', 1000, 10);
  const at: number[] = [];
  for (let t = 10; t <= 40_000 && a.state !== 'closed'; t += 10) {
    a.handleTimeout(t);
    // The peer's own checks keep coming; they are answered but are not consent.
    if (t % 1000 === 0) a.handleStun(parsed(check({ tid: t % 250 })), '127.0.0.1', 1000, t);
    for (let o = a.pollTransmit(); o; o = a.pollTransmit())
      if (parsed(o.bytes).messageClass === 'request') at.push(t);
  }
  assert.equal(a.state, 'closed');
  assert.equal(a.closeReason, 'consent-expired');
  assert.equal(a.stats.consentExpired, 1);
  assert.equal(a.stats.consentResponses, 0);
  // First consent request 4-6 s after the answer.
  assert.ok(at[0]! >= 10 + 4000 && at[0]! <= 10 + 6000, `first consent request at ${at[0]}`);
  assert.deepEqual(drain(a).at(-1), { type: 'closed', reason: 'consent-expired' });
});

test('our transactions start at least Ta (50 ms) apart (RFC 8445 §14.2); a later one waits for its turn', () => {
  const a = validating();
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  a.handleStun(parsed(check({ useCandidate: true, tid: 9 })), '127.0.0.1', 2000, 0);
  assert.deepEqual(a.pollTransmit()?.tuple, { address: '127.0.0.1', port: 1000 });
  assert.equal(a.pollTransmit(), undefined, 'the second waits');
  assert.equal(a.nextTimeout(), 50);
  a.handleTimeout(49);
  assert.equal(a.pollTransmit(), undefined);
  a.handleTimeout(50);
  assert.deepEqual(a.pollTransmit()?.tuple, { address: '127.0.0.1', port: 2000 });
});

test('remote password given after a selection: consent counts from the latest check there, our first request goes at once', () => {
  const a = agent({ rng: seededRng(4) });
  a.handleStun(parsed(check({ useCandidate: true })), '127.0.0.1', 1000, 0);
  a.handleStun(parsed(check({ tid: 11 })), '127.0.0.1', 1000, 40_000);
  a.setRemotePwd(REMOTE_PWD);
  a.handleTimeout(40_001);
  assert.equal(a.state, 'connected', 'not expired by the time before the password was known');
  const out = a.pollTransmit();
  assert.deepEqual(out?.tuple, { address: '127.0.0.1', port: 1000 });
  assert.equal(a.stats.consentRequestsSent, 1);
  a.handleTimeout(40_000 + 30_000);
  assert.equal(a.closeReason, 'consent-expired', 'unanswered, consent runs out 30 s later');
});

test('restart() before any selection replaces the credentials at once: checks under the old ones are refused', () => {
  const a = agent({ remotePwd: 'remotepasswordremotepass' });
  const r = a.restart({
    remoteUfrag: 'Rmt2',
    remotePwd: 'newremotepasswordnewrem0',
    localUfrag: 'NeWlOcAl',
    localPwd: 'newlocalpasswordnewlocal',
  });
  assert.deepEqual(r, { ufrag: 'NeWlOcAl', pwd: 'newlocalpasswordnewlocal', retired: [LOCAL.localUfrag] });
  assert.equal(a.localUfrag, 'NeWlOcAl');
  assert.equal(a.previousUfrag, undefined);
  const old = a.handleStun(parsed(check()), '127.0.0.1', 5000, 1);
  assert.equal(old.reason, 'username-mismatch');
  const fresh = a.handleStun(
    parsed(check({ username: 'NeWlOcAl:Rmt2', pwd: 'newlocalpasswordnewlocal' })),
    '127.0.0.1',
    5000,
    1,
  );
  assert.equal(fresh.verdict, 'valid');
  assert.equal(a.stats.restarts, 1);
  assert.throws(() => a.restart({ remoteUfrag: 'x', remotePwd: '' }), /options.remote/);
});
