import type { KeyObject } from 'node:crypto';
import type { ResolvedConfig } from '../config.js';
import type { Extension } from '../extensions/extension-list.js';
import { findExtension } from '../extensions/extension-list.js';
import { encodeClientKeyShares } from '../extensions/key-share.js';
import { decodeServerUseSrtp } from '../extensions/use-srtp.js';
import type { HandshakeFragment } from '../handshake/fragment.js';
import { decodeClientHello, encodeClientHello } from '../handshake/messages/client-hello.js';
import { decodeServerHello, type ServerHello } from '../handshake/messages/server-hello.js';
import type { FragmentVerdict, HandshakeMessage } from '../handshake/reassembly.js';
import { ExtensionType, ProtocolVersion } from '../handshake/types.js';
import type { SrtpProfile } from '../srtp-profiles.js';
import { DecodeError } from '../wire/decode-error.js';
import type { CipherSuite13 } from './cipher-suites.js';
import { Dtls13Connection, type Dtls13Options, EPOCH_APPLICATION, EPOCH_HANDSHAKE } from './connection13.js';
import { fail13 } from './failure.js';
import type { OutgoingMessage13 } from './flight13.js';
import { type ClientKeyShare, clientKeyShare, type Group13 } from './key-exchange.js';
import { KeySchedule13 } from './key-schedule.js';
import { decodeCertificateRequest13 } from './messages/certificate-request13.js';
import {
  chooseScheme13,
  decodeCertificateVerify13,
  encodeCertificateVerify13,
  SCHEMES_13,
  signCertificateVerify,
  verifyCertificateVerify,
} from './messages/certificate-verify13.js';
import { decodeCertificate13, encodeCertificate13 } from './messages/certificate13.js';
import { decodeEncryptedExtensions } from './messages/encrypted-extensions.js';
import { encodeCookie } from './messages/extensions13.js';
import { finishedMatches } from './messages/finished13.js';
import { buildClientHello13, type ClientHelloOffer13 } from './messages/hello-builders.js';
import { type ServerHello13Info, serverHello13Info } from './messages/hello13.js';
import { checkPeerCertificate13 } from './peer-certificate13.js';
import { messageHash, Transcript13 } from './transcript13.js';
import { HandshakeType13 } from './types13.js';

/** What the client knows once the handshake keys exist. */
interface ClientHandshakeKeys {
  readonly suite: CipherSuite13;
  readonly schedule: KeySchedule13;
  readonly transcript: Transcript13;
  readonly group: Group13;
  readonly handshakeSecret: Uint8Array;
  readonly clientSecret: Uint8Array;
  readonly serverSecret: Uint8Array;
}

/** The first ClientHello, kept for the transcript after a HelloRetryRequest (RFC 8446 §4.4.1). */
interface RetryRecord {
  readonly clientHello1: Uint8Array;
  readonly helloRetryRequest: Uint8Array;
  readonly suite: CipherSuite13;
  readonly selectedGroup: number | undefined;
}

/**
 * The client's handshake states (RFC 8446 §A.1 with RFC 9147's flights), each carrying exactly what
 * is known in it: no field of a later state can be read before it is negotiated.
 */
export type ClientState13 =
  | { readonly phase: 'start' }
  | {
      readonly phase: 'wait-server-hello';
      readonly shares: readonly ClientKeyShare[];
      /** The ClientHello body last sent. */
      readonly clientHello: Uint8Array;
      readonly retry: RetryRecord | undefined;
    }
  | { readonly phase: 'wait-encrypted-extensions'; readonly keys: ClientHandshakeKeys }
  | {
      readonly phase: 'wait-certificate-or-request';
      readonly keys: ClientHandshakeKeys;
      readonly srtp: SrtpProfile | undefined;
    }
  | {
      readonly phase: 'wait-certificate';
      readonly keys: ClientHandshakeKeys;
      readonly srtp: SrtpProfile | undefined;
      readonly request: { readonly context: Uint8Array; readonly schemes: readonly number[] };
    }
  | {
      readonly phase: 'wait-certificate-verify';
      readonly keys: ClientHandshakeKeys;
      readonly srtp: SrtpProfile | undefined;
      readonly request: { readonly context: Uint8Array; readonly schemes: readonly number[] } | undefined;
      readonly peer: { readonly der: Uint8Array; readonly key: KeyObject };
    }
  | {
      readonly phase: 'wait-finished';
      readonly keys: ClientHandshakeKeys;
      readonly srtp: SrtpProfile | undefined;
      readonly request: { readonly context: Uint8Array; readonly schemes: readonly number[] } | undefined;
      readonly peerCertificate: Uint8Array;
    }
  | { readonly phase: 'connected' };

