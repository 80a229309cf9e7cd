import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  answerDirection,
  isIceRestart,
  type MediaOfferErrorCode,
  type OfferedMediaSection,
  parseMediaOffer,
  RTP_HEADER_EXTENSION_URIS,
} from '../src/sdp/index.js';
import { readSdpFixture, sdpFixtureNames } from './fixtures.js';

function offerOf(sdp: string) {
  const r = parseMediaOffer(sdp);
  if (!r.ok) assert.fail(`offer refused: ${r.error.code}: ${r.error.message}`);
  return r.offer;
}

function section(sections: readonly OfferedMediaSection[], mid: string): OfferedMediaSection {
  const s = sections.find((x) => x.mid === mid);
  assert.ok(s, `section ${mid}`);
  return s;
}

const lines = (sdp: string) => sdp.split('\r\n').filter((l) => l.length > 0);
const join = (ls: readonly string[]) => `${ls.join('\r\n')}\r\n`;

test('fixtures: every captured browser offer is read', () => {
  const names = sdpFixtureNames();
  assert.equal(names.length, 6);
  for (const name of names) {
    const r = parseMediaOffer(readSdpFixture(name));
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.error.message}`);
  }
});

test('Chromium audio+video: both sections with codecs, RTX, feedback, extensions, SSRCs and BUNDLE', () => {
  const sdp = readSdpFixture('chromium-audio-video');
  const offer = offerOf(sdp);
  assert.deepEqual(offer.bundle, ['0', '1']);
  assert.equal(offer.transportIndex, 0);
  assert.equal(offer.setup, 'actpass');
  assert.equal(offer.iceUfrag, /a=ice-ufrag:(\S+)/.exec(sdp)![1]);
  assert.equal(offer.icePwd, /a=ice-pwd:(\S+)/.exec(sdp)![1]);
  assert.equal(offer.fingerprint, `sha-256 ${/a=fingerprint:sha-256 (\S+)/.exec(sdp)![1]}`);
  assert.deepEqual(offer.iceOptions, ['trickle']);
  assert.equal(offer.extmapAllowMixed, true);
  assert.equal(offer.sections.length, 2);

  const audio = section(offer.sections, '0');
  assert.equal(audio.kind, 'audio');
  assert.equal(audio.rejection, undefined);
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.rtcpReducedSize, true);
  const opus = audio.codecs[0]!;
  assert.deepEqual(
    { pt: opus.payloadType, mime: opus.mimeType, rate: opus.clockRate, ch: opus.channels, fmtp: opus.fmtp },
    { pt: 111, mime: 'audio/opus', rate: 48000, ch: 2, fmtp: 'minptime=10;useinbandfec=1' },
  );
  assert.deepEqual(opus.rtcpFeedback, [{ type: 'transport-cc' }]);
  // Static payload types (PCMU 0, PCMA 8) and telephone-event are all listed, in m= line order.
  assert.deepEqual(
    audio.codecs.map((c) => c.payloadType),
    [111, 63, 9, 0, 8, 13, 110, 126],
  );
  assert.deepEqual(
    audio.headerExtensions.find((e) => e.uri === RTP_HEADER_EXTENSION_URIS.mid),
    { id: 4, uri: RTP_HEADER_EXTENSION_URIS.mid },
  );
  assert.equal(audio.ssrcs.length, 1);
  assert.match(audio.ssrcs[0]!.cname!, /^\S+$/);
  assert.equal(audio.msid?.stream, /a=msid:(\S+) /.exec(sdp)![1]);

  const video = section(offer.sections, '1');
  assert.equal(video.kind, 'video');
  const vp8 = video.codecs.find((c) => c.payloadType === 96)!;
  assert.equal(vp8.mimeType, 'video/VP8');
  assert.equal(vp8.clockRate, 90000);
  assert.equal(vp8.channels, undefined);
  assert.deepEqual(vp8.rtcpFeedback, [
    { type: 'goog-remb' },
    { type: 'transport-cc' },
    { type: 'ccm', parameter: 'fir' },
    { type: 'nack' },
    { type: 'nack', parameter: 'pli' },
  ]);
  const rtx = video.codecs.find((c) => c.payloadType === 97)!;
  assert.equal(rtx.name, 'rtx');
  assert.equal(rtx.apt, 96);
  assert.equal(video.codecs.find((c) => c.name === 'AV1')?.fmtp, 'level-idx=5;profile=0;tier=0');
  const fid = video.ssrcGroups.find((g) => g.semantics === 'FID')!;
  assert.equal(fid.ssrcs.length, 2);
  assert.deepEqual(video.ssrcs.map((s) => s.ssrc).sort(), [...fid.ssrcs].sort());
  assert.ok(video.headerExtensions.some((e) => e.uri === RTP_HEADER_EXTENSION_URIS.rid && e.id === 10));
  assert.ok(
    video.headerExtensions.some((e) => e.uri === RTP_HEADER_EXTENSION_URIS.repairedRid && e.id === 11),
  );
});

test('Firefox audio+video: session-level fingerprint, bundle-only video is not a rejection, extmap directions, braced msid', () => {
  const sdp = readSdpFixture('firefox-audio-video');
  const offer = offerOf(sdp);
  assert.ok(
    !/^m=[\s\S]*a=fingerprint/m.test(sdp.slice(sdp.indexOf('m='))),
    'fixture: fingerprint only at session level',
  );
  assert.equal(offer.fingerprint, `sha-256 ${/a=fingerprint:sha-256 (\S+)/.exec(sdp)![1]}`);
  const video = section(offer.sections, '1');
  assert.equal(video.port, 0);
  assert.equal(video.bundleOnly, true);
  assert.equal(video.rejection, undefined);
  assert.equal(video.codecs[0]!.mimeType, 'video/VP8');
  assert.equal(video.codecs.find((c) => c.payloadType === 124)?.apt, 120);
  const audio = section(offer.sections, '0');
  assert.equal(audio.codecs[0]!.payloadType, 109);
  assert.deepEqual(
    audio.headerExtensions.find((e) => e.id === 2),
    { id: 2, uri: 'urn:ietf:params:rtp-hdrext:csrc-audio-level', direction: 'recvonly' },
  );
  assert.match(audio.msid!.stream, /^\{[0-9a-f-]+\}$/);
  assert.match(audio.msid!.track!, /^\{[0-9a-f-]+\}$/);
});

test('data channel m-sections are recognized and marked to be answered rejected with a reason', () => {
  for (const name of ['chromium-audio-video-data', 'firefox-audio-video-data'] as const) {
    const offer = offerOf(readSdpFixture(name));
    const app = offer.sections[2]!;
    assert.equal(app.type, 'application');
    assert.equal(app.kind, undefined);
    assert.equal(app.rejection, 'data-channels-not-supported', name);
    assert.equal(app.sctpPort, 5000);
    assert.equal(offer.sections[0]!.rejection, undefined);
    assert.equal(offer.sections[1]!.rejection, undefined);
  }
});

test('Chromium simulcast: three send rids, a=simulcast, no a=ssrc for the video', () => {
  const offer = offerOf(readSdpFixture('chromium-simulcast'));
  const video = section(offer.sections, '1');
  assert.deepEqual(
    video.rids.map((r) => [r.id, r.direction]),
    [
      ['q', 'send'],
      ['h', 'send'],
      ['f', 'send'],
    ],
  );
  assert.deepEqual(video.simulcast, {
    send: [[{ rid: 'q', paused: false }], [{ rid: 'h', paused: false }], [{ rid: 'f', paused: false }]],
    recv: [],
  });
  assert.deepEqual(video.ssrcs, []);
});

test('Firefox simulcast: rids and three FID pairs', () => {
  const offer = offerOf(readSdpFixture('firefox-simulcast'));
  const video = section(offer.sections, '1');
  assert.deepEqual(
    video.rids.map((r) => r.id),
    ['q', 'h', 'f'],
  );
  assert.equal(video.simulcast?.send.length, 3);
  assert.deepEqual(
    video.ssrcGroups.map((g) => [g.semantics, g.ssrcs.length]),
    [
      ['FID', 2],
      ['FID', 2],
      ['FID', 2],
    ],
  );
  assert.equal(video.ssrcs.length, 6);
});

test('a=simulcast alternatives, paused streams and rid payload-type restrictions', () => {
  const sdp = join([
    ...lines(readSdpFixture('chromium-simulcast')).filter((l) => !/^a=(rid|simulcast):/.test(l)),
    'a=rid:q send pt=96',
    'a=rid:h send pt=96,98;max-width=1280',
    'a=rid:f send',
    'a=rid:r recv',
    'a=simulcast:send q;~h,f recv r',
  ]);
  const video = section(offerOf(sdp).sections, '1');
  assert.deepEqual(video.rids[1], {
    id: 'h',
    direction: 'send',
    payloadTypes: [96, 98],
    params: 'pt=96,98;max-width=1280',
  });
  assert.deepEqual(video.simulcast, {
    send: [
      [{ rid: 'q', paused: false }],
      [
        { rid: 'h', paused: true },
        { rid: 'f', paused: false },
      ],
    ],
    recv: [[{ rid: 'r', paused: false }]],
  });
});

test('a=ssrc-group:SIM lists the layers of SDP-signalled simulcast (RFC 5576 §4.2)', () => {
  const sdp = readSdpFixture('chromium-audio-video').replace(
    /(a=ssrc-group:FID \d+ \d+\r\n)/,
    '$1a=ssrc-group:SIM 11 12 13\r\na=ssrc:11 cname:x\r\na=ssrc:12 cname:x\r\na=ssrc:13 cname:x\r\n',
  );
  const video = section(offerOf(sdp).sections, '1');
  assert.deepEqual(
    video.ssrcGroups.find((g) => g.semantics === 'SIM'),
    { semantics: 'SIM', ssrcs: [11, 12, 13] },
  );
  assert.ok([11, 12, 13].every((s) => video.ssrcs.some((d) => d.ssrc === s && d.cname === 'x')));
});

test('isIceRestart: new ice-ufrag or ice-pwd (RFC 8839 §4.4.1.1.1)', () => {
  const sdp = readSdpFixture('firefox-audio-video');
  const first = offerOf(sdp);
  assert.equal(isIceRestart(first, offerOf(sdp)), false);
  assert.equal(isIceRestart(first, offerOf(sdp.replace(/a=ice-ufrag:\S+/g, 'a=ice-ufrag:fresh'))), true);
  assert.equal(
    isIceRestart(first, offerOf(sdp.replace(/a=ice-pwd:\S+/g, 'a=ice-pwd:freshfreshfreshfreshfresh'))),
    true,
  );
});

test('payload types 64-95 are left out: under rtcp-mux they read as RTCP (RFC 5761 §4)', () => {
  const sdp = readSdpFixture('chromium-audio-video')
    .replace('SAVPF 111 ', 'SAVPF 72 111 ')
    .replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:72 opus/48000/2\r\na=rtpmap:111 opus/48000/2');
  const audio = section(offerOf(sdp).sections, '0');
  assert.equal(audio.codecs[0]!.payloadType, 111);
  assert.ok(!audio.codecs.some((c) => c.payloadType === 72));
});

test('without a BUNDLE group, only the first carried section gets the transport', () => {
  const sdp = join(lines(readSdpFixture('chromium-audio-video')).filter((l) => !l.startsWith('a=group:')));
  const offer = offerOf(sdp);
  assert.deepEqual(offer.bundle, []);
  assert.equal(offer.sections[0]!.rejection, undefined);
  assert.equal(offer.sections[1]!.rejection, 'not-bundled');
});

test('an m-section the offer rejected (port 0 without bundle-only) stays rejected', () => {
  const sdp = readSdpFixture('chromium-audio-video').replace('m=video 9 ', 'm=video 0 ');
  assert.equal(section(offerOf(sdp).sections, '1').rejection, 'rejected-by-offer');
});

test('the details of a rejected m-section are not read, so their flaws do not refuse the offer', () => {
  const sdp = readSdpFixture('chromium-audio-video')
    .replace('m=video 9 ', 'm=video 0 ')
    .replace('a=fmtp:97 apt=96', 'a=fmtp:97 x=1');
  const video = section(offerOf(sdp).sections, '1');
  assert.equal(video.rejection, 'rejected-by-offer');
  assert.deepEqual(video.codecs, []);
});

test('the transport is the first carried section of the group: a rejected first one is skipped', () => {
  const sdp = readSdpFixture('chromium-audio-video')
    .replace('m=audio 9 ', 'm=audio 0 ')
    .replace(/(m=video[\s\S]*?a=ice-ufrag:)\S+/, '$1vidU');
  const offer = offerOf(sdp);
  assert.equal(offer.transportIndex, 1);
  assert.equal(offer.iceUfrag, 'vidU');
});

/** Offers broken one way each, and the error code each must give. */
const BROKEN: ReadonlyArray<[string, () => string, MediaOfferErrorCode]> = [
  ['empty', () => '', 'empty'],
  ['over 256 KiB', () => `v=0\r\n${'a=x\r\n'.repeat(60_000)}`, 'too-large'],
  ['no m-section', () => 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', 'no-media'],
  [
    'only a data channel',
    () =>
      join(
        lines(readSdpFixture('chromium-audio-video-data'))
          .join('\n')
          .replace(/m=audio[\s\S]*?(?=m=application)/, '')
          .replace('BUNDLE 0 1 2', 'BUNDLE 2')
          .split('\n'),
      ),
    'no-usable-section',
  ],
  [
    'BUNDLE names a missing mid',
    () => readSdpFixture('chromium-audio-video').replace('BUNDLE 0 1', 'BUNDLE 0 1 7'),
    'bad-bundle-group',
  ],
  [
    'duplicate mid',
    () => readSdpFixture('chromium-audio-video').replace('a=mid:1', 'a=mid:0'),
    'duplicate-mid',
  ],
  [
    'no credentials',
    () => readSdpFixture('chromium-audio-video').replace(/a=ice-(ufrag|pwd):.*\r\n/g, ''),
    'no-ice-credentials',
  ],
  [
    'bad ufrag',
    () => readSdpFixture('chromium-audio-video').replace(/a=ice-ufrag:\S+/g, 'a=ice-ufrag:a"b'),
    'bad-ice-credentials',
  ],
  [
    'no fingerprint',
    () => readSdpFixture('firefox-audio-video').replace(/a=fingerprint:.*\r\n/g, ''),
    'no-fingerprint',
  ],
  [
    'truncated fingerprint',
    () =>
      readSdpFixture('firefox-audio-video').replace(/(a=fingerprint:sha-256 \S+):[0-9A-F]{2}\r\n/, '$1\r\n'),
    'bad-fingerprint',
  ],
  [
    'unknown setup',
    () => readSdpFixture('chromium-audio-video').replace(/a=setup:actpass/g, 'a=setup:both'),
    'bad-setup',
  ],
  [
    'bad mid',
    () =>
      readSdpFixture('chromium-audio-video')
        .replace('a=mid:1', 'a=mid:a(b')
        .replace('BUNDLE 0 1', 'BUNDLE 0'),
    'bad-mid',
  ],
  [
    'payload type 200',
    () => readSdpFixture('chromium-audio-video').replace('SAVPF 111 ', 'SAVPF 200 111 '),
    'bad-payload-type',
  ],
  [
    'payload type twice',
    () => readSdpFixture('chromium-audio-video').replace('SAVPF 111 ', 'SAVPF 111 111 '),
    'bad-payload-type',
  ],
  [
    'rtx without apt',
    () => readSdpFixture('chromium-audio-video').replace('a=fmtp:97 apt=96', 'a=fmtp:97 x=1'),
    'bad-payload-type',
  ],
  [
    'extmap id twice',
    () => readSdpFixture('chromium-audio-video').replace('a=extmap:14 ', 'a=extmap:2 '),
    'bad-extmap',
  ],
  [
    'extmap id 15',
    () => readSdpFixture('chromium-audio-video').replace('a=extmap:14 ', 'a=extmap:15 '),
    'bad-extmap',
  ],
  [
    'extmap id 256',
    () => readSdpFixture('chromium-audio-video').replace('a=extmap:14 ', 'a=extmap:256 '),
    'bad-extmap',
  ],
  [
    'FID with three SSRCs',
    () => readSdpFixture('chromium-audio-video').replace(/(a=ssrc-group:FID \d+ \d+)/, '$1 5'),
    'bad-ssrc',
  ],
  [
    'SSRC above 32 bits',
    () => readSdpFixture('chromium-audio-video').replace(/a=ssrc:(\d+) cname/, 'a=ssrc:4294967296 cname'),
    'bad-ssrc',
  ],
  [
    'simulcast names an undeclared rid',
    () => readSdpFixture('chromium-simulcast').replace('send q;h;f', 'send q;h;f;z'),
    'bad-simulcast',
  ],
  [
    'rid twice',
    () => readSdpFixture('chromium-simulcast').replace('a=rid:h send', 'a=rid:q send'),
    'bad-rid',
  ],
  [
    'rid pt not in the section',
    () => readSdpFixture('chromium-simulcast').replace('a=rid:q send', 'a=rid:q send pt=5'),
    'bad-rid',
  ],
  [
    'rid with a bad direction',
    () => readSdpFixture('chromium-simulcast').replace('a=rid:q send', 'a=rid:q sideways'),
    'bad-rid',
  ],
  [
    'more than 64 m-sections',
    () => {
      const sdp = readSdpFixture('chromium-audio-video');
      const audio = /m=audio[\s\S]*?(?=m=video)/.exec(sdp)![0];
      return sdp + Array.from({ length: 64 }, (_, i) => audio.replace('a=mid:0', `a=mid:m${i}`)).join('');
    },
    'too-many-sections',
  ],
];

test('broken offers give a typed error naming what is wrong, never a throw', () => {
  for (const [what, make, code] of BROKEN) {
    const r = parseMediaOffer(make());
    assert.equal(r.ok, false, `${what}: accepted`);
    if (!r.ok) {
      assert.equal(r.error.code, code, `${what}: ${r.error.message}`);
      assert.ok(r.error.message.length > 0);
    }
  }
});

test('answerDirection: RFC 3264 §6.1 intersected with what we want', () => {
  assert.equal(answerDirection('sendrecv', 'sendrecv'), 'sendrecv');
  assert.equal(answerDirection('sendonly', 'sendrecv'), 'recvonly');
  assert.equal(answerDirection('recvonly', 'sendrecv'), 'sendonly');
  assert.equal(answerDirection('sendrecv', 'recvonly'), 'recvonly');
  assert.equal(answerDirection('recvonly', 'recvonly'), 'inactive');
  assert.equal(answerDirection('inactive', 'sendrecv'), 'inactive');
  assert.equal(answerDirection('sendonly', 'sendonly'), 'inactive');
});

const KNOWN_CODES = new Set<string>([
  'empty',
  'too-large',
  'unparseable',
  'no-media',
  'too-many-sections',
  'no-usable-section',
  'bad-mid',
  'duplicate-mid',
  'bad-bundle-group',
  'no-ice-credentials',
  'bad-ice-credentials',
  'no-fingerprint',
  'bad-fingerprint',
  'bad-setup',
  'bad-direction',
  'bad-payload-type',
  'bad-extmap',
  'bad-ssrc',
  'bad-rid',
  'bad-simulcast',
  'too-many-entries',
  'unexpected-structure',
]);

function checkNeverThrows(sdp: string): void {
  const r = parseMediaOffer(sdp);
  if (!r.ok) assert.ok(KNOWN_CODES.has(r.error.code), r.error.code);
  else assert.ok(r.offer.sections.length > 0 && r.offer.transportIndex >= 0);
}

test('fuzz: random text never throws', () => {
  fc.assert(fc.property(fc.string({ maxLength: 2000 }), checkNeverThrows), { numRuns: 500 });
});

test('fuzz: browser offers with lines dropped, duplicated or rewritten never throw', () => {
  const fixtures = sdpFixtureNames().map((n) => lines(readSdpFixture(n)));
  const attribute = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'a=rtpmap:',
      'a=fmtp:',
      'a=rtcp-fb:',
      'a=extmap:',
      'a=ssrc:',
      'a=ssrc-group:FID ',
      'a=ssrc-group:SIM ',
      'a=rid:',
      'a=simulcast:',
      'a=mid:',
      'a=group:BUNDLE ',
      'm=video ',
      'a=setup:',
      'a=fingerprint:',
      'a=msid:',
    ),
  );
  const edit = fc.record({
    kind: fc.constantFrom('drop', 'dup', 'replace', 'append'),
    at: fc.nat(),
    prefix: attribute,
    value: fc.string({ maxLength: 30 }),
  });
  fc.assert(
    fc.property(fc.nat({ max: fixtures.length - 1 }), fc.array(edit, { maxLength: 8 }), (which, edits) => {
      const ls = [...fixtures[which]!];
      for (const e of edits) {
        const i = e.at % ls.length;
        if (e.kind === 'drop') ls.splice(i, 1);
        else if (e.kind === 'dup') ls.splice(i, 0, ls[i]!);
        else if (e.kind === 'replace') ls[i] = `${e.prefix}${e.value}`;
        else ls.splice(i, 0, `${e.prefix}${e.value}`);
        if (ls.length === 0) ls.push('v=0');
      }
      checkNeverThrows(join(ls));
    }),
    { numRuns: 1500 },
  );
});
