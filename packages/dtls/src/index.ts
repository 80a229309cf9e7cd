/**
 * @rtcseal/dtls: a sans-IO DTLS 1.2 engine for DTLS-SRTP (RFC 6347, RFC 5764, RFC 5705), with the
 * certificate, fingerprint and SRTP-profile helpers a WebRTC endpoint needs.
 */

export { AlertDescription, alertName } from './alert.js';
// Identity: certificates and SDP fingerprints (RFC 8122).
export {
  type DtlsCertificate,
  type GenerateCertificateOptions,
  generateCertificate,
  loadCertificate,
} from './certificate.js';
// Cipher suites (one table).
export {
  CIPHER_SUITES,
  type CipherSuite,
  cipherSuiteById,
  cipherSuiteByName,
} from './cipher-suites.js';
export {
  DEFAULT_SRTP_PROFILES,
  type DtlsConfig,
  type DtlsGroupName,
  type DtlsPsk,
} from './config.js';
export {
  DtlsCookieGate,
  type DtlsCookieGateOptions,
  type DtlsCookieGateVerdict,
} from './cookie-gate.js';
// Engine (sans-IO) and its configuration, events and counters.
export { DtlsEngine } from './engine.js';
export type {
  DtlsCloseReason,
  DtlsDropReason,
  DtlsEvent,
  DtlsState,
  DtlsStats,
} from './events.js';
export {
  computeFingerprint,
  type FingerprintAlgorithm,
  fingerprintMatches,
  type ParsedFingerprint,
  parseFingerprint,
} from './fingerprint.js';
// node:dgram transport over the engine: connect() for clients, createDtlsServer() for many peers on one socket.
export {
  type ConnectOptions,
  connect,
  createDtlsServer,
  type DtlsAlertInfo,
  type DtlsCloseInfo,
  DtlsConnection,
  type DtlsConnectionInfo,
  DtlsHandshakeError,
  DtlsServer,
  type DtlsServerOptions,
  type DtlsServerStats,
  type RemoteAddress,
} from './node/index.js';
// DTLS-SRTP profiles and key splitting (RFC 5764 §4.1.2, §4.2).
export {
  DTLS_SRTP_EXPORTER_LABEL,
  SRTP_PROFILES,
  type SrtpKeyingMaterial,
  type SrtpProfile,
  splitSrtpKeyingMaterial,
  srtpKeyingMaterialLength,
  srtpProfileById,
  srtpProfileByName,
} from './srtp-profiles.js';
