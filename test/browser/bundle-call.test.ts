import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserName, browserMissingReason, launchBrowser } from './browsers.js';
import { type BundleCallResult, runBundleCall } from './bundle-call.js';
import { servePage } from './http-page.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * Bundled audio+video calls through WebRtcTransport (see bundle-call.ts): Chromium and Firefox,
 * plain offers in both DTLS roles with an ICE restart mid-call, and three-RID simulcast. Checks from
 * both ends: the transport's demux delivered every packet to its m-section and learned the SSRCs the
 * browser reports per layer; sendRtp succeeded from inside onConnected; the browser decoded the
 * video we echoed under our declared SSRC at the size of the layer we asked for, counted our PLI and
 * NACK on the stream they named, and kept decoding across the ICE restart.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

function describe(r: BundleCallResult): string {
  const stats = r.browserStats.map((s) => ({
    type: s.type,
    kind: s.kind,
    ssrc: s.ssrc,
    rid: s.rid,
    packets: s.packetsReceived ?? s.packetsSent,
    framesDecoded: s.framesDecoded,
    keyFramesDecoded: s.keyFramesDecoded,
    frameWidth: s.frameWidth,
    frameHeight: s.frameHeight,
    pliCount: s.pliCount,
    firCount: s.firCount,
    nackCount: s.nackCount,
    retransmittedPacketsSent: s.retransmittedPacketsSent,
  }));
  return JSON.stringify({
    delivered: [...r.delivered],
    demux: r.demuxStats,
    refusals: r.sendRefusals,
    refusedAtConnected: r.refusedAtConnected,
    restart: r.restart && { ...r.restart, transport: { ice: r.restart.transport.ice } },
    drops: r.transportStats.drops,
    rtcp: [...r.rtcpTypes],
    rtcpErrors: r.rtcpErrors,
    feedbackAbout: [...r.feedbackAbout],
    pliSent: r.pliSent,
    nackSent: r.nackSent,
    stats,
  });
}

const DROPS = [
  'malformed',
  'bad-header-extension',
  'unknown-mid',
  'unknown-payload-type',
  'ambiguous-payload-type',
  'section-not-receiving',
  'payload-type-not-negotiated',
  'unknown-rid',
] as const;

function checkCall(name: BrowserName, kind: 'audio-video' | 'simulcast', r: BundleCallResult): void {
  const outbound = r.browserStats.filter((s) => s.type === 'outbound-rtp');
  const inbound = r.browserStats.filter((s) => s.type === 'inbound-rtp');
  // Browser -> us: every packet the transport decrypted found its m-section, none dropped.
  for (const reason of DROPS) assert.equal(r.demuxStats[reason], 0, `demux dropped ${reason}`);
  assert.ok((r.delivered.get('0/-') ?? 0) >= 50, 'audio delivered in mid 0');
  // The SSRCs the demux learned (from MID, RID or a=ssrc) are the ones the browser reports sending.
  const audioOut = outbound.find((s) => s.kind === 'audio')!;
  assert.equal(r.ssrcs.get('0/-'), audioOut.ssrc);
  const layers = kind === 'simulcast' ? (name === 'firefox' ? ['q', 'h', 'f'] : ['q', 'h']) : ['-'];
  for (const layer of layers) {
    assert.ok((r.delivered.get(`1/${layer}`) ?? 0) >= 30, `video ${layer} delivered in mid 1`);
    const out = outbound.find((s) => s.kind === 'video' && (layer === '-' || s.rid === layer));
    assert.ok(out, `browser outbound-rtp for ${layer}`);
    assert.equal(r.ssrcs.get(`1/${layer}`), out.ssrc, `SSRC of layer ${layer}`);
  }
  // Us -> browser: everything we sent was declared; the browser decoded our video, at the size of
  // the layer we echoed.
  assert.equal(r.sendRefusals, 0);
  assert.equal(r.refusedAtConnected, false, 'sendRtp succeeds inside onConnected');
  const ourAudio = inbound.find((s) => s.ssrc === r.ours.audioSsrc);
  assert.ok(Number(ourAudio?.packetsReceived ?? 0) >= 50, 'browser received our audio');
  const ourVideo = inbound.find((s) => s.ssrc === r.ours.videoSsrc);
  assert.ok(Number(ourVideo?.framesDecoded ?? 0) >= 10, 'browser decoded our video');
  assert.ok(Number(ourVideo?.keyFramesDecoded ?? 0) >= 1);
  // With simulcast, the layer we asked for (not the smallest): its frame size is what the browser decodes.
  const echoed = outbound.find((s) => s.kind === 'video' && (kind !== 'simulcast' || s.rid === r.echoRid))!;
  assert.deepEqual([ourVideo!.frameWidth, ourVideo!.frameHeight], [echoed.frameWidth, echoed.frameHeight]);
  // RTCP: the browser's compounds parse whole; our PLI and NACK reached the sender of the echoed layer.
  assert.equal(r.rtcpErrors, 0);
  for (const type of ['sr', 'rr', 'sdes'])
    assert.ok((r.rtcpTypes.get(type) ?? 0) > 0, `browser sent ${type}`);
  assert.ok(r.pliSent >= 2 && r.nackSent === 1);
  assert.ok(Number(echoed.pliCount) >= 1, 'browser counted our PLI');
  assert.ok(Number(echoed.nackCount) >= 1, 'browser counted our NACK');
  assert.ok(Number(echoed.retransmittedPacketsSent) >= 1, 'browser answered the NACK with a retransmission');
  if (r.restart) {
    // ICE restart mid-call: new credentials in our answer, the browser moved to a pair validated
    // under them, and media kept flowing both ways (DTLS and SRTP unchanged).
    assert.equal(r.restart.answerUfragChanged, true);
    assert.equal(r.restart.transport.iceRestarts, 1);
    assert.equal(r.restart.transport.ice.restartsCompleted, 1, 'the restart completed');
    assert.ok(r.restart.deliveredAfter >= 100, 'browser media reached us after the restart');
    assert.ok(r.restart.framesAfter >= r.restart.framesBefore + 20, 'browser kept decoding our video');
    assert.equal(r.transportStats.state, 'connected');
  }
}

if (insideLoopbackNamespace()) {
  for (const name of ['chromium', 'firefox'] as BrowserName[]) {
    test(`${name}: bundled calls through WebRtcTransport`, {
      skip: browserMissingReason(name),
      timeout: 120_000,
    }, async (t) => {
      const page = await servePage();
      const browser = await launchBrowser(name);
      try {
        for (const kind of ['audio-video', 'simulcast'] as const) {
          for (const setup of kind === 'simulcast'
            ? (['passive'] as const)
            : (['passive', 'active'] as const)) {
            await t.test(`${kind}, we answer a=setup:${setup}`, { timeout: 40_000 }, async (st) => {
              const r = await runBundleCall(
                browser,
                page.url,
                kind === 'simulcast'
                  ? { kind, setup, mediaMs: 4000, echoRid: 'h' }
                  : { kind, setup, mediaMs: 7000, iceRestartAtMs: 3000 },
              );
              st.diagnostic(`bundle ${name} ${kind} ${setup}: ${describe(r)}`);
              checkCall(name, kind, r);
            });
          }
        }
      } finally {
        await browser.close();
        await page.close();
      }
    });
  }
} else {
  const reason = namespaceUnavailableReason();
  test('bundled browser calls, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 250_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, { timeoutMs: 240_000, diagnostics: /# bundle / });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `bundled call tests failed inside the namespace:\n${r.output}`);
  });
}
