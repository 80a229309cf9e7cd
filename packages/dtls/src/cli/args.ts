import { parseArgs } from 'node:util';
import { cipherSuiteByName } from '../cipher-suites.js';
import { parseFingerprint } from '../fingerprint.js';
import { srtpProfileByName } from '../srtp-profiles.js';

/** One `--export LABEL:LENGTH` request (RFC 5705 exporter). */
export interface ExportRequest {
  readonly label: string;
  readonly length: number;
}

/** The command line of `rtcseal-dtls`, validated. */
export interface CliOptions {
  readonly mode: 'client' | 'server';
  /** Client: where to connect. Server: where to listen (host defaults to 127.0.0.1). */
  readonly host: string;
  readonly port: number;
  /** Registry names, in preference order; [] when --srtp was not given (use_srtp off). */
  readonly srtpProfiles: readonly string[];
  /** IANA suite names; undefined = the engine's default. */
  readonly cipherSuites: readonly string[] | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly expectedFingerprint: string | undefined;
  readonly mtu: number | undefined;
  readonly exports: readonly ExportRequest[];
  readonly stay: boolean;
  /** Give up after this long without a completed handshake (ms). */
  readonly timeoutMs: number;
  readonly psk: Uint8Array | undefined;
  readonly pskIdentity: string | undefined;
  /** Server: do not send HelloVerifyRequest. */
  readonly noCookie: boolean;
  /** Initial retransmission timeout (ms). */
  readonly retransmitMs: number | undefined;
  /** --dtls1_2 / --dtls1_3 pin one version; default: both (1.3 preferred). */
  readonly minVersion: 'DTLS 1.2' | 'DTLS 1.3';
  readonly maxVersion: 'DTLS 1.2' | 'DTLS 1.3';
}

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; help: boolean; message: string };

export const USAGE = `Usage:
  rtcseal-dtls client HOST:PORT [options]
  rtcseal-dtls server --port PORT [--host HOST] [options]

Performs one DTLS 1.3 or 1.2 handshake (as openssl s_client / s_server do), prints the
negotiated version, cipher suite, key exchange group, SRTP profile, fingerprints and exported keying
material, then exits (0 on success, 1 with the reason on failure).

Options:
  --srtp P[,P...]        offer/accept DTLS-SRTP profiles, in preference order
                         (SRTP_AES128_CM_HMAC_SHA1_80 or OpenSSL's SRTP_AES128_CM_SHA1_80,
                         SRTP_AES128_CM_HMAC_SHA1_32, SRTP_AEAD_AES_128_GCM, SRTP_AEAD_AES_256_GCM,
                         SRTP_NULL_HMAC_SHA1_80, SRTP_NULL_HMAC_SHA1_32)
  --cipher S[,S...]      cipher suites by IANA name (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ...)
  --cert FILE --key FILE PEM certificate (chain) and private key; default: a fresh ECDSA P-256 one
  --fingerprint FP       require the peer certificate to have this fingerprint ('sha-256 AB:CD:...')
  --mtu N                largest datagram to send (default 1200)
  --export LABEL:LENGTH  print RFC 5705 keying material (repeatable), e.g. EXTRACTOR-dtls_srtp:60
  --psk HEX              pre-shared key for the PSK suites
  --psk-identity ID      PSK identity (client; default 'Client_identity')
  --no-cookie            server: skip the HelloVerifyRequest exchange
  --retransmit MS        initial retransmission timeout (default 1000)
  --dtls1_2 | --dtls1_3  speak only DTLS 1.2 or only DTLS 1.3 (default: both, 1.3 preferred)
  --timeout MS           fail when no handshake completes within MS (default 30000)
  --stay                 after the handshake, copy stdin to the peer and peer data to stdout
  -h, --help             this text`;

function fail(message: string): ParseResult {
  return { ok: false, help: false, message };
}

function parseIntOption(
  name: string,
  v: string | undefined,
  min: number,
  max: number,
): number | string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) return `--${name} must be an integer, got '${v}'`;
  const n = Number(v);
  if (n < min || n > max) return `--${name} must be in ${min}..${max}, got ${n}`;
  return n;
}

