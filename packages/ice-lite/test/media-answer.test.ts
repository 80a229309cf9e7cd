import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/index.js';
import {
  buildMediaAnswer,
  DEFAULT_HEADER_EXTENSIONS,
  type MediaAnswerOptions,
  type MediaOffer,
  parseMediaOffer,
} from '../src/sdp/index.js';
import { readSdpFixture, type SdpFixture, sdpFixtureNames } from './fixtures.js';

const OUR_FP =
  'sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF';

const BASE: MediaAnswerOptions = {
  ufrag: 'rtcs',
  pwd: 'rtcsealrtcsealrtcsealrtcseal',
  fingerprint: OUR_FP,
  candidates: hostCandidates([{ address: '192.0.2.10', port: 40000 }]),
};

function offer(name: SdpFixture | string, edit: (sdp: string) => string = (s) => s): MediaOffer {
  const sdp = edit(name.includes('\n') ? name : readSdpFixture(name as SdpFixture));
  const r = parseMediaOffer(sdp);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.offer;
}

test('defaults: Chromium audio+video is answered recvonly with Opus, VP8 + RTX, the kept extensions, ICE-lite and BUNDLE', () => {
  const answer = buildMediaAnswer(offer('chromium-audio-video'), BASE);
  const sdp = sdpTransform.parse(answer.sdp);
  assert.equal(sdp.icelite, 'ice-lite');
  assert.deepEqual(sdp.groups, [{ type: 'BUNDLE', mids: '0 1' }]);
  assert.deepEqual(answer.bundle, ['0', '1']);
  assert.equal(answer.setup, 'passive');
  const [audio, video] = sdp.media;
  for (const m of [audio!, video!]) {
    assert.equal(m.port, 40000);
    assert.equal(m.iceUfrag, 'rtcs');
    assert.equal(m.icePwd, BASE.pwd);
    assert.deepEqual(m.fingerprint, { type: 'sha-256', hash: OUR_FP.slice(8) });
    assert.equal(m.setup, 'passive');
    assert.equal(m.rtcpMux, 'rtcp-mux');
    assert.equal(m.direction, 'recvonly');
    assert.equal(m.candidates?.[0]?.ip, '192.0.2.10');
    assert.equal(m.ssrcs, undefined, 'we declared no stream');
    for (const e of m.ext ?? []) assert.ok(DEFAULT_HEADER_EXTENSIONS.includes(e.uri), e.uri);
  }
  assert.equal(String(audio!.payloads), '111');
  assert.deepEqual(audio!.rtp, [{ payload: 111, codec: 'opus', rate: 48000, encoding: 2 }]);
  assert.equal(audio!.fmtp[0]?.config, 'minptime=10;useinbandfec=1');
  assert.equal(video!.payloads, '96 97');
  assert.deepEqual(
    video!.fmtp.map((f) => [f.payload, f.config]),
    [[97, 'apt=96']],
  );
  assert.deepEqual((video!.rtcpFb ?? []).map((f) => `${f.type}${f.subtype ? ` ${f.subtype}` : ''}`).sort(), [
    'ccm fir',
    'goog-remb',
    'nack',
    'nack pli',
    'transport-cc',
  ]);
  // The offer's ids are kept (RFC 8285 §6); toffset, playout-delay and the rest are gone.
  assert.deepEqual(
    (video!.ext ?? []).map((e) => [e.value, e.uri.split(/[:/]/).pop()]),
    [
      [2, 'abs-send-time'],
      [3, 'draft-holmer-rmcat-transport-wide-cc-extensions-01'],
      [4, 'mid'],
      [10, 'rtp-stream-id'],
      [11, 'repaired-rtp-stream-id'],
    ],
  );
  const [a, v] = answer.sections;
  assert.equal(a!.kind, 'audio');
  assert.equal(a!.send, undefined);
  assert.deepEqual(a!.remoteSsrcs.length, 1);
  assert.equal(v!.remoteSsrcs.length, 2);
  assert.equal(v!.remoteRtxSsrcs.size, 1);
});

