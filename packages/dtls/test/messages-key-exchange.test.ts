import assert from 'node:assert/strict';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { decodeCertificate, encodeCertificate } from '../src/handshake/messages/certificate.js';
import {
  decodeCertificateRequest,
  encodeCertificateRequest,
} from '../src/handshake/messages/certificate-request.js';
import {
  decodeCertificateVerify,
  encodeCertificateVerify,
} from '../src/handshake/messages/certificate-verify.js';
import {
  decodeClientKeyExchange,
  encodeClientKeyExchange,
} from '../src/handshake/messages/client-key-exchange.js';
import { decodeFinished, encodeFinished } from '../src/handshake/messages/finished.js';
import { decodeServerHelloDone, encodeServerHelloDone } from '../src/handshake/messages/server-hello-done.js';
import {
  decodeServerKeyExchange,
  encodeServerEcdhParams,
  encodeServerKeyExchange,
  serverKeyExchangeSignedData,
} from '../src/handshake/messages/server-key-exchange.js';
import { DecodeError } from '../src/wire/decode-error.js';
import { bytes, u16 } from './handshake-arbitraries.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const decodeError = (alert: number) => (e: unknown) => e instanceof DecodeError && e.alert === alert;

test('Certificate encodes certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>', () => {
  assert.deepEqual(
    encodeCertificate({ certificateList: [hex('3003'), hex('30')] }),
    hex('000009 000002 3003 000001 30'),
  );
  assert.deepEqual(encodeCertificate({ certificateList: [] }), hex('000000'));
  fc.assert(
    fc.property(fc.array(bytes(1, 300), { maxLength: 4 }), (certificateList) => {
      assert.deepEqual(decodeCertificate(encodeCertificate({ certificateList })), { certificateList });
    }),
  );
});

test('Certificate rejects an empty ASN.1Cert, a list overrunning the message and trailing bytes', () => {
  assert.throws(() => decodeCertificate(hex('000003 000000')), DecodeError);
  assert.throws(() => decodeCertificate(hex('000006 000002 3003')), DecodeError);
  assert.throws(() => decodeCertificate(hex('000000 00')), DecodeError);
  assert.throws(() => encodeCertificate({ certificateList: [new Uint8Array(0)] }), RangeError);
});

test('ECDHE ServerKeyExchange: named_curve params, point, then signature (RFC 8422 §5.4)', () => {
  const wire = hex('03 0017 04 04aabbcc 0403 0003 010203');
  const ske = decodeServerKeyExchange(wire, 'ECDHE_ECDSA');
  assert.equal(ske.kind, 'ecdhe');
  if (ske.kind !== 'ecdhe') return;
  assert.equal(ske.namedCurve, 23);
  assert.deepEqual(ske.publicKey, hex('04aabbcc'));
  assert.deepEqual(ske.signature, { scheme: 0x0403, signature: hex('010203') });
  assert.deepEqual(ske.params, hex('03 0017 04 04aabbcc'));
  assert.equal(ske.params.buffer, wire.buffer, 'params is a view of the received bytes');
  assert.deepEqual(encodeServerKeyExchange(ske), wire);
  assert.deepEqual(encodeServerEcdhParams(ske), ske.params);
});

test('ECDHE ServerKeyExchange round-trips any point and signature', () => {
  fc.assert(
    fc.property(u16, bytes(1, 255), u16, bytes(0, 300), (namedCurve, publicKey, scheme, signature) => {
      const msg = { kind: 'ecdhe' as const, namedCurve, publicKey, signature: { scheme, signature } };
      const decoded = decodeServerKeyExchange(encodeServerKeyExchange(msg), 'ECDHE_RSA');
      assert.deepEqual(decoded, { ...msg, params: encodeServerEcdhParams(msg) });
    }),
  );
});

test('ECDHE ServerKeyExchange rejects explicit curves with illegal_parameter and an empty point', () => {
  assert.throws(
    () => decodeServerKeyExchange(hex('01 0017 01 04 0403 0000'), 'ECDHE_ECDSA'),
    decodeError(47),
  );
  assert.throws(() => decodeServerKeyExchange(hex('03 0017 00 0403 0000'), 'ECDHE_ECDSA'), decodeError(50));
  assert.throws(() => decodeServerKeyExchange(hex('03 0017 01 04 0403 0000 00'), 'ECDHE_ECDSA'), DecodeError);
});

test('the signature over client_random + server_random + received params verifies', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clientRandom = new Uint8Array(32).fill(1);
  const serverRandom = new Uint8Array(32).fill(2);
  const params = encodeServerEcdhParams({ namedCurve: 29, publicKey: new Uint8Array(32).fill(9) });
  const signed = serverKeyExchangeSignedData(clientRandom, serverRandom, params);
  assert.deepEqual(signed.subarray(0, 32), clientRandom);
  assert.deepEqual(signed.subarray(32, 64), serverRandom);
  assert.deepEqual(signed.subarray(64), params);
  const signature = new Uint8Array(createSign('sha256').update(signed).sign(privateKey));
  const wire = encodeServerKeyExchange({
    kind: 'ecdhe',
    namedCurve: 29,
    publicKey: new Uint8Array(32).fill(9),
    signature: { scheme: 0x0403, signature },
  });
  const ske = decodeServerKeyExchange(wire, 'ECDHE_ECDSA');
  if (ske.kind !== 'ecdhe') assert.fail('expected ecdhe');
  const data = serverKeyExchangeSignedData(clientRandom, serverRandom, ske.params);
  assert.ok(createVerify('sha256').update(data).verify(publicKey, ske.signature.signature));
  assert.throws(() => serverKeyExchangeSignedData(new Uint8Array(31), serverRandom, params), /clientRandom/);
});

