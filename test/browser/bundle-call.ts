import { generateCertificate } from '@rtcseal/dtls';
import {
  type BundleDemuxStats,
  buildRemb,
  DEFAULT_HEADER_EXTENSIONS,
  DEFAULT_RTCP_FEEDBACK,
  type MediaAnswer,
  RTP_HEADER_EXTENSION_URIS,
  UdpMux,
  type WebRtcConnectedInfo,
  WebRtcTransport,
  type WebRtcTransportStats,
} from '@rtcseal/ice-lite';
import { BrowserPeer, type LaunchedBrowser, type StatsEntry, withTimeout } from './browsers.js';
import {
  applyAnswer,
  createMediaOffer,
  createReoffer,
  type MediaOfferKind,
  type TransceiverView,
} from './media-offers.js';

/**
 * A bundled audio+video call through WebRtcTransport as an SFU uses it: the browser's offer answered
 * with `media` options (our audio and video streams, RTX), every packet delivered by `onRtp` with
 * its mid, rid and kind, every RTCP compound by `onRtcp` parsed and routed. We echo the browser's
 * audio and one video layer back under the SSRCs our answer declared, forward the browser's PLI/FIR
 * about our video to its sender (`requestKeyframe`), and send PLI and NACK of our own; optionally
 * the browser restarts ICE mid-call (`renegotiate`). The browser's getStats then says what arrived.
 */

export interface BundleCallOptions {
  readonly kind: Extract<MediaOfferKind, 'audio-video' | 'simulcast'>;
  readonly setup: 'active' | 'passive';
  /** The simulcast layer echoed back. */
  readonly echoRid?: string;
  readonly mediaMs: number;
  /** Re-offer with an ICE restart this long into the media phase. */
  readonly iceRestartAtMs?: number;
  readonly setupTimeoutMs?: number;
}

export interface IceRestartView {
  /** Frames of our video the browser had decoded when it re-offered, and at the end. */
  readonly framesBefore: number;
  readonly framesAfter: number;
  /** Packets the transport delivered after the re-answer. */
  readonly deliveredAfter: number;
  readonly transport: WebRtcTransportStats;
  readonly answerUfragChanged: boolean;
}

