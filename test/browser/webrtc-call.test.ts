import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WebRtcTransportStats } from '@rtcseal/ice-lite';
import { normalizeSrtpName, runAudioCall } from './audio-call.js';
import { type BrowserName, browserMissingReason, launchBrowser } from './browsers.js';
import { servePage } from './http-page.js';
import { insideLoopbackNamespace, namespaceUnavailableReason, rerunInLoopbackNamespace } from './netns.js';

/**
 * Milestone 2: a whole audio call between a real browser and our stack: ICE-lite on the one-port mux,
 * DTLS in the role a=setup leaves to us, SRTP keyed from the exporter. The browser sends Opus from its
 * fake microphone; we authenticate and decrypt it, rewrite the SSRC to the one in our answer and send
 * it back protected; the browser must count it in inbound-rtp. Every SRTP profile the browsers offer,
 * in both DTLS roles, checked from both ends (our `connected` event and the browser's getStats).
 * Re-executes itself in a loopback-only namespace like ice-lite.test.ts.
 */

const THIS_FILE = fileURLToPath(import.meta.url);

/** Every DTLS-SRTP profile both browsers offer (INTEROP.md); the first is our default choice. */
const PROFILES = ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_256_GCM'] as const;
const SETUPS = ['passive', 'active'] as const;

/**
 * Browser configurations. Each launches one browser for all its calls; `profiles` are forced one
 * call at a time (srtpProfiles: [profile]) in each DTLS role.
 */
const CASES: ReadonlyArray<{
  label: string;
  name: BrowserName;
  args: string[];
  profiles: readonly string[];
  /** The DTLS 1.3 key exchange group both ends must agree on. */
  group: string;
  /** Also run the consent + NAT rebinding call. */
  rebinding?: boolean;
}> = [
  {
    label: 'chromium',
    name: 'chromium',
    args: [],
    profiles: PROFILES,
    group: 'X25519MLKEM768',
    rebinding: true,
  },
  {
    label: 'firefox',
    name: 'firefox',
    args: [],
    profiles: PROFILES,
    group: 'X25519MLKEM768',
    rebinding: true,
  },
  // Chromium without its ML-KEM key share: DTLS 1.3 with classical x25519 in both roles.
  {
    label: 'chromium without PQ key exchange',
    name: 'chromium',
    args: ['--disable-features=WebRtcPqcForDtls'],
    profiles: [PROFILES[0]],
    group: 'x25519',
  },
  // DTLS-in-STUN: the first check carries the ClientHello in 0xC070/0xC071, which we ignore as
  // comprehension-optional; the browser must then fall back to ordinary DTLS (INTEROP.md).
  {
    label: 'chromium with DTLS-in-STUN enabled',
    name: 'chromium',
    args: ['--force-fieldtrials=WebRTC-IceHandshakeDtls/Enabled/'],
    profiles: [PROFILES[0]],
    group: 'X25519MLKEM768',
  },
];

function iceSummary(ice: WebRtcTransportStats['ice']): string {
  const { state, selected, pending, drops, ...counters } = ice;
  const nonZero = Object.entries(counters).filter(([, v]) => v !== 0);
  return `${state} selected=${selected ? `${selected.address}:${selected.port}` : '-'} ${JSON.stringify(Object.fromEntries(nonZero))} drops=${JSON.stringify(drops)}${pending ? ` pending=${pending.port}` : ''}`;
}