/** A DTLS 1.3 client (RFC 9147, RFC 8446 §4): ClientHello, optional retry, the server's flight, our Finished. */
/**
 * The second ClientHello after a HelloRetryRequest: the first one with key_share replaced and the
 * cookie added, everything else unchanged (RFC 8446 §4.1.2).
 */
function retriedClientHello(
  previous: Uint8Array,
  shares: readonly ClientKeyShare[],
  cookie: Uint8Array | undefined,
): Uint8Array {
  const hello = decodeClientHello(previous);
  const extensions: Extension[] = [];
  for (const e of hello.extensions ?? []) {
    if (e.type === ExtensionType.cookie) continue;
    if (e.type === ExtensionType.key_share)
      extensions.push({
        type: e.type,
        data: encodeClientKeyShares(shares.map((s) => ({ group: s.group, keyExchange: s.share }))),
      });
    else extensions.push(e);
  }
  if (cookie !== undefined) extensions.push({ type: ExtensionType.cookie, data: encodeCookie(cookie) });
  return encodeClientHello({ ...hello, extensions });
}

export class Dtls13Client extends Dtls13Connection {
  private st: ClientState13 = { phase: 'start' };

  constructor(cfg: ResolvedConfig, opts: Dtls13Options) {
    super(cfg, opts);
    if (cfg.role !== 'client') throw new RangeError('Dtls13Client needs role client');
  }

  /** The current handshake phase (tests, diagnostics). */
  get phase(): ClientState13['phase'] {
    return this.st.phase;
  }

  start(now: number): void {
    if (this.st.phase !== 'start') return;
    this.beginHandshake(now);
    const shares = this.opts.keyShareGroups.map((g) => clientKeyShare(g, this.cfg.rng));
    const offer: ClientHelloOffer13 = {
      random: Uint8Array.from(this.cfg.rng(32)),
      versions: [ProtocolVersion.DTLS1_3],
      cipherSuites: this.opts.cipherSuites.map((s) => s.id),
      supportedGroups: this.opts.groups,
      keyShares: shares.map((s) => ({ group: s.group, keyExchange: s.share })),
      signatureSchemes: SCHEMES_13,
      srtpProfiles: this.cfg.srtpProfiles.map((p) => p.id),
    };
    const body = encodeClientHello(buildClientHello13(offer));
    this.sendFlight([this.message(HandshakeType13.client_hello, body, 0)], now, -1);
    this.st = { phase: 'wait-server-hello', shares, clientHello: body, retry: undefined };
  }

  /**
   * Takes over a handshake whose ClientHello another connection sent (a client offering DTLS 1.2
   * and 1.3 in one hello, RFC 8446 §4.2.1): the hello's body, message_seq and the key shares whose
   * private parts we hold; epoch-0 record numbers continue after `recordsSent`.
   */
  static resume(
    cfg: ResolvedConfig,
    opts: Dtls13Options,
    hello: {
      body: Uint8Array;
      messageSeq: number;
      recordsSent: number;
      shares: readonly ClientKeyShare[];
      startedAt: number;
    },
  ): Dtls13Client {
    const c = new Dtls13Client(cfg, opts);
    c.beginHandshake(hello.startedAt);
    c.nextSendSeq = hello.messageSeq + 1;
    c.records.skipSequenceNumbers(0, hello.recordsSent);
    c.reassembler.restartAt(0);
    c.st = { phase: 'wait-server-hello', shares: hello.shares, clientHello: hello.body, retry: undefined };
    return c;
  }

