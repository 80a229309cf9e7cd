#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import { UdpMux } from '@rtcseal/ice-lite';
import { VideoRoomSfu } from './room.js';

export interface VideoRoomOptions {
  /** HTTP port for the page and signalling. Default 8081; 0 picks a free one. */
  httpPort?: number;
  /** Address the HTTP server listens on. Default '::'. */
  httpHost?: string;
  /** UDP port for all media (STUN, DTLS, SRTP). Default 0 (a free one). */
  mediaPort?: number;
  /** Addresses announced as ICE candidates. Default: every interface address. */
  announcedAddresses?: string[];
  log?: (line: string) => void;
  /** Bits per second each camera may send (all its layers), told with REMB. Default 2.5 Mbit/s. */
  cameraBitrate?: number;
}

export interface RunningVideoRoom {
  readonly url: string;
  readonly httpPort: number;
  readonly mediaPort: number;
  readonly sfu: VideoRoomSfu;
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
const MAX_BODY = 128 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
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
export async function startVideoRoom(options: VideoRoomOptions = {}): Promise<RunningVideoRoom> {
  const log = options.log ?? (() => {});
  const certificate = await generateCertificate();
  const mux = await UdpMux.bind({
    port: options.mediaPort ?? 0,
    ...(options.announcedAddresses ? { announcedAddresses: options.announcedAddresses } : {}),
    onError: (err) => log(`media socket: ${String(err)}`),
  });
  const sfu = new VideoRoomSfu(mux, certificate, { log, cameraBitrate: options.cameraBitrate });
  const http = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'GET' && STATIC[url.pathname]) {
        const file = STATIC[url.pathname]!;
        const body = await readFile(PUBLIC_DIR + file);
        res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()!]!, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/state') {
        const view = sfu.view(url.searchParams.get('id') ?? '');
        return view ? send(res, 200, view) : send(res, 404, { error: 'no such participant' });
      }
      if (req.method !== 'POST') return send(res, 404, { error: 'not found' });
      const body = await readJson(req);
      if (!body) return send(res, 400, { error: 'expected a JSON object' });
      const id = typeof body.id === 'string' ? body.id : '';
      const seat = typeof body.seat === 'number' ? body.seat : -1;
      switch (url.pathname) {
        case '/api/join': {
          if (typeof body.sdp !== 'string' || typeof body.room !== 'string')
            return send(res, 400, { error: 'expected {"room": "...", "sdp": "..."}' });
          const joined = sfu.join(body.room, body.sdp);
          if (!joined.ok) return send(res, joined.status, { error: joined.error });
          return send(res, 200, {
            id: joined.participant.id,
            name: joined.participant.name,
            sdp: joined.answer,
          });
        }
        case '/api/layer':
          return send(res, sfu.setLayer(id, seat, String(body.layer)) ? 200 : 404, {});
        case '/api/keyframe':
          return send(res, sfu.requestKeyframe(id, seat) ? 200 : 404, {});
        case '/api/leave':
          return send(res, sfu.leave(id) ? 200 : 404, {});
        default:
          return send(res, 404, { error: 'not found' });
      }
    } catch (err) {
      log(`${req.method} ${url.pathname}: ${String(err)}`);
      send(res, 500, { error: 'internal error' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 8081, options.httpHost ?? '::', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const httpPort = (http.address() as AddressInfo).port;
  return {
    url: `http://localhost:${httpPort}/`,
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

async function main(argv: string[]): Promise<void> {
  const options: VideoRoomOptions = { log: (line) => console.log(`[sfu] ${line}`) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const v = Number(argv[i + 1]);
    if ((arg === '--port' || arg === '--media-port') && Number.isInteger(v) && v >= 0 && v <= 65535) {
      if (arg === '--port') options.httpPort = v;
      else options.mediaPort = v;
      i++;
    } else if (arg === '--camera-kbps' && Number.isInteger(v) && v > 0) {
      options.cameraBitrate = v * 1000;
      i++;
    } else {
      throw new Error('usage: video-room [--port HTTP_PORT] [--media-port UDP_PORT] [--camera-kbps KBPS]');
    }
  }
  const running = await startVideoRoom(options);
  console.log(`rtcseal video room is running: open ${running.url} in 2-6 browser tabs and press Join.`);
  console.log(`Media: one UDP port, ${running.mediaPort}.`);
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  });
}
