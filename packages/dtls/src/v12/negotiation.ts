import { AlertDescription, HandshakeAbort } from '../alert.js';
import type { CipherSuite } from '../cipher-suites.js';
import type { ResolvedConfig } from '../config.js';
import type { KeyShareGroup } from '../crypto/key-share.js';
import { chooseSignatureScheme, localSignatureSchemes } from '../crypto/signature.js';
import type { ClientHelloInfo } from '../handshake/messages/client-hello-info.js';
import type { SrtpProfile } from '../srtp-profiles.js';

/** What the server settles on from a ClientHello. */
export interface Negotiated {
  readonly suite: CipherSuite;
  /** ECDHE group (ECDHE suites only). */
  readonly group: KeyShareGroup | undefined;
  /** Scheme signing ServerKeyExchange (ECDHE suites only). */
  readonly signatureScheme: number | undefined;
  readonly srtp: { readonly profile: SrtpProfile; readonly mki: Uint8Array } | undefined;
  readonly secureRenegotiation: boolean;
  readonly clientSentPointFormats: boolean;
}

/**
 * The server's choices, each by ITS OWN preference order among what the client offers:
 * the cipher suite among those its certificate can sign for (RFC 8422 §5.3: ECDSA key -> ECDHE_ECDSA),
 * the group (RFC 8422 §5.1.1), the signature scheme (RFC 5246 §7.4.1.4.1), the SRTP profile
 * (RFC 5764 §4.1.1). A DTLS 1.3-capable ClientHello is answered in 1.2: its supported_versions and
 * key_share extensions are not acted on (RFC 8446 §4.2.1 lets a 1.2 server ignore them).
 */
export function negotiate(cfg: ResolvedConfig, info: ClientHelloInfo): Negotiated {
  if (!info.nullCompressionOffered) {
    throw new HandshakeAbort(
      AlertDescription.illegalParameter,
      'ClientHello does not offer null compression',
    );
  }
  // RFC 5746 §3.6: an initial handshake carries an empty renegotiated_connection.
  if (info.renegotiatedConnection !== undefined && info.renegotiatedConnection.length > 0) {
    throw new HandshakeAbort(
      AlertDescription.handshakeFailure,
      'non-empty renegotiation_info on an initial handshake',
    );
  }
  // RFC 7627 §5.3: a server that requires the extended master secret aborts without it.
  if (cfg.requireExtendedMasterSecret && !info.extendedMasterSecret) {
    throw new HandshakeAbort(
      AlertDescription.handshakeFailure,
      'client did not offer extended_master_secret',
    );
  }
  const keyType = cfg.certificate?.privateKey.asymmetricKeyType;
  // RFC 8422 §4: without supported_groups the server may pick any curve.
  const clientGroups = info.supportedGroups;
  const group = cfg.groups.find((g) => clientGroups === undefined || clientGroups.includes(g));
  // RFC 5246 §7.4.1.4.1 defaults absent signature_algorithms to SHA-1, which we do not use: accept
  // our own list rather than fail, as the peer can verify any of them it implements.
  const peerSchemes = info.signatureSchemes ?? localSignatureSchemes;
  let scheme: number | undefined;
  let suite: CipherSuite | undefined;
  for (const s of cfg.cipherSuites) {
    if (!info.cipherSuites.includes(s.id)) continue;
    if (s.keyExchange === 'PSK') {
      if (cfg.pskLookup === undefined) continue;
      suite = s;
      break;
    }
    if (cfg.certificate === undefined || group === undefined) continue;
    if (
      (s.keyExchange === 'ECDHE_ECDSA' && keyType !== 'ec') ||
      (s.keyExchange === 'ECDHE_RSA' && keyType !== 'rsa')
    ) {
      continue;
    }
    scheme = chooseSignatureScheme(cfg.certificate.privateKey, peerSchemes);
    if (scheme === undefined) continue;
    suite = s;
    break;
  }
  if (suite === undefined)
    throw new HandshakeAbort(AlertDescription.handshakeFailure, 'no cipher suite in common');
  let srtp: Negotiated['srtp'];
  if (info.srtp !== undefined) {
    const offered = info.srtp.profiles;
    const profile = cfg.srtpProfiles.find((p) => offered.includes(p.id));
    // RFC 5764 §4.1.1: with no profile in common the server leaves use_srtp out.
    if (profile !== undefined) srtp = { profile, mki: info.srtp.mki.slice() };
  }
  const ecdhe = suite.keyExchange !== 'PSK';
  return {
    suite,
    group: ecdhe ? group : undefined,
    signatureScheme: ecdhe ? scheme : undefined,
    srtp,
    secureRenegotiation: info.secureRenegotiation,
    clientSentPointFormats: info.ecPointFormats !== undefined,
  };
}
