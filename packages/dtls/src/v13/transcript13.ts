import { createHash, type Hash } from 'node:crypto';
import type { Hash13 } from './cipher-suites.js';
import { HandshakeType13 } from './types13.js';

/**
 * The DTLS 1.3 handshake transcript: each message in its TLS 1.3 form, msg_type and 24-bit length
 * then the body, without message_seq and the fragment fields (RFC 9147 §5.2), so retransmission
 * and re-fragmentation never change it. The hash function is fixed when the suite is known.
 */
export class Transcript13 {
  private readonly hash: Hash;
  readonly algorithm: Hash13;

  constructor(algorithm: Hash13) {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  add(msgType: number, body: Uint8Array): void {
    this.hash.update(
      Uint8Array.of(msgType, body.length >>> 16, (body.length >>> 8) & 0xff, body.length & 0xff),
    );
    this.hash.update(body);
  }

  /** Transcript-Hash of every message added so far. */
  current(): Uint8Array {
    return new Uint8Array(this.hash.copy().digest());
  }

  /**
   * After a HelloRetryRequest the first ClientHello is replaced by message_hash: type 254, length
   * Hash.length, Hash(ClientHello1) (RFC 8446 §4.4.1). `clientHello1Hash` is that hash.
   */
  static afterRetry(algorithm: Hash13, clientHello1Hash: Uint8Array): Transcript13 {
    const t = new Transcript13(algorithm);
    t.add(HandshakeType13.message_hash, clientHello1Hash);
    return t;
  }
}

/** Hash of one message in its transcript form (the ClientHello1 hash a stateless cookie carries). */
export function messageHash(algorithm: Hash13, msgType: number, body: Uint8Array): Uint8Array {
  const t = new Transcript13(algorithm);
  t.add(msgType, body);
  return t.current();
}