test('declared send streams: a=msid, a=ssrc with cname and the FID group of the RTX SSRC', () => {
  const answer = buildMediaAnswer(offer('chromium-audio-video'), {
    ...BASE,
    cname: 'sfu',
    sections: {
      '0': { send: { ssrc: 10 } },
      '1': { send: { ssrc: 20, rtxSsrc: 21, streamId: 'alice', trackId: 'cam' } },
    },
  });
  const [audio, video] = sdpTransform.parse(answer.sdp).media;
  assert.equal(audio!.direction, 'sendrecv');
  assert.deepEqual(audio!.ssrcs, [
    { id: 10, attribute: 'cname', value: 'sfu' },
    { id: 10, attribute: 'msid', value: 'rtcseal audio-0' },
  ]);
  assert.match(answer.sdp, /a=msid:alice cam\r\n/);
  assert.deepEqual(video!.ssrcGroups, [{ semantics: 'FID', ssrcs: '20 21' }]);
  assert.deepEqual(answer.sections[1]!.send, {
    ssrc: 20,
    rtxSsrc: 21,
    cname: 'sfu',
    streamId: 'alice',
    trackId: 'cam',
  });
});

test('rtx: false leaves out RTX, and then the RTX SSRC is not declared', () => {
  const answer = buildMediaAnswer(offer('chromium-audio-video'), {
    ...BASE,
    video: { rtx: false, send: { ssrc: 20, rtxSsrc: 21 } },
  });
  assert.deepEqual(
    answer.sections[1]!.codecs.map((c) => c.payloadType),
    [96],
  );
  assert.equal(answer.sections[1]!.send?.rtxSsrc, undefined);
  assert.doesNotMatch(answer.sdp, /FID/);
});

test('codec preferences pick the first offered match in our order, each with its RTX', () => {
  const answer = buildMediaAnswer(offer('chromium-audio-video'), {
    ...BASE,
    video: { codecs: ['video/AV1', 'video/VP9', 'video/VP8'] },
  });
  assert.deepEqual(
    answer.sections[1]!.codecs.map((c) => [c.name, c.payloadType, c.apt]),
    [
      ['AV1', 45, undefined],
      ['VP9', 98, undefined],
      ['VP8', 96, undefined],
      ['rtx', 46, 45],
      ['rtx', 99, 98],
      ['rtx', 97, 96],
    ],
  );
  const vp9profile2 = buildMediaAnswer(offer('chromium-audio-video'), {
    ...BASE,
    video: { codecs: [{ mimeType: 'video/vp9', fmtp: (f) => f.includes('profile-id=2') }] },
  });
  assert.equal(vp9profile2.sections[1]!.codecs[0]!.payloadType, 100);
});

test('a section with none of our codecs is answered with port 0 and left out of BUNDLE', () => {
  const answer = buildMediaAnswer(offer('firefox-audio-video'), {
    ...BASE,
    video: { codecs: ['video/H265'] },
  });
  assert.equal(answer.sections[1]!.rejection, 'no-common-codec');
  assert.deepEqual(answer.bundle, ['0']);
  assert.match(answer.sdp, /m=video 0 UDP\/TLS\/RTP\/SAVPF 120 124 121 125 99 100 123 122 119\r\n/);
});

