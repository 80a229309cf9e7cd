import type { KeyObject } from 'node:crypto';
import { AlertDescription, HandshakeAbort } from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import { pskPreMasterSecret } from '../crypto/key-schedule.js';
import { generateKeyShare, isKeyShareGroup, type KeyShareGroup } from '../crypto/key-share.js';
import {
  chooseSignatureScheme,
  localSignatureSchemes,
  signWithScheme,
  verifyWithScheme,
} from '../crypto/signature.js';
import { encodeEcPointFormats } from '../extensions/ec-point-formats.js';
import { encodeExtendedMasterSecret } from '../extensions/extended-master-secret.js';
import type { Extension } from '../extensions/extension-list.js';
import { encodeRenegotiationInfo } from '../extensions/renegotiation-info.js';
import { encodeSignatureAlgorithms } from '../extensions/signature-algorithms.js';
import { encodeSupportedGroups } from '../extensions/supported-groups.js';
import { encodeUseSrtp } from '../extensions/use-srtp.js';
import type { FlightEntry } from '../flight.js';
import type { HandshakeFragment } from '../handshake/fragment.js';
import { decodeCertificate, encodeCertificate } from '../handshake/messages/certificate.js';
import {
  type CertificateRequest,
  decodeCertificateRequest,
} from '../handshake/messages/certificate-request.js';
import { encodeCertificateVerify } from '../handshake/messages/certificate-verify.js';
import { type ClientHello, encodeClientHello } from '../handshake/messages/client-hello.js';
import { encodeClientKeyExchange } from '../handshake/messages/client-key-exchange.js';
import { decodeFinished } from '../handshake/messages/finished.js';
import { decodeHelloVerifyRequest } from '../handshake/messages/hello-verify-request.js';
import { decodeServerHello } from '../handshake/messages/server-hello.js';
import { decodeServerHelloDone } from '../handshake/messages/server-hello-done.js';
import { serverHelloInfo } from '../handshake/messages/server-hello-info.js';
import {
  decodeServerKeyExchange,
  serverKeyExchangeSignedData,
} from '../handshake/messages/server-key-exchange.js';
import type { FragmentVerdict, HandshakeMessage } from '../handshake/reassembly.js';
import { COMPRESSION_NULL, ExtensionType, HandshakeType, ProtocolVersion } from '../handshake/types.js';
import { DecodeError } from '../wire/decode-error.js';
import { Dtls12Connection } from './connection.js';
import { checkPeerCertificate } from './peer-certificate.js';

/** Bound on cookie round trips, so a server cannot keep the client looping. */
const MAX_HELLO_VERIFY_REQUESTS = 3;

/**
 * Where the client is in the handshake of RFC 6347 §4.2.4: after flight 1 or 3 it waits for
 * HelloVerifyRequest or flight 4, reads flight 4 message by message, sends flight 5, then waits for
 * flight 6 (ChangeCipherSpec, Finished).
 */
type ClientPhase =
  | 'idle'
  | 'wait-server-hello'
  | 'wait-certificate'
  | 'wait-server-key-exchange'
  | 'wait-psk-hint-or-done'
  | 'wait-request-or-done'
  | 'wait-hello-done'
  | 'wait-finished'
  | 'done';

export class ClientHandshake12 extends Dtls12Connection {
  private phase: ClientPhase = 'idle';
  private hello: ClientHello | undefined;
  /** The ClientHello as last sent; it enters the transcript once the server answers it. */
  private helloBody: Uint8Array = new Uint8Array(0);
  private helloSeq = 0;
  /** HelloVerifyRequests answered so far; a server may send another one after rotating its secret. */
  private helloVerifyRequests = 0;
  private offeredExtensionTypes: number[] = [];
  private peerPublicKey: KeyObject | undefined;
  private serverShare: { group: KeyShareGroup; publicKey: Uint8Array } | undefined;
  private certificateRequest: CertificateRequest | undefined;

  constructor(cfg: ResolvedConfig) {
    super(cfg);
  }

