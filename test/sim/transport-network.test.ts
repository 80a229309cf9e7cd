import assert from 'node:assert/strict';
import { before, type TestContext, test } from 'node:test';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import {
  HmacSha1Key,
  hostCandidates,
  Sha1Workspace,
  StunMessageBuilder,
  StunMessageType,
  UdpMuxRouter,
  WebRtcTransport,
} from '@rtcseal/ice-lite';
import { SrtpSession } from '@rtcseal/srtp';
import type * as PathModule from '../../packages/dtls/test/sim/path.js';
import type * as PrngModule from '../../packages/dtls/test/sim/prng.js';
import type * as NetworkModule from '../../packages/dtls/test/sim/udp-network.js';
import type * as ControllingPeerModule from '../../packages/ice-lite/test/controlling-peer.js';

/*
 * The whole one-port transport over the simulated network of packages/dtls/test/sim: UdpMuxRouter
 * + WebRtcTransport on the server's address, a browser stand-in (ICE checks with the session's
 * credentials, a DtlsEngine, SRTP both ways) on another, and a spoofing host that reads the path
 * and sends with the browser's source address as well as its own. The path is a named profile
 * (bursty loss, correlated jitter, a rate-limited bottleneck); the transport's timers run on mock
 * timers driven by the same virtual clock. RSA certificates keep every datagram's size fixed, so
 * the same seed replays the same run datagram for datagram.
 */

// The simulator is test code of @rtcseal/dtls: loaded from its compiled tests.
const simDir = new URL('../../../packages/dtls/dist/test/sim/', import.meta.url);
const { LINK_PROFILES } = (await import(new URL('path.js', simDir).href)) as typeof PathModule;
const { Prng } = (await import(new URL('prng.js', simDir).href)) as typeof PrngModule;
const { UdpNetwork } = (await import(new URL('udp-network.js', simDir).href)) as typeof NetworkModule;

// The browser's ICE side, which answers our own Binding requests: test code of @rtcseal/ice-lite.
const { ControllingPeer, isBindingRequest } = (await import(
  new URL('../../../packages/ice-lite/dist/test/controlling-peer.js', import.meta.url).href
)) as typeof ControllingPeerModule;

type Endpoint = NetworkModule.Endpoint;

const SERVER: Endpoint = { address: '192.0.2.1', port: 5000 };
const BROWSER: Endpoint = { address: '192.0.2.10', port: 50_000 };
const ATTACKER: Endpoint = { address: '203.0.113.66', port: 40_000 };
const PEER_UFRAG = 'bRwS';
const PEER_PWD = 'browserpasswordbrowserpw';
/** The first payload byte of every genuine media packet; the attacker's never carry it. */
const GENUINE = 0xab;

let serverCert: DtlsCertificate;
let browserCert: DtlsCertificate;

before(async () => {
  [serverCert, browserCert] = await Promise.all([
    generateCertificate({ keyType: 'rsa-2048' }),
    generateCertificate({ keyType: 'rsa-2048' }),
  ]);
});

