import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildAudioAnswer, parseAudioOffer, type TransportTuple, UdpMux } from '@rtcseal/ice-lite';
import {
  type BrowserName,
  BrowserPeer,
  browserMissingReason,
  launchBrowser,
  withTimeout,
} from './browsers.js';
import { servePage } from './http-page.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * Milestone 1 of the browser interop: a real Chromium and Firefox run ICE against our ICE-lite agent
 * and one-port mux. No DTLS yet: the answer carries a placeholder fingerprint, so the browsers reach
 * ICE 'connected' and then fail DTLS, which is expected here.
 *
 * The browsers must see only loopback (INTEROP.md). Run from a normal shell, this file re-executes
 * itself under `unshare -n` with loopback routes; inside, it runs the browser tests.
 */

const PLACEHOLDER_FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;
const THIS_FILE = fileURLToPath(import.meta.url);

async function iceAgainstBrowser(name: BrowserName) {
  const page = await servePage();
  // Dual-stack socket: IPv4 peers arrive as ::ffff:127.0.0.1 and are answered and routed as such.
  const mux = await UdpMux.bind({ type: 'udp6', address: '::', announcedAddresses: ['127.0.0.1', '::1'] });
  const browser = await launchBrowser(name);
  try {
    const peer = await BrowserPeer.open(browser.browser, page.url);
    const offerSdp = await withTimeout(peer.createAudioOffer(), 15_000, 'createOffer');
    const parsed = parseAudioOffer(offerSdp);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    const dtlsFrom: TransportTuple[] = [];
    const selected: TransportTuple[] = [];
    const session = mux.addSession({
      remoteUfrag: parsed.offer.iceUfrag,
      onDtls: (_bytes, tuple) => dtlsFrom.push(tuple),
      onSelected: (tuple) => selected.push(tuple),
    });
    const answer = buildAudioAnswer(parsed.offer, {
      ufrag: session.ufrag,
      pwd: session.pwd,
      fingerprint: PLACEHOLDER_FINGERPRINT,
      candidates: mux.candidates,
      setup: 'passive',
    });
    await peer.setAnswer(answer);
    const states = await peer.waitForIceState(['connected', 'completed'], 20_000);
    // The browser is the DTLS client (we answered passive): its ClientHello follows the check.
    const deadline = Date.now() + 5000;
    while (dtlsFrom.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    // A datagram that looks like DTLS from a socket that never passed a check must not get through.
    const intruder = createSocket('udp4');
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', r));
    intruder.send(Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), mux.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 200));
    const intruderPort = intruder.address().port;
    intruder.close();

    const stats = await peer.stats();
    await peer.close();
    return {
      states,
      session,
      selected,
      dtlsFrom,
      intruderPort,
      stats,
      router: mux.router,
      offer: parsed.offer,
    };
  } finally {
    await browser.close();
    await mux.close();
    await page.close();
  }
}

if (insideLoopbackNamespace()) {
  for (const name of ['chromium', 'firefox'] as const) {
    test(`${name}: ICE reaches connected against the ICE-lite mux, and DTLS arrives only from the checked tuple`, {
      skip: browserMissingReason(name),
      timeout: 90_000,
    }, async (t) => {
      const r = await iceAgainstBrowser(name);
      t.diagnostic(`ice states: ${r.states.join(' -> ')}`);
      t.diagnostic(`router stats: ${JSON.stringify(r.router.stats)}`);
      assert.ok(r.states.includes('checking'));
      assert.ok(r.states.some((s) => s === 'connected' || s === 'completed'));
      // Our side: checks validated and answered, a nominated pair selected.
      assert.ok(r.router.stats.stunAnswered >= 1);
      assert.equal(r.session.agent.stats.checksRejected, 0, JSON.stringify(r.session.agent.stats));
      assert.ok(r.selected.length >= 1, 'USE-CANDIDATE selected a tuple');
      assert.match(r.selected.at(-1)!.address, /^(::ffff:127\.0\.0\.1|::1)$/);
      // The browser's view: a succeeded, nominated candidate pair.
      const pairs = r.stats.filter((s) => s.type === 'candidate-pair');
      assert.ok(
        pairs.some((p) => p.state === 'succeeded' && p.nominated === true),
        JSON.stringify(pairs),
      );
      // DTLS reached the session, only from tuples that passed a check; the intruder was dropped.
      assert.ok(r.dtlsFrom.length >= 1, 'ClientHello delivered');
      for (const tuple of r.dtlsFrom) {
        assert.ok(
          r.selected.some((s) => s.address === tuple.address && s.port === tuple.port) ||
            r.session.agent.isValid(tuple.address, tuple.port),
        );
      }
      assert.ok(!r.dtlsFrom.some((tuple) => tuple.port === r.intruderPort));
      assert.ok((r.router.stats.drops['dtls-unverified-source'] ?? 0) >= 1);
    });
  }
} else {
  const reason = namespaceUnavailableReason();
  test('browser ICE tests, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 240_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, {
      timeoutMs: 230_000,
      diagnostics: /^\s*# (ice states|router stats)/,
    });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `browser tests failed inside the namespace:\n${r.output}`);
  });
}
