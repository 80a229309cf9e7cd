import { timingSafeEqual } from 'node:crypto';

/** Finished: opaque verify_data[Hash.length] (RFC 8446 §4.4.4); compared in constant time. */
export function finishedMatches(body: Uint8Array, expected: Uint8Array): boolean {
  return body.length === expected.length && timingSafeEqual(body, expected);
}
