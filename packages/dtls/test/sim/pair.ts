import type { DtlsConfig } from '../../src/config.js';
import { DtlsEngine } from '../../src/engine.js';
import type { DtlsEvent } from '../../src/events.js';

/** Two engines wired back to back with no loss: every datagram delivered at once, in order. */
export function connectPair(
  clientConfig: Omit<DtlsConfig, 'role'>,
  serverConfig: Omit<DtlsConfig, 'role'>,
  options: { maxSteps?: number } = {},
): { client: DtlsEngine; server: DtlsEngine; clientEvents: DtlsEvent[]; serverEvents: DtlsEvent[] } {
  const client = new DtlsEngine({ ...clientConfig, role: 'client' });
  const server = new DtlsEngine({ ...serverConfig, role: 'server' });
  const clientEvents: DtlsEvent[] = [];
  const serverEvents: DtlsEvent[] = [];
  let now = 0;
  client.start(now);
  server.start(now);
  for (let step = 0; step < (options.maxSteps ?? 50); step++) {
    let moved = false;
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      server.handleDatagram(d, now);
      moved = true;
    }
    for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
      client.handleDatagram(d, now);
      moved = true;
    }
    for (let e = client.pollEvent(); e; e = client.pollEvent()) clientEvents.push(e);
    for (let e = server.pollEvent(); e; e = server.pollEvent()) serverEvents.push(e);
    if (!moved) {
      const t = [client.nextTimeout(), server.nextTimeout()].filter((x): x is number => x !== undefined);
      if (t.length === 0) break;
      now = Math.max(now, Math.min(...t));
      client.handleTimeout(now);
      server.handleTimeout(now);
      if (client.state !== 'handshaking' && server.state !== 'handshaking' && server.state !== 'new') break;
    }
  }
  return { client, server, clientEvents, serverEvents };
}
