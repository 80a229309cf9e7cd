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

/** POST /api/join {room, sdp} -> {id, sdp}: the voice-call demo's signalling (and the baseline's). */
export async function join(base: string, room: string, sdp: string): Promise<JoinResponse> {
  try {
    const res = await fetch(new URL('/api/join', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, sdp }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { id?: unknown; sdp?: unknown; error?: unknown };
    if (!res.ok) return { ok: false, reason: `join-http-${res.status}` };
    if (typeof body.id !== 'string' || typeof body.sdp !== 'string')
      return { ok: false, reason: 'join-bad-reply' };
    return { ok: true, id: body.id, sdp: body.sdp };
  } catch (err) {
    return { ok: false, reason: `join-${(err as Error).name === 'TimeoutError' ? 'timeout' : 'error'}` };
  }
}

/** POST /api/leave {id}; true when the server knew the participant. */
export async function leave(base: string, id: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/leave', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** GET /api/server-stats as JSON, or undefined when the server does not answer. */
export async function serverStats(base: string): Promise<ServerFigures | undefined> {
  try {
    const res = await fetch(new URL('/api/server-stats', base), { signal: AbortSignal.timeout(10_000) });
    return res.ok ? ((await res.json()) as ServerFigures) : undefined;
  } catch {
    return undefined;
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
