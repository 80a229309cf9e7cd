/**
 * @rtcseal/dtls: a sans-IO DTLS 1.2 engine for DTLS-SRTP (RFC 6347, RFC 5764, RFC 5705), with the
 * certificate, fingerprint and SRTP-profile helpers a WebRTC endpoint needs.
 */

// Alert registry values and names (RFC 5246 §7.2).
export { AlertDescription, alertName } from './alert.js';
// Self-signed certificates for DTLS-SRTP.
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
// The engine's one configuration object (defaults documented field by field).
export {
  DEFAULT_SRTP_PROFILES,
  type DtlsConfig,
  type DtlsGroupName,
  type DtlsPsk,
} from './config.js';
// Stateless HelloVerifyRequest front for a server socket (RFC 6347 §4.2.1).
export {
  DtlsCookieGate,
  type DtlsCookieGateOptions,
  type DtlsCookieGateVerdict,
} from './cookie-gate.js';
// The sans-IO engine.
export { DtlsEngine } from './engine.js';
// Events and counters the engine reports.
export type {
  DtlsCloseReason,
  DtlsDropReason,
  DtlsEvent,
  DtlsState,
  DtlsStats,
  DtlsVersion,
} from './events.js';
// SDP fingerprints (RFC 8122 §5).
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
