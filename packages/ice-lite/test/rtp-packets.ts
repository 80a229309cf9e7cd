/**
 * RTP packets for the demux tests, written byte by byte from RFC 3550 §5.1 and RFC 8285 §4 (the
 * header reader is checked against werift-rtp separately, so this writer is not the only witness).
 */
export interface RtpPacketSpec {
  payloadType: number;
  ssrc: number;
  sequenceNumber?: number;
  timestamp?: number;
  marker?: boolean;
  csrcs?: readonly number[];
  /** Header extension elements; the form is one-byte unless `twoByte` (or an id/length needs two). */
  extensions?: readonly { id: number; value: Uint8Array | string }[];
  twoByte?: boolean;
  payload?: Uint8Array;
  /** Padding bytes to add (P bit), 1-255. */
  padding?: number;
}

const encoder = new TextEncoder();

export function buildRtp(spec: RtpPacketSpec): Uint8Array {
  const csrcs = spec.csrcs ?? [];
  const elements = (spec.extensions ?? []).map((e) => ({
    id: e.id,
    value: typeof e.value === 'string' ? encoder.encode(e.value) : e.value,
  }));
  const twoByte =
    spec.twoByte === true || elements.some((e) => e.id > 14 || e.value.length > 16 || e.value.length === 0);
  let extBytes = 0;
  for (const e of elements) extBytes += (twoByte ? 2 : 1) + e.value.length;
  const extWords = Math.ceil(extBytes / 4);
  const hasExt = elements.length > 0;
  const payload = spec.payload ?? new Uint8Array([1, 2, 3, 4]);
  const padding = spec.padding ?? 0;
  const length = 12 + 4 * csrcs.length + (hasExt ? 4 + extWords * 4 : 0) + payload.length + padding;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (hasExt ? 0x10 : 0) | csrcs.length;
  out[1] = (spec.marker ? 0x80 : 0) | spec.payloadType;
  view.setUint16(2, spec.sequenceNumber ?? 1);
  view.setUint32(4, spec.timestamp ?? 0);
  view.setUint32(8, spec.ssrc >>> 0);
  let at = 12;
  for (const c of csrcs) {
    view.setUint32(at, c);
    at += 4;
  }
  if (hasExt) {
    view.setUint16(at, twoByte ? 0x1000 : 0xbede);
    view.setUint16(at + 2, extWords);
    at += 4;
    const start = at;
    for (const e of elements) {
      if (twoByte) {
        out[at++] = e.id;
        out[at++] = e.value.length;
      } else {
        out[at++] = (e.id << 4) | (e.value.length - 1);
      }
      out.set(e.value, at);
      at += e.value.length;
    }
    at = start + extWords * 4; // the rest is zero: padding bytes
  }
  out.set(payload, at);
  at += payload.length;
  if (padding > 0) out[length - 1] = padding;
  return out;
}