function offer(fingerprint: string): string {
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

function rtp(seq: number, ssrc: number, first: number): Uint8Array {
  const p = new Uint8Array(12 + 80).fill(first, 12);
  const v = new DataView(p.buffer);
  p[0] = 0x80;
  p[1] = 111;
  v.setUint16(2, seq & 0xffff);
  v.setUint32(4, seq * 960);
  v.setUint32(8, ssrc);
  return p;
}

interface CallOptions {
  readonly seed: number;
  readonly profile: keyof typeof LINK_PROFILES;
  readonly attacker: boolean;
  readonly durationMs?: number;
  /** At this time the attacker sends, as the browser, a zero-length fragment of a ClientHello at message_seq 1. */
  readonly forgeHelloAt?: number;
}

interface CallResult {
  readonly connectedAt: number | undefined;
  readonly toServer: { sent: number; delivered: number; foreign: number };
  readonly toBrowser: { sent: number; delivered: number };
  readonly trace: string[];
  readonly transportDrops: Record<string, number>;
  readonly routerDrops: Record<string, number>;
  /** Checks the ICE agent refused, by reason. */
  readonly checksRefused: Record<string, number>;
  readonly selected: string | undefined;
  readonly attackerSent: number;
  readonly attackerBytesFromOwnAddress: number;
  readonly bytesToAttacker: number;
  readonly burstLosses: number;
}

/** One call of `durationMs` virtual ms: checks, DTLS, then 20 ms media both ways. */
function runCall(t: TestContext, o: CallOptions): CallResult {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const prng = new Prng(o.seed);
  const rng = (n: number) => prng.bytes(n);
  const link = LINK_PROFILES[o.profile];
  const net = new UdpNetwork(prng, link);
  let now = 0;

  // ---- the server: router + transport on one port -------------------------------------------------
  const router = new UdpMuxRouter({
    rng,
    send: (bytes, address, port) => net.send(SERVER, { address, port }, bytes, now),
  });
  net.attach(SERVER, (bytes, from, at) => router.handleDatagram(bytes, from.address, from.port, at));
  const toServer = { sent: 0, delivered: 0, foreign: 0 };
  let connectedAt: number | undefined;
  const answered = WebRtcTransport.answer(offer(browserCert.fingerprint('sha-256')), {
    mux: { addSession: (opts) => router.addSession(opts, now), candidates: hostCandidates([SERVER]) },
    certificate: serverCert,
    clock: () => now,
    ssrc: 0x5e4e4,
    dtls: { rng },
    onConnected: () => {
      connectedAt = now;
    },
    onRtp: (p) => {
      if (p[12] === GENUINE) toServer.delivered++;
      else toServer.foreign++;
    },
  });
  assert.ok(answered.ok);
  const transport = answered.transport;
  const ufrag = /a=ice-ufrag:(\S+)/.exec(answered.answer)![1]!;
  const pwd = /a=ice-pwd:(\S+)/.exec(answered.answer)![1]!;
  const fingerprint = /a=fingerprint:(\S+ \S+)/.exec(answered.answer)![1]!;

  // ---- the browser stand-in -------------------------------------------------------------------------
  const ws = new Sha1Workspace();
  const goodKey = new HmacSha1Key(new TextEncoder().encode(pwd), ws);
  const badKey = new HmacSha1Key(new TextEncoder().encode('guessed-password-guessed'), ws);
  const check = (key: HmacSha1Key) =>
    new StunMessageBuilder(StunMessageType.BindingRequest, prng.bytes(12))
      .username(`${ufrag}:${PEER_UFRAG}`)
      .iceControlling(7n)
      .priority(2_130_706_431)
      .useCandidate()
      .finish({ sha1: { key, workspace: ws }, fingerprint: true });
  const dtls = new DtlsEngine({
    role: 'client',
    certificate: browserCert,
    expectedFingerprint: fingerprint,
    rng,
    retransmit: { initialMs: 200, maxMs: 4000 },
  });
  let tx: SrtpSession | undefined;
  let rx: SrtpSession | undefined;
  const toBrowser = { sent: 0, delivered: 0 };
  const browserSend = (bytes: Uint8Array) => net.send(BROWSER, SERVER, bytes, now);
  const flushBrowser = () => {
    for (let d = dtls.pollTransmit(); d; d = dtls.pollTransmit()) browserSend(d);
    for (let e = dtls.pollEvent(); e; e = dtls.pollEvent()) {
      if (e.type === 'connected' && e.srtp) {
        tx = new SrtpSession({
          profile: e.srtp.profile,
          masterKey: e.srtp.localMasterKey,
          masterSalt: e.srtp.localMasterSalt,
        });
        rx = new SrtpSession({
          profile: e.srtp.profile,
          masterKey: e.srtp.remoteMasterKey,
          masterSalt: e.srtp.remoteMasterSalt,
        });
      }
    }
  };
  // Media (and consent) go only to a tuple that answered our own Binding request (RFC 7675).
  const icePeer = new ControllingPeer(PEER_UFRAG, PEER_PWD);
  net.attach(BROWSER, (bytes, _from, at) => {
    if (isBindingRequest(bytes)) {
      const answer = icePeer.answer(bytes, SERVER);
      if (answer) browserSend(answer);
    } else if (bytes[0]! >= 20 && bytes[0]! <= 63) {
      dtls.handleDatagram(bytes, at);
      flushBrowser();
    } else if (bytes[0]! >= 128 && rx?.unprotectRtp(bytes).ok) toBrowser.delivered++;
  });

  // ---- the attacker: reads the path, sends as the browser and as itself -----------------------------
  let lastFromBrowser: Uint8Array | undefined;
  net.tap((d) => {
    if (!d.spoofed && d.from.address === BROWSER.address) lastFromBrowser = d.bytes;
  });
  let attackerSent = 0;
  let attackerBytesFromOwnAddress = 0;
  let bytesToAttacker = 0;
  net.attach(ATTACKER, (bytes) => {
    bytesToAttacker += bytes.length;
  });
  const attack = (kind: number) => {
    attackerSent++;
    const asBrowser = (bytes: Uint8Array) => net.spoof(ATTACKER.address, BROWSER, SERVER, bytes, now);
    const asItself = (bytes: Uint8Array) => {
      attackerBytesFromOwnAddress += bytes.length;
      net.send(ATTACKER, SERVER, bytes, now);
    };
    switch (kind) {
      case 0: // a nominating check with a guessed password, from the browser's address
        return asBrowser(check(badKey));
      case 1: // the same from its own address
        return asItself(check(badKey));
      case 2: // the browser's last datagram again, from the browser's address (check, DTLS or SRTP)
        return lastFromBrowser && asBrowser(lastFromBrowser);
      case 3: // a DTLS epoch-1 record that cannot authenticate
        return asBrowser(Uint8Array.of(23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 32, ...prng.bytes(32)));
      case 4: // RTP with a made-up tag, from the browser's address
        return asBrowser(Uint8Array.of(...rtp(prng.int(65536), 0x1111, 0x5a), ...prng.bytes(16)));
      default: // RTP from its own address, which never passed a check
        return asItself(rtp(prng.int(65536), 0x2222, 0x5a));
    }
  };

  // ---- the clock ----------------------------------------------------------------------------------
  const end = o.durationMs ?? 8000;
  dtls.start(0);
  browserSend(check(goodKey));
  flushBrowser();
  let seq = 0;
  let serverSeq = 0;
  for (now = 1; now <= end; now++) {
    t.mock.timers.tick(1);
    net.deliverDue(now);
    const dt = dtls.nextTimeout();
    if (dt !== undefined && dt <= now) {
      dtls.handleTimeout(now);
      flushBrowser();
    }
    const rt = router.nextTimeout();
    if (rt !== undefined && rt <= now) router.handleTimeout(now);
    // Checks every 500 ms until DTLS is up, then consent every 2.5 s (RFC 7675).
    if (now % (tx ? 2500 : 500) === 0) browserSend(check(goodKey));
    if (now % 20 === 0) {
      if (tx) {
        browserSend(tx.protectRtp(rtp(seq++, 0xb0b, GENUINE)));
        toServer.sent++;
      }
      if (transport.sendRtp(rtp(serverSeq, transport.ssrc, GENUINE))) {
        serverSeq++;
        toBrowser.sent++;
      }
    }
    if (o.attacker && now % 25 === 10) attack(((now / 25) % 6) | 0);
    if (now === o.forgeHelloAt) {
      // handshake header: ClientHello, length 200, message_seq 1, offset 0, fragment length 0
      const fragment = Uint8Array.of(1, 0, 0, 200, 0, 1, 0, 0, 0, 0, 0, 0);
      const record = Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 7, 0, 12, ...fragment);
      net.spoof(ATTACKER.address, BROWSER, SERVER, record, now);
    }
  }

  const stats = transport.stats();
  const selected = stats.ice.selected;
  const result: CallResult = {
    connectedAt,
    toServer,
    toBrowser,
    trace: net.log.map(
      (d) =>
        `${d.at.toFixed(3)} ${d.from.address}:${d.from.port}>${d.to.address}:${d.to.port} ${d.bytes.length}${d.spoofed ? ' spoofed' : ''}`,
    ),
    transportDrops: { ...stats.drops } as Record<string, number>,
    routerDrops: { ...router.stats.drops } as Record<string, number>,
    checksRefused: { ...router.getSession(ufrag)!.agent.stats.byReason } as Record<string, number>,
    selected: selected ? `${selected.address}:${selected.port}` : undefined,
    attackerSent,
    attackerBytesFromOwnAddress,
    bytesToAttacker,
    burstLosses:
      net.path(BROWSER.address, SERVER.address).stats.lostBurst +
      net.path(SERVER.address, BROWSER.address).stats.lostBurst,
  };
  transport.close();
  t.mock.timers.reset();
  return result;
}

