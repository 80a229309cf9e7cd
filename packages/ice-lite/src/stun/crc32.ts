/**
 * CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected) as FINGERPRINT needs it (RFC 8489 §14.7).
 * Slicing-by-4: four constant 256-entry tables derived from the polynomial let the loop take a word
 * at a time. Nothing secret is involved, so table lookups indexed by the data are fine here.
 */
const CRC_TABLES: Int32Array = (() => {
  const t = new Int32Array(1024);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < 4; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[256 * s + n] = c;
    }
  }
  return t;
})();

/** CRC-32 of bytes[start, end), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = CRC_TABLES;
  let c = -1;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
