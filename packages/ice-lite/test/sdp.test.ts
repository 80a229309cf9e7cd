import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/index.js';
import { answerSetup, buildAudioAnswer, parseAudioOffer } from '../src/sdp/index.js';

const FP_CHROME =
  'sha-256 5B:2D:0E:8F:11:AC:47:90:3E:6A:C2:D9:1F:08:B7:64:E5:93:0A:7C:42:DB:18:F6:A9:5C:03:E1:7D:2B:98:C4';
const FP_FIREFOX =
  'sha-256 A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90';
const OUR_FP =
  'sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF';

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

/** Chromium audio-only offer: per-section fingerprint, actpass, BUNDLE 0, Opus 111 among others. */
const CHROMIUM_OFFER = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS 3f4c2a10-1b2b-4b7f-9d2a-6c1c2b9f0e11',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:x7Qb',
  'a=ice-pwd:f1yJ3mTz9eLkq2Pw8sVbN0cD',
  'a=ice-options:trickle',
  `a=fingerprint:${FP_CHROME}`,
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:3f4c2a10-1b2b-4b7f-9d2a-6c1c2b9f0e11 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:1001 cname:Yx1Zq2Wv3Ut4Sr5P',
  'a=ssrc:1001 msid:3f4c2a10-1b2b-4b7f-9d2a-6c1c2b9f0e11 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
]);

/** Firefox ESR audio-only offer: fingerprint at session level, Opus 109, media-level credentials. */
const FIREFOX_OFFER = crlf([
  'v=0',
  'o=mozilla...THIS_IS_SDPARTA-153.0 8184914497163539025 0 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  `a=fingerprint:${FP_FIREFOX}`,
  'a=group:BUNDLE 0',
  'a=ice-options:trickle',
  'a=msid-semantic:WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101',
  'c=IN IP4 0.0.0.0',
  'a=sendrecv',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level',
  'a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1',
  'a=fmtp:101 0-15',
  'a=ice-pwd:6a2c8f7e1d0b4c3a9e8f7d6c5b4a3928',
  'a=ice-ufrag:3c5e8a1f',
  'a=mid:0',
  'a=msid:{5b5e0d8a-7b0e-4c55-9a3b-1f2e3d4c5b6a} {1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}',
  'a=rtcp-mux',
  'a=rtpmap:109 opus/48000/2',
  'a=rtpmap:9 G722/8000/1',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000/1',
  'a=setup:actpass',
  'a=ssrc:2655508255 cname:{7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6}',
]);

const candidates = hostCandidates([
  { address: '127.0.0.1', port: 40000 },
  { address: '::1', port: 40000 },
]);
const ours = { ufrag: 'OurUfrag', pwd: 'OurPasswordOurPassword00', fingerprint: OUR_FP, candidates };

test('reads a Chromium offer: media-level fingerprint and credentials, actpass, BUNDLE, Opus 111', () => {
  const r = parseAudioOffer(CHROMIUM_OFFER);
  assert.ok(r.ok);
  const o = r.offer;
  assert.equal(o.iceUfrag, 'x7Qb');
  assert.equal(o.icePwd, 'f1yJ3mTz9eLkq2Pw8sVbN0cD');
  assert.equal(o.fingerprint, FP_CHROME);
  assert.equal(o.setup, 'actpass');
  assert.deepEqual(o.bundle, ['0']);
  assert.deepEqual(o.opus, {
    payloadType: 111,
    clockRate: 48000,
    channels: 2,
    fmtp: 'minptime=10;useinbandfec=1',
  });
  assert.equal(o.rtcpMux, true);
});

test('reads a Firefox offer: session-level fingerprint, Opus 109 with its fmtp', () => {
  const r = parseAudioOffer(FIREFOX_OFFER);
  assert.ok(r.ok);
  assert.equal(r.offer.fingerprint, FP_FIREFOX);
  assert.equal(r.offer.iceUfrag, '3c5e8a1f');
  assert.equal(r.offer.opus.payloadType, 109);
  assert.equal(r.offer.opus.fmtp, 'maxplaybackrate=48000;stereo=1;useinbandfec=1');
});

test('reads session-level ICE credentials when the section has none', () => {
  const moved = FIREFOX_OFFER.replace(/a=ice-pwd:.*\r\n/, '')
    .replace(/a=ice-ufrag:.*\r\n/, '')
    .replace('a=group:BUNDLE 0', 'a=ice-ufrag:sess\r\na=ice-pwd:sessionlevelpasswordpwd\r\na=group:BUNDLE 0');
  const r = parseAudioOffer(moved);
  assert.ok(r.ok);
  assert.deepEqual([r.offer.iceUfrag, r.offer.icePwd], ['sess', 'sessionlevelpasswordpwd']);
});

