import fc from 'fast-check';
import { encodeFragment, encodeRecords, MAX_SEQ, splitFragments, splitRecords } from './dtls-wire.js';

/**
 * Mutations of one datagram, as plain data (so an input is JSON and replays exactly): byte-level
 * ones for any protocol, and DTLS-aware ones that rewrite a record header or a handshake fragment
 * header and leave the rest intact, which is how a forged datagram gets past the first checks.
 * Indices are taken modulo what the datagram has, so every mutation applies to every datagram.
 */
export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly keep: number }
  | { readonly op: 'append'; readonly bytes: readonly number[] }
  | { readonly op: 'record-seq'; readonly record: number; readonly seq: number }
  | { readonly op: 'record-epoch'; readonly record: number; readonly epoch: number }
  | { readonly op: 'record-type'; readonly record: number; readonly type: number }
  | { readonly op: 'record-version'; readonly record: number; readonly version: number }
  | { readonly op: 'dup-record'; readonly record: number }
  | { readonly op: 'drop-record'; readonly record: number }
  | {
      readonly op: 'fragment';
      readonly record: number;
      readonly fragment: number;
      readonly field: 'msgType' | 'length' | 'messageSeq' | 'fragmentOffset';
      readonly value: number;
    }
  | {
      readonly op: 'fragment-cut';
      readonly record: number;
      readonly fragment: number;
      readonly keep: number;
    };

/** Record sequence numbers worth trying: the top of the 48-bit space (RFC 6347 §4.1) and small ones. */
const SEQ_EDGES = [0, 1, 2, 0xffff, 0x10000, 2 ** 32 - 1, 2 ** 32, MAX_SEQ - 2, MAX_SEQ - 1, MAX_SEQ];

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(2000), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(2000),
    value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xfe, 0xff),
  }),
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat(2000) }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.array(fc.nat(255), { maxLength: 40 }) }),
  fc.record({
    op: fc.constant('record-seq' as const),
    record: fc.nat(7),
    seq: fc.constantFrom(...SEQ_EDGES),
  }),
  fc.record({
    op: fc.constant('record-epoch' as const),
    record: fc.nat(7),
    epoch: fc.constantFrom(0, 1, 2, 0xffff),
  }),
  fc.record({
    op: fc.constant('record-type' as const),
    record: fc.nat(7),
    type: fc.constantFrom(20, 21, 22, 23, 24, 25, 0),
  }),
  fc.record({
    op: fc.constant('record-version' as const),
    record: fc.nat(7),
    version: fc.constantFrom(0xfeff, 0xfefd, 0xfefc, 0x0303),
  }),
  fc.record({ op: fc.constant('dup-record' as const), record: fc.nat(7) }),
  fc.record({ op: fc.constant('drop-record' as const), record: fc.nat(7) }),
  fc.record({
    op: fc.constant('fragment' as const),
    record: fc.nat(7),
    fragment: fc.nat(7),
    field: fc.constantFrom(
      'msgType' as const,
      'length' as const,
      'messageSeq' as const,
      'fragmentOffset' as const,
    ),
    value: fc.oneof(fc.nat(16), fc.constantFrom(0xff, 0x100, 0xffff, 0x10000, 0xffffff)),
  }),
  fc.record({
    op: fc.constant('fragment-cut' as const),
    record: fc.nat(7),
    fragment: fc.nat(7),
    keep: fc.nat(400),
  }),
);

/** Applies the mutations in order. */
export function mutate(datagram: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let d = datagram;
  for (const m of mutations) d = applyOne(d, m);
  return d;
}

function applyOne(d: Uint8Array, m: Mutation): Uint8Array {
  switch (m.op) {
    case 'flip': {
      if (d.length === 0) return d;
      const out = d.slice();
      out[m.at % d.length]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (d.length === 0) return d;
      const out = d.slice();
      out[m.at % d.length] = m.value;
      return out;
    }
    case 'truncate':
      return d.slice(0, m.keep % (d.length + 1));
    case 'append': {
      const out = new Uint8Array(d.length + m.bytes.length);
      out.set(d);
      out.set(m.bytes, d.length);
      return out;
    }
    default:
      return applyStructured(d, m);
  }
}

function applyStructured(d: Uint8Array, m: Mutation): Uint8Array {
  const { records, rest } = splitRecords(d);
  if (records.length === 0) return d;
  const ri = 'record' in m ? m.record % records.length : 0;
  const r = records[ri]!;
  switch (m.op) {
    case 'record-seq':
      r.seq = m.seq;
      break;
    case 'record-epoch':
      r.epoch = m.epoch;
      break;
    case 'record-type':
      r.contentType = m.type;
      break;
    case 'record-version':
      r.version = m.version;
      break;
    case 'dup-record':
      records.splice(ri, 0, { ...r, body: r.body.slice() });
      break;
    case 'drop-record':
      records.splice(ri, 1);
      break;
    case 'fragment':
    case 'fragment-cut': {
      const fragments = splitFragments(r.body);
      if (fragments.length === 0) return d;
      const f = fragments[m.fragment % fragments.length]!;
      if (m.op === 'fragment') f[m.field] = m.value;
      else f.body = f.body.slice(0, m.keep % (f.body.length + 1));
      const parts = fragments.map(encodeFragment);
      const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        body.set(p, at);
        at += p.length;
      }
      r.body = body;
      break;
    }
    default:
      return d;
  }
  return encodeRecords(records, rest);
}

/**
 * A handshake fragment forged from nothing: any type, message_seq, declared length and range, in
 * an epoch-0 record. The 25-byte zero-length fragment of a large declared message, and complete
 * messages at a future message_seq, are both in this space.
 */
export interface ForgedFragment {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly length: number;
  readonly fragmentOffset: number;
  readonly fragmentLength: number;
  readonly fill: number;
  readonly recordSeq: number;
}

export const forgedFragmentArbitrary: fc.Arbitrary<ForgedFragment> = fc.record({
  msgType: fc.constantFrom(0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 99),
  messageSeq: fc.nat(6),
  length: fc.oneof(fc.nat(64), fc.constantFrom(0, 1, 100, 1000, 0x4000, 0xffff, 0x10000, 0xffffff)),
  fragmentOffset: fc.oneof(fc.constant(0), fc.nat(2000)),
  fragmentLength: fc.oneof(fc.constant(0), fc.nat(120)),
  fill: fc.nat(255),
  recordSeq: fc.oneof(fc.nat(20), fc.constantFrom(...SEQ_EDGES)),
});

export function forgeFragment(f: ForgedFragment): Uint8Array {
  const body = encodeFragment({
    msgType: f.msgType,
    length: f.length,
    messageSeq: f.messageSeq,
    fragmentOffset: f.fragmentOffset,
    body: new Uint8Array(f.fragmentLength).fill(f.fill),
  });
  return encodeRecords([{ contentType: 22, version: 0xfefd, epoch: 0, seq: f.recordSeq, body }]);
}
