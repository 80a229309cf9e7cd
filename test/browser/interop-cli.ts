#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SRTP_PROFILES, srtpProfileByName } from '@rtcseal/dtls';
import { type AudioCallResult, normalizeSrtpName, runAudioCall } from './audio-call.js';
import { type BrowserName, browserMissingReason, launchBrowser } from './browsers.js';
import { type BundleCallResult, runBundleCall } from './bundle-call.js';
import { servePage } from './http-page.js';
import {
  insideLoopbackNamespace,
  loopbackNamespaceCommand,
  NETNS_MARKER,
  namespaceUnavailableReason,
  onlyLoopbackVisible,
} from './netns.js';

/**
 * `pnpm interop`: one audio call (or with --video a bundled audio+video call) between a headless
 * browser and WebRtcTransport, then what was
 * negotiated and how many packets flowed each way, from both ends. Exit 0 when media flowed both
 * ways under the negotiated profile, 1 with the reason otherwise, 2 on bad arguments.
 */

const USAGE = `usage: pnpm interop --browser chromium|firefox [--setup active|passive] [--profile NAME] [--seconds N] [--video]

  --browser   chromium (/usr/bin/chromium) or firefox (/usr/bin/firefox-esr), headless
  --setup     our answer to the browser's a=setup:actpass: passive = we are the DTLS server (default),
              active = we are the DTLS client
  --profile   the only DTLS-SRTP profile we accept, e.g. SRTP_AES128_CM_HMAC_SHA1_80,
              SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM (default: our preference order)
  --seconds   how long audio flows after DTLS is connected (default 3)
  --video     a bundled audio+video call (fake camera) instead: we echo the browser's audio and
              video under our declared streams and ask for a keyframe (PLI) and a retransmission (NACK)

Runs inside a loopback-only network namespace (unshare -n) when permitted, as the browser tests do.`;

interface CliOptions {
  browser: BrowserName;
  setup: 'active' | 'passive';
  profile: string | undefined;
  seconds: number;
  video: boolean;
}

class UsageError extends Error {}

function parseCli(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        browser: { type: 'string' },
        setup: { type: 'string', default: 'passive' },
        profile: { type: 'string' },
        seconds: { type: 'string', default: '3' },
        video: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) throw new UsageError('');
  const browser = values.browser;
  if (browser !== 'chromium' && browser !== 'firefox')
    throw new UsageError(`--browser must be chromium or firefox, got ${String(browser ?? '(none)')}`);
  const setup = values.setup;
  if (setup !== 'active' && setup !== 'passive')
    throw new UsageError(`--setup must be active or passive, got ${String(setup)}`);
  let profile: string | undefined;
  if (typeof values.profile === 'string') {
    // Registry, OpenSSL and browser-stats spellings are all accepted.
    const wanted = normalizeSrtpName(values.profile);
    const p =
      srtpProfileByName(values.profile) ?? SRTP_PROFILES.find((x) => normalizeSrtpName(x.name) === wanted);
    if (!p)
      throw new UsageError(
        `--profile ${values.profile} is not a DTLS-SRTP profile; known: ${SRTP_PROFILES.map((x) => x.name).join(', ')}`,
      );
    profile = p.name;
  }
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new UsageError(`--seconds must be a number in (0, 600], got ${String(values.seconds)}`);
  if (values.video && profile !== undefined)
    throw new UsageError('--profile is for the audio call, not --video');
  return { browser, setup, profile, seconds, video: values.video === true };
}

function count(v: unknown): string {
  return v === undefined ? 'n/a' : String(v);
}

