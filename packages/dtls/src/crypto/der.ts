/**
 * The few DER encodings (ITU-T X.690) needed to build a self-signed X.509
 * certificate: definite-length TLVs, INTEGER, OBJECT IDENTIFIER, strings,
 * times, BIT STRING. Encoding only; parsing is left to node:crypto.
 */

function lengthOctets(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV with definite length (X.690 §8.1.3, §10.1). */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of contents) n += c.length;
  const len = lengthOctets(n);
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  let o = 1 + len.length;
  for (const c of contents) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

export const sequence = (...items: readonly Uint8Array[]): Uint8Array => tlv(0x30, ...items);
export const set = (...items: readonly Uint8Array[]): Uint8Array => tlv(0x31, ...items);
export const derNull = (): Uint8Array => Uint8Array.of(0x05, 0x00);
/** Context-specific constructed tag [n] EXPLICIT. */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded (X.690 §8.3.2). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length === 0) return tlv(0x02, Uint8Array.of(0));
  return (m[0]! & 0x80) !== 0 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m);
}

export function smallInteger(v: number): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0x7f) throw new RangeError('smallInteger takes 0..127');
  return tlv(0x02, Uint8Array.of(v));
}

/** OBJECT IDENTIFIER from dotted text (X.690 §8.19). */
export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => Number.parseInt(a, 10));
  if (arcs.length < 2 || arcs.some((a) => !Number.isInteger(a) || a < 0))
    throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const first = [40 * arcs[0]! + arcs[1]!, ...arcs.slice(2)];
  for (const arc of first) {
    const septets: number[] = [];
    let v = arc;
    do {
      septets.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < septets.length - 1; i++) septets[i]! |= 0x80;
    out.push(...septets);
  }
  return tlv(0x06, Uint8Array.from(out));
}

export const utf8String = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));

/** BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), bytes);

/**
 * X.509 Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from
 * 2050, always in UTC with seconds and no fraction.
 */
export function x509Time(date: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const y = date.getUTCFullYear();
  const rest = `${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  const enc = new TextEncoder();
  if (y >= 1950 && y < 2050) return tlv(0x17, enc.encode(`${p(y % 100)}${rest}`));
  return tlv(0x18, enc.encode(`${p(y, 4)}${rest}`));
}
