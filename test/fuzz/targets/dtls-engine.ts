import {
  CIPHER_SUITES,
  type DtlsCertificate,
  type DtlsConfig,
  DtlsEngine,
  type DtlsEvent,
} from '@rtcseal/dtls';
import fc from 'fast-check';
import { handshakeTypes, WholeMessages } from '../dtls-wire.js';
import { errorDetail, errorSignature, type Finding, type Verdict } from '../finding.js';
import {
  type ForgedFragment,
  forgedFragmentArbitrary,
  forgeFragment,
  type Mutation,
  mutate,
  mutationArbitrary,
} from '../mutate.js';
import { Prng } from '../prng.js';

/**
 * Fuzz target: one DtlsEngine (the engine under test, either role, with or without the cookie
 * exchange) handshaking with a genuine peer engine over a path the input controls. The input is a
 * sequence of steps: deliver, lose or alter the peer's next datagram (on-path), inject a corpus
 * datagram or a forged handshake fragment or an earlier datagram again (off-path, spoofing the
 * peer's source), let time pass. Afterwards the path turns honest and the run settles.
 *
 * Invariants, checked on every input:
 * - nothing throws out of handleDatagram, handleTimeout, pollTransmit, pollEvent, close (either engine);
 * - `connected` only to the peer with the expected fingerprint, and with the peer's keys;
 * - the handshake ends (connected or closed) by its deadline, within a bounded number of steps;
 * - off-path datagrams sent before the engine accepted the peer's hello neither wedge nor end the
 *   genuine handshake (unless between them they make a complete hello of the peer's role, in one
 *   fragment or several: that is the peer's first move, which only the cookie exchange or ICE can
 *   vouch for).
 */

export interface DtlsScenario {
  /** The role of the engine under test. */
  readonly role: 'server' | 'client';
  /** The server's cookieExchange (ours when we are the server, the peer's otherwise). */
  readonly cookieExchange: boolean;
  /** The server's requireClientCertificate. */
  readonly requireClientCertificate: boolean;
  /** The certificate the genuine peer presents: the expected one, another, or none (client only). */
  readonly peerCertificate: 'expected' | 'other' | 'none';
  readonly mtu: number;
  /** Both engines' newest version: 'DTLS 1.2' pins 1.2; absent, the default (1.3 between them). */
  readonly maxVersion?: 'DTLS 1.2' | 'DTLS 1.3';
}

export type DtlsStep =
  | { readonly k: 'deliver' }
  | { readonly k: 'drop' }
  | { readonly k: 'mutate'; readonly muts: readonly Mutation[] }
  | { readonly k: 'inject'; readonly seed: number; readonly muts: readonly Mutation[] }
  | { readonly k: 'forge'; readonly frag: ForgedFragment }
  | { readonly k: 'replay'; readonly back: number; readonly muts: readonly Mutation[] }
  | { readonly k: 'tick'; readonly ms: number };

export interface DtlsInput {
  readonly scenario: DtlsScenario;
  readonly steps: readonly DtlsStep[];
}

export interface DtlsTargetContext {
  readonly certificates: {
    readonly server: DtlsCertificate;
    readonly client: DtlsCertificate;
    readonly other: DtlsCertificate;
  };
  /** Corpus datagrams a server receives (client flights, browser captures). */
  readonly toServer: readonly Uint8Array[];
  /** Corpus datagrams a client receives (server flights). */
  readonly toClient: readonly Uint8Array[];
  /** ECDHE groups both engines use. */
  readonly groups: DtlsConfig['groups'];
}

/** A client without a certificate names the ECDHE suites itself (the default follows the certificate). */
const ECDHE_SUITES = CIPHER_SUITES.filter((c) => c.keyExchange !== 'PSK').map((c) => c.name);

const HANDSHAKE_TIMEOUT_MS = 120_000;
/** Virtual time the run may take: the handshake deadline plus slack for the last timers. */
const END_MS = HANDSHAKE_TIMEOUT_MS + 20_000;
/** Calls into the engines a run may take before it counts as a busy loop. */
const MAX_ITERATIONS = 20_000;

