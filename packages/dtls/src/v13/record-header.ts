/**
 * DTLS 1.3 record framing (RFC 9147 §4): DTLSPlaintext for epoch 0 (the DTLS 1.2 header) and
 * DTLSCiphertext with the variable-length unified header. This file only cuts datagrams into
 * records and writes headers; protection lives in record-protection.ts.
 */

/** Content types of DTLS 1.3 (RFC 8446 §5.1, RFC 9147 §4 adds ack). */
export const ContentType13 = {
  alert: 21,
  handshake: 22,
  application_data: 23,
  ack: 26,
} as const;

/** DTLSPlaintext header: type(1) legacy_record_version(2) epoch(2) sequence_number(6) length(2). */
export const PLAINTEXT_HEADER_LENGTH = 13;
/** legacy_record_version of every record but the first ClientHello (RFC 9147 §4). */
export const LEGACY_RECORD_VERSION = 0xfefd;
/** Largest TLSInnerPlaintext: 2^14 content + 1 type byte + padding, ciphertext adds at most 256 (RFC 8446 §5.2). */
export const MAX_PLAINTEXT = 16384;
export const MAX_CIPHERTEXT = 16384 + 256;

// First byte of the unified header: 0 0 1 C S L E E (RFC 9147 §4, Figure 3).
const FIXED_MASK = 0xe0;
const FIXED_BITS = 0x20;
const C_BIT = 0x10;
const S_BIT = 0x08;
const L_BIT = 0x04;

/** A DTLSPlaintext record (epoch 0: ClientHello, ServerHello, HelloRetryRequest, plaintext alerts and ACKs). */
export interface PlaintextRecord {
  readonly kind: 'plaintext';
  readonly contentType: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly fragment: Uint8Array;
}

/** A DTLSCiphertext record, still protected; its sequence number bits are still masked. */
export interface CiphertextRecord {
  readonly kind: 'ciphertext';
  /** The header as received (a view): the AEAD's additional data once the sequence number is unmasked. */
  readonly header: Uint8Array;
  /** Low two bits of the epoch. */
  readonly epochBits: number;
  /** 8 or 16. */
  readonly sequenceBits: 8 | 16;
  /** Offset of the sequence number within `header`. */
  readonly sequenceOffset: number;
  /** encrypted_record (a view). */
  readonly encrypted: Uint8Array;
}

export type Record13 = PlaintextRecord | CiphertextRecord;

/** Why (part of) a datagram could not be cut into records. */
export type SplitProblem13 = 'truncated-record' | 'oversized-record' | 'bad-content-type' | 'connection-id';

export interface SplitDatagram13 {
  readonly records: Record13[];
  /** Set when bytes from some point on were unusable; the records before them still stand. */
  readonly problem?: SplitProblem13;
}

/**
 * Cuts a datagram into records by the demultiplexing of RFC 9147 §4.1: first byte 21, 22 or 26 is a
 * DTLSPlaintext record, 0b001xxxxx a DTLSCiphertext record, anything else is rejected. A record
 * without a length consumes the rest of the datagram. Connection IDs are never negotiated here, so
 * a record with the C bit cannot be delimited and ends the walk. Never throws.
 */
export function splitDatagram13(datagram: Uint8Array): SplitDatagram13 {
  const records: Record13[] = [];
  let pos = 0;
  while (pos < datagram.length) {
    const first = datagram[pos]!;
    if ((first & FIXED_MASK) === FIXED_BITS) {
      if ((first & C_BIT) !== 0) return { records, problem: 'connection-id' };
      const sequenceBits = (first & S_BIT) !== 0 ? 16 : 8;
      const seqLen = sequenceBits / 8;
      const hasLength = (first & L_BIT) !== 0;
      const headerLength = 1 + seqLen + (hasLength ? 2 : 0);
      if (datagram.length - pos < headerLength) return { records, problem: 'truncated-record' };
      let length: number;
      if (hasLength) {
        length = (datagram[pos + 1 + seqLen]! << 8) | datagram[pos + 2 + seqLen]!;
        if (datagram.length - pos - headerLength < length) return { records, problem: 'truncated-record' };
      } else {
        length = datagram.length - pos - headerLength;
      }
      if (length > MAX_CIPHERTEXT) return { records, problem: 'oversized-record' };
      const start = pos + headerLength;
      records.push({
        kind: 'ciphertext',
        header: datagram.subarray(pos, start),
        epochBits: first & 0x03,
        sequenceBits,
        sequenceOffset: 1,
        encrypted: datagram.subarray(start, start + length),
      });
      pos = start + length;
      continue;
    }
    if (first !== ContentType13.alert && first !== ContentType13.handshake && first !== ContentType13.ack)
      return { records, problem: 'bad-content-type' };
    if (datagram.length - pos < PLAINTEXT_HEADER_LENGTH) return { records, problem: 'truncated-record' };
    const b = datagram;
    const epoch = (b[pos + 3]! << 8) | b[pos + 4]!;
    const sequenceNumber =
      ((b[pos + 5]! << 8) | b[pos + 6]!) * 0x1_0000_0000 +
      (((b[pos + 7]! << 24) >>> 0) + ((b[pos + 8]! << 16) | (b[pos + 9]! << 8) | b[pos + 10]!));
    const length = (b[pos + 11]! << 8) | b[pos + 12]!;
    if (length > MAX_PLAINTEXT) return { records, problem: 'oversized-record' };
    const start = pos + PLAINTEXT_HEADER_LENGTH;
    if (datagram.length - start < length) return { records, problem: 'truncated-record' };
    records.push({
      kind: 'plaintext',
      contentType: first,
      epoch,
      sequenceNumber,
      fragment: b.subarray(start, start + length),
    });
    pos = start + length;
  }
  return { records };
}

