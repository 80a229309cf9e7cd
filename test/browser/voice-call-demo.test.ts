import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningVoiceCall, startVoiceCall } from '@rtcseal/example-voice-call';
import type { Page } from 'puppeteer-core';
import { type BrowserName, browserMissingReason, type LaunchedBrowser, launchBrowser } from './browsers.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * The voice-call demo, driven like a person would: open the page with ?room=…&autojoin=1 in two
 * headless browsers, and check that each receives the other's audio through the SFU (decrypted with
 * one participant's SRTP keys, re-encrypted with the other's), and that a person alone gets an echo.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

interface CallView {
  id?: string;
  state: string;
  txTotal: number;
  rxTotal: number;
  dtls?: string;
  suite?: string;
  srtp?: string;
  source?: string;
  error?: string;
}

async function view(page: Page): Promise<CallView> {
  return page.evaluate(() =>
    JSON.parse(JSON.stringify((globalThis as unknown as { rtcsealCall: unknown }).rtcsealCall)),
  );
}

/** Polls the page until `done` holds or the time is up; returns the last view either way. */
async function waitFor(page: Page, done: (v: CallView) => boolean, timeoutMs: number): Promise<CallView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await view(page);
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function join(browser: LaunchedBrowser, server: RunningVoiceCall, room: string): Promise<Page> {
  const page = await browser.browser.newPage();
  // 127.0.0.1 rather than localhost: inside the namespace localhost may resolve to ::1 first.
  await page.goto(`http://127.0.0.1:${server.httpPort}/?room=${room}&autojoin=1`, { timeout: 15_000 });
  return page;
}

if (insideLoopbackNamespace()) {
  const needed: BrowserName[] = ['chromium', 'firefox'];
  const missing = needed.map(browserMissingReason).find((r) => r !== undefined);

  test('voice-call demo: two browsers in one room hear each other', {
    skip: missing,
    timeout: 120_000,
  }, async (t) => {
    const server = await startVoiceCall({ httpPort: 0, announcedAddresses: ['127.0.0.1'] });
    const chromium = await launchBrowser('chromium');
    const firefox = await launchBrowser('firefox');
    try {
      const a = await join(chromium, server, 'duo');
      const first = await waitFor(a, (v) => v.state === 'connected' && v.rxTotal > 20, 20_000);
      t.diagnostic(`alone: ${JSON.stringify(first)}`);
      assert.equal(first.state, 'connected', `first caller connected: ${JSON.stringify(first)}`);
      assert.equal(first.dtls, 'DTLS 1.3');
      assert.ok(first.rxTotal > 20, 'alone in the room, the caller hears its own echo');

      const b = await join(firefox, server, 'duo');
      const bView = await waitFor(
        b,
        (v) => v.state === 'connected' && v.rxTotal > 50 && v.source === 'caller 1',
        20_000,
      );
      const aView = await waitFor(a, (v) => v.source === 'caller 2', 10_000);
      const aBefore = aView.rxTotal;
      // A keeps receiving, now from B.
      const aAfter = await waitFor(a, (v) => v.rxTotal > aBefore + 50, 10_000);
      t.diagnostic(`chromium: ${JSON.stringify(aAfter)}`);
      t.diagnostic(`firefox: ${JSON.stringify(bView)}`);
      assert.equal(bView.state, 'connected', `second caller connected: ${JSON.stringify(bView)}`);
      assert.equal(bView.source, 'caller 1', 'firefox hears the chromium caller');
      assert.ok(bView.rxTotal > 50, 'firefox received audio packets');
      assert.equal(aAfter.source, 'caller 2', 'chromium hears the firefox caller');
      assert.ok(aAfter.rxTotal > aBefore + 50, 'chromium keeps receiving audio after the switch');

      // The server saw both directions authenticate, with nothing dropped.
      for (const page of [a, b]) {
        const id = (await view(page)).id!;
        const stats = (await server.participant(id))!.transport;
        assert.ok(stats.rtpReceived > 50 && stats.rtpSent > 50, JSON.stringify(stats));
        assert.deepEqual(stats.drops, {}, `no SRTP drops: ${JSON.stringify(stats.drops)}`);
      }
      const serverStats = await server.stats();
      assert.equal(serverStats.participants, 2);
      assert.equal(
        serverStats.workers.length,
        availableParallelism(),
        'one media worker per core by default',
      );
      // Both parties of the room share one media worker: the relay never crosses threads.
      const hosts = serverStats.workers.filter((w) => 'participants' in w && w.participants > 0);
      assert.deepEqual(
        hosts.map((w) => ('participants' in w ? w.participants : 0)),
        [2],
      );

      // A third person is refused with a clear error, not silently ignored.
      const c = await join(chromium, server, 'duo');
      const cView = await waitFor(c, (v) => v.error !== undefined, 10_000);
      assert.match(cView.error ?? '', /full/);
    } finally {
      await chromium.close();
      await firefox.close();
      await server.close();
    }
  });
} else {
  const reason = namespaceUnavailableReason();
  test('voice-call demo in browsers, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 150_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, {
      timeoutMs: 140_000,
      diagnostics: /^\s*# (alone|chromium|firefox):/,
    });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `voice-call demo test failed inside the namespace:\n${r.output}`);
  });
}