const muts = fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 });

export const dtlsStepArbitrary: fc.Arbitrary<DtlsStep> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ k: 'deliver' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'drop' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('mutate' as const), muts }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('inject' as const), seed: fc.nat(1000), muts }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('forge' as const), frag: forgedFragmentArbitrary }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('replay' as const),
      back: fc.nat(10),
      muts: fc.array(mutationArbitrary, { maxLength: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  },
);

export const dtlsInputArbitrary: fc.Arbitrary<DtlsInput> = fc.record({
  scenario: fc.record({
    role: fc.constantFrom('server' as const, 'client' as const),
    cookieExchange: fc.boolean(),
    requireClientCertificate: fc.oneof(
      { weight: 4, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    peerCertificate: fc.oneof(
      { weight: 6, arbitrary: fc.constant('expected' as const) },
      { weight: 1, arbitrary: fc.constant('other' as const) },
      { weight: 1, arbitrary: fc.constant('none' as const) },
    ),
    mtu: fc.constantFrom(1200, 1200, 300),
    maxVersion: fc.constantFrom('DTLS 1.2' as const, 'DTLS 1.3' as const),
  }),
  steps: fc.array(dtlsStepArbitrary, { minLength: 1, maxLength: 24 }),
});

/** Runs one input; never throws (an exception from an engine is a finding). */
export function runDtlsInput(input: DtlsInput, ctx: DtlsTargetContext): Verdict {
  const s = input.scenario;
  const findings: Finding[] = [];
  const prng = new Prng(0x5eed);
  const rng = (n: number) => prng.bytes(n);
  const certs = ctx.certificates;
  // The server's certificate is always the expected one; the client's is what the scenario says
  // (a server peer always has the expected one: ECDHE needs it to sign).
  const clientCert =
    s.role === 'client' || s.peerCertificate === 'expected'
      ? certs.client
      : s.peerCertificate === 'other'
        ? certs.other
        : undefined;
  const serverCert = s.role === 'client' && s.peerCertificate === 'other' ? certs.other : certs.server;
  const expectedPeer = s.role === 'server' ? certs.client : certs.server;
  const peerIsGenuine = s.role === 'server' ? clientCert === certs.client : serverCert === certs.server;
  const common = {
    mtu: s.mtu,
    rng,
    groups: ctx.groups,
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    retransmit: { initialMs: 200, maxMs: 4000 },
    ...(s.maxVersion ? { maxVersion: s.maxVersion } : {}),
  };
  const serverConfig: DtlsConfig = {
    ...common,
    role: 'server',
    certificate: serverCert,
    expectedFingerprint: certs.client.fingerprint('sha-256'),
    cookieExchange: s.cookieExchange,
    requireClientCertificate: s.requireClientCertificate,
  };
  const clientConfig: DtlsConfig = {
    ...common,
    role: 'client',
    ...(clientCert ? { certificate: clientCert } : { cipherSuites: ECDHE_SUITES }),
    expectedFingerprint: certs.server.fingerprint('sha-256'),
  };
  let eut: DtlsEngine;
  let peer: DtlsEngine;
  try {
    eut = new DtlsEngine(s.role === 'server' ? serverConfig : clientConfig);
    peer = new DtlsEngine(s.role === 'server' ? clientConfig : serverConfig);
  } catch (e) {
    // A configuration the engine refuses at construction (a fingerprint expected from a client
    // it does not ask for a certificate) is a clear error, not a finding; anything else is.
    if (/requireClientCertificate|expectedFingerprint/.test(String(e))) {
      return { findings: [], connected: false, refused: true };
    }
    return {
      findings: [
        { kind: 'throw', signature: `new DtlsEngine: ${errorSignature(e)}`, detail: errorDetail(e) },
      ],
      connected: false,
    };
  }

  let now = 0;
  let iterations = 0;
  let accepted = false;
  let offPathBeforeAccept = false;
  // Once the peer's hello was accepted, a forged plaintext message can end the handshake (the
  // accepted limit of DTLS 1.2, SECURITY.md): an input with such forgeries says nothing about
  // the ones sent before.
  let offPathAfterAccept = false;
  let helloInjected = false;
  // A complete hello of the peer's role, off-path, is the peer's first move as far as anyone can
  // tell (only the cookie exchange or ICE vouch for a source): whole across fragments and datagrams.
  const offPathHellos = new WholeMessages(s.role === 'server' ? [1] : [2, 3]);
  let onPath = false;
  const toEut: Uint8Array[] = [];
  const history: Uint8Array[] = [];
  const eutEvents: DtlsEvent[] = [];
  const peerEvents: DtlsEvent[] = [];
  let broken = false;

  const guard = (what: string, f: () => void): void => {
    if (broken) return;
    try {
      f();
    } catch (e) {
      findings.push({ kind: 'throw', signature: `${what}: ${errorSignature(e)}`, detail: errorDetail(e) });
      broken = true;
    }
  };
  // Our hello flight answers the peer's hello: the server's ServerHello (2); the client has
  // accepted the peer's hello once a genuine datagram with the ServerHello was delivered.
  const noteEutOutput = (d: Uint8Array) => {
    if (s.role === 'server' && handshakeTypes(d).includes(2)) accepted = true;
  };
  const pump = () => {
    for (let round = 0; round < 50 && !broken; round++) {
      let moved = false;
      guard('eut.pollTransmit', () => {
        for (let d = eut.pollTransmit(); d; d = eut.pollTransmit()) {
          moved = true;
          noteEutOutput(d);
          const out = d;
          guard('peer.handleDatagram', () => peer.handleDatagram(out, now));
        }
      });
      guard('peer.pollTransmit', () => {
        for (let d = peer.pollTransmit(); d; d = peer.pollTransmit()) {
          moved = true;
          toEut.push(d);
        }
      });
      guard('pollEvent', () => {
        for (let e = eut.pollEvent(); e; e = eut.pollEvent()) eutEvents.push(e);
        for (let e = peer.pollEvent(); e; e = peer.pollEvent()) peerEvents.push(e);
      });
      if (!moved) return;
    }
  };
  const toEngine = (d: Uint8Array, genuine: boolean) => {
    iterations++;
    if (!genuine) {
      if (!accepted) {
        offPathBeforeAccept = true;
        if (offPathHellos.note(d)) helloInjected = true;
      } else offPathAfterAccept = true;
    }
    guard('eut.handleDatagram', () => eut.handleDatagram(d, now));
    if (genuine && s.role === 'client' && handshakeTypes(d).includes(2)) accepted = true;
    pump();
  };
  const fireTimers = (to: number) => {
    now = Math.max(now, to);
    iterations++;
    const et = eut.nextTimeout();
    const pt = peer.nextTimeout();
    if (et !== undefined && et <= now) guard('eut.handleTimeout', () => eut.handleTimeout(now));
    if (pt !== undefined && pt <= now) guard('peer.handleTimeout', () => peer.handleTimeout(now));
    pump();
  };
  const nextTimer = (): number | undefined => {
    const times = [eut.nextTimeout(), peer.nextTimeout()].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  };

  guard('start', () => {
    eut.start(now);
    peer.start(now);
  });
  pump();

  for (const step of input.steps) {
    if (broken) break;
    switch (step.k) {
      case 'deliver':
      case 'drop':
      case 'mutate': {
        if (toEut.length === 0) {
          const t = nextTimer();
          if (t !== undefined && t < END_MS) fireTimers(t);
        }
        const d = toEut.shift();
        if (d === undefined) break;
        if (step.k === 'drop') break;
        history.push(d);
        if (step.k === 'deliver') toEngine(d, true);
        else {
          onPath = true;
          toEngine(mutate(d, step.muts), false);
        }
        break;
      }
      case 'inject': {
        const pool = s.role === 'server' ? ctx.toServer : ctx.toClient;
        if (pool.length > 0) toEngine(mutate(pool[step.seed % pool.length]!, step.muts), false);
        break;
      }
      case 'forge':
        toEngine(forgeFragment(step.frag), false);
        break;
      case 'replay': {
        if (history.length === 0) break;
        const d = history[history.length - 1 - (step.back % history.length)]!;
        toEngine(step.muts.length > 0 ? mutate(d, step.muts) : d, step.muts.length === 0);
        break;
      }
      case 'tick':
        fireTimers(now + step.ms);
        break;
    }
  }

  // The path turns honest: everything the peer sent arrives, timers fire, until both sides are done.
  const done = (e: DtlsEngine) => e.state === 'connected' || e.state === 'closed';
  while (!broken && !(done(eut) && done(peer))) {
    if (iterations > MAX_ITERATIONS) {
      findings.push({
        kind: 'busy-loop',
        signature: '',
        detail: `${iterations} engine calls, state ${eut.state}`,
      });
      break;
    }
    const d = toEut.shift();
    if (d !== undefined) {
      history.push(d);
      toEngine(d, true);
      continue;
    }
    const t = nextTimer();
    if (t === undefined || t > END_MS) break;
    fireTimers(t);
  }

  if (!broken && eut.state === 'handshaking' && now >= HANDSHAKE_TIMEOUT_MS) {
    findings.push({ kind: 'no-termination', signature: '', detail: `still handshaking at ${now} ms` });
  }
  const connectedEvent = eutEvents.find((e) => e.type === 'connected');
  if (connectedEvent?.type === 'connected') {
    const want = expectedPeer.fingerprint('sha-256').toUpperCase();
    if ((connectedEvent.peerFingerprint ?? '').toUpperCase() !== want) {
      findings.push({
        kind: 'fingerprint-not-enforced',
        signature: `${s.role}, requireClientCertificate ${s.requireClientCertificate}, peer ${s.peerCertificate}`,
        detail: `connected with peer fingerprint ${connectedEvent.peerFingerprint ?? 'none'}`,
      });
    }
    if (peer.state === 'connected') {
      const ours = Buffer.from(eut.exportKeyingMaterial('EXTRACTOR-fuzz', 16)).toString('hex');
      const theirs = Buffer.from(peer.exportKeyingMaterial('EXTRACTOR-fuzz', 16)).toString('hex');
      if (ours !== theirs)
        findings.push({ kind: 'key-mismatch', signature: s.role, detail: `${ours} vs ${theirs}` });
    }
  }
  // Liveness against off-path forgery before the hello: only when nothing else could explain a
  // failure (genuine peer, no on-path change, no complete hello of the peer's role injected, no
  // forgery after the hello was accepted).
  if (
    !broken &&
    offPathBeforeAccept &&
    !offPathAfterAccept &&
    !onPath &&
    !helloInjected &&
    peerIsGenuine &&
    findings.length === 0
  ) {
    const fine = s.role === 'server' || s.requireClientCertificate || s.peerCertificate !== 'none';
    if (fine && eut.state !== 'connected') {
      const closed = eutEvents.find((e) => e.type === 'closed');
      const drops = Object.entries(eut.stats.drops)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ');
      findings.push({
        kind:
          eut.state === 'closed' && closed?.type === 'closed' && closed.reason !== 'handshake-timeout'
            ? 'handshake-ended-by-forgery'
            : 'handshake-wedged',
        signature: `${s.role}${s.role === 'server' ? (s.cookieExchange ? ' with cookie' : ' without cookie') : ''}`,
        detail: `state ${eut.state}; ${JSON.stringify(closed ?? null)}; drops ${drops}`,
      });
    }
  }
  const connected = eut.state === 'connected';
  // The application closing the engine must not throw whatever the network did before.
  broken = false;
  guard('eut.close', () => eut.close(now));
  return { findings, connected };
}
