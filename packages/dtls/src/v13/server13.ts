import type { KeyObject } from 'node:crypto';
import { AlertDescription, HandshakeAbort } from '../alert.js';
import type { ResolvedConfig } from '../config.js';
import type { Extension } from '../extensions/extension-list.js';
import { encodeUseSrtp } from '../extensions/use-srtp.js';
import type { HandshakeFragment } from '../handshake/fragment.js';
import { encodeHandshakeFragment } from '../handshake/fragment.js';
import { type ClientHello, decodeClientHello } from '../handshake/messages/client-hello.js';
import type { FragmentVerdict, HandshakeMessage } from '../handshake/reassembly.js';
import { ExtensionType, ProtocolVersion } from '../handshake/types.js';
import { MAX_RECORD_SEQUENCE } from '../record/record-layer.js';
import type { SrtpProfile } from '../srtp-profiles.js';
import { HELLO_SEQUENCE_RESERVE, MAX_FIRST_HELLO_SEQ } from '../v12/server-handshake.js';
import { DecodeError } from '../wire/decode-error.js';
import type { CipherSuite13 } from './cipher-suites.js';
import { Dtls13Connection, type Dtls13Options, EPOCH_APPLICATION, EPOCH_HANDSHAKE } from './connection13.js';
import { fail13 } from './failure.js';
import type { OutgoingMessage13 } from './flight13.js';
import { type Group13, serverKeyShare } from './key-exchange.js';
import { KeySchedule13 } from './key-schedule.js';
import { encodeCertificateRequest13 } from './messages/certificate-request13.js';
import {
  chooseScheme13,
  decodeCertificateVerify13,
  encodeCertificateVerify13,
  SCHEMES_13,
  signCertificateVerify,
  verifyCertificateVerify,
} from './messages/certificate-verify13.js';
import { decodeCertificate13, encodeCertificate13 } from './messages/certificate13.js';
import { encodeEncryptedExtensions } from './messages/encrypted-extensions.js';
import { finishedMatches } from './messages/finished13.js';
import { encodeHelloRetryRequest, encodeServerHello13 } from './messages/hello-builders.js';
import { type ClientHello13Info, clientHello13Info } from './messages/hello13.js';
import { checkPeerCertificate13 } from './peer-certificate13.js';
import { ContentType13, encodePlaintextRecord } from './record-header.js';
import { RetryCookies, type RetryState } from './retry-cookie.js';
import { messageHash, Transcript13 } from './transcript13.js';
import { HandshakeType13 } from './types13.js';

/** What the server knows once it has answered a ClientHello. */
interface ServerHandshakeKeys {
  readonly suite: CipherSuite13;
  readonly schedule: KeySchedule13;
  readonly transcript: Transcript13;
  readonly group: Group13;
  readonly clientSecret: Uint8Array;
  readonly clientApp: Uint8Array;
  readonly serverApp: Uint8Array;
  readonly exporterSecret: Uint8Array;
  readonly srtp: SrtpProfile | undefined;
}

/** The server's handshake states, each carrying exactly what is known in it. */
export type ServerState13 =
  | { readonly phase: 'wait-client-hello' }
  | { readonly phase: 'wait-client-certificate'; readonly keys: ServerHandshakeKeys }
  | {
      readonly phase: 'wait-client-certificate-verify';
      readonly keys: ServerHandshakeKeys;
      readonly peer: { readonly der: Uint8Array; readonly key: KeyObject };
    }
  | {
      readonly phase: 'wait-client-finished';
      readonly keys: ServerHandshakeKeys;
      readonly peerCertificate: Uint8Array | undefined;
    }
  | { readonly phase: 'connected' };

/**
 * A DTLS 1.3 server (RFC 9147, RFC 8446 §4). It answers a ClientHello without a valid cookie with a
 * stateless HelloRetryRequest (RFC 9147 §5.1) when the cookie exchange is on, and with one naming a
 * group when the client's shares fit none of ours; then sends ServerHello, EncryptedExtensions,
 * CertificateRequest (always: WebRTC authenticates both ends), Certificate, CertificateVerify and
 * Finished as one flight.
 */
