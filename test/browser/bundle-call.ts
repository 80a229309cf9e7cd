import { generateCertificate } from '@rtcseal/dtls';
import {
  BundleDemux,
  buildMediaAnswer,
  buildNack,
  buildPli,
  buildRemb,
  DEFAULT_HEADER_EXTENSIONS,
  DEFAULT_RTCP_FEEDBACK,
  type MediaAnswer,
  parseMediaOffer,
  parseRtcpCompound,
  RTP_HEADER_EXTENSION_URIS,
  rtcpMediaSsrcs,
  SendStreamCheck,
  UdpMux,
  type WebRtcConnectedInfo,
  WebRtcTransport,
} from '@rtcseal/ice-lite';
import { BrowserPeer, type LaunchedBrowser, type StatsEntry, withTimeout } from './browsers.js';
import { applyAnswer, createMediaOffer, type MediaOfferKind, type TransceiverView } from './media-offers.js';

/**
 * A bundled audio+video call built from the bundle building blocks, with WebRtcTransport only as the
 * ICE-lite + DTLS + SRTP carrier: the browser's offer is read by parseMediaOffer and answered by
 * buildMediaAnswer (with the ICE credentials and DTLS role of the transport's own session), every
 * RTP packet the transport decrypts goes through BundleDemux, every RTCP compound through
 * parseRtcpCompound. We echo the browser's audio and one video layer back under the SSRCs our
 * answer declared (each packet passed by SendStreamCheck), forward the browser's PLI/FIR about our
 * video to its sender as a PLI of ours, and send PLI and NACK of our own; the browser's getStats
 * then says what arrived.
 */

export interface BundleCallOptions {
  readonly kind: Extract<MediaOfferKind, 'audio-video' | 'simulcast'>;
  readonly setup: 'active' | 'passive';
  /** The simulcast layer echoed back. */
  readonly echoRid?: string;
  readonly mediaMs: number;
  readonly setupTimeoutMs?: number;
}

export interface BundleCallResult {
  readonly connected: WebRtcConnectedInfo;
  readonly answer: MediaAnswer;
  readonly transceivers: readonly TransceiverView[];
  /** Packets the demux delivered, by `mid/rid` (`/rtx` for RTX), e.g. `1/q`, `1/q/rtx`, `0/-`. */
  readonly delivered: ReadonlyMap<string, number>;
  /** The browser's SSRC per `mid/rid` key, as the demux learned it. */
  readonly ssrcs: ReadonlyMap<string, number>;
  readonly demuxStats: ReturnType<BundleDemux['stats']>;
  readonly sendRefusals: number;
  /** RTCP packets from the browser, by type, and the media SSRCs its PLI/FIR/NACK were about. */
  readonly rtcpTypes: ReadonlyMap<string, number>;
  readonly rtcpErrors: number;
  readonly feedbackAbout: ReadonlySet<number>;
  readonly pliSent: number;
  readonly nackSent: number;
  readonly ours: { readonly audioSsrc: number; readonly videoSsrc: number; readonly videoRtxSsrc: number };
  readonly browserStats: readonly StatsEntry[];
}

const AUDIO_SSRC = 0x0a0d10;
const VIDEO_SSRC = 0x0b1de0;
const VIDEO_RTX_SSRC = 0x0b1de1;

/** A copy of an RTP packet with another SSRC and no CSRCs or header extension: what we echo. */
function rewrite(packet: Uint8Array, payloadOffset: number, ssrc: number): Uint8Array {
  const out = new Uint8Array(12 + packet.length - payloadOffset);
  out.set(packet.subarray(0, 12));
  out[0] = packet[0]! & 0xe0; // V, P; no X, CC 0
  new DataView(out.buffer).setUint32(8, ssrc);
  out.set(packet.subarray(payloadOffset), 12);
  return out;
}

