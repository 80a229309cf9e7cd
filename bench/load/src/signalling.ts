import { Agent, request as httpRequest } from 'node:http';

/** What a caller offers: one audio section as a browser writes it (RFC 8829 §5.2, RFC 8839). */
export interface OfferParameters {
  readonly ufrag: string;
  readonly pwd: string;
  /** 'sha-256 AB:CD:…' of the caller's DTLS certificate. */
  readonly fingerprint: string;
  readonly ssrc: number;
  readonly cname: string;
  /** The caller's host candidate (a full-ICE server needs it; an ICE-lite one ignores it). */
  readonly candidate: { readonly address: string; readonly port: number };
}

/** The parts of the server's answer a caller acts on. */
export interface AnswerParameters {
  readonly ufrag: string;
  readonly pwd: string;
  readonly fingerprint: string;
  /** The server's DTLS role: 'passive' makes the caller the DTLS client (RFC 8842 §5). */
  readonly setup: 'active' | 'passive';
  /** UDP host candidates, in the answer's order. */
  readonly candidates: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  readonly iceLite: boolean;
}

export function buildOffer(p: OfferParameters): string {
  const family = p.candidate.address.includes(':') ? 'IP6' : 'IP4';
  return `${[
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS load',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    `c=IN ${family} 0.0.0.0`,
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=candidate:1 1 udp 2122260223 ${p.candidate.address} ${p.candidate.port} typ host generation 0`,
    'a=end-of-candidates',
    `a=ice-ufrag:${p.ufrag}`,
    `a=ice-pwd:${p.pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:${p.fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=msid:load track0',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    `a=ssrc:${p.ssrc} cname:${p.cname}`,
    `a=ssrc:${p.ssrc} msid:load track0`,
  ].join('\r\n')}\r\n`;
}

/** Reads what a caller needs from an answer; a string names what is missing. */
export function parseAnswer(sdp: string): AnswerParameters | string {
  let ufrag: string | undefined;
  let pwd: string | undefined;
  let fingerprint: string | undefined;
  let setup: string | undefined;
  let iceLite = false;
  const candidates: Array<{ address: string; port: number }> = [];
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === 'a=ice-lite') iceLite = true;
    else if (line.startsWith('a=ice-ufrag:')) ufrag ??= line.slice(12);
    else if (line.startsWith('a=ice-pwd:')) pwd ??= line.slice(10);
    else if (line.startsWith('a=fingerprint:')) fingerprint ??= line.slice(14);
    else if (line.startsWith('a=setup:')) setup ??= line.slice(8);
    else if (line.startsWith('a=candidate:')) {
      // foundation component transport priority address port typ type … (RFC 8839 §5.1)
      const f = line.slice(12).split(' ');
      if (f[1] === '1' && f[2]?.toLowerCase() === 'udp' && f[7] === 'host') {
        candidates.push({ address: f[4]!, port: Number(f[5]) });
      }
    }
  }
  if (!ufrag || !pwd) return 'answer without ice-ufrag/ice-pwd';
  if (!fingerprint) return 'answer without a fingerprint';
  if (setup !== 'active' && setup !== 'passive') return `answer with a=setup:${setup ?? '(none)'}`;
  if (candidates.length === 0) return 'answer without a UDP host candidate';
  return { ufrag, pwd, fingerprint, setup, candidates, iceLite };
}

export type JoinResponse = { ok: true; id: string; sdp: string } | { ok: false; reason: string };

/**
 * The server's HTTP signalling as callers use it (POST /api/join, /api/leave, GET
 * /api/server-stats). Requests share a small pool of keep-alive connections: a thousand callers
 * arriving within seconds queue for a connection rather than open a thousand at once against the
 * server's listen backlog.
 */
export class SignallingClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly base: string) {}

  /** POST /api/join {room, sdp} -> {id, sdp}: the voice-call demo's signalling (and the baseline's). */
  async join(room: string, sdp: string): Promise<JoinResponse> {
    try {
      const res = await this.request('POST', '/api/join', { room, sdp }, 30_000);
      if (res.status !== 200) return { ok: false, reason: `join-http-${res.status}` };
      const { id, sdp: answer } = res.json;
      if (typeof id !== 'string' || typeof answer !== 'string')
        return { ok: false, reason: 'join-bad-reply' };
      return { ok: true, id, sdp: answer };
    } catch (err) {
      return {
        ok: false,
        reason: `join-${String((err as NodeJS.ErrnoException).code ?? 'error').toLowerCase()}`,
      };
    }
  }

  /** POST /api/leave {id}; true when the server knew the participant. */
  async leave(id: string): Promise<boolean> {
    try {
      return (await this.request('POST', '/api/leave', { id }, 10_000)).status === 200;
    } catch {
      return false;
    }
  }

  /** GET /api/server-stats as JSON, or undefined when the server does not answer. */
  async serverStats(): Promise<ServerFigures | undefined> {
    try {
      const res = await this.request('GET', '/api/server-stats', undefined, 10_000);
      return res.status === 200 ? (res.json as unknown as ServerFigures) : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  /** One JSON request; resolves with the status and parsed body, rejects with a coded error. */
  private request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let json: Record<string, unknown> = {};
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            } catch {
              // A body that is not JSON: the status still tells what happened.
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** The part of a server's stats endpoint the load generator reads (the demo's and the baseline's). */
export interface ServerFigures {
  /** ms since the server started. */
  readonly uptimeMs: number;
  readonly participants: number;
  /** process.cpuUsage(), µs. */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly rss: number;
  readonly workers?: ReadonlyArray<{
    readonly participants?: number;
    readonly threadCpuMs?: number;
    readonly gcMs?: number;
    readonly packets?: { readonly received: number; readonly sent: number };
    readonly drops?: Record<string, number>;
    readonly failed?: string;
  }>;
}
