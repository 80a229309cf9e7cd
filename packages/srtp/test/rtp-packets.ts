import fc from 'fast-check';

/** Fields of a synthetic RTP packet (RFC 3550 §5.1) for tests. */
export interface RtpFields {
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly csrcs: readonly number[];
  /** Header extension: profile (0xBEDE one-byte, 0x1000 two-byte, RFC 8285) and body (multiple of 4). */
  readonly extension?: { readonly profile: number; readonly body: Uint8Array } | undefined;
  readonly payload: Uint8Array;
  /** Padding bytes including the final count byte (0 = no padding). */
  readonly padding: number;
}

export function buildRtp(f: RtpFields): Buffer {
  const extLength = f.extension ? 4 + f.extension.body.length : 0;
  const headerLength = 12 + 4 * f.csrcs.length + extLength;
  const out = Buffer.alloc(headerLength + f.payload.length + f.padding);
  out[0] = 0x80 | (f.padding > 0 ? 0x20 : 0) | (f.extension ? 0x10 : 0) | f.csrcs.length;
  out[1] = (f.marker ? 0x80 : 0) | f.payloadType;
  out.writeUInt16BE(f.seq, 2);
  out.writeUInt32BE(f.timestamp >>> 0, 4);
  out.writeUInt32BE(f.ssrc >>> 0, 8);
  let o = 12;
  for (const c of f.csrcs) {
    out.writeUInt32BE(c >>> 0, o);
    o += 4;
  }
  if (f.extension) {
    out.writeUInt16BE(f.extension.profile, o);
    out.writeUInt16BE(f.extension.body.length / 4, o + 2);
    out.set(f.extension.body, o + 4);
    o += 4 + f.extension.body.length;
  }
  out.set(f.payload, o);
  o += f.payload.length;
  if (f.padding > 0) out[o + f.padding - 1] = f.padding;
  return out;
}

/** One-byte header extension body (RFC 8285 §4.2): elements then zero padding to 4 bytes. */
function oneByteBody(elements: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  elements.forEach((data, i) => {
    parts.push((((i % 14) + 1) << 4) | (data.length - 1), ...data);
  });
  while (parts.length % 4 !== 0) parts.push(0);
  return Uint8Array.from(parts);
}

/** Two-byte header extension body (RFC 8285 §4.3). */
function twoByteBody(elements: readonly Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  elements.forEach((data, i) => {
    parts.push(i + 1, data.length, ...data);
  });
  while (parts.length % 4 !== 0) parts.push(0);
  return Uint8Array.from(parts);
}

export const extensionArb = fc.oneof(
  fc.constant(undefined),
  fc
    .array(fc.uint8Array({ minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 4 })
    .map((els) => ({ profile: 0xbede, body: oneByteBody(els) })),
  fc
    .array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 3 })
    .map((els) => ({ profile: 0x1000, body: twoByteBody(els) })),
);

export const rtpFieldsArb: fc.Arbitrary<RtpFields> = fc.record({
  seq: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  payloadType: fc.integer({ min: 0, max: 127 }),
  marker: fc.boolean(),
  csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
  extension: extensionArb,
  payload: fc.uint8Array({ minLength: 0, maxLength: 1400 }),
  padding: fc.integer({ min: 0, max: 32 }),
});

/** A sender report with one report block after it (a compound RTCP packet, RFC 3550 §6.1). */
export function buildRtcp(ssrc: number, body: Uint8Array): Buffer {
  const padded = Buffer.alloc(Math.ceil(body.length / 4) * 4);
  padded.set(body);
  const out = Buffer.alloc(8 + padded.length);
  out[0] = 0x80;
  out[1] = 200;
  out.writeUInt16BE((out.length >>> 2) - 1, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out.set(padded, 8);
  return out;
}