for (const [name, offerText, pt] of [
  ['Chromium', CHROMIUM_OFFER, 111],
  ['Firefox', FIREFOX_OFFER, 109],
] as const) {
  test(`answers a ${name} offer as ICE-lite with credentials, fingerprint, setup, candidates, BUNDLE and Opus`, () => {
    const r = parseAudioOffer(offerText);
    assert.ok(r.ok);
    const text = buildAudioAnswer(r.offer, { ...ours, ssrc: 4242 });
    assert.match(text, /\r\n$/);
    const a = sdpTransform.parse(text);
    assert.equal(a.icelite, 'ice-lite');
    assert.deepEqual(
      a.groups?.map((g) => [g.type, String(g.mids)]),
      [['BUNDLE', '0']],
    );
    assert.equal(a.media.length, 1);
    const m = a.media[0]!;
    assert.equal(m.type, 'audio');
    assert.equal(m.port, 40000);
    assert.equal(m.protocol, 'UDP/TLS/RTP/SAVPF');
    assert.equal(String(m.payloads), String(pt));
    assert.equal(m.iceUfrag, 'OurUfrag');
    assert.equal(m.icePwd, 'OurPasswordOurPassword00');
    assert.equal(`${m.fingerprint?.type} ${m.fingerprint?.hash}`, OUR_FP);
    assert.equal(m.setup, 'passive');
    assert.equal(String(m.mid), '0');
    assert.equal(m.direction, 'sendrecv');
    assert.equal(m.rtcpMux, 'rtcp-mux');
    assert.equal(m.rtp[0]?.codec, 'opus');
    assert.equal(m.rtp[0]?.payload, pt);
    assert.equal(m.fmtp[0]?.config, r.offer.opus.fmtp);
    assert.equal(m.candidates?.length, 2);
    assert.equal(m.candidates?.[1]?.ip, '::1');
    assert.equal(m.endOfCandidates, 'end-of-candidates');
    assert.ok(m.ssrcs?.some((s) => s.id === 4242 && s.attribute === 'cname'));
    assert.ok(m.msid?.length === 1);
  });
}

test('setup: actpass takes our preference, an explicit offer role gets the opposite', () => {
  assert.equal(answerSetup('actpass'), 'passive');
  assert.equal(answerSetup('actpass', 'active'), 'active');
  assert.equal(answerSetup('active', 'active'), 'passive');
  assert.equal(answerSetup('passive'), 'active');
  const r = parseAudioOffer(CHROMIUM_OFFER.replace('a=setup:actpass', 'a=setup:active'));
  assert.ok(r.ok);
  assert.match(buildAudioAnswer(r.offer, { ...ours, setup: 'active' }), /a=setup:passive/);
});

test('other m-sections are rejected with port 0 and left out of BUNDLE', () => {
  const withVideo = CHROMIUM_OFFER.replace('a=group:BUNDLE 0', 'a=group:BUNDLE 0 1').concat(
    crlf([
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'c=IN IP4 0.0.0.0',
      'a=mid:1',
      'a=sendrecv',
      'a=rtpmap:96 VP8/90000',
    ]),
  );
  const r = parseAudioOffer(withVideo);
  assert.ok(r.ok);
  assert.deepEqual(r.offer.bundle, ['0', '1']);
  const a = sdpTransform.parse(buildAudioAnswer(r.offer, ours));
  assert.equal(a.media.length, 2);
  assert.equal(a.media[1]!.port, 0);
  assert.equal(String(a.media[1]!.mid), '1');
  assert.deepEqual(
    a.groups?.map((g) => [g.type, String(g.mids)]),
    [['BUNDLE', '0']],
  );
});

test('a recvonly offer gets a sendonly answer; a sendonly offer gets recvonly without our ssrc', () => {
  const r1 = parseAudioOffer(CHROMIUM_OFFER.replace('a=sendrecv', 'a=recvonly'));
  assert.ok(r1.ok);
  assert.match(buildAudioAnswer(r1.offer, ours), /a=sendonly/);
  const r2 = parseAudioOffer(CHROMIUM_OFFER.replace('a=sendrecv', 'a=sendonly'));
  assert.ok(r2.ok);
  const text = buildAudioAnswer(r2.offer, ours);
  assert.match(text, /a=recvonly/);
  assert.doesNotMatch(text, /a=ssrc/);
});

test('bad offers are typed errors, not exceptions', () => {
  assert.deepEqual(parseAudioOffer(''), { ok: false, error: 'offer is empty' });
  const cases: Array<[string, RegExp]> = [
    [CHROMIUM_OFFER.replace(/a=fingerprint:.*\r\n/, ''), /fingerprint/],
    [CHROMIUM_OFFER.replace(/a=ice-pwd:.*\r\n/, ''), /ice-pwd/],
    [CHROMIUM_OFFER.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 foo/48000/2'), /opus/],
    [CHROMIUM_OFFER.replace('m=audio 9', 'm=video 9'), /audio/],
    [CHROMIUM_OFFER.replace('a=setup:actpass', 'a=setup:weird'), /setup/],
  ];
  for (const [text, re] of cases) {
    const r = parseAudioOffer(text);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, re);
  }
});

test('API misuse in the answer options throws naming the option', () => {
  const r = parseAudioOffer(CHROMIUM_OFFER);
  assert.ok(r.ok);
  assert.throws(() => buildAudioAnswer(r.offer, { ...ours, fingerprint: 'nope' }), /options.fingerprint/);
  assert.throws(() => buildAudioAnswer(r.offer, { ...ours, candidates: [] }), /options.candidates/);
});

test('fuzz: parseAudioOffer never throws on arbitrary or mangled text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      parseAudioOffer(s);
    }),
    { numRuns: 500 },
  );
  const lines = CHROMIUM_OFFER.split('\r\n');
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: lines.length - 1 }), { maxLength: 10 }),
      fc.string({ maxLength: 20 }),
      (drop, junk) => {
        const kept = lines.filter((_, i) => !drop.includes(i));
        kept.splice(Math.min(5, kept.length), 0, junk);
        const r = parseAudioOffer(kept.join('\r\n'));
        if (r.ok) buildAudioAnswer(r.offer, ours);
      },
    ),
    { numRuns: 500 },
  );
});
