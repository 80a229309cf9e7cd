import { AlertDescription } from '../alert.js';

/**
 * Why a DTLS 1.3 handshake or connection failed, as a closed set of names. Each maps to exactly one
 * alert in FAILURE_ALERT, so tests and metrics assert a reason, never a message text.
 */
export type Failure13 =
  | 'unexpected-message'
  | 'malformed-message'
  | 'no-common-version'
  | 'no-common-suite'
  | 'no-common-group'
  | 'no-key-share'
  | 'bad-key-share'
  | 'second-hello-retry'
  | 'hello-retry-changed-nothing'
  | 'server-hello-mismatch'
  | 'downgrade-detected'
  | 'missing-extension'
  | 'unsolicited-extension'
  | 'srtp-mismatch'
  | 'no-signature-scheme'
  | 'certificate-missing'
  | 'certificate-required'
  | 'bad-certificate'
  | 'fingerprint-mismatch'
  | 'unsupported-certificate'
  | 'bad-signature'
  | 'bad-finished'
  | 'empty-record'
  | 'integrity-limit'
  | 'internal';

/** The alert each failure sends (RFC 8446 §6.2). */
export const FAILURE_ALERT: Readonly<Record<Failure13, number>> = Object.freeze({
  'unexpected-message': AlertDescription.unexpectedMessage,
  'malformed-message': AlertDescription.decodeError,
  'no-common-version': AlertDescription.protocolVersion,
  'no-common-suite': AlertDescription.handshakeFailure,
  'no-common-group': AlertDescription.handshakeFailure,
  'no-key-share': AlertDescription.missingExtension,
  'bad-key-share': AlertDescription.illegalParameter,
  'second-hello-retry': AlertDescription.unexpectedMessage,
  'hello-retry-changed-nothing': AlertDescription.illegalParameter,
  'server-hello-mismatch': AlertDescription.illegalParameter,
  'downgrade-detected': AlertDescription.illegalParameter,
  'missing-extension': AlertDescription.missingExtension,
  'unsolicited-extension': AlertDescription.unsupportedExtension,
  'srtp-mismatch': AlertDescription.illegalParameter,
  'no-signature-scheme': AlertDescription.handshakeFailure,
  'certificate-missing': AlertDescription.decodeError,
  // certificate_required (RFC 8446 §4.4.2.4).
  'certificate-required': 116,
  'bad-certificate': AlertDescription.badCertificate,
  'fingerprint-mismatch': AlertDescription.badCertificate,
  'unsupported-certificate': AlertDescription.unsupportedCertificate,
  'bad-signature': AlertDescription.decryptError,
  'bad-finished': AlertDescription.decryptError,
  'empty-record': AlertDescription.unexpectedMessage,
  // RFC 9147 §4.5.3 has the connection closed; no alert names the reason better.
  'integrity-limit': AlertDescription.badRecordMac,
  internal: AlertDescription.internalError,
});

/** Thrown inside the DTLS 1.3 handshake and caught at the engine boundary, which sends the alert and closes. */
export class HandshakeFailure13 extends Error {
  override readonly name = 'HandshakeFailure13';
  readonly alert: number;
  constructor(
    readonly reason: Failure13,
    readonly detail: string,
    alert?: number,
  ) {
    super(`${reason}: ${detail}`);
    this.alert = alert ?? FAILURE_ALERT[reason];
  }
}

export function fail13(reason: Failure13, detail: string, alert?: number): never {
  throw new HandshakeFailure13(reason, detail, alert);
}
