import type { KeyObject } from 'node:crypto';
import { AlertDescription, HandshakeAbort } from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import { HelloVerifyCookies } from '../cookie.js';
import { pskPreMasterSecret } from '../crypto/key-schedule.js';
import { generateKeyShare, type KeyShare } from '../crypto/key-share.js';
import { localSignatureSchemes, signWithScheme, verifyWithScheme } from '../crypto/signature.js';
import { encodeEcPointFormats } from '../extensions/ec-point-formats.js';
import { encodeExtendedMasterSecret } from '../extensions/extended-master-secret.js';
import type { Extension } from '../extensions/extension-list.js';
import { encodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { encodeUseSrtp } from '../extensions/use-srtp.js';
import type { FlightEntry } from '../flight.js';
import { encodeHandshakeFragment, type HandshakeFragment } from '../handshake/fragment.js';
import { decodeCertificate, encodeCertificate } from '../handshake/messages/certificate.js';
import {
  ClientCertificateType,
  encodeCertificateRequest,
} from '../handshake/messages/certificate-request.js';
import { decodeCertificateVerify } from '../handshake/messages/certificate-verify.js';
import {
  type ClientHello,
  clientHelloCookieParams,
  decodeClientHello,
} from '../handshake/messages/client-hello.js';
import { type ClientHelloInfo, clientHelloInfo } from '../handshake/messages/client-hello-info.js';
import { decodeClientKeyExchange } from '../handshake/messages/client-key-exchange.js';
import { decodeFinished } from '../handshake/messages/finished.js';
import { encodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { encodeServerHello } from '../handshake/messages/server-hello.js';
import { encodeServerHelloDone } from '../handshake/messages/server-hello-done.js';
import {
  encodeServerEcdhParams,
  encodeServerKeyExchange,
  serverKeyExchangeSignedData,
} from '../handshake/messages/server-key-exchange.js';
import type { FragmentVerdict, HandshakeMessage } from '../handshake/reassembly.js';
import {
  COMPRESSION_NULL,
  ContentType,
  ExtensionType,
  HandshakeType,
  ProtocolVersion,
} from '../handshake/types.js';
import { encodeRecord } from '../record/record-header.js';
import { MAX_RECORD_SEQUENCE } from '../record/record-layer.js';
import { DOWNGRADE_SENTINEL_TLS12 } from '../v13/messages/hello13.js';
import { DecodeError } from '../wire/decode-error.js';
import { Dtls12Connection } from './connection.js';
import { type Negotiated, negotiate } from './negotiation.js';
import { checkPeerCertificate } from './peer-certificate.js';

/** ClientHellos of a new association carry a small message_seq (0, or 1 after a cookie exchange). */
export const MAX_FIRST_HELLO_SEQ = 15;

/**
 * Record numbers a ClientHello must leave above its own for the server's epoch 0: flight 4 and every
 * retransmission of it, with room to spare (a flight is a few records; the handshake timeout bounds
 * the retransmissions).
 */
export const HELLO_SEQUENCE_RESERVE = 2 ** 16;

/**
 * Where the server is in the handshake of RFC 6347 §4.2.4: it waits for a ClientHello (answering
 * HelloVerifyRequests statelessly while the cookie is missing), sends flight 4, reads flight 5 message
 * by message, and answers with flight 6.
 */
type ServerPhase =
  | 'wait-client-hello'
  | 'wait-certificate'
  | 'wait-client-key-exchange'
  | 'wait-certificate-verify'
  | 'wait-finished'
  | 'done';

export class ServerHandshake12 extends Dtls12Connection {
  private phase: ServerPhase = 'wait-client-hello';
  private readonly cookies: HelloVerifyCookies | undefined;
  private negotiated: Negotiated | undefined;
  private keyShare: KeyShare | undefined;
  private clientPublicKey: KeyObject | undefined;

  constructor(cfg: ResolvedConfig) {
    super(cfg);
    this.cookies = cfg.cookieExchange ? new HelloVerifyCookies({ rng: cfg.rng }) : undefined;
  }

  start(now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now))
      throw new TypeError('start: now must be a finite number');
  }

  protected expectsChangeCipherSpec(): boolean {
    return this.phase === 'wait-finished';
  }

  /**
   * Before a ClientHello is accepted, only ClientHello fragments are kept. Its message_seq is not
   * known in advance: 0, or 1 after a cookie exchange done by a stateless front (DtlsCookieGate) or
   * by us, or 0 again when the client repeats a ClientHello whose HelloVerifyRequest was lost
   * (RFC 6347 §4.2.2). Each number up to MAX_FIRST_HELLO_SEQ keeps its own versions, and reassembly
   * moves to the first one that is whole, so a forged fragment, whatever number it claims, cannot
   * shadow or displace the genuine ClientHello in progress.
   */
  protected offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined {
    if (f.msgType !== HandshakeType.client_hello || epoch !== 0) {
      this.stats.drops['not-client-hello']++;
      return undefined;
    }
    if (f.messageSeq > MAX_FIRST_HELLO_SEQ) {
      this.stats.drops['handshake-before-peer-hello']++;
      return undefined;
    }
    const verdict = this.reassembler.offerFirst(f, epoch);
    if (f.messageSeq !== this.reassembler.nextSeq && this.reassembler.isComplete(f.messageSeq))
      this.reassembler.restartAt(f.messageSeq);
    return verdict;
  }

  protected onHandshakeMessage(m: HandshakeMessage, now: number): void {
    const T = HandshakeType;
    if (this.phase === 'wait-client-hello') {
      // Before a handshake exists nothing unauthenticated may end it: anything but a ClientHello is dropped.
      if (m.msgType !== T.client_hello || m.epoch !== 0) {
        this.stats.drops['not-client-hello']++;
        return;
      }
      this.onClientHello(m, now);
      return;
    }
    if ((m.msgType === T.finished) !== m.epoch > 0) throw unexpected(m);
    switch (this.phase) {
      case 'wait-certificate':
        if (m.msgType === T.certificate) {
          this.onCertificate(m);
          return;
        }
        throw unexpected(m);
      case 'wait-client-key-exchange':
        if (m.msgType === T.client_key_exchange) {
          this.onClientKeyExchange(m);
          return;
        }
        throw unexpected(m);
      case 'wait-certificate-verify':
        if (m.msgType === T.certificate_verify) {
          this.onCertificateVerify(m);
          return;
        }
        throw unexpected(m);
      case 'wait-finished':
        if (m.msgType === T.finished) {
          this.onFinished(m, now);
          return;
        }
        throw unexpected(m);
      default:
        throw unexpected(m);
    }
  }

  /**
   * Before a ClientHello is accepted the server holds no handshake state, and the ClientHello is an
   * unauthenticated datagram anyone can forge. One that does not decode is dropped and counted
   * instead of answered with a fatal decode_error (RFC 5246 §7.2.2): the alert would end nothing
   * worth ending, while closing the engine would let one spoofed datagram end the handshake before
   * the genuine ClientHello arrives. A well-formed but unacceptable ClientHello is still refused
   * with its alert (RFC 5246 §7.4.1.2): the client needs to learn why.
   */
  private onClientHello(m: HandshakeMessage, now: number): void {
    let hello: ClientHello;
    let info: ClientHelloInfo;
    try {
      hello = decodeClientHello(m.body);
      info = clientHelloInfo(hello);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.stats.drops['bad-client-hello']++;
      // The next ClientHello may reuse this message_seq (the genuine one the forgery raced).
      this.reassembler.restartAt(m.messageSeq);
      return;
    }
    if (this.cookies !== undefined) {
      const params = clientHelloCookieParams(hello);
      if (!this.cookies.verify(this.cfg.cookieBinding, params, hello.cookie, now)) {
        if (hello.cookie.length > 0) this.stats.drops['bad-cookie']++;
        this.sendHelloVerifyRequest(hello, m.messageSeq, now);
        return;
      }
    }
    // Our epoch-0 numbering continues above this record's (reserveSequence below): a ClientHello
    // numbered near 2^48 would leave no numbers for flight 4, its retransmissions or an alert, and
    // numbers must not wrap (RFC 6347 §4.1). No genuine client starts there; the hello is dropped
    // before it starts anything.
    if (MAX_RECORD_SEQUENCE - this.currentRecordSeq < HELLO_SEQUENCE_RESERVE) {
      this.stats.drops['sequence-exhausted']++;
      this.reassembler.restartAt(m.messageSeq);
      return;
    }
    // RFC 6347 §4.1 / RFC 5246 Appendix E.1: the client's highest version must reach DTLS 1.2
    // (versions count down: 0xfefd is newer than 0xfeff). 1.3-capable clients send 0xfefd here too.
    if ((hello.clientVersion & 0xff00) !== 0xfe00 || hello.clientVersion > ProtocolVersion.DTLS1_2) {
      throw new HandshakeAbort(
        AlertDescription.protocolVersion,
        `client_version 0x${hello.clientVersion.toString(16)}`,
      );
    }
    this.negotiated = negotiate(this.cfg, info);
    this.beginHandshake(now);
    this.peerHelloAccepted();
    // Continue numbering above the record the HelloVerifyRequest may have reused (RFC 6347 §4.2.1).
    this.records.reserveSequence(0, this.currentRecordSeq + 1);
    this.suite = this.negotiated.suite;
    this.extendedMasterSecret = info.extendedMasterSecret;
    this.srtpProfile = this.negotiated.srtp?.profile;
    this.clientRandom = hello.random.slice();
    this.serverRandom = Uint8Array.from(this.cfg.rng(32));
    // RFC 8446 §4.1.3: a server able to negotiate 1.3 that negotiates 1.2 marks its random, so a
    // 1.3 client detects a downgrade forced by an attacker.
    if (this.cfg.maxVersion === 'DTLS 1.3') this.serverRandom.set(DOWNGRADE_SENTINEL_TLS12, 24);
    // RFC 6347 §4.2.2: after a cookie exchange the ServerHello takes the ClientHello's message_seq.
    this.nextSendSeq = m.messageSeq;
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.sendFlight4(m.messageSeq, now);
  }

  /**
   * RFC 6347 §4.2.1: a stateless reply, nothing kept. The record number echoes the ClientHello's so
   * that a server which forgets everything still never repeats one.
   */
  private sendHelloVerifyRequest(hello: ClientHello, messageSeq: number, now: number): void {
    const cookie = this.cookies!.create(this.cfg.cookieBinding, clientHelloCookieParams(hello), now);
    const body = encodeHelloVerifyRequest({ serverVersion: ProtocolVersion.DTLS1_0, cookie });
    const fragment = encodeHandshakeFragment(
      HandshakeType.hello_verify_request,
      messageSeq,
      body,
      0,
      body.length,
    );
    this.sendDatagram(
      encodeRecord(ContentType.handshake, ProtocolVersion.DTLS1_2, 0, this.currentRecordSeq, fragment),
    );
  }

  /** Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone. */
  private sendFlight4(clientHelloSeq: number, now: number): void {
    const n = this.negotiated!;
    const suite = n.suite;
    const cert = this.cfg.certificate;
    const extensions: Extension[] = [];
    if (n.secureRenegotiation) {
      extensions.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() });
    }
    if (this.extendedMasterSecret) {
      extensions.push({ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() });
    }
    if (n.srtp !== undefined) {
      // RFC 5764 §4.1.1: one profile, and the client's MKI echoed.
      extensions.push({
        type: ExtensionType.use_srtp,
        data: encodeUseSrtp({ profiles: [n.srtp.profile.id], mki: n.srtp.mki }),
      });
    }
    if (suite.keyExchange !== 'PSK' && n.clientSentPointFormats) {
      extensions.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats() });
    }
    const entries: FlightEntry[] = [];
    entries.push(
      this.handshakeEntry(
        HandshakeType.server_hello,
        encodeServerHello({
          serverVersion: ProtocolVersion.DTLS1_2,
          random: this.serverRandom,
          sessionId: new Uint8Array(0),
          cipherSuite: suite.id,
          compressionMethod: COMPRESSION_NULL,
          extensions,
        }),
      ),
    );
    if (suite.keyExchange !== 'PSK') {
      entries.push(
        this.handshakeEntry(HandshakeType.certificate, encodeCertificate({ certificateList: cert!.chain })),
      );
      const share = generateKeyShare(n.group!, this.cfg.rng);
      this.keyShare = share;
      const params = encodeServerEcdhParams({ namedCurve: share.group, publicKey: share.publicKey });
      const signature = signWithScheme(
        n.signatureScheme!,
        cert!.privateKey,
        serverKeyExchangeSignedData(this.clientRandom, this.serverRandom, params),
      );
      entries.push(
        this.handshakeEntry(
          HandshakeType.server_key_exchange,
          encodeServerKeyExchange({
            kind: 'ecdhe',
            namedCurve: share.group,
            publicKey: share.publicKey,
            signature: { scheme: n.signatureScheme!, signature },
          }),
        ),
      );
      if (this.requestsClientCertificate()) {
        entries.push(
          this.handshakeEntry(
            HandshakeType.certificate_request,
            encodeCertificateRequest({
              certificateTypes: Uint8Array.of(
                ClientCertificateType.ecdsa_sign,
                ClientCertificateType.rsa_sign,
              ),
              signatureSchemes: localSignatureSchemes,
              certificateAuthorities: [],
            }),
          ),
        );
      }
    } else if (this.cfg.pskIdentityHint !== undefined) {
      entries.push(
        this.handshakeEntry(
          HandshakeType.server_key_exchange,
          encodeServerKeyExchange({ kind: 'psk', identityHint: this.cfg.pskIdentityHint }),
        ),
      );
    }
    entries.push(this.handshakeEntry(HandshakeType.server_hello_done, encodeServerHelloDone()));
    this.answeringPeerFlight(clientHelloSeq);
    this.phase =
      suite.keyExchange !== 'PSK' && this.requestsClientCertificate()
        ? 'wait-certificate'
        : 'wait-client-key-exchange';
    this.sendFlight(entries, now, false);
  }

  /**
   * A CertificateRequest goes out when client certificates are required, and always when a
   * fingerprint is expected: expectedFingerprint can only be enforced on a certificate the client
   * was asked for (with requireClientCertificate false it still wins).
   */
  private requestsClientCertificate(): boolean {
    return this.cfg.requireClientCertificate || this.cfg.expectedFingerprint !== undefined;
  }

  private onCertificate(m: HandshakeMessage): void {
    const { certificateList } = decodeCertificate(m.body);
    const leaf = certificateList[0];
    // RFC 5246 §7.4.6: a server that requires client authentication may refuse an empty Certificate.
    if (leaf === undefined)
      throw new HandshakeAbort(
        AlertDescription.handshakeFailure,
        this.cfg.expectedFingerprint === undefined
          ? 'client sent no certificate'
          : 'client sent no certificate, but expectedFingerprint is set',
      );
    this.clientPublicKey = checkPeerCertificate(leaf, this.cfg.expectedFingerprint, 'client');
    this.peerCertificate = leaf.slice();
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = 'wait-client-key-exchange';
  }

  private onClientKeyExchange(m: HandshakeMessage): void {
    const suite = this.requireSuite();
    const cke = decodeClientKeyExchange(m.body, suite.keyExchange);
    let preMasterSecret: Uint8Array;
    if (cke.kind === 'psk') {
      const key = this.cfg.pskLookup!(cke.identity);
      if (key === undefined || key.length === 0) {
        throw new HandshakeAbort(AlertDescription.unknownPskIdentity, 'unknown PSK identity (RFC 4279 §2)');
      }
      preMasterSecret = pskPreMasterSecret(key);
    } else {
      preMasterSecret = this.keyShare!.deriveSecret(cke.publicKey);
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.deriveMasterSecret(preMasterSecret);
    this.phase = this.clientPublicKey !== undefined ? 'wait-certificate-verify' : 'wait-finished';
  }

  /** RFC 5246 §7.4.8: the client's signature over the transcript through ClientKeyExchange. */
  private onCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    if (!localSignatureSchemes.includes(cv.scheme)) {
      throw new HandshakeAbort(
        AlertDescription.illegalParameter,
        `CertificateVerify scheme 0x${cv.scheme.toString(16)} not requested`,
      );
    }
    if (!verifyWithScheme(cv.scheme, this.clientPublicKey!, this.transcript.bytes(), cv.signature)) {
      throw new HandshakeAbort(AlertDescription.decryptError, 'CertificateVerify signature does not verify');
    }
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = 'wait-finished';
  }

  /** Flight 6: ChangeCipherSpec, Finished; the final flight, re-sent only when flight 5 comes again. */
  private onFinished(m: HandshakeMessage, now: number): void {
    const { verifyData } = decodeFinished(m.body);
    this.checkPeerFinished(verifyData, 'client finished');
    this.checkPeerAuthenticated();
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    const entries = this.changeCipherSpecAndFinished('server finished');
    this.answeringPeerFlight(m.messageSeq);
    this.phase = 'done';
    this.sendFlight(entries, now, true);
    this.complete(now, true);
  }
}

function unexpected(m: HandshakeMessage): HandshakeAbort {
  return new HandshakeAbort(
    AlertDescription.unexpectedMessage,
    `unexpected handshake message ${m.msgType} (message_seq ${m.messageSeq}, epoch ${m.epoch})`,
  );
}