  /**
   * Before the ServerHello is accepted only ServerHello fragments (a HelloRetryRequest is one) in
   * epoch 0 are kept, as the DTLS 1.2 client keeps only its hello's: a message planted for a later
   * message_seq would otherwise be processed right after the genuine ServerHello.
   */
  protected offerBeforePeerHello(f: HandshakeFragment, epoch: number): FragmentVerdict | undefined {
    if (f.msgType !== HandshakeType13.server_hello || epoch !== 0) {
      this.stats.drops['handshake-before-peer-hello']++;
      return undefined;
    }
    return this.reassembler.offer(f, epoch);
  }

  protected onHandshakeMessage(m: HandshakeMessage, now: number): void {
    const st = this.st;
    switch (st.phase) {
      case 'wait-server-hello':
        this.st = this.onServerHello(st, m, now);
        return;
      case 'wait-encrypted-extensions':
        this.st = this.onEncryptedExtensions(st.keys, m);
        return;
      case 'wait-certificate-or-request':
        if (m.msgType === HandshakeType13.certificate_request) {
          this.st = this.onCertificateRequest(st.keys, st.srtp, m);
          return;
        }
        this.st = this.onCertificate(st.keys, st.srtp, undefined, m);
        return;
      case 'wait-certificate':
        this.st = this.onCertificate(st.keys, st.srtp, st.request, m);
        return;
      case 'wait-certificate-verify':
        this.st = this.onCertificateVerify(st, m);
        return;
      case 'wait-finished':
        this.st = this.onFinished(st, m, now);
        return;
      default:
        fail13('unexpected-message', `handshake message ${m.msgType} in ${st.phase}`);
    }
  }

  private onServerHello(
    st: Extract<ClientState13, { phase: 'wait-server-hello' }>,
    m: HandshakeMessage,
    now: number,
  ): ClientState13 {
    if (m.msgType !== HandshakeType13.server_hello || m.epoch !== 0) {
      // Before the server's hello is accepted nothing else can be authenticated: drop it, and let
      // the genuine hello still be released at this message_seq (its rival version).
      this.stats.drops['bad-server-hello']++;
      this.reassembler.restartAt(m.messageSeq);
      return st;
    }
    let hello: ServerHello;
    let info: ServerHello13Info;
    try {
      hello = decodeServerHello(m.body);
      info = serverHello13Info(hello);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Unauthenticated and undecodable: dropped; a genuine rival may still complete here.
      this.stats.drops['bad-server-hello']++;
      this.reassembler.restartAt(m.messageSeq);
      return st;
    }
    if (info.selectedVersion !== ProtocolVersion.DTLS1_3)
      fail13(
        'no-common-version',
        `server selected ${info.selectedVersion?.toString(16) ?? 'no supported_versions'}`,
      );
    // RFC 8446 §4.1.3: the echo of our (empty) legacy_session_id, null compression, an offered suite.
    if (hello.sessionId.length !== 0) fail13('server-hello-mismatch', 'legacy_session_id_echo is not ours');
    if (hello.compressionMethod !== 0)
      fail13('server-hello-mismatch', 'legacy_compression_method is not null');
    const suite = this.opts.cipherSuites.find((s) => s.id === hello.cipherSuite);
    if (suite === undefined)
      fail13('server-hello-mismatch', `cipher suite 0x${hello.cipherSuite.toString(16)} was not offered`);
    if (info.helloRetryRequest) return this.onHelloRetryRequest(st, m, info, suite, now);
    if (st.retry !== undefined && st.retry.suite !== suite)
      fail13('server-hello-mismatch', 'ServerHello suite differs from the HelloRetryRequest');
    const entry = info.keyShare;
    if (entry === undefined) fail13('missing-extension', 'ServerHello without key_share');
    const share = st.shares.find((s) => s.group === entry.group);
    if (share === undefined) fail13('bad-key-share', `server share for group ${entry.group} we did not send`);
    const secret = share.complete(entry.keyExchange);
    if (!secret.ok) fail13('bad-key-share', secret.error);

    const transcript =
      st.retry === undefined
        ? new Transcript13(suite.hash)
        : Transcript13.afterRetry(
            suite.hash,
            messageHash(suite.hash, HandshakeType13.client_hello, st.retry.clientHello1),
          );
    if (st.retry !== undefined) transcript.add(HandshakeType13.server_hello, st.retry.helloRetryRequest);
    transcript.add(HandshakeType13.client_hello, st.clientHello);
    transcript.add(HandshakeType13.server_hello, m.body);
    const schedule = new KeySchedule13(suite.hash, 'dtls13');
    const handshakeSecret = schedule.handshakeSecret(secret.value);
    const [clientSecret, serverSecret] = schedule.handshakeTrafficSecrets(
      handshakeSecret,
      transcript.current(),
    );
    this.records.installReadEpoch(EPOCH_HANDSHAKE, this.protection(suite, schedule, serverSecret));
    this.records.installWriteEpoch(EPOCH_HANDSHAKE, this.protection(suite, schedule, clientSecret));
    // The ServerHello answers our ClientHello: it needs no more retransmission.
    this.flightAnswered();
    this.peerHelloAccepted();
    return {
      phase: 'wait-encrypted-extensions',
      keys: { suite, schedule, transcript, group: share.group, handshakeSecret, clientSecret, serverSecret },
    };
  }

