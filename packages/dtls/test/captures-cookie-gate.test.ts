import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { verifyWithScheme } from '../src/crypto/signature.js';
import { DtlsCookieGate, DtlsEngine } from '../src/engine.js';
import { encodeHandshakeFragment, parseHandshakeFragment } from '../src/handshake/fragment.js';
import { decodeClientHello, encodeClientHello } from '../src/handshake/messages/client-hello.js';
import { decodeHelloVerifyRequest } from '../src/handshake/messages/hello-verify-request.js';
import { decodeServerHello } from '../src/handshake/messages/server-hello.js';
import {
  decodeServerKeyExchange,
  serverKeyExchangeSignedData,
} from '../src/handshake/messages/server-key-exchange.js';
import { ContentType, HandshakeType, ProtocolVersion } from '../src/handshake/types.js';
import { encodeRecord, type RawRecord, splitDatagram } from '../src/record/record-header.js';
import { readCapture } from './sim/captures.js';
import { handshakeMessages } from './sim/craft.js';
import { Prng } from './sim/prng.js';

/**
 * A browser's captured first flight replayed through the stateless DtlsCookieGate in front of a
 * server engine, the way the node adapter runs a server socket with the cookie exchange on
 * (RFC 6347 §4.2.1): the gate answers the cookieless ClientHello with one HelloVerifyRequest and
 * keeps nothing; the browser's second ClientHello (the same one with the cookie, message_seq 1,
 * fragmented as captured) creates the engine, which answers with flight 4 numbered from 1
 * (RFC 6347 §4.2.2).
 */

const BROWSERS = ['chromium', 'firefox', 'chromium-nopqc'] as const;
const PEER = '198.51.100.7:50000';

let cert: DtlsCertificate;
before(async () => {
  cert = await generateCertificate();
});

/** The capture's records, each as the datagram it arrived in. */
function capturedRecords(capture: Uint8Array): RawRecord[] {
  return splitDatagram(capture).records;
}

/**
 * The browser's flight 3: its ClientHello again with `cookie`, message_seq 1, cut at the same
 * fragment boundaries as the capture (the first fragment grows by the cookie), record numbers
 * continuing after flight 1, record version as captured.
 */
function flightWithCookie(records: readonly RawRecord[], cookie: Uint8Array): Uint8Array[] {
  const fragments = records.map((r) => {
    const p = parseHandshakeFragment(r.fragment, 0);
    assert.ok(p.ok && p.next === r.fragment.length, 'one ClientHello fragment per record');
    return p.fragment;
  });
  const whole = new Uint8Array(fragments[0]!.length);
  for (const f of fragments) whole.set(f.body, f.fragmentOffset);
  const body = encodeClientHello({ ...decodeClientHello(whole), cookie });
  const grow = body.length - whole.length;
  return fragments.map((f, i) => {
    const offset = i === 0 ? 0 : f.fragmentOffset + grow;
    const length = i === 0 ? f.fragmentLength + grow : f.fragmentLength;
    const fragment = encodeHandshakeFragment(HandshakeType.client_hello, 1, body, offset, length);
    const r = records[i]!;
    return encodeRecord(ContentType.handshake, r.version, 0, r.sequenceNumber + records.length, fragment);
  });
}

for (const browser of BROWSERS) {
  test(`${browser}: the captured flight passes the stateless cookie gate and the engine answers flight 4`, () => {
    const capture = readCapture(browser);
    const records = capturedRecords(capture);
    const secret = new Prng(21).bytes(32);
    const gate = new DtlsCookieGate({ rng: () => secret });

    // Flight 1: the first record gets one HelloVerifyRequest, no larger than what came in; any
    // later record of the same ClientHello is only routed (no engine exists, so it is dropped).
    const v1 = gate.check(records[0]!.bytes, PEER, 0);
    assert.equal(v1.kind, 'reply');
    if (v1.kind !== 'reply') return;
    assert.ok(v1.datagram.length <= records[0]!.bytes.length, 'no amplification');
    for (const r of records.slice(1))
      assert.deepEqual(gate.check(r.bytes, PEER, 0), { kind: 'accept', clientHello: false });
    // Stateless: the same input gets the same answer, and the reply reuses the ClientHello's
    // record number (RFC 6347 §4.2.1), so the gate has nothing to remember.
    assert.deepEqual(gate.check(records[0]!.bytes, PEER, 0), v1);
    const [hvrRecord] = splitDatagram(v1.datagram).records;
    assert.equal(hvrRecord!.sequenceNumber, records[0]!.sequenceNumber);
    const [hvr] = handshakeMessages([v1.datagram]);
    assert.equal(hvr!.msgType, HandshakeType.hello_verify_request);
    const { cookie, serverVersion } = decodeHelloVerifyRequest(hvr!.body);
    assert.equal(serverVersion, ProtocolVersion.DTLS1_0);

    // Flight 3. A second gate holding the same secret accepts it too: the cookie alone proves it.
    const flight3 = flightWithCookie(records, cookie);
    assert.deepEqual(gate.check(flight3[0]!, PEER, 5), { kind: 'accept', clientHello: true });
    assert.deepEqual(new DtlsCookieGate({ rng: () => secret }).check(flight3[0]!, PEER, 5), {
      kind: 'accept',
      clientHello: true,
    });
    assert.equal(gate.check(flight3[0]!, '198.51.100.8:50000', 5).kind, 'reply', 'bound to the address');

    const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false });
    for (const d of flight3) {
      const v = gate.check(d, PEER, 5);
      assert.equal(v.kind, 'accept');
      server.handleDatagram(d, 5);
    }
    const out: Uint8Array[] = [];
    for (let d = server.pollTransmit(); d !== undefined; d = server.pollTransmit()) out.push(d);
    assert.equal(server.state, 'handshaking');
    const flight4 = handshakeMessages(out);
    assert.deepEqual(
      flight4.map((m) => [m.msgType, m.messageSeq]),
      [
        [HandshakeType.server_hello, 1],
        [HandshakeType.certificate, 2],
        [HandshakeType.server_key_exchange, 3],
        [HandshakeType.certificate_request, 4],
        [HandshakeType.server_hello_done, 5],
      ],
    );
    // Record numbers continue above the reused one, so the browser's replay window keeps them.
    for (const d of out)
      for (const r of splitDatagram(d).records) assert.ok(r.sequenceNumber > records[0]!.sequenceNumber);
    const sh = decodeServerHello(flight4[0]!.body);
    assert.equal(sh.serverVersion, ProtocolVersion.DTLS1_2);
    const ske = decodeServerKeyExchange(flight4[2]!.body, 'ECDHE_ECDSA');
    assert.ok(ske.kind === 'ecdhe');
    // Signed over the browser's own random from the capture (RFC 8422 §5.4).
    const firstFragment = parseHandshakeFragment(records[0]!.fragment, 0);
    assert.ok(firstFragment.ok);
    const browserRandom = firstFragment.fragment.body.subarray(2, 34);
    const signed = serverKeyExchangeSignedData(browserRandom, sh.random, ske.params);
    assert.ok(verifyWithScheme(ske.signature.scheme, cert.publicKey, signed, ske.signature.signature));
  });
}
