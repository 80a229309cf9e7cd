#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import { UdpMux } from '@rtcseal/ice-lite';
import { VoiceSfu, type VoiceSfuLimits } from './sfu.js';

export interface VoiceCallOptions {
  /** HTTP(S) port for the page and signalling. Default 8080; 0 picks a free one. */
  httpPort?: number;
  /** Address the HTTP server listens on. Default '::' (every interface). */
  httpHost?: string;
  /** UDP port for all media (STUN, DTLS, SRTP). Default 0 (a free one). */
  mediaPort?: number;
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
  readonly mediaPort: number;
  readonly sfu: VoiceSfu;
  close(): Promise<void>;
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
  const certificate = await generateCertificate();
  const mux = await UdpMux.bind({
    port: options.mediaPort ?? 0,
    ...(options.announcedAddresses ? { announcedAddresses: options.announcedAddresses } : {}),
    onError: (err) => log(`media socket: ${String(err)}`),
  });
  const sfu = new VoiceSfu(mux, certificate, log, options.limits);

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
        const joined = sfu.join(body.room, body.sdp, clientAddress(req));
        if (!joined.ok) return send(res, joined.status, { error: joined.error });
        return send(res, 200, {
          id: joined.participant.id,
          name: joined.participant.name,
          sdp: joined.answer,
        });
      }
      if (req.method === 'POST' && url.pathname === '/api/leave') {
        const body = await readJson(req);
        const id = body && typeof body.id === 'string' ? body.id : '';
        return send(res, sfu.leave(id) ? 200 : 404, { left: id });
      }
      if (req.method === 'GET' && url.pathname === '/api/stats') {
        const view = sfu.view(url.searchParams.get('id') ?? '');
        return view ? send(res, 200, view) : send(res, 404, { error: 'no such participant' });
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
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 8080, options.httpHost ?? '::', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const httpPort = (http.address() as AddressInfo).port;
  const scheme = options.https ? 'https' : 'http';
  return {
    url: `${scheme}://localhost:${httpPort}/`,
    httpPort,
    mediaPort: mux.port,
    sfu,
    async close() {
      sfu.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await mux.close();
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
    'usage: voice-call [--port HTTP_PORT] [--media-port UDP_PORT] [--https]',
    '  --port        page and signalling port (default 8080)',
    '  --media-port  the one UDP port for STUN, DTLS and SRTP (default: a free one)',
    '  --https       serve over HTTPS with a self-signed certificate (needed for a second machine:',
    '                browsers only allow the microphone on localhost or HTTPS)',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const options: VoiceCallOptions = { log: (line) => console.log(`[sfu] ${line}`) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${arg} needs a port number`);
      return v;
    };
    if (arg === '--port') options.httpPort = value();
    else if (arg === '--media-port') options.mediaPort = value();
    else if (arg === '--https') options.https = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      return;
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (options.httpPort === undefined && process.env.PORT) options.httpPort = Number(process.env.PORT);
  const running = await startVoiceCall(options);
  console.log(`rtcseal voice call is running: open ${running.url} in two browser tabs and press Join.`);
  console.log(`Alone in a room you hear yourself; two people in the same room hear each other.`);
  console.log(`Media: one UDP port, ${running.mediaPort}.`);
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
