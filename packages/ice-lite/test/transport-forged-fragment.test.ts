import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/candidate.js';
import { UdpMuxRouter } from '../src/mux/router.js';
import { HmacSha1Key, Sha1Workspace, StunMessageBuilder, StunMessageType } from '../src/stun/index.js';
import { WebRtcTransport } from '../src/transport/index.js';
import { ControllingPeer, isBindingRequest } from './controlling-peer.js';

// A forged DTLS fragment from the browser's checked tuple (anyone can spoof its source address) must
// not wedge the transport's handshake: the genuine ClientHello still gets its answer at once.

const PEER = { address: '127.0.0.1', port: 50_000 };
const PEER_UFRAG = 'pEeR';

let serverCert: DtlsCertificate;
let browserCert: DtlsCertificate;

test.before(async () => {
  [serverCert, browserCert] = await Promise.all([generateCertificate(), generateCertificate()]);
});

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
    'a=ice-pwd:peerpasswordpeerpassword',
    `a=fingerprint:${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

/** A 35-byte DTLS datagram: a ClientHello fragment carrying 10 of 767 declared bytes. */
function forgedClientHelloFragment(messageSeq: number): Uint8Array {
  const d = new Uint8Array(35);
  d.set([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 99, 0, 22]);
  d.set([1, 0, 0x02, 0xff, messageSeq >> 8, messageSeq & 0xff, 0, 0, 0, 0, 0, 10], 13);
  d.fill(0xee, 25);
  return d;
}

function setUp(mtu: number) {
  const sent: Uint8Array[] = [];
  const router = new UdpMuxRouter({ send: (bytes) => sent.push(bytes) });
  const result = WebRtcTransport.answer(offerSdp(browserCert.fingerprint('sha-256')), {
    mux: {
      addSession: (o) => router.addSession(o, 0),
      candidates: hostCandidates([{ address: '127.0.0.1', port: 5000 }]),
    },
    certificate: serverCert,
  });
  assert.ok(result.ok, result.ok ? '' : result.error);
  const m = sdpTransform.parse(result.answer).media[0]!;
  const ws = new Sha1Workspace();
  const key = new HmacSha1Key(Buffer.from(String(m.icePwd)), ws);
  const check = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12).fill(3))
    .username(`${m.iceUfrag}:${PEER_UFRAG}`)
    .iceControlling(42n)
    .priority(1_000_000)
    .useCandidate()
    .finish({ sha1: { key, workspace: ws }, fingerprint: true });
  const from = (bytes: Uint8Array) => router.handleDatagram(bytes, PEER.address, PEER.port, 0);
  // The browser stand-in: a DTLS client, its ClientHello in several fragments when mtu is small
  // (browsers offering DTLS 1.3 send two).
  const browser = new DtlsEngine({
    role: 'client',
    certificate: browserCert,
    expectedFingerprint: `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
    mtu,
  });
  // The browser answers our own Binding request, as browsers do: media (and `connected`) waits for it.
  const ice = new ControllingPeer(PEER_UFRAG, 'peerpasswordpeerpassword');
  /** Carries DTLS both ways without firing a timer: a wedged handshake stays unfinished. */
  const exchange = () => {
    for (let round = 0; round < 20; round++) {
      let moved = false;
      for (let d = browser.pollTransmit(); d; d = browser.pollTransmit(), moved = true) from(d);
      for (const s of sent.splice(0)) {
        if (s[0]! >= 20 && s[0]! <= 63) {
          browser.handleDatagram(s, 0);
          moved = true;
        } else if (isBindingRequest(s)) {
          const answer = ice.answer(s, { address: '127.0.0.1', port: 5000 });
          if (answer) {
            from(answer);
            moved = true;
          }
        }
      }
      if (!moved) return;
    }
  };
  return { transport: result.transport, check, from, browser, exchange, sent };
}

for (const mtu of [1200, 300]) {
  test(`a forged 35-byte fragment before the browser's first ClientHello does not wedge the handshake (mtu ${mtu})`, () => {
    const t = setUp(mtu);
    t.from(t.check);
    t.from(forgedClientHelloFragment(0));
    t.browser.start(0);
    t.exchange();
    assert.equal(t.browser.state, 'connected');
    assert.equal(t.transport.state, 'connected');
  });

  test(`a forged 35-byte fragment before the cookie-bearing ClientHello does not wedge the handshake (mtu ${mtu})`, () => {
    const t = setUp(mtu);
    t.from(t.check);
    t.browser.start(0);
    // The first ClientHello goes in; the HelloVerifyRequest comes back, if the transport sends one.
    for (let d = t.browser.pollTransmit(); d; d = t.browser.pollTransmit()) t.from(d);
    const out = t.sent.splice(0);
    const answer = out.filter((s) => s[0]! >= 20 && s[0]! <= 63);
    // Our own Binding request to the browser stays for exchange() to answer.
    t.sent.push(...out.filter((s) => !(s[0]! >= 20 && s[0]! <= 63)));
    // The next ClientHello is message_seq 1 (after a HelloVerifyRequest) — forge both candidates.
    t.from(forgedClientHelloFragment(1));
    t.from(forgedClientHelloFragment(0));
    for (const s of answer) t.browser.handleDatagram(s, 0);
    t.exchange();
    assert.equal(t.browser.state, 'connected');
    assert.equal(t.transport.state, 'connected');
  });
}
