import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import { SrtpSession } from '@rtcseal/srtp';
import fc from 'fast-check';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/candidate.js';
import { CHECK_MAX_TRANSMISSIONS, PEER_REFLEXIVE_PRIORITY } from '../src/ice/connectivity-check.js';
import type { TransportTuple } from '../src/ice/tuple.js';
import { UdpMuxRouter } from '../src/mux/router.js';
import {
  HmacSha1Key,
  Sha1Workspace,
  StunMessage,
  StunMessageBuilder,
  StunMessageType,
  verifyFingerprint,
  verifyMessageIntegrity,
} from '../src/stun/index.js';
import { WebRtcTransport } from '../src/transport/index.js';
import { ControllingPeer, isBindingRequest } from './controlling-peer.js';

// Make-before-break path validation and consent (RFC 8445 §7.2.5, RFC 7675) on the whole transport:
// router + WebRtcTransport (DTLS server) + a browser stand-in (DTLS client engine, a controlling ICE
// agent that answers our requests) on a simulated network with a virtual clock. The hostile peer
// holds valid credentials (its own session's) and spoofs source addresses; the victim is an address
// where nobody answers. Everything is deterministic: virtual time, a seeded RNG for the agent.

const OURS = { address: '127.0.0.1', port: 5000 };
const PEER_UFRAG = 'pEeR';
const PEER_PWD = 'peerpasswordpeerpassword';
const A = { address: '127.0.0.1', port: 50_000 };
const B = { address: '127.0.0.1', port: 50_100 };
const VICTIM = { address: '127.0.0.1', port: 40_000 };
const STEP = 5;
const MEDIA_EVERY = 20;

let serverCert: DtlsCertificate;
let browserCert: DtlsCertificate;

test.before(async () => {
  [serverCert, browserCert] = await Promise.all([generateCertificate(), generateCertificate()]);
});

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

