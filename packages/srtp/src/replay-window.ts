/** Outcome of a replay check. */
export const ReplayCheck = Object.freeze({ fresh: 0, replayed: 1, tooOld: 2 } as const);
export type ReplayCheck = (typeof ReplayCheck)[keyof typeof ReplayCheck];

/**
 * Sliding replay window over packet indices (RFC 3711 §3.3.2): remembers which of the last
 * `size` indices below the highest accepted one were received. `check` is called before a packet
 * is decrypted; `accept` only after it authenticated, so forged packets never move the window.
 *
 * The bitmap is circular (bit `index mod size`), so advancing costs clearing only the bits the
 * window slides over, not shifting the whole map.
 */
export class ReplayWindow {
  readonly size: number;
  readonly #bits: Uint32Array;
  /** Highest accepted index; -1 before the first. */
  #highest = -1;

  /** @param size window length in packets: a multiple of 32, at least 32. */
  constructor(size: number) {
    this.size = size;
    this.#bits = new Uint32Array(size >>> 5);
  }

  get highest(): number {
    return this.#highest;
  }

  check(index: number): ReplayCheck {
    if (index > this.#highest) return ReplayCheck.fresh;
    if (this.#highest - index >= this.size) return ReplayCheck.tooOld;
    const pos = index % this.size;
    return (this.#bits[pos >>> 5]! & (1 << (pos & 31))) !== 0 ? ReplayCheck.replayed : ReplayCheck.fresh;
  }

  accept(index: number): void {
    const bits = this.#bits;
    if (index > this.#highest) {
      const advance = this.#highest < 0 ? this.size : index - this.#highest;
      if (advance >= this.size) {
        bits.fill(0);
      } else {
        for (let i = this.#highest + 1; i <= index; i++) {
          const pos = i % this.size;
          bits[pos >>> 5] = bits[pos >>> 5]! & ~(1 << (pos & 31));
        }
      }
      this.#highest = index;
    }
    const pos = index % this.size;
    bits[pos >>> 5] = bits[pos >>> 5]! | (1 << (pos & 31));
  }
}
