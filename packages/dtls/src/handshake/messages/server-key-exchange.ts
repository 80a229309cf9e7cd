import type { KeyExchange } from '../../cipher-suites.js';
import { checkUint16 } from '../../extensions/uint16-list.js';
import { DecodeError } from '../../wire/decode-error.js';
import { Reader } from '../../wire/reader.js';
import { Writer } from '../../wire/writer.js';
import { EC_CURVE_TYPE_NAMED_CURVE, ILLEGAL_PARAMETER, RANDOM_LENGTH } from '../types.js';
import { type DigitallySigned, readDigitallySigned, writeDigitallySigned } from './digitally-signed.js';

/**
 * ServerECDHParams (RFC 8422 §5.4):
 *   ECParameters curve_params;  (curve_type = named_curve(3), NamedCurve namedcurve)
 *   ECPoint public;             (opaque point<1..2^8-1>)
 */
export interface ServerEcdhParams {
  readonly namedCurve: number;
  readonly publicKey: Uint8Array;
}

/** ServerKeyExchange of the ECDHE_ECDSA and ECDHE_RSA suites: params then their signature (RFC 8422 §5.4). */
export interface EcdheServerKeyExchange extends ServerEcdhParams {
  readonly kind: 'ecdhe';
  readonly signature: DigitallySigned;
}

/**
 * As decoded: also the exact ServerECDHParams bytes received, which are what
 * the signature covers (with the two randoms); the verifier must use these
 * bytes rather than a re-encoding.
 */
export interface DecodedEcdheServerKeyExchange extends EcdheServerKeyExchange {
  readonly params: Uint8Array;
}

/** ServerKeyExchange of the plain PSK suites: `opaque psk_identity_hint<0..2^16-1>` (RFC 4279 §2). */
export interface PskServerKeyExchange {
  readonly kind: 'psk';
  readonly identityHint: Uint8Array;
}

export type ServerKeyExchange = EcdheServerKeyExchange | PskServerKeyExchange;
export type DecodedServerKeyExchange = DecodedEcdheServerKeyExchange | PskServerKeyExchange;

/**
 * Decodes a ServerKeyExchange; its layout depends on the negotiated suite's
 * key exchange, which the message does not state (RFC 5246 §7.4.3).
 */
export function decodeServerKeyExchange(
  body: Uint8Array,
  keyExchange: KeyExchange,
): DecodedServerKeyExchange {
  return keyExchange === 'PSK' ? decodePskServerKeyExchange(body) : decodeEcdheServerKeyExchange(body);
}

export function decodeEcdheServerKeyExchange(body: Uint8Array): DecodedEcdheServerKeyExchange {
  const r = new Reader(body);
  const curveType = r.u8('ECCurveType');
  // RFC 8422 §5.4: explicit_prime and explicit_char2 are deprecated and not
  // negotiable; a server sending them sends something we never offered.
  if (curveType !== EC_CURVE_TYPE_NAMED_CURVE)
    throw new DecodeError(`ECCurveType ${curveType} is not named_curve`, ILLEGAL_PARAMETER);
  const namedCurve = r.u16('NamedCurve');
  const publicKey = r.vector(1, 'ECPoint', 1, 0xff);
  const params = body.subarray(0, r.offset);
  const signature = readDigitallySigned(r);
  r.expectEnd('ServerKeyExchange');
  return { kind: 'ecdhe', namedCurve, publicKey, signature, params };
}

export function decodePskServerKeyExchange(body: Uint8Array): PskServerKeyExchange {
  const r = new Reader(body);
  const identityHint = r.vector(2, 'psk_identity_hint');
  r.expectEnd('ServerKeyExchange');
  return { kind: 'psk', identityHint };
}

/** The ServerECDHParams bytes a server signs and sends (RFC 8422 §5.4). */
export function encodeServerEcdhParams(params: ServerEcdhParams): Uint8Array {
  const w = new Writer(4 + params.publicKey.length);
  writeServerEcdhParams(w, params);
  return w.finish();
}

export function encodeServerKeyExchange(msg: ServerKeyExchange): Uint8Array {
  if (msg.kind === 'psk') {
    return new Writer(2 + msg.identityHint.length).vector(2, msg.identityHint).finish();
  }
  const w = new Writer(8 + msg.publicKey.length + msg.signature.signature.length);
  writeServerEcdhParams(w, msg);
  writeDigitallySigned(w, msg.signature);
  return w.finish();
}

/**
 * The bytes the ServerKeyExchange signature covers (RFC 8422 §5.4,
 * RFC 5246 §7.4.3): ClientHello.random + ServerHello.random + ServerECDHParams.
 */
export function serverKeyExchangeSignedData(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Uint8Array,
): Uint8Array {
  if (clientRandom.length !== RANDOM_LENGTH)
    throw new RangeError(`clientRandom: ${clientRandom.length} bytes, expected 32`);
  if (serverRandom.length !== RANDOM_LENGTH)
    throw new RangeError(`serverRandom: ${serverRandom.length} bytes, expected 32`);
  const out = new Uint8Array(2 * RANDOM_LENGTH + params.length);
  out.set(clientRandom, 0);
  out.set(serverRandom, RANDOM_LENGTH);
  out.set(params, 2 * RANDOM_LENGTH);
  return out;
}

function writeServerEcdhParams(w: Writer, params: ServerEcdhParams): void {
  if (params.publicKey.length === 0 || params.publicKey.length > 0xff)
    throw new RangeError(`ServerKeyExchange publicKey: ${params.publicKey.length} bytes, expected 1..255`);
  w.u8(EC_CURVE_TYPE_NAMED_CURVE).u16(checkUint16(params.namedCurve, 'ServerKeyExchange namedCurve'));
  w.vector(1, params.publicKey);
}
