import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { parseHandshakeFragment } from '../../src/handshake/fragment.js';
import { decodeClientHello, encodeClientHello } from '../../src/handshake/messages/client-hello.js';
import { decodeServerHello } from '../../src/handshake/messages/server-hello.js';
import { decodeAck, encodeAck, MAX_ACK_ENTRIES } from '../../src/v13/messages/ack.js';
import {
  decodeCertificateRequest13,
  encodeCertificateRequest13,
} from '../../src/v13/messages/certificate-request13.js';
import {
  certificateVerifyContent,
  chooseScheme13,
  decodeCertificateVerify13,
  encodeCertificateVerify13,
  signCertificateVerify,
  verifyCertificateVerify,
} from '../../src/v13/messages/certificate-verify13.js';
import { decodeCertificate13, encodeCertificate13 } from '../../src/v13/messages/certificate13.js';
import {
  decodeEncryptedExtensions,
  encodeEncryptedExtensions,
} from '../../src/v13/messages/encrypted-extensions.js';
import {
  decodeCookie,
  decodeServerKeyShare,
  encodeCookie,
  encodeServerKeyShare,
} from '../../src/v13/messages/extensions13.js';
import { finishedMatches } from '../../src/v13/messages/finished13.js';
import {
  buildClientHello13,
  encodeHelloRetryRequest,
  encodeServerHello13,
} from '../../src/v13/messages/hello-builders.js';
import {
  clientHello13Info,
  HELLO_RETRY_REQUEST_RANDOM,
  hasDowngradeSentinel,
  offersDtls13,
  serverHello13Info,
} from '../../src/v13/messages/hello13.js';
import { decodeKeyUpdate, encodeKeyUpdate } from '../../src/v13/messages/key-update.js';
import { splitDatagram13 } from '../../src/v13/record-header.js';
import { DecodeError } from '../../src/wire/decode-error.js';
import { FIXTURE_CERT_PEM, FIXTURE_KEY_PEM } from '../fixture-certificate.js';
import { type CapturedBrowser, readCapture } from '../sim/captures.js';

/** Parsers may throw only DecodeError on hostile bytes. */
function fuzz(name: string, decode: (b: Uint8Array) => unknown): void {
  test(`${name} decoder throws only DecodeError on arbitrary bytes`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decode(b);
        } catch (e) {
          assert.ok(e instanceof DecodeError, `${name}: ${String(e)}`);
        }
      }),
      { numRuns: 1500 },
    );
  });
}

fuzz('ACK', decodeAck);
fuzz('KeyUpdate', decodeKeyUpdate);
fuzz('Certificate (1.3)', decodeCertificate13);
fuzz('CertificateRequest (1.3)', decodeCertificateRequest13);
fuzz('CertificateVerify (1.3)', decodeCertificateVerify13);
fuzz('EncryptedExtensions', decodeEncryptedExtensions);
fuzz('cookie', decodeCookie);
fuzz('server key_share', decodeServerKeyShare);
fuzz('ClientHello (1.3 reading)', (b) => clientHello13Info(decodeClientHello(b)));
fuzz('ServerHello (1.3 reading)', (b) => serverHello13Info(decodeServerHello(b)));

/** The ClientHello body of a capture (fragments reassembled from its plaintext records). */
function capturedClientHello(browser: CapturedBrowser): Uint8Array {
  const split = splitDatagram13(readCapture(browser));
  let body: Uint8Array | undefined;
  for (const r of split.records) {
    assert.ok(r.kind === 'plaintext');
    const f = parseHandshakeFragment(r.fragment, 0);
    assert.ok(f.ok);
    body ??= new Uint8Array(f.fragment.length);
    body.set(f.fragment.body, f.fragment.fragmentOffset);
  }
  assert.ok(body);
  return body;
}

for (const [browser, pq] of [
  ['chromium', true],
  ['chromium-nopqc', false],
  ['firefox', true],
] as const) {
  test(`the captured ${browser} ClientHello offers DTLS 1.3 ${pq ? 'with an X25519MLKEM768 share' : 'with classical shares only'}`, () => {
    const hello = decodeClientHello(capturedClientHello(browser));
    assert.equal(offersDtls13(hello), true);
    const info = clientHello13Info(hello);
    assert.ok(info.supportedVersions?.includes(0xfefc));
    const hybrid = info.keyShares?.find((s) => s.group === 0x11ec);
    if (pq) assert.equal(hybrid?.keyExchange.length, 1216);
    else assert.equal(hybrid, undefined);
    assert.ok(info.keyShares?.some((s) => s.group === 29 && s.keyExchange.length === 32));
    assert.ok(info.signatureSchemes?.includes(0x0403));
    assert.ok((info.srtp?.profiles.length ?? 0) > 0);
    // Re-encoding gives the same bytes: the codec keeps the browser's order and content.
    assert.deepEqual(encodeClientHello(hello), capturedClientHello(browser));
  });
}

