import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import { SrtpSession } from '@rtcseal/srtp';
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
import {
  type WebRtcCloseReason,
  WebRtcTransport,
  type WebRtcTransportOptions,
} from '../src/transport/index.js';
import { ControllingPeer, isBindingRequest } from './controlling-peer.js';

// A browser stand-in built from the project's own engines: it offers like Chromium, runs ICE as the
// controlling side, DTLS in the role the answer leaves it, and SRTP with the exported keys.

const PEER = { address: '127.0.0.1', port: 50_000 };
const PEER_UFRAG = 'pEeR';
const PEER_PWD = 'peerpasswordpeerpassword';
const OURS = { address: '127.0.0.1', port: 5000 };

let serverCert: DtlsCertificate;
let browserCert: DtlsCertificate;
let otherCert: DtlsCertificate;

test.before(async () => {
  [serverCert, browserCert, otherCert] = await Promise.all([
    generateCertificate(),
    generateCertificate(),
    generateCertificate(),
  ]);
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
    `a=ice-pwd:${PEER_PWD}`,
    `a=fingerprint:${fingerprint}`,
    `a=setup:${setup}`,
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1001 cname:browser',
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
  for (let i = 12; i < p.length; i++) p[i] = (i * 7 + seq) & 0xff;
  return p;
}

function setup(
  opts: {
    setup?: 'active' | 'passive';
    offerSetup?: string;
    serverFingerprintSeenByPeer?: string;
    clock?: () => number;
  } = {},
) {
  const toPeer: Uint8Array[] = [];
  const router = new UdpMuxRouter({
    send: (bytes, address, port) => {
      assert.equal(address, PEER.address);
      assert.equal(port, PEER.port);
      toPeer.push(bytes);
    },
  });
  const events = { rtp: [] as Uint8Array[], closed: [] as WebRtcCloseReason[], connected: 0 };
  const options: WebRtcTransportOptions = {
    mux: {
      addSession: (o) => router.addSession(o, Date.now()),
      candidates: hostCandidates([{ address: '127.0.0.1', port: 5000 }]),
    },
    certificate: serverCert,
    onConnected: () => events.connected++,
    onRtp: (p) => events.rtp.push(Uint8Array.from(p)),
    onClosed: (r) => events.closed.push(r),
  };
  if (opts.setup) options.setup = opts.setup;
  if (opts.clock) options.clock = opts.clock;
  const result = WebRtcTransport.answer(offerSdp(browserCert.fingerprint(), opts.offerSetup), options);
  assert.ok(result.ok, result.ok ? '' : result.error);
  const answer = sdpTransform.parse(result.answer);
  const m = answer.media[0]!;
  const answerSetup = m.setup ?? answer.setup;
  const peer = new DtlsEngine({
    role: answerSetup === 'passive' ? 'client' : 'server',
    certificate: browserCert,
    expectedFingerprint: opts.serverFingerprintSeenByPeer ?? `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
    cookieExchange: false,
  });
  const ws = new Sha1Workspace();
  const checkKey = new HmacSha1Key(Buffer.from(String(m.icePwd)), ws);
  const bindingRequest = (useCandidate: boolean) => {
    const b = new StunMessageBuilder(
      StunMessageType.BindingRequest,
      globalThis.crypto.getRandomValues(new Uint8Array(12)),
    )
      .username(`${m.iceUfrag}:${PEER_UFRAG}`)
      .iceControlling(42n)
      .priority(1_000_000);
    if (useCandidate) b.useCandidate();
    return b.finish({ sha1: { key: checkKey, workspace: ws }, fingerprint: true });
  };
  const fromPeer = (bytes: Uint8Array, from = PEER) =>
    router.handleDatagram(bytes, from.address, from.port, Date.now());
  // The browser answers our own Binding requests (path validation, consent), as browsers do.
  const icePeer = new ControllingPeer(PEER_UFRAG, PEER_PWD);
  /** The peer answers every Binding request of ours waiting in `toPeer` (other datagrams stay). */
  const answerRequests = () => {
    const requests = toPeer.filter(isBindingRequest);
    toPeer.splice(0, toPeer.length, ...toPeer.filter((d) => !isBindingRequest(d)));
    for (const r of requests) {
      const a = icePeer.answer(r, OURS);
      if (a) fromPeer(a);
    }
  };
  /** Moves datagrams both ways until neither side has anything left to say. */
  const pump = () => {
    for (let rounds = 0; rounds < 50; rounds++) {
      let moved = false;
      for (let d = peer.pollTransmit(); d; d = peer.pollTransmit()) {
        fromPeer(d);
        moved = true;
      }
      while (toPeer.length > 0) {
        const d = toPeer.shift()!;
        if (d[0]! >= 20 && d[0]! <= 63) peer.handleDatagram(d, Date.now());
        else if (isBindingRequest(d)) {
          const a = icePeer.answer(d, OURS);
          if (a) fromPeer(a);
        }
        moved = true;
      }
      if (!moved) return;
    }
  };
  return {
    router,
    toPeer,
    events,
    result,
    answer,
    peer,
    bindingRequest,
    fromPeer,
    pump,
    answerRequests,
    icePeer,
  };
}

function peerSrtp(peer: DtlsEngine) {
  const keys = peer.srtpKeyingMaterial();
  assert.ok(keys, 'peer has SRTP keys');
  return {
    tx: new SrtpSession({
      profile: keys.profile,
      masterKey: keys.localMasterKey,
      masterSalt: keys.localMasterSalt,
    }),
    rx: new SrtpSession({
      profile: keys.profile,
      masterKey: keys.remoteMasterKey,
      masterSalt: keys.remoteMasterSalt,
    }),
  };
}

for (const ourSetup of ['passive', 'active'] as const) {
  test(`answers with a=setup:${ourSetup}, completes ICE, DTLS and carries SRTP both ways`, () => {
    const s = setup({ setup: ourSetup });
    assert.ok(s.result.ok);
    const transport = s.result.transport;
    assert.equal(s.answer.icelite, 'ice-lite');
    assert.equal(s.answer.media[0]!.setup, ourSetup);
    assert.equal(transport.state, 'new');

    s.fromPeer(s.bindingRequest(true));
    const response = new StunMessage();
    assert.equal(response.parse(s.toPeer[0]!), 'ok');
    assert.equal(response.messageClass, 'success');
    s.toPeer.shift();
    assert.equal(transport.state, 'connecting');

    if (ourSetup === 'passive') s.peer.start(Date.now());
    s.pump();
    assert.equal(s.peer.state, 'connected');
    assert.equal(transport.state, 'connected');
    assert.equal(s.events.connected, 1);
    assert.equal(transport.connected?.dtlsRole, ourSetup === 'passive' ? 'server' : 'client');
    assert.equal(transport.connected?.srtpProfile, 'SRTP_AEAD_AES_128_GCM');

    const { tx, rx } = peerSrtp(s.peer);
    const sent = rtpPacket(7);
    s.fromPeer(tx.protectRtp(sent));
    assert.deepEqual(s.events.rtp, [sent]);

    const back = rtpPacket(9, transport.ssrc);
    assert.equal(transport.sendRtp(back), true);
    const got = rx.unprotectRtp(s.toPeer.shift()!);
    assert.ok(got.ok);
    assert.deepEqual(Uint8Array.from(got.packet), back);
    const stats = transport.stats();
    assert.equal(stats.rtpReceived, 1);
    assert.equal(stats.rtpSent, 1);
    transport.close();
    assert.deepEqual(s.events.closed, ['local-close']);
  });
}

// Chromium checks every few hundred ms while connecting; Firefox (aggressive nomination) sends one
// nominating check, then consent checks about every 5 s (RFC 7675 §5.1).
for (const checkEveryMs of [500, 5000]) {
  test(`as DTLS client, a peer checking every ${checkEveryMs} ms connects although the first ClientHello is lost`, (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let now = 1_000_000;
    const s = setup({ offerSetup: 'passive', clock: () => now });
    assert.ok(s.result.ok);
    const transport = s.result.transport;
    assert.equal(transport.dtlsRole, 'client');
    s.fromPeer(s.bindingRequest(true));
    // The browser answers our Binding request to the nominated tuple: the pair is selected.
    s.answerRequests();
    assert.equal(s.icePeer.answered, 1);
    const clientHellos = s.toPeer.filter((d) => d[0] === 22);
    assert.equal(clientHellos.length, 1, 'the first ClientHello is sent at once');
    s.toPeer.length = 0; // lost on the way, with the check's response
    for (let ms = 100; ms <= 20_000 && transport.state !== 'connected'; ms += 100) {
      now += 100;
      t.mock.timers.tick(100);
      if (ms % checkEveryMs === 0) s.fromPeer(s.bindingRequest(false));
      s.pump();
    }
    assert.equal(transport.state, 'connected');
    assert.equal(s.peer.state, 'connected');
    const stats = transport.stats();
    assert.ok(
      (stats.drops['dtls-unanswered-budget'] ?? 0) > 0,
      'retransmissions beyond the budget held back',
    );
  });
}

test('DTLS and RTP from an address that passed no ICE check never reach the transport', () => {
  const s = setup();
  assert.ok(s.result.ok);
  s.fromPeer(s.bindingRequest(true));
  // The check's response is lost; our path-validation request stays for the peer to answer.
  s.toPeer.shift();
  s.peer.start(Date.now());
  s.pump();
  assert.equal(s.result.transport.state, 'connected');
  const { tx } = peerSrtp(s.peer);
  const stranger = { address: '127.0.0.1', port: 50_001 };
  assert.equal(s.fromPeer(tx.protectRtp(rtpPacket(1)), stranger), 'drop');
  assert.equal(s.router.stats.drops['rtp-unverified-source'], 1);
  assert.equal(s.events.rtp.length, 0);
});

test('a forged or replayed SRTP packet is dropped and counted, the genuine one still accepted', () => {
  const s = setup();
  assert.ok(s.result.ok);
  s.fromPeer(s.bindingRequest(true));
  // The check's response is lost; our path-validation request stays for the peer to answer.
  s.toPeer.shift();
  s.peer.start(Date.now());
  s.pump();
  const { tx } = peerSrtp(s.peer);
  const good = tx.protectRtp(rtpPacket(3));
  const forged = Uint8Array.from(good);
  forged[20]! ^= 1;
  s.fromPeer(forged);
  s.fromPeer(good);
  s.fromPeer(good);
  assert.equal(s.events.rtp.length, 1);
  const drops = s.result.transport.stats().drops;
  assert.equal(drops['srtp-auth-failed'], 1);
  assert.equal(drops['srtp-replayed'], 1);
});

test('media before DTLS is done is dropped as srtp-not-ready', () => {
  const s = setup();
  assert.ok(s.result.ok);
  s.fromPeer(s.bindingRequest(true));
  s.fromPeer(rtpPacket(1));
  assert.equal(s.result.transport.stats().drops['srtp-not-ready'], 1);
  assert.equal(s.result.transport.sendRtp(rtpPacket(1)), false);
});

test('a peer whose certificate does not match the offer fingerprint is refused with bad_certificate', async () => {
  const s = setup();
  assert.ok(s.result.ok);
  // The browser presents a certificate other than the one its offer announced.
  const impostor = new DtlsEngine({ role: 'client', certificate: otherCert, cookieExchange: false });
  s.fromPeer(s.bindingRequest(true));
  s.toPeer.length = 0;
  impostor.start(Date.now());
  for (let i = 0; i < 20; i++) {
    for (let d = impostor.pollTransmit(); d; d = impostor.pollTransmit()) s.fromPeer(d);
    while (s.toPeer.length > 0) impostor.handleDatagram(s.toPeer.shift()!, Date.now());
  }
  assert.equal(s.result.transport.state, 'closed');
  assert.deepEqual(s.events.closed, ['dtls-alert-sent']);
  assert.equal(s.events.connected, 0);
});

test('a bad offer is a typed error, not an exception', () => {
  const result = WebRtcTransport.answer('v=0\r\nnot sdp', {
    mux: { addSession: () => assert.fail('no session for a bad offer'), candidates: [] },
    certificate: serverCert,
  });
  assert.equal(result.ok, false);
});

test('an offer whose ICE credentials or fingerprint are malformed is a typed error naming the field', () => {
  const good = offerSdp(browserCert.fingerprint());
  const cases: Array<[string, RegExp]> = [
    [good.replace(`a=ice-ufrag:${PEER_UFRAG}`, `a=ice-ufrag:${'u'.repeat(300)}`), /ice-ufrag/],
    [good.replace(`a=ice-ufrag:${PEER_UFRAG}`, 'a=ice-ufrag:pE"eR'), /ice-ufrag/],
    [good.replace(`a=ice-pwd:${PEER_PWD}`, `a=ice-pwd:${'p'.repeat(257)}`), /ice-pwd/],
    [good.replace(/a=fingerprint:.*/, 'a=fingerprint:sha-256 ZZ'), /fingerprint/],
    [good.replace(/a=fingerprint:.*/, 'a=fingerprint:md5 AB:CD'), /fingerprint/],
    [good.replace(/a=fingerprint:.*/, `a=fingerprint:sha-256 ${'AB:'.repeat(40)}AB`), /fingerprint/],
  ];
  for (const [sdp, field] of cases) {
    const result = WebRtcTransport.answer(sdp, {
      mux: { addSession: () => assert.fail('no session for a bad offer'), candidates: [] },
      certificate: serverCert,
    });
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, field);
  }
});

test('an ICE deadline beyond setTimeout range (mux and transport clocks apart) arms no overflowing timer', async () => {
  // The mux's clock runs far ahead of the transport's: the session's deadline is ~35 days away by
  // the transport's clock. Node would fire an overflowing delay after 1 ms, again and again.
  const warnings: string[] = [];
  const onWarning = (w: Error) => {
    if (w.name === 'TimeoutOverflowWarning') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  const router = new UdpMuxRouter({ send: () => {} });
  const result = WebRtcTransport.answer(offerSdp(browserCert.fingerprint()), {
    mux: {
      addSession: (o) => router.addSession(o, 3e9),
      candidates: hostCandidates([OURS]),
    },
    certificate: serverCert,
    clock: () => 0,
  });
  assert.ok(result.ok);
  const m = sdpTransform.parse(result.answer).media[0]!;
  const ws = new Sha1Workspace();
  const check = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12).fill(5))
    .username(`${m.iceUfrag}:${PEER_UFRAG}`)
    .iceControlling(1n)
    .priority(1)
    .useCandidate()
    .finish({
      sha1: { key: new HmacSha1Key(Buffer.from(String(m.icePwd)), ws), workspace: ws },
      fingerprint: true,
    });
  router.handleDatagram(check, PEER.address, PEER.port, 3e9);
  await new Promise((r) => setTimeout(r, 30));
  process.off('warning', onWarning);
  result.transport.close();
  assert.deepEqual(warnings, []);
});