if (insideLoopbackNamespace()) {
  for (const { label, name, args, profiles, group, rebinding } of CASES) {
    test(`${label}: audio calls over ICE-lite + DTLS + SRTP, every profile, both DTLS roles`, {
      skip: browserMissingReason(name),
      timeout: 120_000,
    }, async (t) => {
      const page = await servePage();
      const browser = await launchBrowser(name, args);
      try {
        for (const profile of profiles) {
          for (const setup of SETUPS) {
            await t.test(`${profile}, we answer a=setup:${setup}`, { timeout: 30_000 }, async (st) => {
              const r = await runAudioCall(browser, page.url, {
                setup,
                srtpProfiles: [profile],
                mediaMs: 3000,
                stopEarly: { received: 50, echoed: 25 },
                setupTimeoutMs: 15_000,
              });
              const bt = r.browserTransport;
              st.diagnostic(
                `connected: ${r.connected.dtlsVersion} ${r.connected.cipherSuite} ${r.connected.srtpProfile} role=${r.connected.dtlsRole} handshake=${r.connected.handshakeMs}ms setup=${r.connected.setupMs}ms media=${r.mediaMs}ms`,
              );
              st.diagnostic(
                `we received ${r.transportStats.rtpReceived} RTP (PT ${JSON.stringify([...r.received.payloadTypes])}, offer opus ${r.offer.opus.payloadType}), sent ${r.transportStats.rtpSent}; drops ${JSON.stringify(r.transportStats.drops)}; browser inbound ${r.browserInbound?.packetsReceived ?? 'n/a'}`,
              );
              st.diagnostic(
                `browser transport: ${JSON.stringify(bt ? { tls: bt.tlsVersion, srtp: bt.srtpCipher, dtlsRole: bt.dtlsRole, state: bt.dtlsState } : null)}`,
              );
              st.diagnostic(`ice: ${iceSummary(r.transportStats.ice)}`);
              const ourRole = setup === 'passive' ? 'server' : 'client';
              assert.equal(r.connected.dtlsRole, ourRole);
              assert.equal(r.connected.srtpProfile, profile);
              assert.ok(r.connectionStates.includes('connected'), r.connectionStates.join(' -> '));
              // The browser's view of the same handshake.
              assert.ok(bt, 'browser getStats has a transport entry');
              assert.equal(bt.dtlsState, 'connected');
              // As DTLS server we take DTLS 1.3 (0xFEFC) with the expected group; as DTLS client the
              // transport offers 1.2 by default (see WebRtcTransport's engine config).
              if (ourRole === 'server') {
                assert.equal(bt.tlsVersion, 'FEFC');
                assert.equal(r.connected.dtlsVersion, 'DTLS 1.3');
                assert.equal(r.connected.dtlsGroup, group);
              } else {
                assert.equal(bt.tlsVersion, 'FEFD');
                assert.equal(r.connected.dtlsVersion, 'DTLS 1.2');
              }
              assert.equal(normalizeSrtpName(String(bt.srtpCipher)), normalizeSrtpName(profile));
              if (bt.dtlsRole !== undefined)
                assert.equal(bt.dtlsRole, ourRole === 'server' ? 'client' : 'server');
              // Browser -> us: authenticated, decrypted, and really Opus RTP as the offer numbered it.
              assert.ok(r.transportStats.rtpReceived >= 50, 'browser RTP authenticated and decrypted by us');
              assert.deepEqual([...r.received.versions.keys()], [2], 'RTP version 2 only');
              assert.deepEqual(
                [...r.received.payloadTypes.keys()],
                [r.offer.opus.payloadType],
                "every packet carries the offer's Opus payload type",
              );
              assert.equal(
                r.transportStats.drops['srtp-auth-failed'] ?? 0,
                0,
                'no packet failed authentication',
              );
              // Us -> browser: our re-encrypted echo counted by the browser.
              assert.ok(
                Number(r.browserInbound?.packetsReceived ?? 0) >= 25,
                `browser received our SRTP: ${JSON.stringify(r.browserInbound)}`,
              );
              // Media went only to a tuple that answered our own Binding request.
              assert.ok(r.transportStats.ice.pathValidationsSucceeded >= 1, iceSummary(r.transportStats.ice));
              assert.ok(r.transportStats.ice.selected, 'a selected tuple');
            });
          }
        }
        if (rebinding) {
          await t.test(
            'consent requests answered; media follows a NAT rebinding once the browser answers at the new port',
            {
              timeout: 45_000,
            },
            async (st) => {
              const r = await runAudioCall(browser, page.url, {
                setup: 'passive',
                mediaMs: 14_000,
                consentIntervalMs: 1000,
                rebindAfterMs: 3000,
                setupTimeoutMs: 15_000,
              });
              const ice = r.transportStats.ice;
              const rb = r.rebinding!;
              st.diagnostic(`ice: ${iceSummary(ice)}`);
              st.diagnostic(
                `rebinding: followed=${rb.followed} answer through the new mapping after ${rb.answerOutMs} ms, our media there after ${rb.mediaInMs} ms; ${rb.toOldMapping} datagrams to the old mapping; browser inbound ${rb.browserInboundAtRebind} -> ${r.browserInbound?.packetsReceived}, we received ${rb.rtpReceivedAtRebind} -> ${r.transportStats.rtpReceived}`,
              );
              // RFC 7675: our consent requests on the selected tuple were answered by the browser.
              assert.ok(ice.consentRequestsSent > 0 && ice.consentResponses > 0, iceSummary(ice));
              // The first selection and the rebinding, each after the browser answered.
              assert.ok(ice.pathValidationsSucceeded >= 2, iceSummary(ice));
              assert.ok(rb.followed, 'media goes to the new outside port');
              assert.ok(rb.answerOutMs !== undefined && rb.mediaInMs !== undefined, JSON.stringify(rb));
              assert.ok(rb.mediaInMs >= rb.answerOutMs, 'media moved only after the answer at the new port');
              // The call survived: media both ways after the rebinding.
              assert.ok(Number(r.browserInbound?.packetsReceived ?? 0) >= rb.browserInboundAtRebind + 100);
              assert.ok(r.transportStats.rtpReceived >= rb.rtpReceivedAtRebind + 100);
            },
          );
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
      diagnostics: /^\s*# (connected|we received|browser transport|ice|rebinding|Subtest)/,
    });
    assert.equal(r.error, undefined, `could not run the namespace: ${r.error}`);
    assert.equal(r.status, 0, `browser call tests failed inside the namespace:\n${r.output}`);
  });
}
