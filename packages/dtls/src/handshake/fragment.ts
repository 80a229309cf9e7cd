import { Writer } from '../wire/writer.js';

/** DTLS handshake header: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) (RFC 6347 §4.2.2). */
export const HANDSHAKE_HEADER_LENGTH = 12;

export interface HandshakeFragment {
  readonly msgType: number;
  /** Length of the whole message body. */
  readonly length: number;
  readonly messageSeq: number;
  readonly fragmentOffset: number;
  readonly fragmentLength: number;
  /** The fragment's bytes, a view into the record. */
  readonly body: Uint8Array;
}

export type FragmentParseResult =
  | { readonly ok: true; readonly fragment: HandshakeFragment; readonly next: number }
  | { readonly ok: false; readonly reason: 'truncated-handshake' | 'inconsistent-fragment' };

/**
 * Reads one handshake fragment at `offset` of a record's plaintext (a record may carry several,
 * RFC 6347 §4.2.3). Never throws: a fragment that does not fit its record or whose range lies
 * outside its message is reported, not read.
 */
export function parseHandshakeFragment(data: Uint8Array, offset: number): FragmentParseResult {
  if (data.length - offset < HANDSHAKE_HEADER_LENGTH) return { ok: false, reason: 'truncated-handshake' };
  const b = data;
  const o = offset;
  const msgType = b[o]!;
  const length = (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  const messageSeq = (b[o + 4]! << 8) | b[o + 5]!;
  const fragmentOffset = (b[o + 6]! << 16) | (b[o + 7]! << 8) | b[o + 8]!;
  const fragmentLength = (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!;
  const start = o + HANDSHAKE_HEADER_LENGTH;
  if (data.length - start < fragmentLength) return { ok: false, reason: 'truncated-handshake' };
  if (fragmentOffset + fragmentLength > length) return { ok: false, reason: 'inconsistent-fragment' };
  return {
    ok: true,
    fragment: {
      msgType,
      length,
      messageSeq,
      fragmentOffset,
      fragmentLength,
      body: b.subarray(start, start + fragmentLength),
    },
    next: start + fragmentLength,
  };
}

/** Writes a handshake header and fragment bytes. */
export function encodeHandshakeFragment(
  msgType: number,
  messageSeq: number,
  body: Uint8Array,
  fragmentOffset: number,
  fragmentLength: number,
): Uint8Array {
  const w = new Writer(HANDSHAKE_HEADER_LENGTH + fragmentLength);
  w.u8(msgType).u24(body.length).u16(messageSeq).u24(fragmentOffset).u24(fragmentLength);
  w.bytes(body.subarray(fragmentOffset, fragmentOffset + fragmentLength));
  return w.finish();
}

/**
 * The message as it enters the handshake transcript: the DTLS header with fragment_offset 0 and
 * fragment_length = length, i.e. as if it had never been fragmented (RFC 6347 §4.2.6).
 */
export function transcriptForm(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  return encodeHandshakeFragment(msgType, messageSeq, body, 0, body.length);
}

/**
 * Cuts a message into fragments whose body is at most `maxFragmentBody` bytes (RFC 6347 §4.2.3).
 * An empty message still gets one (empty) fragment.
 */
export function fragmentHandshake(
  msgType: number,
  messageSeq: number,
  body: Uint8Array,
  maxFragmentBody: number,
): Uint8Array[] {
  if (!Number.isInteger(maxFragmentBody) || maxFragmentBody < 1) {
    throw new RangeError(`maxFragmentBody must be a positive integer, got ${maxFragmentBody}`);
  }
  const out: Uint8Array[] = [];
  let offset = 0;
  do {
    const len = Math.min(maxFragmentBody, body.length - offset);
    out.push(encodeHandshakeFragment(msgType, messageSeq, body, offset, len));
    offset += len;
  } while (offset < body.length);
  return out;
}
