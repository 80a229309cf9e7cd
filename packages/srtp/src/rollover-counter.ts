/**
 * Guesses the rollover counter v of a packet with sequence number `seq` from the stream's ROC
 * and the highest sequence number s_l seen so far (RFC 3711 §3.3.1, Appendix A): the packet
 * index is then v * 2^16 + seq. Returns -1 when the packet would belong to the cycle before ROC 0
 * and 2^32 when it would need a ROC past 2^32 - 1; callers reject both.
 */
export function estimateRolloverCounter(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < 32768) {
    return seq - highestSeq > 32768 ? roc - 1 : roc;
  }
  return highestSeq - 32768 > seq ? roc + 1 : roc;
}

/** Largest ROC value: the SRTP index is 48 bits (RFC 3711 §3.2.1). */
export const MAX_ROLLOVER_COUNTER = 0xffffffff;
