import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import test from 'node:test';
import { hkdfLabel, KeySchedule13 } from '../../src/v13/key-schedule.js';
import { DTLS13_ORACLE, RFC8448 } from './rfc8448.js';

const tls = new KeySchedule13('sha256', 'tls13 ');
const dtls = new KeySchedule13('sha256', 'dtls13');

/** Opens a TLS 1.3 record of RFC 8448 (AAD = the 5-byte header, nonce = iv XOR seq). */
function openTls13Record(record: Uint8Array, key: Uint8Array, iv: Uint8Array, seq: number): Uint8Array {
  const nonce = Uint8Array.from(iv);
  nonce[11]! ^= seq;
  const body = record.subarray(5);
  const d = createDecipheriv('aes-128-gcm', key, nonce);
  d.setAAD(record.subarray(0, 5));
  d.setAuthTag(body.subarray(body.length - 16));
  return new Uint8Array(Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]));
}

test('HkdfLabel carries the length, the prefixed label and the context (RFC 8446 §7.1)', () => {
  // "key info (13 octets): 00 10 09 74 6c 73 31 33 20 6b 65 79 00" in RFC 8448 §3.
  assert.equal(
    Buffer.from(hkdfLabel('tls13 ', 'key', new Uint8Array(0), 16)).toString('hex'),
    '001009746c73313320 6b657900'.replace(' ', ''),
  );
  // DTLS 1.3 replaces "tls13 " with "dtls13" (RFC 9147 §5.9): same length, different bytes.
  assert.equal(
    Buffer.from(hkdfLabel('dtls13', 'key', Uint8Array.of(7), 16)).toString('hex'),
    '00100964746c7331336b65790107',
  );
  assert.throws(() => hkdfLabel('dtls13', 'x'.repeat(250), new Uint8Array(0), 1), /label/);
  assert.throws(() => hkdfLabel('dtls13', 'k', new Uint8Array(256), 1), /context/);
});

test('the "tls13 " schedule reproduces every secret of RFC 8448 §3', () => {
  assert.deepEqual(tls.earlySecret(), RFC8448.earlySecret);
  const hs = tls.handshakeSecret(RFC8448.ecdhe);
  assert.deepEqual(hs, RFC8448.handshakeSecret);
  const hh = tls.transcriptHash(RFC8448.clientHello, RFC8448.serverHelloRecord.subarray(5));
  assert.deepEqual(hh, RFC8448.helloHash);
  const [c, s] = tls.handshakeTrafficSecrets(hs, hh);
  assert.deepEqual(c, RFC8448.clientHsTraffic);
  assert.deepEqual(s, RFC8448.serverHsTraffic);
  const sk = tls.trafficKeys(s, 16);
  assert.deepEqual(sk.key, RFC8448.serverHsKey);
  assert.deepEqual(sk.iv, RFC8448.serverHsIv);
  const ck = tls.trafficKeys(c, 16);
  assert.deepEqual(ck.key, RFC8448.clientHsKey);
  assert.deepEqual(ck.iv, RFC8448.clientHsIv);
  const ms = tls.masterSecret(hs);
  assert.deepEqual(ms, RFC8448.masterSecret);
  const [ca, sa] = tls.applicationTrafficSecrets(ms, RFC8448.serverFinishedHash);
  assert.deepEqual(ca, RFC8448.clientApTraffic);
  assert.deepEqual(sa, RFC8448.serverApTraffic);
  assert.deepEqual(tls.trafficKeys(sa, 16).key, RFC8448.serverApKey);
  assert.deepEqual(tls.trafficKeys(sa, 16).iv, RFC8448.serverApIv);
  assert.deepEqual(tls.exporterMasterSecret(ms, RFC8448.serverFinishedHash), RFC8448.exporterMaster);
});

test('the RFC 8448 records open with the derived keys and both Finished messages verify', () => {
  // Server flight: EncryptedExtensions, Certificate, CertificateVerify, Finished in one record.
  const inner = openTls13Record(RFC8448.serverFlightRecord, RFC8448.serverHsKey, RFC8448.serverHsIv, 0);
  assert.equal(inner[inner.length - 1], 22, 'TLSInnerPlaintext content type is handshake');
  const messages = inner.subarray(0, inner.length - 1);
  // Walk the messages to find the server Finished (type 20).
  let o = 0;
  let finishedAt = -1;
  while (o < messages.length) {
    const len = (messages[o + 1]! << 16) | (messages[o + 2]! << 8) | messages[o + 3]!;
    if (messages[o] === 20) finishedAt = o;
    o += 4 + len;
  }
  assert.equal(o, messages.length);
  assert.ok(finishedAt > 0);
  const sh = RFC8448.serverHelloRecord.subarray(5);
  const beforeFinished = tls.transcriptHash(RFC8448.clientHello, sh, messages.subarray(0, finishedAt));
  const serverVerify = tls.finishedVerifyData(RFC8448.serverHsTraffic, beforeFinished);
  assert.deepEqual(messages.subarray(finishedAt + 4), serverVerify);
  assert.deepEqual(tls.transcriptHash(RFC8448.clientHello, sh, messages), RFC8448.serverFinishedHash);

  const cfin = openTls13Record(RFC8448.clientFinishedRecord, RFC8448.clientHsKey, RFC8448.clientHsIv, 0);
  assert.equal(cfin[cfin.length - 1], 22);
  const clientVerify = tls.finishedVerifyData(RFC8448.clientHsTraffic, RFC8448.serverFinishedHash);
  assert.deepEqual(cfin.subarray(4, cfin.length - 1), clientVerify);
  // A single changed transcript byte changes verify_data.
  const other = Uint8Array.from(RFC8448.serverFinishedHash);
  other[0]! ^= 1;
  assert.notDeepEqual(tls.finishedVerifyData(RFC8448.clientHsTraffic, other), clientVerify);
});

