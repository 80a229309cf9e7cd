import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, generateCertificate } from '@rtcseal/dtls';
import * as sdpTransform from 'sdp-transform';
import { buildNack, buildPli } from '../src/rtcp/feedback-builders.js';
import type { RtpPacketInfo } from '../src/rtp/bundle-demux.js';
import type { RtcpPacketInfo, WebRtcMediaOptions, WebRtcTransport } from '../src/transport/index.js';
import { BundlePeer, fixtureOffer } from './bundle-peer.js';
import { buildRtp } from './rtp-packets.js';

// WebRtcTransport carrying a browser's bundled audio+video offer (captured from Chromium and
// Firefox) through the BUNDLE demux, the send check and the RTCP router.

const ICE = { ufrag: 'pEeR', pwd: 'peerpasswordpeerpassword' };
const AUDIO_SSRC = 0x0a0d10;
const VIDEO_SSRC = 0x0b1de0;
const VIDEO_RTX_SSRC = 0x0b1de1;
const MEDIA: WebRtcMediaOptions = {
  sections: {
    '0': { send: { ssrc: AUDIO_SSRC } },
    '1': { send: { ssrc: VIDEO_SSRC, rtxSsrc: VIDEO_RTX_SSRC } },
  },
};

let ours: DtlsCertificate;
let theirs: DtlsCertificate;

test.before(async () => {
  [ours, theirs] = await Promise.all([generateCertificate(), generateCertificate()]);
});

interface Seen {
  rtp: Array<{ packet: Uint8Array; info: RtpPacketInfo; transport: WebRtcTransport }>;
  rtcp: RtcpPacketInfo[];
  connected: Array<{ sentInside: boolean }>;
}

function call(
  fixture: 'chromium-audio-video' | 'firefox-audio-video' | 'chromium-simulcast',
  setup: 'active' | 'passive' = 'passive',
) {
  const seen: Seen = { rtp: [], rtcp: [], connected: [] };
  const peer = new BundlePeer(fixtureOffer(fixture, theirs, ICE), ICE, theirs, {
    certificate: ours,
    setup,
    media: MEDIA,
    onConnected: (_info, transport) => {
      // Media can flow from inside the event: the pair is selected and SRTP keyed.
      const opus = transport.negotiated.sections[0]!.codecs[0]!.payloadType;
      seen.connected.push({
        sentInside: transport.sendRtp(buildRtp({ payloadType: opus, ssrc: AUDIO_SSRC, sequenceNumber: 1 })),
      });
    },
    onRtp: (packet, info, transport) => seen.rtp.push({ packet: Uint8Array.from(packet), info, transport }),
    onRtcp: (_packet, info) => seen.rtcp.push(info),
  });
  return { peer, seen, transport: peer.transport };
}

function extId(answer: string, mid: string, uri: string): number {
  const m = sdpTransform.parse(answer).media.find((x) => String(x.mid) === mid)!;
  return m.ext!.find((e) => e.uri === uri)!.value;
}

for (const fixture of ['chromium-audio-video', 'firefox-audio-video'] as const) {
  test(`${fixture}: answers audio and video with the declared streams; packets reach onRtp with mid, kind and SSRC`, () => {
    const { peer, seen, transport } = call(fixture);
    assert.ok(peer.result.ok);
    const negotiated = peer.result.negotiated;
    assert.deepEqual(
      negotiated.sections.map((s) => [s.mid, s.kind, s.direction, s.send?.ssrc]),
      [
        ['0', 'audio', 'sendrecv', AUDIO_SSRC],
        ['1', 'video', 'sendrecv', VIDEO_SSRC],
      ],
    );
    assert.equal(transport.ssrc, AUDIO_SSRC);
    const video = negotiated.sections[1]!;
    const vp8 = video.codecs[0]!;
    assert.equal(vp8.name.toUpperCase(), 'VP8');
    peer.connect();
    assert.equal(transport.state, 'connected');
    assert.deepEqual(seen.connected, [{ sentInside: true }]);

    const midId = extId(peer.result.answer, '1', 'urn:ietf:params:rtp-hdrext:sdes:mid');
    // A video packet with the MID extension and an SSRC the offer never signalled.
    peer.sendRtp(
      buildRtp({ payloadType: vp8.payloadType, ssrc: 0x5eed, extensions: [{ id: midId, value: '1' }] }),
    );
    // Then the same SSRC without MID: bound by the first one (RFC 9143 §9.2).
    peer.sendRtp(buildRtp({ payloadType: vp8.payloadType, ssrc: 0x5eed, sequenceNumber: 2 }));
    assert.deepEqual(
      seen.rtp.map((r) => [r.info.mid, r.info.kind, r.info.ssrc, r.info.isRtx, r.info.matchedBy]),
      [
        ['1', 'video', 0x5eed, false, 'mid'],
        ['1', 'video', 0x5eed, false, 'ssrc'],
      ],
    );
    assert.equal(seen.rtp[0]!.transport, transport, 'the handler receives the transport');
    // A packet no section takes is dropped and counted, by the demux's reason.
    peer.sendRtp(
      buildRtp({ payloadType: vp8.payloadType, ssrc: 0x77, extensions: [{ id: midId, value: '9' }] }),
    );
    assert.equal(seen.rtp.length, 2);
    const stats = transport.stats();
    assert.equal(stats.drops['rtp-unknown-mid'], 1);
    assert.equal(stats.demux['unknown-mid'], 1);
    assert.equal(stats.demux.delivered, 2);
    assert.equal(stats.rtpReceived, 3, 'all three authenticated');
  });
}

