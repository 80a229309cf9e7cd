import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { findExtension } from '../src/extensions/extension-list.js';
import { decodeServerUseSrtp } from '../src/extensions/use-srtp.js';
import { decodeServerHello } from '../src/handshake/messages/server-hello.js';
import { splitDatagram } from '../src/record/record-header.js';
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
    const server = new DtlsEngine({ role: 'server', certificate: cert, cookieExchange: false });
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
