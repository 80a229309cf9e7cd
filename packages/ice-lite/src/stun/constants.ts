/** STUN wire constants (RFC 8489 §5, §18; RFC 8445 §16.1). */

/** Fixed value in every RFC 5389/8489 header, bytes 4..7 (RFC 8489 §5). */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;
export const TRANSACTION_ID_OFFSET = 8;
export const TRANSACTION_ID_LENGTH = 12;

/** Message types: method Binding (0x001) combined with each class (RFC 8489 §5, §18.2). */
export const StunMessageType = {
  BindingRequest: 0x0001,
  BindingIndication: 0x0011,
  BindingSuccessResponse: 0x0101,
  BindingErrorResponse: 0x0111,
} as const;

export type StunMessageClass = 'request' | 'indication' | 'success' | 'error';

/** Attribute types this codec knows (RFC 8489 §18.3, RFC 8445 §16.1). */
export const StunAttribute = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  Realm: 0x0014,
  Nonce: 0x0015,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

/** Error codes used by an ICE-lite responder (RFC 8489 §14.8, RFC 8445 §7.3.1.1). */
export const StunErrorCode = {
  BadRequest: 400,
  Unauthorized: 401,
  UnknownAttribute: 420,
  RoleConflict: 487,
} as const;

export const STUN_ERROR_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  420: 'Unknown Attribute',
  487: 'Role Conflict',
};

/** XOR of the CRC-32 in FINGERPRINT, "STUN" in ASCII (RFC 8489 §14.7). */
export const FINGERPRINT_XOR = 0x5354554e;

export const MESSAGE_INTEGRITY_LENGTH = 20;
export const FINGERPRINT_LENGTH = 4;