for (const profile of ['wifi', 'cellular'] as const) {
  test(`a call over the ${profile} profile connects and carries media both ways while a spoofer sends as the browser (3 seeds)`, (t) => {
    for (let seed = 1; seed <= 3; seed++) {
      const r = runCall(t, { seed, profile, attacker: true });
      const what = `seed ${seed}: ${JSON.stringify({ ...r, trace: r.trace.length })}`;
      assert.ok(r.connectedAt !== undefined && r.connectedAt < 5000, what);
      // Media after connect: most of it arrives over a lossy path, none of the attacker's.
      assert.ok(r.toServer.sent > 100 && r.toServer.delivered >= 0.8 * r.toServer.sent, what);
      assert.ok(r.toBrowser.sent > 100 && r.toBrowser.delivered >= 0.8 * r.toBrowser.sent, what);
      assert.equal(r.toServer.foreign, 0, what);
      // Media stayed on the browser's tuple; the forgeries were counted where they died.
      assert.equal(r.selected, `${BROWSER.address}:${BROWSER.port}`, what);
      assert.ok((r.transportDrops['srtp-auth-failed'] ?? 0) > 0, what);
      assert.ok((r.transportDrops['srtp-replayed'] ?? 0) > 0, what);
      assert.ok((r.routerDrops['rtp-unverified-source'] ?? 0) > 0, what);
      assert.ok((r.checksRefused['bad-integrity'] ?? 0) > 0, what);
      // What went back to the attacker's own address stays within 3x what it sent from there.
      assert.ok(r.bytesToAttacker <= 3 * r.attackerBytesFromOwnAddress, what);
    }
  });
}

