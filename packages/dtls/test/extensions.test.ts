import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { decodeAlpn, encodeAlpn } from '../src/extensions/alpn.js';
import { decodeEcPointFormats, encodeEcPointFormats } from '../src/extensions/ec-point-formats.js';
import {
  decodeExtendedMasterSecret,
  encodeExtendedMasterSecret,
} from '../src/extensions/extended-master-secret.js';
import { decodeExtensions, encodeExtensions, findExtension } from '../src/extensions/extension-list.js';
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
import { DecodeError } from '../src/wire/decode-error.js';
import { Reader } from '../src/wire/reader.js';
import { Writer } from '../src/wire/writer.js';
import { bytes, extensionList, u16 } from './handshake-arbitraries.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const decodeError = (alert: number) => (e: unknown) => e instanceof DecodeError && e.alert === alert;

function encodeList(list: Parameters<typeof encodeExtensions>[1]): Uint8Array {
  const w = new Writer();
  encodeExtensions(w, list);
  return w.finish();
}

test('extension list round-trips any set of distinct types in the given order', () => {
  fc.assert(
    fc.property(extensionList, (list) => {
      const r = new Reader(encodeList(list));
      assert.deepEqual(decodeExtensions(r), list);
      r.expectEnd();
    }),
  );
});

test('extension list rejects a duplicated extension type with decode_error (RFC 5246 §7.4.1.4)', () => {
  const wire = hex('000a 0017 0000 0017 0000');
  assert.throws(() => decodeExtensions(new Reader(wire)), decodeError(50));
});

test('extension list rejects an extension_data running past its block', () => {
  assert.throws(() => decodeExtensions(new Reader(hex('0005 0017 0002 00'))), DecodeError);
});

test('extension list encoder refuses to write the same type twice', () => {
  assert.throws(
    () =>
      encodeList([
        { type: 23, data: new Uint8Array(0) },
        { type: 23, data: new Uint8Array(0) },
      ]),
    RangeError,
  );
});

test('findExtension returns the data of the requested type and undefined when absent', () => {
  const list = [{ type: 14, data: hex('0002000100') }];
  assert.deepEqual(findExtension(list, 14), hex('0002000100'));
  assert.equal(findExtension(list, 23), undefined);
  assert.equal(findExtension(undefined, 14), undefined);
});

test('use_srtp decodes the RFC 5764 §4.1.1 layout: profiles then MKI', () => {
  const v = decodeUseSrtp(hex('0004 0001 0007 02 abcd'));
  assert.deepEqual(v.profiles, [1, 7]);
  assert.deepEqual(v.mki, hex('abcd'));
  assert.deepEqual(encodeUseSrtp(v), hex('0004 0001 0007 02 abcd'));
});

test('use_srtp round-trips any profile list and MKI', () => {
  fc.assert(
    fc.property(fc.array(u16, { minLength: 1, maxLength: 40 }), bytes(0, 255), (profiles, mki) => {
      assert.deepEqual(decodeUseSrtp(encodeUseSrtp({ profiles, mki })), { profiles, mki });
    }),
  );
});

test('use_srtp rejects an empty profile list, an odd length and trailing bytes', () => {
  assert.throws(() => decodeUseSrtp(hex('0000 00')), DecodeError);
  assert.throws(() => decodeUseSrtp(hex('0003 000100 00')), DecodeError);
  assert.throws(() => decodeUseSrtp(hex('0002 0001 00 ff')), DecodeError);
});

test('server use_srtp must name exactly one profile (illegal_parameter otherwise)', () => {
  assert.deepEqual(decodeServerUseSrtp(hex('0002 0007 00')), { profile: 7, mki: new Uint8Array(0) });
  assert.throws(() => decodeServerUseSrtp(hex('0004 0001 0007 00')), decodeError(47));
});

