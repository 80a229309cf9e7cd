import assert from 'node:assert/strict';
import test from 'node:test';
import { findExtension } from '../src/extensions/extension-list.js';
import { decodeClientKeyShares } from '../src/extensions/key-share.js';
import { decodeClientSupportedVersions } from '../src/extensions/supported-versions.js';
import { decodeClientHello, encodeClientHello } from '../src/handshake/messages/client-hello.js';
import { clientHelloInfo } from '../src/handshake/messages/client-hello-info.js';
import { ExtensionType, HandshakeType, NamedGroup, ProtocolVersion } from '../src/handshake/types.js';
import { type CapturedBrowser, readCapture } from './sim/captures.js';

/**
 * Walks the DTLS records of a captured first flight (RFC 6347 §4.1: type,
 * version, epoch(2), sequence_number(6), length(2)) and reassembles the
 * ClientHello from its handshake fragments (RFC 6347 §4.2.2 header) by byte
 * coverage. Kept deliberately small and local so this test checks the
 * message codecs, not the engine's reassembler.
 */
function reassembleClientHello(capture: Uint8Array): {
  body: Uint8Array;
  records: number;
  fragments: number;
} {
  let body: Uint8Array | undefined;
  let covered: Uint8Array | undefined;
  let records = 0;
  let fragments = 0;
  let pos = 0;
  while (pos < capture.length) {
    assert.ok(capture.length - pos >= 13, 'record header fits');
    const type = capture[pos]!;
    const epoch = (capture[pos + 3]! << 8) | capture[pos + 4]!;
    const length = (capture[pos + 11]! << 8) | capture[pos + 12]!;
    const fragment = capture.subarray(pos + 13, pos + 13 + length);
    assert.equal(fragment.length, length, 'record body fits');
    pos += 13 + length;
    records++;
    assert.equal(type, 22, 'handshake record');
    assert.equal(epoch, 0, 'first flight is in epoch 0');
    let off = 0;
    while (off < fragment.length) {
      const h = fragment.subarray(off, off + 12);
      assert.equal(h.length, 12, 'handshake header fits');
      const msgType = h[0]!;
      const total = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
      const messageSeq = (h[4]! << 8) | h[5]!;
      const fragOffset = (h[6]! << 16) | (h[7]! << 8) | h[8]!;
      const fragLength = (h[9]! << 16) | (h[10]! << 8) | h[11]!;
      assert.equal(msgType, HandshakeType.client_hello);
      assert.equal(messageSeq, 0, 'first ClientHello has message_seq 0');
      assert.ok(fragOffset + fragLength <= total, 'fragment inside its message');
      body ??= new Uint8Array(total);
      covered ??= new Uint8Array(total);
      assert.equal(body.length, total, 'every fragment states the same length');
      const data = fragment.subarray(off + 12, off + 12 + fragLength);
      assert.equal(data.length, fragLength, 'fragment body fits its record');
      body.set(data, fragOffset);
      covered.fill(1, fragOffset, fragOffset + fragLength);
      off += 12 + fragLength;
      fragments++;
    }
  }
  assert.ok(body !== undefined && covered !== undefined, 'capture holds a ClientHello');
  assert.ok(
    covered.every((c) => c === 1),
    'fragments cover the whole ClientHello',
  );
  return { body, records, fragments };
}

function load(name: CapturedBrowser) {
  const capture = readCapture(name);
  const { body, records, fragments } = reassembleClientHello(capture);
  const hello = decodeClientHello(body);
  return { body, records, fragments, hello, info: clientHelloInfo(hello) };
}

const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
const SRTP_AES128_CM_HMAC_SHA1_32 = 0x0002;
const SRTP_AEAD_AES_128_GCM = 0x0007;
const SRTP_AEAD_AES_256_GCM = 0x0008;

/** use_srtp profiles per browser, in the order INTEROP.md records them (which is the order offered). */
const expectedSrtp: Record<string, number[]> = {
  chromium: [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_256_GCM, SRTP_AEAD_AES_128_GCM],
  'chromium-nopqc': [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_256_GCM, SRTP_AEAD_AES_128_GCM],
  firefox: [
    SRTP_AEAD_AES_128_GCM,
    SRTP_AEAD_AES_256_GCM,
    SRTP_AES128_CM_HMAC_SHA1_80,
    SRTP_AES128_CM_HMAC_SHA1_32,
  ],
};

