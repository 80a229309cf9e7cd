import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { decodeAlpn, encodeAlpn } from '../src/extensions/alpn.js';
import { decodeEcPointFormats, encodeEcPointFormats } from '../src/extensions/ec-point-formats.js';
import { decodeExtendedMasterSecret } from '../src/extensions/extended-master-secret.js';
import { decodeExtensions, type Extension, encodeExtensions } from '../src/extensions/extension-list.js';
import { decodeClientKeyShares, encodeClientKeyShares } from '../src/extensions/key-share.js';
import { decodeRecordSizeLimit, encodeRecordSizeLimit } from '../src/extensions/record-size-limit.js';
import { decodeRenegotiationInfo, encodeRenegotiationInfo } from '../src/extensions/renegotiation-info.js';
import {
  decodeSignatureAlgorithms,
  encodeSignatureAlgorithms,
} from '../src/extensions/signature-algorithms.js';
import { decodeSupportedGroups, encodeSupportedGroups } from '../src/extensions/supported-groups.js';
import {
  decodeClientSupportedVersions,
  decodeServerSupportedVersion,
  encodeClientSupportedVersions,
  encodeServerSupportedVersion,
} from '../src/extensions/supported-versions.js';
import { decodeServerUseSrtp, decodeUseSrtp, encodeUseSrtp } from '../src/extensions/use-srtp.js';
import { decodeCertificate, encodeCertificate } from '../src/handshake/messages/certificate.js';
import {
  decodeCertificateRequest,
  encodeCertificateRequest,
} from '../src/handshake/messages/certificate-request.js';
import {
  decodeCertificateVerify,
  encodeCertificateVerify,
} from '../src/handshake/messages/certificate-verify.js';
import { decodeClientHello, encodeClientHello } from '../src/handshake/messages/client-hello.js';
import { clientHelloInfo } from '../src/handshake/messages/client-hello-info.js';
import {
  decodeClientKeyExchange,
  encodeClientKeyExchange,
} from '../src/handshake/messages/client-key-exchange.js';
import { decodeFinished } from '../src/handshake/messages/finished.js';
import {
  decodeHelloVerifyRequest,
  encodeHelloVerifyRequest,
} from '../src/handshake/messages/hello-verify-request.js';
import { decodeServerHello, encodeServerHello } from '../src/handshake/messages/server-hello.js';
import { decodeServerHelloDone } from '../src/handshake/messages/server-hello-done.js';
import { serverHelloInfo } from '../src/handshake/messages/server-hello-info.js';
import {
  decodeServerKeyExchange,
  encodeServerKeyExchange,
  type ServerKeyExchange,
} from '../src/handshake/messages/server-key-exchange.js';
import { ExtensionType } from '../src/handshake/types.js';
import { DecodeError } from '../src/wire/decode-error.js';
import { Reader } from '../src/wire/reader.js';
import { Writer } from '../src/wire/writer.js';
import { readCapture } from './sim/captures.js';

/**
 * Every decoder, fed random, truncated and mutated bytes, either returns a
 * value or throws DecodeError with a TLS alert: never another exception,
 * never a read past the input, never a hang. A decoder that accepts its input
 * must be canonical: re-encoding the value gives back the same bytes.
 */

/** The ClientHello body of the single-record capture (one fragment covering the whole message). */
function capturedClientHelloBody(): Uint8Array[] {
  const rec = readCapture('chromium-nopqc');
  const fragmentLength = (rec[13 + 9]! << 16) | (rec[13 + 10]! << 8) | rec[13 + 11]!;
  return [rec.subarray(13 + 12, 13 + 12 + fragmentLength)];
}

const R = new Uint8Array(32).fill(0x5a);
const sampleExtensions: Extension[] = [
  { type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: [1, 7], mki: Uint8Array.of(9) }) },
  { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
  { type: ExtensionType.renegotiation_info, data: encodeRenegotiationInfo() },
];

function extensionsBlock(list: Extension[]): Uint8Array {
  const w = new Writer();
  encodeExtensions(w, list);
  return w.finish();
}

interface Codec {
  readonly name: string;
  /** Decodes; returns the canonical re-encoding when the codec has an encoder. */
  readonly decode: (bytes: Uint8Array) => Uint8Array | undefined;
  readonly seeds: readonly Uint8Array[];
}

const ske: ServerKeyExchange = {
  kind: 'ecdhe',
  namedCurve: 23,
  publicKey: new Uint8Array(65).fill(4),
  signature: { scheme: 0x0403, signature: new Uint8Array(70).fill(3) },
};

