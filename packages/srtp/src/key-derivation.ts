import { AesCounterMode } from './crypto/aes-counter-mode.js';
import type { SrtpProfileInfo } from './profile.js';

/** Key derivation labels (RFC 3711 §4.3.1 and §4.3.2). */
export const KDF_LABEL = Object.freeze({
  rtpEncryption: 0x00,
  rtpAuthentication: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuthentication: 0x04,
  rtcpSalt: 0x05,
});

/** The session keys of one direction of SRTP or SRTCP. */
export interface SessionKeys {
  /** Session encryption key k_e (AES key; present, though unused, for the NULL cipher). */
  readonly encryptionKey: Uint8Array;
  /** Session salt k_s: 14 bytes for AES-CM/NULL, 12 for GCM (RFC 7714 §12). */
  readonly salt: Uint8Array;
  /** Session authentication key k_a: 20 bytes for HMAC-SHA1, empty for AEAD. */
  readonly authKey: Uint8Array;
}

/**
 * The AES-CM pseudo-random function of RFC 3711 §4.3.3 with key_derivation_rate 0:
 * x = label || 0^48 XOR master_salt (the label lands at byte 7 of the 14-byte salt), and the
 * output is the AES counter-mode keystream under the master key starting at x * 2^16.
 *
 * The master key picks AES-128 or AES-256 (RFC 6188 §7). A 12-byte GCM master salt is
 * right-padded with two zero bytes to the 112 bits the PRF takes (RFC 7714 §12).
 */
export function aesCmPrf(
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
  label: number,
  length: number,
  prf: AesCounterMode = new AesCounterMode(masterKey),
): Uint8Array {
  const x = new Uint8Array(14);
  x.set(masterSalt.subarray(0, 14));
  x[7] = x[7]! ^ label;
  // Copy out of the cipher's output buffer so that callers own the key bytes.
  return new Uint8Array(prf.keystreamFromPrefix(x, length));
}

/** Derives the SRTP and SRTCP session keys of one master key (RFC 3711 §4.3). */
export function deriveSessionKeys(
  profile: SrtpProfileInfo,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
): { readonly rtp: SessionKeys; readonly rtcp: SessionKeys } {
  const prf = new AesCounterMode(masterKey);
  const derive = (label: number, length: number): Uint8Array =>
    length === 0 ? new Uint8Array(0) : aesCmPrf(masterKey, masterSalt, label, length, prf);
  return {
    rtp: {
      encryptionKey: derive(KDF_LABEL.rtpEncryption, profile.keyLength),
      authKey: derive(KDF_LABEL.rtpAuthentication, profile.authKeyLength),
      salt: derive(KDF_LABEL.rtpSalt, profile.saltLength),
    },
    rtcp: {
      encryptionKey: derive(KDF_LABEL.rtcpEncryption, profile.keyLength),
      authKey: derive(KDF_LABEL.rtcpAuthentication, profile.authKeyLength),
      salt: derive(KDF_LABEL.rtcpSalt, profile.saltLength),
    },
  };
}