test('supported_groups, signature_algorithms round-trip and reject empty lists', () => {
  fc.assert(
    fc.property(fc.array(u16, { minLength: 1, maxLength: 60 }), (list) => {
      assert.deepEqual(decodeSupportedGroups(encodeSupportedGroups(list)), list);
      assert.deepEqual(decodeSignatureAlgorithms(encodeSignatureAlgorithms(list)), list);
    }),
  );
  assert.throws(() => decodeSupportedGroups(hex('0000')), DecodeError);
  assert.throws(() => decodeSignatureAlgorithms(hex('0000')), DecodeError);
  assert.deepEqual(decodeSupportedGroups(hex('0006 001d 0017 0018')), [29, 23, 24]);
});

test('ec_point_formats must include uncompressed (RFC 8422 §5.1.2: illegal_parameter)', () => {
  assert.deepEqual(decodeEcPointFormats(encodeEcPointFormats()), Uint8Array.of(0));
  assert.deepEqual(decodeEcPointFormats(hex('03 010002')), hex('010002'));
  assert.throws(() => decodeEcPointFormats(hex('01 01')), decodeError(47));
  assert.throws(() => decodeEcPointFormats(hex('00')), decodeError(50));
});

test('extended_master_secret is empty; any content is decode_error', () => {
  assert.equal(decodeExtendedMasterSecret(encodeExtendedMasterSecret()), true);
  assert.equal(encodeExtendedMasterSecret().length, 0);
  assert.throws(() => decodeExtendedMasterSecret(hex('00')), decodeError(50));
});

test('renegotiation_info: empty form is a single zero byte; contents round-trip', () => {
  assert.deepEqual(encodeRenegotiationInfo(), Uint8Array.of(0));
  assert.equal(decodeRenegotiationInfo(Uint8Array.of(0)).length, 0);
  fc.assert(
    fc.property(bytes(0, 255), (v) => {
      assert.deepEqual(decodeRenegotiationInfo(encodeRenegotiationInfo(v)), v);
    }),
  );
  assert.throws(() => decodeRenegotiationInfo(new Uint8Array(0)), DecodeError);
});

test('supported_versions: client list and server selection round-trip', () => {
  assert.deepEqual(decodeClientSupportedVersions(hex('04 fefc fefd')), [0xfefc, 0xfefd]);
  fc.assert(
    fc.property(fc.array(u16, { minLength: 1, maxLength: 127 }), (list) => {
      assert.deepEqual(decodeClientSupportedVersions(encodeClientSupportedVersions(list)), list);
    }),
  );
  assert.equal(decodeServerSupportedVersion(encodeServerSupportedVersion(0xfefc)), 0xfefc);
  assert.throws(() => decodeClientSupportedVersions(hex('00')), DecodeError);
  assert.throws(() => decodeClientSupportedVersions(hex('03 fefcfe')), DecodeError);
});

test('key_share (client form) round-trips and rejects an empty key_exchange', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ group: u16, keyExchange: bytes(1, 64) }, { noNullPrototype: true }), {
        maxLength: 4,
      }),
      (shares) => {
        assert.deepEqual(decodeClientKeyShares(encodeClientKeyShares(shares)), shares);
      },
    ),
  );
  assert.throws(() => decodeClientKeyShares(hex('0004 001d 0000')), DecodeError);
});

test('ALPN protocol names round-trip; empty names are rejected', () => {
  const webrtc = new TextEncoder().encode('webrtc');
  assert.deepEqual(decodeAlpn(encodeAlpn([webrtc])), [webrtc]);
  fc.assert(
    fc.property(fc.array(bytes(1, 20), { minLength: 1, maxLength: 5 }), (names) => {
      assert.deepEqual(decodeAlpn(encodeAlpn(names)), names);
    }),
  );
  assert.throws(() => decodeAlpn(hex('0002 00 00')), DecodeError);
});

test('record_size_limit below 64 is illegal_parameter (RFC 8449 §4)', () => {
  assert.equal(decodeRecordSizeLimit(encodeRecordSizeLimit(16385)), 16385);
  assert.throws(() => decodeRecordSizeLimit(hex('003f')), decodeError(47));
  assert.throws(() => encodeRecordSizeLimit(10), RangeError);
});
