import { type LinkProfile, PathDirection, PERFECT_LINK } from './path.js';
import type { Prng } from './prng.js';

/**
 * A simulated UDP network of addressed nodes on a virtual clock: each node is an (address, port)
 * with a receiver; datagrams between two hosts go through a PathDirection per (source host,
 * destination host), so a profile can be set per direction. An attacker is just another host
 * that may put any source address on what it sends (`spoof`): the datagram travels the attacker's
 * own path but arrives claiming the forged source, as IP spoofing does. `tap` lets an observer on
 * the path see every datagram in flight (an on-path attacker reads, an off-path one does not).
 */

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type Receiver = (bytes: Uint8Array, from: Endpoint, now: number) => void;

/** What arrived where, for traces and assertions. */
export interface Delivered {
  readonly at: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly bytes: Uint8Array;
  /** True when the source was forged by `spoof`. */
  readonly spoofed: boolean;
}

interface InFlight extends Delivered {
  readonly order: number;
}

const key = (e: Endpoint) => `${e.address}:${e.port}`;

export class UdpNetwork {
  readonly #prng: Prng;
  readonly #defaultLink: LinkProfile;
  readonly #paths = new Map<string, PathDirection>();
  readonly #nodes = new Map<string, Receiver>();
  readonly #queue: InFlight[] = [];
  readonly #taps: Array<(d: Delivered) => void> = [];
  #order = 0;
  /** Every datagram delivered to a node, in delivery order. */
  readonly log: Delivered[] = [];

  constructor(prng: Prng, defaultLink: LinkProfile = PERFECT_LINK) {
    this.#prng = prng;
    this.#defaultLink = defaultLink;
  }

  /** Sets the profile of the path from one host to another (one direction). */
  setLink(fromAddress: string, toAddress: string, link: LinkProfile): void {
    this.#paths.set(`${fromAddress}>${toAddress}`, new PathDirection(link, this.#prng));
  }

  /** The path from one host to another (created with the default profile on first use). */
  path(fromAddress: string, toAddress: string): PathDirection {
    const k = `${fromAddress}>${toAddress}`;
    let p = this.#paths.get(k);
    if (p === undefined) {
      p = new PathDirection(this.#defaultLink, this.#prng);
      this.#paths.set(k, p);
    }
    return p;
  }

  attach(endpoint: Endpoint, receiver: Receiver): void {
    this.#nodes.set(key(endpoint), receiver);
  }

  tap(observer: (d: Delivered) => void): void {
    this.#taps.push(observer);
  }

  /** A datagram from `from` to `to`, sent at `now`. */
  send(from: Endpoint, to: Endpoint, bytes: Uint8Array, now: number): void {
    this.#schedule(from.address, from, to, bytes, now, false);
  }

  /**
   * A datagram the host `viaAddress` sends with the forged source `claimedFrom`: it takes the
   * sender's path, and the receiver sees `claimedFrom`.
   */
  spoof(viaAddress: string, claimedFrom: Endpoint, to: Endpoint, bytes: Uint8Array, now: number): void {
    this.#schedule(viaAddress, claimedFrom, to, bytes, now, true);
  }

  /** Time of the next delivery, if any. */
  nextDelivery(): number | undefined {
    let next: number | undefined;
    for (const d of this.#queue) if (next === undefined || d.at < next) next = d.at;
    return next;
  }

  /** Delivers everything due by `now`, in time order (send order for equal times). */
  deliverDue(now: number): number {
    let n = 0;
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.#queue.length; i++) {
        const d = this.#queue[i]!;
        if (d.at > now) continue;
        const b = this.#queue[best];
        if (best < 0 || d.at < b!.at || (d.at === b!.at && d.order < b!.order)) best = i;
      }
      if (best < 0) return n;
      const d = this.#queue.splice(best, 1)[0]!;
      const receiver = this.#nodes.get(key(d.to));
      const delivered: Delivered = { at: d.at, from: d.from, to: d.to, bytes: d.bytes, spoofed: d.spoofed };
      this.log.push(delivered);
      n++;
      receiver?.(d.bytes, d.from, Math.max(d.at, 0));
    }
  }

  #schedule(
    viaAddress: string,
    from: Endpoint,
    to: Endpoint,
    bytes: Uint8Array,
    now: number,
    spoofed: boolean,
  ): void {
    for (const tap of this.#taps) tap({ at: now, from, to, bytes, spoofed });
    for (const at of this.path(viaAddress, to.address).transit(bytes.length, now)) {
      this.#queue.push({ at, from, to, bytes, spoofed, order: this.#order++ });
    }
  }
}