function report(o: CliOptions, r: AudioCallResult): string[] {
  const c = r.connected;
  const bt = r.browserTransport;
  const s = r.transportStats;
  const lines = [
    `negotiated   ${c.dtlsVersion}, ${c.cipherSuite}, ${c.srtpProfile}`,
    `roles        we are DTLS ${c.dtlsRole} (a=setup:${o.setup}); browser reports DTLS ${count(bt?.dtlsRole)}`,
    `handshake    ${c.handshakeMs} ms DTLS; ${c.setupMs} ms from our answer to connected`,
    `browser      tlsVersion ${count(bt?.tlsVersion)}, dtlsCipher ${count(bt?.dtlsCipher)}, srtpCipher ${count(bt?.srtpCipher)}, dtlsState ${count(bt?.dtlsState)}`,
    `browser->us  browser sent ${count(r.browserOutbound?.packetsSent)} RTP (outbound-rtp); we authenticated ${s.rtpReceived} RTP (${s.rtpBytesReceived} bytes), ${s.rtcpReceived} RTCP; payload types ${JSON.stringify(Object.fromEntries(r.received.payloadTypes))}, offer's Opus PT ${r.offer.opus.payloadType}`,
    `us->browser  we sent ${s.rtpSent} RTP (${s.rtpBytesSent} bytes); browser received ${count(r.browserInbound?.packetsReceived)} (inbound-rtp), lost ${count(r.browserInbound?.packetsLost)}`,
    `drops        ${JSON.stringify(s.drops)}; DTLS retransmissions ${s.dtls.retransmissions}; media ${r.mediaMs} ms`,
    `ice          ${s.ice.checksValid}/${s.ice.checksReceived} checks valid, ${s.ice.nominations} nominations; our requests: path validations ${s.ice.pathValidationsSucceeded}/${s.ice.pathValidationsStarted} answered, consent ${s.ice.consentResponses}/${s.ice.consentRequestsSent} answered`,
  ];
  return lines;
}

function videoReport(o: CliOptions, r: BundleCallResult): string[] {
  const c = r.connected;
  const s = r.transportStats;
  const inbound = r.browserStats.filter((x) => x.type === 'inbound-rtp');
  const outVideo = r.browserStats.find((x) => x.type === 'outbound-rtp' && x.kind === 'video');
  const ourVideo = inbound.find((x) => x.ssrc === r.ours.videoSsrc);
  const sections = r.answer.sections.map((x) => {
    const codecs = x.codecs.map(
      (k) => `${k.name}/${k.clockRate}${k.apt === undefined ? '' : ` (apt ${k.apt})`}`,
    );
    return `${x.mid} ${x.kind} ${x.direction} [${codecs.join(', ')}]${x.send ? ` send ssrc ${x.send.ssrc}${x.send.rtxSsrc === undefined ? '' : ` rtx ${x.send.rtxSsrc}`}` : ''}`;
  });
  return [
    `negotiated   ${c.dtlsVersion}, ${c.cipherSuite}, ${c.srtpProfile}; BUNDLE ${r.answer.bundle.join(' ')}`,
    ...sections.map((x) => `section      ${x}`),
    `roles        we are DTLS ${c.dtlsRole} (a=setup:${o.setup})`,
    `browser->us  browser sent ${count(outVideo?.framesSent)} video frames (${count(outVideo?.frameWidth)}x${count(outVideo?.frameHeight)}); we received ${r.framesReceived} frames, ${s.rtpReceived} RTP in all (${JSON.stringify(Object.fromEntries(r.delivered))})`,
    `us->browser  we echoed ${r.framesEchoed} frames; browser decoded ${count(ourVideo?.framesDecoded)} (${count(ourVideo?.keyFramesDecoded)} keyframes) at ${count(ourVideo?.frameWidth)}x${count(ourVideo?.frameHeight)}`,
    `feedback     we sent ${r.pliSent} PLI and ${r.nackSent} NACK; browser counted PLI ${count(outVideo?.pliCount)}, NACK ${count(outVideo?.nackCount)}, retransmitted ${count(outVideo?.retransmittedPacketsSent)}`,
    `drops        ${JSON.stringify(s.drops)}; demux delivered ${s.demux.delivered}`,
  ];
}

function videoFailure(r: BundleCallResult): string | undefined {
  const ourVideo = r.browserStats.find((x) => x.type === 'inbound-rtp' && x.ssrc === r.ours.videoSsrc);
  if (r.framesReceived === 0) return 'no video frames from the browser reached us';
  if (r.sendRefusals > 0) return `${r.sendRefusals} packets refused by the send check`;
  if (Number(ourVideo?.framesDecoded ?? 0) < 5) return 'the browser decoded (almost) none of our video';
  return undefined;
}