  /** RFC 8446 §4.1.4: one retry with the group asked for and/or the cookie; a second one is refused. */
  private onHelloRetryRequest(
    st: Extract<ClientState13, { phase: 'wait-server-hello' }>,
    m: HandshakeMessage,
    info: ServerHello13Info,
    suite: CipherSuite13,
    now: number,
  ): ClientState13 {
    if (st.retry !== undefined) fail13('second-hello-retry', 'a second HelloRetryRequest');
    const group = info.selectedGroup;
    if (group !== undefined) {
      if (!this.opts.groups.includes(group as Group13))
        fail13('bad-key-share', `HelloRetryRequest asks for group ${group}`);
      if (st.shares.some((s) => s.group === group))
        fail13('hello-retry-changed-nothing', `HelloRetryRequest asks for group ${group} we already shared`);
    } else if (info.cookie === undefined) {
      fail13('hello-retry-changed-nothing', 'HelloRetryRequest without key_share or cookie');
    }
    const shares = group === undefined ? st.shares : [clientKeyShare(group as Group13, this.cfg.rng)];
    const body = retriedClientHello(st.clientHello, shares, info.cookie);
    // Not the final hello: what was planted beside the retry request stays excluded until the
    // ServerHello is accepted.
    this.peerHelloAccepted(false);
    this.sendFlight([this.message(HandshakeType13.client_hello, body, 0)], now, m.messageSeq);
    return {
      phase: 'wait-server-hello',
      shares,
      clientHello: body,
      retry: { clientHello1: st.clientHello, helloRetryRequest: m.body, suite, selectedGroup: group },
    };
  }

  private expectEncrypted(m: HandshakeMessage, type: number, name: string): void {
    if (m.msgType !== type) fail13('unexpected-message', `expected ${name}, got message type ${m.msgType}`);
    if (m.epoch !== EPOCH_HANDSHAKE) fail13('unexpected-message', `${name} outside the handshake epoch`);
  }

  private onEncryptedExtensions(keys: ClientHandshakeKeys, m: HandshakeMessage): ClientState13 {
    this.expectEncrypted(m, HandshakeType13.encrypted_extensions, 'EncryptedExtensions');
    const ext = decodeEncryptedExtensions(m.body);
    let srtp: SrtpProfile | undefined;
    const data = findExtension(ext, ExtensionType.use_srtp);
    if (data !== undefined) {
      const chosen = decodeServerUseSrtp(data);
      srtp = this.cfg.srtpProfiles.find((p) => p.id === chosen.profile);
      // RFC 5764 §4.1.1: the server picks one of the offered profiles, and echoes our (empty) MKI.
      if (srtp === undefined || chosen.mki.length !== 0)
        fail13('srtp-mismatch', `profile ${chosen.profile} was not offered`);
    }
    keys.transcript.add(m.msgType, m.body);
    return { phase: 'wait-certificate-or-request', keys, srtp };
  }

  private onCertificateRequest(
    keys: ClientHandshakeKeys,
    srtp: SrtpProfile | undefined,
    m: HandshakeMessage,
  ): ClientState13 {
    this.expectEncrypted(m, HandshakeType13.certificate_request, 'CertificateRequest');
    const cr = decodeCertificateRequest13(m.body);
    // RFC 8446 §4.3.2: the context of a request during the handshake is empty.
    if (cr.context.length !== 0)
      fail13('malformed-message', 'CertificateRequest context during the handshake');
    keys.transcript.add(m.msgType, m.body);
    return {
      phase: 'wait-certificate',
      keys,
      srtp,
      request: { context: cr.context, schemes: cr.signatureSchemes },
    };
  }

