export { type AesCmKernel, AesCounterMode } from './crypto/aes-counter-mode.js';
export { HmacSha1 } from './crypto/hmac-sha1.js';
export { sha1Compress } from './crypto/sha1-compress.js';
export {
  AesGcm,
  type GcmBuild,
  type GcmPacket,
  gcmGhashBuild,
  gcmKernelMemoryBytes,
} from './gcm/aes-gcm.js';
export { aesCmPrf, deriveSessionKeys, KDF_LABEL, type SessionKeys } from './key-derivation.js';
export {
  findSdesSuite,
  findSrtpProfile,
  requireSrtpProfile,
  SRTP_PROFILES,
  type SrtpCipherName,
  type SrtpProfileInfo,
  type SrtpProfileName,
} from './profile.js';
export { ReplayCheck, ReplayWindow } from './replay-window.js';
export {
  type UnprotectFailure,
  type UnprotectFailureReason,
  UnprotectReason,
  type UnprotectRtcpResult,
  type UnprotectRtcpSuccess,
  type UnprotectRtpResult,
  type UnprotectRtpSuccess,
} from './result.js';
export { estimateRolloverCounter } from './rollover-counter.js';
export { rtpHeaderLength } from './rtp-header.js';
export {
  formatSdesCrypto,
  parseSdesCrypto,
  type SdesCryptoAttribute,
  type SdesKey,
  type SdesParseResult,
  sdesSessionOptions,
} from './sdes.js';
export { type KernelSelfTest, type SrtpSelfTest, srtpSelfTest } from './self-test/index.js';
export {
  SRTCP_MAX_PACKETS,
  SRTP_MAX_PACKETS,
  SrtpSession,
  type SrtpSessionKeyOptions,
  type SrtpSessionOptions,
} from './srtp-session.js';
