import { parentPort, workerData } from 'node:worker_threads';
import { loadCertificate } from '@rtcseal/dtls';
import { MediaHost, type MediaSocketOptions } from './media-host.js';

/** What the main thread gives a media worker at start. */
export interface MediaWorkerData {
  readonly socket: MediaSocketOptions;
  /** The server's one DTLS certificate, so every worker answers with the same fingerprint. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** Requests from the signalling thread; each gets one reply with the same seq. */
export type MediaRequest =
  | { seq: number; op: 'join'; room: string; sdp: string; client: string }
  | { seq: number; op: 'leave'; id: string }
  | { seq: number; op: 'view'; id: string }
  | { seq: number; op: 'stats' }
  | { seq: number; op: 'close' };

/** What a worker posts: its readiness, replies, departures it decided on its own, log lines. */
export type MediaMessage =
  | { type: 'ready'; mediaPort: number }
  | { type: 'failed'; error: string }
  | { type: 'reply'; seq: number; value?: unknown; error?: string }
  | { type: 'left'; id: string }
  | { type: 'log'; line: string };

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('media-worker.js runs as a worker thread');
  const data = workerData as MediaWorkerData;
  const post = (m: MediaMessage) => port.postMessage(m);
  let host: MediaHost;
  try {
    host = await MediaHost.start(
      data.socket,
      loadCertificate(data.certPem, data.keyPem),
      (line) => post({ type: 'log', line }),
      (id) => post({ type: 'left', id }),
    );
  } catch (err) {
    post({ type: 'failed', error: String(err) });
    return;
  }
  const answer = (req: MediaRequest): unknown => {
    switch (req.op) {
      case 'join':
        return host.join(req.room, req.sdp, req.client);
      case 'leave':
        return host.leave(req.id);
      case 'view':
        return host.view(req.id);
      case 'stats':
        return host.stats();
      case 'close':
        return undefined;
    }
  };
  port.on('message', (req: MediaRequest) => {
    if (req.op === 'close') {
      host.close().finally(() => {
        post({ type: 'reply', seq: req.seq, value: true });
        port.close();
      });
      return;
    }
    try {
      post({ type: 'reply', seq: req.seq, value: answer(req) });
    } catch (err) {
      // A bug in one request must not take the worker's calls down with it.
      post({ type: 'reply', seq: req.seq, error: String(err) });
    }
  });
  post({ type: 'ready', mediaPort: host.mediaPort });
}

serve().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'failed', error: String(err) } satisfies MediaMessage);
});
