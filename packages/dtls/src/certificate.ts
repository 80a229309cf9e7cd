import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';

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

/** WebCrypto parameters of each key type: generation, and the certificate's own signature. */
const KEY_ALGORITHMS = {
  'ecdsa-p256': {
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    // ecdsa-with-SHA256 (RFC 5758 §3.2).
    sign: { name: 'ECDSA', hash: 'SHA-256' },
  },
  'rsa-2048': {
    generate: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: Uint8Array.of(1, 0, 1),
      hash: 'SHA-256',
    },
    // sha256WithRSAEncryption (RFC 4055 §5).
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
} as const;

/**
 * A fresh self-signed certificate for DTLS-SRTP (WebRTC peers authenticate by
 * the fingerprint in SDP, RFC 8827 §6.5, so no CA is involved): random
 * positive 128-bit serial, CN only, short validity, v3 without extensions.
 * The X.509 structure is built by @peculiar/x509 and signed with node's
 * WebCrypto, handed to the generator per call (the library's process-wide
 * default provider is left untouched). The library is loaded on first use,
 * so programs that only load certificates or run the engine never pay for it
 * (about 100-250 ms of loading) nor get its one global side effect: it loads
 * the reflect-metadata polyfill, which adds metadata functions to `Reflect`.
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

  const x509 = await import('@peculiar/x509');
  const algorithm = KEY_ALGORITHMS[keyType];
  const keys = await webcrypto.subtle.generateKey(algorithm.generate, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive and exactly 16 bytes (RFC 5280 §4.1.2.2: at most 20)
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      // The attribute form keeps the name verbatim: a string would be read as an
      // RFC 4514 DN (commas, a leading '#'). UTF8String per RFC 5280 §4.1.2.4.
      name: new x509.Name([{ CN: [{ utf8String: commonName }] }]),
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + validityDays * 86_400_000),
      signingAlgorithm: algorithm.sign,
      keys,
      extensions: [],
    },
    webcrypto,
  );
  // The generated key is re-imported so the certificate never holds the key-generation job's own key
  // data: on Node 20, a garbage collection that destroys a finished key-generation job while another
  // operation on the same key holds its mutex (a JWK export, reading asymmetricKeyDetails on the first
  // handshake) deadlocks the process (see crypto/key-share.ts). exportKey runs in the thread pool.
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return makeCertificate([new Uint8Array(certificate.rawData)], privateKey, createPublicKey(privateKey));
}

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
