import { generateCertificate } from '@rtcseal/dtls';
import {
  type AudioCallOffer,
  hostCandidates,
  UdpMux,
  type WebRtcConnectedInfo,
  WebRtcTransport,
  type WebRtcTransportStats,
} from '@rtcseal/ice-lite';
import { BrowserPeer, type LaunchedBrowser, type StatsEntry, withTimeout } from './browsers.js';
import { RebindingNat } from './rebinding-nat.js';

/**
 * One audio call between a real browser and `WebRtcTransport`: the browser offers its fake
 * microphone, we answer in the DTLS role and with the SRTP profiles asked for, decrypt its Opus, echo
 * it back under our SSRC, and read both sides' counters. Shared by webrtc-call.test.ts and the
 * interop command (interop-cli.ts), so the command runs exactly what the tests check.
 */

export interface AudioCallOptions {
  /** Our a=setup answer to the browser's actpass: 'passive' makes us the DTLS server. */
  setup: 'active' | 'passive';
  /** DTLS-SRTP profiles we accept, in preference order; default: the DTLS engine's order. */
  srtpProfiles?: readonly string[];
  /** Longest time media flows after DTLS is connected. */
  mediaMs: number;
  /**
   * Stop as soon as we authenticated `received` packets and the browser counted `echoed` of ours;
   * without it media flows for the whole `mediaMs`.
   */
  stopEarly?: { received: number; echoed: number };
  /** Bound on offer, ICE and DTLS setup. */
  setupTimeoutMs?: number;
  /** Mean interval of our consent requests (RFC 7675); default the mux's 5 s. */
  consentIntervalMs?: number;
  /**
   * Put a NAT between the browser and us (RebindingNat) and move its outside port this long after
   * media started: the browser's next check comes from a new port of the same address.
   */
  rebindAfterMs?: number;
}

/** What happened around a NAT rebinding (times in ms since the rebinding). */
export interface RebindingResult {
  /** The browser's new outside port is where our media goes at the end. */
  readonly followed: boolean;
  /** The browser's first answer to our request through the new mapping, and our first media there. */
  readonly answerOutMs: number | undefined;
  readonly mediaInMs: number | undefined;
  /** Datagrams we sent to the old mapping after it was gone (media before the move). */
  readonly toOldMapping: number;
  /** Counters at the rebinding, to compare with the end. */
  readonly browserInboundAtRebind: number;
  readonly rtpReceivedAtRebind: number;
}

/** What the RTP headers of the authenticated packets looked like, per field value. */
export interface ReceivedRtpSummary {
  /** Packets per payload type. */
  readonly payloadTypes: ReadonlyMap<number, number>;
  /** Packets per RTP version field. */
  readonly versions: ReadonlyMap<number, number>;
  readonly ssrcs: ReadonlySet<number>;
}

export interface AudioCallResult {
  readonly offer: AudioCallOffer;
  readonly connected: WebRtcConnectedInfo;
  readonly transportStats: WebRtcTransportStats;
  readonly received: ReceivedRtpSummary;
  readonly ssrc: number;
  readonly connectionStates: readonly string[];
  /** The browser's getStats() entries of type transport, inbound-rtp, outbound-rtp, candidate-pair. */
  readonly browserStats: readonly StatsEntry[];
  /** The browser's transport entry, when it has one (srtpCipher, tlsVersion, dtlsRole, dtlsState). */
  readonly browserTransport: StatsEntry | undefined;
  /** The browser's inbound-rtp entry for our SSRC. */
  readonly browserInbound: StatsEntry | undefined;
  /** The browser's audio outbound-rtp entry. */
  readonly browserOutbound: StatsEntry | undefined;
  /** From DTLS connected to the end of media, ms. */
  readonly mediaMs: number;
  readonly rebinding?: RebindingResult;
}

/** Names a browser's getStats srtpCipher and our DTLS-SRTP profile names the same way. */
export function normalizeSrtpName(name: string): string {
  // The IANA registry names (SRTP_AES128_CM_HMAC_SHA1_80) and the libsrtp-style names browsers
  // report (AES_CM_128_HMAC_SHA1_80) differ in prefix and word order only.
  return name
    .toUpperCase()
    .replace(/^SRTP_/, '')
    .replace('AES128_CM', 'AES_CM_128');
}

