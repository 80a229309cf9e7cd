/**
 * Why an incoming SRTP/SRTCP packet was rejected. Rejections are values, not exceptions: no
 * stack trace is built per rejected packet, and the result objects for failures are shared
 * frozen constants, so rejecting allocates nothing.
 */
export const UnprotectReason = Object.freeze({
  /** Shorter than its fixed header, or too short to hold the SRTCP index, MKI and tag. */
  truncated: 'truncated',
  /** RTP/RTCP version field is not 2. */
  badVersion: 'bad-version',
  /** The CSRC count (CC) announces more CSRCs than the packet holds. */
  badCsrcCount: 'bad-csrc-count',
  /** The header extension's length runs past the end of the packet. */
  badExtensionLength: 'bad-extension-length',
  /** The MKI field does not identify this session's master key. */
  unknownMki: 'unknown-mki',
  /** The authentication tag (HMAC-SHA1 or GCM tag) does not verify. */
  authFailed: 'auth-failed',
  /** The packet index was already accepted (RFC 3711 §3.3.2). */
  replayed: 'replayed',
  /** The packet index is behind the replay window, or before the stream's first packet. */
  tooOld: 'too-old',
  /** The packet's SSRC is new and the session already tracks `maxStreams` SSRCs. */
  tooManyStreams: 'too-many-streams',
  /** The packet's index would pass 2^48 (SRTP): the master key is exhausted. */
  indexExhausted: 'index-exhausted',
  /** Longer than MAX_SRTP_PACKET_LENGTH: more than the 2^16 AES-CM blocks one IV may cover. */
  tooLong: 'too-long',
} as const);

export type UnprotectFailureReason = (typeof UnprotectReason)[keyof typeof UnprotectReason];

export interface UnprotectFailure {
  readonly ok: false;
  readonly reason: UnprotectFailureReason;
}

export interface UnprotectRtpSuccess {
  readonly ok: true;
  /** The plain RTP packet (header, payload and padding); a view when unprotected in place. */
  readonly packet: Uint8Array;
  /** Length of the RTP header (fixed part, CSRCs and extension): the payload starts here. */
  readonly headerLength: number;
  /** The 48-bit SRTP packet index ROC * 2^16 + SEQ (RFC 3711 §3.3.1). */
  readonly index: number;
}

export interface UnprotectRtcpSuccess {
  readonly ok: true;
  /** The plain compound RTCP packet; a view when unprotected in place. */
  readonly packet: Uint8Array;
  /** The 31-bit SRTCP index the sender gave the packet. */
  readonly index: number;
}

export type UnprotectRtpResult = UnprotectRtpSuccess | UnprotectFailure;
export type UnprotectRtcpResult = UnprotectRtcpSuccess | UnprotectFailure;

const failures = new Map<UnprotectFailureReason, UnprotectFailure>(
  Object.values(UnprotectReason).map((reason) => [reason, Object.freeze({ ok: false as const, reason })]),
);

/** The shared frozen failure value for `reason`. */
export function failure(reason: UnprotectFailureReason): UnprotectFailure {
  return failures.get(reason)!;
}
