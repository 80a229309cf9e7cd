import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningVideoRoom, startVideoRoom } from '@rtcseal/example-video-room';
import type { Page } from 'puppeteer-core';
import { type BrowserName, browserMissingReason, type LaunchedBrowser, launchBrowser } from './browsers.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * The video-room example with two Chromium pages (camera in three simulcast layers) and Firefox (one
 * layer) in one room: each decodes the others' video through the SFU, at the size of the layer it
 * gets. Each receiver of the first Chromium page, Firefox and the other Chromium page, then asks for
 * the smallest layer and back for the larger one: the SFU switches at the new layer's keyframe and
 * the receiver goes on decoding frames at the new layer's size, both ways.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

interface Inbound {
  mid: string;
  codec?: string;
  framesDecoded: number;
  keyFramesDecoded: number;
  frameWidth?: number;
  frameHeight?: number;
}

interface SeatView {
  seat: number;
  videoMid: string;
  participant?: string;
  currentLayer?: string;
}

interface Member {
  readonly page: Page;
  /** The name the SFU gave this page, as the other pages' seats show it. */
  readonly name: string;
  readonly browser: string;
}

/** What the page's join takes: capture size, and a video codec to put first (or alone) in the offer. */
interface JoinOptions {
  width?: number;
  height?: number;
  codec?: string;
  onlyCodec?: boolean;
}

async function join(page: Page, roomName: string, options: JoinOptions): Promise<string> {
  return page.evaluate(
    (r: string, o: JoinOptions) =>
      (
        globalThis as unknown as { videoRoom: { join(r: string, o: JoinOptions): Promise<string> } }
      ).videoRoom.join(r, o),
    roomName,
    options,
  );
}

async function open(
  browser: LaunchedBrowser,
  room: RunningVideoRoom,
  options: JoinOptions = {},
  roomName = 't1',
): Promise<Member> {
  const page = await browser.browser.newPage();
  await page.goto(`http://127.0.0.1:${room.httpPort}/`, { timeout: 15_000 });
  const name = await join(page, roomName, options);
  return { page, name, browser: browser.name };
}

async function inbound(page: Page): Promise<Inbound[]> {
  return page.evaluate(() =>
    (globalThis as unknown as { videoRoom: { inboundVideo(): Promise<Inbound[]> } }).videoRoom.inboundVideo(),
  );
}

async function seats(page: Page): Promise<SeatView[]> {
  return page.evaluate(async () => {
    const v = await (
      globalThis as unknown as { videoRoom: { state(): Promise<{ seats: SeatView[] }> } }
    ).videoRoom.state();
    return v.seats;
  });
}

interface Outbound {
  rid?: string;
  frameWidth?: number;
  frameHeight?: number;
  framesSent: number;
  framesEncoded: number;
  qualityLimitationReason?: string;
  targetBitrate?: number;
}

async function outbound(page: Page): Promise<Outbound[]> {
  return page.evaluate(() =>
    (
      globalThis as unknown as { videoRoom: { outboundVideo(): Promise<Outbound[]> } }
    ).videoRoom.outboundVideo(),
  );
}

interface RemoteInbound {
  rid?: string;
  packetsLost?: number;
  fractionLost?: number;
  jitter?: number;
  roundTripTime?: number;
  roundTripTimeMeasurements: number;
}

async function remoteInbound(page: Page): Promise<RemoteInbound[]> {
  return page.evaluate(() =>
    (
      globalThis as unknown as { videoRoom: { remoteInboundVideo(): Promise<RemoteInbound[]> } }
    ).videoRoom.remoteInboundVideo(),
  );
}

async function setLayer(receiver: Member, seat: number, layer: string): Promise<void> {
  await receiver.page.evaluate(
    (s: number, l: string) =>
      (
        globalThis as unknown as { videoRoom: { setLayer(s: number, l: string): Promise<void> } }
      ).videoRoom.setLayer(s, l),
    seat,
    layer,
  );
}

interface Watched {
  /** The receiver decodes the layer asked for, at the size its sender sends it. */
  ok: boolean;
  seat: SeatView | undefined;
  seen: Inbound | undefined;
  sent: Outbound | undefined;
  /** Frames decoded at that size since it was first seen with the SFU on the layer. */
  framesAtSize: number;
}

