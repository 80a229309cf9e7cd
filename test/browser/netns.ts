import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** Set in the environment of a process re-executed inside the loopback-only namespace. */
export const NETNS_MARKER = 'RTCSEAL_LOOPBACK_NETNS';

/** True when this process can see no interface but loopback. */
export function onlyLoopbackVisible(): boolean {
  return Object.keys(networkInterfaces()).every((name) => name === 'lo');
}

export function insideLoopbackNamespace(): boolean {
  return process.env[NETNS_MARKER] === '1' && onlyLoopbackVisible();
}

/**
 * Why a loopback-only namespace cannot be made here, or undefined when `unshare -n` works. Browsers
 * must see only `lo`, and need a default route through it (Firefox gathers nothing without one).
 */
export function namespaceUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (
    !existsSync('/usr/bin/unshare') ||
    !['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip', '/bin/ip'].some(existsSync)
  ) {
    return 'unshare or ip is not installed';
  }
  const probe = spawnSync('unshare', ['-n', 'true'], { timeout: 5000 });
  if (probe.status !== 0)
    return `unshare -n is not permitted here (${String(probe.stderr).trim() || probe.status})`;
  return undefined;
}

/** Shell that sets up loopback with default routes, then execs the given argv. */
export function loopbackNamespaceCommand(argv: readonly string[]): string[] {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const setup =
    'ip link set lo up && ip route add default dev lo src 127.0.0.1 && (ip -6 route add default dev lo 2>/dev/null || true)';
  return ['unshare', '-n', 'sh', '-c', `${setup} && exec ${quoted}`];
}

/**
 * Runs `testFile` with node's test runner inside a fresh loopback-only namespace and fails `t` when
 * it fails. Summary lines and the diagnostics named in `diagnostics` are relayed to `t`.
 */
export function rerunInLoopbackNamespace(
  testFile: string,
  t: { diagnostic(message: string): void },
  options: { timeoutMs: number; diagnostics?: RegExp },
): { status: number | null; output: string; error?: Error } {
  // Keep the loader flags (tsx) of this process, drop the test runner's own.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const [cmd, ...args] = loopbackNamespaceCommand([
    process.execPath,
    ...execArgv,
    '--test',
    '--test-reporter=tap',
    testFile,
  ]);
  // The runner marks its child processes with NODE_TEST_CONTEXT; a nested runner must not inherit it.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(cmd!, args, {
    env: { ...env, [NETNS_MARKER]: '1' },
    encoding: 'utf8',
    timeout: options.timeoutMs,
    // SIGTERM, not SIGKILL: puppeteer's SIGTERM handler then closes the browsers it launched.
    killSignal: 'SIGTERM',
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  for (const line of output.split('\n')) {
    if (/^(ok|not ok) |^# (pass|fail|skip)/.test(line) || options.diagnostics?.test(line))
      t.diagnostic(line.trim());
  }
  return { status: r.status, output, error: r.error };
}