test('PSK ServerKeyExchange is the identity hint only (RFC 4279 §2)', () => {
  const wire = hex('0004 68696e74');
  assert.deepEqual(decodeServerKeyExchange(wire, 'PSK'), { kind: 'psk', identityHint: hex('68696e74') });
  assert.deepEqual(encodeServerKeyExchange({ kind: 'psk', identityHint: hex('68696e74') }), wire);
  assert.deepEqual(decodeServerKeyExchange(hex('0000'), 'PSK'), {
    kind: 'psk',
    identityHint: new Uint8Array(0),
  });
  assert.throws(() => decodeServerKeyExchange(hex('0004 6869'), 'PSK'), DecodeError);
});

test('CertificateRequest (TLS 1.2) round-trips and requires types and signature algorithms', () => {
  const wire = hex('01 40 0004 0403 0804 0000');
  const cr = decodeCertificateRequest(wire);
  assert.deepEqual(cr, {
    certificateTypes: hex('40'),
    signatureSchemes: [0x0403, 0x0804],
    certificateAuthorities: [],
  });
  assert.deepEqual(encodeCertificateRequest(cr), wire);
  fc.assert(
    fc.property(
      bytes(1, 5),
      fc.array(u16, { minLength: 1, maxLength: 20 }),
      fc.array(bytes(1, 40), { maxLength: 3 }),
      (certificateTypes, signatureSchemes, certificateAuthorities) => {
        const msg = { certificateTypes, signatureSchemes, certificateAuthorities };
        assert.deepEqual(decodeCertificateRequest(encodeCertificateRequest(msg)), msg);
      },
    ),
  );
  assert.throws(() => decodeCertificateRequest(hex('00 0004 0403 0804 0000')), DecodeError);
  assert.throws(() => decodeCertificateRequest(hex('01 40 0000 0000')), DecodeError);
  assert.throws(() => decodeCertificateRequest(hex('01 40 0002 0403 0002 0000')), DecodeError);
});

test('ServerHelloDone is empty; a body is a decode_error', () => {
  assert.equal(encodeServerHelloDone().length, 0);
  decodeServerHelloDone(new Uint8Array(0));
  assert.throws(() => decodeServerHelloDone(hex('00')), decodeError(50));
});

test('ClientKeyExchange: ECDHE point<1..255> and PSK identity<0..2^16-1> round-trip', () => {
  assert.deepEqual(encodeClientKeyExchange({ kind: 'ecdhe', publicKey: hex('0401') }), hex('02 0401'));
  assert.deepEqual(encodeClientKeyExchange({ kind: 'psk', identity: hex('6964') }), hex('0002 6964'));
  fc.assert(
    fc.property(bytes(1, 255), bytes(0, 300), (publicKey, identity) => {
      const e = { kind: 'ecdhe' as const, publicKey };
      const p = { kind: 'psk' as const, identity };
      assert.deepEqual(decodeClientKeyExchange(encodeClientKeyExchange(e), 'ECDHE_ECDSA'), e);
      assert.deepEqual(decodeClientKeyExchange(encodeClientKeyExchange(p), 'PSK'), p);
    }),
  );
  assert.throws(() => decodeClientKeyExchange(hex('00'), 'ECDHE_RSA'), DecodeError);
  assert.throws(() => decodeClientKeyExchange(hex('01 04 00'), 'ECDHE_RSA'), DecodeError);
  assert.throws(
    () => encodeClientKeyExchange({ kind: 'ecdhe', publicKey: new Uint8Array(256) }),
    /publicKey/,
  );
});

test('CertificateVerify is one digitally-signed value', () => {
  const wire = hex('0804 0002 abcd');
  assert.deepEqual(decodeCertificateVerify(wire), { scheme: 0x0804, signature: hex('abcd') });
  fc.assert(
    fc.property(u16, bytes(0, 520), (scheme, signature) => {
      assert.deepEqual(decodeCertificateVerify(encodeCertificateVerify({ scheme, signature })), {
        scheme,
        signature,
      });
    }),
  );
  assert.throws(() => decodeCertificateVerify(hex('0804 0003 abcd')), DecodeError);
  assert.throws(() => decodeCertificateVerify(hex('0804 0002 abcd ef')), DecodeError);
});

test('Finished carries exactly 12 bytes of verify_data', () => {
  const vd = new Uint8Array(12).fill(7);
  assert.deepEqual(decodeFinished(encodeFinished({ verifyData: vd })), { verifyData: vd });
  assert.throws(() => decodeFinished(new Uint8Array(11)), decodeError(50));
  assert.throws(() => decodeFinished(new Uint8Array(13)), decodeError(50));
});
