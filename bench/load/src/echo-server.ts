import { createSocket } from 'node:dgram';

/**
 * The floor: a bare node:dgram echo (receive, send the datagram back, nothing else), run as a child
 * process so that its CPU time is its own. It tells its parent its port, then answers 'cpu' with
 * process.cpuUsage() in µs.
 */
const socket = createSocket('udp4');
const sent = (err: Error | null) => {
  if (err) errors++;
};
let errors = 0;
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address, sent));
socket.bind(0, process.argv[2] ?? '127.0.0.1', () => {
  const recv = Number(process.argv[3] ?? 0);
  if (recv > 0) socket.setRecvBufferSize(recv);
  process.send?.({ port: socket.address().port });
});
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage(), errors });
  else if (m === 'exit') socket.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
