import { isIPv6 } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import type { IceCandidate } from '../ice/candidate.js';
import type { AudioOffer } from './offer.js';

export interface AudioAnswerOptions {
  /** Our ICE credentials (the session's ufrag/pwd). */
  ufrag: string;
  pwd: string;
  /** Our DTLS certificate fingerprint, `"sha-256 AB:CD:..."`. */
  fingerprint: string;
  /** Our host candidates (from the mux). */
  candidates: readonly IceCandidate[];
  /**
   * Our DTLS role when the offer says actpass (RFC 8842 §5.3): 'passive' (default: we are the DTLS
   * server) or 'active'. When the offer names a role, the answer takes the other one.
   */
  setup?: 'active' | 'passive';
  /** SSRC and CNAME we send with, announced so the browser plays our stream (RFC 5576). */
  ssrc?: number;
  cname?: string;
  /** a=msid stream and track ids (RFC 8830). Default 'rtcseal' / 'rtcseal-audio'. */
  streamId?: string;
  trackId?: string;
  /** o= session id. Default: derived from the ufrag. */
  sessionId?: string;
  /** Opus fmtp we answer with; default the offer's. */
  opusFmtp?: string;
}

/** The DTLS role of the answerer implied by the offer's a=setup (RFC 4145 §4.1, RFC 8842 §5). */
export function answerSetup(offerSetup: AudioOffer['setup'], preferred: 'active' | 'passive' = 'passive') {
  if (offerSetup === 'active') return 'passive';
  if (offerSetup === 'passive') return 'active';
  return preferred;
}

/**
 * A complete answer to an offer with one audio section, from an ICE-lite endpoint (RFC 8445 §5.3,
 * RFC 8839): a=ice-lite at session level, our credentials, fingerprint and setup role, host
 * candidates with end-of-candidates, rtcp-mux, BUNDLE of the audio mid, the offer's Opus, and our
 * msid/ssrc so the browser creates a track for what we send back. Other m-sections are rejected with
 * port 0 (RFC 3264 §6) and left out of the BUNDLE group (RFC 9143 §7.3.3).
 */
export function buildAudioAnswer(offer: AudioOffer, options: AudioAnswerOptions): string {
  if (!options || typeof options.ufrag !== 'string' || typeof options.pwd !== 'string') {
    throw new TypeError('options.ufrag and options.pwd must be strings');
  }
  if (typeof options.fingerprint !== 'string' || !/^\S+ [0-9A-Fa-f:]+$/.test(options.fingerprint)) {
    throw new TypeError("options.fingerprint must look like 'sha-256 AB:CD:...'");
  }
  if (!Array.isArray(options.candidates) || options.candidates.length === 0) {
    throw new TypeError('options.candidates must be a non-empty array');
  }
  const ssrc = options.ssrc ?? 0x12345678;
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff)
    throw new RangeError('options.ssrc must be u32');
  const [hashType, hashValue] = options.fingerprint.split(' ') as [string, string];
  const setup = answerSetup(offer.setup, options.setup);
  const first = options.candidates[0]!;
  const ipVer = isIPv6(first.address) ? 6 : 4;
  const cname = options.cname ?? 'rtcseal';
  const streamId = options.streamId ?? 'rtcseal';
  const trackId = options.trackId ?? 'rtcseal-audio';
  const mid = offer.audioMid ?? '0';
  const audioDirection =
    offer.direction === 'sendonly'
      ? 'recvonly'
      : offer.direction === 'recvonly'
        ? 'sendonly'
        : offer.direction;
  const sending = audioDirection === 'sendrecv' || audioDirection === 'sendonly';

  const media: sdpTransform.MediaDescription[] = offer.parsed.media.map((m, index) => {
    if (index !== offer.audioIndex) {
      const rejected: sdpTransform.MediaDescription = {
        type: m.type,
        port: 0,
        protocol: m.protocol,
        payloads: m.payloads,
        rtp: [],
        fmtp: [],
        connection: { version: 4, ip: '0.0.0.0' },
        direction: 'inactive',
      };
      if (m.mid !== undefined) rejected.mid = String(m.mid);
      return rejected;
    }
    const opus = offer.opus;
    const fmtp = options.opusFmtp ?? opus.fmtp;
    const audio: sdpTransform.MediaDescription = {
      type: 'audio',
      port: first.port,
      protocol: offer.audioProtocol,
      payloads: String(opus.payloadType),
      connection: { version: ipVer, ip: first.address },
      rtp: [{ payload: opus.payloadType, codec: 'opus', rate: opus.clockRate, encoding: opus.channels }],
      fmtp: fmtp ? [{ payload: opus.payloadType, config: fmtp }] : [],
      iceUfrag: options.ufrag,
      icePwd: options.pwd,
      fingerprint: { type: hashType, hash: hashValue },
      setup,
      mid,
      direction: audioDirection,
      rtcpMux: 'rtcp-mux',
      candidates: options.candidates.map((c) => ({
        foundation: c.foundation,
        component: c.component,
        transport: c.transport,
        priority: c.priority,
        ip: c.address,
        port: c.port,
        type: c.type,
      })),
      endOfCandidates: 'end-of-candidates',
    };
    if (sending) {
      audio.msid = [{ id: streamId, appdata: trackId }];
      audio.ssrcs = [
        { id: ssrc, attribute: 'cname', value: cname },
        { id: ssrc, attribute: 'msid', value: `${streamId} ${trackId}` },
      ];
    }
    return audio;
  });

  const answer: sdpTransform.SessionDescription = {
    version: 0,
    origin: {
      username: '-',
      sessionId: options.sessionId ?? String(sessionIdFrom(options.ufrag)),
      sessionVersion: 2,
      netType: 'IN',
      ipVer: 4,
      address: '127.0.0.1',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    msidSemantic: { semantic: 'WMS', token: '*' },
    media,
  };
  if (offer.bundle.length > 0) answer.groups = [{ type: 'BUNDLE', mids: mid }];
  return sdpTransform.write(answer);
}

function sessionIdFrom(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h + 1;
}