export async function runAudioCall(
  browser: LaunchedBrowser,
  url: string,
  options: AudioCallOptions,
): Promise<AudioCallResult> {
  const setupTimeoutMs = options.setupTimeoutMs ?? 20_000;
  // Dual-stack: IPv4 peers arrive as ::ffff:127.0.0.1 and are answered as such.
  const mux = await UdpMux.bind({
    type: 'udp6',
    address: '::',
    announcedAddresses: ['127.0.0.1'],
    ...(options.consentIntervalMs ? { consentIntervalMs: options.consentIntervalMs } : {}),
  });
  const nat =
    options.rebindAfterMs !== undefined
      ? await RebindingNat.open({ address: '127.0.0.1', port: mux.port })
      : undefined;
  // Behind the NAT, the candidate in our answer is the NAT's inside port.
  const muxLike = nat
    ? {
        addSession: mux.addSession.bind(mux),
        candidates: hostCandidates([{ address: '127.0.0.1', port: nat.insidePort }]),
      }
    : mux;
  const certificate = await generateCertificate();
  const peer = await BrowserPeer.open(browser.browser, url);
  const payloadTypes = new Map<number, number>();
  const versions = new Map<number, number>();
  const ssrcs = new Set<number>();
  let transport: WebRtcTransport | undefined;
  try {
    const offerSdp = await withTimeout(peer.createAudioOffer(), setupTimeoutMs, 'createOffer');
    let resolveConnected!: (info: WebRtcConnectedInfo) => void;
    let rejectConnected!: (e: Error) => void;
    const connected = new Promise<WebRtcConnectedInfo>((resolve, reject) => {
      resolveConnected = resolve;
      rejectConnected = reject;
    });
    // The transport may close (say, no common SRTP profile) while we are still giving the browser
    // our answer; the rejection is read at the await below, not reported as unhandled meanwhile.
    connected.catch(() => {});
    const answered = WebRtcTransport.answer(offerSdp, {
      mux: muxLike,
      certificate,
      setup: options.setup,
      ...(options.srtpProfiles ? { srtpProfiles: options.srtpProfiles } : {}),
      onConnected: (info) => resolveConnected(info),
      onClosed: (reason, detail) => rejectConnected(new Error(`transport closed: ${reason} ${detail ?? ''}`)),
      onRtp: (packet) => {
        const version = packet[0]! >> 6;
        const pt = packet[1]! & 0x7f;
        versions.set(version, (versions.get(version) ?? 0) + 1);
        payloadTypes.set(pt, (payloadTypes.get(pt) ?? 0) + 1);
        // Echo: same payload under our announced SSRC, so the browser plays it on the answer's track.
        // A copy, not packet.slice(): the packet is a Buffer whose slice() is a view of it.
        const copy = new Uint8Array(packet);
        const header = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
        ssrcs.add(header.getUint32(8));
        header.setUint32(8, transport!.ssrc);
        transport!.sendRtp(copy);
      },
    });
    if (!answered.ok) throw new Error(`our answer to the browser's offer failed: ${answered.error}`);
    transport = answered.transport;
    await peer.setAnswer(answered.answer);
    const info = await withTimeout(connected, setupTimeoutMs, 'DTLS connected');
    const mediaStart = Date.now();
    const connectionStates = await peer.waitForConnectionState(['connected'], setupTimeoutMs);
    const deadline = mediaStart + options.mediaMs;
    const ourSsrc = transport.ssrc;
    let browserStats: StatsEntry[] = [];
    let browserInbound: StatsEntry | undefined;
    let rebindAt: number | undefined;
    let atRebind = { inbound: 0, rtp: 0 };
    for (;;) {
      if (nat && rebindAt === undefined && Date.now() - mediaStart >= options.rebindAfterMs!) {
        const before = await peer.stats(['inbound-rtp']);
        atRebind = {
          inbound: Number(before.find((s) => s.ssrc === ourSsrc)?.packetsReceived ?? 0),
          rtp: transport.stats().rtpReceived,
        };
        await nat.rebind();
        rebindAt = Date.now();
      }
      browserStats = await peer.stats(['inbound-rtp', 'outbound-rtp', 'transport', 'candidate-pair']);
      browserInbound = browserStats.find((s) => s.type === 'inbound-rtp' && s.ssrc === ourSsrc);
      const stop = options.stopEarly;
      if (
        stop &&
        transport.stats().rtpReceived >= stop.received &&
        Number(browserInbound?.packetsReceived ?? 0) >= stop.echoed
      ) {
        break;
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, deadline - Date.now()))));
    }
    return {
      offer: answered.offer,
      connected: info,
      transportStats: transport.stats(),
      received: { payloadTypes, versions, ssrcs },
      ssrc: ourSsrc,
      connectionStates,
      browserStats,
      browserTransport: browserStats.find((s) => s.type === 'transport'),
      browserInbound,
      browserOutbound: browserStats.find((s) => s.type === 'outbound-rtp' && s.kind === 'audio'),
      mediaMs: Date.now() - mediaStart,
      ...(nat && rebindAt !== undefined
        ? {
            rebinding: {
              followed: transport.stats().ice.selected?.port === nat.outsidePort,
              answerOutMs: nat.firstAnswerOutAt === undefined ? undefined : nat.firstAnswerOutAt - rebindAt,
              mediaInMs: nat.firstMediaInAt === undefined ? undefined : nat.firstMediaInAt - rebindAt,
              toOldMapping: nat.toOldMapping,
              browserInboundAtRebind: atRebind.inbound,
              rtpReceivedAtRebind: atRebind.rtp,
            },
          }
        : {}),
    };
  } finally {
    transport?.close();
    await peer.close();
    await peer.page.close().catch(() => {});
    await mux.close();
    await nat?.close();
  }
}