function offerSdp(fingerprint: string): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${PEER_UFRAG}`,
    `a=ice-pwd:${PEER_PWD}`,
    `a=fingerprint:${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

function rtpPacket(seq: number, ssrc: number): Uint8Array {
  const p = new Uint8Array(12 + 40);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = 111;
  v.setUint16(2, seq);
  v.setUint32(4, seq * 960);
  v.setUint32(8, ssrc);
  return p;
}

const same = (a: TransportTuple, b: TransportTuple) => a.address === b.address && a.port === b.port;
const isRtp = (d: Uint8Array) => d[0]! >= 128 && d[0]! <= 191;

interface Sent {
  readonly at: number;
  readonly to: TransportTuple;
  readonly bytes: Uint8Array;
}

/**
 * The simulated call. The real peer sits at `peer.at` (it may move: NAT rebinding) and also owns
 * `peer.owns`; datagrams to any address it owns reach it after half the RTT, datagrams to anything
 * else (the victim) are logged and lost. The peer answers our Binding requests while
 * `peer.answers`; it sends a check every `peer.checkEveryMs` from `peer.at`.
 */
function simulate(t: TestContext, opts: { rttMs?: number; seed?: number; lossRate?: number } = {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const oneWay = (opts.rttMs ?? 40) / 2;
  // Independent loss both ways on the peer's path, from its own seeded generator.
  const lossRng = seededRng((opts.seed ?? 1) ^ 0x5eed);
  const lost = () => (opts.lossRate ?? 0) > 0 && lossRng(1)[0]! / 256 < opts.lossRate!;
  let lostCount = 0;
  const schedule = (at: number, deliver: () => void) => {
    if (lost()) lostCount++;
    else inFlight.push({ at, deliver });
  };
  let now = 0;
  const log: Sent[] = [];
  const inFlight: Array<{ at: number; deliver: () => void }> = [];
  const peer = {
    at: A as TransportTuple,
    owns: [A, B] as TransportTuple[],
    answers: true,
    checkEveryMs: 0,
    nominateInChecks: false,
  };
  const router = new UdpMuxRouter({
    rng: seededRng(opts.seed ?? 1),
    send: (bytes, address, port) => {
      const to = { address, port };
      log.push({ at: now, to, bytes });
      if (peer.owns.some((o) => same(o, to))) schedule(now + oneWay, () => toPeer(bytes, to));
    },
  });
  const closed: string[] = [];
  const received: Uint8Array[] = [];
  const result = WebRtcTransport.answer(offerSdp(browserCert.fingerprint('sha-256')), {
    mux: { addSession: (o) => router.addSession(o, now), candidates: hostCandidates([OURS]) },
    certificate: serverCert,
    clock: () => now,
    onClosed: (r) => closed.push(r),
    onRtp: (p) => received.push(new Uint8Array(p)),
  });
  assert.ok(result.ok, result.ok ? '' : result.error);
  const transport = result.transport;
  const m = sdpTransform.parse(result.answer).media[0]!;
  const ws = new Sha1Workspace();
  const ourKey = new HmacSha1Key(Buffer.from(String(m.icePwd)), ws);
  const icePeer = new ControllingPeer(PEER_UFRAG, PEER_PWD);
  const dtlsPeer = new DtlsEngine({
    role: 'client',
    certificate: browserCert,
    expectedFingerprint: `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
  });
  let tidCounter = 0;
  /** A check made with the session's credentials (what the peer, hostile or not, can always make). */
  const checkBytes = (useCandidate: boolean, role: 'controlling' | 'controlled' = 'controlling') => {
    const tid = new Uint8Array(12);
    new DataView(tid.buffer).setUint32(8, ++tidCounter);
    const b = new StunMessageBuilder(StunMessageType.BindingRequest, tid).username(
      `${m.iceUfrag}:${PEER_UFRAG}`,
    );
    if (role === 'controlling') b.iceControlling(0x1234n);
    else b.iceControlled(0x1234n);
    b.priority(1_853_824_767);
    if (useCandidate) b.useCandidate();
    return b.finish({ sha1: { key: ourKey, workspace: ws }, fingerprint: true });
  };
  /** A datagram arriving at our port now, from any source (the network does not check sources). */
  const arrive = (bytes: Uint8Array, from: TransportTuple) =>
    router.handleDatagram(bytes, from.address, from.port, now);
  /** The peer sends from where it is; the datagram arrives after half the RTT. */
  const peerSends = (bytes: Uint8Array) => {
    const from = peer.at;
    schedule(now + oneWay, () => arrive(bytes, from));
  };
  function toPeer(bytes: Uint8Array, to: TransportTuple): void {
    if (bytes[0]! >= 20 && bytes[0]! <= 63) {
      dtlsPeer.handleDatagram(bytes, now);
      for (let d = dtlsPeer.pollTransmit(); d; d = dtlsPeer.pollTransmit()) peerSends(d);
    } else if (isBindingRequest(bytes) && peer.answers) {
      // The answer leaves from the address the request reached (RFC 8445 §7.2.5.2.1 symmetry).
      const answer = icePeer.answer(bytes, OURS);
      if (answer) schedule(now + oneWay, () => arrive(answer, to));
    }
  }
  let srtpTx: SrtpSession | undefined;
  let seq = 0;
  let nextCheckAt = 0;
  let nextMediaAt = 0;
  /** Advances virtual time by `ms`: network, both sides' timers, the peer's checks, media both ways. */
  const run = (ms: number, each?: () => void) => {
    const end = now + ms;
    while (now < end) {
      now += STEP;
      t.mock.timers.tick(STEP);
      inFlight.sort((x, y) => x.at - y.at);
      while (inFlight.length > 0 && inFlight[0]!.at <= now) inFlight.shift()!.deliver();
      const dt = dtlsPeer.nextTimeout();
      if (dt !== undefined && dt <= now) {
        dtlsPeer.handleTimeout(now);
        for (let d = dtlsPeer.pollTransmit(); d; d = dtlsPeer.pollTransmit()) peerSends(d);
      }
      if (peer.checkEveryMs > 0 && now >= nextCheckAt) {
        nextCheckAt = now + peer.checkEveryMs;
        peerSends(checkBytes(peer.nominateInChecks));
      }
      if (transport.state === 'connected' && now >= nextMediaAt) {
        nextMediaAt = now + MEDIA_EVERY;
        transport.sendRtp(rtpPacket(++seq, transport.ssrc));
        if (dtlsPeer.state !== 'connected') continue;
        if (!srtpTx) {
          const k = dtlsPeer.srtpKeyingMaterial()!;
          srtpTx = new SrtpSession({
            profile: k.profile,
            masterKey: k.localMasterKey,
            masterSalt: k.localMasterSalt,
          });
        }
        peerSends(srtpTx.protectRtp(rtpPacket(seq, 1001)));
      }
      each?.();
    }
  };
  const startDtls = () => {
    dtlsPeer.start(now);
    for (let d = dtlsPeer.pollTransmit(); d; d = dtlsPeer.pollTransmit()) peerSends(d);
  };
  /** Nominates A, starts DTLS from A and runs until the call is up and media flows to A. */
  const connect = () => {
    peerSends(checkBytes(true));
    startDtls();
    run(400);
    assert.equal(transport.state, 'connected');
    assert.deepEqual(transport.stats().ice.selected, A);
  };
  const rtpTo = (to: TransportTuple) => log.filter((s) => isRtp(s.bytes) && same(s.to, to));
  const sentTo = (to: TransportTuple) => log.filter((s) => same(s.to, to));
  return {
    get now() {
      return now;
    },
    get lost() {
      return lostCount;
    },
    router,
    transport,
    peer,
    icePeer,
    log,
    closed,
    received,
    ourUfrag: String(m.iceUfrag),
    checkBytes,
    startDtls,
    arrive,
    peerSends,
    run,
    connect,
    rtpTo,
    sentTo,
  };
}

test('a spoofed nominating check from a victim keeps media where it is; our request to the victim is bounded, then fails', (t) => {
  const s = simulate(t);
  s.connect();
  const spoofed = s.checkBytes(true);
  s.arrive(spoofed, VICTIM);
  assert.deepEqual(s.transport.stats().ice.pending, VICTIM, 'the nomination waits for an answer');
  assert.deepEqual(s.transport.stats().ice.selected, A, 'make before break: media stays');
  s.run(10_000);
  assert.equal(s.rtpTo(VICTIM).length, 0, 'no media ever goes to the victim');
  assert.ok(s.rtpTo(A).length > 400, 'media kept flowing to the peer');
  const toVictim = s.sentTo(VICTIM);
  const bytes = toVictim.reduce((n, x) => n + x.bytes.length, 0);
  assert.ok(bytes <= 3 * spoofed.length, `${bytes} bytes to the victim for ${spoofed.length} received`);
  const requests = toVictim.filter((x) => isBindingRequest(x.bytes));
  assert.ok(requests.length >= 1 && requests.length <= CHECK_MAX_TRANSMISSIONS);
  // Retransmissions repeat the request byte for byte (same transaction) after the RTO.
  for (const r of requests) assert.deepEqual(r.bytes, requests[0]!.bytes);
  if (requests.length > 1) assert.equal(requests[1]!.at - requests[0]!.at, 500);
  const ice = s.transport.stats().ice;
  assert.equal(ice.pathValidationsStarted, 2, 'the first selection and the spoofed one');
  assert.equal(ice.pathValidationsSucceeded, 1);
  assert.equal(ice.pathValidationsFailed, 1);
  assert.equal(ice.selections, 1);
  assert.ok(ice.requestsWithheld >= 1, 'retransmissions beyond the budget were withheld');
  assert.deepEqual(ice.selected, A);
  assert.deepEqual(s.closed, []);
});

test('our request is a controlled-side check signed with the offer password: USERNAME, PRIORITY, ICE-CONTROLLED, MI, FINGERPRINT', (t) => {
  const s = simulate(t);
  s.connect();
  s.arrive(s.checkBytes(true), VICTIM);
  const request = s.sentTo(VICTIM).find((x) => isBindingRequest(x.bytes))!.bytes;
  const msg = new StunMessage();
  assert.equal(msg.parse(request), 'ok');
  assert.equal(msg.username(), `${PEER_UFRAG}:${s.ourUfrag}`, 'RFC 8445 §7.2.2: remote:local');
  assert.ok(verifyFingerprint(msg));
  const ws = new Sha1Workspace();
  assert.ok(
    verifyMessageIntegrity(msg, new HmacSha1Key(Buffer.from(PEER_PWD), ws), ws),
    'keyed with the remote pwd',
  );
  assert.equal(msg.priority, PEER_REFLEXIVE_PRIORITY);
  assert.ok(msg.iceControlled && !msg.iceControlling && !msg.useCandidate);
  // Two requests never share a transaction ID (RFC 8489 §6: random 96 bits).
  const first = s.log.find((x) => isBindingRequest(x.bytes) && same(x.to, A))!.bytes;
  assert.notDeepEqual(first.subarray(8, 20), request.subarray(8, 20));
});

test('a spoofed nomination of a victim at call start selects nothing: the call connects on the checked tuple, no media to the victim', (t) => {
  const s = simulate(t);
  // The hostile peer nominates the victim first, then runs DTLS from its own (checked, never
  // nominated) address.
  s.arrive(s.checkBytes(true), VICTIM);
  s.peerSends(s.checkBytes(false));
  s.startDtls();
  s.run(50);
  assert.equal(s.transport.stats().ice.selected, undefined, 'a first selection is validated too');
  s.run(10_000);
  assert.equal(s.transport.stats().dtls.state, 'connected', 'DTLS completed with the checked tuple');
  // Media cannot flow without a selected pair, so the transport does not report connected.
  assert.equal(s.transport.state, 'connecting');
  assert.equal(s.transport.connected, undefined);
  assert.equal(s.rtpTo(VICTIM).length, 0);
  assert.equal(s.transport.stats().ice.selected, undefined);
  assert.equal(s.transport.stats().ice.pathValidationsFailed, 1);
  assert.equal(
    s.transport.sendRtp(rtpPacket(1, s.transport.ssrc)),
    false,
    'no media without a selected tuple',
  );
});

test('the first selection waits for the answer, one round trip; the DTLS handshake runs meanwhile on the checked tuple', (t) => {
  const s = simulate(t, { rttMs: 100 });
  let selectedAt = -1;
  let dtlsFirstAt = -1;
  s.peerSends(s.checkBytes(true));
  s.run(1000, () => {
    if (selectedAt < 0 && s.transport.stats().ice.selected) selectedAt = s.now;
    if (dtlsFirstAt < 0 && s.log.some((x) => x.bytes[0] === 22)) dtlsFirstAt = s.now;
  });
  // Check arrives at 50 ms; our request reaches the peer at 100, its answer us at 150.
  assert.ok(selectedAt >= 150 && selectedAt <= 150 + STEP, `selected at ${selectedAt}`);
  assert.deepEqual(s.transport.stats().ice.selected, A);
  assert.equal(s.transport.stats().ice.pathValidationsSucceeded, 1);
});

test("the peer's nomination of its other address moves media only after that address answers", (t) => {
  const s = simulate(t, { rttMs: 60 });
  s.connect();
  // The peer moves to B (a new interface) and nominates from there.
  s.peer.at = B;
  s.peerSends(s.checkBytes(true));
  const checkArrives = s.now + 30;
  let movedAt = -1;
  s.run(2000, () => {
    if (movedAt < 0 && s.transport.stats().ice.selected?.port === B.port) movedAt = s.now;
  });
  // The check arrives at +30, our request reaches B at +60, its answer us at +90: one round trip.
  assert.ok(
    movedAt >= checkArrives + 60 && movedAt <= checkArrives + 60 + STEP,
    `moved ${movedAt - checkArrives} ms after the check`,
  );
  const lastToA = Math.max(...s.rtpTo(A).map((x) => x.at));
  const firstToB = Math.min(...s.rtpTo(B).map((x) => x.at));
  assert.ok(lastToA < movedAt, 'media stayed on A until the answer');
  assert.ok(firstToB >= movedAt, 'media went to B only after the answer');
  assert.ok(s.rtpTo(B).length > 50);
  assert.equal(s.transport.stats().ice.selections, 2);
});

test('NAT rebinding: a check from a new port of the selected address moves media within one round trip, without a nomination', (t) => {
  const s = simulate(t, { rttMs: 80 });
  s.connect();
  const rebound = { address: A.address, port: 61_000 };
  s.peer.owns = [rebound];
  s.peer.at = rebound;
  // Firefox's consent checks carry no USE-CANDIDATE.
  s.peerSends(s.checkBytes(false));
  const checkArrives = s.now + 40;
  let movedAt = -1;
  s.run(1000, () => {
    if (movedAt < 0 && s.transport.stats().ice.selected?.port === rebound.port) movedAt = s.now;
  });
  assert.ok(movedAt > 0, 'media followed the new port');
  assert.ok(movedAt - checkArrives <= 80 + STEP, `moved ${movedAt - checkArrives} ms after the check`);
  assert.ok(s.rtpTo(rebound).length > 20);
  assert.equal(s.rtpTo(A).filter((x) => x.at >= movedAt).length, 0);
});

test('a rebinding that changes the address follows without a nomination once the old tuple misses a consent answer', (t) => {
  // Firefox's consent checks carry no USE-CANDIDATE; a NAT that moves it to another address too
  // must not strand the call until consent expires.
  const s = simulate(t, { rttMs: 40 });
  s.connect();
  const moved = { address: '127.0.0.3', port: 62_000 };
  s.peer.owns = [moved];
  s.peer.at = moved;
  s.peer.checkEveryMs = 5000;
  const rebindAt = s.now;
  let movedAt = -1;
  s.run(20_000, () => {
    if (movedAt < 0 && s.transport.stats().ice.selected?.port === moved.port) movedAt = s.now;
  });
  assert.ok(movedAt > 0, 'media followed the new address');
  // A consent answer is missed within 6.5 s of the last one; the next check from there moves it.
  assert.ok(
    movedAt - rebindAt <= 6500 + 5000 + 40 + STEP,
    `moved ${movedAt - rebindAt} ms after the rebinding`,
  );
  assert.deepEqual(s.closed, []);
  assert.ok(s.rtpTo(moved).length > 100);
});

test("a port of the peer's address that was checking before the selection is another path, not a rebinding: its checks move nothing", (t) => {
  const s = simulate(t);
  const second = { address: A.address, port: 50_001 };
  s.peer.owns = [A, second];
  s.peerSends(s.checkBytes(false)); // from A, before the nomination
  s.arrive(s.checkBytes(false), second); // the peer's second socket checks too
  s.connect();
  s.arrive(s.checkBytes(false), second);
  s.run(2000);
  assert.deepEqual(s.transport.stats().ice.selected, A, 'media stays on the nominated path');
  assert.equal(s.transport.stats().ice.selections, 1);
});

test('a check without nomination from another address is answered but moves nothing', (t) => {
  const s = simulate(t);
  s.connect();
  const other = { address: '127.0.0.2', port: 50_000 };
  s.arrive(s.checkBytes(false), other);
  s.run(3000);
  assert.deepEqual(s.transport.stats().ice.selected, A);
  assert.equal(
    s.sentTo(other).filter((x) => isBindingRequest(x.bytes)).length,
    0,
    'no request: nothing to move',
  );
  assert.equal(s.sentTo(other).length, 1, 'the check got its response');
});

test('consent: our requests every 5 s x [0.8, 1.2] answered keep the call; the same seed gives the same times', (t) => {
  const times = (seed: number) => {
    const s = simulate(t, { seed });
    s.peer.checkEveryMs = 2500;
    s.connect();
    s.run(62_000);
    assert.deepEqual(s.closed, [], 'answered consent keeps the call past 30 s');
    const ice = s.transport.stats().ice;
    assert.ok(ice.consentRequestsSent >= 10, `${ice.consentRequestsSent} consent requests`);
    assert.equal(ice.consentResponses, ice.consentRequestsSent, 'every one answered (no loss)');
    t.mock.timers.reset();
    return s.log.filter((x) => isBindingRequest(x.bytes) && same(x.to, A)).map((x) => x.at);
  };
  const first = times(7);
  // Intervals after the validation request: 4-6 s (plus the 5 ms simulation step), not all equal.
  const gaps = first.slice(2).map((at, i) => at - first[i + 1]!);
  for (const g of gaps) assert.ok(g >= 4000 && g <= 6000 + STEP, `consent gap ${g}`);
  assert.ok(new Set(gaps).size > 1, 'jittered');
  assert.deepEqual(times(7), first, 'deterministic with the injected RNG');
  assert.notDeepEqual(times(8), first);
});

test("consent expires 30 s after the last answer when only the peer's checks arrive: the call ends, media stops", (t) => {
  // The peer (or a spoofer sending checks from the victim's address, which is the same to us) keeps
  // checking every second but never answers our requests.
  const s = simulate(t);
  s.peer.checkEveryMs = 1000;
  s.peer.nominateInChecks = true;
  s.connect();
  const lastAnswerAt = s.now;
  s.peer.answers = false;
  let closedAt = -1;
  s.run(40_000, () => {
    if (closedAt < 0 && s.closed.length > 0) closedAt = s.now;
  });
  assert.deepEqual(s.closed, ['ice-consent-expired']);
  assert.ok(
    closedAt - lastAnswerAt >= 29_000 && closedAt - lastAnswerAt <= 31_000,
    `closed ${closedAt - lastAnswerAt} ms after`,
  );
  const ice = s.transport.stats().ice;
  assert.equal(ice.consentExpired, 1);
  assert.ok(ice.consentRequestsSent >= 5);
  assert.ok(ice.checksValid > 30, "the peer's checks kept coming and were answered");
  assert.equal(s.rtpTo(A).filter((x) => x.at > closedAt).length, 0, 'no media after consent expired');
  assert.ok(
    s.rtpTo(A).some((x) => x.at > closedAt - 2000),
    'media flowed until then',
  );
  assert.equal(s.transport.sendRtp(rtpPacket(1, s.transport.ssrc)), false);
});

test('responses: a wrong transaction, a forged MESSAGE-INTEGRITY or another source tuple do not validate; the genuine answer does', (t) => {
  const s = simulate(t);
  s.connect();
  s.peer.answers = false;
  s.peerSends(s.checkBytes(true)); // from A: already selected, nothing to ask
  s.arrive(s.checkBytes(true), B); // B (the peer's) nominated; the peer holds the answer back
  const request = s.sentTo(B).find((x) => isBindingRequest(x.bytes))!.bytes;
  const ws = new Sha1Workspace();
  const peerKey = new HmacSha1Key(Buffer.from(PEER_PWD), ws);
  const response = (tid: Uint8Array, key: HmacSha1Key) =>
    new StunMessageBuilder(StunMessageType.BindingSuccessResponse, tid).finish({
      sha1: { key, workspace: ws },
      fingerprint: true,
    });
  const tid = request.slice(8, 20);
  const otherTid = tid.slice();
  otherTid[0]! ^= 1;
  const before = { ...s.router.stats.drops };
  s.arrive(response(otherTid, peerKey), B);
  s.arrive(response(tid, new HmacSha1Key(Buffer.from('attackerpasswordattacker'), ws)), B);
  s.arrive(response(tid, peerKey), A); // right ID and key, wrong source tuple
  s.arrive(response(tid, peerKey), { address: '127.0.0.9', port: 9 }); // from a tuple no session holds
  assert.deepEqual(s.transport.stats().ice.selected, A);
  const d = s.router.stats.drops;
  assert.equal((d['ice-unknown-transaction'] ?? 0) - (before['ice-unknown-transaction'] ?? 0), 2);
  assert.equal((d['ice-response-bad-integrity'] ?? 0) - (before['ice-response-bad-integrity'] ?? 0), 1);
  assert.equal(
    (d['stun-response-unverified-source'] ?? 0) - (before['stun-response-unverified-source'] ?? 0),
    1,
  );
  assert.equal(s.transport.stats().ice.integrityFailures, 1);
  // The transaction survived the forgeries: the genuine answer moves media.
  s.arrive(response(tid, peerKey), B);
  assert.deepEqual(s.transport.stats().ice.selected, B);
});

test('stats().ice explains a session: checks, integrity failures, 401 and 487 sent, nominations', (t) => {
  const s = simulate(t);
  const ws = new Sha1Workspace();
  const bad = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12).fill(3))
    .username(`${s.ourUfrag}:${PEER_UFRAG}`)
    .iceControlling(1n)
    .priority(1)
    .finish({
      sha1: { key: new HmacSha1Key(Buffer.from('wrongpasswordwrongpasswd'), ws), workspace: ws },
      fingerprint: true,
    });
  s.arrive(bad, A);
  s.connect();
  // The peer claims the controlled role (a lite agent cannot switch, RFC 8445 §7.3.1.1): 487.
  s.arrive(s.checkBytes(false, 'controlled'), A);
  const ice = s.transport.stats().ice;
  assert.equal(ice.checksReceived, 3);
  assert.equal(ice.checksValid, 1);
  assert.equal(ice.integrityFailures, 1);
  assert.equal(ice.unauthorizedSent, 1);
  assert.equal(ice.roleConflictsSent, 1);
  assert.equal(ice.nominations, 1);
  assert.equal(ice.drops['bad-integrity'], 1);
  assert.equal(ice.pathValidationsSucceeded, 1);
});

test('fuzz: forged responses of every shape, from the victim, the peer or elsewhere, never move media and never throw', (t) => {
  const s = simulate(t);
  s.connect();
  s.arrive(s.checkBytes(true), VICTIM);
  const request = s.sentTo(VICTIM).find((x) => isBindingRequest(x.bytes))!.bytes;
  const realTid = request.slice(8, 20);
  const ws = new Sha1Workspace();
  const keys = {
    peer: new HmacSha1Key(Buffer.from(PEER_PWD), ws),
    attacker: new HmacSha1Key(Buffer.from('attackerpasswordattacker'), ws),
  };
  fc.assert(
    fc.property(
      fc.record({
        tid: fc.oneof(fc.uint8Array({ minLength: 12, maxLength: 12 }), fc.constant(realTid)),
        success: fc.boolean(),
        key: fc.constantFrom('peer', 'attacker', 'none'),
        fingerprint: fc.boolean(),
        from: fc.constantFrom(VICTIM, A, B),
        extra: fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 24 })), {
          maxLength: 3,
        }),
      }),
      (r) => {
        // The one response a spoofer cannot make: the request's transaction ID, keyed with the peer's
        // password, from the victim's address (it never sees the request).
        if (r.tid === realTid && r.key === 'peer' && r.from === VICTIM) return;
        const b = new StunMessageBuilder(
          r.success ? StunMessageType.BindingSuccessResponse : StunMessageType.BindingErrorResponse,
          r.tid,
        );
        if (!r.success) b.errorCode(487);
        for (const [type, value] of r.extra) if (type !== 0x0008 && type !== 0x8028) b.add(type, value);
        const bytes = b.finish({
          ...(r.key === 'none' ? {} : { sha1: { key: keys[r.key as 'peer' | 'attacker'], workspace: ws } }),
          fingerprint: r.fingerprint,
        });
        s.arrive(bytes, r.from);
        assert.deepEqual(s.transport.stats().ice.selected, A);
      },
    ),
    { numRuns: 3000 },
  );
  assert.equal(s.rtpTo(VICTIM).length, 0);
  assert.equal(s.transport.state, 'connected');
});

test('with 20% loss both ways the first selection, a move and two minutes of consent still work', (t) => {
  const s = simulate(t, { lossRate: 0.2, seed: 11 });
  s.peer.checkEveryMs = 500;
  s.peer.nominateInChecks = true;
  s.peerSends(s.checkBytes(true));
  s.startDtls();
  s.run(5000);
  assert.equal(s.transport.state, 'connected');
  assert.deepEqual(s.transport.stats().ice.selected, A);
  s.peer.at = B;
  s.run(120_000);
  assert.deepEqual(s.closed, [], 'consent never expired');
  const ice = s.transport.stats().ice;
  assert.deepEqual(ice.selected, B, 'the move to B happened despite loss');
  assert.ok(ice.consentResponses > 10 && ice.consentResponses < ice.consentRequestsSent, JSON.stringify(ice));
  assert.ok(s.lost > 100, `${s.lost} datagrams lost`);
  assert.equal(s.rtpTo(VICTIM).length, 0);
});