  private onCertificate(
    keys: ClientHandshakeKeys,
    srtp: SrtpProfile | undefined,
    request: { readonly context: Uint8Array; readonly schemes: readonly number[] } | undefined,
    m: HandshakeMessage,
  ): ClientState13 {
    this.expectEncrypted(m, HandshakeType13.certificate, 'Certificate');
    const cert = decodeCertificate13(m.body);
    if (cert.context.length !== 0) fail13('malformed-message', 'server Certificate with a request context');
    const peer = checkPeerCertificate13(cert, this.cfg.expectedFingerprint);
    keys.transcript.add(m.msgType, m.body);
    return { phase: 'wait-certificate-verify', keys, srtp, request, peer };
  }

  private onCertificateVerify(
    st: Extract<ClientState13, { phase: 'wait-certificate-verify' }>,
    m: HandshakeMessage,
  ): ClientState13 {
    this.expectEncrypted(m, HandshakeType13.certificate_verify, 'CertificateVerify');
    const cv = decodeCertificateVerify13(m.body);
    if (!verifyCertificateVerify(cv, st.peer.key, 'server', st.keys.transcript.current()))
      fail13(
        'bad-signature',
        `server CertificateVerify (scheme 0x${cv.scheme.toString(16)}) does not verify`,
      );
    st.keys.transcript.add(m.msgType, m.body);
    return {
      phase: 'wait-finished',
      keys: st.keys,
      srtp: st.srtp,
      request: st.request,
      peerCertificate: st.peer.der,
    };
  }

  private onFinished(
    st: Extract<ClientState13, { phase: 'wait-finished' }>,
    m: HandshakeMessage,
    now: number,
  ): ClientState13 {
    this.expectEncrypted(m, HandshakeType13.finished, 'Finished');
    const { keys } = st;
    const { schedule, transcript } = keys;
    const expected = schedule.finishedVerifyData(keys.serverSecret, transcript.current());
    if (!finishedMatches(m.body, expected)) fail13('bad-finished', 'server Finished verify_data mismatch');
    transcript.add(m.msgType, m.body);
    const serverFinishedHash = transcript.current();
    const master = schedule.masterSecret(keys.handshakeSecret);
    const [clientApp, serverApp] = schedule.applicationTrafficSecrets(master, serverFinishedHash);
    const exporterSecret = schedule.exporterMasterSecret(master, serverFinishedHash);

    const flight: OutgoingMessage13[] = [];
    const add = (type: number, body: Uint8Array) => {
      transcript.add(type, body);
      flight.push(this.message(type, body, EPOCH_HANDSHAKE));
    };
    if (st.request !== undefined) {
      const ours = this.cfg.certificate;
      const scheme = ours === undefined ? undefined : chooseScheme13(ours.privateKey, st.request.schemes);
      if (ours !== undefined && scheme === undefined)
        fail13('no-signature-scheme', 'no scheme of the server fits our key');
      add(
        HandshakeType13.certificate,
        encodeCertificate13(st.request.context, ours === undefined ? [] : ours.chain),
      );
      if (ours !== undefined && scheme !== undefined) {
        const signature = signCertificateVerify(scheme, ours.privateKey, 'client', transcript.current());
        add(HandshakeType13.certificate_verify, encodeCertificateVerify13({ scheme, signature }));
      }
    }
    add(HandshakeType13.finished, schedule.finishedVerifyData(keys.clientSecret, transcript.current()));
    // Our final flight is kept and timed until the server acknowledges it (RFC 9147 §5.8.4).
    this.sendFlight(flight, now, m.messageSeq);
    this.complete(now, {
      suite: keys.suite,
      schedule,
      group: keys.group,
      ourSecret: clientApp,
      ourEpoch: EPOCH_APPLICATION,
      peerSecret: serverApp,
      peerEpoch: EPOCH_APPLICATION,
      exporterSecret,
      srtpProfile: st.srtp,
      peerCertificate: st.peerCertificate,
    });
    return { phase: 'connected' };
  }
}
