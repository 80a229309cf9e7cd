/**
 * A growable byte writer for building handshake messages and records.
 * Length-prefixed vectors are written by reserving the prefix, writing the
 * body, then patching the length (no intermediate copies).
 */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  /** 48-bit unsigned integer (DTLS record sequence numbers). */
  u48(v: number): this {
    this.u16(Math.floor(v / 0x1_0000_0000));
    return this.u32(v >>> 0);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Writes a vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3). */
  vector(lengthBytes: 1 | 2 | 3, body: Uint8Array): this {
    const max = lengthBytes === 1 ? 0xff : lengthBytes === 2 ? 0xffff : 0xffffff;
    if (body.length > max)
      throw new RangeError(`vector of ${body.length} bytes exceeds ${lengthBytes}-byte length`);
    if (lengthBytes === 1) this.u8(body.length);
    else if (lengthBytes === 2) this.u16(body.length);
    else this.u24(body.length);
    return this.bytes(body);
  }

  /** Writes a length-prefixed vector whose body is produced by `fill`. */
  nested(lengthBytes: 1 | 2 | 3, fill: (w: this) => void): this {
    const start = this.pos;
    if (lengthBytes === 1) this.u8(0);
    else if (lengthBytes === 2) this.u16(0);
    else this.u24(0);
    fill(this);
    const len = this.pos - start - lengthBytes;
    const max = lengthBytes === 1 ? 0xff : lengthBytes === 2 ? 0xffff : 0xffffff;
    if (len > max) throw new RangeError(`vector of ${len} bytes exceeds ${lengthBytes}-byte length`);
    for (let i = lengthBytes - 1, v = len; i >= 0; i--, v >>>= 8) this.buf[start + i] = v & 0xff;
    return this;
  }

  /** The written bytes, as a view of the internal buffer (do not keep writing after taking it). */
  finish(): Uint8Array {
    // Writers sized exactly (records, fragments) hand out their buffer without a view object.
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
  }
}
