#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { type DtlsCertificate, generateCertificate, loadCertificate } from '../certificate.js';
import type { DtlsConfig } from '../config.js';
import { connect } from '../node/client.js';
import { type DtlsConnection, describeClose } from '../node/connection.js';
import { createDtlsServer } from '../node/server.js';
import { type CliOptions, parseCliArgs } from './args.js';

type Out = (line: string) => void;

/** The lines printed after a handshake: version, suite, SRTP profile, fingerprints, exported material. */
export function describeConnection(
  connection: DtlsConnection,
  options: CliOptions,
  local: DtlsCertificate | undefined,
): string[] {
  const info = connection.info!;
  const lines = [
    `Protocol: ${info.version}`,
    `Cipher: ${info.cipherSuite}`,
    ...(info.group === undefined ? [] : [`Group: ${info.group}`]),
    `SRTP profile: ${info.srtpProfile ?? '(none)'}`,
  ];
  if (local !== undefined) lines.push(`Local fingerprint: ${local.fingerprint()}`);
  if (info.peerFingerprint !== undefined) lines.push(`Peer fingerprint: ${info.peerFingerprint}`);
  lines.push(`Handshake: ${info.handshakeMs.toFixed(1)} ms`);
  for (const e of options.exports) {
    // The same three lines OpenSSL prints for -keymatexport, so scripts can grep either.
    const material = connection.exportKeyingMaterial(e.label, e.length);
    lines.push('Keying material exporter:');
    lines.push(`    Label: '${e.label}'`);
    lines.push(`    Length: ${e.length} bytes`);
    lines.push(`    Keying material: ${Buffer.from(material).toString('hex').toUpperCase()}`);
  }
  return lines;
}

async function loadOrGenerate(options: CliOptions): Promise<DtlsCertificate | undefined> {
  if (options.certFile !== undefined && options.keyFile !== undefined)
    return loadCertificate(readFileSync(options.certFile, 'utf8'), readFileSync(options.keyFile, 'utf8'));
  if (options.psk !== undefined && options.cipherSuites?.every((s) => s.startsWith('TLS_PSK_')) === true)
    return undefined;
  return generateCertificate({ commonName: `rtcseal-dtls-${options.mode}` });
}

function engineConfig(
  options: CliOptions,
  certificate: DtlsCertificate | undefined,
): Omit<DtlsConfig, 'role'> {
  const psk = options.psk;
  const config: { -readonly [K in keyof DtlsConfig]?: DtlsConfig[K] } = {
    srtpProfiles: options.srtpProfiles,
    handshakeTimeoutMs: options.timeoutMs,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
    // The CLI talks to peers that may not run with the same client-auth expectations (openssl s_client
    // sends a certificate only when given one), so it asks for one but does not insist.
    requireClientCertificate: options.expectedFingerprint !== undefined && options.mode === 'server',
  };
  if (certificate !== undefined) config.certificate = certificate;
  if (options.cipherSuites !== undefined) config.cipherSuites = options.cipherSuites;
  else if (psk !== undefined && certificate === undefined)
    config.cipherSuites = ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CCM_8'];
  if (options.expectedFingerprint !== undefined) config.expectedFingerprint = options.expectedFingerprint;
  if (options.mtu !== undefined) config.mtu = options.mtu;
  if (options.retransmitMs !== undefined) config.retransmit = { initialMs: options.retransmitMs };
  if (psk !== undefined) {
    if (options.mode === 'client')
      config.psk = { identity: options.pskIdentity ?? 'Client_identity', key: psk };
    else config.pskLookup = () => psk;
  }
  if (options.mode === 'server' && options.noCookie) config.cookieExchange = false;
  return config;
}

