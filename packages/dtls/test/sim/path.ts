import type { Prng } from './prng.js';

/**
 * One direction of a simulated network path, as real paths fail (the shape of Linux netem):
 * independent or bursty (Gilbert-Elliott) loss, duplication, reordering, an MTU, a one-way delay
 * with correlated jitter, and a rate-limited bottleneck with a finite buffer (tail drop). Every
 * decision is drawn from the run's seeded Prng, so the same seed replays the same run.
 */

/**
 * Two-state Markov loss (Gilbert 1960, Elliott 1963): in the good state a datagram is lost with
 * `lossGood`, in the bad state with `lossBad`; before each datagram the state moves good -> bad
 * with probability `p` and bad -> good with `r`. Mean burst length 1/r, share of time in the bad
 * state p / (p + r).
 */
export interface GilbertElliott {
  readonly p: number;
  readonly r: number;
  /** Default 0. */
  readonly lossGood?: number;
  /** Default 1. */
  readonly lossBad?: number;
}

/**
 * Jitter added to the delay, correlated from one datagram to the next as netem does: the next
 * value is `correlation` times the last plus (1 - correlation) times a fresh uniform draw in
 * [-ms, ms]. The sum never goes below zero delay.
 */
export interface CorrelatedJitter {
  readonly ms: number;
  readonly correlation: number;
}

/**
 * A bottleneck: datagrams leave one after another at `bytesPerSecond`; those that would find more
 * than `bufferBytes` queued ahead of them are dropped (tail drop), as at a home router's uplink.
 */
export interface RateLimit {
  readonly bytesPerSecond: number;
  readonly bufferBytes: number;
}

/** How the simulated path mistreats datagrams, per direction. */
export interface LinkProfile {
  /** Probability a datagram is lost (independently of the others). */
  readonly loss: number;
  /** Probability a datagram is delivered twice. */
  readonly duplicate: number;
  /** Probability a datagram is held back long enough to overtake later ones. */
  readonly reorder: number;
  /** Datagrams larger than this are dropped (a path MTU). */
  readonly mtu: number;
  /** One-way delay range in ms. */
  readonly delayMs: readonly [number, number];
  /** Bursty loss on top of `loss`. */
  readonly gilbertElliott?: GilbertElliott;
  readonly jitter?: CorrelatedJitter;
  readonly rate?: RateLimit;
}

export const PERFECT_LINK: LinkProfile = { loss: 0, duplicate: 0, reorder: 0, mtu: 65535, delayMs: [5, 5] };

/**
 * A home Wi-Fi hop to a nearby server: short delay with correlated jitter, rare loss in short
 * bursts (interference, retries given up), a 20 Mbit/s bottleneck with a 64 KB buffer.
 */
export const WIFI_LINK: LinkProfile = {
  loss: 0.002,
  duplicate: 0.001,
  reorder: 0.005,
  mtu: 1472,
  delayMs: [4, 8],
  gilbertElliott: { p: 0.01, r: 0.4, lossBad: 0.5 },
  jitter: { ms: 6, correlation: 0.5 },
  rate: { bytesPerSecond: 2_500_000, bufferBytes: 64 * 1024 },
};

/**
 * A mobile uplink: long, strongly correlated delay, loss in longer bursts (handovers, fading),
 * a 1 Mbit/s bottleneck with a 32 KB buffer, more reordering, a 1280-byte MTU (tunnels).
 */
export const CELLULAR_LINK: LinkProfile = {
  loss: 0.005,
  duplicate: 0.002,
  reorder: 0.02,
  mtu: 1280,
  delayMs: [30, 60],
  gilbertElliott: { p: 0.02, r: 0.2, lossBad: 0.7 },
  jitter: { ms: 25, correlation: 0.75 },
  rate: { bytesPerSecond: 125_000, bufferBytes: 32 * 1024 },
};

/** Named profiles, for tests that run the same scenario over each. */
export const LINK_PROFILES = { perfect: PERFECT_LINK, wifi: WIFI_LINK, cellular: CELLULAR_LINK } as const;

/** Counters of one direction, for tests to see which failure modes a run exercised. */
export interface PathStats {
  sent: number;
  delivered: number;
  lostRandom: number;
  lostBurst: number;
  droppedMtu: number;
  droppedQueue: number;
  duplicated: number;
  reordered: number;
}

/** One direction of a path: where each datagram goes, and when. */
export class PathDirection {
  readonly stats: PathStats = {
    sent: 0,
    delivered: 0,
    lostRandom: 0,
    lostBurst: 0,
    droppedMtu: 0,
    droppedQueue: 0,
    duplicated: 0,
    reordered: 0,
  };
  #bad = false;
  #jitter = 0;
  /** When the bottleneck finishes sending what is queued. */
  #busyUntil = 0;

  constructor(
    readonly link: LinkProfile,
    private readonly prng: Prng,
  ) {}

  /**
   * Arrival times of the copies of a datagram of `size` bytes sent at `now`: none when it is lost,
   * two when duplicated. The draws for the plain fields come first and in the same order as they
   * always did, so runs without the newer fields replay as before.
   */
  transit(size: number, now: number): number[] {
    const link = this.link;
    const s = this.stats;
    s.sent++;
    if (size > link.mtu) {
      s.droppedMtu++;
      return [];
    }
    if (this.prng.next() < link.loss) {
      s.lostRandom++;
      return [];
    }
    const ge = link.gilbertElliott;
    if (ge) {
      this.#bad = this.#bad ? this.prng.next() >= ge.r : this.prng.next() < ge.p;
      const lossNow = this.#bad ? (ge.lossBad ?? 1) : (ge.lossGood ?? 0);
      if (this.prng.next() < lossNow) {
        s.lostBurst++;
        return [];
      }
    }
    let departure = now;
    const rate = link.rate;
    if (rate) {
      const start = Math.max(now, this.#busyUntil);
      if ((start - now) * (rate.bytesPerSecond / 1000) + size > rate.bufferBytes) {
        s.droppedQueue++;
        return [];
      }
      departure = start + (size * 1000) / rate.bytesPerSecond;
      this.#busyUntil = departure;
    }
    const copies = this.prng.next() < link.duplicate ? 2 : 1;
    if (copies === 2) s.duplicated++;
    const out: number[] = [];
    for (let i = 0; i < copies; i++) {
      const [lo, hi] = link.delayMs;
      let delay = lo + this.prng.next() * (hi - lo);
      if (this.prng.next() < link.reorder) {
        delay += 10 + this.prng.next() * 50;
        s.reordered++;
      }
      const jitter = link.jitter;
      if (jitter) {
        const fresh = (this.prng.next() * 2 - 1) * jitter.ms;
        this.#jitter = jitter.correlation * this.#jitter + (1 - jitter.correlation) * fresh;
        delay = Math.max(0, delay + this.#jitter);
      }
      out.push(departure + delay);
      s.delivered++;
    }
    return out;
  }
}
