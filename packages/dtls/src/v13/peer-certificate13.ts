import type { KeyObject } from 'node:crypto';
import { publicKeyFromCertificate } from '../certificate.js';
import { type ParsedFingerprint, parsedFingerprintMatches } from '../fingerprint.js';
import { fail13 } from './failure.js';
import type { Certificate13 } from './messages/certificate13.js';

/**
 * The peer's leaf certificate, authenticated the DTLS-SRTP way: by the fingerprint signalled out of
 * band (RFC 5763 §5, RFC 8122), checked before its CertificateVerify is even read, so a mismatch
 * ends the handshake with bad_certificate before `connected`. Returns the leaf and its public key.
 */
export function checkPeerCertificate13(
  certificate: Certificate13,
  expectedFingerprint: ParsedFingerprint | undefined,
): { readonly der: Uint8Array; readonly key: KeyObject } {
  const leaf = certificate.entries[0];
  if (leaf === undefined) fail13('certificate-missing', 'empty certificate_list');
  if (expectedFingerprint !== undefined && !parsedFingerprintMatches(leaf.certData, expectedFingerprint))
    fail13('fingerprint-mismatch', 'peer certificate does not match the expected fingerprint');
  let key: KeyObject;
  try {
    key = publicKeyFromCertificate(leaf.certData);
  } catch {
    fail13('bad-certificate', 'peer certificate does not parse');
  }
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa' && type !== 'ed25519')
    fail13('unsupported-certificate', `peer key type ${String(type)}`);
  return { der: Uint8Array.from(leaf.certData), key };
}
