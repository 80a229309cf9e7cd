import { DecodeError } from './decode-error.js';

/**
 * A bounds-checked cursor over bytes received from the network. Every read
 * checks the remaining length and throws DecodeError instead of reading past
 * the end; sub-slices share memory with the input (no copies).
 */
export class Reader {
  private readonly bytes: Uint8Array;
  private pos: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw new DecodeError(`truncated ${what}`);
  }

  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what = 'uint16'): number {
    this.need(2, what);
    const b = this.bytes;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(what = 'uint24'): number {
    this.need(3, what);
    const b = this.bytes;
    const v = (b[this.pos]! << 16) | (b[this.pos + 1]! << 8) | b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(what = 'uint32'): number {
    this.need(4, what);
    const b = this.bytes;
    const v =
      ((b[this.pos]! << 24) >>> 0) + ((b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!);
    this.pos += 4;
    return v;
  }

  /** 48-bit unsigned integer (DTLS record sequence numbers); exact in a JS number. */
  u48(what = 'uint48'): number {
    this.need(6, what);
    const hi = this.u16(what);
    const lo = this.u32(what);
    return hi * 0x1_0000_0000 + lo;
  }

  /** `n` bytes, as a view into the input. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** The rest of the input, as a view. */
  rest(): Uint8Array {
    const v = this.bytes.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3), as a view. */
  vector(lengthBytes: 1 | 2 | 3, what = 'vector', min = 0, max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const len = lengthBytes === 1 ? this.u8(what) : lengthBytes === 2 ? this.u16(what) : this.u24(what);
    if (len < min || len > max) throw new DecodeError(`${what} length ${len} outside ${min}..${max}`);
    return this.bytesView(len, what);
  }

  /** A Reader over a length-prefixed vector, for nested structures. */
  sub(lengthBytes: 1 | 2 | 3, what = 'vector'): Reader {
    const v = this.vector(lengthBytes, what);
    return new Reader(v);
  }

  /** Throws unless every byte was consumed: trailing garbage is a decode error. */
  expectEnd(what = 'structure'): void {
    if (this.pos !== this.end) throw new DecodeError(`${this.end - this.pos} trailing bytes after ${what}`);
  }
}
