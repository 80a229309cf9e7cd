import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, generateCertificate } from '@rtcseal/dtls';
import * as sdpTransform from 'sdp-transform';
import type { RtpPacketInfo } from '../src/rtp/bundle-demux.js';
import type { WebRtcMediaOptions } from '../src/transport/index.js';
import { BundlePeer, fixtureOffer, PEER } from './bundle-peer.js';
import { buildRtp } from './rtp-packets.js';

// Re-offers on a live WebRtcTransport: ICE restart (RFC 8445 §9) with media on the old pair until a
// new one answers, m-sections added and removed, direction changes, and refused re-offers that
// leave the transport as it was.

const ICE = { ufrag: 'pEeR', pwd: 'peerpasswordpeerpassword' };
const ICE2 = { ufrag: 'nEwP', pwd: 'newpeerpasswordnewpeerpw' };
const AUDIO_SSRC = 0x0a0d10;
const VIDEO_SSRC = 0x0b1de0;
const MEDIA: WebRtcMediaOptions = {
  sections: { '0': { send: { ssrc: AUDIO_SSRC } }, '1': { send: { ssrc: VIDEO_SSRC } } },
};
const PEER2 = { address: PEER.address, port: 50_002 };

let ours: DtlsCertificate;
let theirs: DtlsCertificate;
let stranger: DtlsCertificate;

test.before(async () => {
  [ours, theirs, stranger] = await Promise.all([
    generateCertificate(),
    generateCertificate(),
    generateCertificate(),
  ]);
});

/** The fixture's offer with its video m-section left out (an audio-only first offer). */
function audioOnly(sdp: string): string {
  return `${sdp.slice(0, sdp.indexOf('m=video')).replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0')}`;
}

function connected(offer: string, media: WebRtcMediaOptions = MEDIA) {
  const rtp: RtpPacketInfo[] = [];
  const peer = new BundlePeer(offer, ICE, theirs, {
    certificate: ours,
    media,
    onRtp: (_p, info) => rtp.push({ ...info }),
  });
  peer.connect();
  peer.received();
  return { peer, transport: peer.transport, rtp };
}

function opusPt(peer: BundlePeer): number {
  assert.ok(peer.result.ok);
  return peer.result.negotiated.sections[0]!.codecs[0]!.payloadType;
}

test('ICE restart: new credentials in the answer, media stays on the old pair until the new one answers our request, then moves; DTLS and SRTP go on', () => {
  const { peer, transport } = connected(fixtureOffer('chromium-audio-video', theirs, ICE));
  const oldUfrag = transport.iceUfrag;
  const audio = (seq: number) =>
    buildRtp({ payloadType: opusPt(peer), ssrc: AUDIO_SSRC, sequenceNumber: seq });

  const r = transport.renegotiate(fixtureOffer('chromium-audio-video', theirs, ICE2));
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.iceRestart, true);
  const m = sdpTransform.parse(r.answer);
  assert.notEqual(String(m.media[0]!.iceUfrag), oldUfrag);
  assert.equal(String(m.media[0]!.iceUfrag), transport.iceUfrag);
  assert.equal(String(m.origin!.sessionId), peer.result.ok ? peer.result.negotiated.sessionId : '');
  assert.equal(Number(m.origin!.sessionVersion), 2, 'RFC 3264 §8: the version goes up');
  peer.applyAnswer(r.answer, ICE2);
  assert.equal(peer.router.sessionCount, 1, 'one session under two ufrags while the restart runs');

  // The old generation still keeps the old pair: its checks are answered.
  const oldCheck = peer.check(false, { ourUfrag: oldUfrag, ourPwd: sdpPwd(peer, 'old'), ufrag: ICE.ufrag });
  assert.equal(peer.fromPeer(oldCheck), 'stun');
  // The peer checks from a new port under the new credentials and nominates it; that port does not
  // answer yet.
  peer.unanswered.add(PEER2.port);
  assert.equal(peer.fromPeer(peer.check(true), PEER2), 'stun');
  peer.pump();
  assert.equal(transport.sendRtp(audio(10)), true);
  peer.pump();
  assert.deepEqual(peer.mediaPorts, [PEER.port], 'media stays on the validated pair');
  assert.equal(peer.received().rtp.length, 1, 'and decrypts with the same SRTP keys');
  assert.equal(transport.stats().ice.pending?.port, PEER2.port);

  // The new port answers our request's retransmission (0.5 s later, RFC 8489 §6.2.1): media moves.
  peer.unanswered.delete(PEER2.port);
  peer.router.handleTimeout(Date.now() + 600);
  peer.pump();
  assert.equal(transport.stats().ice.selected?.port, PEER2.port);
  assert.equal(transport.sendRtp(audio(11)), true);
  peer.pump();
  assert.deepEqual(peer.mediaPorts, [PEER2.port]);
  assert.equal(peer.received().rtp.length, 1);
  const stats = transport.stats();
  assert.equal(stats.iceRestarts, 1);
  assert.equal(stats.ice.restartsCompleted, 1);
  assert.equal(stats.dtls.state, 'connected');
  assert.equal(stats.state, 'connected');
  // The old credentials are retired: a check under them no longer reaches the session.
  assert.equal(peer.fromPeer(oldCheck), 'drop');
  assert.equal(peer.router.stats.drops['stun-unknown-ufrag'], 1);
});

