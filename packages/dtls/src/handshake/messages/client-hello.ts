import { decodeExtensions, type Extension, encodeExtensions } from '../../extensions/extension-list.js';
import { checkUint8, checkUint16, readUint16List, writeUint16List } from '../../extensions/uint16-list.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { RANDOM_LENGTH } from '../types.js';

/**
 * ClientHello body (RFC 5246 §7.4.1.2 with the DTLS cookie of RFC 6347 §4.2.1):
 *   ProtocolVersion client_version;
 *   Random random;                                      (32 bytes)
 *   SessionID session_id;                               <0..32>
 *   opaque cookie<0..2^8-1>;
 *   CipherSuite cipher_suites<2..2^16-2>;
 *   CompressionMethod compression_methods<1..2^8-1>;
 *   select (extensions_present) { case true: Extension extensions<0..2^16-1>; };
 */
export interface ClientHello {
  readonly clientVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cookie: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Uint8Array;
  /**
   * Undefined when the message ends after compression_methods: RFC 5246
   * §7.4.1.2 lets a client omit the extensions block entirely, which is not
   * the same bytes as an empty block.
   */
  readonly extensions?: readonly Extension[] | undefined;
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const clientVersion = r.u16('client_version');
  const random = r.bytesView(RANDOM_LENGTH, 'random');
  const sessionId = r.vector(1, 'session_id', 0, 32);
  const cookie = r.vector(1, 'cookie');
  const cipherSuites = readUint16List(r, 2, 'cipher_suites', 2, 0xfffe);
  const compressionMethods = r.vector(1, 'compression_methods', 1, 0xff);
  const extensions = r.remaining > 0 ? decodeExtensions(r) : undefined;
  r.expectEnd('ClientHello');
  return { clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeClientHello(hello: ClientHello): Uint8Array {
  const w = new Writer(512);
  writeHelloParams(w, hello, true);
  if (hello.extensions !== undefined) encodeExtensions(w, hello.extensions);
  return w.finish();
}

/**
 * The ClientHello fields a stateless HelloVerifyRequest cookie binds
 * (RFC 6347 §4.2.1 suggests an HMAC over the client's address and the hello
 * parameters): client_version, random, session_id, cipher_suites and
 * compression_methods, each in its wire form with length prefixes. The
 * cookie itself and the extensions are left out: the cookie is what is being
 * checked, and browsers reorder extensions on every hello, including the
 * second one that echoes the cookie.
 */
export function clientHelloCookieParams(hello: ClientHello): Uint8Array {
  const w = new Writer(128 + 2 * hello.cipherSuites.length);
  writeHelloParams(w, hello, false);
  return w.finish();
}

function writeHelloParams(w: Writer, hello: ClientHello, withCookie: boolean): void {
  if (hello.random.length !== RANDOM_LENGTH)
    throw new RangeError(`ClientHello random: ${hello.random.length} bytes, expected 32`);
  if (hello.sessionId.length > 32)
    throw new RangeError(`ClientHello sessionId: ${hello.sessionId.length} bytes exceed 32`);
  if (hello.cipherSuites.length === 0) throw new RangeError('ClientHello cipherSuites: empty');
  if (hello.compressionMethods.length === 0) throw new RangeError('ClientHello compressionMethods: empty');
  w.u16(checkUint16(hello.clientVersion, 'ClientHello clientVersion'));
  w.bytes(hello.random);
  w.vector(1, hello.sessionId);
  if (withCookie) w.vector(1, hello.cookie);
  writeUint16List(w, 2, hello.cipherSuites, 'ClientHello cipherSuites');
  for (const m of hello.compressionMethods) checkUint8(m, 'ClientHello compressionMethods');
  w.vector(1, hello.compressionMethods);
}
