import { isIPv4, isIPv6 } from 'node:net';
import { MAGIC_COOKIE } from './constants.js';

/** An IP address as the 4 or 16 bytes that go on the wire. */
export interface IpAddressBytes {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/**
 * Parses a textual IPv4 or IPv6 address (zone index dropped). IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`, what a dual-stack socket reports for IPv4 peers) come back as IPv4, since that
 * is the address the peer sent from. Returns undefined for anything else.
 */
export function parseIpAddress(text: string): IpAddressBytes | undefined {
  if (isIPv4(text)) return { family: 4, bytes: parseIpv4(text) };
  const zone = text.indexOf('%');
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  if (!isIPv6(addr)) return undefined;
  const bytes = parseIpv6(addr);
  if (isV4Mapped(bytes)) return { family: 4, bytes: bytes.slice(12) };
  return { family: 6, bytes };
}

function parseIpv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i]);
  return out;
}

/** Input already validated by isIPv6. */
function parseIpv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let head = text;
  let tail = '';
  const dbl = text.indexOf('::');
  if (dbl >= 0) {
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const toWords = (s: string): number[] => {
    if (s === '') return [];
    const words: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v4 = parseIpv4(part);
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        words.push(Number.parseInt(part, 16));
      }
    }
    return words;
  };
  const h = toWords(head);
  const t = toWords(tail);
  const words = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (words[i]! >>> 8) & 0xff;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Formats address bytes: dotted quad, or RFC 5952 compressed IPv6. */
export function formatIpAddress(addr: IpAddressBytes): string {
  const b = addr.bytes;
  if (addr.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  // RFC 5952 §4.2: the longest run (>= 2) of zero words becomes "::", the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/**
 * Writes an XOR-MAPPED-ADDRESS value (RFC 8489 §14.2) at out[offset]: family, port XOR the cookie's top
 * 16 bits, address XOR the cookie (IPv4) or cookie || transaction ID (IPv6), taken from the message
 * header already written at out[0..20]. Returns the value length (8 or 20).
 */
export function writeXorMappedAddress(
  out: Uint8Array,
  offset: number,
  addr: IpAddressBytes,
  port: number,
): number {
  out[offset] = 0;
  out[offset + 1] = addr.family === 4 ? 0x01 : 0x02;
  const xport = port ^ (MAGIC_COOKIE >>> 16);
  out[offset + 2] = (xport >>> 8) & 0xff;
  out[offset + 3] = xport & 0xff;
  const n = addr.bytes.length;
  // Bytes 4..19 of the header are the cookie then the transaction ID: exactly the XOR pad.
  for (let i = 0; i < n; i++) out[offset + 4 + i] = addr.bytes[i]! ^ out[4 + i]!;
  return 4 + n;
}

/** Reads an XOR-MAPPED-ADDRESS value; undefined if the family and length disagree. */
export function readXorMappedAddress(
  bytes: Uint8Array,
  offset: number,
  length: number,
): { address: string; port: number; family: 4 | 6 } | undefined {
  if (length < 8 || offset + length > bytes.length) return undefined;
  const family = bytes[offset + 1];
  const n = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (n === 0 || length !== 4 + n) return undefined;
  const port = (((bytes[offset + 2]! << 8) | bytes[offset + 3]!) ^ (MAGIC_COOKIE >>> 16)) & 0xffff;
  const raw = new Uint8Array(n);
  for (let i = 0; i < n; i++) raw[i] = bytes[offset + 4 + i]! ^ bytes[4 + i]!;
  const addr: IpAddressBytes = { family: n === 4 ? 4 : 6, bytes: raw };
  return { address: formatIpAddress(addr), port, family: addr.family };
}
