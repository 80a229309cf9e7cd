import type { DtlsCertificate, DtlsConfig } from '@rtcseal/dtls';
import type fc from 'fast-check';
import type { Verdict } from '../finding.js';
import { dtlsInputArbitrary, runDtlsInput } from './dtls-engine.js';
import { memoryInputArbitrary, memoryProbeAvailable, runMemoryInput } from './dtls-memory.js';
import { runTransportInput, transportInputArbitrary } from './transport.js';

/** What every target runs with: fixed certificates, the corpus by receiver, the ECDHE groups. */
export interface FuzzContext {
  readonly certificates: {
    readonly server: DtlsCertificate;
    readonly client: DtlsCertificate;
    readonly other: DtlsCertificate;
  };
  readonly toServer: readonly Uint8Array[];
  readonly toClient: readonly Uint8Array[];
  readonly toMux: readonly Uint8Array[];
  readonly groups: DtlsConfig['groups'];
}

/** One fuzz target: how its inputs are drawn, and how one is run against the invariants. */
export interface FuzzTarget {
  readonly name: string;
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<unknown>;
  run(input: unknown, ctx: FuzzContext): Verdict;
  /** False when the runtime lacks what the target needs (e.g. the memory probe without --expose-gc). */
  available(): boolean;
}

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'dtls-engine',
    description:
      'DtlsEngine (both roles, with and without the cookie exchange) against a genuine peer over a hostile path',
    arbitrary: dtlsInputArbitrary,
    run: (input, ctx) => runDtlsInput(input as Parameters<typeof runDtlsInput>[0], ctx),
    available: () => true,
  },
  {
    name: 'transport',
    description: 'UdpMuxRouter + WebRtcTransport (both DTLS roles) against a browser stand-in and a spoofer',
    arbitrary: transportInputArbitrary,
    run: (input, ctx) => runTransportInput(input as Parameters<typeof runTransportInput>[0], ctx),
    available: () => true,
  },
  {
    name: 'dtls-memory',
    description: 'memory a fresh DtlsEngine holds after forged datagrams',
    arbitrary: memoryInputArbitrary,
    run: (input, ctx) => runMemoryInput(input as Parameters<typeof runMemoryInput>[0], ctx),
    available: memoryProbeAvailable,
  },
];

export function findTarget(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t)
    throw new RangeError(`unknown fuzz target ${name}; known: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}
