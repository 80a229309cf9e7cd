import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface HelloVerifyCookiesOptions {
  /** Source of secret bytes; defaults to node:crypto randomBytes. */
  rng?: (n: number) => Uint8Array;
  /** How long one secret signs new cookies before it is replaced (default 60 000 ms). */
  rotationMs?: number;
}

/** Cookie length: an HMAC-SHA256 tag, the most RFC 6347 §4.2.1 allows in DTLS 1.2 (cookie<0..2^8-1>, we keep <= 32). */
export const COOKIE_LENGTH = 32;
const SECRET_LENGTH = 32;

/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1):
 * cookie = HMAC(secret, peer address || ClientHello parameters), so a server
 * keeps no per-client state until a ClientHello returns with a cookie that
 * proves the client can receive at its address. The secret rotates every
 * `rotationMs`; cookies made with the current or the previous secret are
 * accepted, older ones are not.
 */
export class HelloVerifyCookies {
  private readonly rng: (n: number) => Uint8Array;
  private readonly rotationMs: number;
  private current: Uint8Array | undefined;
  private previous: Uint8Array | undefined;
  private currentSince = 0;

  constructor(options: HelloVerifyCookiesOptions = {}) {
    this.rng = options.rng ?? ((n) => randomBytes(n));
    const rotationMs = options.rotationMs ?? 60_000;
    if (!Number.isFinite(rotationMs) || rotationMs <= 0)
      throw new RangeError('rotationMs must be a positive number');
    this.rotationMs = rotationMs;
  }

  private rotate(now: number): void {
    if (this.current === undefined) {
      this.current = this.freshSecret();
      this.currentSince = now;
      return;
    }
    const age = now - this.currentSince;
    if (age < this.rotationMs) return;
    // A skipped rotation period leaves no valid previous secret.
    this.previous = age < 2 * this.rotationMs ? this.current : undefined;
    this.current = this.freshSecret();
    this.currentSince = now - (age % this.rotationMs);
  }

  private freshSecret(): Uint8Array {
    const s = this.rng(SECRET_LENGTH);
    if (s.length !== SECRET_LENGTH)
      throw new RangeError(`rng returned ${s.length} bytes, expected ${SECRET_LENGTH}`);
    return Uint8Array.from(s);
  }

  private tag(secret: Uint8Array, peerAddress: string | Uint8Array, params: Uint8Array): Buffer {
    const addr =
      typeof peerAddress === 'string'
        ? Buffer.from(peerAddress, 'utf8')
        : Buffer.from(peerAddress.buffer, peerAddress.byteOffset, peerAddress.byteLength);
    if (addr.length > 0xffff) throw new RangeError('peerAddress must be at most 65535 bytes');
    const len = Buffer.from([addr.length >>> 8, addr.length & 0xff]);
    return createHmac('sha256', secret).update(len).update(addr).update(params).digest();
  }

  /**
   * A cookie for this peer address (a string, or the bytes of any identity the caller has for the
   * source) and these ClientHello parameters (the
   * bytes the caller chooses to bind: version, random, session id, suites,
   * compression methods, extensions — RFC 6347 §4.2.1 recommends the client's
   * parameters so a changed retry does not pass).
   */
  create(peerAddress: string | Uint8Array, params: Uint8Array, now: number): Uint8Array {
    if (typeof peerAddress !== 'string' && !(peerAddress instanceof Uint8Array))
      throw new TypeError('peerAddress must be a string or a Uint8Array');
    this.rotate(now);
    return new Uint8Array(this.tag(this.current!, peerAddress, params));
  }

  /** True when `cookie` was made by create() for the same address and params with the current or previous secret. */
  verify(peerAddress: string | Uint8Array, params: Uint8Array, cookie: Uint8Array, now: number): boolean {
    this.rotate(now);
    if (cookie.length !== COOKIE_LENGTH) return false;
    const got = Buffer.from(cookie.buffer, cookie.byteOffset, cookie.byteLength);
    if (timingSafeEqual(this.tag(this.current!, peerAddress, params), got)) return true;
    return this.previous !== undefined && timingSafeEqual(this.tag(this.previous, peerAddress, params), got);
  }
}

/** The same class under the name the plan also uses. */
export { HelloVerifyCookies as CookieSecret };
