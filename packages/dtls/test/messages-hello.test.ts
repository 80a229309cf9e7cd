import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { encodeExtendedMasterSecret } from '../src/extensions/extended-master-secret.js';
import { encodeRenegotiationInfo } from '../src/extensions/renegotiation-info.js';
import { encodeClientSupportedVersions } from '../src/extensions/supported-versions.js';
import { encodeUseSrtp } from '../src/extensions/use-srtp.js';
import {
  type ClientHello,
  clientHelloCookieParams,
  decodeClientHello,
  encodeClientHello,
} from '../src/handshake/messages/client-hello.js';
import { clientHelloInfo } from '../src/handshake/messages/client-hello-info.js';
import { clientHelloExtensions, serverHelloExtensions } from '../src/handshake/messages/hello-extensions.js';
import {
  decodeHelloVerifyRequest,
  encodeHelloVerifyRequest,
} from '../src/handshake/messages/hello-verify-request.js';
import {
  decodeServerHello,
  encodeServerHello,
  type ServerHello,
} from '../src/handshake/messages/server-hello.js';
import { serverHelloInfo } from '../src/handshake/messages/server-hello-info.js';
import { ExtensionType, ProtocolVersion } from '../src/handshake/types.js';
import { DecodeError } from '../src/wire/decode-error.js';
import { bytes, optionalExtensions, random32, u8, u16 } from './handshake-arbitraries.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const clientHelloArb: fc.Arbitrary<ClientHello> = fc.record(
  {
    clientVersion: u16,
    random: random32,
    sessionId: bytes(0, 32),
    cookie: bytes(0, 255),
    cipherSuites: fc.array(u16, { minLength: 1, maxLength: 40 }),
    compressionMethods: bytes(1, 4),
    extensions: optionalExtensions,
  },
  { noNullPrototype: true },
);

const serverHelloArb: fc.Arbitrary<ServerHello> = fc.record(
  {
    serverVersion: u16,
    random: random32,
    sessionId: bytes(0, 32),
    cipherSuite: u16,
    compressionMethod: u8,
    extensions: optionalExtensions,
  },
  { noNullPrototype: true },
);

const R = new Uint8Array(32).fill(0xaa);

/** A DTLS 1.2 ClientHello as a browser would shape it (values chosen by hand, layout per RFC 6347 §4.2.1). */
const sampleHello: ClientHello = {
  clientVersion: ProtocolVersion.DTLS1_2,
  random: R,
  sessionId: new Uint8Array(0),
  cookie: hex('c0ffee'),
  cipherSuites: [0xc02b, 0xc02f],
  compressionMethods: Uint8Array.of(0),
  extensions: [
    { type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() },
    { type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: [7, 1], mki: new Uint8Array(0) }) },
  ],
};

test('ClientHello encodes to the RFC 6347 §4.2.1 layout', () => {
  const expected = hex(
    `fefd ${'aa'.repeat(32)} 00 03c0ffee 0004c02bc02f 0100
     000f 0017 0000 000e 0007 0004 0007 0001 00`,
  );
  assert.deepEqual(encodeClientHello(sampleHello), expected);
  assert.deepEqual(decodeClientHello(expected), sampleHello);
});

test('ClientHello round-trips any well-formed value, with and without an extensions block', () => {
  fc.assert(
    fc.property(clientHelloArb, (hello) => {
      const wire = encodeClientHello(hello);
      assert.deepEqual(decodeClientHello(wire), hello);
    }),
  );
});

test('ClientHello without an extensions block decodes with extensions undefined, an empty block with []', () => {
  const base = hex(`fefd ${'aa'.repeat(32)} 00 00 0002c02b 0100`);
  assert.equal(decodeClientHello(base).extensions, undefined);
  const withEmpty = Uint8Array.from([...base, 0, 0]);
  assert.deepEqual(decodeClientHello(withEmpty).extensions, []);
});