for (const browser of ['chromium', 'firefox', 'chromium-nopqc'] as const) {
  test(`${browser}: the captured ClientHello decodes and re-encodes to the same bytes`, () => {
    const { body, hello } = load(browser);
    assert.equal(hello.clientVersion, ProtocolVersion.DTLS1_2, 'legacy client_version is DTLS 1.2');
    assert.equal(hello.cookie.length, 0, 'first ClientHello carries no cookie');
    assert.deepEqual(encodeClientHello(hello), body);
  });

  test(`${browser}: offers ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and null compression`, () => {
    const { info } = load(browser);
    assert.ok(info.cipherSuites.includes(0xc02b));
    assert.ok(info.nullCompressionOffered);
  });

  test(`${browser}: use_srtp offers the profiles recorded in INTEROP.md, no MKI`, () => {
    const { info } = load(browser);
    assert.ok(info.srtp !== undefined, 'use_srtp present');
    assert.deepEqual(info.srtp.profiles, expectedSrtp[browser]);
    assert.equal(info.srtp.mki.length, 0);
  });

  test(`${browser}: offers DTLS 1.3 and 1.2 through supported_versions`, () => {
    const { hello, info } = load(browser);
    const versions = decodeClientSupportedVersions(
      findExtension(hello.extensions, ExtensionType.supported_versions)!,
    );
    assert.ok(versions.includes(ProtocolVersion.DTLS1_3));
    assert.ok(versions.includes(ProtocolVersion.DTLS1_2));
    assert.equal(info.offersDtls13, true);
  });

  test(`${browser}: sends extended_master_secret, secure renegotiation, uncompressed points, P-256`, () => {
    const { info } = load(browser);
    assert.equal(info.extendedMasterSecret, true);
    assert.equal(info.secureRenegotiation, true);
    assert.equal(
      info.renegotiatedConnection?.length ?? 0,
      0,
      'initial handshake: empty renegotiated_connection',
    );
    assert.ok(info.supportedGroups?.includes(NamedGroup.secp256r1));
    assert.ok(info.supportedGroups?.includes(NamedGroup.x25519));
    assert.ok(info.signatureSchemes?.includes(0x0403), 'ecdsa_secp256r1_sha256 offered');
  });
}

test('chromium: sends its ClientHello in several fragments with an X25519MLKEM768 key share', () => {
  const { fragments, hello, info } = load('chromium');
  assert.ok(fragments >= 2, 'PQ ClientHello is fragmented');
  assert.ok(info.keyShareGroups.includes(NamedGroup.X25519MLKEM768));
  assert.ok(info.keyShareGroups.includes(NamedGroup.x25519));
  const shares = decodeClientKeyShares(findExtension(hello.extensions, ExtensionType.key_share)!);
  const hybrid = shares.find((s) => s.group === NamedGroup.X25519MLKEM768)!;
  // draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 encapsulation key (1184) followed by the X25519 share (32).
  assert.equal(hybrid.keyExchange.length, 1184 + 32);
});

test('chromium-nopqc: key_share without X25519MLKEM768 but with x25519', () => {
  const { info } = load('chromium-nopqc');
  assert.ok(info.keyShareGroups.length > 0, 'key_share present');
  assert.ok(!info.keyShareGroups.includes(NamedGroup.X25519MLKEM768));
  assert.ok(info.keyShareGroups.includes(NamedGroup.x25519));
});

test('firefox: offers ALPN webrtc and c-webrtc and a record_size_limit', () => {
  const { info } = load('firefox');
  const names = info.alpn?.map((n) => Buffer.from(n).toString('latin1'));
  assert.deepEqual(names, ['webrtc', 'c-webrtc']);
  assert.ok(info.recordSizeLimit !== undefined && info.recordSizeLimit >= 64);
  assert.ok(info.supportedVersions?.includes(ProtocolVersion.TLS1_2), 'firefox also lists 0x0303');
});
