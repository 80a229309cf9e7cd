import {
  FINGERPRINT_LENGTH,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  MESSAGE_INTEGRITY_LENGTH,
  StunAttribute,
  type StunMessageClass,
} from './constants.js';

/** Why a datagram is not a usable STUN message; each value is a drop counter name. */
export type StunParseError =
  | 'too-short'
  | 'not-stun'
  | 'bad-magic-cookie'
  | 'bad-length'
  | 'attribute-overrun'
  | 'bad-attribute-length'
  | 'attribute-after-fingerprint';

export type StunParseResult = 'ok' | StunParseError;

/** Upper bound on unknown comprehension-required attributes remembered for a 420 answer. */
export const MAX_UNKNOWN_ATTRIBUTES = 16;

/**
 * A parsed STUN message as a flat set of offsets into the datagram it was parsed from.
 *
 * One instance is reused for every datagram a router handles: parsing allocates nothing. Offsets are
 * absolute within `bytes`; -1 means "absent". Values stay valid only until the next `parse` call and
 * only while the datagram is not modified.
 */
export class StunMessage {
  bytes: Uint8Array = new Uint8Array(0);
  /** Message type (method and class bits, RFC 8489 §5). */
  type = 0;
  /** Total length used: header plus the header's message length. */
  length = 0;
  usernameOffset = -1;
  usernameLength = 0;
  /** PRIORITY value (RFC 8445 §7.1.1), valid when hasPriority. */
  priority = 0;
  hasPriority = false;
  useCandidate = false;
  /** ICE-CONTROLLING / ICE-CONTROLLED present; tie-breaker as two 32-bit halves (RFC 8445 §7.1.3). */
  iceControlling = false;
  iceControlled = false;
  tieBreakerHigh = 0;
  tieBreakerLow = 0;
  /** Start of the MESSAGE-INTEGRITY attribute header. */
  integrityOffset = -1;
  /** Start of the MESSAGE-INTEGRITY-SHA256 attribute header and its value length (16..32). */
  integritySha256Offset = -1;
  integritySha256Length = 0;
  /** Start of the FINGERPRINT attribute header. */
  fingerprintOffset = -1;
  /** ERROR-CODE as a number (class * 100 + number), 0 when absent. */
  errorCode = 0;
  errorReasonOffset = -1;
  errorReasonLength = 0;
  /** Value offset and length of XOR-MAPPED-ADDRESS. */
  xorMappedAddressOffset = -1;
  xorMappedAddressLength = 0;
  /** Unknown comprehension-required attribute types (< 0x8000) seen before MESSAGE-INTEGRITY. */
  readonly unknownAttributes = new Uint16Array(MAX_UNKNOWN_ATTRIBUTES);
  unknownAttributeCount = 0;

  get messageClass(): StunMessageClass {
    const c = ((this.type >> 7) & 0x2) | ((this.type >> 4) & 0x1);
    return c === 0 ? 'request' : c === 1 ? 'indication' : c === 2 ? 'success' : 'error';
  }

  /** Method number with the class bits removed (RFC 8489 §5, figure 3). */
  get method(): number {
    const t = this.type;
    return (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
  }

  /** USERNAME as a string (latin1: ICE usernames are ice-chars and a colon). */
  username(): string | undefined {
    if (this.usernameOffset < 0) return undefined;
    return latin1(this.bytes, this.usernameOffset, this.usernameOffset + this.usernameLength);
  }

  errorReason(): string | undefined {
    if (this.errorReasonOffset < 0) return undefined;
    return new TextDecoder().decode(
      this.bytes.subarray(this.errorReasonOffset, this.errorReasonOffset + this.errorReasonLength),
    );
  }

  /** Tie-breaker as a bigint (for tests and diagnostics; the hot path compares the halves). */
  tieBreaker(): bigint {
    return (BigInt(this.tieBreakerHigh >>> 0) << 32n) | BigInt(this.tieBreakerLow >>> 0);
  }

  transactionId(): Uint8Array {
    return this.bytes.subarray(8, 20);
  }

  unknownAttributeList(): number[] {
    return Array.from(this.unknownAttributes.subarray(0, this.unknownAttributeCount));
  }

  private reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.type = 0;
    this.length = 0;
    this.usernameOffset = -1;
    this.usernameLength = 0;
    this.priority = 0;
    this.hasPriority = false;
    this.useCandidate = false;
    this.iceControlling = false;
    this.iceControlled = false;
    this.tieBreakerHigh = 0;
    this.tieBreakerLow = 0;
    this.integrityOffset = -1;
    this.integritySha256Offset = -1;
    this.integritySha256Length = 0;
    this.fingerprintOffset = -1;
    this.errorCode = 0;
    this.errorReasonOffset = -1;
    this.errorReasonLength = 0;
    this.xorMappedAddressOffset = -1;
    this.xorMappedAddressLength = 0;
    this.unknownAttributeCount = 0;
  }