/** Copies stdin to the peer and the peer's data to stdout until either side closes. */
async function stay(connection: DtlsConnection, out: NodeJS.WritableStream): Promise<void> {
  connection.on('data', (d) => out.write(d));
  // stdin is a byte stream: cut it into records that each fit one datagram.
  const onStdin = (chunk: Buffer) => {
    const max = connection.maxSendSize;
    if (max === undefined) return;
    for (let offset = 0; offset < chunk.length; offset += max)
      connection.send(new Uint8Array(chunk.subarray(offset, offset + max)));
  };
  process.stdin.on('data', onStdin);
  process.stdin.once('end', () => void connection.close());
  await connection.closed;
  process.stdin.off('data', onStdin);
  process.stdin.pause();
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], out: Out, err: Out): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    (parsed.help ? out : err)(parsed.help ? parsed.message : `rtcseal-dtls: ${parsed.message} (see --help)`);
    return parsed.help ? 0 : 2;
  }
  const options = parsed.options;
  let certificate: DtlsCertificate | undefined;
  try {
    certificate = await loadOrGenerate(options);
  } catch (e) {
    err(`rtcseal-dtls: cannot load the certificate: ${(e as Error).message}`);
    return 1;
  }
  let config: Omit<DtlsConfig, 'role'>;
  try {
    config = engineConfig(options, certificate);
  } catch (e) {
    err(`rtcseal-dtls: ${(e as Error).message}`);
    return 2;
  }

  if (options.mode === 'client') {
    let connection: DtlsConnection;
    try {
      connection = await connect({ ...config, host: options.host, port: options.port });
    } catch (e) {
      err(`rtcseal-dtls: handshake with ${options.host}:${options.port} failed: ${(e as Error).message}`);
      return 1;
    }
    out(`Connected to ${options.host}:${options.port}`);
    for (const line of describeConnection(connection, options, certificate)) out(line);
    if (options.stay) await stay(connection, process.stdout);
    else await connection.close();
    return 0;
  }

  let server: ReturnType<typeof createDtlsServer>;
  try {
    server = createDtlsServer({ ...config, host: options.host, port: options.port });
    const addr = await server.ready;
    out(`Listening on ${addr.address}:${addr.port}`);
    if (certificate !== undefined) out(`Local fingerprint: ${certificate.fingerprint()}`);
  } catch (e) {
    err(`rtcseal-dtls: cannot listen on ${options.host}:${options.port}: ${(e as Error).message}`);
    return 1;
  }
  // One handshake, like `openssl s_server` without -rev/-www: report it, then exit
  // (or, with --stay, echo data until the peer closes).
  const result = await new Promise<{ connection?: DtlsConnection; error?: string }>((resolve) => {
    const timer = setTimeout(
      () => resolve({ error: `no handshake completed within ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
    server.once('connection', (c) => {
      clearTimeout(timer);
      resolve({ connection: c });
    });
    server.once('handshakeError', (remote, e) => {
      clearTimeout(timer);
      resolve({ error: `handshake with ${remote.address}:${remote.port} failed: ${describeClose(e.close)}` });
    });
    server.once('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `socket error: ${e.message}` });
    });
  });
  if (result.connection === undefined) {
    err(`rtcseal-dtls: ${result.error}`);
    await server.close();
    return 1;
  }
  const c = result.connection;
  out(`Accepted ${c.remote.address}:${c.remote.port}`);
  for (const line of describeConnection(c, options, certificate)) out(line);
  if (options.stay) await stay(c, process.stdout);
  await server.close();
  return 0;
}

// Run when executed directly (the `rtcseal-dtls` bin), not when imported by tests.
const invokedAs = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:main\.(?:js|ts)|rtcseal-dtls)$/.test(invokedAs)) {
  main(
    process.argv.slice(2),
    (l) => process.stdout.write(`${l}\n`),
    (l) => process.stderr.write(`${l}\n`),
  ).then(
    (code) => {
      process.exitCode = code;
      // Nothing should be left running; make sure a stray handle cannot keep the process alive.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (e: unknown) => {
      process.stderr.write(`rtcseal-dtls: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