test('ClientHello decode keeps views into the received bytes', () => {
  const wire = encodeClientHello(sampleHello);
  const hello = decodeClientHello(wire);
  assert.equal(hello.random.buffer, wire.buffer);
  assert.equal(hello.cookie.buffer, wire.buffer);
});

test('ClientHello rejects a session_id over 32 bytes, odd or empty cipher_suites, no compression, trailing bytes', () => {
  const head = `fefd ${'aa'.repeat(32)}`;
  assert.throws(() => decodeClientHello(hex(`${head} 21 ${'00'.repeat(33)} 00 0002c02b 0100`)), DecodeError);
  assert.throws(() => decodeClientHello(hex(`${head} 00 00 0003c02b00 0100`)), DecodeError);
  assert.throws(() => decodeClientHello(hex(`${head} 00 00 0000 0100`)), DecodeError);
  assert.throws(() => decodeClientHello(hex(`${head} 00 00 0002c02b 00`)), DecodeError);
  assert.throws(() => decodeClientHello(hex(`${head} 00 00 0002c02b 0100 0000 ff`)), DecodeError);
  assert.throws(() => decodeClientHello(hex(`${head} 00 00 0002c02b 0100 00`)), DecodeError);
});

test('cookie params cover version, random, session_id, suites and compression, not cookie or extensions', () => {
  const params = clientHelloCookieParams(sampleHello);
  assert.deepEqual(params, hex(`fefd ${'aa'.repeat(32)} 00 0004c02bc02f 0100`));
  const reordered: ClientHello = {
    ...sampleHello,
    cookie: hex('01020304'),
    extensions: [...(sampleHello.extensions ?? [])].reverse(),
  };
  assert.deepEqual(clientHelloCookieParams(reordered), params);
  assert.notDeepEqual(clientHelloCookieParams({ ...sampleHello, random: new Uint8Array(32) }), params);
  assert.notDeepEqual(clientHelloCookieParams({ ...sampleHello, cipherSuites: [0xc02b] }), params);
});

test('ClientHello encoder names the bad field when given an invalid structure', () => {
  assert.throws(() => encodeClientHello({ ...sampleHello, random: new Uint8Array(31) }), /random/);
  assert.throws(() => encodeClientHello({ ...sampleHello, cipherSuites: [] }), /cipherSuites/);
  assert.throws(() => encodeClientHello({ ...sampleHello, cipherSuites: [0x10000] }), /cipherSuites/);
  assert.throws(() => encodeClientHello({ ...sampleHello, sessionId: new Uint8Array(33) }), /sessionId/);
});

test('ServerHello encodes the RFC 5246 §7.4.1.3 layout and round-trips', () => {
  const sh: ServerHello = {
    serverVersion: ProtocolVersion.DTLS1_2,
    random: R,
    sessionId: new Uint8Array(0),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [{ type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() }],
  };
  const wire = hex(`fefd ${'aa'.repeat(32)} 00 c02b 00 0005 ff01 0001 00`);
  assert.deepEqual(encodeServerHello(sh), wire);
  assert.deepEqual(decodeServerHello(wire), sh);
  fc.assert(
    fc.property(serverHelloArb, (v) => {
      assert.deepEqual(decodeServerHello(encodeServerHello(v)), v);
    }),
  );
});

test('ServerHello rejects truncation and trailing bytes', () => {
  const wire = hex(`fefd ${'aa'.repeat(32)} 00 c02b 00`);
  assert.equal(decodeServerHello(wire).extensions, undefined);
  assert.throws(() => decodeServerHello(wire.subarray(0, wire.length - 1)), DecodeError);
  assert.throws(() => decodeServerHello(Uint8Array.from([...wire, 0])), DecodeError);
});

