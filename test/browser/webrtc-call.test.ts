import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import { UdpMux, type WebRtcConnectedInfo, WebRtcTransport } from '@rtcseal/ice-lite';
import {
  type BrowserName,
  BrowserPeer,
  browserMissingReason,
  type LaunchedBrowser,
  launchBrowser,
  withTimeout,
} from './browsers.js';
import { servePage } from './http-page.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * Milestone 2: a whole audio call between a real browser and our stack: ICE-lite on the one-port mux,
 * DTLS in the role a=setup leaves to us, SRTP keyed from the exporter. The browser sends Opus from its
 * fake microphone; we authenticate and decrypt it, rewrite the SSRC to the one in our answer and send
 * it back protected; the browser must count it in inbound-rtp. Re-executes itself in a loopback-only
 * namespace like ice-lite.test.ts.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

interface CallResult {
  connected: WebRtcConnectedInfo;
  transportStats: ReturnType<WebRtcTransport['stats']>;
  connectionStates: string[];
  browserStats: Array<Record<string, unknown>>;
  ssrc: number;
}

async function audioCall(
  browser: LaunchedBrowser,
  url: string,
  setup: 'active' | 'passive',
): Promise<CallResult> {
  const mux = await UdpMux.bind({ type: 'udp6', address: '::', announcedAddresses: ['127.0.0.1'] });
  const certificate = await generateCertificate();
  const peer = await BrowserPeer.open(browser.browser, url);
  let transport: WebRtcTransport | undefined;
  try {
    const offer = await withTimeout(peer.createAudioOffer(), 15_000, 'createOffer');
    let resolveConnected!: (info: WebRtcConnectedInfo) => void;
    let rejectConnected!: (e: Error) => void;
    const connected = new Promise<WebRtcConnectedInfo>((resolve, reject) => {
      resolveConnected = resolve;
      rejectConnected = reject;
    });
    const answered = WebRtcTransport.answer(offer, {
      mux,
      certificate,
      setup,
      onConnected: (info) => resolveConnected(info),
      onClosed: (reason, detail) => rejectConnected(new Error(`transport closed: ${reason} ${detail ?? ''}`)),
      onRtp: (packet) => {
        // Echo: same payload, our announced SSRC, so the browser plays it on the answer's track.
        // A copy, not packet.slice(): the packet may be a Buffer, whose slice() is a view.
        const copy = new Uint8Array(packet);
        new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setUint32(8, transport!.ssrc);
        transport!.sendRtp(copy);
      },
    });
    assert.ok(answered.ok, answered.ok ? '' : answered.error);
    transport = answered.transport;
    assert.equal(transport.dtlsRole, setup === 'passive' ? 'server' : 'client');
    await peer.setAnswer(answered.answer);
    const info = await withTimeout(connected, 20_000, 'DTLS connected');
    const connectionStates = await peer.waitForConnectionState(['connected'], 10_000);
    // Let media flow both ways for a while.
    const deadline = Date.now() + 10_000;
    let browserStats: Array<Record<string, unknown>> = [];
    for (;;) {
      browserStats = await peer.stats(['inbound-rtp', 'outbound-rtp', 'transport', 'candidate-pair']);
      const inbound = browserStats.find((s) => s.type === 'inbound-rtp' && s.ssrc === transport!.ssrc);
      if (transport.stats().rtpReceived >= 25 && Number(inbound?.packetsReceived ?? 0) >= 10) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      connected: info,
      transportStats: transport.stats(),
      connectionStates,
      browserStats,
      ssrc: transport.ssrc,
    };
  } finally {
    transport?.close();
    await peer.close();
    await peer.page.close().catch(() => {});
    await mux.close();
  }
}

/** Browser configurations: each runs a call per DTLS role. */
const CASES: ReadonlyArray<{ label: string; name: BrowserName; args: string[] }> = [
  { label: 'chromium', name: 'chromium', args: [] },
  { label: 'firefox', name: 'firefox', args: [] },
  // DTLS-in-STUN: the first check carries the ClientHello in 0xC070/0xC071, which we ignore as
  // comprehension-optional; the browser must then fall back to ordinary DTLS (INTEROP.md).
  {
    label: 'chromium with DTLS-in-STUN enabled',
    name: 'chromium',
    args: ['--force-fieldtrials=WebRTC-IceHandshakeDtls/Enabled/'],
  },
];

if (insideLoopbackNamespace()) {
  for (const { label, name, args } of CASES) {
    test(`${label}: audio call over ICE-lite + DTLS + SRTP, media both ways`, {
      skip: browserMissingReason(name),
      timeout: 150_000,
    }, async (t) => {
      const page = await servePage();
      const browser = await launchBrowser(name, args);
      try {
        for (const setup of ['passive', 'active'] as const) {
          await t.test(`we answer a=setup:${setup}`, { timeout: 60_000 }, async (st) => {
            const r = await audioCall(browser, page.url, setup);
            const inbound = r.browserStats.find((s) => s.type === 'inbound-rtp' && s.ssrc === r.ssrc);
            const dtlsTransport = r.browserStats.find((s) => s.type === 'transport');
            st.diagnostic(
              `connected: ${r.connected.dtlsVersion} ${r.connected.cipherSuite} ${r.connected.srtpProfile} role=${r.connected.dtlsRole} handshake=${r.connected.handshakeMs}ms setup=${r.connected.setupMs}ms`,
            );
            st.diagnostic(
              `we received ${r.transportStats.rtpReceived} RTP, sent ${r.transportStats.rtpSent}; drops ${JSON.stringify(r.transportStats.drops)}; browser inbound ${inbound?.packetsReceived ?? 'n/a'}`,
            );
            if (dtlsTransport) {
              st.diagnostic(
                `browser transport: ${JSON.stringify({ tls: dtlsTransport.tlsVersion, srtp: dtlsTransport.srtpCipher, dtlsRole: dtlsTransport.dtlsRole, state: dtlsTransport.dtlsState })}`,
              );
            }
            assert.equal(r.connected.dtlsRole, setup === 'passive' ? 'server' : 'client');
            assert.ok(r.connected.srtpProfile.length > 0);
            assert.ok(r.connectionStates.includes('connected'), r.connectionStates.join(' -> '));
            assert.ok(r.transportStats.rtpReceived >= 25, 'browser RTP authenticated and decrypted by us');
            assert.ok(
              Number(inbound?.packetsReceived ?? 0) >= 10,
              `browser received our SRTP: ${JSON.stringify(inbound)}`,
            );
            if (dtlsTransport) {
              assert.equal(dtlsTransport.dtlsState, 'connected');
              assert.equal(dtlsTransport.tlsVersion, 'FEFD');
            }
          });
        }
      } finally {
        await browser.close();
        await page.close();
      }
    });
  }
} else {
  const reason = namespaceUnavailableReason();
  test('browser audio calls, re-run inside a loopback-only network namespace', {
    skip: reason,
    timeout: 330_000,
  }, (t) => {
    const r = rerunInLoopbackNamespace(THIS_FILE, t, {
      timeoutMs: 320_000,
      diagnostics: /^\s*# (connected|we received|browser transport|Subtest)/,
    });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `browser call tests failed inside the namespace:\n${r.output}`);
  });
}
