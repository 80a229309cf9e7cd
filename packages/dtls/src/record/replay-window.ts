/**
 * Anti-replay sliding window for one epoch (RFC 6347 §4.1.2.6, the algorithm of RFC 4303 §3.4.3).
 * `check` says whether a sequence number may be processed; `accept` records it and must be called
 * only after the record authenticated, so forged records cannot move the window.
 * Memory is one byte per slot of the window, fixed at construction.
 */
export class ReplayWindow {
  private readonly seen: Uint8Array;
  private top = -1;

  /** @param width slots below the highest accepted number that are remembered (RFC 6347: at least 32; 64 preferred). */
  constructor(readonly width = 64) {
    if (!Number.isInteger(width) || width < 32 || width > 4096) {
      throw new RangeError(`width must be an integer in 32..4096, got ${width}`);
    }
    this.seen = new Uint8Array(width);
  }

  /** Highest sequence number accepted so far, or -1. */
  get highest(): number {
    return this.top;
  }

  /** True when `seq` is new: above the window, or inside it and not yet seen. */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    if (this.top - seq >= this.width) return false;
    return this.seen[seq % this.width] === 0;
  }

  /** Marks `seq` as received, sliding the window forward when it is the new highest. */
  accept(seq: number): void {
    if (seq > this.top) {
      const advance = seq - this.top;
      if (advance >= this.width) this.seen.fill(0);
      else for (let s = this.top + 1; s < seq; s++) this.seen[s % this.width] = 0;
      this.top = seq;
    } else if (this.top - seq >= this.width) {
      return;
    }
    this.seen[seq % this.width] = 1;
  }
}