  /**
   * Parses `bytes` as one STUN message filling this object. Never throws and never reads outside
   * `bytes`. A datagram carries exactly one message, so the header's length must match the datagram
   * (RFC 8489 §6.3: over UDP the message is the whole datagram).
   */
  parse(bytes: Uint8Array): StunParseResult {
    this.reset(bytes);
    const n = bytes.length;
    if (n < HEADER_LENGTH) return 'too-short';
    // RFC 8489 §6: the two most significant bits are zero.
    if ((bytes[0]! & 0xc0) !== 0) return 'not-stun';
    if (readU32(bytes, 4) !== MAGIC_COOKIE) return 'bad-magic-cookie';
    const bodyLength = (bytes[2]! << 8) | bytes[3]!;
    // §5: the length is a multiple of 4 because attributes are padded to 4 bytes.
    if ((bodyLength & 3) !== 0 || HEADER_LENGTH + bodyLength !== n) return 'bad-length';
    this.type = (bytes[0]! << 8) | bytes[1]!;
    this.length = n;

    let seenIntegrity = false;
    let seenIntegritySha256 = false;
    let offset = HEADER_LENGTH;
    while (offset < n) {
      if (offset + 4 > n) return 'attribute-overrun';
      if (this.fingerprintOffset >= 0) return 'attribute-after-fingerprint';
      const type = (bytes[offset]! << 8) | bytes[offset + 1]!;
      const len = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
      const value = offset + 4;
      const next = value + ((len + 3) & ~3);
      if (next > n) return 'attribute-overrun';

      if (type === StunAttribute.Fingerprint) {
        // §14.7: FINGERPRINT is last; whatever follows makes the message malformed (checked above).
        if (len !== FINGERPRINT_LENGTH) return 'bad-attribute-length';
        this.fingerprintOffset = offset;
      } else if (seenIntegritySha256) {
        // §14.6: only FINGERPRINT may follow MESSAGE-INTEGRITY-SHA256; the rest is ignored.
      } else if (type === StunAttribute.MessageIntegritySha256) {
        // §14.6: the HMAC may be truncated to 16 bytes or more, in steps of 4.
        if (len < 16 || len > 32 || (len & 3) !== 0) return 'bad-attribute-length';
        this.integritySha256Offset = offset;
        this.integritySha256Length = len;
        seenIntegritySha256 = true;
      } else if (seenIntegrity) {
        // §14.5: attributes after MESSAGE-INTEGRITY other than the two above are ignored.
      } else if (type === StunAttribute.MessageIntegrity) {
        if (len !== MESSAGE_INTEGRITY_LENGTH) return 'bad-attribute-length';
        this.integrityOffset = offset;
        seenIntegrity = true;
      } else {
        const r = this.readAttribute(type, value, len);
        if (r !== 'ok') return r;
      }
      offset = next;
    }
    return 'ok';
  }

  /** Records one attribute before MESSAGE-INTEGRITY; later duplicates are ignored (RFC 8489 §14). */
  private readAttribute(type: number, value: number, len: number): StunParseResult {
    const bytes = this.bytes;
    switch (type) {
      case StunAttribute.Username:
        // §14.3: fewer than 509 bytes.
        if (len > 508) return 'bad-attribute-length';
        if (this.usernameOffset < 0) {
          this.usernameOffset = value;
          this.usernameLength = len;
        }
        return 'ok';
      case StunAttribute.Priority:
        if (len !== 4) return 'bad-attribute-length';
        if (!this.hasPriority) {
          this.priority = readU32(bytes, value);
          this.hasPriority = true;
        }
        return 'ok';
      case StunAttribute.UseCandidate:
        if (len !== 0) return 'bad-attribute-length';
        this.useCandidate = true;
        return 'ok';
      case StunAttribute.IceControlling:
      case StunAttribute.IceControlled:
        if (len !== 8) return 'bad-attribute-length';
        if (!this.iceControlling && !this.iceControlled) {
          this.tieBreakerHigh = readU32(bytes, value) | 0;
          this.tieBreakerLow = readU32(bytes, value + 4) | 0;
        }
        if (type === StunAttribute.IceControlling) this.iceControlling = true;
        else this.iceControlled = true;
        return 'ok';
      case StunAttribute.ErrorCode: {
        // §14.8: 21 reserved bits, 3-bit class 3..6, number 0..99, then a UTF-8 reason.
        if (len < 4) return 'bad-attribute-length';
        const cls = bytes[value + 2]! & 0x7;
        const num = bytes[value + 3]!;
        if (this.errorCode === 0 && cls >= 3 && cls <= 6 && num < 100) {
          this.errorCode = cls * 100 + num;
          this.errorReasonOffset = value + 4;
          this.errorReasonLength = len - 4;
        }
        return 'ok';
      }
      case StunAttribute.XorMappedAddress:
        if (len !== 8 && len !== 20) return 'bad-attribute-length';
        if (this.xorMappedAddressOffset < 0) {
          this.xorMappedAddressOffset = value;
          this.xorMappedAddressLength = len;
        }
        return 'ok';
      case StunAttribute.MappedAddress:
      case StunAttribute.UnknownAttributes:
      case StunAttribute.Realm:
      case StunAttribute.Nonce:
      case StunAttribute.PasswordAlgorithm:
      case StunAttribute.Userhash:
        // Understood by this codec but meaningless to an ICE short-term check: accepted, not used.
        return 'ok';
      default:
        // §14: 0x0000-0x7FFF are comprehension-required; unknown ones earn a 420 (§6.3.1.1).
        if (type < 0x8000 && this.unknownAttributeCount < MAX_UNKNOWN_ATTRIBUTES) {
          this.unknownAttributes[this.unknownAttributeCount++] = type;
        }
        return 'ok';
    }
  }
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
