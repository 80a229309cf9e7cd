import { Worker } from 'node:worker_threads';
import type { DtlsCertificate } from '@rtcseal/dtls';
import {
  MediaHost,
  type MediaHostStats,
  type MediaJoinReply,
  type MediaSocketOptions,
} from './media-host.js';
import type { MediaMessage, MediaRequest, MediaWorkerData } from './media-worker.js';
import { type ParticipantView, ROOM_CAPACITY, type VoiceSfuLimits } from './sfu.js';

/** One media host as the signalling thread sees it: on a worker thread or on its own thread. */
interface MediaBackend {
  readonly mediaPort: number;
  /** Set once the host is gone (its thread died): it gets no new rooms. */
  readonly failed: string | undefined;
  join(room: string, sdp: string, client: string): Promise<MediaJoinReply>;
  leave(id: string): Promise<boolean>;
  view(id: string): Promise<ParticipantView | undefined>;
  stats(): Promise<MediaHostStats>;
  close(): Promise<void>;
}

type LeftListener = (id: string) => void;
/** A request before it is numbered (Omit distributed over the union's members). */
type RequestBody = MediaRequest extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

/** The host on the signalling thread itself (--workers 0): embedding and debugging. */
class LocalBackend implements MediaBackend {
  readonly failed = undefined;
  private constructor(private readonly host: MediaHost) {}

  static async start(
    socket: MediaSocketOptions,
    certificate: DtlsCertificate,
    log: (line: string) => void,
    onLeft: LeftListener,
  ): Promise<LocalBackend> {
    return new LocalBackend(await MediaHost.start(socket, certificate, log, onLeft));
  }

  get mediaPort(): number {
    return this.host.mediaPort;
  }
  async join(room: string, sdp: string, client: string): Promise<MediaJoinReply> {
    return this.host.join(room, sdp, client);
  }
  async leave(id: string): Promise<boolean> {
    return this.host.leave(id);
  }
  async view(id: string): Promise<ParticipantView | undefined> {
    return this.host.view(id);
  }
  async stats(): Promise<MediaHostStats> {
    return this.host.stats();
  }
  close(): Promise<void> {
    return this.host.close();
  }
}

