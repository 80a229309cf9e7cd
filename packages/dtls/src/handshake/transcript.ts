import { createHash, type Hash } from 'node:crypto';
import { transcriptForm } from './fragment.js';

/**
 * The handshake messages hashed for Finished, CertificateVerify and the extended master secret,
 * each in its unfragmented form with the DTLS header (RFC 6347 §4.2.6). The bytes are kept because
 * the hash function is only known after ServerHello and CertificateVerify signs the messages
 * themselves (RFC 5246 §7.4.8).
 */
export class Transcript {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  /**
   * A hash kept running from the first hash() on: the handshake asks for the hash up to three
   * times (extended master secret, both Finished), always of a longer prefix.
   */
  private running: { readonly algorithm: 'sha256' | 'sha384'; readonly hash: Hash } | undefined;

  add(msgType: number, messageSeq: number, body: Uint8Array): void {
    const bytes = transcriptForm(msgType, messageSeq, body);
    this.parts.push(bytes);
    this.size += bytes.length;
    this.running?.hash.update(bytes);
  }

  /** All messages so far, concatenated. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const p of this.parts) {
      out.set(p, pos);
      pos += p.length;
    }
    return out;
  }

  /** Hash of all messages so far. */
  hash(algorithm: 'sha256' | 'sha384'): Uint8Array {
    if (this.running?.algorithm !== algorithm) {
      const hash = createHash(algorithm);
      for (const p of this.parts) hash.update(p);
      this.running = { algorithm, hash };
    }
    return new Uint8Array(this.running.hash.copy().digest());
  }
}
