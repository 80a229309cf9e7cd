import { createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384';

/**
 * The TLS 1.2 pseudorandom function (RFC 5246 §5):
 *   PRF(secret, label, seed) = P_<hash>(secret, label + seed)
 *   P_hash = HMAC(secret, A(1) + seed') + HMAC(secret, A(2) + seed') + ...
 *   A(0) = seed', A(i) = HMAC(secret, A(i-1))
 * The label is ASCII without a length byte or terminator.
 */
export function prf(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0)
    throw new RangeError(`prf: length must be a non-negative integer, got ${length}`);
  if (length === 0) return new Uint8Array(0);
  // label + seed is fed to each HMAC in two updates rather than concatenated.
  const labelBytes = Buffer.from(label, 'latin1');
  const out = new Uint8Array(length);
  // A(1) = HMAC(secret, label + seed).
  let a = createHmac(hash, secret).update(labelBytes).update(seed).digest();
  let filled = 0;
  for (;;) {
    const block = createHmac(hash, secret).update(a).update(labelBytes).update(seed).digest();
    const take = Math.min(block.length, length - filled);
    out.set(take === block.length ? block : block.subarray(0, take), filled);
    filled += take;
    if (filled >= length) return out;
    a = createHmac(hash, secret).update(a).digest();
  }
}