/**
 * Watches `receiver`'s seat of `sender` until the SFU forwards layer `rid` (undefined: the sender's
 * one stream) and the receiver has decoded `frames` more frames at the size the sender currently
 * sends that layer at. Browsers adapt sizes to CPU and bandwidth, so the size is read from the
 * sender, not assumed; and frames must go on being decoded at it, so a size reported once (or a
 * stale one) does not pass.
 */
async function waitForLayer(
  receiver: Member,
  sender: Member,
  rid: string | undefined,
  frames: number,
  timeoutMs: number,
): Promise<Watched> {
  const deadline = Date.now() + timeoutMs;
  let since: number | undefined;
  let last: Watched = { ok: false, seat: undefined, seen: undefined, sent: undefined, framesAtSize: 0 };
  while (Date.now() < deadline) {
    const seat = (await seats(receiver.page)).find((s) => s.participant === sender.name);
    const seen = seat ? (await inbound(receiver.page)).find((i) => i.mid === seat.videoMid) : undefined;
    const sent = (await outbound(sender.page)).find((o) => o.rid === rid);
    const onLayer =
      seat !== undefined &&
      seat.currentLayer === rid &&
      seen !== undefined &&
      sent?.frameWidth !== undefined &&
      seen.frameWidth === sent.frameWidth &&
      seen.frameHeight === sent.frameHeight;
    if (!onLayer) since = undefined;
    else since ??= seen.framesDecoded;
    const framesAtSize = since === undefined || !seen ? 0 : seen.framesDecoded - since;
    last = { ok: framesAtSize >= frames, seat, seen, sent, framesAtSize };
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

function show(w: Watched): string {
  return JSON.stringify({
    layer: w.seat?.currentLayer,
    decoded: w.seen && `${w.seen.frameWidth}x${w.seen.frameHeight}`,
    framesDecoded: w.seen?.framesDecoded,
    keyFramesDecoded: w.seen?.keyFramesDecoded,
    sent: w.sent && `${w.sent.rid}: ${w.sent.frameWidth}x${w.sent.frameHeight}`,
    framesAtSize: w.framesAtSize,
  });
}

if (insideLoopbackNamespace()) {
  const needed: BrowserName[] = ['chromium', 'firefox'];
  const missing = needed.map(browserMissingReason).find((r) => r !== undefined);

  test('video room: Chromium and Firefox decode each other through the SFU, which switches each receiver to the layer it asks for, down and up', {
    skip: missing,
    timeout: 170_000,
  }, async (t) => {
    const room = await startVideoRoom({ httpPort: 0, announcedAddresses: ['127.0.0.1'] });
    const chromium = await launchBrowser('chromium');
    const firefox = await launchBrowser('firefox');
    try {
      // 960x540: the smallest capture Chromium sends three simulcast layers of (two at 640x480).
      const a = await open(chromium, room, { width: 960, height: 540 });
      const b = await open(firefox, room);
      const c = await open(chromium, room);
      // Every receiver gets Chromium's 'h' layer at first; Chromium gets Firefox's one stream.
      const start = {
        bFromA: await waitForLayer(b, a, 'h', 10, 30_000),
        cFromA: await waitForLayer(c, a, 'h', 10, 30_000),
        aFromB: await waitForLayer(a, b, undefined, 10, 30_000),
      };
      t.diagnostic(
        `video at start: firefox from chromium ${show(start.bFromA)}; chromium from chromium ${show(start.cFromA)}; chromium from firefox ${show(start.aFromB)}`,
      );
      assert.ok(start.bFromA.ok, "firefox decodes chromium's h layer through the SFU, at its size");
      assert.ok(start.cFromA.ok, "chromium decodes chromium's h layer through the SFU, at its size");
      assert.ok(start.aFromB.ok, 'chromium decodes firefox through the SFU, at the size firefox sends');

      // Each receiver asks for the smallest layer, then the larger one again: the SFU switches at
      // the next keyframe of the layer asked for, and the receiver decodes frames of that size.
      for (const receiver of [b, c]) {
        const seat = start[receiver === b ? 'bFromA' : 'cFromA'].seat!.seat;
        for (const layer of ['q', 'h']) {
          await setLayer(receiver, seat, layer);
          const w = await waitForLayer(receiver, a, layer, 5, 30_000);
          t.diagnostic(`video ${receiver.browser} switched to ${layer}: ${show(w)}`);
          assert.ok(
            w.ok,
            `${receiver.browser} decodes chromium's ${layer} layer after asking for it: ${show(w)}`,
          );
        }
      }
      const sent = await outbound(a.page);
      t.diagnostic(`video chromium sends ${JSON.stringify(sent)}`);
      const size = (rid: string) => sent.find((o) => o.rid === rid)?.frameWidth ?? 0;
      assert.ok(size('q') > 0 && size('q') < size('h'), 'q is the smaller layer');

      // Congestion feedback: with our receiver reports and REMB budget, the camera encodes all three
      // layers, the top one included, and its browser reads our reports (round trip from LSR/DLSR).
      await new Promise((r) => setTimeout(r, 3000));
      const later = await outbound(a.page);
      const reports = await remoteInbound(a.page);
      t.diagnostic(`video chromium sends 3 s later ${JSON.stringify(later)}`);
      t.diagnostic(`video chromium reads our receiver reports ${JSON.stringify(reports)}`);
      for (const rid of ['q', 'h', 'f']) {
        const grown =
          (later.find((o) => o.rid === rid)?.framesEncoded ?? 0) -
          (sent.find((o) => o.rid === rid)?.framesEncoded ?? 0);
        assert.ok(grown >= 5, `chromium encodes layer ${rid} (${grown} frames in 3 s)`);
        const report = reports.find((r) => r.rid === rid);
        assert.ok(
          report && report.roundTripTimeMeasurements >= 1 && (report.roundTripTime ?? 1) < 1,
          `chromium has a round trip from our receiver reports on layer ${rid}: ${JSON.stringify(report)}`,
        );
      }
      assert.ok(size('f') > size('h'), 'f is the largest layer');

      const views = room.sfu.participantIds.map((id) => room.sfu.view(id)!);
      for (const v of views) {
        t.diagnostic(
          `video ${v.name}: sent ${v.transport.rtpSent} received ${v.transport.rtpReceived} drops ${JSON.stringify(v.transport.drops)} keyframes asked ${v.keyframeRequests}`,
        );
        assert.ok(v.transport.rtpSent > 100 && v.transport.rtpReceived > 100);
        assert.equal(
          Object.keys(v.transport.drops).filter((k) => k.startsWith('send-')).length,
          0,
          'nothing undeclared sent',
        );
      }
      // A's layers were asked for at least once per switch: each switch waits for a keyframe.
      const camera = views.find((v) => v.name === a.name);
      assert.ok((camera?.keyframeRequests ?? 0) >= 4, 'the SFU asked the simulcast camera for keyframes');
    } finally {
      await chromium.close();
      await firefox.close();
      await room.close();
    }
  });

  test('video room: the REMB budget the room chooses caps a Chromium camera below its start rate, and its top layer stays off', {
    skip: missing,
    timeout: 90_000,
  }, async (t) => {
    const budget = 200_000;
    const room = await startVideoRoom({
      httpPort: 0,
      announcedAddresses: ['127.0.0.1'],
      cameraBitrate: budget,
    });
    const chromium = await launchBrowser('chromium');
    try {
      const a = await open(chromium, room, { width: 960, height: 540 });
      const c = await open(chromium, room);
      // Within 200 kbit/s Chromium sends q alone: the receiver asks for it.
      let seat: SeatView | undefined;
      for (let i = 0; i < 80 && !seat; i++) {
        seat = (await seats(c.page)).find((s) => s.participant === a.name);
        if (!seat) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(seat, 'the camera has a seat at the receiver');
      await setLayer(c, seat.seat, 'q');
      const start = await waitForLayer(c, a, 'q', 5, 30_000);
      assert.ok(start.ok, `chromium decodes chromium through the SFU: ${show(start)}`);
      // Chromium starts its estimate at 300 kbit/s; give it a few REMBs to come down to ours.
      await new Promise((r) => setTimeout(r, 4000));
      const before = await outbound(a.page);
      await new Promise((r) => setTimeout(r, 3000));
      const after = await outbound(a.page);
      t.diagnostic(`video with a ${budget} bit/s budget chromium sends ${JSON.stringify(after)}`);
      const target = after.reduce((sum, o) => sum + (o.targetBitrate ?? 0), 0);
      assert.ok(target > 0 && target <= budget * 1.05, `the layers' target bitrates add up to ${target}`);
      const fGrown =
        (after.find((o) => o.rid === 'f')?.framesEncoded ?? 0) -
        (before.find((o) => o.rid === 'f')?.framesEncoded ?? 0);
      assert.equal(fGrown, 0, 'no frame of the top layer is encoded within the budget');
      assert.equal(after.find((o) => o.rid === 'f')?.qualityLimitationReason, 'bandwidth');
    } finally {
      await chromium.close();
      await room.close();
    }
  });

  test('video room: a room forwards the video codec its first participant prefers (H264 between Chromium pages, VP9 with Firefox too), layer switches included, and turns away an offer without it', {
    skip: missing,
    timeout: 150_000,
  }, async (t) => {
    const room = await startVideoRoom({ httpPort: 0, announcedAddresses: ['127.0.0.1'] });
    const chromium = await launchBrowser('chromium');
    const firefox = await launchBrowser('firefox');
    try {
      for (const codec of ['H264', 'VP9']) {
        const roomName = `codec-${codec}`;
        const a = await open(chromium, room, { codec }, roomName);
        const c = await open(chromium, room, { codec }, roomName);
        // Firefox joins the VP9 room; this one offers no H264 in packetization mode 1 (it is refused).
        const f = codec === 'VP9' ? await open(firefox, room, { codec }, roomName) : undefined;
        const view = room.sfu.participantIds.map((id) => room.sfu.view(id)!).find((v) => v.name === a.name);
        assert.match(
          view?.videoCodec ?? '',
          new RegExp(`^${codec}/90000$`),
          'the camera sends the room codec',
        );
        const start = await waitForLayer(c, a, 'h', 10, 30_000);
        const back = await waitForLayer(a, c, 'h', 10, 30_000);
        t.diagnostic(`video ${codec}: chromium from chromium ${show(start)}; and back ${show(back)}`);
        assert.ok(start.ok, `chromium decodes chromium's h layer in ${codec}: ${show(start)}`);
        assert.ok(back.ok, `and the other way: ${show(back)}`);
        assert.equal(start.seen?.codec, `video/${codec}`, 'the receiver decodes the room codec');
        // A switch needs the codec's keyframe start (H264: the SPS; VP9: B=1, P=0).
        for (const receiver of f ? [c, f] : [c]) {
          const first = await waitForLayer(receiver, a, 'h', 5, 30_000);
          assert.ok(first.ok, `${receiver.browser} decodes chromium's h layer in ${codec}: ${show(first)}`);
          for (const layer of ['q', 'h']) {
            await setLayer(receiver, first.seat!.seat, layer);
            const w = await waitForLayer(receiver, a, layer, 5, 30_000);
            t.diagnostic(`video ${codec} ${receiver.browser} switched to ${layer}: ${show(w)}`);
            assert.ok(
              w.ok,
              `${receiver.browser} decodes ${codec} layer ${layer} after asking for it: ${show(w)}`,
            );
          }
        }
        // Someone whose offer has VP8 alone cannot join: nobody in the room could decode them.
        const page = await chromium.browser.newPage();
        await page.goto(`http://127.0.0.1:${room.httpPort}/`, { timeout: 15_000 });
        const refused = await join(page, roomName, { codec: 'VP8', onlyCodec: true }).then(
          () => undefined,
          (e: Error) => e.message,
        );
        assert.match(refused ?? 'joined', new RegExp(`forwards ${codec} video`));
        for (const p of [a.page, c.page, page, ...(f ? [f.page] : [])]) await p.close();
      }
    } finally {
      await chromium.close();
      await firefox.close();
      await room.close();
    }
  });
} else {
  const reason = namespaceUnavailableReason();
  test('video-room example in browsers, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 400_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, { timeoutMs: 390_000, diagnostics: /^\s*# video / });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `video-room test failed inside the namespace:\n${r.output}`);
  });
}