test('a 1.3 ClientHello round-trips with versions, groups, shares, schemes, use_srtp and cookie', () => {
  const hello = buildClientHello13({
    random: randomBytes(32),
    versions: [0xfefc, 0xfefd],
    cipherSuites: [0x1301, 0x1302, 0x1303, 0xc02b],
    supportedGroups: [0x11ec, 29, 23],
    keyShares: [
      { group: 0x11ec, keyExchange: new Uint8Array(1216).fill(1) },
      { group: 29, keyExchange: new Uint8Array(32).fill(2) },
    ],
    signatureSchemes: [0x0403, 0x0807],
    srtpProfiles: [7, 1],
    cookie: Uint8Array.of(9, 9, 9),
  });
  const decoded = decodeClientHello(encodeClientHello(hello));
  assert.equal(decoded.clientVersion, 0xfefd);
  assert.equal(decoded.sessionId.length, 0);
  assert.equal(decoded.cookie.length, 0, 'the legacy cookie field stays empty in 1.3');
  const info = clientHello13Info(decoded);
  assert.deepEqual(info.supportedVersions, [0xfefc, 0xfefd]);
  assert.deepEqual(info.supportedGroups, [0x11ec, 29, 23]);
  assert.deepEqual(
    info.keyShares?.map((s) => [s.group, s.keyExchange.length]),
    [
      [0x11ec, 1216],
      [29, 32],
    ],
  );
  assert.deepEqual(info.signatureSchemes, [0x0403, 0x0807]);
  assert.deepEqual(info.srtp?.profiles, [7, 1]);
  assert.deepEqual(info.cookie, Uint8Array.of(9, 9, 9));
  assert.equal(info.pskOffered, false);
});

test('a ClientHello with two key shares of one group is illegal_parameter (RFC 8446 §4.2.8)', () => {
  const hello = buildClientHello13({
    random: randomBytes(32),
    versions: [0xfefc],
    cipherSuites: [0x1301],
    supportedGroups: [29],
    keyShares: [
      { group: 29, keyExchange: new Uint8Array(32) },
      { group: 29, keyExchange: new Uint8Array(32) },
    ],
    signatureSchemes: [0x0403],
    srtpProfiles: [],
  });
  assert.throws(
    () => clientHello13Info(decodeClientHello(encodeClientHello(hello))),
    (e) => e instanceof DecodeError && e.alert === 47,
  );
});

test('ServerHello and HelloRetryRequest are told apart by the random and carry their key_share forms', () => {
  const random = randomBytes(32);
  const sh = serverHello13Info(
    decodeServerHello(
      encodeServerHello13(random, 0x1301, { group: 0x11ec, keyExchange: new Uint8Array(1120).fill(3) }),
    ),
  );
  assert.deepEqual(
    [
      sh.helloRetryRequest,
      sh.selectedVersion,
      sh.keyShare?.group,
      sh.keyShare?.keyExchange.length,
      sh.cookie,
    ],
    [false, 0xfefc, 0x11ec, 1120, undefined],
  );
  const hrr = decodeServerHello(encodeHelloRetryRequest(0x1302, 23, Uint8Array.of(1, 2)));
  assert.deepEqual(hrr.random, HELLO_RETRY_REQUEST_RANDOM);
  const info = serverHello13Info(hrr);
  assert.deepEqual(
    [info.helloRetryRequest, info.selectedVersion, info.selectedGroup, info.keyShare],
    [true, 0xfefc, 23, undefined],
  );
  assert.deepEqual(info.cookie, Uint8Array.of(1, 2));
  assert.equal(
    decodeServerHello(encodeHelloRetryRequest(0x1301, undefined, Uint8Array.of(5))).extensions?.length,
    2,
  );
});

test('the downgrade sentinel is the last 8 bytes "DOWNGRD\\x01" of ServerHello.random (RFC 8446 §4.1.3)', () => {
  const r = new Uint8Array(32);
  assert.equal(hasDowngradeSentinel(r), false);
  r.set([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01], 24);
  assert.equal(hasDowngradeSentinel(r), true);
  r[31] = 0;
  assert.equal(hasDowngradeSentinel(r), false, 'the TLS 1.1 sentinel is not the 1.2 one');
});

test('EncryptedExtensions, cookie, server key_share and KeyUpdate round-trip; bad values are refused', () => {
  const ee = decodeEncryptedExtensions(
    encodeEncryptedExtensions([{ type: 14, data: Uint8Array.of(0, 2, 0, 7, 0) }]),
  );
  assert.deepEqual(ee, [{ type: 14, data: Uint8Array.of(0, 2, 0, 7, 0) }]);
  assert.deepEqual(decodeCookie(encodeCookie(Uint8Array.of(1))), Uint8Array.of(1));
  assert.throws(() => decodeCookie(Uint8Array.of(0, 0)), DecodeError);
  assert.deepEqual(decodeServerKeyShare(encodeServerKeyShare({ group: 29, keyExchange: Uint8Array.of(7) })), {
    group: 29,
    keyExchange: Uint8Array.of(7),
  });
  assert.deepEqual(decodeKeyUpdate(encodeKeyUpdate(true)), { updateRequested: true });
  assert.deepEqual(decodeKeyUpdate(encodeKeyUpdate(false)), { updateRequested: false });
  assert.throws(
    () => decodeKeyUpdate(Uint8Array.of(2)),
    (e) => e instanceof DecodeError && e.alert === 47,
  );
});

