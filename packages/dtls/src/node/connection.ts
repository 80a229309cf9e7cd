import { EventEmitter } from 'node:events';
import type { DtlsEngine } from '../engine.js';
import type { DtlsEvent } from '../events.js';
import type { SrtpKeyingMaterial } from '../srtp-profiles.js';
import { type Clock, EngineDriver, monotonicClock } from './driver.js';

/** What the handshake settled, as reported by the engine's `connected` event. */
export type DtlsConnectionInfo = Omit<Extract<DtlsEvent, { type: 'connected' }>, 'type'>;
export type DtlsAlertInfo = Omit<Extract<DtlsEvent, { type: 'alert' }>, 'type'>;
export type DtlsCloseInfo = Omit<Extract<DtlsEvent, { type: 'closed' }>, 'type'>;

export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

/** Thrown (as a rejection) when a handshake ends without `connected`. */
export class DtlsHandshakeError extends Error {
  override readonly name = 'DtlsHandshakeError';
  constructor(
    readonly close: DtlsCloseInfo,
    message = describeClose(close),
  ) {
    super(message);
  }
}

export function describeClose(c: DtlsCloseInfo): string {
  const parts: string[] = [c.reason];
  if (c.alert !== undefined) parts.push(`alert ${c.alert}`);
  if (c.detail !== undefined) parts.push(c.detail);
  return parts.join(': ');
}

/** Chunks kept for an async iterator that has not started reading yet. */
const MAX_QUEUED_CHUNKS = 1024;

interface ConnectionEvents {
  connected: [DtlsConnectionInfo];
  data: [Uint8Array];
  alert: [DtlsAlertInfo];
  close: [DtlsCloseInfo];
}

/**
 * One DTLS association over a UDP path, driven on real time. Data arrives as
 * 'data' events or through `for await (const chunk of connection)`.
 */
export class DtlsConnection extends EventEmitter<ConnectionEvents> implements AsyncIterable<Uint8Array> {
  readonly role: 'client' | 'server';
  readonly remote: RemoteAddress;
  /** Resolves with the negotiated parameters; rejects with DtlsHandshakeError if the handshake fails. */
  readonly handshake: Promise<DtlsConnectionInfo>;
  /** Resolves when the connection is closed, for any reason. */
  readonly closed: Promise<DtlsCloseInfo>;

  private readonly driver: EngineDriver;
  private connectedInfo: DtlsConnectionInfo | undefined;
  private closeInfo: DtlsCloseInfo | undefined;
  private readonly queue: Uint8Array[] = [];
  /** Application data dropped because nothing consumed it and the backlog was full. */
  droppedChunks = 0;
  /** Exceptions caught from event handlers (or the engine) on this connection; the first one closed it. */
  faults = 0;
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private resolveHandshake!: (info: DtlsConnectionInfo) => void;
  private rejectHandshake!: (e: Error) => void;
  private resolveClosed!: (info: DtlsCloseInfo) => void;

  /** @internal Created by connect() and createDtlsServer(). */
  constructor(
    engine: DtlsEngine,
    role: 'client' | 'server',
    remote: RemoteAddress,
    transmit: (datagram: Uint8Array) => void,
    private readonly onFinished: (info: DtlsCloseInfo) => void,
    clock: Clock = monotonicClock,
    private readonly onFault: (error: unknown) => void = () => {},
  ) {
    super();
    this.role = role;
    this.remote = remote;
    this.handshake = new Promise((resolve, reject) => {
      this.resolveHandshake = resolve;
      this.rejectHandshake = reject;
    });
    // A handshake failure nobody awaits must not become an unhandled rejection.
    this.handshake.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.driver = new EngineDriver(
      engine,
      transmit,
      (e) => this.dispatch(e),
      clock,
      (error) => this.fault(error),
    );
  }

  /** @internal */
  start(): void {
    this.driver.runGuarded((now) => this.driver.engine.start(now));
  }

  /** @internal A datagram from the remote address. */
  receive(datagram: Uint8Array): void {
    this.driver.runGuarded((now) => this.driver.engine.handleDatagram(datagram, now));
  }