/** A host on a worker thread, spoken to by request/reply messages. */
class ThreadBackend implements MediaBackend {
  failed: string | undefined;
  private nextSeq = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(
    private readonly worker: Worker,
    readonly mediaPort: number,
    log: (line: string) => void,
    onLeft: LeftListener,
    onExit: (reason: string) => void,
  ) {
    worker.on('message', (m: MediaMessage) => {
      if (m.type === 'reply') {
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value);
      } else if (m.type === 'left') onLeft(m.id);
      else if (m.type === 'log') log(m.line);
    });
    worker.on('error', (err) => log(`media worker on port ${mediaPort}: ${String(err)}`));
    worker.on('exit', (code) => {
      this.failed = `media worker exited (${code})`;
      for (const p of this.pending.values()) p.reject(new Error(this.failed));
      this.pending.clear();
      onExit(this.failed);
    });
  }

  static start(
    data: MediaWorkerData,
    log: (line: string) => void,
    onLeft: LeftListener,
    onExit: (reason: string) => void,
  ): Promise<ThreadBackend> {
    const worker = new Worker(new URL('./media-worker.js', import.meta.url), { workerData: data });
    return new Promise((resolve, reject) => {
      const early = (m: MediaMessage) => {
        if (m.type === 'log') log(m.line);
        else if (m.type === 'left') onLeft(m.id);
        else if (m.type === 'ready') {
          cleanup();
          resolve(new ThreadBackend(worker, m.mediaPort, log, onLeft, onExit));
        } else if (m.type === 'failed') {
          cleanup();
          worker.terminate();
          reject(new Error(m.error));
        }
      };
      const died = (err: unknown) => {
        cleanup();
        reject(err instanceof Error ? err : new Error(`media worker exited (${String(err)})`));
      };
      const cleanup = () => {
        worker.off('message', early);
        worker.off('error', died);
        worker.off('exit', died);
      };
      worker.on('message', early);
      worker.once('error', died);
      worker.once('exit', died);
    });
  }

  private request<T>(req: RequestBody): Promise<T> {
    if (this.failed) return Promise.reject(new Error(this.failed));
    const seq = this.nextSeq++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, seq });
    });
  }

  join(room: string, sdp: string, client: string): Promise<MediaJoinReply> {
    return this.request({ op: 'join', room, sdp, client });
  }
  leave(id: string): Promise<boolean> {
    return this.request({ op: 'leave', id });
  }
  view(id: string): Promise<ParticipantView | undefined> {
    return this.request({ op: 'view', id });
  }
  stats(): Promise<MediaHostStats> {
    return this.request({ op: 'stats' });
  }
  async close(): Promise<void> {
    if (!this.failed) await this.request({ op: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}

export interface MediaPoolOptions {
  /** Worker threads, each with its own UDP port; 0 runs the one host on the calling thread. */
  readonly workers: number;
  /** Port of the first host; the others take the next ones. 0: each picks a free port. */
  readonly mediaPort: number;
  readonly socket: Omit<MediaSocketOptions, 'port'>;
  readonly certificate: DtlsCertificate;
  readonly limits?: VoiceSfuLimits;
  readonly log: (line: string) => void;
}

interface Placement {
  /** Index of the host the room lives on. */
  readonly host: number;
  /** Participants in the room and joins to it still under way. */
  members: number;
}

const ROOM_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Starts every host; if one fails (its port taken, say), stops the others before rethrowing, so a
 * failed start leaves no worker thread behind.
 */
async function startAll(
  starts: ReadonlyArray<() => Promise<MediaBackend>>,
  onAbort: () => void,
): Promise<MediaBackend[]> {
  const settled = await Promise.allSettled(starts.map((start) => start()));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return settled.map((r) => (r as PromiseFulfilledResult<MediaBackend>).value);
  onAbort();
  await Promise.all(
    settled.map((r) => (r.status === 'fulfilled' ? r.value.close().catch(() => {}) : undefined)),
  );
  throw failure.reason;
}

/**
 * Admission and placement for every media host. A room lives on one host from its first join to
 * its last leave, so both parties of a call share a thread and a relay never crosses threads; a
 * new room goes to the host with the fewest participants. The caps (in total, per client, per room)
 * are counted here, where all hosts are seen, and a slot is taken before a host is asked, so
 * joins racing on the event loop cannot overshoot a cap.
 */
export class MediaPool {
  private readonly rooms = new Map<string, Placement>();
  private readonly participants = new Map<string, { room: string; client: string; host: number }>();
  private readonly perClient = new Map<string, number>();
  private readonly load: number[];
  private total = 0;
  private readonly maxParticipants: number;
  private readonly maxPerClient: number;

  private constructor(
    private readonly hosts: MediaBackend[],
    limits: VoiceSfuLimits,
    private readonly onClosing: () => void,
  ) {
    this.load = hosts.map(() => 0);
    this.maxParticipants = limits.maxParticipants ?? 200;
    this.maxPerClient = limits.maxPerClient ?? 8;
  }

  static async start(options: MediaPoolOptions): Promise<MediaPool> {
    const { workers, mediaPort, certificate, log } = options;
    if (!Number.isInteger(workers) || workers < 0 || workers > 1024)
      throw new RangeError('options.workers must be an integer 0..1024');
    const limits = options.limits ?? {};
    for (const [name, v] of Object.entries(limits)) {
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new RangeError(`limits.${name} must be a positive integer`);
    }
    let pool: MediaPool | undefined;
    const onLeft = (id: string) => pool?.release(id);
    let closing = false;
    // A host that died took its calls with it: their slots free up, its rooms place anew.
    const onExit = (i: number) => (reason: string) => {
      if (closing || !pool) return;
      log(`media host ${i}: ${reason}`);
      for (const [id, p] of [...pool.participants]) if (p.host === i) pool.release(id);
    };
    const portOf = (i: number) => (mediaPort === 0 ? 0 : mediaPort + i);
    const hosts: MediaBackend[] =
      workers === 0
        ? [await LocalBackend.start({ ...options.socket, port: portOf(0) }, certificate, log, onLeft)]
        : await startAll(
            Array.from(
              { length: workers },
              (_, i) => () =>
                ThreadBackend.start(
                  {
                    socket: { ...options.socket, port: portOf(i) },
                    certPem: certificate.certPem(),
                    keyPem: certificate.keyPem(),
                  },
                  log,
                  onLeft,
                  onExit(i),
                ),
            ),
            () => {
              closing = true;
            },
          );
    pool = new MediaPool(hosts, limits, () => {
      closing = true;
    });
    return pool;
  }

  /** UDP port of each host, in host order. */
  get mediaPorts(): number[] {
    return this.hosts.map((h) => h.mediaPort);
  }

  get participantCount(): number {
    return this.participants.size;
  }

  async join(room: string, sdp: string, client: string): Promise<MediaJoinReply> {
    if (!ROOM_NAME.test(room))
      return { ok: false, status: 400, error: 'room name: 1-32 letters, digits, - or _' };
    const placed = this.rooms.get(room);
    if (placed && placed.members >= ROOM_CAPACITY)
      return { ok: false, status: 409, error: `room "${room}" is full (two people)` };
    if (this.total >= this.maxParticipants)
      return { ok: false, status: 503, error: 'the server is full; try again later' };
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.maxPerClient)
      return {
        ok: false,
        status: 429,
        error: `too many calls from one client (at most ${this.maxPerClient})`,
      };
    const placement = placed ?? { host: this.leastLoaded(), members: 0 };
    if (placement.host < 0) return { ok: false, status: 503, error: 'no media host is running' };
    this.rooms.set(room, placement);
    this.take(placement, client, +1);
    let reply: MediaJoinReply;
    try {
      reply = await this.hosts[placement.host]!.join(room, sdp, client);
    } catch (err) {
      reply = { ok: false, status: 500, error: String(err) };
    }
    if (!reply.ok) {
      this.take(placement, client, -1);
      if (placement.members === 0 && this.rooms.get(room) === placement) this.rooms.delete(room);
      return reply;
    }
    this.participants.set(reply.id, { room, client, host: placement.host });
    return reply;
  }

  /** Ends a participant's call (close_notify to its browser); false when unknown. */
  async leave(id: string): Promise<boolean> {
    const p = this.participants.get(id);
    if (!p) return false;
    // The host reports the departure (release) itself, as it does for hang-ups and expiry.
    return this.hosts[p.host]!.leave(id).catch(() => false);
  }

  async view(id: string): Promise<ParticipantView | undefined> {
    const p = this.participants.get(id);
    return p ? this.hosts[p.host]!.view(id).catch(() => undefined) : undefined;
  }

  /** Every host's figures, in host order (a host that cannot answer is left out with its reason). */
  async stats(): Promise<Array<MediaHostStats | { failed: string }>> {
    return Promise.all(
      this.hosts.map((h) => h.stats().catch((err: unknown) => ({ failed: h.failed ?? String(err) }))),
    );
  }

  async close(): Promise<void> {
    this.onClosing();
    await Promise.all(this.hosts.map((h) => h.close()));
  }

  private release(id: string): void {
    const p = this.participants.get(id);
    if (!p) return;
    this.participants.delete(id);
    const placement = this.rooms.get(p.room);
    if (!placement) return;
    this.take(placement, p.client, -1);
    if (placement.members === 0) this.rooms.delete(p.room);
  }

  private take(placement: Placement, client: string, n: 1 | -1): void {
    placement.members += n;
    this.total += n;
    this.load[placement.host] = this.load[placement.host]! + n;
    const held = (this.perClient.get(client) ?? 0) + n;
    if (held > 0) this.perClient.set(client, held);
    else this.perClient.delete(client);
  }

  private leastLoaded(): number {
    let best = -1;
    for (let i = 0; i < this.hosts.length; i++) {
      if (this.hosts[i]!.failed) continue;
      if (best < 0 || this.load[i]! < this.load[best]!) best = i;
    }
    return best;
  }
}
