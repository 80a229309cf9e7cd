import type { DtlsEngine } from '../engine.js';
import type { DtlsEvent } from '../events.js';

/** Milliseconds on a monotonic clock; what the engine's `now` parameters take. */
export type Clock = () => number;
export const monotonicClock: Clock = () => performance.now();

/**
 * Runs one sans-IO engine on real time: every input goes through run(),
 * which then drains the engine's datagrams to `transmit`, its events to
 * `onEvent`, and re-arms a single timer at engine.nextTimeout().
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
  ) {}

  /** Calls `input` with the current time, then flushes output and reschedules. */
  run(input: (now: number) => void): void {
    if (this.disposed) return;
    input(this.clock());
    this.flush();
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
        this.run((now) => this.engine.handleTimeout(now));
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
