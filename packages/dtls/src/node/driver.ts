import type { DtlsEngine } from '../engine.js';
import type { DtlsEvent } from '../events.js';

/** Milliseconds on a monotonic clock; what the engine's `now` parameters take. */
export type Clock = () => number;
export const monotonicClock: Clock = () => performance.now();

/**
 * Runs one sans-IO engine on real time: every input goes through run() or
 * runGuarded(), which then drain the engine's datagrams to `transmit`, its
 * events to `onEvent`, and re-arm a single timer at engine.nextTimeout().
 *
 * Input from the socket and the timer runs on the event loop, where an
 * exception would end the process: whatever the engine or an event handler
 * throws there goes to `onFault` instead.
 */
export class EngineDriver {
  private timer: NodeJS.Timeout | undefined;
  private timerAt: number | undefined;
  private disposed = false;

  constructor(
    readonly engine: DtlsEngine,
    private readonly transmit: (datagram: Uint8Array) => void,
    private readonly onEvent: (event: DtlsEvent) => void,
    private readonly clock: Clock = monotonicClock,
    private readonly onFault: (error: unknown) => void = (error) => {
      throw error;
    },
  ) {}

  /**
   * For calls of the embedder (send, close): calls `input` with the current time, so API misuse
   * throws to the caller, then flushes output and reschedules; a throwing event handler goes to
   * `onFault`.
   */
  run(input: (now: number) => void): void {
    if (this.disposed) return;
    input(this.clock());
    this.flushGuarded();
  }

  /** For network input and timers: like run(), but anything thrown goes to `onFault`. */
  runGuarded(input: (now: number) => void): void {
    if (this.disposed) return;
    try {
      input(this.clock());
    } catch (error) {
      this.onFault(error);
      return;
    }
    this.flushGuarded();
  }

  private flushGuarded(): void {
    try {
      this.flush();
    } catch (error) {
      this.onFault(error);
    }
  }

  private flush(): void {
    for (let d = this.engine.pollTransmit(); d !== undefined; d = this.engine.pollTransmit())
      this.transmit(d);
    for (let e = this.engine.pollEvent(); e !== undefined; e = this.engine.pollEvent()) {
      this.onEvent(e);
      if (this.disposed) return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.disposed) return;
    const at = this.engine.nextTimeout();
    if (at === this.timerAt && this.timer !== undefined) return;
    this.clearTimer();
    if (at === undefined) return;
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.runGuarded((now) => this.engine.handleTimeout(now));
      },
      Math.max(0, Math.ceil(at - this.clock())),
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  /** Stops the timer; later run() calls do nothing. */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }
}
