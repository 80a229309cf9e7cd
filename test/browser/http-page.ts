import { createServer, type Server } from 'node:http';

/**
 * A one-page HTTP server on 127.0.0.1: http://127.0.0.1 is a secure context, which getUserMedia and
 * RTCPeerConnection certificates need; about:blank is not.
 */
export async function servePage(): Promise<{ url: string; close(): Promise<void> }> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>rtcseal</title></head><body>rtcseal</body></html>';
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