export class Dtls13Server extends Dtls13Connection {
  private st: ServerState13 = { phase: 'wait-client-hello' };
  private readonly cookies: RetryCookies;

  constructor(cfg: ResolvedConfig, opts: Dtls13Options) {
    super(cfg, opts);
    if (cfg.role !== 'server') throw new RangeError('Dtls13Server needs role server');
    if (cfg.certificate === undefined)
      throw new TypeError('config.certificate is required for a DTLS 1.3 server');
    this.cookies = new RetryCookies(cfg.rng);
  }

  get phase(): ServerState13['phase'] {
    return this.st.phase;
  }

  start(_now: number): void {}

  /**
   * Before a ClientHello is accepted only ClientHello fragments are kept, by the DTLS 1.2 server's
   * rule: its message_seq is 0, or 1 after our stateless HelloRetryRequest (RFC 9147 §5.2), or 0
   * again when the client repeats its first hello. Each number up to MAX_FIRST_HELLO_SEQ keeps its
   * own rival versions and reassembly moves to the first one that is whole, so a forged fragment,
   * whatever number it claims, cannot shadow the genuine hello, and a retried hello (which exists
   * only because our retry arrived) wins over a partly buffered first one.
   */
  protected offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined {
    if (f.msgType !== HandshakeType13.client_hello || epoch !== 0) {
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
    const st = this.st;
    switch (st.phase) {
      case 'wait-client-hello':
        this.st = this.onClientHello(m, now);
        return;
      case 'wait-client-certificate':
        this.flightAnswered();
        this.st = this.onClientCertificate(st.keys, m);
        return;
      case 'wait-client-certificate-verify':
        this.st = this.onClientCertificateVerify(st, m);
        return;
      case 'wait-client-finished':
        this.flightAnswered();
        this.st = this.onClientFinished(st, m, now);
        return;
      default:
        fail13('unexpected-message', `handshake message ${m.msgType} in ${st.phase}`);
    }
  }

  private onClientHello(m: HandshakeMessage, now: number): ServerState13 {
    const waiting: ServerState13 = { phase: 'wait-client-hello' };
    if (m.msgType !== HandshakeType13.client_hello || m.epoch !== 0) {
      this.stats.drops['not-client-hello']++;
      this.reassembler.restartAt(0);
      return waiting;
    }
    let hello: ClientHello;
    let info: ClientHello13Info;
    try {
      hello = decodeClientHello(m.body);
      info = clientHello13Info(hello);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Nothing is known of the sender yet: a malformed hello is dropped, not answered (DESIGN).
      this.stats.drops['bad-client-hello']++;
      this.reassembler.restartAt(0);
      return waiting;
    }
    let retry: RetryState | undefined;
    if (info.cookie !== undefined) {
      retry = this.cookies.open(this.cfg.cookieBinding, info.cookie, now);
      if (retry === undefined) {
        this.stats.drops['bad-cookie']++;
        this.reassembler.restartAt(0);
        return waiting;
      }
    }
    if (!(info.supportedVersions ?? []).includes(ProtocolVersion.DTLS1_3))
      fail13('no-common-version', 'the ClientHello does not offer DTLS 1.3');
    // RFC 9147 §5.3: the legacy cookie field is empty in a DTLS 1.3 ClientHello.
    if (hello.cookie.length !== 0) fail13('server-hello-mismatch', 'legacy_cookie is not empty');
    if (!hello.compressionMethods.includes(0)) fail13('malformed-message', 'null compression not offered');

    const suite =
      retry === undefined
        ? this.chooseSuite(hello)
        : this.opts.cipherSuites.find((s) => s.id === retry.cipherSuite);
    if (suite === undefined || !hello.cipherSuites.includes(suite.id))
      fail13('no-common-suite', 'no DTLS 1.3 suite in common');
    if (info.signatureSchemes === undefined) fail13('missing-extension', 'signature_algorithms missing');
    const certificate = this.cfg.certificate!;
    const scheme = chooseScheme13(certificate.privateKey, info.signatureSchemes);
    if (scheme === undefined) fail13('no-signature-scheme', 'the client accepts no scheme of our key');
    if (info.keyShares === undefined || info.supportedGroups === undefined)
      fail13('missing-extension', 'key_share or supported_groups missing');

    // The server prefers the hybrid: the first of our groups the client sent a share for.
    const shared = this.opts.groups.find((g) => info.keyShares!.some((s) => s.group === g));
    if (retry !== undefined) {
      // The retried hello must bring the share we asked for (RFC 8446 §4.1.4); no second retry.
      const asked = retry.group === 0 ? shared : (retry.group as Group13);
      const entry = info.keyShares.find((s) => s.group === asked);
      if (asked === undefined || entry === undefined)
        fail13('bad-key-share', 'the retried ClientHello lacks the requested share');
      return this.answer(m, info, suite, scheme, asked, entry.keyExchange, retry, now);
    }
    const wanted = shared ?? this.opts.groups.find((g) => info.supportedGroups!.includes(g));
    if (wanted === undefined) fail13('no-common-group', 'no key exchange group in common');
    if (shared === undefined || this.cfg.cookieExchange) {
      this.sendRetry(m, suite, shared === undefined ? wanted : undefined, now);
      return waiting;
    }
    const entry = info.keyShares.find((s) => s.group === shared)!;
    return this.answer(m, info, suite, scheme, shared, entry.keyExchange, undefined, now);
  }

  private chooseSuite(hello: ClientHello): CipherSuite13 | undefined {
    return this.opts.cipherSuites.find((s) => hello.cipherSuites.includes(s.id));
  }

  /**
   * A stateless HelloRetryRequest (RFC 9147 §5.1): everything needed to continue rides in the
   * cookie, so nothing is kept and the answer is one small datagram, never larger than the hello
   * that caused it. It takes message_seq 0; the retried ClientHello comes with message_seq 1.
   */
  private sendRetry(
    m: HandshakeMessage,
    suite: CipherSuite13,
    group: Group13 | undefined,
    now: number,
  ): void {
    const cookie = this.cookies.create(
      this.cfg.cookieBinding,
      {
        cipherSuite: suite.id,
        group: group ?? 0,
        clientHello1Hash: messageHash(suite.hash, HandshakeType13.client_hello, m.body),
      },
      now,
    );
    const hrr = encodeHelloRetryRequest(suite.id, group, cookie);
    const fragment = encodeHandshakeFragment(HandshakeType13.server_hello, 0, hrr, 0, hrr.length);
    // RFC 9147 §5.1: the HelloRetryRequest takes the ClientHello's record number, so that a server
    // keeping no state never repeats a number.
    this.sendDatagram(
      encodePlaintextRecord(ContentType13.handshake, this.currentRecord.sequenceNumber, fragment),
    );
    this.reassembler.restartAt(0);
  }

  private answer(
    m: HandshakeMessage,
    info: ClientHello13Info,
    suite: CipherSuite13,
    scheme: number,
    group: Group13,
    clientShare: Uint8Array,
    retry: RetryState | undefined,
    now: number,
  ): ServerState13 {
    // Our epoch-0 numbering continues above the ClientHello's record (skipSequenceNumbers below),
    // as the stateless HelloRetryRequest reused a client's number. A hello numbered near 2^48 would
    // leave no numbers for our flight, its retransmissions or an alert, and numbers must not wrap
    // (RFC 9147 §4.5.1): no genuine client starts there, so the hello is dropped, nothing started.
    const recordSeq = this.currentRecord.sequenceNumber;
    if (MAX_RECORD_SEQUENCE - recordSeq < HELLO_SEQUENCE_RESERVE) {
      this.stats.drops['sequence-exhausted']++;
      this.reassembler.restartAt(m.messageSeq);
      return { phase: 'wait-client-hello' };
    }
    this.records.skipSequenceNumbers(0, recordSeq + 1);
    // The handshake starts here: before, a stateless retry keeps nothing (RFC 9147 §5.1).
    if (this.stateValue === 'new') this.beginHandshake(now);
    const exchange = serverKeyShare(group, clientShare, this.cfg.rng);
    if (!exchange.ok) fail13('bad-key-share', exchange.error);
    const schedule = new KeySchedule13(suite.hash, 'dtls13');
    let transcript: Transcript13;
    if (retry !== undefined) {
      // RFC 8446 §4.4.1: message_hash(ClientHello1), the HelloRetryRequest as we sent it, then ClientHello2.
      transcript = Transcript13.afterRetry(suite.hash, retry.clientHello1Hash);
      transcript.add(
        HandshakeType13.server_hello,
        encodeHelloRetryRequest(suite.id, retry.group === 0 ? undefined : retry.group, info.cookie!),
      );
    } else {
      transcript = new Transcript13(suite.hash);
    }
    transcript.add(HandshakeType13.client_hello, m.body);
    // Our message_seq follows the client's: 0, or 1 after a retry (RFC 9147 §5.2).
    this.nextSendSeq = m.messageSeq;
    const flight: OutgoingMessage13[] = [];
    const add = (type: number, body: Uint8Array, epoch: number) => {
      transcript.add(type, body);
      flight.push(this.message(type, body, epoch));
    };
    add(
      HandshakeType13.server_hello,
      encodeServerHello13(Uint8Array.from(this.cfg.rng(32)), suite.id, {
        group,
        keyExchange: exchange.value.share,
      }),
      0,
    );
    const handshakeSecret = schedule.handshakeSecret(exchange.value.sharedSecret);
    const [clientSecret, serverSecret] = schedule.handshakeTrafficSecrets(
      handshakeSecret,
      transcript.current(),
    );
    this.records.installWriteEpoch(EPOCH_HANDSHAKE, this.protection(suite, schedule, serverSecret));
    this.records.installReadEpoch(EPOCH_HANDSHAKE, this.protection(suite, schedule, clientSecret));

    const srtp =
      info.srtp === undefined
        ? undefined
        : this.cfg.srtpProfiles.find((p) => info.srtp!.profiles.includes(p.id));
    const ext: Extension[] = [];
    if (srtp !== undefined)
      ext.push({
        type: ExtensionType.use_srtp,
        data: encodeUseSrtp({ profiles: [srtp.id], mki: info.srtp!.mki }),
      });
    add(HandshakeType13.encrypted_extensions, encodeEncryptedExtensions(ext), EPOCH_HANDSHAKE);
    add(HandshakeType13.certificate_request, encodeCertificateRequest13(SCHEMES_13), EPOCH_HANDSHAKE);
    const certificate = this.cfg.certificate!;
    add(
      HandshakeType13.certificate,
      encodeCertificate13(new Uint8Array(0), certificate.chain),
      EPOCH_HANDSHAKE,
    );
    const signature = signCertificateVerify(scheme, certificate.privateKey, 'server', transcript.current());
    add(
      HandshakeType13.certificate_verify,
      encodeCertificateVerify13({ scheme, signature }),
      EPOCH_HANDSHAKE,
    );
    add(
      HandshakeType13.finished,
      schedule.finishedVerifyData(serverSecret, transcript.current()),
      EPOCH_HANDSHAKE,
    );
    const serverFinishedHash = transcript.current();
    const master = schedule.masterSecret(handshakeSecret);
    const [clientApp, serverApp] = schedule.applicationTrafficSecrets(master, serverFinishedHash);
    const exporterSecret = schedule.exporterMasterSecret(master, serverFinishedHash);
    this.peerHelloAccepted();
    this.sendFlight(flight, now, m.messageSeq);
    return {
      phase: 'wait-client-certificate',
      keys: { suite, schedule, transcript, group, clientSecret, clientApp, serverApp, exporterSecret, srtp },
    };
  }

  private expectEncrypted(m: HandshakeMessage, type: number, name: string): void {
    if (m.msgType !== type) fail13('unexpected-message', `expected ${name}, got message type ${m.msgType}`);
    if (m.epoch !== EPOCH_HANDSHAKE) fail13('unexpected-message', `${name} outside the handshake epoch`);
  }

  private onClientCertificate(keys: ServerHandshakeKeys, m: HandshakeMessage): ServerState13 {
    this.expectEncrypted(m, HandshakeType13.certificate, 'Certificate');
    const cert = decodeCertificate13(m.body);
    if (cert.context.length !== 0)
      fail13('malformed-message', 'Certificate context differs from our request');
    if (cert.entries.length === 0) {
      // RFC 8446 §4.4.2.4: a server that requires a certificate answers none with certificate_required.
      if (this.cfg.requireClientCertificate) fail13('certificate-required', 'the client sent no certificate');
      // An expected fingerprint is always enforced, whatever requireClientCertificate says: no
      // certificate cannot match it (the same rule and alert as the DTLS 1.2 server).
      if (this.cfg.expectedFingerprint !== undefined)
        throw new HandshakeAbort(
          AlertDescription.handshakeFailure,
          'client sent no certificate, but expectedFingerprint is set',
        );
      keys.transcript.add(m.msgType, m.body);
      return { phase: 'wait-client-finished', keys, peerCertificate: undefined };
    }
    const peer = checkPeerCertificate13(cert, this.cfg.expectedFingerprint);
    keys.transcript.add(m.msgType, m.body);
    return { phase: 'wait-client-certificate-verify', keys, peer };
  }

  private onClientCertificateVerify(
    st: Extract<ServerState13, { phase: 'wait-client-certificate-verify' }>,
    m: HandshakeMessage,
  ): ServerState13 {
    this.expectEncrypted(m, HandshakeType13.certificate_verify, 'CertificateVerify');
    const cv = decodeCertificateVerify13(m.body);
    if (!verifyCertificateVerify(cv, st.peer.key, 'client', st.keys.transcript.current()))
      fail13(
        'bad-signature',
        `client CertificateVerify (scheme 0x${cv.scheme.toString(16)}) does not verify`,
      );
    st.keys.transcript.add(m.msgType, m.body);
    return { phase: 'wait-client-finished', keys: st.keys, peerCertificate: st.peer.der };
  }

  private onClientFinished(
    st: Extract<ServerState13, { phase: 'wait-client-finished' }>,
    m: HandshakeMessage,
    now: number,
  ): ServerState13 {
    this.expectEncrypted(m, HandshakeType13.finished, 'Finished');
    const { keys } = st;
    const expected = keys.schedule.finishedVerifyData(keys.clientSecret, keys.transcript.current());
    if (!finishedMatches(m.body, expected)) fail13('bad-finished', 'client Finished verify_data mismatch');
    this.complete(now, {
      suite: keys.suite,
      schedule: keys.schedule,
      group: keys.group,
      ourSecret: keys.serverApp,
      ourEpoch: EPOCH_APPLICATION,
      peerSecret: keys.clientApp,
      peerEpoch: EPOCH_APPLICATION,
      exporterSecret: keys.exporterSecret,
      srtpProfile: keys.srtp,
      peerCertificate: st.peerCertificate,
    });
    // The client's last flight gets an explicit ACK (RFC 9147 §5.8.4, §7): nothing else answers it.
    this.acknowledgeNow();
    return { phase: 'connected' };
  }
}