test('the "dtls13" schedule matches OpenSSL TLS13-KDF with prefix dtls13 (RFC 9147 §5.9)', () => {
  const hs = dtls.handshakeSecret(RFC8448.ecdhe);
  assert.deepEqual(hs, DTLS13_ORACLE.handshakeSecret);
  assert.notDeepEqual(hs, RFC8448.handshakeSecret);
  const [c, s] = dtls.handshakeTrafficSecrets(hs, RFC8448.helloHash);
  assert.deepEqual(c, DTLS13_ORACLE.clientHsTraffic);
  assert.deepEqual(s, DTLS13_ORACLE.serverHsTraffic);
  const keys = dtls.trafficKeys(s, 16);
  assert.deepEqual(keys.key, DTLS13_ORACLE.serverHsKey);
  assert.deepEqual(keys.iv, DTLS13_ORACLE.serverHsIv);
  assert.deepEqual(keys.snKey, DTLS13_ORACLE.serverHsSnKey);
  const ms = dtls.masterSecret(hs);
  assert.deepEqual(ms, DTLS13_ORACLE.masterSecret);
  const [ca] = dtls.applicationTrafficSecrets(ms, RFC8448.serverFinishedHash);
  assert.deepEqual(ca, DTLS13_ORACLE.clientApTraffic);
  const exp = dtls.exporterMasterSecret(ms, RFC8448.serverFinishedHash);
  assert.deepEqual(exp, DTLS13_ORACLE.exporterMaster);
  assert.deepEqual(dtls.exportKeyingMaterial(exp, 'EXTRACTOR-dtls_srtp', 60), DTLS13_ORACLE.srtpExport60);
});

test('the exporter treats an absent context as empty, binds label and context, and checks its arguments', () => {
  const exp = DTLS13_ORACLE.exporterMaster;
  const a = dtls.exportKeyingMaterial(exp, 'EXTRACTOR-dtls_srtp', 60);
  assert.deepEqual(dtls.exportKeyingMaterial(exp, 'EXTRACTOR-dtls_srtp', 60, new Uint8Array(0)), a);
  assert.notDeepEqual(dtls.exportKeyingMaterial(exp, 'EXTRACTOR-dtls_srtp', 60, Uint8Array.of(0)), a);
  assert.notDeepEqual(dtls.exportKeyingMaterial(exp, 'EXTRACTOR-other', 60), a);
  // A shorter output is not a prefix of the longer one: the length is part of HkdfLabel.
  assert.notDeepEqual(dtls.exportKeyingMaterial(exp, 'EXTRACTOR-dtls_srtp', 30), a.subarray(0, 30));
  assert.throws(() => dtls.exportKeyingMaterial(exp, '', 16), /label/);
  assert.throws(() => dtls.exportKeyingMaterial(exp, 'x', 0), /length/);
  assert.throws(() => dtls.exportKeyingMaterial(exp, 'x', 255 * 32 + 1), /length/);
});

test('KeyUpdate derives the next secret with "traffic upd" and the sn_key differs from the key', () => {
  const next = dtls.nextTrafficSecret(DTLS13_ORACLE.clientApTraffic);
  assert.equal(next.length, 32);
  assert.deepEqual(
    next,
    dtls.expandLabel(DTLS13_ORACLE.clientApTraffic, 'traffic upd', new Uint8Array(0), 32),
  );
  assert.notDeepEqual(next, DTLS13_ORACLE.clientApTraffic);
  const k = dtls.trafficKeys(next, 32);
  assert.equal(k.key.length, 32);
  assert.equal(k.snKey.length, 32);
  assert.notDeepEqual(k.key, k.snKey);
});

test('SHA-384 schedule has 48-byte secrets; bad hash or prefix throws naming it', () => {
  const s384 = new KeySchedule13('sha384', 'dtls13');
  assert.equal(s384.earlySecret().length, 48);
  assert.equal(s384.handshakeSecret(new Uint8Array(32)).length, 48);
  assert.throws(() => new KeySchedule13('md5' as 'sha256'), /hash/);
  assert.throws(() => new KeySchedule13('sha256', 'tls12' as 'dtls13'), /prefix/);
});
