/** Registry values DTLS 1.3 adds to those of the 1.2 code (IANA TLS registries; RFC 8446 §4, RFC 9147 §5). */

/** Handshake message types of DTLS 1.3 (RFC 8446 §4, RFC 9147 §5.2). */
export const HandshakeType13 = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  request_connection_id: 9,
  new_connection_id: 10,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  /** The synthetic message replacing ClientHello1 in the transcript after a HelloRetryRequest (RFC 8446 §4.4.1). */
  message_hash: 254,
} as const;

/** Extension types DTLS 1.3 reads beyond the shared table (RFC 8446 §4.2). */
export const ExtensionType13 = {
  pre_shared_key: 41,
  early_data: 42,
  certificate_authorities: 47,
  post_handshake_auth: 49,
} as const;
