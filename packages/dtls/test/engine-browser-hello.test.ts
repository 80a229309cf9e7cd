import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { findExtension } from '../src/extensions/extension-list.js';
import { decodeServerUseSrtp } from '../src/extensions/use-srtp.js';
import { parseHandshakeFragment } from '../src/handshake/fragment.js';
import { decodeServerHello } from '../src/handshake/messages/server-hello.js';
import { splitDatagram } from '../src/record/record-header.js';
import { serverHello13Info } from '../src/v13/messages/hello13.js';
import { splitDatagram13 } from '../src/v13/record-header.js';
import { readCapture } from './sim/captures.js';
import { drain, handshakeMessages } from './sim/craft.js';

let cert: DtlsCertificate;

before(async () => {
  cert = await generateCertificate();
});

for (const [name, profile] of [
  ['chromium', 0x0007],
  ['firefox', 0x0007],
  ['chromium-nopqc', 0x0007],
] as const) {
  test(`answers the DTLS 1.3-capable ClientHello of ${name} with a DTLS 1.2 flight 4`, () => {
    const capture = readCapture(name);
    const server = new DtlsEngine({
      role: 'server',
      certificate: cert,
      cookieExchange: false,
      maxVersion: 'DTLS 1.2',
    });
    // Each record arrived in its own datagram (the ClientHello spans two).
    for (const r of splitDatagram(capture).records) server.handleDatagram(r.bytes, 0);
    assert.equal(server.state, 'handshaking');
    const flight = drain(server);
    assert.ok(flight.every((d) => d.length <= 1200));
    const msgs = handshakeMessages(flight);
    assert.deepEqual(
      msgs.map((m) => m.msgType),
      [2, 11, 12, 13, 14],
    );
    const sh = decodeServerHello(msgs[0]!.body);
    assert.equal(sh.serverVersion, 0xfefd);
    assert.equal(sh.cipherSuite, 0xc02b);
    assert.equal(findExtension(sh.extensions, 43), undefined, 'no supported_versions in a 1.2 ServerHello');
    assert.ok(findExtension(sh.extensions, 23), 'extended master secret');
    assert.equal(decodeServerUseSrtp(findExtension(sh.extensions, 14)!).profile, profile);
    // ServerKeyExchange uses x25519 although the client's first key share was the hybrid group.
    const ske = msgs[2]!.body;
    assert.deepEqual([...ske.subarray(0, 3)], [3, 0, 29]);
  });
}

/** The ServerHello of a DTLS 1.3 flight: plaintext fragments of message type 2, reassembled. */
function serverHello13(flight: readonly Uint8Array[]): { body: Uint8Array; encryptedRecords: number } {
  let body: Uint8Array | undefined;
  let encryptedRecords = 0;
  for (const d of flight)
    for (const r of splitDatagram13(d).records) {
      if (r.kind === 'ciphertext') {
        encryptedRecords++;
        continue;
      }
      const p = parseHandshakeFragment(r.fragment, 0);
      assert.ok(p.ok && p.fragment.msgType === 2);
      body ??= new Uint8Array(p.fragment.length);
      body.set(p.fragment.body, p.fragment.fragmentOffset);
    }
  assert.ok(body);
  return { body, encryptedRecords };
}

for (const [name, group] of [
  ['chromium', 0x11ec],
  ['firefox', 0x11ec],
  ['chromium-nopqc', 29],
] as const) {
  test(`the default server answers the ClientHello of ${name} with DTLS 1.3 and group 0x${group.toString(16)}`, () => {
    const capture = readCapture(name);
    const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false });
    for (const r of splitDatagram(capture).records) server.handleDatagram(r.bytes, 0);
    assert.equal(server.state, 'handshaking');
    const flight = drain(server);
    assert.ok(flight.every((d) => d.length <= 1200));
    const { body, encryptedRecords } = serverHello13(flight);
    const sh = decodeServerHello(body);
    const info = serverHello13Info(sh);
    assert.equal(sh.serverVersion, 0xfefd, 'legacy_version');
    assert.equal(info.selectedVersion, 0xfefc);
    assert.equal(info.helloRetryRequest, false);
    assert.equal(sh.cipherSuite, 0x1301);
    assert.equal(info.keyShare?.group, group);
    assert.equal(info.keyShare?.keyExchange.length, group === 0x11ec ? 1120 : 32);
    assert.notEqual(Buffer.from(sh.random.subarray(24)).toString('latin1'), 'DOWNGRD\x01');
    // EncryptedExtensions through Finished follow under the handshake keys.
    assert.ok(encryptedRecords >= 5);
  });

  test(`the default server answers ${name} with one stateless HelloRetryRequest no larger than the hello`, () => {
    const capture = readCapture(name);
    const server = new DtlsEngine({ role: 'server', certificate: cert });
    // The second datagram first: the decision waits for the whole ClientHello.
    const records = splitDatagram(capture).records.reverse();
    for (const r of records) server.handleDatagram(r.bytes, 0);
    const out = drain(server);
    assert.equal(out.length, 1);
    assert.ok(out[0]!.length <= capture.length, 'no amplification');
    const sh = decodeServerHello(serverHello13(out).body);
    const info = serverHello13Info(sh);
    assert.equal(info.helloRetryRequest, true);
    assert.ok((info.cookie?.length ?? 0) > 32);
    assert.equal(info.selectedGroup, undefined, 'the client already shared a group we accept');
    assert.equal(server.state, 'new', 'nothing kept before the cookie returns');
  });
}
