import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';

/**
 * application_layer_protocol_negotiation (RFC 7301 §3.1). Recognized only
 * (Firefox offers `webrtc` and `c-webrtc`, RFC 8833); this package does not
 * negotiate ALPN, so a server ignores it and sends none.
 *   opaque ProtocolName<1..2^8-1>;
 *   ProtocolName protocol_name_list<2..2^16-1>;
 */
export function decodeAlpn(data: Uint8Array): Uint8Array[] {
  const outer = new Reader(data);
  const r = new Reader(outer.vector(2, 'protocol_name_list', 2, 0xffff));
  outer.expectEnd('application_layer_protocol_negotiation');
  const names: Uint8Array[] = [];
  while (r.remaining > 0) names.push(r.vector(1, 'ProtocolName', 1, 0xff));
  return names;
}

export function encodeAlpn(names: readonly Uint8Array[]): Uint8Array {
  if (names.length === 0) throw new RangeError('ALPN: at least one protocol name is required');
  const w = new Writer();
  w.nested(2, (inner) => {
    for (const n of names) {
      if (n.length === 0) throw new RangeError('ALPN protocol name: empty');
      inner.vector(1, n);
    }
  });
  return w.finish();
}