  /**
   * Something threw while this connection handled input or dispatched an event (an event handler of
   * the embedder, or a fault of ours): it is counted and this connection ends (without close_notify,
   * since its state is in doubt); other connections and the process go on.
   */
  private fault(error: unknown): void {
    this.faults++;
    try {
      this.onFault(error);
    } catch {
      // The embedder's own counter threw: nothing more to do about it here.
    }
    if (this.closeInfo !== undefined) return;
    this.finish({
      reason: 'local-close',
      detail: `handler error: ${error instanceof Error ? error.message : String(error)}`,
    });
  }

  /** @internal Ends without close_notify (socket gone). */
  abort(detail: string): void {
    if (this.closeInfo !== undefined) return;
    this.finish({ reason: 'local-close', detail });
  }

  private dispatch(e: DtlsEvent): void {
    switch (e.type) {
      case 'connected': {
        const { type: _, ...info } = e;
        this.connectedInfo = info;
        this.resolveHandshake(info);
        this.emit('connected', info);
        break;
      }
      case 'data':
        if (this.waiter !== undefined) {
          const w = this.waiter;
          this.waiter = undefined;
          w({ value: e.data, done: false });
        } else if (this.listenerCount('data') === 0) {
          // Nobody reads yet: keep a bounded backlog for a later iterator.
          if (this.queue.length < MAX_QUEUED_CHUNKS) this.queue.push(e.data);
          else this.droppedChunks++;
        }
        this.emit('data', e.data);
        break;
      case 'alert': {
        const { type: _, ...info } = e;
        this.emit('alert', info);
        break;
      }
      case 'closed': {
        const { type: _, ...info } = e;
        this.finish(info);
        break;
      }
    }
  }

  private finish(info: DtlsCloseInfo): void {
    if (this.closeInfo !== undefined) return;
    this.closeInfo = info;
    this.driver.dispose();
    if (this.connectedInfo === undefined) this.rejectHandshake(new DtlsHandshakeError(info));
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
    this.resolveClosed(info);
    // Runs from timers, socket errors and close() alike: a throwing listener must not escape.
    for (const notify of [() => this.onFinished(info), () => this.emit('close', info)]) {
      try {
        notify();
      } catch (error) {
        this.faults++;
        try {
          this.onFault(error);
        } catch {
          // nothing more to do
        }
      }
    }
  }

  get info(): DtlsConnectionInfo | undefined {
    return this.connectedInfo;
  }

  get state(): DtlsEngine['state'] {
    return this.driver.engine.state;
  }

  get stats(): DtlsEngine['stats'] {
    return this.driver.engine.stats;
  }

  /** The largest data one send() accepts (mtu minus record expansion); undefined unless connected. */
  get maxSendSize(): number | undefined {
    return this.driver.engine.maxSendSize;
  }

  /**
   * Sends application data as one record in one datagram. Throws unless connected, and a RangeError
   * when `data` is longer than maxSendSize (DTLS does not fragment application data).
   */
  send(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
    if (this.closeInfo !== undefined) throw new Error('send: the connection is closed');
    this.driver.run((now) => this.driver.engine.send(data, now));
  }

  /** Sends close_notify and ends the connection. */
  close(): Promise<DtlsCloseInfo> {
    if (this.closeInfo === undefined) {
      this.driver.run((now) => this.driver.engine.close(now));
      // An engine that reports no 'closed' for a local close still ends here.
      this.finish({ reason: 'local-close' });
    }
    return this.closed;
  }

  /** RFC 5705 keying material. Throws unless connected. */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    return this.driver.engine.exportKeyingMaterial(label, length, context);
  }

  /** SRTP master keys for our role (RFC 5764 §4.2), when use_srtp was negotiated. */
  srtpKeyingMaterial(): SrtpKeyingMaterial | undefined {
    return this.driver.engine.srtpKeyingMaterial();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const chunk = this.queue.shift();
        if (chunk !== undefined) return Promise.resolve({ value: chunk, done: false });
        if (this.closeInfo !== undefined) return Promise.resolve({ value: undefined, done: true });
        if (this.waiter !== undefined) return Promise.reject(new Error('one reader at a time'));
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
