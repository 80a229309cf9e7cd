import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { checkUint16 } from './uint16-list.js';

/**
 * key_share (RFC 8446 §4.2.8), client form. A DTLS 1.2 server only
 * recognizes it (which groups a 1.3 client guessed); the key bytes stay views.
 *   struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 *   KeyShareEntry client_shares<0..2^16-1>;
 */
export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export function decodeClientKeyShares(data: Uint8Array): KeyShareEntry[] {
  const outer = new Reader(data);
  const r = new Reader(outer.vector(2, 'client_shares'));
  outer.expectEnd('key_share');
  const shares: KeyShareEntry[] = [];
  while (r.remaining > 0) {
    const group = r.u16('KeyShareEntry group');
    const keyExchange = r.vector(2, 'key_exchange', 1, 0xffff);
    shares.push({ group, keyExchange });
  }
  return shares;
}

export function encodeClientKeyShares(shares: readonly KeyShareEntry[]): Uint8Array {
  const w = new Writer();
  w.nested(2, (inner) => {
    for (const s of shares) {
      if (s.keyExchange.length === 0) throw new RangeError('key_share key_exchange: empty');
      inner.u16(checkUint16(s.group, 'key_share group')).vector(2, s.keyExchange);
    }
  });
  return w.finish();
}
