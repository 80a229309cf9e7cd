/**
 * Registry values of the DTLS 1.2 handshake: content types, handshake message
 * types, extension types, protocol versions and the named groups and
 * compression method the codecs refer to. Values are IANA TLS registry values.
 */

/** Record content types (RFC 5246 §6.2.1, RFC 6347 §4.1). */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

/** Handshake message types (RFC 5246 §7.4, RFC 6347 §4.3.2 adds hello_verify_request). */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
} as const;
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

/** Extension types this package reads, writes or recognizes (IANA "TLS ExtensionType Values"). */
export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  application_layer_protocol_negotiation: 16,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;
export type ExtensionType = (typeof ExtensionType)[keyof typeof ExtensionType];

/**
 * Protocol versions on the wire. DTLS versions are the one's complement of
 * the TLS version they are based on (RFC 6347 §4.1), so they compare in
 * reverse: a numerically smaller value is a newer version.
 */
export const ProtocolVersion = {
  DTLS1_0: 0xfeff,
  DTLS1_2: 0xfefd,
  DTLS1_3: 0xfefc,
  TLS1_2: 0x0303,
  TLS1_3: 0x0304,
} as const;
export type ProtocolVersion = (typeof ProtocolVersion)[keyof typeof ProtocolVersion];

/** Named groups (RFC 8422 §5.1.1, RFC 7748, draft-ietf-tls-ecdhe-mlkem for the hybrid). */
export const NamedGroup = {
  secp256r1: 23,
  secp384r1: 24,
  secp521r1: 25,
  x25519: 29,
  x448: 30,
  X25519MLKEM768: 0x11ec,
} as const;
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** CompressionMethod.null, the only method TLS 1.2 peers use (RFC 5246 §7.4.1.2). */
export const COMPRESSION_NULL = 0;

/** ECPointFormat.uncompressed (RFC 8422 §5.1.2). */
export const EC_POINT_FORMAT_UNCOMPRESSED = 0;

/** ECCurveType.named_curve (RFC 8422 §5.4); explicit curves are deprecated. */
export const EC_CURVE_TYPE_NAMED_CURVE = 3;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3): a cipher suite value that signals secure renegotiation. */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;

/** The Random field of ClientHello and ServerHello is 32 bytes (RFC 5246 §7.4.1.2). */
export const RANDOM_LENGTH = 32;

/** verify_data length of every TLS 1.2 cipher suite this package implements (RFC 5246 §7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

/** illegal_parameter (RFC 5246 §7.2.2): the alert for a well-formed field holding a forbidden value. */
export const ILLEGAL_PARAMETER = 47;
