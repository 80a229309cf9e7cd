import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A server the load generator started, and how to reach and stop it. */
export interface ServerProcess {
  readonly base: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface ServerLaunch {
  readonly target: 'rtcseal' | 'werift';
  /** Media worker threads (rtcseal only). */
  readonly workers: number;
  /** Participants the server must admit: the caps are raised to this. */
  readonly capacity: number;
  /** SO_RCVBUF of each media socket, bytes. */
  readonly recvBufferSize: number | undefined;
  readonly log: (line: string) => void;
}

/** Starts the voice-call demo (or the werift baseline) on loopback; resolves once it listens. */
export async function startServer(launch: ServerLaunch): Promise<ServerProcess> {
  const script =
    launch.target === 'rtcseal'
      ? fileURLToPath(import.meta.resolve('@rtcseal/example-voice-call'))
      : fileURLToPath(new URL('./werift-server.js', import.meta.url));
  const args =
    launch.target === 'rtcseal'
      ? [
          '--port',
          '0',
          '--host',
          '127.0.0.1',
          '--workers',
          String(launch.workers),
          '--media-address',
          '127.0.0.1',
          '--max-participants',
          String(launch.capacity),
          '--max-per-client',
          String(launch.capacity),
          ...(launch.recvBufferSize ? ['--recv-buffer', String(launch.recvBufferSize)] : []),
        ]
      : ['--port', '0', ...(launch.recvBufferSize ? ['--recv-buffer', String(launch.recvBufferSize)] : [])];
  const child = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  killOnExit(child);
  const lines = createInterface({ input: child.stdout! });
  const errors: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    errors.push(d.toString());
    launch.log(`server: ${d.toString().trimEnd()}`);
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start within 20 s')), 20_000);
    lines.on('line', (line) => {
      const m = /(?:open|listening on) (https?:\/\/[^\s]+?)\/? /.exec(`${line} `);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}): ${errors.join('').trim()}`));
    });
  });
  return { base: `${base}/`, pid: child.pid!, stop: () => stopChild(child) };
}

/** The bare echo server of the floor measurement, in its own process. */
export interface EchoProcess {
  readonly port: number;
  /** process.cpuUsage() of the echo process, µs. */
  cpu(): Promise<{ user: number; system: number }>;
  stop(): Promise<void>;
}

export async function startEcho(recvBufferSize: number | undefined): Promise<EchoProcess> {
  const child = fork(
    fileURLToPath(new URL('./echo-server.js', import.meta.url)),
    ['127.0.0.1', String(recvBufferSize ?? 0)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true },
  );
  killOnExit(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the echo server exited (${code})`)));
  });
  return {
    port,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m: { cpu: { user: number; system: number } }) => resolve(m.cpu));
        child.send('cpu');
      }),
    stop: () => stopChild(child),
  };
}

/**
 * The server and the echo run in sessions of their own (detached), as a deployed server does: where
 * the scheduler shares CPU between sessions (Linux autogroups), a server in the generator's session
 * would be measured on the generator's share of the machine. Being detached, they are killed
 * explicitly when this process exits, however it exits.
 */
function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