  start(now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now))
      throw new TypeError('start: now must be a finite number');
    if (this.stateValue !== 'new') throw new Error(`start: the connection is already ${this.stateValue}`);
    this.beginHandshake(now);
    this.clientRandom = Uint8Array.from(this.cfg.rng(32));
    this.hello = this.buildClientHello(new Uint8Array(0));
    this.sendHello(now);
  }

  private buildClientHello(cookie: Uint8Array): ClientHello {
    const cfg = this.cfg;
    const ecdhe = cfg.cipherSuites.some((s) => s.keyExchange !== 'PSK');
    const extensions: Extension[] = [];
    // A hello that also offers DTLS 1.3 lists the 1.3 groups and schemes too (config.offer13).
    const offer13 = cfg.offer13;
    if (ecdhe) {
      const groups = offer13?.supportedGroups ?? cfg.groups;
      extensions.push({ type: ExtensionType.supported_groups, data: encodeSupportedGroups(groups) });
      extensions.push({ type: ExtensionType.ec_point_formats, data: encodeEcPointFormats() });
    }
    extensions.push({
      type: ExtensionType.signature_algorithms,
      data: encodeSignatureAlgorithms(offer13?.signatureSchemes ?? localSignatureSchemes),
    });
    if (cfg.srtpProfiles.length > 0) {
      extensions.push({
        type: ExtensionType.use_srtp,
        data: encodeUseSrtp({ profiles: cfg.srtpProfiles.map((p) => p.id), mki: new Uint8Array(0) }),
      });
    }
    extensions.push({ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() });
    // RFC 5746 §3.4: an initial handshake signals secure renegotiation with an empty renegotiation_info.
    extensions.push({ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() });
    for (const e of offer13?.extensions ?? []) extensions.push(e);
    this.offeredExtensionTypes = extensions.map((e) => e.type);
    return {
      clientVersion: ProtocolVersion.DTLS1_2,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cookie,
      cipherSuites: [...(offer13?.cipherSuites ?? []), ...cfg.cipherSuites.map((s) => s.id)],
      compressionMethods: Uint8Array.of(COMPRESSION_NULL),
      extensions,
    };
  }

  /** Flight 1 or 3. The ClientHello enters the transcript only once the server answers it with ServerHello. */
  private sendHello(now: number): void {
    this.helloBody = encodeClientHello(this.hello!);
    const entry = this.handshakeEntry(HandshakeType.client_hello, this.helloBody, 0, false);
    this.helloSeq = entry.kind === 'handshake' ? entry.messageSeq : 0;
    this.phase = 'wait-server-hello';
    this.sendFlight([entry], now, false);
  }

  /**
   * Before the ServerHello is accepted, only a HelloVerifyRequest or ServerHello at the expected
   * message_seq is kept: a message planted for a later message_seq (a ServerHelloDone, say) would
   * otherwise be processed right after the genuine ServerHello and end the handshake.
   */
  protected offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined {
    if (f.messageSeq < this.reassembler.nextSeq) return 'old';
    if (f.messageSeq !== this.reassembler.nextSeq) {
      this.stats.drops['handshake-before-peer-hello']++;
      return undefined;
    }
    const T = HandshakeType;
    if (epoch !== 0 || (f.msgType !== T.hello_verify_request && f.msgType !== T.server_hello)) {
      this.stats.drops['bad-server-hello']++;
      return undefined;
    }
    return this.reassembler.offer(f, epoch);
  }

  protected expectsChangeCipherSpec(): boolean {
    return this.phase === 'wait-finished';
  }

  protected onHandshakeMessage(m: HandshakeMessage, now: number): void {
    const T = HandshakeType;
    if (this.phase === 'wait-server-hello') {
      this.onFirstServerMessage(m, now);
      return;
    }
    // Everything before Finished comes in epoch 0, Finished only after the ChangeCipherSpec (RFC 5246 §7.1).
    if ((m.msgType === T.finished) !== m.epoch > 0) throw unexpected(m);
    switch (this.phase) {
      case 'wait-certificate':
        if (m.msgType === T.certificate) {
          this.onCertificate(m);
          return;
        }
        throw unexpected(m);
      case 'wait-server-key-exchange':
        if (m.msgType === T.server_key_exchange) {
          this.onServerKeyExchange(m);
          return;
        }
        throw unexpected(m);
      case 'wait-psk-hint-or-done':
        if (m.msgType === T.server_key_exchange) {
          // RFC 4279 §2: the identity hint is advisory; the configured identity is used.
          decodeServerKeyExchange(m.body, 'PSK');
          this.transcript.add(m.msgType, m.messageSeq, m.body);
          this.phase = 'wait-hello-done';
          return;
        }
        if (m.msgType === T.server_hello_done) {
          this.onServerHelloDone(m, now);
          return;
        }
        throw unexpected(m);
      case 'wait-request-or-done':
        if (m.msgType === T.certificate_request) {
          this.certificateRequest = decodeCertificateRequest(m.body);
          this.transcript.add(m.msgType, m.messageSeq, m.body);
          this.phase = 'wait-hello-done';
          return;
        }
        if (m.msgType === T.server_hello_done) {
          this.onServerHelloDone(m, now);
          return;
        }
        throw unexpected(m);
      case 'wait-hello-done':
        if (m.msgType === T.server_hello_done) {
          this.onServerHelloDone(m, now);
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
   * Waiting for flight 2 or 4, nothing from the server has been accepted yet: an epoch-0 message is
   * unauthenticated and may come from anyone who forges the server's address. A message that cannot
   * be the server's answer (another type, a HelloVerifyRequest beyond the bound or with an empty
   * cookie, bytes that do not decode) is dropped and counted rather than answered with a fatal alert,
   * so one forged datagram cannot end the handshake; the genuine answer may still take its
   * message_seq. A well-formed ServerHello that we cannot accept (a suite or profile we did not
   * offer) still ends the handshake with its alert (RFC 5246 §7.4.1.3): a server that sends it
   * needs to be told.
   */
  private onFirstServerMessage(m: HandshakeMessage, now: number): void {
    const T = HandshakeType;
    try {
      if (m.epoch === 0 && m.msgType === T.hello_verify_request) {
        const hvr = decodeHelloVerifyRequest(m.body);
        // RFC 6347 §4.2.1: cookie<0..2^8-1>; an empty one cannot be echoed meaningfully. The bound
        // keeps a server (or a forger) from making the client loop.
        if (hvr.cookie.length > 0 && this.helloVerifyRequests < MAX_HELLO_VERIFY_REQUESTS) {
          this.onHelloVerifyRequest(m, hvr.cookie, now);
          return;
        }
      } else if (m.epoch === 0 && m.msgType === T.server_hello) {
        this.onServerHello(m);
        return;
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    this.stats.drops['bad-server-hello']++;
    this.reassembler.restartAt(m.messageSeq);
  }

  /** RFC 6347 §4.2.1: resend the ClientHello with the cookie, same random; flight 3. */
  private onHelloVerifyRequest(m: HandshakeMessage, cookie: Uint8Array, now: number): void {
    this.helloVerifyRequests++;
    // RFC 6347 §4.2.1: the same ClientHello again, now with the cookie.
    this.hello = { ...this.hello!, cookie: cookie.slice() };
    this.answeringPeerFlight(m.messageSeq);
    this.sendHello(now);
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = decodeServerHello(m.body);
    if (sh.serverVersion !== ProtocolVersion.DTLS1_2) {
      throw new HandshakeAbort(
        AlertDescription.protocolVersion,
        `server chose version 0x${sh.serverVersion.toString(16)}`,
      );
    }
    const suite = this.cfg.cipherSuites.find((s) => s.id === sh.cipherSuite);
    if (suite === undefined) {
      throw new HandshakeAbort(
        AlertDescription.illegalParameter,
        `server chose suite 0x${sh.cipherSuite.toString(16)} we did not offer`,
      );
    }
    if (sh.compressionMethod !== COMPRESSION_NULL) {
      throw new HandshakeAbort(AlertDescription.illegalParameter, 'server chose a compression method');
    }
    const info = serverHelloInfo(sh, this.offeredExtensionTypes);
    if (info.renegotiatedConnection !== undefined && info.renegotiatedConnection.length > 0) {
      throw new HandshakeAbort(
        AlertDescription.handshakeFailure,
        'non-empty renegotiation_info (RFC 5746 §3.4)',
      );
    }
    if (!info.extendedMasterSecret && this.cfg.requireExtendedMasterSecret) {
      throw new HandshakeAbort(
        AlertDescription.handshakeFailure,
        'server did not negotiate extended_master_secret (RFC 7627 §5.3)',
      );
    }
    if (info.srtp !== undefined) {
      const profile = this.cfg.srtpProfiles.find((p) => p.id === info.srtp!.profile);
      // RFC 5764 §4.1.1: the profile must be one we offered and the MKI the one we sent (none).
      if (profile === undefined || info.srtp.mki.length !== 0) {
        throw new HandshakeAbort(
          AlertDescription.illegalParameter,
          'server use_srtp profile or MKI not offered',
        );
      }
      this.srtpProfile = profile;
    }
    this.suite = suite;
    this.extendedMasterSecret = info.extendedMasterSecret;
    this.serverRandom = sh.random.slice();
    // RFC 6347 §4.2.6: the transcript starts with the ClientHello the server answered.
    this.transcript.add(HandshakeType.client_hello, this.helloSeq, this.helloBody);
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = suite.keyExchange === 'PSK' ? 'wait-psk-hint-or-done' : 'wait-certificate';
    this.peerHelloAccepted();
  }

  private onCertificate(m: HandshakeMessage): void {
    const { certificateList } = decodeCertificate(m.body);
    const leaf = certificateList[0];
    if (leaf === undefined)
      throw new HandshakeAbort(AlertDescription.badCertificate, 'server sent no certificate');
    this.peerPublicKey = checkPeerCertificate(
      leaf,
      this.cfg.expectedFingerprint,
      this.requireSuite().keyExchange,
    );
    this.peerCertificate = leaf.slice();
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = 'wait-server-key-exchange';
  }

  /** RFC 8422 §5.4: the server's ephemeral key, signed over both randoms; a bad signature is decrypt_error. */
  private onServerKeyExchange(m: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(m.body, this.requireSuite().keyExchange);
    if (ske.kind !== 'ecdhe') throw unexpected(m);
    const group = ske.namedCurve;
    if (!isKeyShareGroup(group) || !this.cfg.groups.includes(group)) {
      throw new HandshakeAbort(
        AlertDescription.illegalParameter,
        `server chose group ${group} we did not offer`,
      );
    }
    if (!localSignatureSchemes.includes(ske.signature.scheme)) {
      throw new HandshakeAbort(
        AlertDescription.illegalParameter,
        `signature scheme 0x${ske.signature.scheme.toString(16)} not offered`,
      );
    }
    const signed = serverKeyExchangeSignedData(this.clientRandom, this.serverRandom, ske.params);
    if (!verifyWithScheme(ske.signature.scheme, this.peerPublicKey!, signed, ske.signature.signature)) {
      throw new HandshakeAbort(AlertDescription.decryptError, 'ServerKeyExchange signature does not verify');
    }
    this.serverShare = { group, publicKey: ske.publicKey.slice() };
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = 'wait-request-or-done';
  }

  /** Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished. */
  private onServerHelloDone(m: HandshakeMessage, now: number): void {
    decodeServerHelloDone(m.body);
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    const suite = this.requireSuite();
    const entries: FlightEntry[] = [];
    const cert = this.cfg.certificate;
    const request = this.certificateRequest;
    if (request !== undefined) {
      // RFC 5246 §7.4.6: answer a CertificateRequest with a Certificate, empty if we have none.
      const list = cert === undefined ? [] : cert.chain;
      entries.push(
        this.handshakeEntry(HandshakeType.certificate, encodeCertificate({ certificateList: list })),
      );
    }
    let preMasterSecret: Uint8Array;
    if (suite.keyExchange === 'PSK') {
      const psk = this.cfg.psk!;
      entries.push(
        this.handshakeEntry(
          HandshakeType.client_key_exchange,
          encodeClientKeyExchange({ kind: 'psk', identity: psk.identity }),
        ),
      );
      preMasterSecret = pskPreMasterSecret(psk.key);
    } else {
      const share = generateKeyShare(this.serverShare!.group, this.cfg.rng);
      preMasterSecret = share.deriveSecret(this.serverShare!.publicKey);
      entries.push(
        this.handshakeEntry(
          HandshakeType.client_key_exchange,
          encodeClientKeyExchange({ kind: 'ecdhe', publicKey: share.publicKey }),
        ),
      );
    }
    this.deriveMasterSecret(preMasterSecret);
    if (request !== undefined && cert !== undefined) {
      const scheme = chooseSignatureScheme(cert.privateKey, request.signatureSchemes);
      if (scheme === undefined) {
        throw new HandshakeAbort(
          AlertDescription.handshakeFailure,
          'no common signature scheme for CertificateVerify',
        );
      }
      // RFC 5246 §7.4.8: the signature covers every handshake message so far.
      const signature = signWithScheme(scheme, cert.privateKey, this.transcript.bytes());
      entries.push(
        this.handshakeEntry(HandshakeType.certificate_verify, encodeCertificateVerify({ scheme, signature })),
      );
    }
    entries.push(...this.changeCipherSpecAndFinished('client finished'));
    this.answeringPeerFlight(m.messageSeq);
    this.phase = 'wait-finished';
    this.sendFlight(entries, now, false);
  }

  private onFinished(m: HandshakeMessage, now: number): void {
    const { verifyData } = decodeFinished(m.body);
    this.checkPeerFinished(verifyData, 'server finished');
    this.checkPeerAuthenticated();
    this.transcript.add(m.msgType, m.messageSeq, m.body);
    this.phase = 'done';
    this.complete(now, false);
  }
}

function unexpected(m: HandshakeMessage): HandshakeAbort {
  return new HandshakeAbort(
    AlertDescription.unexpectedMessage,
    `unexpected handshake message ${m.msgType} (message_seq ${m.messageSeq}, epoch ${m.epoch})`,
  );
}
