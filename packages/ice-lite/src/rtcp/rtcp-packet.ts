/**
 * The RTCP packets an SFU routes, parsed enough to route them: who sent it, about which media SSRC,
 * and what it asks for. Packet types of RFC 3550 §12.1 and RFC 4585 §6.1, feedback formats of
 * RFC 4585 §6.2-6.3, RFC 5104 §4.3.1, draft-alvestrand-rmcat-remb and draft-holmer-rmcat-transport-wide-cc.
 */

export const RTCP_PACKET_TYPE = {
  senderReport: 200,
  receiverReport: 201,
  sourceDescription: 202,
  goodbye: 203,
  application: 204,
  /** Transport-layer feedback (RFC 4585 §6.1): FMT 1 generic NACK, FMT 15 transport-cc. */
  transportFeedback: 205,
  /** Payload-specific feedback (RFC 4585 §6.1): FMT 1 PLI, FMT 4 FIR (RFC 5104), FMT 15 application (REMB). */
  payloadFeedback: 206,
  extendedReport: 207,
} as const;

export const RTPFB_FMT = { nack: 1, transportCc: 15 } as const;
export const PSFB_FMT = { pli: 1, fir: 4, application: 15 } as const;

/** A report block of SR and RR (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the last report, in 1/256. */
  readonly fractionLost: number;
  /** Cumulative packets lost, a signed 24-bit value. */
  readonly cumulativeLost: number;
  readonly highestSequence: number;
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (LSR). */
  readonly lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s (DLSR). */
  readonly delaySinceLastSenderReport: number;
}

export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpSourceDescription {
  readonly type: 'sdes';
  /** One entry per chunk; cname when the chunk has a CNAME item (RFC 3550 §6.5.1). */
  readonly chunks: readonly { readonly ssrc: number; readonly cname: string | undefined }[];
}

export interface RtcpGoodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason: string | undefined;
}

/** Generic NACK (RFC 4585 §6.2.1): the lost sequence numbers, PID and BLP expanded. */
export interface RtcpNack {
  readonly type: 'nack';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly sequenceNumbers: readonly number[];
}

/** Picture Loss Indication (RFC 4585 §6.3.1). */
export interface RtcpPli {
  readonly type: 'pli';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
}

/** Full Intra Request (RFC 5104 §4.3.1): one entry per media sender asked for a keyframe. */
export interface RtcpFir {
  readonly type: 'fir';
  readonly senderSsrc: number;
  /** RFC 5104 §4.3.1.2 sets the header's media SSRC to 0; the targets are in `entries`. */
  readonly mediaSsrc: number;
  readonly entries: readonly { readonly ssrc: number; readonly sequenceNumber: number }[];
}

/** Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb §2.2). */
export interface RtcpRemb {
  readonly type: 'remb';
  readonly senderSsrc: number;
  /** Bits per second: mantissa × 2^exponent. */
  readonly bitrate: number;
  readonly ssrcs: readonly number[];
}

/** Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions §3.1): its header only. */
export interface RtcpTransportCc {
  readonly type: 'transport-cc';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly baseSequenceNumber: number;
  readonly packetStatusCount: number;
  /** 24-bit signed reference time, in multiples of 64 ms. */
  readonly referenceTime: number;
  readonly feedbackPacketCount: number;
}

/** Any other packet (APP, XR, feedback formats not listed): its type, FMT/count and first SSRC. */
export interface RtcpOtherPacket {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count / FMT field. */
  readonly format: number;
  /** The SSRC after the header, when the packet has one. */
  readonly ssrc: number | undefined;
  /** For RTPFB/PSFB, the media SSRC. */
  readonly mediaSsrc: number | undefined;
}

export type RtcpPacket =
  | RtcpSenderReport
  | RtcpReceiverReport
  | RtcpSourceDescription
  | RtcpGoodbye
  | RtcpNack
  | RtcpPli
  | RtcpFir
  | RtcpRemb
  | RtcpTransportCc
  | RtcpOtherPacket;
