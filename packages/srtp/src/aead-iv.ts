/**
 * AES-GCM IVs for SRTP and SRTCP (RFC 7714 §8.1, §9.1): a 96-bit value built from the SSRC and
 * the packet index, XORed with the 12-byte session salt. Written into a caller-owned buffer so the
 * packet path allocates nothing.
 */

/** RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt. */
export function rtpAeadIv(salt: Uint8Array, ssrc: number, roc: number, seq: number, iv: Uint8Array): void {
  iv[0] = salt[0]!;
  iv[1] = salt[1]!;
  iv[2] = salt[2]! ^ (ssrc >>> 24);
  iv[3] = salt[3]! ^ ((ssrc >>> 16) & 0xff);
  iv[4] = salt[4]! ^ ((ssrc >>> 8) & 0xff);
  iv[5] = salt[5]! ^ (ssrc & 0xff);
  iv[6] = salt[6]! ^ (roc >>> 24);
  iv[7] = salt[7]! ^ ((roc >>> 16) & 0xff);
  iv[8] = salt[8]! ^ ((roc >>> 8) & 0xff);
  iv[9] = salt[9]! ^ (roc & 0xff);
  iv[10] = salt[10]! ^ (seq >>> 8);
  iv[11] = salt[11]! ^ (seq & 0xff);
}

/** RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || 31-bit SRTCP index) XOR salt. */
export function rtcpAeadIv(salt: Uint8Array, ssrc: number, index: number, iv: Uint8Array): void {
  iv[0] = salt[0]!;
  iv[1] = salt[1]!;
  iv[2] = salt[2]! ^ (ssrc >>> 24);
  iv[3] = salt[3]! ^ ((ssrc >>> 16) & 0xff);
  iv[4] = salt[4]! ^ ((ssrc >>> 8) & 0xff);
  iv[5] = salt[5]! ^ (ssrc & 0xff);
  iv[6] = salt[6]!;
  iv[7] = salt[7]!;
  iv[8] = salt[8]! ^ (index >>> 24);
  iv[9] = salt[9]! ^ ((index >>> 16) & 0xff);
  iv[10] = salt[10]! ^ ((index >>> 8) & 0xff);
  iv[11] = salt[11]! ^ (index & 0xff);
}