const codecs: Codec[] = [
  {
    name: 'ClientHello (+ info)',
    decode: (b) => {
      const hello = decodeClientHello(b);
      clientHelloInfo(hello);
      return encodeClientHello(hello);
    },
    seeds: [
      ...capturedClientHelloBody(),
      encodeClientHello({
        clientVersion: 0xfefd,
        random: R,
        sessionId: new Uint8Array(0),
        cookie: Uint8Array.of(1, 2, 3),
        cipherSuites: [0xc02b, 0x00ff],
        compressionMethods: Uint8Array.of(0),
        extensions: sampleExtensions,
      }),
    ],
  },
  {
    name: 'ServerHello (+ info)',
    decode: (b) => {
      const hello = decodeServerHello(b);
      serverHelloInfo(
        hello,
        sampleExtensions.map((e) => e.type),
      );
      return encodeServerHello(hello);
    },
    seeds: [
      encodeServerHello({
        serverVersion: 0xfefd,
        random: R,
        sessionId: Uint8Array.of(1),
        cipherSuite: 0xc02b,
        compressionMethod: 0,
        extensions: [
          { type: ExtensionType.use_srtp, data: encodeUseSrtp({ profiles: [7], mki: new Uint8Array(0) }) },
          ...sampleExtensions.slice(1),
        ],
      }),
    ],
  },
  {
    name: 'HelloVerifyRequest',
    decode: (b) => encodeHelloVerifyRequest(decodeHelloVerifyRequest(b)),
    seeds: [encodeHelloVerifyRequest({ serverVersion: 0xfeff, cookie: new Uint8Array(20).fill(7) })],
  },
  {
    name: 'Certificate',
    decode: (b) => encodeCertificate(decodeCertificate(b)),
    seeds: [encodeCertificate({ certificateList: [new Uint8Array(40).fill(0x30), Uint8Array.of(1)] })],
  },
  {
    name: 'ServerKeyExchange ECDHE',
    decode: (b) => encodeServerKeyExchange(decodeServerKeyExchange(b, 'ECDHE_ECDSA')),
    seeds: [encodeServerKeyExchange(ske)],
  },
  {
    name: 'ServerKeyExchange PSK',
    decode: (b) => encodeServerKeyExchange(decodeServerKeyExchange(b, 'PSK')),
    seeds: [encodeServerKeyExchange({ kind: 'psk', identityHint: Uint8Array.of(1, 2, 3) })],
  },
  {
    name: 'CertificateRequest',
    decode: (b) => encodeCertificateRequest(decodeCertificateRequest(b)),
    seeds: [
      encodeCertificateRequest({
        certificateTypes: Uint8Array.of(64, 1),
        signatureSchemes: [0x0403, 0x0804],
        certificateAuthorities: [Uint8Array.of(0x30, 0)],
      }),
    ],
  },
  {
    name: 'ServerHelloDone',
    decode: (b) => {
      decodeServerHelloDone(b);
      return b;
    },
    seeds: [new Uint8Array(0)],
  },
  {
    name: 'ClientKeyExchange ECDHE',
    decode: (b) => encodeClientKeyExchange(decodeClientKeyExchange(b, 'ECDHE_RSA')),
    seeds: [encodeClientKeyExchange({ kind: 'ecdhe', publicKey: new Uint8Array(32).fill(2) })],
  },
  {
    name: 'ClientKeyExchange PSK',
    decode: (b) => encodeClientKeyExchange(decodeClientKeyExchange(b, 'PSK')),
    seeds: [encodeClientKeyExchange({ kind: 'psk', identity: Uint8Array.of(0x61, 0x62) })],
  },
  {
    name: 'CertificateVerify',
    decode: (b) => encodeCertificateVerify(decodeCertificateVerify(b)),
    seeds: [encodeCertificateVerify({ scheme: 0x0403, signature: new Uint8Array(71).fill(1) })],
  },
  { name: 'Finished', decode: (b) => decodeFinished(b).verifyData, seeds: [new Uint8Array(12)] },
  {
    name: 'extension list',
    decode: (b) => {
      const r = new Reader(b);
      const list = decodeExtensions(r);
      r.expectEnd();
      return extensionsBlock(list);
    },
    seeds: [extensionsBlock(sampleExtensions)],
  },
  {
    name: 'use_srtp',
    decode: (b) => encodeUseSrtp(decodeUseSrtp(b)),
    seeds: [encodeUseSrtp({ profiles: [1, 2, 7, 8], mki: Uint8Array.of(1) })],
  },
  {
    name: 'use_srtp (server)',
    decode: (b) => {
      const v = decodeServerUseSrtp(b);
      return encodeUseSrtp({ profiles: [v.profile], mki: v.mki });
    },
    seeds: [encodeUseSrtp({ profiles: [7], mki: new Uint8Array(0) })],
  },
  {
    name: 'supported_groups',
    decode: (b) => encodeSupportedGroups(decodeSupportedGroups(b)),
    seeds: [encodeSupportedGroups([29, 23, 24])],
  },
  {
    name: 'ec_point_formats',
    decode: (b) => encodeEcPointFormats(decodeEcPointFormats(b)),
    seeds: [encodeEcPointFormats(Uint8Array.of(0, 1))],
  },
  {
    name: 'signature_algorithms',
    decode: (b) => encodeSignatureAlgorithms(decodeSignatureAlgorithms(b)),
    seeds: [encodeSignatureAlgorithms([0x0403, 0x0804, 0x0401])],
  },
  {
    name: 'extended_master_secret',
    decode: (b) => {
      decodeExtendedMasterSecret(b);
      return b;
    },
    seeds: [new Uint8Array(0)],
  },
  {
    name: 'renegotiation_info',
    decode: (b) => encodeRenegotiationInfo(decodeRenegotiationInfo(b)),
    seeds: [encodeRenegotiationInfo(), encodeRenegotiationInfo(new Uint8Array(12).fill(1))],
  },
  {
    name: 'supported_versions (client)',
    decode: (b) => encodeClientSupportedVersions(decodeClientSupportedVersions(b)),
    seeds: [encodeClientSupportedVersions([0xfefc, 0xfefd])],
  },
  {
    name: 'supported_versions (server)',
    decode: (b) => encodeServerSupportedVersion(decodeServerSupportedVersion(b)),
    seeds: [encodeServerSupportedVersion(0xfefc)],
  },
  {
    name: 'key_share (client)',
    decode: (b) => encodeClientKeyShares(decodeClientKeyShares(b)),
    seeds: [encodeClientKeyShares([{ group: 29, keyExchange: new Uint8Array(32).fill(8) }])],
  },
  {
    name: 'ALPN',
    decode: (b) => encodeAlpn(decodeAlpn(b)),
    seeds: [encodeAlpn([new TextEncoder().encode('webrtc'), new TextEncoder().encode('c-webrtc')])],
  },
  {
    name: 'record_size_limit',
    decode: (b) => encodeRecordSizeLimit(decodeRecordSizeLimit(b)),
    seeds: [encodeRecordSizeLimit(16385)],
  },
];

