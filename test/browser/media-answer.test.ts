import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import {
  buildMediaAnswer,
  hostCandidates,
  isIceRestart,
  type MediaAnswerOptions,
  type NegotiatedMediaSection,
  parseMediaOffer,
} from '@rtcseal/ice-lite';
import { type BrowserName, BrowserPeer, browserMissingReason, launchBrowser } from './browsers.js';
import { servePage } from './http-page.js';
import {
  applyAnswer,
  createMediaOffer,
  createReoffer,
  type MediaOfferKind,
  type TransceiverView,
} from './media-offers.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * The bundle answer builder against the browsers themselves: each browser's audio+video offer (plain,
 * with a data channel, with three-layer simulcast) is parsed with parseMediaOffer, answered with
 * buildMediaAnswer, and fed back with setRemoteDescription. It must be accepted, and the browser's
 * transceivers must show what the answer negotiated: the direction, the codec (Opus; the offer's
 * first video codec, VP8 in both browsers), the header extensions kept, the simulcast layers, the
 * data channel rejected. No media flows here; the calls are in webrtc-call.test.ts.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

const KINDS: readonly MediaOfferKind[] = ['audio-video', 'audio-video-data', 'simulcast'];

function byMid(views: readonly TransceiverView[], mid: string): TransceiverView {
  const v = views.find((t) => t.mid === mid);
  assert.ok(v, `transceiver with mid ${mid}: ${JSON.stringify(views)}`);
  return v;
}

function negotiatedCodec(section: NegotiatedMediaSection): string {
  return `${section.kind}/${section.codecs[0]!.name}`.toLowerCase();
}

