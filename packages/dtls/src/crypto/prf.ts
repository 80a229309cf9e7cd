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
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out = new Uint8Array(length);
  let a: Uint8Array = labelSeed;
  let filled = 0;
  while (filled < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    const take = Math.min(block.length, length - filled);
    out.set(block.subarray(0, take), filled);
    filled += take;
  }
  return out;
}
