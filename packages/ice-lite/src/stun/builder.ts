import { createHmac } from 'node:crypto';
import { type IpAddressBytes, writeXorMappedAddress } from './address.js';
import {
  HEADER_LENGTH,
  MAGIC_COOKIE,
  STUN_ERROR_REASONS,
  StunAttribute,
  StunMessageType,
  TRANSACTION_ID_LENGTH,
} from './constants.js';
import { type HmacSha1Key, hmacSha1Into, type Sha1Workspace } from './hmac-sha1.js';
import { fingerprintValue } from './integrity.js';

/** Keys for the integrity attributes a message ends with (RFC 8489 §14.5, §14.6). */
export interface StunIntegrity {
  /** MESSAGE-INTEGRITY (HMAC-SHA1) with a precomputed key. */
  sha1?: { key: HmacSha1Key; workspace: Sha1Workspace };
  /** MESSAGE-INTEGRITY-SHA256 with the raw key (short-term: the password bytes). */
  sha256Key?: Uint8Array;
  /** Append FINGERPRINT (RFC 8489 §14.7). */
  fingerprint?: boolean;
}

/**
 * General STUN message builder for requests, indications and error responses. Attributes are kept as
 * chunks and laid out once in `finish`. The per-request success path uses `buildBindingSuccess` instead.
 */
export class StunMessageBuilder {
  private readonly chunks: Array<{ type: number; value: Uint8Array }> = [];
  private readonly transactionId: Uint8Array;
  private readonly xorAddresses: Array<{ index: number; addr: IpAddressBytes; port: number }> = [];

  constructor(
    readonly type: number,
    transactionId: Uint8Array,
  ) {
    if (!Number.isInteger(type) || type < 0 || type > 0x3fff) throw new RangeError('type must be 0..0x3fff');
    if (!(transactionId instanceof Uint8Array) || transactionId.length !== TRANSACTION_ID_LENGTH) {
      throw new RangeError('transactionId must be 12 bytes');
    }
    this.transactionId = transactionId;
  }

  add(type: number, value: Uint8Array): this {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new RangeError('type must be 0..0xffff');
    if (value.length > 0xffff) throw new RangeError('value is longer than 65535 bytes');
    this.chunks.push({ type, value });
    return this;
  }

  username(name: string): this {
    return this.add(StunAttribute.Username, new TextEncoder().encode(name));
  }

  priority(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new RangeError('priority must be u32');
    return this.add(StunAttribute.Priority, u32(value));
  }

  useCandidate(): this {
    return this.add(StunAttribute.UseCandidate, new Uint8Array(0));
  }

  iceControlling(tieBreaker: bigint): this {
    return this.add(StunAttribute.IceControlling, u64(tieBreaker));
  }

  iceControlled(tieBreaker: bigint): this {
    return this.add(StunAttribute.IceControlled, u64(tieBreaker));
  }

  software(text: string): this {
    return this.add(StunAttribute.Software, new TextEncoder().encode(text));
  }

  /** ERROR-CODE (RFC 8489 §14.8); reason defaults to the RFC's phrase, '' omits it. */
  errorCode(code: number, reason: string = STUN_ERROR_REASONS[code] ?? ''): this {
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError('code must be 300..699');
    const text = new TextEncoder().encode(reason);
    const value = new Uint8Array(4 + text.length);
    value[2] = Math.floor(code / 100);
    value[3] = code % 100;
    value.set(text, 4);
    return this.add(StunAttribute.ErrorCode, value);
  }