if (insideLoopbackNamespace()) {
  for (const name of ['chromium', 'firefox'] as BrowserName[]) {
    test(`${name}: bundle answers to audio+video, data channel and simulcast offers are accepted as negotiated`, {
      skip: browserMissingReason(name),
      timeout: 120_000,
    }, async (t) => {
      const page = await servePage();
      const browser = await launchBrowser(name);
      const certificate = await generateCertificate();
      const base: MediaAnswerOptions = {
        ufrag: 'rtcs',
        pwd: 'rtcsealrtcsealrtcsealrtcseal',
        fingerprint: certificate.fingerprint('sha-256'),
        candidates: hostCandidates([{ address: '127.0.0.1', port: 40000 }]),
      };
      try {
        const peer = await BrowserPeer.open(browser.browser, page.url);
        for (const kind of KINDS) {
          await t.test(`${kind}, no options: we receive everything, send nothing`, async (st) => {
            const parsed = parseMediaOffer(await createMediaOffer(peer.page, kind));
            assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
            const answer = buildMediaAnswer(parsed.offer, base);
            const applied = await applyAnswer(peer.page, answer.sdp);
            assert.ok(applied.ok, `${applied.ok ? '' : applied.error}\n${answer.sdp}`);
            const audio = byMid(applied.transceivers, '0');
            const video = byMid(applied.transceivers, '1');
            st.diagnostic(`negotiated ${name} ${kind}: ${JSON.stringify({ audio, video })}`);
            // We answered recvonly: the browser sends and does not expect to receive.
            assert.equal(audio.currentDirection, 'sendonly');
            assert.equal(video.currentDirection, 'sendonly');
            assert.equal(negotiatedCodec(answer.sections[0]!), 'audio/opus');
            assert.equal(audio.sendCodecs[0]?.toLowerCase(), 'audio/opus');
            // Both browsers put VP8 first in their offers.
            assert.equal(negotiatedCodec(answer.sections[1]!), 'video/vp8');
            assert.equal(video.sendCodecs[0]?.toLowerCase(), 'video/vp8');
            assert.deepEqual(video.sendCodecs, ['video/VP8', 'video/rtx']);
            // Only the kept extensions remain (Chromium reports them; Firefox's getParameters does not).
            if (name === 'chromium') {
              const kept = answer.sections[1]!.headerExtensions.map((e) => e.uri).sort();
              assert.deepEqual([...video.sendHeaderExtensions].sort(), kept);
              assert.ok(kept.includes('urn:ietf:params:rtp-hdrext:sdes:mid'));
              assert.ok(!kept.includes('urn:ietf:params:rtp-hdrext:toffset'), 'toffset is dropped');
            }
            if (kind === 'audio-video-data') {
              assert.equal(answer.sections[2]!.rejection, 'data-channels-not-supported');
              assert.match(answer.sdp, /m=application 0 UDP\/DTLS\/SCTP webrtc-datachannel/);
              assert.deepEqual(answer.bundle, ['0', '1']);
            }
            if (kind === 'simulcast') {
              assert.deepEqual(answer.sections[1]!.receiveRids, ['q', 'h', 'f']);
              assert.deepEqual(
                video.sendEncodings.map((e) => e.rid),
                ['q', 'h', 'f'],
                'the browser keeps its three simulcast layers',
              );
            }
          });

          await t.test(
            `${kind}, sending audio and video back with RTX: the browser expects our tracks`,
            async () => {
              const parsed = parseMediaOffer(await createMediaOffer(peer.page, kind));
              assert.ok(parsed.ok);
              const answer = buildMediaAnswer(parsed.offer, {
                ...base,
                sections: {
                  '0': { send: { ssrc: 0x1111, trackId: 'our-audio' } },
                  '1': { send: { ssrc: 0x2222, rtxSsrc: 0x3333, trackId: 'our-video' } },
                },
              });
              const applied = await applyAnswer(peer.page, answer.sdp);
              assert.ok(applied.ok, `${applied.ok ? '' : applied.error}\n${answer.sdp}`);
              const audio = byMid(applied.transceivers, '0');
              const video = byMid(applied.transceivers, '1');
              assert.equal(audio.currentDirection, 'sendrecv');
              assert.equal(video.currentDirection, 'sendrecv');
              assert.equal(answer.sections[1]!.send?.rtxSsrc, 0x3333);
              // The browser announces our two tracks, in the stream our a=msid names.
              const events = applied.trackEvents.filter((e) => e.mid === '0' || e.mid === '1');
              assert.deepEqual(events.map((e) => [e.mid, e.kind, e.streams]).sort(), [
                ['0', 'audio', ['rtcseal']],
                ['1', 'video', ['rtcseal']],
              ]);
            },
          );

          await t.test(`${kind}, embedder choices: video rejected, audio sendonly`, async () => {
            const parsed = parseMediaOffer(await createMediaOffer(peer.page, kind));
            assert.ok(parsed.ok);
            const answer = buildMediaAnswer(parsed.offer, {
              ...base,
              audio: { direction: 'sendonly', send: { ssrc: 0x4444 } },
              video: { reject: true },
            });
            assert.equal(answer.sections[1]!.rejection, 'rejected-by-options');
            assert.deepEqual(answer.bundle, ['0']);
            const applied = await applyAnswer(peer.page, answer.sdp);
            assert.ok(applied.ok, `${applied.ok ? '' : applied.error}\n${answer.sdp}`);
            const audio = byMid(applied.transceivers, '0');
            assert.equal(audio.currentDirection, 'recvonly');
            const video = applied.transceivers.find((v) => v.mid === '1');
            // A rejected m-section stops its transceiver (JSEP §5.10).
            assert.ok(
              video === undefined ||
                video.currentDirection === 'stopped' ||
                video.currentDirection === 'inactive' ||
                video.currentDirection === null,
              JSON.stringify(video),
            );
          });
        }
        await t.test(
          're-offer with a new video m-section and an ICE restart is answered on the same session',
          async () => {
            const first = parseMediaOffer(await createMediaOffer(peer.page, 'audio-video'));
            assert.ok(first.ok);
            const answer1 = buildMediaAnswer(first.offer, { ...base, audio: { send: { ssrc: 0x5555 } } });
            assert.ok((await applyAnswer(peer.page, answer1.sdp)).ok);
            const next = parseMediaOffer(
              await createReoffer(peer.page, { addVideo: true, iceRestart: true }),
            );
            assert.ok(next.ok, next.ok ? '' : next.error.message);
            assert.equal(isIceRestart(first.offer, next.offer), true);
            assert.deepEqual(
              next.offer.sections.map((s) => [s.mid, s.kind]),
              [
                ['0', 'audio'],
                ['1', 'video'],
                ['2', 'video'],
              ],
            );
            // New credentials of ours (RFC 8839 §4.4.1.1.2), same o= session, higher version.
            const answer2 = buildMediaAnswer(next.offer, {
              ...base,
              ufrag: 'rts2',
              pwd: 'restartedrestartedrestarted',
              sessionId: answer1.sessionId,
              sessionVersion: answer1.sessionVersion + 1,
              audio: { send: { ssrc: 0x5555 } },
            });
            assert.deepEqual(answer2.bundle, ['0', '1', '2']);
            const applied = await applyAnswer(peer.page, answer2.sdp);
            assert.ok(applied.ok, `${applied.ok ? '' : applied.error}\n${answer2.sdp}`);
            assert.equal(byMid(applied.transceivers, '0').currentDirection, 'sendrecv');
            assert.equal(byMid(applied.transceivers, '2').currentDirection, 'sendonly');
            assert.equal(byMid(applied.transceivers, '2').sendCodecs[0], 'video/VP8');
          },
        );
        if (name === 'chromium') {
          await t.test('simulcast: false answers one layer, and the browser drops the others', async () => {
            const parsed = parseMediaOffer(await createMediaOffer(peer.page, 'simulcast'));
            assert.ok(parsed.ok);
            const answer = buildMediaAnswer(parsed.offer, { ...base, video: { simulcast: false } });
            assert.doesNotMatch(answer.sdp, /a=(rid|simulcast):/);
            const applied = await applyAnswer(peer.page, answer.sdp);
            assert.ok(applied.ok, applied.ok ? '' : applied.error);
            assert.equal(byMid(applied.transceivers, '1').sendEncodings.length, 1);
          });
          await t.test('H264 chosen by preference, with its RTX', async () => {
            const parsed = parseMediaOffer(await createMediaOffer(peer.page, 'audio-video'));
            assert.ok(parsed.ok);
            const answer = buildMediaAnswer(parsed.offer, {
              ...base,
              video: {
                codecs: [
                  {
                    mimeType: 'video/H264',
                    fmtp: (f) => /packetization-mode=1/.test(f) && /profile-level-id=42e01f/.test(f),
                  },
                ],
              },
            });
            const h264 = answer.sections[1]!.codecs[0]!;
            assert.equal(h264.name, 'H264');
            assert.match(h264.fmtp!, /profile-level-id=42e01f/);
            const applied = await applyAnswer(peer.page, answer.sdp);
            assert.ok(applied.ok, applied.ok ? '' : applied.error);
            assert.equal(byMid(applied.transceivers, '1').sendCodecs[0], 'video/H264');
          });
        }
        await peer.close();
      } finally {
        await browser.close();
        await page.close();
      }
    });
  }
} else {
  const reason = namespaceUnavailableReason();
  test('bundle answers fed to real browsers, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 250_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, { timeoutMs: 240_000, diagnostics: /# negotiated/ });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `browser answer tests failed inside the namespace:\n${r.output}`);
  });
}
