import { createHmac } from 'node:crypto';
import { FINGERPRINT_XOR, HEADER_LENGTH } from './constants.js';
import { crc32 } from './crc32.js';
import { type HmacSha1Key, hmacSha1Words, type Sha1Workspace } from './hmac-sha1.js';
import { readU32, type StunMessage } from './message.js';

/** FINGERPRINT value for bytes[0, end): CRC-32 XOR 0x5354554e (RFC 8489 §14.7). */
export function fingerprintValue(bytes: Uint8Array, end: number): number {
  return (crc32(bytes, 0, end) ^ FINGERPRINT_XOR) >>> 0;
}

/** True when FINGERPRINT is present and matches (RFC 8489 §14.7). */
export function verifyFingerprint(msg: StunMessage): boolean {
  const at = msg.fingerprintOffset;
  if (at < 0) return false;
  return fingerprintValue(msg.bytes, at) === readU32(msg.bytes, at + 4);
}

/**
 * Verifies MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message up to the attribute, with the
 * header length rewritten to end just after MESSAGE-INTEGRITY, compared in constant time.
 */
export function verifyMessageIntegrity(msg: StunMessage, key: HmacSha1Key, ws: Sha1Workspace): boolean {
  const at = msg.integrityOffset;
  if (at < 0) return false;
  const bytes = msg.bytes;
  const firstWord = (bytes[0]! << 24) | (bytes[1]! << 16) | (at + 24 - HEADER_LENGTH) | 0;
  const h = hmacSha1Words(key, ws, bytes, 0, at, firstWord);
  let diff = 0;
  for (let i = 0; i < 5; i++) diff |= h[i]! ^ (readU32(bytes, at + 4 + 4 * i) | 0);
  return diff === 0;
}

/**
 * Verifies MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), possibly truncated, in constant time. Rare on the
 * ICE path (browsers send SHA-1), so it uses node:crypto per call.
 */
export function verifyMessageIntegritySha256(msg: StunMessage, key: Uint8Array): boolean {
  const at = msg.integritySha256Offset;
  if (at < 0) return false;
  const len = msg.integritySha256Length;
  const bytes = msg.bytes;
  const header = new Uint8Array(HEADER_LENGTH);
  header.set(bytes.subarray(0, HEADER_LENGTH));
  const adjusted = at + 4 + len - HEADER_LENGTH;
  header[2] = adjusted >>> 8;
  header[3] = adjusted & 0xff;
  const mac = createHmac('sha256', key).update(header).update(bytes.subarray(HEADER_LENGTH, at)).digest();
  let diff = 0;
  for (let i = 0; i < len; i++) diff |= mac[i]! ^ bytes[at + 4 + i]!;
  return diff === 0;
}