export interface BundleCallResult {
  readonly connected: WebRtcConnectedInfo;
  readonly answer: MediaAnswer;
  readonly transceivers: readonly TransceiverView[];
  /** Packets the demux delivered, by `mid/rid` (`/rtx` for RTX), e.g. `1/q`, `1/q/rtx`, `0/-`. */
  readonly delivered: ReadonlyMap<string, number>;
  /** The browser's SSRC per `mid/rid` key, as the demux learned it. */
  readonly ssrcs: ReadonlyMap<string, number>;
  readonly demuxStats: Readonly<BundleDemuxStats>;
  /** Packets sendRtp refused (undeclared SSRC or payload type), from the transport's counters. */
  readonly sendRefusals: number;
  /** sendRtp returned false from inside onConnected (media must flow once connected fires). */
  readonly refusedAtConnected: boolean;
  /** RTCP packets from the browser, by type, and the media SSRCs its PLI/FIR/NACK were about. */
  readonly rtcpTypes: ReadonlyMap<string, number>;
  readonly rtcpErrors: number;
  readonly feedbackAbout: ReadonlySet<number>;
  readonly pliSent: number;
  readonly nackSent: number;
  readonly echoRid: string;
  readonly ours: { readonly audioSsrc: number; readonly videoSsrc: number; readonly videoRtxSsrc: number };
  readonly browserStats: readonly StatsEntry[];
  readonly transportStats: WebRtcTransportStats;
  readonly restart: IceRestartView | undefined;
  /** Video frames (RTP marker bits) we received of every layer, and of the layer we echoed. */
  readonly framesReceived: number;
  readonly framesEchoed: number;
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

async function framesOf(peer: BrowserPeer, ssrc: number): Promise<number> {
  const inbound = await peer.stats(['inbound-rtp']);
  return Number(inbound.find((s) => s.ssrc === ssrc)?.framesDecoded ?? 0);
}

export async function runBundleCall(
  browser: LaunchedBrowser,
  url: string,
  options: BundleCallOptions,
): Promise<BundleCallResult> {
  const setupTimeoutMs = options.setupTimeoutMs ?? 20_000;
  const simulcast = options.kind === 'simulcast';
  const echoRid = options.echoRid ?? 'q';
  const mux = await UdpMux.bind({ type: 'udp6', address: '::', announcedAddresses: ['127.0.0.1'] });
  const certificate = await generateCertificate();
  const peer = await BrowserPeer.open(browser.browser, url);
  const delivered = new Map<string, number>();
  const ssrcs = new Map<string, number>();
  const rtcpTypes = new Map<string, number>();
  const feedbackAbout = new Set<number>();
  let rtcpErrors = 0;
  let pliSent = 0;
  let nackSent = 0;
  let refusedAtConnected = false;
  let deliveredTotal = 0;
  let framesReceived = 0;
  let framesEchoed = 0;
  let transport: WebRtcTransport | undefined;
  let echoSource: number | undefined;
  let lastEchoSeq: number | undefined;
  const layer = simulcast ? echoRid : undefined;
  const askKeyframe = (t: WebRtcTransport) => {
    pliSent += t.requestKeyframe('1', layer);
  };
  try {
    const offerSdp = await withTimeout(
      createMediaOffer(peer.page, options.kind),
      setupTimeoutMs,
      'createOffer',
    );
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
      media: {
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
      },
      onConnected: (info, t) => {
        // Media must flow from here on: a silent frame of our declared audio stream.
        const opus = t.negotiated.sections[0]!.codecs[0]!.payloadType;
        const probe = new Uint8Array(13);
        probe[0] = 0x80;
        probe[1] = opus;
        new DataView(probe.buffer).setUint32(8, AUDIO_SSRC);
        probe[12] = 0xf8;
        refusedAtConnected = !t.sendRtp(probe);
        resolveConnected(info);
      },
      onClosed: (reason, detail) => rejectConnected(new Error(`transport closed: ${reason} ${detail ?? ''}`)),
      onRtp: (packet, info, t) => {
        deliveredTotal++;
        const key = `${info.mid}/${info.rid ?? '-'}${info.isRtx ? '/rtx' : ''}`;
        delivered.set(key, (delivered.get(key) ?? 0) + 1);
        ssrcs.set(key, info.ssrc);
        if (info.isRtx) return;
        if (info.kind === 'video' && info.marker) framesReceived++;
        if (info.kind === 'audio') {
          t.sendRtp(rewrite(packet, info.payloadOffset, AUDIO_SSRC));
        } else if (info.rid === layer) {
          if (echoSource === undefined) {
            echoSource = info.ssrc;
            askKeyframe(t); // a receiver joins: it needs a keyframe to start (what an SFU does)
          }
          if (info.ssrc === echoSource) {
            lastEchoSeq = info.sequenceNumber;
            if (t.sendRtp(rewrite(packet, info.payloadOffset, VIDEO_SSRC)) && info.marker) framesEchoed++;
          }
        }
      },
      onRtcp: (_packet, info, t) => {
        if (info.error) rtcpErrors++;
        for (const p of info.packets) rtcpTypes.set(p.type, (rtcpTypes.get(p.type) ?? 0) + 1);
        let keyframe = false;
        for (const r of info.routes) {
          const type = r.packet.type;
          if (type !== 'pli' && type !== 'fir' && type !== 'nack') continue;
          feedbackAbout.add(r.ssrc);
          // The browser asks us, the sender of our video, for a keyframe: ask its source.
          if (type !== 'nack' && r.stream === 'ours' && r.mid === '1') keyframe = true;
        }
        if (keyframe) askKeyframe(t);
      },
    });
    if (!answered.ok) throw new Error(`transport refused the offer: ${answered.error}`);
    transport = answered.transport;
    const applied = await applyAnswer(peer.page, answered.answer);
    if (!applied.ok) throw new Error(`browser refused our answer: ${applied.error}\n${answered.answer}`);
    const info = await withTimeout(connected, setupTimeoutMs, 'DTLS connected');
    await peer.waitForConnectionState(['connected'], setupTimeoutMs);
    const start = Date.now();
    let nackDone = false;
    let restart: Omit<IceRestartView, 'framesAfter' | 'transport' | 'deliveredAfter'> | undefined;
    let deliveredAtRestart = 0;
    while (Date.now() - start < options.mediaMs) {
      await new Promise((r) => setTimeout(r, 250));
      if (simulcast)
        transport.sendRtcp(buildRemb(VIDEO_SSRC, 3_000_000, echoSource === undefined ? [] : [echoSource]));
      if (!nackDone && lastEchoSeq !== undefined && Date.now() - start > options.mediaMs / 3) {
        // Ask for a packet again: the browser counts the NACK (and resends it, on RTX).
        if (transport.nack('1', layer, [(lastEchoSeq - 5) & 0xffff])) nackSent++;
        askKeyframe(transport);
        nackDone = true;
      }
      if (options.iceRestartAtMs !== undefined && !restart && Date.now() - start > options.iceRestartAtMs) {
        const framesBefore = await framesOf(peer, VIDEO_SSRC);
        const ufrag = transport.iceUfrag;
        const reoffer = await createReoffer(peer.page, { addVideo: false, iceRestart: true });
        const re = transport.renegotiate(reoffer);
        if (!re.ok) throw new Error(`re-offer refused: ${re.error}`);
        if (!re.iceRestart) throw new Error('the re-offer did not restart ICE');
        const reapplied = await applyAnswer(peer.page, re.answer);
        if (!reapplied.ok) throw new Error(`browser refused our re-answer: ${reapplied.error}`);
        deliveredAtRestart = deliveredTotal;
        restart = { framesBefore, answerUfragChanged: transport.iceUfrag !== ufrag };
      }
    }
    const browserStats = await peer.stats(['inbound-rtp', 'outbound-rtp', 'transport']);
    const transportStats = transport.stats();
    const ourVideoIn = browserStats.find((s) => s.type === 'inbound-rtp' && s.ssrc === VIDEO_SSRC);
    let sendRefusals = 0;
    for (const [reason, n] of Object.entries(transportStats.drops)) {
      if (reason.startsWith('send-')) sendRefusals += n ?? 0;
    }
    return {
      connected: info,
      answer: answered.negotiated,
      transceivers: applied.transceivers,
      delivered,
      ssrcs,
      demuxStats: transportStats.demux,
      sendRefusals,
      refusedAtConnected,
      rtcpTypes,
      rtcpErrors,
      feedbackAbout,
      pliSent,
      nackSent,
      echoRid,
      ours: { audioSsrc: AUDIO_SSRC, videoSsrc: VIDEO_SSRC, videoRtxSsrc: VIDEO_RTX_SSRC },
      browserStats,
      transportStats,
      framesReceived,
      framesEchoed,
      restart: restart && {
        ...restart,
        framesAfter: Number(ourVideoIn?.framesDecoded ?? 0),
        deliveredAfter: deliveredTotal - deliveredAtRestart,
        transport: transportStats,
      },
    };
  } finally {
    transport?.close();
    await peer.close();
    await peer.page.close().catch(() => {});
    await mux.close();
  }
}
