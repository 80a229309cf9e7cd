import type { CodecPreference, RtpCodec } from '@rtcseal/ice-lite';
import type { PayloadContinuity } from './forwarded-stream.js';
import { isH264KeyframeStart } from './h264.js';
import { isVp8KeyframeStart, Vp8PictureContinuity } from './vp8.js';
import { isVp9KeyframeStart, Vp9PictureContinuity } from './vp9.js';

/**
 * The video codecs the room can forward, one row each: what its answer accepts, where a receiver can
 * start decoding (switches of sender and layer happen there), and how a seat keeps the codec's own
 * picture numbering continuous. A room forwards one of them; every participant must offer it.
 */
export interface ForwardableVideoCodec {
  /** Lower-case encoding name, as `a=rtpmap` spells it. */
  readonly name: 'vp8' | 'vp9' | 'h264';
  /** The answer's codec preference; it must match one offered codec of every video section. */
  readonly preference: CodecPreference;
  /** Whether an offered codec is this one (name, and the fmtp the room forwards). */
  matches(codec: RtpCodec): boolean;
  isKeyframeStart(packet: Uint8Array, payloadOffset: number, payloadLength: number): boolean;
  newPayloadContinuity(): PayloadContinuity | undefined;
}

/**
 * H.264 Constrained Baseline level 3.1 with packetization mode 1 (STAP-A and FU-A, RFC 6184 §6.3):
 * what Chromium and Firefox (OpenH264) both offer, and the one profile every participant decodes.
 */
function isForwardableH264(fmtp: string): boolean {
  const params = new Map(
    fmtp
      .split(';')
      .map((p) => p.trim().split('='))
      .map(([k, v]) => [k?.toLowerCase(), v?.toLowerCase()]),
  );
  return params.get('packetization-mode') === '1' && params.get('profile-level-id') === '42e01f';
}

export const FORWARDABLE_VIDEO_CODECS: readonly ForwardableVideoCodec[] = [
  {
    name: 'vp8',
    preference: 'video/VP8',
    matches: (c) => c.name.toLowerCase() === 'vp8',
    isKeyframeStart: isVp8KeyframeStart,
    newPayloadContinuity: () => new Vp8PictureContinuity(),
  },
  {
    name: 'vp9',
    // Profile 0 (8-bit 4:2:0) is the one every browser encodes; the default when absent (RFC 9628 §6).
    preference: { mimeType: 'video/VP9', fmtp: (f) => !/profile-id=[1-3]/.test(f) },
    matches: (c) => c.name.toLowerCase() === 'vp9' && !/profile-id=[1-3]/.test(c.fmtp ?? ''),
    isKeyframeStart: isVp9KeyframeStart,
    newPayloadContinuity: () => new Vp9PictureContinuity(),
  },
  {
    name: 'h264',
    preference: { mimeType: 'video/H264', fmtp: isForwardableH264 },
    matches: (c) => c.name.toLowerCase() === 'h264' && isForwardableH264(c.fmtp ?? ''),
    isKeyframeStart: isH264KeyframeStart,
    // H.264 payloads carry no picture numbers of their own (frame_num restarts at each IDR).
    newPayloadContinuity: () => undefined,
  },
];

/** The first codec of `offered` (in offer order, the offerer's preference) that the room can forward. */
export function firstForwardableCodec(offered: readonly RtpCodec[]): ForwardableVideoCodec | undefined {
  for (const c of offered) {
    const row = FORWARDABLE_VIDEO_CODECS.find((f) => f.matches(c));
    if (row) return row;
  }
  return undefined;
}
