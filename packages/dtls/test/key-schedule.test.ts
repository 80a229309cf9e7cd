import assert from 'node:assert/strict';
import test from 'node:test';
import { cipherSuiteById, cipherSuiteByName } from '../src/cipher-suites.js';
import {
  computeExtendedMasterSecret,
  computeMasterSecret,
  computeVerifyData,
  expandKeyBlock,
  exportKeyingMaterial,
  pskPreMasterSecret,
} from '../src/crypto/key-schedule.js';
import { prf } from '../src/crypto/prf.js';

const cr = new Uint8Array(32).fill(0x11);
const sr = new Uint8Array(32).fill(0x22);
const pms = new Uint8Array(32).fill(0x33);
const concat = (...p: Uint8Array[]) => new Uint8Array(Buffer.concat(p));

test('master secret is PRF(pms, "master secret", client_random + server_random) of 48 bytes', () => {
  const ms = computeMasterSecret('sha256', pms, cr, sr);
  assert.equal(ms.length, 48);
  assert.deepEqual(ms, prf('sha256', pms, 'master secret', concat(cr, sr), 48));
  assert.notDeepEqual(ms, computeMasterSecret('sha256', pms, sr, cr));
});

test('extended master secret binds the session hash (RFC 7627 §4)', () => {
  const h1 = new Uint8Array(32).fill(1);
  const h2 = new Uint8Array(32).fill(2);
  const a = computeExtendedMasterSecret('sha256', pms, h1);
  assert.deepEqual(a, prf('sha256', pms, 'extended master secret', h1, 48));
  assert.notDeepEqual(a, computeExtendedMasterSecret('sha256', pms, h2));
});

test('key block is split client key, server key, client IV, server IV with server_random first in the seed', () => {
  for (const id of [0xc02b, 0xc02c, 0xcca9, 0xc0a8]) {
    const suite = cipherSuiteById(id)!;
    const ms = new Uint8Array(48).fill(7);
    const kb = expandKeyBlock(suite, ms, cr, sr);
    const n = 2 * suite.keyLength + 2 * suite.fixedIvLength;
    const block = prf(suite.prfHash, ms, 'key expansion', concat(sr, cr), n);
    const k = suite.keyLength;
    const iv = suite.fixedIvLength;
    assert.deepEqual(kb.clientWriteKey, block.subarray(0, k));
    assert.deepEqual(kb.serverWriteKey, block.subarray(k, 2 * k));
    assert.deepEqual(kb.clientWriteIv, block.subarray(2 * k, 2 * k + iv));
    assert.deepEqual(kb.serverWriteIv, block.subarray(2 * k + iv, n));
  }
});

test('verify_data is 12 bytes and differs between client and server labels', () => {
  const ms = new Uint8Array(48).fill(9);
  const hh = new Uint8Array(48).fill(4);
  const c = computeVerifyData('sha384', ms, 'client finished', hh);
  const s = computeVerifyData('sha384', ms, 'server finished', hh);
  assert.equal(c.length, 12);
  assert.deepEqual(c, prf('sha384', ms, 'client finished', hh, 12));
  assert.notDeepEqual(c, s);
  assert.throws(() => computeVerifyData('sha256', ms, 'bogus' as 'client finished', hh), /label/);
});

test('exporter follows RFC 5705 §4 with and without context, and a zero-length context differs from none', () => {
  const ms = new Uint8Array(48).fill(5);
  const none = exportKeyingMaterial('sha256', ms, cr, sr, 'EXTRACTOR-dtls_srtp', 60);
  assert.deepEqual(none, prf('sha256', ms, 'EXTRACTOR-dtls_srtp', concat(cr, sr), 60));
  const ctx = Uint8Array.of(1, 2, 3);
  const withCtx = exportKeyingMaterial('sha256', ms, cr, sr, 'EXPERIMENTAL x', 20, ctx);
  assert.deepEqual(
    withCtx,
    prf('sha256', ms, 'EXPERIMENTAL x', concat(cr, sr, Uint8Array.of(0, 3), ctx), 20),
  );
  const empty = exportKeyingMaterial('sha256', ms, cr, sr, 'EXPERIMENTAL x', 20, new Uint8Array(0));
  const noCtx = exportKeyingMaterial('sha256', ms, cr, sr, 'EXPERIMENTAL x', 20);
  assert.notDeepEqual(empty, noCtx);
});

test('exporter refuses the labels the TLS PRF itself uses', () => {
  const ms = new Uint8Array(48);
  for (const label of [
    'client finished',
    'server finished',
    'master secret',
    'key expansion',
    'extended master secret',
  ])
    assert.throws(() => exportKeyingMaterial('sha256', ms, cr, sr, label, 16), /reserved/);
  assert.throws(() => exportKeyingMaterial('sha256', ms, cr, sr, 'x', 0), /length/);
});

test('PSK pre-master secret is N, N zeros, N, psk (RFC 4279 §2)', () => {
  const psk = Uint8Array.of(0xaa, 0xbb, 0xcc);
  assert.deepEqual(pskPreMasterSecret(psk), Uint8Array.of(0, 3, 0, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc));
  assert.throws(() => pskPreMasterSecret(new Uint8Array(0)), /psk/);
});

test('cipher suite table is looked up by id and name', () => {
  const s = cipherSuiteByName('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256')!;
  assert.equal(s.id, 0xcca9);
  assert.equal(s.fixedIvLength, 12);
  assert.equal(s.recordIvLength, 0);
  assert.equal(cipherSuiteById(0xc0a8)!.tagLength, 8);
  assert.equal(cipherSuiteById(0xc02c)!.prfHash, 'sha384');
  assert.equal(cipherSuiteById(0x1301), undefined);
});