/** Writes a DTLSPlaintext record (epoch 0 only in DTLS 1.3). */
export function encodePlaintextRecord(
  contentType: number,
  sequenceNumber: number,
  fragment: Uint8Array,
  version: number = LEGACY_RECORD_VERSION,
): Uint8Array {
  if (fragment.length > MAX_PLAINTEXT)
    throw new RangeError(`fragment must be at most ${MAX_PLAINTEXT} bytes`);
  const out = new Uint8Array(PLAINTEXT_HEADER_LENGTH + fragment.length);
  out[0] = contentType;
  out[1] = version >>> 8;
  out[2] = version & 0xff;
  // epoch 0 in bytes 3..4
  const hi = Math.floor(sequenceNumber / 0x1_0000_0000);
  const lo = sequenceNumber >>> 0;
  out[5] = hi >>> 8;
  out[6] = hi & 0xff;
  out[7] = lo >>> 24;
  out[8] = (lo >>> 16) & 0xff;
  out[9] = (lo >>> 8) & 0xff;
  out[10] = lo & 0xff;
  out[11] = fragment.length >>> 8;
  out[12] = fragment.length & 0xff;
  out.set(fragment, PLAINTEXT_HEADER_LENGTH);
  return out;
}

/**
 * Writes the unified header with the plaintext sequence number (it is the AEAD's additional data,
 * RFC 9147 §4; the sequence number is masked after sealing). `sequenceBits` 16 keeps
 * reconstruction robust against reordering; 8 saves a byte.
 */
export function encodeUnifiedHeader(
  epoch: number,
  sequenceNumber: number,
  sequenceBits: 8 | 16,
  length: number | undefined,
): Uint8Array {
  const seqLen = sequenceBits / 8;
  const out = new Uint8Array(1 + seqLen + (length === undefined ? 0 : 2));
  out[0] =
    FIXED_BITS | (sequenceBits === 16 ? S_BIT : 0) | (length === undefined ? 0 : L_BIT) | (epoch & 0x03);
  if (sequenceBits === 16) {
    out[1] = (sequenceNumber >>> 8) & 0xff;
    out[2] = sequenceNumber & 0xff;
  } else {
    out[1] = sequenceNumber & 0xff;
  }
  if (length !== undefined) {
    if (!Number.isInteger(length) || length < 0 || length > MAX_CIPHERTEXT)
      throw new RangeError(`length must be in 0..${MAX_CIPHERTEXT}, got ${length}`);
    out[1 + seqLen] = length >>> 8;
    out[2 + seqLen] = length & 0xff;
  }
  return out;
}

/**
 * Record number reconstruction (RFC 9147 §4.2.2): the full sequence number whose low `bits` bits
 * are `wire` and which is numerically closest to `expected` (one plus the highest number
 * successfully deprotected in the epoch). Never negative.
 */
export function reconstructSequenceNumber(expected: number, wire: number, bits: 8 | 16): number {
  const window = bits === 16 ? 0x10000 : 0x100;
  const half = window / 2;
  const candidate = expected - (expected % window) + wire;
  if (candidate + half <= expected) return candidate + window;
  if (candidate > expected + half && candidate >= window) return candidate - window;
  return candidate;
}