export async function runBundleCall(
  browser: LaunchedBrowser,
  url: string,
  options: BundleCallOptions,
): Promise<BundleCallResult> {
  const setupTimeoutMs = options.setupTimeoutMs ?? 20_000;
  const echoRid = options.echoRid ?? 'q';
  const mux = await UdpMux.bind({ type: 'udp6', address: '::', announcedAddresses: ['127.0.0.1'] });
  const certificate = await generateCertificate();
  const peer = await BrowserPeer.open(browser.browser, url);
  const delivered = new Map<string, number>();
  const ssrcs = new Map<string, number>();
  const rtcpTypes = new Map<string, number>();
  const feedbackAbout = new Set<number>();
  let rtcpErrors = 0;
  let sendRefusals = 0;
  let pliSent = 0;
  let nackSent = 0;
  let transport: WebRtcTransport | undefined;
  let demux: BundleDemux | undefined;
  let check: SendStreamCheck | undefined;
  let echoSource: number | undefined;
  let lastEchoSeq: number | undefined;
  const send = (packet: Uint8Array) => {
    if (check!.check(packet) !== undefined) sendRefusals++;
    else transport!.sendRtp(packet);
  };
  const askKeyframe = () => {
    if (echoSource !== undefined && transport!.sendRtcp(buildPli(VIDEO_SSRC, echoSource))) pliSent++;
  };
  try {
    const offerSdp = await withTimeout(
      createMediaOffer(peer.page, options.kind),
      setupTimeoutMs,
      'createOffer',
    );
    const parsed = parseMediaOffer(offerSdp);
    if (!parsed.ok) throw new Error(`offer refused: ${parsed.error.message}`);
    let resolveConnected!: (info: WebRtcConnectedInfo) => void;
    let rejectConnected!: (e: Error) => void;
    const connected = new Promise<WebRtcConnectedInfo>((resolve, reject) => {
      resolveConnected = resolve;
      rejectConnected = reject;
    });
    connected.catch(() => {});
    const answered = WebRtcTransport.answer(offerSdp, {
      mux,
      certificate,
      setup: options.setup,
      onConnected: (info) => resolveConnected(info),
      onClosed: (reason, detail) => rejectConnected(new Error(`transport closed: ${reason} ${detail ?? ''}`)),
      onRtp: (packet) => {
        const info = demux!.demux(packet);
        if (typeof info === 'string') return;
        const key = `${info.mid}/${info.rid ?? '-'}${info.isRtx ? '/rtx' : ''}`;
        delivered.set(key, (delivered.get(key) ?? 0) + 1);
        ssrcs.set(key, info.ssrc);
        if (info.isRtx) return;
        if (info.kind === 'audio') {
          send(rewrite(packet, info.payloadOffset, AUDIO_SSRC));
        } else if (info.rid === undefined || info.rid === echoRid) {
          if (echoSource === undefined) {
            echoSource = info.ssrc;
            askKeyframe(); // a receiver joins: it needs a keyframe to start (what an SFU does)
          }
          if (info.ssrc === echoSource) {
            lastEchoSeq = info.sequenceNumber;
            send(rewrite(packet, info.payloadOffset, VIDEO_SSRC));
          }
        }
      },
      onRtcp: (packet) => {
        const compound = parseRtcpCompound(packet);
        if (compound.error) rtcpErrors++;
        for (const p of compound.packets) {
          rtcpTypes.set(p.type, (rtcpTypes.get(p.type) ?? 0) + 1);
          if (p.type === 'pli' || p.type === 'fir' || p.type === 'nack') {
            for (const s of rtcpMediaSsrcs(p)) feedbackAbout.add(s);
            // The browser asks us, the sender of VIDEO_SSRC, for a keyframe: ask its source.
            if (p.type !== 'nack' && rtcpMediaSsrcs(p).includes(VIDEO_SSRC)) askKeyframe();
          }
        }
      },
    });
    if (!answered.ok) throw new Error(`transport refused the offer: ${answered.error}`);
    transport = answered.transport;
    // The transport's session credentials and DTLS role; the rest of the answer is ours.
    const ufrag = /a=ice-ufrag:(\S+)/.exec(answered.answer)?.[1];
    const pwd = /a=ice-pwd:(\S+)/.exec(answered.answer)?.[1];
    if (!ufrag || !pwd) throw new Error('the transport answer has no ICE credentials');
    const simulcast = options.kind === 'simulcast';
    const answer = buildMediaAnswer(parsed.offer, {
      ufrag,
      pwd,
      fingerprint: certificate.fingerprint('sha-256'),
      candidates: mux.candidates,
      setup: transport.dtlsRole === 'server' ? 'passive' : 'active',
      sections: {
        '0': { send: { ssrc: AUDIO_SSRC } },
        '1': {
          send: { ssrc: VIDEO_SSRC, rtxSsrc: VIDEO_RTX_SSRC },
          // With simulcast we steer the browser's bandwidth with REMB, so transport-cc is left out.
          ...(simulcast
            ? {
                headerExtensions: DEFAULT_HEADER_EXTENSIONS.filter(
                  (u) => u !== RTP_HEADER_EXTENSION_URIS.transportWideCc,
                ),
                rtcpFeedback: DEFAULT_RTCP_FEEDBACK.filter((f) => f !== 'transport-cc'),
              }
            : {}),
        },
      },
    });
    demux = new BundleDemux(answer.sections);
    check = new SendStreamCheck(answer.sections);
    const applied = await applyAnswer(peer.page, answer.sdp);
    if (!applied.ok) throw new Error(`browser refused our answer: ${applied.error}\n${answer.sdp}`);
    const info = await withTimeout(connected, setupTimeoutMs, 'DTLS connected');
    await peer.waitForConnectionState(['connected'], setupTimeoutMs);
    const start = Date.now();
    let nackDone = false;
    while (Date.now() - start < options.mediaMs) {
      await new Promise((r) => setTimeout(r, 250));
      if (simulcast)
        transport.sendRtcp(buildRemb(VIDEO_SSRC, 3_000_000, echoSource === undefined ? [] : [echoSource]));
      if (!nackDone && lastEchoSeq !== undefined && Date.now() - start > options.mediaMs / 3) {
        // Ask for a packet again: the browser counts the NACK (and resends it, on RTX).
        if (transport.sendRtcp(buildNack(VIDEO_SSRC, echoSource!, [(lastEchoSeq - 5) & 0xffff]))) nackSent++;
        askKeyframe();
        nackDone = true;
      }
    }
    const browserStats = await peer.stats(['inbound-rtp', 'outbound-rtp', 'transport']);
    return {
      connected: info,
      answer,
      transceivers: applied.transceivers,
      delivered,
      ssrcs,
      demuxStats: demux.stats(),
      sendRefusals,
      rtcpTypes,
      rtcpErrors,
      feedbackAbout,
      pliSent,
      nackSent,
      ours: { audioSsrc: AUDIO_SSRC, videoSsrc: VIDEO_SSRC, videoRtxSsrc: VIDEO_RTX_SSRC },
      browserStats,
    };
  } finally {
    transport?.close();
    await peer.close();
    await peer.page.close().catch(() => {});
    await mux.close();
  }
}
