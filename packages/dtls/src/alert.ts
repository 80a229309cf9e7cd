/** Alert levels (RFC 5246 §7.2). */
export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** Alert descriptions used by DTLS 1.2 (RFC 5246 §7.2, RFC 4279, RFC 5746, RFC 8446 §6). */
export const AlertDescription = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  recordOverflow: 22,
  handshakeFailure: 40,
  badCertificate: 42,
  unsupportedCertificate: 43,
  certificateRevoked: 44,
  certificateExpired: 45,
  certificateUnknown: 46,
  illegalParameter: 47,
  unknownCa: 48,
  accessDenied: 49,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  inappropriateFallback: 86,
  userCanceled: 90,
  noRenegotiation: 100,
  missingExtension: 109,
  unsupportedExtension: 110,
  unknownPskIdentity: 115,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'close_notify'],
  [10, 'unexpected_message'],
  [20, 'bad_record_mac'],
  [21, 'decryption_failed'],
  [22, 'record_overflow'],
  [30, 'decompression_failure'],
  [40, 'handshake_failure'],
  [41, 'no_certificate'],
  [42, 'bad_certificate'],
  [43, 'unsupported_certificate'],
  [44, 'certificate_revoked'],
  [45, 'certificate_expired'],
  [46, 'certificate_unknown'],
  [47, 'illegal_parameter'],
  [48, 'unknown_ca'],
  [49, 'access_denied'],
  [50, 'decode_error'],
  [51, 'decrypt_error'],
  [60, 'export_restriction'],
  [70, 'protocol_version'],
  [71, 'insufficient_security'],
  [80, 'internal_error'],
  [86, 'inappropriate_fallback'],
  [90, 'user_canceled'],
  [100, 'no_renegotiation'],
  [109, 'missing_extension'],
  [110, 'unsupported_extension'],
  [112, 'unrecognized_name'],
  [115, 'unknown_psk_identity'],
  [120, 'no_application_protocol'],
]);

/** The RFC name of an alert description, e.g. 42 -> 'bad_certificate'. */
export function alertName(description: number): string {
  return NAMES.get(description) ?? `unknown_alert_${description}`;
}

/** An Alert record body: level, description (RFC 5246 §7.2). */
export function encodeAlert(level: number, description: number): Uint8Array {
  return Uint8Array.of(level, description);
}

/** Parses an Alert body; undefined when it is not exactly two bytes with a known level. */
export function decodeAlert(
  body: Uint8Array,
): { level: 'warning' | 'fatal'; description: number } | undefined {
  if (body.length !== 2) return undefined;
  const level =
    body[0] === AlertLevel.warning ? 'warning' : body[0] === AlertLevel.fatal ? 'fatal' : undefined;
  if (level === undefined) return undefined;
  return { level, description: body[1]! };
}

/**
 * Internal signal that the handshake must stop with a fatal alert. Thrown inside the handshake
 * code and caught at the engine boundary, which sends the alert and closes.
 */
export class HandshakeAbort extends Error {
  override readonly name = 'HandshakeAbort';
  constructor(
    readonly alert: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}