test('Firefox: the bundle-only video gets our port; sendonly extensions are answered recvonly', () => {
  const answer = buildMediaAnswer(offer('firefox-simulcast'), BASE);
  const video = sdpTransform.parse(answer.sdp).media[1]!;
  assert.equal(video.port, 40000);
  assert.equal(String(video.mid), '1');
  const rid = (video.ext ?? []).find((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id');
  assert.deepEqual(rid, {
    value: 9,
    direction: 'recvonly',
    uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  });
  assert.deepEqual(video.rids, [
    { id: 'q', direction: 'recv' },
    { id: 'h', direction: 'recv' },
    { id: 'f', direction: 'recv' },
  ]);
  assert.deepEqual(video.simulcast, { dir1: 'recv', list1: 'q;h;f' });
  assert.deepEqual(answer.sections[1]!.receiveRids, ['q', 'h', 'f']);
  assert.equal(answer.sections[1]!.remoteRtxSsrcs.size, 3);
});

test('data channels: the application m-section is answered with port 0, its format and mid kept', () => {
  const answer = buildMediaAnswer(offer('chromium-audio-video-data'), BASE);
  assert.match(
    answer.sdp,
    /m=application 0 UDP\/DTLS\/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n(a=[^\r]*\r\n)*?a=mid:2\r\n/,
  );
  assert.equal(answer.sections[2]!.rejection, 'data-channels-not-supported');
  assert.deepEqual(answer.bundle, ['0', '1']);
});

test('directions intersect with the offer (RFC 3264 §6.1), and a non-sending answer declares no stream', () => {
  const recvonlyVideo = offer('chromium-audio-video', (s) =>
    s.replace(/(m=video[\s\S]*?)a=sendrecv/, '$1a=recvonly'),
  );
  const answer = buildMediaAnswer(recvonlyVideo, {
    ...BASE,
    sections: { '0': { direction: 'recvonly', send: { ssrc: 5 } }, '1': { send: { ssrc: 6 } } },
  });
  assert.equal(answer.sections[0]!.direction, 'recvonly');
  assert.equal(answer.sections[0]!.send, undefined, 'recvonly: nothing declared');
  assert.equal(answer.sections[1]!.direction, 'sendonly');
  assert.equal(answer.sections[1]!.send?.ssrc, 6);
  assert.equal(answer.sections[1]!.remoteSsrcs.length, 0, 'we do not receive in a sendonly section');
  assert.doesNotMatch(answer.sdp, /a=ssrc:5 /);
});

test('a=setup follows the offer: active is answered passive, passive active, actpass by option', () => {
  assert.equal(buildMediaAnswer(offer('chromium-audio-video'), { ...BASE, setup: 'active' }).setup, 'active');
  const active = offer('chromium-audio-video', (s) => s.replace(/a=setup:actpass/g, 'a=setup:active'));
  assert.equal(buildMediaAnswer(active, { ...BASE, setup: 'active' }).setup, 'passive');
});

test('a re-answer keeps the o= session id and raises the version (RFC 3264 §8)', () => {
  const first = buildMediaAnswer(offer('chromium-audio-video'), BASE);
  const again = buildMediaAnswer(offer('chromium-audio-video'), {
    ...BASE,
    ufrag: 'new1',
    sessionId: first.sessionId,
    sessionVersion: first.sessionVersion + 1,
  });
  assert.equal(again.sessionVersion, 2);
  assert.deepEqual(sdpTransform.parse(again.sdp).origin, {
    ...sdpTransform.parse(first.sdp).origin!,
    sessionVersion: 2,
  });
  assert.throws(
    () => buildMediaAnswer(offer('chromium-audio-video'), { ...BASE, sessionId: 'x' }),
    /options\.sessionId/,
  );
});

test('embedder misuse throws at once naming the option', () => {
  const o = offer('chromium-audio-video');
  assert.throws(() => buildMediaAnswer(o, { ...BASE, sections: { '7': {} } }), /options\.sections\.7/);
  assert.throws(
    () => buildMediaAnswer(o, { ...BASE, sections: { '0': { send: { ssrc: -1 } } } }),
    /options\.sections\.0\.send\.ssrc/,
  );
  assert.throws(
    () =>
      buildMediaAnswer(o, { ...BASE, sections: { '0': { send: { ssrc: 9 } }, '1': { send: { ssrc: 9 } } } }),
    /SSRC 9 is declared twice/,
  );
  assert.throws(() => buildMediaAnswer(o, { ...BASE, fingerprint: 'nope' }), /options\.fingerprint/);
  assert.throws(() => buildMediaAnswer(o, { ...BASE, candidates: [] }), /options\.candidates/);
});

test('fuzz: every offer the parser accepts is answered without a throw, and the answer reads back', () => {
  const fixtures = sdpFixtureNames().map((n) => readSdpFixture(n).split('\r\n'));
  fc.assert(
    fc.property(
      fc.nat({ max: fixtures.length - 1 }),
      fc.array(fc.record({ at: fc.nat(), keep: fc.boolean() }), { maxLength: 12 }),
      (which, drops) => {
        const ls = [...fixtures[which]!];
        for (const d of drops) if (!d.keep && ls.length > 1) ls.splice(d.at % ls.length, 1);
        const parsed = parseMediaOffer(ls.join('\r\n'));
        if (!parsed.ok) return;
        const answer = buildMediaAnswer(parsed.offer, BASE);
        assert.equal(answer.sections.length, parsed.offer.sections.length);
        const back = sdpTransform.parse(answer.sdp);
        assert.equal(back.media.length, parsed.offer.sections.length, 'one m-line per offered section');
        for (const [i, s] of answer.sections.entries()) {
          assert.equal(back.media[i]!.port === 0, s.rejection !== undefined);
          if (s.mid !== undefined) assert.equal(String(back.media[i]!.mid), s.mid);
        }
      },
    ),
    { numRuns: 400 },
  );
});
