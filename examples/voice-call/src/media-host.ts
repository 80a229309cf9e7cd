import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { DtlsCertificate } from '@rtcseal/dtls';
import { UdpMux } from '@rtcseal/ice-lite';
import { type ParticipantView, VoiceSfu } from './sfu.js';

/** Where and how one media host binds its UDP port. */
export interface MediaSocketOptions {
  /** UDP port; 0 picks a free one. */
  readonly port: number;
  /** Bind address (an IP literal). Default: the mux's dual-stack '::'. */
  readonly address?: string;
  /** Addresses announced as ICE candidates. Default: the mux's choice for the bind address. */
  readonly announcedAddresses?: readonly string[];
  /** SO_RCVBUF / SO_SNDBUF in bytes. Default: the OS default. */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
}

export type MediaJoinReply =
  | { ok: true; id: string; name: string; sdp: string }
  | { ok: false; status: number; error: string };

/** One host's figures, as the stats endpoint shows them per worker. */
export interface MediaHostStats {
  readonly mediaPort: number;
  readonly participants: number;
  /** Participants whose DTLS is done (media flowing). */
  readonly connected: number;
  readonly rooms: number;
  /** ICE sessions on the mux (a participant that never connected holds one until consent expiry). */
  readonly sessions: number;
  readonly packets: {
    readonly received: number;
    readonly sent: number;
    readonly stun: number;
    readonly dtls: number;
    readonly rtp: number;
    readonly rtcp: number;
    readonly sendErrors: number;
  };
  /** Datagrams dropped by the mux and by the transports (SRTP), by reason. */
  readonly drops: Record<string, number>;
  readonly recvBufferSize: number;
  /** CPU time of this thread alone, in ms (Linux /proc/thread-self; undefined elsewhere). */
  readonly threadCpuMs: number | undefined;
  /** Share of wall time the event loop was busy since the host started, 0..1. */
  readonly eventLoopUtilization: number;
  /** Time this thread's isolate spent in garbage collection since the host started, ms. */
  readonly gcMs: number;
}

/**
 * One core's share of the server: a UDP mux on its own port and the SFU on it. Runs in a worker
 * thread (media-worker.ts) or, with --workers 0, on the main thread; the signalling layer talks
 * to it only through these methods, whose inputs and outputs are plain data.
 */
export class MediaHost {
  private gcMs = 0;
  private readonly gcObserver: PerformanceObserver;

  private constructor(
    private readonly mux: UdpMux,
    private readonly sfu: VoiceSfu,
  ) {
    // Every relayed packet allocates (the datagram, the decrypted and re-encrypted copies): the
    // collector's share is one of the figures that says where a worker's CPU goes.
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcMs += e.duration;
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  static async start(
    socket: MediaSocketOptions,
    certificate: DtlsCertificate,
    log: (line: string) => void,
    onLeave: (id: string) => void,
  ): Promise<MediaHost> {
    const mux = await UdpMux.bind({
      port: socket.port,
      ...(socket.address !== undefined ? { address: socket.address } : {}),
      ...(socket.announcedAddresses ? { announcedAddresses: [...socket.announcedAddresses] } : {}),
      ...(socket.recvBufferSize !== undefined ? { recvBufferSize: socket.recvBufferSize } : {}),
      ...(socket.sendBufferSize !== undefined ? { sendBufferSize: socket.sendBufferSize } : {}),
      onError: (err) => log(`media socket: ${String(err)}`),
    });
    // Admission (caps per client and in total, room capacity) is the signalling layer's: it sees
    // every host. The SFU's own caps only bound what one host could be made to hold.
    const sfu = new VoiceSfu(mux, certificate, log, { maxParticipants: 10_000, maxPerClient: 10_000 }, (p) =>
      onLeave(p.id),
    );
    return new MediaHost(mux, sfu);
  }

  get mediaPort(): number {
    return this.mux.port;
  }

  join(room: string, sdp: string, client: string): MediaJoinReply {
    const joined = this.sfu.join(room, sdp, client);
    if (!joined.ok) return joined;
    return { ok: true, id: joined.participant.id, name: joined.participant.name, sdp: joined.answer };
  }

  leave(id: string): boolean {
    return this.sfu.leave(id);
  }

  view(id: string): ParticipantView | undefined {
    return this.sfu.view(id);
  }

  stats(): MediaHostStats {
    const r = this.mux.router.stats;
    const summary = this.sfu.summary();
    const drops: Record<string, number> = { ...summary.drops };
    for (const [reason, n] of Object.entries(r.drops)) drops[`mux-${reason}`] = n ?? 0;
    return {
      mediaPort: this.mux.port,
      participants: summary.participants,
      connected: summary.connected,
      rooms: summary.rooms,
      sessions: this.mux.router.sessionCount,
      packets: {
        received: r.received,
        sent: r.sent,
        stun: r.stun,
        dtls: r.dtls,
        rtp: r.rtp,
        rtcp: r.rtcp,
        sendErrors: this.mux.sendErrors,
      },
      drops,
      recvBufferSize: this.mux.recvBufferSize,
      threadCpuMs: threadCpuMs(),
      eventLoopUtilization: performance.eventLoopUtilization().utilization,
      gcMs: Math.round(this.gcMs),
    };
  }

  async close(): Promise<void> {
    this.gcObserver.disconnect();
    this.sfu.close();
    await this.mux.close();
  }
}

/** Linux's USER_HZ: /proc reports times in these ticks (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) of the calling thread, in ms, from /proc/thread-self/stat (fields 14
 * and 15, proc(5)). process.cpuUsage() sums every thread; this is what lets a stats endpoint say
 * which worker is busy. Read synchronously, so on the calling thread. 10 ms resolution.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
