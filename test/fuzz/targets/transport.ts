import { mock } from 'node:test';
import { type DtlsCertificate, type DtlsConfig, DtlsEngine } from '@rtcseal/dtls';
import {
  HmacSha1Key,
  hostCandidates,
  Sha1Workspace,
  StunMessageBuilder,
  StunMessageType,
  UdpMuxRouter,
  WebRtcTransport,
} from '@rtcseal/ice-lite';
import fc from 'fast-check';
import type * as ControllingPeerModule from '../../../packages/ice-lite/test/controlling-peer.js';
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

// The browser's ICE side (answers our own Binding requests, as browsers do) is test code of
// @rtcseal/ice-lite: loaded from its compiled tests.
const { ControllingPeer, isBindingRequest } = (await import(
  new URL('../../../../packages/ice-lite/dist/test/controlling-peer.js', import.meta.url).href
)) as typeof ControllingPeerModule;

/**
 * Fuzz target: the one-port path of a WebRTC session, UdpMuxRouter + WebRtcTransport, answering
 * a browser stand-in (ICE checks with the session's credentials and a DtlsEngine in the other
 * role) on a virtual clock (the transport's timers run on node:test's mock timers). Steps send
 * checks (from the peer's tuple, or with the session's credentials from another tuple), deliver,
 * lose or alter the peer's DTLS, inject corpus datagrams and forged fragments from the peer's
 * tuple (spoofed) or a stranger's, mutated STUN requests, and let time pass; then the path turns
 * honest and the run settles.
 *
 * Invariants: nothing throws out of the router, its timers or the transport's; the transport is
 * `connected` only with the offer's fingerprint; the router's tuple table stays within its bound;
 * the stranger's address never gets more than 3x the bytes that came from it;
 * off-path datagrams before our DTLS accepted the peer's hello do not keep the call from
 * connecting (unless a complete hello of the peer's role was among them, or another tuple used
 * the session's credentials).
 */

export type Source = 'peer' | 'stranger';

export type TransportStep =
  | { readonly k: 'check'; readonly from: Source; readonly useCandidate: boolean }
  | { readonly k: 'deliver' }
  | { readonly k: 'drop' }
  | { readonly k: 'mutate'; readonly muts: readonly Mutation[] }
  | { readonly k: 'inject'; readonly from: Source; readonly seed: number; readonly muts: readonly Mutation[] }
  | { readonly k: 'forge'; readonly from: Source; readonly frag: ForgedFragment }
  | {
      readonly k: 'stun';
      readonly from: Source;
      readonly credentials: 'good' | 'bad-password' | 'other-ufrag';
      readonly muts: readonly Mutation[];
    }
  | { readonly k: 'tick'; readonly ms: number };

export interface TransportInput {
  /** Our DTLS role: the offer says a=setup:actpass (we are the server) or a=setup:passive. */
  readonly dtlsRole: 'server' | 'client';
  readonly steps: readonly TransportStep[];
}

export interface TransportTargetContext {
  readonly certificates: { readonly server: DtlsCertificate; readonly client: DtlsCertificate };
  /** Corpus datagrams for a DTLS server / client / the mux. */
  readonly toServer: readonly Uint8Array[];
  readonly toClient: readonly Uint8Array[];
  readonly toMux: readonly Uint8Array[];
  readonly groups: DtlsConfig['groups'];
}

const OURS = { address: '192.0.2.1', port: 5000 };
const PEER = { address: '192.0.2.10', port: 50_000 };
const STRANGER = { address: '198.51.100.7', port: 40_000 };
const PEER_UFRAG = 'pEeR';
const PEER_PWD = 'peerpasswordpeerpassword';
const END_MS = 60_000;
const MAX_ITERATIONS = 20_000;
/** The router keeps at most this many checked tuples per session (its default). */
const MAX_TUPLES = 8;

const source = fc.oneof(
  { weight: 3, arbitrary: fc.constant('peer' as const) },
  { weight: 1, arbitrary: fc.constant('stranger' as const) },
);
const muts = fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 });

