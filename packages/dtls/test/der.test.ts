import assert from 'node:assert/strict';
import test from 'node:test';
import { objectIdentifier, tlv, unsignedInteger, x509Time } from '../src/crypto/der.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('encodes known OIDs (X.690 §8.19)', () => {
  assert.equal(hex(objectIdentifier('2.5.4.3')), '0603550403');
  assert.equal(hex(objectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(objectIdentifier('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
});

test('INTEGER is minimal and stays positive', () => {
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 5))), '020105');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(unsignedInteger(new Uint8Array(0))), '020100');
});

test('long lengths use the long form', () => {
  assert.equal(hex(tlv(0x04, new Uint8Array(127)).subarray(0, 2)), '047f');
  assert.equal(hex(tlv(0x04, new Uint8Array(128)).subarray(0, 3)), '048180');
  assert.equal(hex(tlv(0x04, new Uint8Array(300)).subarray(0, 4)), '0482012c');
});

test('times are UTCTime before 2050 and GeneralizedTime after (RFC 5280 §4.1.2.5)', () => {
  assert.equal(
    Buffer.from(x509Time(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))))
      .toString('latin1')
      .slice(2),
    '260102030405Z',
  );
  assert.equal(
    Buffer.from(x509Time(new Date(Date.UTC(2050, 0, 1))))
      .toString('latin1')
      .slice(2),
    '20500101000000Z',
  );
  assert.equal(x509Time(new Date(Date.UTC(2050, 0, 1)))[0], 0x18);
});
