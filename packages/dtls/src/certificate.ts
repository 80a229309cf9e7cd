import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { promisify } from 'node:util';
import {
  bitString,
  derNull,
  explicit,
  objectIdentifier,
  sequence,
  set,
  smallInteger,
  unsignedInteger,
  utf8String,
  x509Time,
} from './crypto/der.js';

import { importCertificatePublicKey } from './crypto/spki.js';
import { computeFingerprint, type FingerprintAlgorithm } from './fingerprint.js';
import { DecodeError } from './wire/decode-error.js';

/** A certificate with its private key, as the DTLS engine uses it to authenticate itself. */
export interface DtlsCertificate {
  /** The leaf certificate, DER. */
  readonly der: Uint8Array;
  /** The chain sent in Certificate (RFC 5246 §7.4.2), DER, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SDP form, 'sha-256 AB:CD:…' (RFC 8122 §5). */
  fingerprint(algorithm?: FingerprintAlgorithm): string;
  certPem(): string;
  keyPem(): string;
}

export interface GenerateCertificateOptions {
  keyType?: 'ecdsa-p256' | 'rsa-2048';
  /** Subject and issuer common name (default 'rtcseal'). */
  commonName?: string;
  /** Validity from one hour ago (tolerates small clock skew) to this many days ahead (default 30). */
  validityDays?: number;
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function makeCertificate(
  chain: readonly Uint8Array[],
  privateKey: KeyObject,
  publicKey: KeyObject,
): DtlsCertificate {
  const der = chain[0]!;
  const fingerprints = new Map<FingerprintAlgorithm, string>();
  return Object.freeze({
    der,
    chain: Object.freeze([...chain]),
    privateKey,
    publicKey,
    fingerprint: (algorithm: FingerprintAlgorithm = 'sha-256') => {
      // Computed once per algorithm: embedders ask for it on every connection.
      let fp = fingerprints.get(algorithm);
      if (fp === undefined) {
        fp = computeFingerprint(der, algorithm);
        fingerprints.set(algorithm, fp);
      }
      return fp;
    },
    certPem: () => chain.map((c) => toPem('CERTIFICATE', c)).join(''),
    keyPem: () => privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** Name with a single CN attribute (RFC 5280 §4.1.2.4). */
function commonNameDn(cn: string): Uint8Array {
  return sequence(set(sequence(objectIdentifier(OID_COMMON_NAME), utf8String(cn))));
}

/**
 * A fresh self-signed certificate for DTLS-SRTP (WebRTC peers authenticate by
 * the fingerprint in SDP, RFC 8827 §6.5, so no CA is involved): random
 * positive 128-bit serial, CN only, short validity, v3 without extensions.
 * Built directly in DER (RFC 5280 §4.1) and signed with node:crypto.
 */
export async function generateCertificate(
  options: GenerateCertificateOptions = {},
): Promise<DtlsCertificate> {
  const keyType = options.keyType ?? 'ecdsa-p256';
  const commonName = options.commonName ?? 'rtcseal';
  const validityDays = options.validityDays ?? 30;
  if (keyType !== 'ecdsa-p256' && keyType !== 'rsa-2048')
    throw new RangeError(`keyType must be 'ecdsa-p256' or 'rsa-2048', got ${String(keyType)}`);
  if (typeof commonName !== 'string' || commonName.length < 1 || commonName.length > 64)
    throw new RangeError('commonName must be 1..64 characters (RFC 5280 ub-common-name)');
  if (!Number.isFinite(validityDays) || validityDays <= 0)
    throw new RangeError('validityDays must be positive');

  const { privateKey, publicKey } =
    keyType === 'ecdsa-p256'
      ? await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' })
      : await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  // ecdsa-with-SHA256 has absent parameters, sha256WithRSAEncryption a NULL (RFC 5758 §3.2, RFC 4055 §5).
  const signatureAlgorithm =
    keyType === 'ecdsa-p256'
      ? sequence(objectIdentifier(OID_ECDSA_WITH_SHA256))
      : sequence(objectIdentifier(OID_SHA256_WITH_RSA), derNull());

  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and exactly 16 bytes (RFC 5280 §4.1.2.2: at most 20)
  const now = Date.now();
  const name = commonNameDn(commonName);
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name,
    sequence(x509Time(new Date(now - 3_600_000)), x509Time(new Date(now + validityDays * 86_400_000))),
    name,
    spki,
  );
  const signature = sign(
    'sha256',
    tbs,
    keyType === 'ecdsa-p256' ? { key: privateKey, dsaEncoding: 'der' } : privateKey,
  );
  const der = sequence(tbs, signatureAlgorithm, bitString(new Uint8Array(signature)));
  return makeCertificate([der], privateKey, publicKey);
}

const generateKeyPairAsync = promisify(generateKeyPair);

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Loads a PEM certificate (or chain, leaf first) and its PEM private key.
 * Throws when the key does not belong to the leaf certificate.
 */
export function loadCertificate(certPem: string, keyPem: string): DtlsCertificate {
  const blocks = certPem.match(PEM_CERT);
  if (blocks === null || blocks.length === 0) throw new TypeError('certPem holds no PEM CERTIFICATE block');
  const parsed = blocks.map((b) => new X509Certificate(b));
  const privateKey = createPrivateKey(keyPem);
  if (!parsed[0]!.checkPrivateKey(privateKey))
    throw new TypeError('keyPem does not match the certificate in certPem');
  return makeCertificate(
    parsed.map((c) => new Uint8Array(c.raw)),
    privateKey,
    createPublicKey(privateKey),
  );
}

/**
 * The public key of a peer's leaf certificate. Throws DecodeError with alert
 * 42 bad_certificate (RFC 5246 §7.2.2) when the bytes are not a certificate.
 * Validity dates and issuer are deliberately not checked: DTLS-SRTP
 * authenticates the certificate by its fingerprint (RFC 5763 §5).
 */
export function publicKeyFromCertificate(der: Uint8Array): KeyObject {
  const fast = importCertificatePublicKey(der);
  if (fast !== undefined) return fast;
  try {
    return new X509Certificate(der).publicKey;
  } catch {
    throw new DecodeError('peer certificate does not parse', 42);
  }
}