test('HelloVerifyRequest encodes version then cookie<0..255> and round-trips', () => {
  assert.deepEqual(
    encodeHelloVerifyRequest({ serverVersion: ProtocolVersion.DTLS1_0, cookie: hex('0102') }),
    hex('feff 02 0102'),
  );
  fc.assert(
    fc.property(u16, bytes(0, 255), (serverVersion, cookie) => {
      const hvr = { serverVersion, cookie };
      assert.deepEqual(decodeHelloVerifyRequest(encodeHelloVerifyRequest(hvr)), hvr);
    }),
  );
  assert.throws(() => decodeHelloVerifyRequest(hex('feff 03 0102')), DecodeError);
  assert.throws(() => decodeHelloVerifyRequest(hex('feff 01 01 00')), DecodeError);
  assert.throws(
    () => encodeHelloVerifyRequest({ serverVersion: 0xfeff, cookie: new Uint8Array(256) }),
    /cookie/,
  );
});

test('clientHelloInfo reads the extensions a 1.2 server acts on', () => {
  const hello: ClientHello = {
    ...sampleHello,
    cipherSuites: [0xc02b, 0x00ff],
    extensions: [
      ...(sampleHello.extensions ?? []),
      { type: ExtensionType.supported_versions, data: encodeClientSupportedVersions([0xfefc, 0xfefd]) },
    ],
  };
  const info = clientHelloInfo(hello);
  assert.equal(info.extendedMasterSecret, true);
  assert.deepEqual(info.srtp?.profiles, [7, 1]);
  assert.equal(info.secureRenegotiation, true, 'SCSV counts as secure renegotiation (RFC 5746 §3.6)');
  assert.equal(info.renegotiatedConnection, undefined);
  assert.equal(info.offersDtls13, true);
  assert.equal(info.supportedGroups, undefined);
  assert.equal(info.signatureSchemes, undefined);
  assert.deepEqual(info.keyShareGroups, []);
});

test('clientHelloInfo: a hello without extensions offers nothing beyond suites', () => {
  const info = clientHelloInfo({ ...sampleHello, extensions: undefined });
  assert.equal(info.extendedMasterSecret, false);
  assert.equal(info.secureRenegotiation, false);
  assert.equal(info.srtp, undefined);
  assert.equal(info.offersDtls13, false);
});

test('clientHelloInfo fails on a malformed extension the server acts on, ignores a malformed 1.3-only one', () => {
  const bad = (type: number, data: Uint8Array): ClientHello => ({
    ...sampleHello,
    extensions: [{ type, data }],
  });
  assert.throws(() => clientHelloInfo(bad(ExtensionType.use_srtp, hex('0001 00'))), DecodeError);
  assert.throws(() => clientHelloInfo(bad(ExtensionType.extended_master_secret, hex('00'))), DecodeError);
  assert.throws(() => clientHelloInfo(bad(ExtensionType.ec_point_formats, hex('0101'))), DecodeError);
  const info = clientHelloInfo(bad(ExtensionType.supported_versions, hex('03 fefc00')));
  assert.equal(info.supportedVersions, undefined);
  assert.equal(info.offersDtls13, false);
});

test('serverHelloInfo reads the chosen SRTP profile, EMS and renegotiation_info', () => {
  const sh: ServerHello = {
    serverVersion: ProtocolVersion.DTLS1_2,
    random: R,
    sessionId: new Uint8Array(0),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [
      { type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: [7], mki: new Uint8Array(0) }) },
      { type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() },
      { type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() },
    ],
  };
  const offered = [
    ExtensionType.use_srtp,
    ExtensionType.extended_master_secret,
    ExtensionType.renegotiation_info,
  ];
  const info = serverHelloInfo(sh, offered);
  assert.deepEqual(info.srtp, { profile: 7, mki: new Uint8Array(0) });
  assert.equal(info.extendedMasterSecret, true);
  assert.equal(info.renegotiatedConnection?.length, 0);
  assert.equal(info.ecPointFormats, undefined);
  const none = serverHelloInfo({ ...sh, extensions: undefined }, offered);
  assert.equal(none.srtp, undefined);
  assert.equal(none.extendedMasterSecret, false);
});

