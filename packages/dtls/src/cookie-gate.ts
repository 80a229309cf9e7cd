import { HelloVerifyCookies } from './cookie.js';
import { encodeHandshakeFragment, parseHandshakeFragment } from './handshake/fragment.js';
import { clientHelloCookieParams } from './handshake/messages/client-hello.js';
import { encodeHelloVerifyRequest } from './handshake/messages/hello-verify-request.js';
import { ContentType, HandshakeType, ProtocolVersion } from './handshake/types.js';
import { encodeRecord, splitDatagram } from './record/record-header.js';

export interface DtlsCookieGateOptions {
  /** Source of the cookie secrets. Default node:crypto randomBytes. */
  rng?: (n: number) => Uint8Array;
  /** How long one secret makes cookies; cookies of the current and previous secret are accepted. Default 60000 ms. */
  rotationMs?: number;
}

export type DtlsCookieGateVerdict =
  /**
   * Pass the datagram to an engine. `clientHello` true: a ClientHello with a valid cookie — create the
   * server engine for this address (with cookieExchange: false) if none exists. false: not a
   * ClientHello (a later record of an association) — route it to the address's engine if one exists,
   * else drop it; the gate keeps no state and cannot tell.
   */
  | { readonly kind: 'accept'; readonly clientHello: boolean }
  /** Send this HelloVerifyRequest back to the address; nothing was kept. */
  | { readonly kind: 'reply'; readonly datagram: Uint8Array }
  | { readonly kind: 'drop'; readonly reason: string };

/**
 * The stateless front of a DTLS server socket (RFC 6347 §4.2.1): a ClientHello without a valid cookie
 * gets one small HelloVerifyRequest and leaves no state behind; only a ClientHello that returns the
 * cookie — proof that the client receives at its address — may create a server engine.
 *
 * A ClientHello split over several records or datagrams (browsers offering DTLS 1.3 send ~1.4 KB) is
 * judged on its first fragment, which carries every field the cookie covers.
 */
export class DtlsCookieGate {
  private readonly cookies: HelloVerifyCookies;

  constructor(opts: DtlsCookieGateOptions = {}) {
    const o: { rng?: (n: number) => Uint8Array; rotationMs?: number } = {};
    if (opts.rng !== undefined) o.rng = opts.rng;
    if (opts.rotationMs !== undefined) o.rotationMs = opts.rotationMs;
    this.cookies = new HelloVerifyCookies(o);
  }

  check(datagram: Uint8Array, peerAddress: string, now: number): DtlsCookieGateVerdict {
    if (!(datagram instanceof Uint8Array)) throw new TypeError('check: datagram must be a Uint8Array');
    if (typeof peerAddress !== 'string') throw new TypeError('check: peerAddress must be a string');
    const { records } = splitDatagram(datagram);
    const first = records[0];
    if (first === undefined) return { kind: 'drop', reason: 'malformed-record' };
    if ((first.version & 0xff00) !== 0xfe00) return { kind: 'drop', reason: 'bad-version' };
    if (first.contentType !== ContentType.handshake || first.epoch !== 0)
      return { kind: 'accept', clientHello: false };
    const p = parseHandshakeFragment(first.fragment, 0);
    if (!p.ok) return { kind: 'drop', reason: p.reason };
    const f = p.fragment;
    if (f.msgType !== HandshakeType.client_hello) return { kind: 'accept', clientHello: false };
    // A later fragment of a ClientHello: its first fragment decided; the engine (if any) reassembles.
    if (f.fragmentOffset !== 0) return { kind: 'accept', clientHello: false };
    const prefix = readHelloPrefix(f.body);
    if (prefix === undefined) return { kind: 'drop', reason: 'truncated-client-hello' };
    const params = clientHelloCookieParams({
      clientVersion: prefix.clientVersion,
      random: prefix.random,
      sessionId: prefix.sessionId,
      cookie: prefix.cookie,
      cipherSuites: prefix.cipherSuites,
      compressionMethods: prefix.compressionMethods,
    });
    if (prefix.cookie.length > 0 && this.cookies.verify(peerAddress, params, prefix.cookie, now)) {
      return { kind: 'accept', clientHello: true };
    }
    const body = encodeHelloVerifyRequest({
      serverVersion: ProtocolVersion.DTLS1_0,
      cookie: this.cookies.create(peerAddress, params, now),
    });
    const hvr = encodeHandshakeFragment(
      HandshakeType.hello_verify_request,
      f.messageSeq,
      body,
      0,
      body.length,
    );
    // RFC 6347 §4.2.1: the record number of the ClientHello is reused, so nothing needs remembering.
    return {
      kind: 'reply',
      datagram: encodeRecord(ContentType.handshake, ProtocolVersion.DTLS1_2, 0, first.sequenceNumber, hvr),
    };
  }
}

interface HelloPrefix {
  clientVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cookie: Uint8Array;
  cipherSuites: number[];
  compressionMethods: Uint8Array;
}

/**
 * The ClientHello fields up to compression_methods (RFC 6347 §4.2.1), from a possibly partial body.
 * Written without exceptions: it runs for every datagram from an unknown address.
 */
function readHelloPrefix(b: Uint8Array): HelloPrefix | undefined {
  let pos = 0;
  const vector = (lengthBytes: 1 | 2, max: number): Uint8Array | undefined => {
    if (pos + lengthBytes > b.length) return undefined;
    const len = lengthBytes === 1 ? b[pos]! : (b[pos]! << 8) | b[pos + 1]!;
    pos += lengthBytes;
    if (len > max || pos + len > b.length) return undefined;
    const v = b.subarray(pos, pos + len);
    pos += len;
    return v;
  };
  if (b.length < 34) return undefined;
  const clientVersion = (b[0]! << 8) | b[1]!;
  const random = b.subarray(2, 34);
  pos = 34;
  const sessionId = vector(1, 32);
  const cookie = vector(1, 255);
  const suites = vector(2, 0xfffe);
  const compressionMethods = vector(1, 255);
  if (
    sessionId === undefined ||
    cookie === undefined ||
    suites === undefined ||
    suites.length < 2 ||
    suites.length % 2 !== 0 ||
    compressionMethods === undefined ||
    compressionMethods.length === 0
  ) {
    return undefined;
  }
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push((suites[i]! << 8) | suites[i + 1]!);
  return { clientVersion, random, sessionId, cookie, cipherSuites, compressionMethods };
}