test('ICE restart on the same address: the pair media is on is validated again under the new credentials, consent then uses them', () => {
  const { peer, transport } = connected(fixtureOffer('firefox-audio-video', theirs, ICE));
  const oldUfrag = transport.iceUfrag;
  const r = transport.renegotiate(fixtureOffer('firefox-audio-video', theirs, ICE2));
  assert.ok(r.ok);
  peer.applyAnswer(r.answer, ICE2);
  // Before the new generation nominates, our consent requests still go out under the old one.
  const before = peer.icePeers[0]!.answered;
  peer.fromPeer(peer.check(true));
  // Transactions start at least Ta = 50 ms apart (RFC 8445 §14.2).
  peer.router.handleTimeout(Date.now() + 60);
  const pending = peer.toPeer.filter((d) => d.bytes[0] === 0 && d.bytes[1] === 1);
  assert.equal(pending.length, 1, 'a validation request under the new credentials');
  peer.pump();
  assert.equal(peer.icePeers[1]!.answered, 1, 'answered by the new generation');
  assert.equal(peer.icePeers[0]!.answered, before);
  assert.equal(transport.stats().ice.restartsCompleted, 1);
  assert.equal(transport.stats().ice.selected?.port, PEER.port);
  assert.notEqual(transport.iceUfrag, oldUfrag);
});