test('without the spoofer the same call delivers the same media: the attack cost the call nothing it could see', (t) => {
  const quiet = runCall(t, { seed: 2, profile: 'wifi', attacker: false });
  const attacked = runCall(t, { seed: 2, profile: 'wifi', attacker: true });
  assert.ok(quiet.connectedAt !== undefined && attacked.connectedAt !== undefined);
  assert.equal(quiet.toServer.foreign, 0);
  assert.ok(attacked.toServer.delivered >= 0.8 * attacked.toServer.sent);
  assert.ok(quiet.toServer.delivered >= 0.8 * quiet.toServer.sent);
  assert.equal(quiet.attackerSent, 0);
  assert.ok(attacked.attackerSent > 250);
});

test('the same seed replays the same call datagram for datagram; another seed does not', (t) => {
  const a = runCall(t, { seed: 11, profile: 'cellular', attacker: true, durationMs: 4000 });
  const b = runCall(t, { seed: 11, profile: 'cellular', attacker: true, durationMs: 4000 });
  const c = runCall(t, { seed: 12, profile: 'cellular', attacker: true, durationMs: 4000 });
  assert.ok(a.trace.length > 200);
  assert.deepEqual(a.trace, b.trace);
  assert.notDeepEqual(a.trace, c.trace);
  assert.ok(a.burstLosses > 0, 'the cellular path lost datagrams in bursts');
});

test('a partial ClientHello forged from the browser address, before its cookie-bearing ClientHello, does not keep the call from connecting', (t) => {
  const r = runCall(t, { seed: 3, profile: 'wifi', attacker: false, forgeHelloAt: 6, durationMs: 6000 });
  assert.ok(r.connectedAt !== undefined, JSON.stringify({ ...r, trace: r.trace.length }));
});