/** Why the call does not count as interoperating, or undefined. */
function failureReason(o: CliOptions, r: AudioCallResult): string | undefined {
  const s = r.transportStats;
  if (o.profile && r.connected.srtpProfile !== o.profile)
    return `negotiated ${r.connected.srtpProfile}, asked for ${o.profile}`;
  const cipher = r.browserTransport?.srtpCipher;
  if (
    cipher !== undefined &&
    normalizeSrtpName(String(cipher)) !== normalizeSrtpName(r.connected.srtpProfile)
  )
    return `browser reports srtpCipher ${String(cipher)}, we negotiated ${r.connected.srtpProfile}`;
  if (s.rtpReceived === 0) return 'no RTP from the browser authenticated';
  const pts = [...r.received.payloadTypes.keys()];
  if (pts.some((pt) => pt !== r.offer.opus.payloadType))
    return `received payload types ${pts.join(',')}, the offer's Opus is ${r.offer.opus.payloadType}`;
  if ([...r.received.versions.keys()].some((v) => v !== 2)) return 'received RTP with a version other than 2';
  if (Number(r.browserInbound?.packetsReceived ?? 0) === 0) return 'the browser counted none of our RTP';
  return undefined;
}

async function run(o: CliOptions): Promise<number> {
  const missing = browserMissingReason(o.browser);
  if (missing) {
    console.error(`interop: ${missing}`);
    return 1;
  }
  console.log(
    `interop: ${o.browser}, we answer a=setup:${o.setup}, profile ${o.profile ?? '(our preference order)'}, ${o.seconds} s of ${o.video ? 'audio and video' : 'audio'}`,
  );
  const page = await servePage();
  const browser = await launchBrowser(o.browser);
  // A stuck browser must not hang the command.
  const guard = setTimeout(
    () => {
      console.error('interop: FAILED: no result within the time limit');
      process.exit(1);
    },
    (o.seconds + 90) * 1000,
  );
  try {
    if (o.video) {
      const r = await runBundleCall(browser, page.url, {
        kind: 'audio-video',
        setup: o.setup,
        mediaMs: o.seconds * 1000,
      });
      for (const line of videoReport(o, r)) console.log(line);
      const reason = videoFailure(r);
      if (reason) {
        console.error(`interop: FAILED: ${reason}`);
        return 1;
      }
      console.log('interop: OK');
      return 0;
    }
    const r = await runAudioCall(browser, page.url, {
      setup: o.setup,
      ...(o.profile ? { srtpProfiles: [o.profile] } : {}),
      mediaMs: o.seconds * 1000,
      setupTimeoutMs: 20_000,
    });
    for (const line of report(o, r)) console.log(line);
    const reason = failureReason(o, r);
    if (reason) {
      console.error(`interop: FAILED: ${reason}`);
      return 1;
    }
    console.log('interop: OK');
    return 0;
  } catch (e) {
    console.error(`interop: FAILED: ${(e as Error).message}`);
    return 1;
  } finally {
    clearTimeout(guard);
    await browser.close();
    await page.close();
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(`interop: ${e.message}`);
    console.error(USAGE);
    process.exit(e.message ? 2 : 0);
  }
  // Browsers must see only loopback (INTEROP.md): re-run inside a fresh namespace when we can.
  if (!insideLoopbackNamespace() && !onlyLoopbackVisible()) {
    const reason = namespaceUnavailableReason();
    if (reason === undefined) {
      const [cmd, ...args] = loopbackNamespaceCommand([
        process.execPath,
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        ...argv,
      ]);
      const r = spawnSync(cmd!, args, {
        stdio: 'inherit',
        env: { ...process.env, [NETNS_MARKER]: '1' },
        killSignal: 'SIGTERM',
      });
      if (r.error) {
        console.error(`interop: FAILED: could not run the loopback namespace: ${r.error.message}`);
        process.exit(1);
      }
      process.exit(r.status ?? 1);
    }
    console.error(`interop: running in the host network (${reason}); the browser may pick other interfaces`);
  }
  run(options).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`interop: FAILED: ${(e as Error).message ?? String(e)}`);
      process.exit(1);
    },
  );
}

main();
