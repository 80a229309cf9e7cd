/**
 * Retransmission timer of RFC 6347 §4.2.4.1: starts at `initialMs`, doubles at each expiry up to
 * `maxMs`; the doubled value is kept for the next flight until a flight is answered without
 * retransmission, then it returns to the initial value.
 */
export class RetransmitTimer {
  private currentMs: number;
  private deadlineAt: number | undefined;
  private retransmittedThisFlight = false;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    this.currentMs = initialMs;
  }

  /** When the current flight is due for retransmission, if it is armed. */
  get deadline(): number | undefined {
    return this.deadlineAt;
  }

  /** The value the timer will run for next. */
  get timeoutMs(): number {
    return this.currentMs;
  }

  /** A new flight was sent at `now`; `answered` says the previous flight got its reply. */
  startFlight(now: number): void {
    if (!this.retransmittedThisFlight) this.currentMs = this.initialMs;
    this.retransmittedThisFlight = false;
    this.deadlineAt = now + this.currentMs;
  }

  /** The deadline passed and the flight was re-sent at `now`: double, capped (RFC 6347 §4.2.4.1). */
  backoff(now: number): void {
    this.retransmittedThisFlight = true;
    this.currentMs = Math.min(this.currentMs * 2, this.maxMs);
    this.deadlineAt = now + this.currentMs;
  }

  /** The flight was answered (or is final and needs no timer). */
  stop(): void {
    this.deadlineAt = undefined;
  }
}
