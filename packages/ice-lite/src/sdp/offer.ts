import { parseFingerprint } from '@rtcseal/dtls';
import * as sdpTransform from 'sdp-transform';

/** What an ICE-lite answerer needs from a browser's offer. */
export interface AudioOffer {
  /** The peer's ICE credentials (media level wins over session level, RFC 8839 §5.4). */
  readonly iceUfrag: string;
  readonly icePwd: string;
  /** DTLS certificate fingerprint as `"<hash-func> <HEX:..>"` (RFC 8122 §5), media or session level. */
  readonly fingerprint: string;
  /** a=setup of the offer (RFC 4145 §4); browsers offer 'actpass'. */
  readonly setup: 'actpass' | 'active' | 'passive' | 'holdconn';
  /** mids of the first BUNDLE group (RFC 9143), empty when none. */
  readonly bundle: readonly string[];
  /** Index, mid and protocol of the audio m-section we answer. */
  readonly audioIndex: number;
  readonly audioMid: string | undefined;
  readonly audioProtocol: string;
  /** Opus as offered: payload type, clock rate, channels and fmtp parameters (RFC 7587). */
  readonly opus: { payloadType: number; clockRate: number; channels: number; fmtp: string | undefined };
  /** The offer's direction for the audio section. */
  readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  readonly rtcpMux: boolean;
  /** Number of m-sections; the answer must have as many (RFC 3264 §6). */
  readonly mediaCount: number;
  /** The parsed offer, for anything else the embedding program wants. */
  readonly parsed: sdpTransform.SessionDescription;
}

export type OfferResult = { ok: true; offer: AudioOffer } | { ok: false; error: string };

const SETUPS = new Set(['actpass', 'active', 'passive', 'holdconn']);

/**
 * ice-ufrag / ice-pwd values (RFC 8839 §5.4: ice-chars, at most 256). The lower bounds of the RFC
 * (4 and 22) are not enforced: the agent needs only a non-empty ufrag, and a peer with short
 * credentials hurts only itself.
 */
const ICE_CREDENTIAL = /^[A-Za-z0-9+/]{1,256}$/;

/**
 * Reads an offer from a browser. SDP arrives from the network through signaling, so a bad offer is a
 * typed error result, not an exception.
 */
export function parseAudioOffer(sdp: string): OfferResult {
  try {
    return interpretOffer(sdp);
  } catch {
    // The parser's output is loosely typed (numbers where text was expected); nothing here may throw.
    return { ok: false, error: 'offer has an unexpected structure' };
  }
}

/** sdp-transform turns numeric-looking values into numbers; credentials are text. */
function asText(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function interpretOffer(sdp: string): OfferResult {
  if (typeof sdp !== 'string' || sdp.length === 0) return { ok: false, error: 'offer is empty' };
  if (sdp.length > 256 * 1024) return { ok: false, error: 'offer is larger than 256 KiB' };
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch {
    return { ok: false, error: 'offer is not parseable SDP' };
  }
  const media = parsed.media ?? [];
  const audioIndex = media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (audioIndex < 0) return { ok: false, error: 'offer has no active audio m-section' };
  const audio = media[audioIndex]!;
  const iceUfrag = asText(audio.iceUfrag ?? parsed.iceUfrag);
  const icePwd = asText(audio.icePwd ?? parsed.icePwd);
  if (!iceUfrag || !icePwd) return { ok: false, error: 'offer has no a=ice-ufrag / a=ice-pwd' };
  // Checked here so that the agent and the DTLS engine, which throw on such values as misuse,
  // never see them: they came from the network.
  if (!ICE_CREDENTIAL.test(iceUfrag)) return { ok: false, error: 'offer a=ice-ufrag is not 1-256 ice-chars' };
  if (!ICE_CREDENTIAL.test(icePwd)) return { ok: false, error: 'offer a=ice-pwd is not 1-256 ice-chars' };
  // Firefox puts a=fingerprint at session level, Chromium in each m-section (RFC 8122 §5 allows both).
  const fp = audio.fingerprint ?? parsed.fingerprint;
  if (!fp) return { ok: false, error: 'offer has no a=fingerprint' };
  const fingerprint = `${String(fp.type).toLowerCase()} ${String(fp.hash).toUpperCase()}`;
  if (parseFingerprint(fingerprint) === undefined) {
    return {
      ok: false,
      error: 'offer a=fingerprint is not a known hash function with a digest of its length',
    };
  }
  const setup = String(audio.setup ?? parsed.setup ?? 'actpass').toLowerCase();
  if (!SETUPS.has(setup)) return { ok: false, error: `offer has an unknown a=setup:${setup}` };
  const opusRtp = (audio.rtp ?? []).find((r) => String(r.codec).toLowerCase() === 'opus');
  if (!opusRtp) return { ok: false, error: 'offer has no opus codec' };
  const fmtp = (audio.fmtp ?? []).find((f) => f.payload === opusRtp.payload)?.config;
  const group = (parsed.groups ?? []).find((g) => String(g.type).toUpperCase() === 'BUNDLE');
  const direction = audio.direction ?? parsed.direction ?? 'sendrecv';
  return {
    ok: true,
    offer: {
      iceUfrag,
      icePwd,
      fingerprint,
      setup: setup as AudioOffer['setup'],
      bundle: group
        ? String(group.mids)
            .split(/\s+/)
            .filter((m) => m.length > 0)
        : [],
      audioIndex,
      audioMid: audio.mid === undefined ? undefined : String(audio.mid),
      audioProtocol: audio.protocol,
      opus: {
        payloadType: opusRtp.payload,
        clockRate: opusRtp.rate ?? 48000,
        channels: Number(opusRtp.encoding ?? 1),
        fmtp,
      },
      direction,
      rtcpMux: audio.rtcpMux !== undefined,
      mediaCount: media.length,
      parsed,
    },
  };
}
