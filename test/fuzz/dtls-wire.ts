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

/** The plaintext (epoch 0) handshake messages types in a datagram, complete fragments only. */
export function completeHandshakeTypes(d: Uint8Array): { msgType: number; messageSeq: number }[] {
  const out: { msgType: number; messageSeq: number }[] = [];
  for (const r of splitRecords(d).records) {
    if (r.contentType !== 22 || r.epoch !== 0) continue;
    for (const f of splitFragments(r.body)) {
      if (f.fragmentOffset === 0 && f.body.length === f.length)
        out.push({ msgType: f.msgType, messageSeq: f.messageSeq });
    }
  }
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