export const transportStepArbitrary: fc.Arbitrary<TransportStep> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('check' as const), from: source, useCandidate: fc.boolean() }),
  },
  { weight: 6, arbitrary: fc.constant({ k: 'deliver' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'drop' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('mutate' as const), muts }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('inject' as const), from: source, seed: fc.nat(1000), muts }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('forge' as const), from: source, frag: forgedFragmentArbitrary }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('stun' as const),
      from: source,
      credentials: fc.constantFrom('good' as const, 'bad-password' as const, 'other-ufrag' as const),
      muts: fc.array(mutationArbitrary, { maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  },
);

export const transportInputArbitrary: fc.Arbitrary<TransportInput> = fc.record({
  dtlsRole: fc.constantFrom('server' as const, 'client' as const),
  steps: fc.array(transportStepArbitrary, { minLength: 1, maxLength: 24 }),
});

function offerSdp(fingerprint: string, setup: 'actpass' | 'passive'): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${PEER_UFRAG}`,
    `a=ice-pwd:${PEER_PWD}`,
    `a=fingerprint:${fingerprint}`,
    `a=setup:${setup}`,
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

const isDtls = (d: Uint8Array) => d.length > 0 && d[0]! >= 20 && d[0]! <= 63;

/** Runs one input; never throws (an exception from the router or transport is a finding). */
export function runTransportInput(input: TransportInput, ctx: TransportTargetContext): Verdict {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    return run(input, ctx);
  } finally {
    mock.timers.reset();
  }
}

function run(input: TransportInput, ctx: TransportTargetContext): Verdict {
  const findings: Finding[] = [];
  const prng = new Prng(0x7ea5);
  const rng = (n: number) => prng.bytes(n);
  const ourRole = input.dtlsRole;
  const peerRole = ourRole === 'server' ? 'client' : 'server';
  let now = 0;
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

  const toPeer: Uint8Array[] = [];
  // Our own Binding requests to the peer's tuple: the browser answers them (RFC 8445 §7.3), and
  // media (and, as DTLS client, DTLS) goes only to a tuple that answered (make-before-break).
  const icePeer = new ControllingPeer(PEER_UFRAG, PEER_PWD);
  const checksToPeer: Uint8Array[] = [];
  let accepted = false;
  let bytesToStranger = 0;
  let bytesFromStranger = 0;
  const router = new UdpMuxRouter({
    rng,
    send: (bytes, address, port) => {
      if (address === STRANGER.address && port === STRANGER.port) bytesToStranger += bytes.length;
      if (ourRole === 'server' && handshakeTypes(bytes).includes(2)) accepted = true;
      if (address === PEER.address && port === PEER.port) {
        if (isDtls(bytes)) toPeer.push(bytes);
        else if (isBindingRequest(bytes)) checksToPeer.push(bytes);
      }
    },
  });
  const answered = WebRtcTransport.answer(
    offerSdp(ctx.certificates.client.fingerprint('sha-256'), ourRole === 'server' ? 'actpass' : 'passive'),
    {
      mux: {
        addSession: (o) => router.addSession(o, now),
        candidates: hostCandidates([OURS]),
      },
      certificate: ctx.certificates.server,
      clock: () => now,
      ssrc: 0x01020304,
      dtls: { rng, groups: ctx.groups },
    },
  );
  if (!answered.ok) {
    return {
      findings: [{ kind: 'throw', signature: 'answer refused', detail: answered.error }],
      connected: false,
    };
  }
  const transport = answered.transport;
  const ufrag = /a=ice-ufrag:(\S+)/.exec(answered.answer)![1]!;
  const pwd = /a=ice-pwd:(\S+)/.exec(answered.answer)![1]!;
  const fingerprint = /a=fingerprint:(\S+ \S+)/.exec(answered.answer)![1]!;
  const ws = new Sha1Workspace();
  const keys = {
    good: new HmacSha1Key(new TextEncoder().encode(pwd), ws),
    bad: new HmacSha1Key(new TextEncoder().encode('not-the-password-at-all!'), ws),
  };
  const bindingRequest = (credentials: 'good' | 'bad-password' | 'other-ufrag', useCandidate: boolean) => {
    const b = new StunMessageBuilder(StunMessageType.BindingRequest, prng.bytes(12))
      .username(`${credentials === 'other-ufrag' ? 'zzzz' : ufrag}:${PEER_UFRAG}`)
      .iceControlling(42n)
      .priority(1_000_000);
    if (useCandidate) b.useCandidate();
    return b.finish({
      sha1: { key: credentials === 'bad-password' ? keys.bad : keys.good, workspace: ws },
      fingerprint: true,
    });
  };
  const peer = new DtlsEngine({
    role: peerRole,
    certificate: ctx.certificates.client,
    expectedFingerprint: fingerprint,
    rng,
    groups: ctx.groups,
    retransmit: { initialMs: 200, maxMs: 4000 },
    ...(peerRole === 'server' ? { cookieExchange: false } : {}),
  });

  let iterations = 0;
  let offPathBeforeAccept = false;
  // Once our DTLS accepted the peer's hello, a forged plaintext message from the peer's tuple can
  // end the handshake (the accepted limit of DTLS 1.2, SECURITY.md): such an input says nothing
  // about the forgeries sent before.
  let offPathAfterAccept = false;
  let helloInjected = false;
  // A complete hello of the peer's role, off-path, is the peer's first move as far as anyone can
  // tell (only the cookie exchange or ICE vouch for a source): whole across fragments and datagrams.
  const offPathHellos = new WholeMessages(ourRole === 'server' ? [1] : [2, 3]);
  let onPath = false;
  let credentialsElsewhere = false;
  const toUs: Uint8Array[] = [];
  const history: Uint8Array[] = [];

  const pumpPeer = () => {
    guard('peer.pollTransmit', () => {
      for (let d = peer.pollTransmit(); d; d = peer.pollTransmit()) toUs.push(d);
      for (let e = peer.pollEvent(); e; e = peer.pollEvent());
    });
  };
  const flushToPeer = () => {
    for (let round = 0; round < 50 && (toPeer.length > 0 || checksToPeer.length > 0) && !broken; round++) {
      for (const d of toPeer.splice(0)) guard('peer.handleDatagram', () => peer.handleDatagram(d, now));
      // The peer's answers join its other datagrams: steps deliver, lose or alter them alike.
      for (const d of checksToPeer.splice(0)) {
        const answer = icePeer.answer(d, OURS);
        if (answer) toUs.push(answer);
      }
      pumpPeer();
    }
  };
  const send = (d: Uint8Array, from: Source, genuine: boolean) => {
    iterations++;
    const who = from === 'peer' ? PEER : STRANGER;
    if (from === 'stranger') bytesFromStranger += d.length;
    if (!genuine && isDtls(d)) {
      if (!accepted) {
        offPathBeforeAccept = true;
        if (offPathHellos.note(d)) helloInjected = true;
      } else offPathAfterAccept = true;
    }
    guard('router.handleDatagram', () => router.handleDatagram(d, who.address, who.port, now));
    if (genuine && ourRole === 'client' && handshakeTypes(d).includes(2)) accepted = true;
    flushToPeer();
    if (router.tupleCount > MAX_TUPLES) {
      findings.push({ kind: 'unbounded-table', signature: 'tuples', detail: `${router.tupleCount} tuples` });
      broken = true;
    }
  };
  const advance = (to: number) => {
    iterations++;
    const delta = Math.max(0, to - now);
    now += delta;
    // The transport's timers (DTLS retransmission and deadline) run on the mocked setTimeout.
    guard('transport timers', () => mock.timers.tick(delta));
    const rt = router.nextTimeout();
    if (rt !== undefined && rt <= now) guard('router.handleTimeout', () => router.handleTimeout(now));
    const pt = peer.nextTimeout();
    if (pt !== undefined && pt <= now) guard('peer.handleTimeout', () => peer.handleTimeout(now));
    flushToPeer();
    pumpPeer();
  };
  const nextPeerEvent = (): number => {
    const t = peer.nextTimeout();
    return t === undefined ? now + 100 : Math.max(t, now + 1);
  };

  guard('peer.start', () => peer.start(now));
  pumpPeer();

  for (const step of input.steps) {
    if (broken) break;
    switch (step.k) {
      case 'check':
        if (step.from === 'stranger') credentialsElsewhere = true;
        send(bindingRequest('good', step.useCandidate), step.from, true);
        break;
      case 'deliver':
      case 'drop':
      case 'mutate': {
        if (toUs.length === 0) advance(nextPeerEvent());
        const d = toUs.shift();
        if (d === undefined || step.k === 'drop') break;
        history.push(d);
        if (step.k === 'deliver') send(d, 'peer', true);
        else {
          onPath = true;
          send(mutate(d, step.muts), 'peer', false);
        }
        break;
      }
      case 'inject': {
        const pool = [...(ourRole === 'server' ? ctx.toServer : ctx.toClient), ...ctx.toMux];
        if (pool.length > 0) send(mutate(pool[step.seed % pool.length]!, step.muts), step.from, false);
        break;
      }
      case 'forge':
        send(forgeFragment(step.frag), step.from, false);
        break;
      case 'stun':
        if (step.credentials === 'good' && step.from === 'stranger') credentialsElsewhere = true;
        send(mutate(bindingRequest(step.credentials, true), step.muts), step.from, false);
        break;
      case 'tick':
        advance(now + step.ms);
        break;
    }
  }

  // Honest path: the peer's nominating check, then everything it sends, timers firing.
  send(bindingRequest('good', true), 'peer', true);
  while (!broken && transport.state !== 'connected' && transport.state !== 'closed') {
    if (iterations > MAX_ITERATIONS) {
      findings.push({ kind: 'busy-loop', signature: '', detail: `${iterations} calls, ${transport.state}` });
      break;
    }
    const d = toUs.shift();
    if (d !== undefined) {
      send(d, 'peer', true);
      continue;
    }
    if (now > END_MS) break;
    // Consent: a browser checks every few seconds, which also keeps a DTLS client's budget.
    advance(Math.min(nextPeerEvent(), now + 1000));
    if (Math.floor(now / 2500) !== Math.floor((now - 1000) / 2500))
      send(bindingRequest('good', false), 'peer', true);
  }

  // DESIGN: before a peer is verified nothing sends it more than 3x what came from its address.
  // The stranger never completes a handshake, so this holds for the whole run.
  if (bytesToStranger > 3 * bytesFromStranger) {
    findings.push({
      kind: 'amplification',
      signature: `transport as ${ourRole}`,
      detail: `${bytesToStranger} bytes sent to a tuple that sent ${bytesFromStranger}`,
    });
  }
  const info = transport.connected;
  if (transport.state === 'connected') {
    const want = ctx.certificates.client.fingerprint('sha-256').toUpperCase();
    if ((info?.peerFingerprint ?? '').toUpperCase() !== want) {
      findings.push({
        kind: 'fingerprint-not-enforced',
        signature: `transport as ${ourRole}`,
        detail: `connected with ${info?.peerFingerprint ?? 'no fingerprint'}`,
      });
    }
  }
  if (
    !broken &&
    offPathBeforeAccept &&
    !offPathAfterAccept &&
    !onPath &&
    !helloInjected &&
    !credentialsElsewhere &&
    findings.length === 0
  ) {
    if (transport.state !== 'connected') {
      const stats = transport.stats();
      findings.push({
        kind: transport.state === 'closed' ? 'handshake-ended-by-forgery' : 'handshake-wedged',
        signature: `transport as ${ourRole}`,
        detail: `state ${transport.state}; dtls ${JSON.stringify(stats.dtls)}; drops ${JSON.stringify(stats.drops)}`,
      });
    }
  }
  const connected = transport.state === 'connected';
  // The application closing the call must not throw whatever the network did before.
  broken = false;
  guard('transport.close', () => transport.close());
  return { findings, connected };
}
