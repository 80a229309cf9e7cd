import type { KeyExchange } from '../../cipher-suites.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * ClientKeyExchange for ECDHE suites: `ECPoint ecdh_Yc` with
 * `opaque point<1..2^8-1>` (RFC 8422 §5.7; the explicit/implicit choice is
 * always explicit for ephemeral keys).
 */
export interface EcdheClientKeyExchange {
  readonly kind: 'ecdhe';
  readonly publicKey: Uint8Array;
}

/** ClientKeyExchange for plain PSK suites: `opaque psk_identity<0..2^16-1>` (RFC 4279 §2). */
export interface PskClientKeyExchange {
  readonly kind: 'psk';
  readonly identity: Uint8Array;
}

export type ClientKeyExchange = EcdheClientKeyExchange | PskClientKeyExchange;

/** Decodes a ClientKeyExchange whose layout depends on the negotiated suite (RFC 5246 §7.4.7). */
export function decodeClientKeyExchange(body: Uint8Array, keyExchange: KeyExchange): ClientKeyExchange {
  const r = new Reader(body);
  let msg: ClientKeyExchange;
  if (keyExchange === 'PSK') msg = { kind: 'psk', identity: r.vector(2, 'psk_identity') };
  else msg = { kind: 'ecdhe', publicKey: r.vector(1, 'ECPoint', 1, 0xff) };
  r.expectEnd('ClientKeyExchange');
  return msg;
}

export function encodeClientKeyExchange(msg: ClientKeyExchange): Uint8Array {
  if (msg.kind === 'psk') {
    if (msg.identity.length > 0xffff)
      throw new RangeError(`ClientKeyExchange identity: ${msg.identity.length} bytes exceed 65535`);
    return new Writer(2 + msg.identity.length).vector(2, msg.identity).finish();
  }
  if (msg.publicKey.length === 0 || msg.publicKey.length > 0xff)
    throw new RangeError(`ClientKeyExchange publicKey: ${msg.publicKey.length} bytes, expected 1..255`);
  return new Writer(1 + msg.publicKey.length).vector(1, msg.publicKey).finish();
}
