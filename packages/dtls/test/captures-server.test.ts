import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { verifyWithScheme } from '../src/crypto/signature.js';
import { DtlsEngine } from '../src/engine.js';
import { parseHandshakeFragment } from '../src/handshake/fragment.js';
import { decodeCertificate } from '../src/handshake/messages/certificate.js';
import { type ClientHello, decodeClientHello } from '../src/handshake/messages/client-hello.js';
import { decodeHelloVerifyRequest } from '../src/handshake/messages/hello-verify-request.js';
import { decodeServerHello } from '../src/handshake/messages/server-hello.js';
import { serverHelloInfo } from '../src/handshake/messages/server-hello-info.js';
import {
  decodeServerKeyExchange,
  serverKeyExchangeSignedData,
} from '../src/handshake/messages/server-key-exchange.js';
import { ContentType, HandshakeType, ProtocolVersion } from '../src/handshake/types.js';
import { type RawRecord, splitDatagram } from '../src/record/record-header.js';
import { readCapture } from './sim/captures.js';

/**
 * The captured first flights of Chromium and Firefox (DTLS 1.3-capable
 * ClientHellos, record version 0xfeff, extensions in random order, the PQ
 * one spanning two datagrams) fed to a server engine with the cookie
 * exchange off, by a server pinned to DTLS 1.2 (maxVersion; the default server answers them with
 * DTLS 1.3, see v13/captures-server13.test.ts): each must be answered with a DTLS 1.2 flight 4 whose
 * ServerHello chooses an ECDSA suite and an SRTP profile by the server's own
 * preference, and whose ServerKeyExchange signature verifies over the
 * browser's random.
 */

const BROWSERS = ['chromium', 'firefox', 'chromium-nopqc'] as const;

/** Complete handshake messages (in order of message_seq) found in plaintext epoch-0 records. */
function handshakeMessages(
  records: readonly RawRecord[],
): Map<number, { msgType: number; body: Uint8Array }> {
  const out = new Map<number, { msgType: number; body: Uint8Array; covered: number }>();
  for (const rec of records) {
    if (rec.contentType !== ContentType.handshake || rec.epoch !== 0) continue;
    let off = 0;
    while (off < rec.fragment.length) {
      const parsed = parseHandshakeFragment(rec.fragment, off);
      assert.ok(parsed.ok, 'well-formed handshake fragment');
      const f = parsed.fragment;
      let m = out.get(f.messageSeq);
      if (m === undefined) {
        m = { msgType: f.msgType, body: new Uint8Array(f.length), covered: 0 };
        out.set(f.messageSeq, m);
      }
      m.body.set(f.body, f.fragmentOffset);
      // Our server sends each fragment once, in order, so summing lengths measures coverage here.
      m.covered += f.fragmentLength;
      off = parsed.next;
    }
  }
  for (const [seq, m] of out) assert.equal(m.covered, m.body.length, `message_seq ${seq} complete`);
  return out;
}

function drain(engine: DtlsEngine): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = engine.pollTransmit(); d !== undefined; d = engine.pollTransmit()) out.push(d);
  return out;
}

/** The browser's ClientHello as decoded from its capture (for its random and its offers). */
function capturedClientHello(capture: Uint8Array): ClientHello {
  const messages = handshakeMessages(splitDatagram(capture).records);
  return decodeClientHello(messages.get(0)!.body);
}

/** Feeds a capture record by record (each record arrived in its own datagram) and returns the answer. */
function answer(server: DtlsEngine, capture: Uint8Array, order: 'as-captured' | 'reversed' = 'as-captured') {
  const records = splitDatagram(capture).records;
  const ordered = order === 'reversed' ? [...records].reverse() : records;
  for (const r of ordered) server.handleDatagram(r.bytes, 0);
  const datagrams = drain(server);
  const records2 = datagrams.flatMap((d) => splitDatagram(d).records);
  return { datagrams, records: records2, messages: handshakeMessages(records2) };
}

const ECDSA_SUITES = [0xc02b, 0xc02c, 0xcca9];

let cert: DtlsCertificate;
before(async () => {
  cert = await generateCertificate();
});