test('ACK lists 16-byte record numbers (RFC 9147 §7) and round-trips', () => {
  const numbers = [
    { epoch: 0, sequenceNumber: 1 },
    { epoch: 2, sequenceNumber: 0x1_0000_0005 },
    { epoch: 3, sequenceNumber: 2 ** 48 - 1 },
  ];
  const body = encodeAck(numbers);
  assert.equal(body.length, 2 + 48);
  assert.deepEqual(decodeAck(body), numbers);
  assert.deepEqual(decodeAck(Uint8Array.of(0, 0)), []);
  assert.throws(() => decodeAck(Uint8Array.of(0, 3, 1, 2, 3)), DecodeError);
  assert.ok(MAX_ACK_ENTRIES * 16 + 2 < 600);
});

test('Certificate (1.3 form) carries a context and entries with extensions', () => {
  const der = new Uint8Array(createPublicKey(FIXTURE_CERT_PEM).export({ format: 'der', type: 'spki' }));
  const body = encodeCertificate13(new Uint8Array(0), [der, Uint8Array.of(1, 2, 3)]);
  const c = decodeCertificate13(body);
  assert.equal(c.context.length, 0);
  assert.deepEqual(
    c.entries.map((e) => [e.certData.length, e.extensions.length]),
    [
      [der.length, 0],
      [3, 0],
    ],
  );
  assert.deepEqual(decodeCertificate13(encodeCertificate13(Uint8Array.of(4), [])), {
    context: Uint8Array.of(4),
    entries: [],
  });
});

test('CertificateRequest (1.3 form) requires signature_algorithms and is sent without certificate_authorities', () => {
  const body = encodeCertificateRequest13([0x0403, 0x0804]);
  const cr = decodeCertificateRequest13(body);
  assert.deepEqual(cr.signatureSchemes, [0x0403, 0x0804]);
  assert.equal(cr.context.length, 0);
  assert.deepEqual(
    cr.extensions.map((e) => e.type),
    [13],
  );
  // No extensions at all: missing_extension.
  assert.throws(
    () => decodeCertificateRequest13(Uint8Array.of(0, 0, 0)),
    (e) => e instanceof DecodeError && e.alert === 109,
  );
  // An empty certificate_authorities list is malformed.
  const withEmptyCa = Uint8Array.of(0, 0, 14, 0, 13, 0, 4, 0, 2, 4, 3, 0, 47, 0, 2, 0, 0);
  assert.throws(() => decodeCertificateRequest13(withEmptyCa), DecodeError);
});

test('CertificateVerify signs "TLS 1.3, <role> CertificateVerify" content with each scheme and refuses mismatches', () => {
  const hash = randomBytes(32);
  const content = certificateVerifyContent('server', hash);
  assert.equal(content.length, 64 + 33 + 1 + 32);
  assert.equal(Buffer.from(content.subarray(64, 97)).toString('latin1'), 'TLS 1.3, server CertificateVerify');
  assert.equal(content[97], 0);
  const p256 = createPrivateKey(FIXTURE_KEY_PEM);
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  for (const [key, scheme] of [
    [p256, 0x0403],
    [p384, 0x0503],
    [ed, 0x0807],
    [rsa, 0x0804],
  ] as const) {
    assert.equal(chooseScheme13(key, [0x0403, 0x0503, 0x0804, 0x0807]), scheme);
    const sig = signCertificateVerify(scheme, key, 'client', hash);
    const cv = decodeCertificateVerify13(encodeCertificateVerify13({ scheme, signature: sig }));
    const pub = createPublicKey(key);
    assert.equal(verifyCertificateVerify(cv, pub, 'client', hash), true, `scheme ${scheme}`);
    assert.equal(verifyCertificateVerify(cv, pub, 'server', hash), false, 'the role is signed');
    const other = Uint8Array.from(hash);
    other[0]! ^= 1;
    assert.equal(verifyCertificateVerify(cv, pub, 'client', other), false, 'the transcript is signed');
  }
  // A P-256 key may not sign with the P-384 scheme in 1.3, and PKCS#1 v1.5 is refused.
  assert.equal(chooseScheme13(p256, [0x0503]), undefined);
  assert.throws(() => signCertificateVerify(0x0503, p256, 'server', hash), TypeError);
  assert.equal(
    verifyCertificateVerify(
      { scheme: 0x0401, signature: new Uint8Array(256) },
      createPublicKey(rsa),
      'server',
      hash,
    ),
    false,
  );
});

test('Finished verify_data is compared in full', () => {
  const v = randomBytes(32);
  assert.equal(finishedMatches(v, Uint8Array.from(v)), true);
  assert.equal(finishedMatches(v.subarray(0, 31), v), false);
  const w = Uint8Array.from(v);
  w[31]! ^= 1;
  assert.equal(finishedMatches(w, v), false);
});