test('sendRtp refuses an SSRC the answer did not declare (counted, checkRtp says why) and sends the declared ones', () => {
  const { peer, transport } = call('chromium-audio-video');
  assert.ok(peer.result.ok);
  const vp8 = peer.result.negotiated.sections[1]!.codecs[0]!.payloadType;
  const undeclared = buildRtp({ payloadType: 111, ssrc: 0x1234 });
  assert.equal(transport.checkRtp(undeclared), 'not-connected');
  peer.connect();
  peer.received();
  const sentAtConnected = transport.stats().rtpSent;
  assert.equal(transport.checkRtp(undeclared), 'undeclared-ssrc');
  assert.equal(transport.sendRtp(undeclared), false);
  // The audio SSRC with the video codec: not negotiated in the audio section.
  assert.equal(
    transport.checkRtp(buildRtp({ payloadType: vp8, ssrc: AUDIO_SSRC })),
    'payload-type-not-negotiated',
  );
  assert.equal(transport.sendRtp(buildRtp({ payloadType: vp8, ssrc: AUDIO_SSRC })), false);
  const good = buildRtp({ payloadType: vp8, ssrc: VIDEO_SSRC, sequenceNumber: 9 });
  assert.equal(transport.checkRtp(good), undefined);
  assert.equal(transport.sendRtp(good), true);
  peer.pump();
  assert.deepEqual(peer.received().rtp, [good]);
  const stats = transport.stats();
  assert.equal(stats.drops['send-undeclared-ssrc'], 1);
  assert.equal(stats.drops['send-payload-type-not-negotiated'], 1);
  assert.equal(stats.rtpSent, sentAtConnected + 1);
});

test('onRtcp routes the peer’s PLI and NACK to our video stream; sendRtcp refuses a sender SSRC we did not declare', () => {
  const { peer, seen, transport } = call('firefox-audio-video');
  peer.connect();
  peer.sendRtcp(Uint8Array.from([...buildPli(0x99, VIDEO_SSRC), ...buildNack(0x99, VIDEO_SSRC, [5, 6])]));
  assert.equal(seen.rtcp.length, 1);
  const info = seen.rtcp[0]!;
  assert.deepEqual(
    info.packets.map((p) => p.type),
    ['pli', 'nack'],
  );
  assert.deepEqual(
    info.routes.map((r) => [r.packet.type, r.stream, r.mid, r.ssrc]),
    [
      ['pli', 'ours', '1', VIDEO_SSRC],
      ['nack', 'ours', '1', VIDEO_SSRC],
    ],
  );
  // Garbage that authenticates but parses to nothing is dropped, not delivered.
  peer.sendRtcp(Uint8Array.of(0x80, 200, 0, 9, 0, 0, 0, 0));
  assert.equal(seen.rtcp.length, 1);
  assert.equal(transport.stats().drops['rtcp-bad-length'], 1);
  assert.equal(transport.sendRtcp(buildPli(0xdead, 0x1)), false);
  assert.equal(transport.stats().drops['send-rtcp-undeclared-ssrc'], 1);
  assert.equal(transport.sendRtcp(buildPli(VIDEO_SSRC, 0x1)), true);
});

