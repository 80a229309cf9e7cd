import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DtlsConfig } from '../config.js';
import { DtlsEngine } from '../engine.js';
import { DtlsConnection } from './connection.js';
import { UdpSender } from './udp.js';

export interface ConnectOptions extends Omit<DtlsConfig, 'role'> {
  /** Server host name or address. */
  readonly host: string;
  readonly port: number;
  /** Local port to bind (default: any). */
  readonly localPort?: number;
}

/**
 * Opens a UDP socket connected to host:port, runs the DTLS client handshake
 * and resolves with the connection once `connected`; rejects with
 * DtlsHandshakeError (or a socket error) otherwise. The socket is closed when
 * the connection closes.
 */
export async function connect(options: ConnectOptions): Promise<DtlsConnection> {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { host, port, localPort, ...config } = options;
  if (typeof host !== 'string' || host.length === 0)
    throw new TypeError('options.host must be a non-empty string');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError('options.port must be 1..65535');
  const engine = new DtlsEngine({ ...config, role: 'client' });
  const address = isIP(host) !== 0 ? host : (await lookup(host)).address;
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(localPort ?? 0, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A connected socket receives only this peer's datagrams (no address checks needed).
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });

  const sender = new UdpSender(socket);
  const connection = new DtlsConnection(
    engine,
    'client',
    { address, port },
    (datagram) => sender.send(datagram),
    () => void sender.close(),
  );
  socket.on('message', (msg) =>
    connection.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength)),
  );
  // ICMP port unreachable shows up as ECONNREFUSED on a connected socket: the
  // server may simply not be up yet, and retransmission covers that.
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNREFUSED') connection.abort(`socket error: ${err.message}`);
  });
  connection.start();
  await connection.handshake;
  return connection;
}