test('serverHelloInfo rejects an extension the client did not offer (unsupported_extension, RFC 5246 §7.4.1.4)', () => {
  const sh: ServerHello = {
    serverVersion: ProtocolVersion.DTLS1_2,
    random: R,
    sessionId: new Uint8Array(0),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [{ type: ExtensionType.extended_master_secret, data: encodeExtendedMasterSecret() }],
  };
  assert.throws(
    () => serverHelloInfo(sh, [ExtensionType.use_srtp]),
    (e: unknown) => e instanceof DecodeError && e.alert === 110,
  );
});

test('serverHelloInfo rejects a use_srtp answer naming two profiles (illegal_parameter)', () => {
  const sh: ServerHello = {
    serverVersion: ProtocolVersion.DTLS1_2,
    random: R,
    sessionId: new Uint8Array(0),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [
      { type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: [7, 1], mki: new Uint8Array(0) }) },
    ],
  };
  assert.throws(
    () => serverHelloInfo(sh, [ExtensionType.use_srtp]),
    (e: unknown) => e instanceof DecodeError && e.alert === 47,
  );
});

test('clientHelloExtensions builds an offer that clientHelloInfo reads back', () => {
  const extensions = clientHelloExtensions({
    srtpProfiles: [7, 1],
    srtpMki: Uint8Array.of(5),
    supportedGroups: [29, 23],
    signatureSchemes: [0x0403, 0x0804],
    extendedMasterSecret: true,
  });
  const info = clientHelloInfo(decodeClientHello(encodeClientHello({ ...sampleHello, extensions })));
  assert.deepEqual(info.srtp, { profiles: [7, 1], mki: Uint8Array.of(5) });
  assert.deepEqual(info.supportedGroups, [29, 23]);
  assert.deepEqual(info.ecPointFormats, Uint8Array.of(0));
  assert.deepEqual(info.signatureSchemes, [0x0403, 0x0804]);
  assert.equal(info.extendedMasterSecret, true);
  assert.equal(info.secureRenegotiation, true);
  assert.equal(info.renegotiatedConnection?.length, 0);
});

test('clientHelloExtensions for a PSK-only offer without SRTP sends no groups, point formats or use_srtp', () => {
  const types = clientHelloExtensions({ extendedMasterSecret: false }).map((e) => e.type);
  assert.deepEqual(types, [ExtensionType.renegotiation_info]);
});

test('serverHelloExtensions answers only what the client offered, echoing its MKI', () => {
  const offerExts = clientHelloExtensions({
    srtpProfiles: [1, 7],
    srtpMki: Uint8Array.of(5),
    supportedGroups: [29],
    signatureSchemes: [0x0403],
    extendedMasterSecret: true,
  });
  const info = clientHelloInfo({ ...sampleHello, extensions: offerExts });
  const extensions = serverHelloExtensions(info, { srtpProfile: 7, extendedMasterSecret: true, ecdhe: true });
  const sh: ServerHello = {
    serverVersion: ProtocolVersion.DTLS1_2,
    random: R,
    sessionId: new Uint8Array(0),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions,
  };
  const answer = serverHelloInfo(
    decodeServerHello(encodeServerHello(sh)),
    offerExts.map((e) => e.type),
  );
  assert.deepEqual(answer.srtp, { profile: 7, mki: Uint8Array.of(5) });
  assert.equal(answer.extendedMasterSecret, true);
  assert.equal(answer.renegotiatedConnection?.length, 0);
  assert.deepEqual(answer.ecPointFormats, Uint8Array.of(0));

  const bare = clientHelloInfo({ ...sampleHello, extensions: undefined });
  assert.deepEqual(serverHelloExtensions(bare, { extendedMasterSecret: true, ecdhe: true }), []);
  assert.throws(
    () => serverHelloExtensions(info, { srtpProfile: 2, extendedMasterSecret: true, ecdhe: true }),
    /srtpProfile/,
  );
});