/** Splits HOST:PORT, [IPv6]:PORT. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

/** Parses argv (without node and the script). Never throws: errors come back as a message. */
export function parseCliArgs(argv: readonly string[]): ParseResult {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return fail((e as Error).message);
  }
  const v = parsed.values;
  if (v.help === true) return { ok: false, help: true, message: USAGE };
  const [mode, target, ...extra] = parsed.positionals;
  if (mode !== 'client' && mode !== 'server') return fail(`first argument must be 'client' or 'server'`);
  if (extra.length > 0) return fail(`unexpected argument '${extra[0]}'`);

  let host: string;
  let port: number;
  if (mode === 'client') {
    if (target === undefined) return fail('client needs HOST:PORT');
    const hp = parseHostPort(target);
    if (hp === undefined) return fail(`'${target}' is not HOST:PORT`);
    ({ host, port } = hp);
  } else {
    if (target !== undefined) return fail(`unexpected argument '${target}' (use --port and --host)`);
    const p = parseIntOption('port', v.port, 0, 65535);
    if (typeof p === 'string') return fail(p);
    if (p === undefined) return fail('server needs --port PORT');
    port = p;
    host = v.host ?? '127.0.0.1';
  }

  const srtpProfiles: string[] = [];
  for (const name of (v.srtp ?? []).flatMap((s) => s.split(':').flatMap((t) => t.split(',')))) {
    if (name.trim() === '') continue;
    const profile = srtpProfileByName(name);
    if (profile === undefined) return fail(`unknown SRTP profile '${name}'`);
    srtpProfiles.push(profile.name);
  }
  let cipherSuites: string[] | undefined;
  if (v.cipher !== undefined) {
    cipherSuites = [];
    for (const name of v.cipher.flatMap((s) => s.split(','))) {
      const suite = cipherSuiteByName(name.trim());
      if (suite === undefined) return fail(`unknown cipher suite '${name}'`);
      cipherSuites.push(suite.name);
    }
  }
  if ((v.cert === undefined) !== (v.key === undefined)) return fail('--cert and --key go together');
  if (v.fingerprint !== undefined && parseFingerprint(v.fingerprint) === undefined)
    return fail(`--fingerprint '${v.fingerprint}' is not like 'sha-256 AB:CD:...'`);
  const mtu = parseIntOption('mtu', v.mtu, 200, 65_507);
  if (typeof mtu === 'string') return fail(mtu);
  const timeout = parseIntOption('timeout', v.timeout, 1, 3_600_000);
  if (typeof timeout === 'string') return fail(timeout);
  const retransmit = parseIntOption('retransmit', v.retransmit, 1, 60_000);
  if (typeof retransmit === 'string') return fail(retransmit);

  const exports: ExportRequest[] = [];
  for (const e of v.export ?? []) {
    const i = e.lastIndexOf(':');
    const label = i > 0 ? e.slice(0, i) : '';
    const len = parseIntOption('export length', i > 0 ? e.slice(i + 1) : undefined, 1, 65_535);
    if (label === '' || len === undefined) return fail(`--export '${e}' is not LABEL:LENGTH`);
    if (typeof len === 'string') return fail(len);
    exports.push({ label, length: len });
  }

  let psk: Uint8Array | undefined;
  if (v.psk !== undefined) {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(v.psk)) return fail('--psk must be an even number of hex digits');
    psk = new Uint8Array(Buffer.from(v.psk, 'hex'));
  }

  if (v.dtls1_2 === true && v.dtls1_3 === true) return fail('--dtls1_2 and --dtls1_3 exclude each other');
  const minVersion = v.dtls1_3 === true ? 'DTLS 1.3' : 'DTLS 1.2';
  const maxVersion = v.dtls1_2 === true ? 'DTLS 1.2' : 'DTLS 1.3';

  return {
    ok: true,
    options: {
      mode,
      host,
      port,
      srtpProfiles,
      cipherSuites,
      certFile: v.cert,
      keyFile: v.key,
      expectedFingerprint: v.fingerprint,
      mtu,
      exports,
      stay: v.stay === true,
      timeoutMs: timeout ?? 30_000,
      psk,
      pskIdentity: v['psk-identity'],
      noCookie: v['no-cookie'] === true,
      retransmitMs: retransmit,
      minVersion,
      maxVersion,
    },
  };
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  srtp: { type: 'string', multiple: true },
  cipher: { type: 'string', multiple: true },
  cert: { type: 'string' },
  key: { type: 'string' },
  fingerprint: { type: 'string' },
  mtu: { type: 'string' },
  export: { type: 'string', multiple: true },
  psk: { type: 'string' },
  'psk-identity': { type: 'string' },
  'no-cookie': { type: 'boolean' },
  retransmit: { type: 'string' },
  timeout: { type: 'string' },
  stay: { type: 'boolean' },
  dtls1_2: { type: 'boolean' },
  dtls1_3: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