for (const browser of BROWSERS) {
  test(`${browser}: answered with a DTLS 1.2 ServerHello choosing an ECDSA suite and an SRTP profile`, () => {
    const capture = readCapture(browser);
    const hello = capturedClientHello(capture);
    const server = new DtlsEngine({
      role: 'server',
      certificate: cert,
      cookieExchange: false,
      maxVersion: 'DTLS 1.2',
    });
    const { datagrams, records, messages } = answer(server, capture);

    assert.ok(datagrams.length > 0, 'the server answered');
    assert.ok(
      datagrams.every((d) => d.length <= 1200),
      'within the default MTU',
    );
    for (const r of records) assert.equal(r.version, ProtocolVersion.DTLS1_2, 'records carry DTLS 1.2');
    assert.deepEqual([...messages.values()].map((m) => m.msgType).slice(0, 3), [
      HandshakeType.server_hello,
      HandshakeType.certificate,
      HandshakeType.server_key_exchange,
    ]);
    assert.equal([...messages.values()].at(-1)?.msgType, HandshakeType.server_hello_done);

    const sh = decodeServerHello(messages.get(0)!.body);
    assert.equal(sh.serverVersion, ProtocolVersion.DTLS1_2);
    assert.ok(ECDSA_SUITES.includes(sh.cipherSuite), `ECDSA suite, got 0x${sh.cipherSuite.toString(16)}`);
    assert.ok(hello.cipherSuites.includes(sh.cipherSuite), 'a suite the browser offered');
    assert.equal(sh.compressionMethod, 0);

    // Only extensions the browser offered (RFC 5246 §7.4.1.4), one SRTP profile, MKI echoed.
    const offered = (hello.extensions ?? []).map((e) => e.type);
    const info = serverHelloInfo(sh, offered);
    assert.ok(info.srtp !== undefined, 'use_srtp answered');
    assert.equal(info.srtp.mki.length, 0);
    assert.equal(info.extendedMasterSecret, true);
    assert.equal(info.renegotiatedConnection?.length, 0, 'empty renegotiation_info (RFC 5746 §3.6)');

    const certificate = decodeCertificate(messages.get(1)!.body);
    assert.deepEqual(certificate.certificateList[0], cert.der);

    // The signature covers the browser's random, our random and the params as sent (RFC 8422 §5.4).
    const ske = decodeServerKeyExchange(messages.get(2)!.body, 'ECDHE_ECDSA');
    assert.equal(ske.kind, 'ecdhe');
    if (ske.kind !== 'ecdhe') return;
    const signed = serverKeyExchangeSignedData(hello.random, sh.random, ske.params);
    assert.ok(verifyWithScheme(ske.signature.scheme, cert.publicKey, signed, ske.signature.signature));
    const other = serverKeyExchangeSignedData(new Uint8Array(32), sh.random, ske.params);
    assert.ok(!verifyWithScheme(ske.signature.scheme, cert.publicKey, other, ske.signature.signature));
  });

  test(`${browser}: the server picks the suite and SRTP profile by its own preference order`, () => {
    const capture = readCapture(browser);
    const server = new DtlsEngine({
      role: 'server',
      certificate: cert,
      cookieExchange: false,
      maxVersion: 'DTLS 1.2',
      cipherSuites: [
        'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
        'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      ],
      srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM'],
    });
    const { messages } = answer(server, capture);
    const sh = decodeServerHello(messages.get(0)!.body);
    assert.equal(sh.cipherSuite, 0xcca9);
    const info = serverHelloInfo(
      sh,
      (capturedClientHello(capture).extensions ?? []).map((e) => e.type),
    );
    assert.equal(info.srtp?.profile, 0x0001);
  });

  test(`${browser}: with the cookie exchange on, only one small HelloVerifyRequest goes back`, () => {
    const capture = readCapture(browser);
    const server = new DtlsEngine({ role: 'server', certificate: cert, maxVersion: 'DTLS 1.2' });
    const { datagrams, messages } = answer(server, capture);
    assert.equal(datagrams.length, 1);
    assert.ok(datagrams[0]!.length <= capture.length, 'no amplification');
    assert.equal(messages.size, 1);
    const [hvrMessage] = messages.values();
    assert.equal(hvrMessage!.msgType, HandshakeType.hello_verify_request);
    const hvr = decodeHelloVerifyRequest(hvrMessage!.body);
    assert.ok(hvr.cookie.length > 0 && hvr.cookie.length <= 32);
  });
}

test('chromium: a ClientHello whose second datagram arrives first is answered the same way', () => {
  const capture = readCapture('chromium');
  assert.ok(splitDatagram(capture).records.length >= 2, 'the capture spans several records');
  const server = new DtlsEngine({
    role: 'server',
    certificate: cert,
    cookieExchange: false,
    maxVersion: 'DTLS 1.2',
  });
  const { messages } = answer(server, capture, 'reversed');
  const sh = decodeServerHello(messages.get(0)!.body);
  assert.equal(sh.serverVersion, ProtocolVersion.DTLS1_2);
  assert.ok(ECDSA_SUITES.includes(sh.cipherSuite));
});
