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
 * Fuzz target: memory an engine holds for forged input. Fresh engines (either role, with or
 * without the cookie exchange) receive up to 16 forged datagrams and nothing else; the heap and
 * ArrayBuffer bytes they hold afterwards, measured after a full GC with the engines still alive,
 * must stay under MEMORY_SLACK plus MEMORY_PER_BYTE times the bytes received, per engine (DESIGN:
 * "Nothing from the network can ... grow memory without bound").
 *
 * The heap is the process's, not the engine's: code compiled and feedback gathered on first use,
 * crypto state node creates lazily, and whatever earlier inputs of other targets left in the same
 * process move it by tens of KiB from one measurement to the next, independently of the engine.
 * So the input first runs through a throwaway engine (first-use costs are paid before the
 * measurement), then through ENGINES engines held at once, and the growth is divided by their
 * number: what one more engine costs, which is what an attacker multiplies by sending to many
 * sessions. Even so the heap sometimes moves by a few hundred KiB in either direction between two
 * measurements of the same input; a measurement over the bound is repeated twice with new engines
 * and the median of the three is what counts (a real cost shows in every one).
 * Needs `node --expose-gc`; without it, skipped.
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
/** Engines measured at once for one input. */
export const ENGINES = 16;

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
  // Two collections: backing stores of ArrayBuffers the first one frees are released only after
  // it, so one alone counts the datagrams the engine sent and dropped as held.
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Bytes one more object made by `make` and given `feed` holds (see above): `feed` once on a
 * throwaway, then on ENGINES at once, growth divided by ENGINES; over `bound`, the median of three
 * such measurements. Needs `node --expose-gc`.
 */
export function heldPerEngine<E>(make: () => E, feed: (e: E) => void, bound: number): number {
  feed(make());
  const once = (): number => {
    const engines = Array.from({ length: ENGINES }, make);
    const before = held();
    for (const engine of engines) feed(engine);
    const grown = held() - before;
    return Math.round(grown / engines.length);
  };
  const grown = once();
  return grown > bound ? [grown, once(), once()].sort((a, b) => a - b)[1]! : grown;
}

export function runMemoryInput(input: MemoryInput, ctx: DtlsTargetContext): Verdict {
  if (gc === undefined) return { findings: [], connected: false, refused: true };
  const certs = ctx.certificates;
  const fresh = (): DtlsEngine => {
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
    return engine;
  };
  const datagrams = input.datagrams.map((d) => {
    if (d.k === 'forge') return forgeFragment(d.frag);
    const pool = input.role === 'server' ? ctx.toServer : ctx.toClient;
    return pool.length === 0 ? new Uint8Array(0) : mutate(pool[d.seed % pool.length]!, d.muts);
  });
  const bytes = datagrams.reduce((n, d) => n + d.length, 0);
  const feed = (engine: DtlsEngine): void => {
    try {
      for (const d of datagrams) {
        engine.handleDatagram(d, 1);
        for (let out = engine.pollTransmit(); out; out = engine.pollTransmit());
        for (let e = engine.pollEvent(); e; e = engine.pollEvent());
      }
    } catch {
      // Exceptions are dtls-engine's to report; this target only measures.
    }
  };
  let state = '';
  const bound = MEMORY_SLACK + MEMORY_PER_BYTE * bytes;
  const grown = heldPerEngine(
    fresh,
    (engine) => {
      feed(engine);
      state = engine.state;
    },
    bound,
  );
  const findings: Finding[] = [];
  if (grown > bound) {
    findings.push({
      kind: 'memory',
      signature: input.role,
      detail: `${grown} bytes held per engine after ${datagrams.length} datagrams of ${bytes} bytes (bound ${bound}); engine ${state}`,
    });
  }
  return { findings, connected: false };
}
