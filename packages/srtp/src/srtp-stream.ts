import type { KeystreamLookahead } from './crypto/aes-counter-mode.js';
import type { ReplayWindow } from './replay-window.js';

/**
 * What one session remembers about one SSRC: the SRTP rollover counter and highest sequence
 * number (RFC 3711 §3.2.1 s_l), the replay windows, and the sender's SRTCP index.
 */
export class SrtpStream {
  readonly ssrc: number;
  /** ROC: how many times the 16-bit sequence number has wrapped. */
  rolloverCounter = 0;
  /** s_l: highest sequence number seen (valid once `started`). */
  highestSeq = 0;
  /** False until the first SRTP packet of the stream was protected or authenticated. */
  started = false;
  /** Receiver replay window over SRTP indices (created on first use). */
  rtpReplay: ReplayWindow | undefined;
  /** AES-CM keystream computed ahead for the next packet indices (created on first use). */
  rtpLookahead: KeystreamLookahead | undefined;
  /** Last SRTCP index sent; the next packet carries this + 1. */
  srtcpIndex = 0;
  /** Receiver replay window over SRTCP indices (created on first use). */
  rtcpReplay: ReplayWindow | undefined;

  constructor(ssrc: number) {
    this.ssrc = ssrc;
  }
}
