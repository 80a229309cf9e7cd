/**
 * What one RTP m-section negotiates (RFC 8829/9429 JSEP, RFC 8866 SDP): the values an offer carries
 * and an answer repeats, shared by the offer parser, the answer builder and the BUNDLE demux.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export type MediaKind = 'audio' | 'video';

/** One a=rtcp-fb value (RFC 4585 §4.2): `nack`, `nack pli`, `ccm fir`, `goog-remb`, `transport-cc`. */
export interface RtcpFeedback {
  readonly type: string;
  /** The second token (`pli`, `fir`), when there is one. */
  readonly parameter?: string;
}

/** One payload type of an m-section: a=rtpmap, a=fmtp and a=rtcp-fb joined (RFC 8866 §6.6, RFC 4585). */
export interface RtpCodec {
  readonly payloadType: number;
  /** Encoding name as written in a=rtpmap (`opus`, `VP8`, `H264`, `rtx`). */
  readonly name: string;
  /** `audio/opus`, `video/VP8`: kind and name, the way RTCRtpCodec spells it. */
  readonly mimeType: string;
  readonly clockRate: number;
  /** Audio channels from a=rtpmap; undefined for video. */
  readonly channels?: number;
  /** The a=fmtp parameter text, verbatim. */
  readonly fmtp?: string;
  readonly rtcpFeedback: readonly RtcpFeedback[];
  /** For an RTX payload type (RFC 4588 §8.6): the payload type it repairs (fmtp `apt`). */
  readonly apt?: number;
}

/** One a=extmap (RFC 8285 §8). */
export interface HeaderExtension {
  /** 1-14 for the one-byte form, 1-255 with the two-byte form (RFC 8285 §4.2/§4.3). */
  readonly id: number;
  readonly uri: string;
  /** The optional direction after the id (`a=extmap:2/recvonly`). */
  readonly direction?: MediaDirection;
}

/** An a=ssrc source and its attributes (RFC 5576 §4.1). */
export interface SsrcDescription {
  readonly ssrc: number;
  readonly cname?: string;
  /** a=ssrc:<ssrc> msid:<stream> <track> (the legacy per-SSRC form, RFC 8830 appendix). */
  readonly msid?: string;
}

/** a=ssrc-group (RFC 5576 §4.2): FID pairs a media SSRC with its RTX SSRC (RFC 4588), SIM lists layers. */
export interface SsrcGroup {
  readonly semantics: string;
  readonly ssrcs: readonly number[];
}

/** a=rid (RFC 8851 §4): a stream id, its direction and restrictions. */
export interface RtpStreamId {
  readonly id: string;
  readonly direction: 'send' | 'recv';
  /** Payload types the rid is restricted to (`pt=`), empty when any. */
  readonly payloadTypes: readonly number[];
  /** The restriction text after the direction, verbatim (`max-width=1280;max-fps=30`). */
  readonly params?: string;
}

/** One simulcast stream of a=simulcast (RFC 8853 §5.1): alternative rids, any of which may be paused (`~`). */
export type SimulcastStream = readonly { readonly rid: string; readonly paused: boolean }[];

export interface Simulcast {
  readonly send: readonly SimulcastStream[];
  readonly recv: readonly SimulcastStream[];
}

/** The header extension URIs the BUNDLE demux and an SFU read. */
export const RTP_HEADER_EXTENSION_URIS = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  ssrcAudioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
} as const;

/** The direction an answerer may take for an offered one (RFC 3264 §6.1), intersected with ours. */
export function answerDirection(offered: MediaDirection, wanted: MediaDirection): MediaDirection {
  const offerSends = offered === 'sendrecv' || offered === 'sendonly';
  const offerReceives = offered === 'sendrecv' || offered === 'recvonly';
  const weSend = (wanted === 'sendrecv' || wanted === 'sendonly') && offerReceives;
  const weReceive = (wanted === 'sendrecv' || wanted === 'recvonly') && offerSends;
  if (weSend && weReceive) return 'sendrecv';
  if (weSend) return 'sendonly';
  if (weReceive) return 'recvonly';
  return 'inactive';
}
