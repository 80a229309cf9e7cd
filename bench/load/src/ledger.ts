/**
 * Latencies in fixed 10 µs bins up to 1 s (plus the exact maximum): constant memory however long
 * the run, percentiles exact to the bin.
 */
const BIN_MS = 0.01;

export class LatencyHistogram {
  private readonly bins = new Uint32Array(100_000);
  /** Samples beyond the last bin (counted in `count`, placed at `max`). */
  overflow = 0;
  count = 0;
  max = 0;

  add(ms: number): void {
    const v = Math.max(0, ms);
    const i = Math.floor(v / BIN_MS);
    if (i < this.bins.length) this.bins[i]!++;
    else this.overflow++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  /** The q-quantile (0..1) in ms, the upper edge of its bin; undefined with no samples. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= rank) return Math.min((i + 1) * BIN_MS, this.max);
    }
    return this.max;
  }
}

/** The q-quantile of a list of samples (nearest rank), undefined when empty. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * What every caller adds to as media flows. Loss is counted on the packets sent while `measuring`
 * (the hold): each carries a flag, the sender counts it, the receiver counts it by sender, and the
 * difference after a drain is what the server or the network lost.
 */
export class MediaLedger {
  measuring = false;
  readonly sentMeasured: Uint32Array;
  readonly receivedMeasured: Uint32Array;
  readonly latency = new LatencyHistogram();
  rtpSent = 0;
  rtpReceived = 0;
  /** Measured packets that came back to their own sender (an echo room) rather than to the other party. */
  echoed = 0;
  rtcpSent = 0;
  rtcpReceived = 0;
  /** Received media that did not authenticate or was not ours, by reason. */
  readonly receiveDrops: Record<string, number> = {};
  sendErrors = 0;
  /** Sends the generator made late (its timer fell behind): a sign that it is the bottleneck. */
  lateSends = 0;

  constructor(callers: number) {
    this.sentMeasured = new Uint32Array(callers);
    this.receivedMeasured = new Uint32Array(callers);
  }

  drop(reason: string): void {
    this.receiveDrops[reason] = (this.receiveDrops[reason] ?? 0) + 1;
  }
}
