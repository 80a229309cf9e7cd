/**
 * Just enough of the DTLS 1.2 wire format (RFC 6347 §4.1 records, §4.2.2 handshake fragments) for
 * structure-aware mutation: split a datagram into records and a record into fragments, and write
 * them back. Written for the fuzzer, independently of the engine's own codec, so that a bug in
 * the codec cannot hide the inputs that would reveal it.
 */

export interface WireRecord {
  contentType: number;
  version: number;
  epoch: number;
  /** 48-bit sequence number. */
  seq: number;
  body: Uint8Array;
}

export interface WireFragment {
  msgType: number;
  /** Declared length of the whole message (24 bits). */
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  body: Uint8Array;
}

export const RECORD_HEADER = 13;
export const FRAGMENT_HEADER = 12;
export const MAX_SEQ = 2 ** 48 - 1;

/** The records of a datagram; trailing bytes that do not make a whole record are returned as `rest`. */
export function splitRecords(d: Uint8Array): { records: WireRecord[]; rest: Uint8Array } {
  const records: WireRecord[] = [];
  let at = 0;
  while (at + RECORD_HEADER <= d.length) {
    const length = (d[at + 11]! << 8) | d[at + 12]!;
    if (at + RECORD_HEADER + length > d.length) break;
    records.push({
      contentType: d[at]!,
      version: (d[at + 1]! << 8) | d[at + 2]!,
      epoch: (d[at + 3]! << 8) | d[at + 4]!,
      seq: readUint48(d, at + 5),
      body: d.slice(at + RECORD_HEADER, at + RECORD_HEADER + length),
    });
    at += RECORD_HEADER + length;
  }
  return { records, rest: d.slice(at) };
}

export function encodeRecords(
  records: readonly WireRecord[],
  rest: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const size = records.reduce((n, r) => n + RECORD_HEADER + r.body.length, 0) + rest.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const r of records) {
    out[at] = r.contentType & 0xff;
    out[at + 1] = (r.version >> 8) & 0xff;
    out[at + 2] = r.version & 0xff;
    out[at + 3] = (r.epoch >> 8) & 0xff;
    out[at + 4] = r.epoch & 0xff;
    writeUint48(out, at + 5, r.seq);
    out[at + 11] = (r.body.length >> 8) & 0xff;
    out[at + 12] = r.body.length & 0xff;
    out.set(r.body, at + RECORD_HEADER);
    at += RECORD_HEADER + r.body.length;
  }
  out.set(rest, at);
  return out;
}

/** The handshake fragments of a plaintext handshake record body (stops at the first that does not fit). */
export function splitFragments(body: Uint8Array): WireFragment[] {
  const out: WireFragment[] = [];
  let at = 0;
  while (at + FRAGMENT_HEADER <= body.length) {
    const fragmentLength = readUint24(body, at + 9);
    if (at + FRAGMENT_HEADER + fragmentLength > body.length) break;
    out.push({
      msgType: body[at]!,
      length: readUint24(body, at + 1),
      messageSeq: (body[at + 4]! << 8) | body[at + 5]!,
      fragmentOffset: readUint24(body, at + 6),
      body: body.slice(at + FRAGMENT_HEADER, at + FRAGMENT_HEADER + fragmentLength),
    });
    at += FRAGMENT_HEADER + fragmentLength;
  }
  return out;
}

export function encodeFragment(f: WireFragment): Uint8Array {
  const out = new Uint8Array(FRAGMENT_HEADER + f.body.length);
  out[0] = f.msgType & 0xff;
  writeUint24(out, 1, f.length);
  out[4] = (f.messageSeq >> 8) & 0xff;
  out[5] = f.messageSeq & 0xff;
  writeUint24(out, 6, f.fragmentOffset);
  writeUint24(out, 9, f.body.length);
  out.set(f.body, FRAGMENT_HEADER);
  return out;
}

/** The epoch-0 handshake message types a datagram carries, complete or not. */
export function handshakeTypes(d: Uint8Array): number[] {
  const out: number[] = [];
  for (const r of splitRecords(d).records) {
    if (r.contentType !== 22 || r.epoch !== 0) continue;
    for (const f of splitFragments(r.body)) out.push(f.msgType);
  }
  return out;
}

function readUint24(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}

function writeUint24(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 16) & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = v & 0xff;
}

function readUint48(b: Uint8Array, at: number): number {
  return (
    ((b[at]! << 8) | b[at + 1]!) * 2 ** 32 +
    (((b[at + 2]! << 24) | (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!) >>> 0)
  );
}

function writeUint48(b: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32) & 0xffff;
  const lo = v >>> 0;
  b[at] = hi >>> 8;
  b[at + 1] = hi & 0xff;
  b[at + 2] = lo >>> 24;
  b[at + 3] = (lo >>> 16) & 0xff;
  b[at + 4] = (lo >>> 8) & 0xff;
  b[at + 5] = lo & 0xff;
}

/**
 * Which handshake messages of the given types the datagrams noted so far make whole between them:
 * epoch-0 fragments with the same type, message_seq and declared length whose bytes agree where
 * they overlap, across records and datagrams (a hello the peer sent in two fragments is no less a
 * hello). A fragment that disagrees with every version held for its message starts a version of
 * its own, as the reassembler keeps rival versions. Messages over 64 KiB are not tracked (no
 * engine accepts them).
 */
export class WholeMessages {
  private readonly held = new Map<string, { bytes: Uint8Array; have: Uint8Array; missing: number }[]>();

  constructor(private readonly types: readonly number[]) {}

  /** Notes the fragments of `d`; true when some message of the given types is now whole. */
  note(d: Uint8Array): boolean {
    let whole = false;
    for (const r of splitRecords(d).records) {
      if (r.contentType !== 22 || r.epoch !== 0) continue;
      for (const f of splitFragments(r.body)) {
        if (!this.types.includes(f.msgType) || f.length > 65_536) continue;
        if (f.fragmentOffset + f.body.length > f.length) continue;
        const key = `${f.msgType}/${f.messageSeq}/${f.length}`;
        const versions = this.held.get(key) ?? [];
        this.held.set(key, versions);
        const at = f.fragmentOffset;
        const agrees = (m: { bytes: Uint8Array; have: Uint8Array }) => {
          for (let i = 0; i < f.body.length; i++)
            if (m.have[at + i] === 1 && m.bytes[at + i] !== f.body[i]) return false;
          return true;
        };
        let m = versions.find(agrees);
        if (m === undefined) {
          m = { bytes: new Uint8Array(f.length), have: new Uint8Array(f.length), missing: f.length };
          versions.push(m);
        }
        for (let i = 0; i < f.body.length; i++) {
          if (m.have[at + i] === 1) continue;
          m.have[at + i] = 1;
          m.bytes[at + i] = f.body[i]!;
          m.missing--;
        }
        if (m.missing === 0) whole = true;
      }
    }
    return whole;
  }
}
