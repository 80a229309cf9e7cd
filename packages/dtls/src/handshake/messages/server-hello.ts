import { decodeExtensions, type Extension, encodeExtensions } from '../../extensions/extension-list.js';
import { checkUint8, checkUint16 } from '../../extensions/uint16-list.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { RANDOM_LENGTH } from '../types.js';

/**
 * ServerHello body (RFC 5246 §7.4.1.3):
 *   ProtocolVersion server_version;
 *   Random random;                                      (32 bytes)
 *   SessionID session_id;                               <0..32>
 *   CipherSuite cipher_suite;
 *   CompressionMethod compression_method;
 *   select (extensions_present) { case true: Extension extensions<0..2^16-1>; };
 */
export interface ServerHello {
  readonly serverVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly cipherSuite: number;
  readonly compressionMethod: number;
  /** Undefined when the server sent no extensions block at all. */
  readonly extensions?: readonly Extension[] | undefined;
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const serverVersion = r.u16('server_version');
  const random = r.bytesView(RANDOM_LENGTH, 'random');
  const sessionId = r.vector(1, 'session_id', 0, 32);
  const cipherSuite = r.u16('cipher_suite');
  const compressionMethod = r.u8('compression_method');
  const extensions = r.remaining > 0 ? decodeExtensions(r) : undefined;
  r.expectEnd('ServerHello');
  return { serverVersion, random, sessionId, cipherSuite, compressionMethod, extensions };
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
  if (hello.random.length !== RANDOM_LENGTH)
    throw new RangeError(`ServerHello random: ${hello.random.length} bytes, expected 32`);
  if (hello.sessionId.length > 32)
    throw new RangeError(`ServerHello sessionId: ${hello.sessionId.length} bytes exceed 32`);
  const w = new Writer(128);
  w.u16(checkUint16(hello.serverVersion, 'ServerHello serverVersion'));
  w.bytes(hello.random);
  w.vector(1, hello.sessionId);
  w.u16(checkUint16(hello.cipherSuite, 'ServerHello cipherSuite'));
  w.u8(checkUint8(hello.compressionMethod, 'ServerHello compressionMethod'));
  if (hello.extensions !== undefined) encodeExtensions(w, hello.extensions);
  return w.finish();
}
