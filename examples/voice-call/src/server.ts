#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { availableParallelism, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import { type MediaHostStats, threadCpuMs } from './media-host.js';
import { MediaPool } from './media-pool.js';
import type { ParticipantView, VoiceSfuLimits } from './sfu.js';

export interface VoiceCallOptions {
  /** HTTP(S) port for the page and signalling. Default 8080; 0 picks a free one. */
  httpPort?: number;
  /** Address the HTTP server listens on. Default '::' (every interface). */
  httpHost?: string;
  /**
   * Media worker threads, each with its own UDP port and its own rooms. Default: one per core
   * (os.availableParallelism()). 0 runs the media on the main thread, beside the signalling.
   */
  workers?: number;
  /** UDP port of the first media worker; worker i takes mediaPort + i. Default 0 (free ports). */
  mediaPort?: number;
  /** Address the media sockets bind (an IP literal). Default '::' (dual-stack, every interface). */
  mediaAddress?: string;
  /** SO_RCVBUF / SO_SNDBUF of each media socket, in bytes. Default: the OS default. */
  recvBufferSize?: number;
  sendBufferSize?: number;
  /** Addresses announced as ICE candidates. Default: every interface address. */
  announcedAddresses?: string[];
  /**
   * Serve the page over HTTPS with a self-signed certificate: browsers only give a page the
   * microphone on localhost or over HTTPS, so this is what a second machine on a LAN needs.
   */
  https?: boolean;
  /** Caps on participants, in total and per client IP address (see VoiceSfuLimits). */
  limits?: VoiceSfuLimits;
  log?: (line: string) => void;
}

export interface RunningVoiceCall {
  readonly url: string;
  readonly httpPort: number;
  /** The UDP port of each media worker (one entry with --workers 0). */
  readonly mediaPorts: readonly number[];
  /** A participant's view (as /api/stats?id= gives it to the page), undefined when unknown. */
  participant(id: string): Promise<ParticipantView | undefined>;
  /** The server's figures, as /api/server-stats gives them. */
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

/** GET /api/server-stats: what an operator (or the load generator) reads off a running server. */
export interface ServerStats {
  /** ms since the server started. */
  readonly uptimeMs: number;
  readonly participants: number;
  /** process.cpuUsage() of the whole process (every thread), in µs. */
  readonly cpu: { readonly user: number; readonly system: number };
  /** CPU time of the signalling thread alone, in ms (Linux; undefined elsewhere). */
  readonly mainThreadCpuMs: number | undefined;
  /** Resident set size of the process, in bytes. */
  readonly rss: number;
  /** One entry per media host (worker thread), in port order. */
  readonly workers: ReadonlyArray<MediaHostStats | { readonly failed: string }>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
/** Signalling bodies are one SDP offer; nothing larger is read. */
const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the page, the signalling API and the SFU; resolves once both ports listen. */
export async function startVoiceCall(options: VoiceCallOptions = {}): Promise<RunningVoiceCall> {
  const log = options.log ?? (() => {});
  const startedAt = Date.now();
  const certificate = await generateCertificate();
  const media = await MediaPool.start({
    workers: options.workers ?? availableParallelism(),
    mediaPort: options.mediaPort ?? 0,
    socket: {
      ...(options.mediaAddress !== undefined ? { address: options.mediaAddress } : {}),
      ...(options.announcedAddresses ? { announcedAddresses: options.announcedAddresses } : {}),
      ...(options.recvBufferSize !== undefined ? { recvBufferSize: options.recvBufferSize } : {}),
      ...(options.sendBufferSize !== undefined ? { sendBufferSize: options.sendBufferSize } : {}),
    },
    certificate,
    ...(options.limits ? { limits: options.limits } : {}),
    log,
  });
  const stats = async (): Promise<ServerStats> => {
    const workers = await media.stats();
    return {
      uptimeMs: Date.now() - startedAt,
      participants: media.participantCount,
      cpu: process.cpuUsage(),
      mainThreadCpuMs: threadCpuMs(),
      rss: process.memoryUsage.rss(),
      workers,
    };
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'GET' && STATIC[url.pathname]) {
        const file = STATIC[url.pathname]!;
        const body = await readFile(PUBLIC_DIR + file);
        res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()!]!, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/api/join') {
        const body = await readJson(req);
        if (!body || typeof body.sdp !== 'string' || typeof body.room !== 'string') {
          return send(res, 400, { error: 'expected {"room": "...", "sdp": "..."}' });
        }
        const joined = await media.join(body.room, body.sdp, clientAddress(req));
        if (!joined.ok) return send(res, joined.status, { error: joined.error });
        return send(res, 200, { id: joined.id, name: joined.name, sdp: joined.sdp });
      }
      if (req.method === 'POST' && url.pathname === '/api/leave') {
        const body = await readJson(req);
        const id = body && typeof body.id === 'string' ? body.id : '';
        return send(res, (await media.leave(id)) ? 200 : 404, { left: id });
      }
      if (req.method === 'GET' && url.pathname === '/api/stats') {
        const view = await media.view(url.searchParams.get('id') ?? '');
        return view ? send(res, 200, view) : send(res, 404, { error: 'no such participant' });
      }
      if (req.method === 'GET' && url.pathname === '/api/server-stats') {
        return send(res, 200, await stats());
      }
      send(res, 404, { error: 'not found' });
    } catch (err) {
      // The detail goes to the log, not to whoever sent the request.
      log(`${req.method} ${url.pathname}: ${String(err)}`);
      send(res, 500, { error: 'internal error' });
    }
  };

  const http = options.https
    ? createHttpsServer({ cert: certificate.certPem(), key: certificate.keyPem() }, handler)
    : createHttpServer(handler);
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.httpPort ?? 8080, options.httpHost ?? '::', () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await media.close();
    throw err;
  }
  const httpPort = (http.address() as AddressInfo).port;
  const scheme = options.https ? 'https' : 'http';
  return {
    url: `${scheme}://localhost:${httpPort}/`,
    httpPort,
    mediaPorts: media.mediaPorts,
    participant: (id) => media.view(id),
    stats,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await media.close();
    },
  };
}