  /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.9). */
  unknownAttributes(types: readonly number[]): this {
    const value = new Uint8Array(2 * types.length);
    types.forEach((t, i) => {
      value[2 * i] = t >>> 8;
      value[2 * i + 1] = t & 0xff;
    });
    return this.add(StunAttribute.UnknownAttributes, value);
  }

  xorMappedAddress(addr: IpAddressBytes, port: number): this {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError('port must be 0..65535');
    this.xorAddresses.push({ index: this.chunks.length, addr, port });
    return this.add(StunAttribute.XorMappedAddress, new Uint8Array(4 + addr.bytes.length));
  }

  /** Lays the message out, then appends MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT as asked. */
  finish(integrity: StunIntegrity = {}): Uint8Array {
    let length = HEADER_LENGTH;
    for (const c of this.chunks) length += 4 + pad4(c.value.length);
    if (integrity.sha1) length += 24;
    if (integrity.sha256Key) length += 36;
    if (integrity.fingerprint) length += 8;
    const out = new Uint8Array(length);
    out[0] = this.type >>> 8;
    out[1] = this.type & 0xff;
    writeU32(out, 4, MAGIC_COOKIE);
    out.set(this.transactionId, 8);
    let offset = HEADER_LENGTH;
    const starts: number[] = [];
    for (const c of this.chunks) {
      starts.push(offset);
      offset = writeAttributeHeader(out, offset, c.type, c.value.length);
      out.set(c.value, offset);
      offset += pad4(c.value.length);
    }
    for (const x of this.xorAddresses) writeXorMappedAddress(out, starts[x.index]! + 4, x.addr, x.port);
    if (integrity.sha1) {
      setLength(out, offset + 24);
      const v = writeAttributeHeader(out, offset, StunAttribute.MessageIntegrity, 20);
      hmacSha1Into(integrity.sha1.key, integrity.sha1.workspace, out, 0, offset, out, v);
      offset = v + 20;
    }
    if (integrity.sha256Key) {
      setLength(out, offset + 36);
      const v = writeAttributeHeader(out, offset, StunAttribute.MessageIntegritySha256, 32);
      out.set(createHmac('sha256', integrity.sha256Key).update(out.subarray(0, offset)).digest(), v);
      offset = v + 32;
    }
    if (integrity.fingerprint) {
      setLength(out, offset + 8);
      const v = writeAttributeHeader(out, offset, StunAttribute.Fingerprint, 4);
      writeU32(out, v, fingerprintValue(out, offset));
      offset = v + 4;
    }
    setLength(out, offset);
    return out;
  }
}

/**
 * Binding success response to `request` (RFC 8445 §7.3.1.4, RFC 8489 §6.3.1.2): the request's
 * transaction ID, XOR-MAPPED-ADDRESS of the source, MESSAGE-INTEGRITY with the same short-term key,
 * FINGERPRINT. One allocation of exactly the response size.
 */
export function buildBindingSuccess(
  requestBytes: Uint8Array,
  addr: IpAddressBytes,
  port: number,
  key: HmacSha1Key,
  ws: Sha1Workspace,
): Uint8Array {
  const xorLength = 4 + addr.bytes.length;
  const total = HEADER_LENGTH + 4 + xorLength + 24 + 8;
  const out = new Uint8Array(total);
  out[0] = StunMessageType.BindingSuccessResponse >>> 8;
  out[1] = StunMessageType.BindingSuccessResponse & 0xff;
  // Cookie and transaction ID copied as they arrived (bytes 4..19).
  for (let i = 4; i < HEADER_LENGTH; i++) out[i] = requestBytes[i]!;
  let offset = writeAttributeHeader(out, HEADER_LENGTH, StunAttribute.XorMappedAddress, xorLength);
  offset += writeXorMappedAddress(out, offset, addr, port);
  const miValue = writeAttributeHeader(out, offset, StunAttribute.MessageIntegrity, 20);
  setLength(out, miValue + 20);
  hmacSha1Into(key, ws, out, 0, offset, out, miValue);
  offset = miValue + 20;
  setLength(out, total);
  const fpValue = writeAttributeHeader(out, offset, StunAttribute.Fingerprint, 4);
  writeU32(out, fpValue, fingerprintValue(out, offset));
  return out;
}

/** Error response carrying the request's transaction ID (RFC 8489 §6.3.4). */
export function buildErrorResponse(
  requestBytes: Uint8Array,
  code: number,
  options: { reason?: string; unknownAttributes?: readonly number[]; integrity?: StunIntegrity } = {},
): Uint8Array {
  const b = new StunMessageBuilder(StunMessageType.BindingErrorResponse, requestBytes.slice(8, 20));
  b.errorCode(code, options.reason);
  if (options.unknownAttributes && options.unknownAttributes.length > 0) {
    b.unknownAttributes(options.unknownAttributes);
  }
  return b.finish(options.integrity ?? { fingerprint: true });
}

function writeAttributeHeader(out: Uint8Array, offset: number, type: number, length: number): number {
  out[offset] = type >>> 8;
  out[offset + 1] = type & 0xff;
  out[offset + 2] = length >>> 8;
  out[offset + 3] = length & 0xff;
  return offset + 4;
}

function setLength(out: Uint8Array, total: number): void {
  const body = total - HEADER_LENGTH;
  out[2] = body >>> 8;
  out[3] = body & 0xff;
}

function writeU32(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v >>> 24;
  out[offset + 1] = (v >>> 16) & 0xff;
  out[offset + 2] = (v >>> 8) & 0xff;
  out[offset + 3] = v & 0xff;
}

function u32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, v);
  return out;
}

function u64(v: bigint): Uint8Array {
  if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn)
    throw new RangeError('tieBreaker must be u64');
  const out = new Uint8Array(8);
  writeU32(out, 0, Number(v >> 32n));
  writeU32(out, 4, Number(v & 0xffffffffn));
  return out;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}
