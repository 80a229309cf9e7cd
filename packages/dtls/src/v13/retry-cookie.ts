import { HelloVerifyCookies } from '../cookie.js';

/**
 * The stateless cookie of a DTLS 1.3 HelloRetryRequest (RFC 9147 §5.1, RFC 8446 §4.2.2): the
 * server keeps nothing between its HelloRetryRequest and the second ClientHello. The cookie carries
 * what the server needs to continue, the suite, the group it asked for and Hash(ClientHello1),
 * followed by an HMAC over those and the embedder's binding (the peer's address), so a cookie is
 * honoured only from where it was sent to and only as issued.
 */
export interface RetryState {
  readonly cipherSuite: number;
  /** The group named in the HelloRetryRequest's key_share, or 0 when none was named. */
  readonly group: number;
  readonly clientHello1Hash: Uint8Array;
}

const TAG_LENGTH = 32;

export class RetryCookies {
  private readonly cookies: HelloVerifyCookies;

  constructor(rng: (n: number) => Uint8Array) {
    this.cookies = new HelloVerifyCookies({ rng });
  }

  create(binding: string | Uint8Array, state: RetryState, now: number): Uint8Array {
    const params = encodeState(state);
    const tag = this.cookies.create(binding, params, now);
    const out = new Uint8Array(params.length + tag.length);
    out.set(params, 0);
    out.set(tag, params.length);
    return out;
  }

  /** The state a cookie carries, when it is one we issued for this binding; else undefined. */
  open(binding: string | Uint8Array, cookie: Uint8Array, now: number): RetryState | undefined {
    if (cookie.length < 5 + TAG_LENGTH) return undefined;
    const params = cookie.subarray(0, cookie.length - TAG_LENGTH);
    const tag = cookie.subarray(cookie.length - TAG_LENGTH);
    if (!this.cookies.verify(binding, params, tag, now)) return undefined;
    const hashLength = params[4]!;
    if (params.length !== 5 + hashLength) return undefined;
    return {
      cipherSuite: (params[0]! << 8) | params[1]!,
      group: (params[2]! << 8) | params[3]!,
      clientHello1Hash: params.slice(5),
    };
  }
}

function encodeState(s: RetryState): Uint8Array {
  const out = new Uint8Array(5 + s.clientHello1Hash.length);
  out[0] = s.cipherSuite >>> 8;
  out[1] = s.cipherSuite & 0xff;
  out[2] = s.group >>> 8;
  out[3] = s.group & 0xff;
  out[4] = s.clientHello1Hash.length;
  out.set(s.clientHello1Hash, 5);
  return out;
}