/** The requesting client for per-client limits: its IP address, IPv4-mapped IPv6 folded to IPv4. */
function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4')
    .map((i) => i!.address);
}

function usage(): string {
  return [
    'usage: voice-call [options]',
    '  --port N              page and signalling port (default 8080; 0: a free one)',
    '  --host ADDR           address the page and signalling listen on (default ::)',
    '  --https               serve over HTTPS with a self-signed certificate (needed for a second',
    '                        machine: browsers only allow the microphone on localhost or HTTPS)',
    `  --workers N           media worker threads, one UDP port each (default: one per core, ${availableParallelism()}`,
    '                        here; 0: media on the main thread)',
    '  --media-port N        UDP port of the first worker; worker i takes N+i (default: free ports)',
    '  --media-address ADDR  address the media sockets bind (default :: for every interface)',
    '  --announce ADDR[,..]  addresses announced as ICE candidates (default: the interfaces)',
    '  --max-participants N  participants on the server at once (default 200)',
    '  --max-per-client N    participants one client IP may hold at once (default 8)',
    '  --recv-buffer BYTES   SO_RCVBUF of each media socket (default: the OS default)',
    '  --send-buffer BYTES   SO_SNDBUF of each media socket (default: the OS default)',
    'GET /api/server-stats gives participants, packets, drops, CPU and RSS per worker as JSON.',
  ].join('\n');
}

/** Parses the command line into options; throws naming the flag on a bad value. */
export function parseArgs(argv: readonly string[]): VoiceCallOptions | 'help' {
  const options: VoiceCallOptions = {};
  const limits: { maxParticipants?: number; maxPerClient?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const text = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (min: number, max: number) => {
      const raw = text();
      const v = Number(raw);
      if (!Number.isInteger(v) || v < min || v > max)
        throw new Error(`${arg} needs an integer ${min}..${max}, got ${raw}`);
      return v;
    };
    if (arg === '--port') options.httpPort = int(0, 65535);
    else if (arg === '--host') options.httpHost = text();
    else if (arg === '--https') options.https = true;
    else if (arg === '--workers') options.workers = int(0, 1024);
    else if (arg === '--media-port') options.mediaPort = int(0, 65535);
    else if (arg === '--media-address') options.mediaAddress = text();
    else if (arg === '--announce') options.announcedAddresses = text().split(',');
    else if (arg === '--max-participants') limits.maxParticipants = int(1, 1_000_000);
    else if (arg === '--max-per-client') limits.maxPerClient = int(1, 1_000_000);
    else if (arg === '--recv-buffer') options.recvBufferSize = int(1, 0x7fffffff);
    else if (arg === '--send-buffer') options.sendBufferSize = int(1, 0x7fffffff);
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (Object.keys(limits).length > 0) options.limits = limits;
  return options;
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    console.log(usage());
    return;
  }
  const options: VoiceCallOptions = { ...parsed, log: (line) => console.log(`[sfu] ${line}`) };
  if (options.httpPort === undefined && process.env.PORT) options.httpPort = Number(process.env.PORT);
  const running = await startVoiceCall(options);
  console.log(`rtcseal voice call is running: open ${running.url} in two browser tabs and press Join.`);
  console.log(`Alone in a room you hear yourself; two people in the same room hear each other.`);
  const ports = running.mediaPorts;
  console.log(
    ports.length === 1
      ? `Media: one UDP port, ${ports[0]}.`
      : `Media: ${ports.length} worker threads, UDP ports ${ports.join(', ')} (a room stays on one).`,
  );
  const lan = lanAddresses();
  if (lan.length > 0) {
    const scheme = options.https ? 'https' : 'http';
    console.log(`On your LAN: ${lan.map((a) => `${scheme}://${a}:${running.httpPort}/`).join('  ')}`);
    if (!options.https)
      console.log(
        '(other machines need --https: browsers give the microphone only to localhost or HTTPS pages)',
      );
  }
  console.log('Press Ctrl+C to stop.');
  const stop = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') console.error(`port in use: ${e.message}; pick another with --port`);
    else console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
