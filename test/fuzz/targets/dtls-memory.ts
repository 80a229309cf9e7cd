import { DtlsEngine } from '@rtcseal/dtls';
import fc from 'fast-check';
import type { Finding, Verdict } from '../finding.js';
import {
  type ForgedFragment,
  forgedFragmentArbitrary,
  forgeFragment,
  type Mutation,
  mutate,
  mutationArbitrary,
} from '../mutate.js';
import type { DtlsTargetContext } from './dtls-engine.js';

/**
 * Fuzz target: memory an engine holds for forged input. A fresh engine (either role, with or
 * without the cookie exchange) receives up to 16 forged datagrams and nothing else; the heap and
 * ArrayBuffer bytes it holds afterwards, measured after a full GC with the engine still alive, must
 * stay under MEMORY_SLACK plus MEMORY_PER_BYTE times the bytes received (DESIGN: "Nothing from the
 * network can ... grow memory without bound"). Needs `node --expose-gc`; without it, skipped.
 */

export type MemoryDatagram =
  | { readonly k: 'forge'; readonly frag: ForgedFragment }
  | { readonly k: 'inject'; readonly seed: number; readonly muts: readonly Mutation[] };

export interface MemoryInput {
  readonly role: 'server' | 'client';
  readonly cookieExchange: boolean;
  readonly datagrams: readonly MemoryDatagram[];
}

export const MEMORY_SLACK = 48 * 1024;
export const MEMORY_PER_BYTE = 64;

export const memoryInputArbitrary: fc.Arbitrary<MemoryInput> = fc.record({
  role: fc.constantFrom('server' as const, 'client' as const),
  cookieExchange: fc.boolean(),
  datagrams: fc.array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ k: fc.constant('forge' as const), frag: forgedFragmentArbitrary }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant('inject' as const),
          seed: fc.nat(1000),
          muts: fc.array(mutationArbitrary, { maxLength: 3 }),
        }),
      },
    ),
    { minLength: 1, maxLength: 16 },
  ),
});

const gc = (globalThis as { gc?: () => void }).gc;

export const memoryProbeAvailable = (): boolean => gc !== undefined;

function held(): number {
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export function runMemoryInput(input: MemoryInput, ctx: DtlsTargetContext): Verdict {
  if (gc === undefined) return { findings: [], connected: false, refused: true };
  const certs = ctx.certificates;
  const engine = new DtlsEngine(
    input.role === 'server'
      ? {
          role: 'server',
          certificate: certs.server,
          cookieExchange: input.cookieExchange,
          groups: ctx.groups,
        }
      : { role: 'client', certificate: certs.client, groups: ctx.groups },
  );
  engine.start(0);
  for (let d = engine.pollTransmit(); d; d = engine.pollTransmit());
  const datagrams = input.datagrams.map((d) => {
    if (d.k === 'forge') return forgeFragment(d.frag);
    const pool = input.role === 'server' ? ctx.toServer : ctx.toClient;
    return pool.length === 0 ? new Uint8Array(0) : mutate(pool[d.seed % pool.length]!, d.muts);
  });
  const bytes = datagrams.reduce((n, d) => n + d.length, 0);
  const before = held();
  const findings: Finding[] = [];
  try {
    for (const d of datagrams) {
      engine.handleDatagram(d, 1);
      for (let out = engine.pollTransmit(); out; out = engine.pollTransmit());
      for (let e = engine.pollEvent(); e; e = engine.pollEvent());
    }
  } catch {
    // Exceptions are dtls-engine's to report; this target only measures.
  }
  const grown = held() - before;
  const bound = MEMORY_SLACK + MEMORY_PER_BYTE * bytes;
  if (grown > bound) {
    findings.push({
      kind: 'memory',
      signature: input.role,
      detail: `${grown} bytes held after ${datagrams.length} datagrams of ${bytes} bytes (bound ${bound}); engine ${engine.state}`,
    });
  }
  return { findings, connected: false };
}
