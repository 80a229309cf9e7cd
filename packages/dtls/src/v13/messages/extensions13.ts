import { checkUint16, readUint16List, writeUint16List } from '../../extensions/uint16-list.js';
import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';

/**
 * The extension bodies only DTLS 1.3 uses (RFC 8446 §4.2): the server forms of key_share and
 * supported_versions, the HelloRetryRequest form of key_share, and cookie. The client forms of
 * supported_versions and key_share are shared with the 1.2 code (extensions/).
 */

export interface KeyShareEntry13 {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

/** ServerHello key_share: one KeyShareEntry (RFC 8446 §4.2.8). */
export function decodeServerKeyShare(data: Uint8Array): KeyShareEntry13 {
  const r = new Reader(data);
  const group = r.u16('key_share group');
  const keyExchange = r.vector(2, 'key_exchange', 1, 0xffff);
  r.expectEnd('key_share');
  return { group, keyExchange };
}

export function encodeServerKeyShare(entry: KeyShareEntry13): Uint8Array {
  if (entry.keyExchange.length === 0) throw new RangeError('key_share keyExchange: empty');
  return new Writer(4 + entry.keyExchange.length)
    .u16(checkUint16(entry.group, 'key_share group'))
    .vector(2, entry.keyExchange)
    .finish();
}

/** HelloRetryRequest key_share: NamedGroup selected_group (RFC 8446 §4.2.8). */
export function decodeHrrKeyShare(data: Uint8Array): number {
  const r = new Reader(data);
  const group = r.u16('selected_group');
  r.expectEnd('key_share');
  return group;
}

export function encodeHrrKeyShare(group: number): Uint8Array {
  return new Writer(2).u16(checkUint16(group, 'selected_group')).finish();
}

/** cookie: opaque cookie<1..2^16-1> (RFC 8446 §4.2.2). */
export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = new Reader(data);
  const cookie = r.vector(2, 'cookie', 1, 0xffff);
  r.expectEnd('cookie');
  return cookie;
}

export function encodeCookie(cookie: Uint8Array): Uint8Array {
  if (cookie.length === 0) throw new RangeError('cookie: empty');
  return new Writer(2 + cookie.length).vector(2, cookie).finish();
}

/** signature_algorithms and signature_algorithms_cert: SignatureScheme list<2..2^16-2>. */
export function decodeSchemeList(data: Uint8Array, what: string): number[] {
  const r = new Reader(data);
  const list = readUint16List(r, 2, what, 2, 0xfffe);
  r.expectEnd(what);
  return list;
}

export function encodeSchemeList(list: readonly number[], what: string): Uint8Array {
  if (list.length === 0) throw new RangeError(`${what}: empty`);
  const w = new Writer(2 + 2 * list.length);
  writeUint16List(w, 2, list, what);
  return w.finish();
}

/** Refuses an empty extension body where the RFC gives the type a non-empty one. */
export function expectEmpty(data: Uint8Array, what: string): void {
  if (data.length !== 0) throw new DecodeError(`${what}: ${data.length} unexpected bytes`);
}
