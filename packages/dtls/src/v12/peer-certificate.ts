import type { KeyObject } from 'node:crypto';
import { AlertDescription, HandshakeAbort } from '../alert.js';
import { publicKeyFromCertificate } from '../certificate.js';
import type { KeyExchange } from '../cipher-suites.js';
import { type ParsedFingerprint, parsedFingerprintMatches } from '../fingerprint.js';

/**
 * Authenticates the peer's leaf certificate the DTLS-SRTP way: by the fingerprint signalled out of
 * band (RFC 5763 §5, RFC 8122), checked before anything is signed with it, so a mismatch ends the
 * handshake with bad_certificate before `connected`. Returns the public key that must have signed
 * ServerKeyExchange or CertificateVerify. `keyExchange` of the negotiated suite fixes the key type
 * a server must have (RFC 8422 §5.3); 'client' accepts the ECDSA and RSA keys we ask for.
 */
export function checkPeerCertificate(
  der: Uint8Array,
  expectedFingerprint: ParsedFingerprint | undefined,
  keyExchange: KeyExchange | 'client',
): KeyObject {
  if (expectedFingerprint !== undefined && !parsedFingerprintMatches(der, expectedFingerprint)) {
    throw new HandshakeAbort(
      AlertDescription.badCertificate,
      'peer certificate does not match the expected fingerprint',
    );
  }
  const key = publicKeyFromCertificate(der);
  const type = key.asymmetricKeyType;
  const fits =
    keyExchange === 'ECDHE_ECDSA'
      ? type === 'ec'
      : keyExchange === 'ECDHE_RSA'
        ? type === 'rsa'
        : keyExchange === 'client' && (type === 'ec' || type === 'rsa');
  if (!fits) {
    throw new HandshakeAbort(
      AlertDescription.unsupportedCertificate,
      `peer key type ${String(type)} does not fit ${keyExchange}`,
    );
  }
  return key;
}