test('requestKeyframe and nack ask the simulcast layer the demux learned, with PLI, FIR and NACK from our SSRC', () => {
  const { peer, transport } = call('chromium-simulcast');
  assert.ok(peer.result.ok);
  const video = peer.result.negotiated.sections[1]!;
  assert.deepEqual(video.receiveRids, ['q', 'h', 'f']);
  peer.connect();
  peer.received();
  assert.equal(transport.requestKeyframe('1', 'h'), 0, 'no layer known yet');
  const midId = extId(peer.result.answer, '1', 'urn:ietf:params:rtp-hdrext:sdes:mid');
  const ridId = extId(peer.result.answer, '1', 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
  const pt = video.codecs[0]!.payloadType;
  for (const [ssrc, rid] of [
    [0x100, 'q'],
    [0x200, 'h'],
    [0x300, 'f'],
  ] as const) {
    peer.sendRtp(
      buildRtp({
        payloadType: pt,
        ssrc,
        extensions: [
          { id: midId, value: '1' },
          { id: ridId, value: rid },
        ],
      }),
    );
  }
  assert.deepEqual(
    transport
      .remoteStreams('1')
      .map((s) => [s.ssrc, s.rid])
      .sort(),
    [
      [0x100, 'q'],
      [0x200, 'h'],
      [0x300, 'f'],
    ],
  );
  assert.equal(transport.requestKeyframe('1', 'h'), 1);
  assert.equal(transport.requestKeyframe('1', 'f', 'fir'), 1);
  assert.equal(transport.requestKeyframe('1', 'f', 'fir'), 1);
  assert.equal(transport.nack('1', 'q', [7, 8]), true);
  assert.equal(transport.nack('1', 'x', [7]), false, 'an unknown layer');
  peer.pump();
  const rtcp = peer.received().rtcp;
  assert.deepEqual(rtcp[0], buildPli(AUDIO_SSRC, 0x200));
  // FIR: media SSRC 0, then the entry (SSRC, command sequence number, RFC 5104 §4.3.1.1).
  assert.equal(rtcp[1]![1], 206);
  assert.deepEqual([...rtcp[1]!.subarray(12, 17)], [0, 0, 3, 0, 0]);
  assert.deepEqual([...rtcp[2]!.subarray(12, 17)], [0, 0, 3, 0, 1], 'the next FIR has the next number');
  assert.deepEqual(rtcp[3], buildNack(AUDIO_SSRC, 0x100, [7, 8]));
});

for (const setup of ['passive', 'active'] as const) {
  test(`as DTLS ${setup === 'passive' ? 'server' : 'client'}, connected fires only once a pair is selected, and sendRtp succeeds in it`, () => {
    const { peer, seen, transport } = call('chromium-audio-video', setup);
    peer.fromPeer(peer.check(true));
    // Our path-validation request is held back: no pair is selected yet.
    const held = peer.toPeer.splice(0);
    if (peer.dtlsRole === 'client') peer.dtls.start(Date.now());
    peer.pump();
    assert.equal(transport.stats().ice.selected, undefined);
    assert.equal(seen.connected.length, 0, 'not connected without a selected pair');
    assert.equal(transport.state, setup === 'passive' ? 'connecting' : 'connecting');
    // The peer answers our request: the pair is selected, DTLS (done or now starting) completes.
    peer.toPeer.push(...held);
    peer.pump();
    assert.equal(transport.state, 'connected');
    assert.deepEqual(seen.connected, [{ sentInside: true }]);
  });
}

test('without media options the answer is the audio call: offer.opus, the first audio section sends with ssrc, video only received', () => {
  const peer = new BundlePeer(fixtureOffer('chromium-audio-video', theirs, ICE), ICE, theirs, {
    certificate: ours,
    ssrc: 4242,
  });
  assert.ok(peer.result.ok);
  const r = peer.result as typeof peer.result & { offer: { opus: { payloadType: number } } };
  assert.equal(r.offer.opus.payloadType, 111);
  assert.equal(peer.transport.ssrc, 4242);
  assert.deepEqual(
    peer.result.negotiated.sections.map((s) => [s.mid, s.direction, s.send?.ssrc]),
    [
      ['0', 'sendrecv', 4242],
      ['1', 'recvonly', undefined],
    ],
  );
});

test('an offer without Opus, answered as an audio call, is a typed error; with media options it is answered', () => {
  const sdp = fixtureOffer('chromium-audio-video', theirs, ICE).replace(/opus/g, 'xopus');
  const mux = { addSession: () => assert.fail('no session for a refused offer'), candidates: [] };
  const peer = new BundlePeer(sdp, ICE, theirs, { certificate: ours, media: {} });
  assert.ok(peer.result.ok);
  assert.equal(peer.result.negotiated.sections[0]!.rejection, 'no-common-codec');
  const audioCall = peer.transport.constructor as typeof WebRtcTransport;
  const r = audioCall.answer(sdp, { mux, certificate: ours });
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.code, 'no-opus');
  const bad = audioCall.answer('v=0\r\nnot sdp', { mux, certificate: ours, media: {} });
  assert.equal(bad.ok, false);
  assert.equal(typeof (bad.ok ? '' : bad.error), 'string');
  assert.equal(bad.ok ? '' : bad.code, 'no-media');
});