test('a re-offer adds a video m-section, later rejects it and turns audio recvonly: demux and send check follow', () => {
  const full = fixtureOffer('chromium-audio-video', theirs, ICE);
  const { peer, transport, rtp } = connected(audioOnly(full), {
    sections: { '0': { send: { ssrc: AUDIO_SSRC } } },
  });
  assert.equal(transport.negotiated.sections.length, 1);
  const r = transport.renegotiate(full, MEDIA);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.iceRestart, false);
  assert.deepEqual(r.negotiated.bundle, ['0', '1']);
  const video = r.negotiated.sections[1]!;
  const midId = video.headerExtensions.find((e) => e.uri.endsWith('sdes:mid'))!.id;
  peer.sendRtp(
    buildRtp({
      payloadType: video.codecs[0]!.payloadType,
      ssrc: 77,
      extensions: [{ id: midId, value: '1' }],
    }),
  );
  assert.deepEqual(
    rtp.map((i) => [i.mid, i.kind]),
    [['1', 'video']],
  );
  assert.equal(
    transport.sendRtp(buildRtp({ payloadType: video.codecs[0]!.payloadType, ssrc: VIDEO_SSRC })),
    true,
  );

  // Video rejected by the offerer (port 0), audio now recvonly on its side: we may not send audio.
  const reduced = full
    .replace(/m=video 9 /, 'm=video 0 ')
    .replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0')
    .replace('a=sendrecv', 'a=recvonly');
  const r2 = transport.renegotiate(reduced);
  assert.ok(r2.ok, r2.ok ? '' : r2.error);
  assert.deepEqual(
    r2.negotiated.sections.map((s) => [s.mid, s.rejection, s.direction]),
    [
      ['0', undefined, 'sendonly'],
      ['1', 'rejected-by-offer', 'inactive'],
    ],
  );
  assert.equal(sdpTransform.parse(r2.answer).media[1]!.port, 0);
  peer.sendRtp(
    buildRtp({
      payloadType: video.codecs[0]!.payloadType,
      ssrc: 77,
      sequenceNumber: 2,
      extensions: [{ id: midId, value: '1' }],
    }),
  );
  assert.equal(rtp.length, 1, 'video of a rejected section is not delivered');
  assert.equal(transport.stats().drops['rtp-unknown-mid'], 1);
  assert.equal(
    transport.checkRtp(buildRtp({ payloadType: video.codecs[0]!.payloadType, ssrc: VIDEO_SSRC })),
    'undeclared-ssrc',
  );
  // Audio still sends, with the SSRC of the first answer (kept across re-answers).
  assert.equal(transport.sendRtp(buildRtp({ payloadType: opusPt(peer), ssrc: AUDIO_SSRC })), true);
  assert.equal(r2.negotiated.sections[0]!.send?.ssrc, AUDIO_SSRC);
});

test('a re-offer with another fingerprint or a swapped DTLS role is a typed error and changes nothing', () => {
  const offer = fixtureOffer('chromium-audio-video', theirs, ICE);
  const { peer, transport } = connected(offer);
  const ufrag = transport.iceUfrag;
  const negotiated = transport.negotiated;
  const cases = [
    [fixtureOffer('chromium-audio-video', stranger, ICE2), 'fingerprint-changed'],
    // We are the DTLS server (passive); a=setup:passive asks us to become the client.
    [fixtureOffer('chromium-audio-video', theirs, ICE2, 'passive'), 'dtls-role-changed'],
    ['v=0\r\nbroken', 'no-media'],
    [offer.replace(/a=rtcp-mux\r?\n/g, ''), 'no-rtcp-mux'],
  ] as const;
  for (const [sdp, code] of cases) {
    const r = transport.renegotiate(sdp);
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.code, code);
    assert.equal(transport.iceUfrag, ufrag, `${code}: no ICE restart`);
    assert.equal(transport.negotiated, negotiated, `${code}: the negotiation is unchanged`);
    assert.equal(transport.stats().iceRestarts, 0);
  }
  // Embedder misuse (an SSRC declared twice) throws before anything changes, ICE included.
  assert.throws(
    () =>
      transport.renegotiate(fixtureOffer('chromium-audio-video', theirs, ICE2), {
        sections: { '0': { send: { ssrc: 5 } }, '1': { send: { ssrc: 5 } } },
      }),
    /declared twice/,
  );
  assert.equal(transport.iceUfrag, ufrag);
  assert.equal(transport.negotiated, negotiated);
  assert.equal(transport.sendRtp(buildRtp({ payloadType: opusPt(peer), ssrc: AUDIO_SSRC })), true);
  transport.close();
  const closed = transport.renegotiate(offer);
  assert.equal(closed.ok ? '' : closed.code, 'closed');
});

/** Our password of the first answer ('old') as the peer knows it. */
function sdpPwd(peer: BundlePeer, which: 'old'): string {
  void which;
  assert.ok(peer.result.ok);
  return String(sdpTransform.parse(peer.result.answer).media[0]!.icePwd);
}