/** Runs a decoder; fails the property on anything but success or a DecodeError carrying 47, 50 or 110. */
function check(codec: Codec, input: Uint8Array): void {
  let reencoded: Uint8Array | undefined;
  try {
    reencoded = codec.decode(input);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${codec.name} threw ${String(e)}`);
    assert.ok([47, 50, 110].includes(e.alert), `${codec.name}: unexpected alert ${e.alert}`);
    return;
  }
  if (reencoded !== undefined) assert.deepEqual(reencoded, input, `${codec.name} is not canonical`);
}

const mutation = fc.record({
  seed: fc.nat(),
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  extra: fc.uint8Array({ maxLength: 3 }),
});

for (const codec of codecs) {
  test(`${codec.name}: the seed encodings decode and re-encode unchanged`, () => {
    for (const seed of codec.seeds) check(codec, seed);
    for (const seed of codec.seeds) assert.doesNotThrow(() => codec.decode(seed));
  });

  test(`${codec.name}: every truncation is rejected with DecodeError`, () => {
    for (const seed of codec.seeds) {
      for (let n = 0; n < seed.length; n++) {
        const cut = seed.slice(0, n);
        try {
          codec.decode(cut);
        } catch (e) {
          assert.ok(e instanceof DecodeError, `${codec.name} at ${n}: ${String(e)}`);
          continue;
        }
        // A prefix may itself be well formed (an extensions block is optional); it must then be canonical.
        check(codec, cut);
      }
    }
  });

  test(`${codec.name}: random and mutated bytes only ever raise DecodeError`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(codec, b)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(mutation, ({ seed, flips, cut, extra }) => {
        const base = codec.seeds[seed % codec.seeds.length]!;
        const m = Uint8Array.from([...base, ...extra]);
        for (const [pos, v] of flips) if (m.length > 0) m[pos % m.length] = v;
        check(codec, cut === undefined ? m : m.subarray(0, cut % (m.length + 1)));
      }),
      { numRuns: 500 },
    );
  });
}
