import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import { CIPHER_SUITES, type CipherSuite, cipherSuiteById } from '../src/cipher-suites.js';
import { createRecordProtection } from '../src/crypto/record-protection.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const DTLS12 = 0xfefd;

function keysFor(suite: CipherSuite, fill = 0x42) {
  return {
    key: new Uint8Array(suite.keyLength).fill(fill),
    iv: new Uint8Array(suite.fixedIvLength).fill(fill + 1),
  };
}

test('ChaCha20-Poly1305 nonce is the IV XOR the left-padded epoch||seq (RFC 7905 §2), checked with the RFC 8439 §2.8.2 vector', () => {
  // RFC 8439 §2.8.2: key 80..9f, nonce 07000000 4041424344454647.
  const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const rfcNonce = hex('070000004041424344454647');
  const plaintext = Buffer.from(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  // Choose epoch/seq and the IV so that iv XOR (0^32 || epoch || seq) is the RFC nonce.
  const epoch = 0x0102;
  const seq = 0x030405060708;
  const iv = Uint8Array.from(rfcNonce);
  const es = hex('0102030405060708');
  for (let i = 0; i < 8; i++) iv[4 + i] = iv[4 + i]! ^ es[i]!;
  const suite = cipherSuiteById(0xcca9)!;
  const rp = createRecordProtection(suite, key, iv);
  const fragment = rp.seal(epoch, seq, 23, DTLS12, plaintext);
  // Our AAD is the 13-byte DTLS one, so recompute the expected record with the RFC nonce directly:
  const aad = hex('0102030405060708 17 fefd 0072');
  const c = createCipheriv('chacha20-poly1305', key, rfcNonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  assert.equal(Buffer.from(fragment).toString('hex'), expected.toString('hex'));
  // The RFC's ciphertext prefix (same key, nonce and plaintext; AAD affects only the tag).
  assert.equal(Buffer.from(fragment.subarray(0, 16)).toString('hex'), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.equal(rp.overhead, 16);
  assert.deepEqual(rp.open(epoch, seq, 23, DTLS12, fragment), new Uint8Array(plaintext));
});

test('the RFC 8439 §2.8.2 tag is reproduced with its own AAD through node chacha20-poly1305', () => {
  const c = createCipheriv(
    'chacha20-poly1305',
    hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
    hex('070000004041424344454647'),
    {
      authTagLength: 16,
    },
  );
  c.setAAD(hex('50515253c0c1c2c3c4c5c6c7'), { plaintextLength: 114 });
  c.update(
    Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ),
  );
  c.final();
  assert.equal(c.getAuthTag().toString('hex'), '1ae10b594f09e26a7e902ecbd0600691');
});

test('GCM and CCM_8 records carry epoch||seq as the explicit nonce (RFC 5288 §3, RFC 6347 §4.1.2.1)', () => {
  for (const id of [0xc02b, 0xc02c, 0xc0a8]) {
    const suite = cipherSuiteById(id)!;
    const { key, iv } = keysFor(suite);
    const rp = createRecordProtection(suite, key, iv);
    const f = rp.seal(1, 0x0000_0102_0304, 22, DTLS12, Uint8Array.of(1, 2, 3));
    assert.deepEqual(f.subarray(0, 8), hex('0001000001020304'));
    assert.equal(f.length, 3 + rp.overhead);
    assert.equal(rp.overhead, 8 + suite.tagLength);
  }
});

test('AES-128-GCM record equals an independent computation of nonce and AAD', () => {
  const suite = cipherSuiteById(0xc02b)!;
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const iv = hex('a0a1a2a3');
  const pt = Buffer.from('hello dtls');
  const f = createRecordProtection(suite, key, iv).seal(1, 5, 23, DTLS12, pt);
  const c = createCipheriv('aes-128-gcm', key, hex('a0a1a2a3 0001 000000000005'));
  c.setAAD(hex('0001000000000005 17 fefd 000a'));
  const expected = Buffer.concat([hex('0001000000000005'), c.update(pt), c.final(), c.getAuthTag()]);
  assert.equal(Buffer.from(f).toString('hex'), expected.toString('hex'));
});

test('AES-128-CCM_8 record equals an independent computation with an 8-byte tag', () => {
  const suite = cipherSuiteById(0xc0a8)!;
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const iv = hex('b0b1b2b3');
  const pt = Buffer.from('psk record');
  const f = createRecordProtection(suite, key, iv).seal(2, 7, 23, DTLS12, pt);
  const c = createCipheriv('aes-128-ccm', key, hex('b0b1b2b3 0002 000000000007'), { authTagLength: 8 });
  c.setAAD(hex('0002000000000007 17 fefd 000a'), { plaintextLength: pt.length });
  const expected = Buffer.concat([hex('0002000000000007'), c.update(pt), c.final(), c.getAuthTag()]);
  assert.equal(Buffer.from(f).toString('hex'), expected.toString('hex'));
});

for (const suite of CIPHER_SUITES) {
  test(`${suite.name}: seal/open round trip for any payload, epoch and seq`, () => {
    const { key, iv } = keysFor(suite);
    const rp = createRecordProtection(suite, key, iv);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.constantFrom(20, 21, 22, 23),
        (pt, epoch, seq, type) => {
          const f = rp.seal(epoch, seq, type, DTLS12, pt);
          assert.equal(f.length, pt.length + rp.overhead);
          assert.deepEqual(rp.open(epoch, seq, type, DTLS12, f), pt);
        },
      ),
      { numRuns: 60 },
    );
  });

  test(`${suite.name}: any single bit flip makes open return undefined`, () => {
    const { key, iv } = keysFor(suite);
    const rp = createRecordProtection(suite, key, iv);
    const f = rp.seal(
      1,
      9,
      23,
      DTLS12,
      Uint8Array.from({ length: 40 }, (_, i) => i),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: f.length * 8 - 1 }), (bit) => {
        const g = Uint8Array.from(f);
        g[bit >> 3] = g[bit >> 3]! ^ (1 << (bit & 7));
        assert.equal(rp.open(1, 9, 23, DTLS12, g), undefined);
      }),
      { numRuns: 80 },
    );
  });

  test(`${suite.name}: wrong epoch, seq, type, version, key or truncation is rejected`, () => {
    const { key, iv } = keysFor(suite);
    const rp = createRecordProtection(suite, key, iv);
    const f = rp.seal(1, 9, 23, DTLS12, Uint8Array.of(1, 2, 3, 4));
    assert.equal(rp.open(1, 10, 23, DTLS12, f), undefined);
    assert.equal(rp.open(2, 9, 23, DTLS12, f), undefined);
    assert.equal(rp.open(1, 9, 22, DTLS12, f), undefined);
    assert.equal(rp.open(1, 9, 23, 0xfeff, f), undefined);
    assert.equal(rp.open(1, 9, 23, DTLS12, f.subarray(0, f.length - 1)), undefined);
    assert.equal(rp.open(1, 9, 23, DTLS12, f.subarray(0, rp.overhead - 1)), undefined);
    const other = createRecordProtection(suite, keysFor(suite, 0x10).key, iv);
    assert.equal(other.open(1, 9, 23, DTLS12, f), undefined);
  });
}

test('an empty fragment of exactly the overhead opens to an empty plaintext', () => {
  const suite = cipherSuiteById(0xc02b)!;
  const { key, iv } = keysFor(suite);
  const rp = createRecordProtection(suite, key, iv);
  const f = rp.seal(0, 0, 21, DTLS12, new Uint8Array(0));
  assert.deepEqual(rp.open(0, 0, 21, DTLS12, f), new Uint8Array(0));
});

test('misuse throws naming the parameter', () => {
  const suite = cipherSuiteById(0xc02b)!;
  assert.throws(() => createRecordProtection(suite, new Uint8Array(15), new Uint8Array(4)), /key/);
  assert.throws(() => createRecordProtection(suite, new Uint8Array(16), new Uint8Array(12)), /iv/);
  const rp = createRecordProtection(suite, new Uint8Array(16), new Uint8Array(4));
  assert.throws(() => rp.seal(0x10000, 0, 23, DTLS12, new Uint8Array(0)), /epoch/);
  assert.throws(() => rp.seal(0, 2 ** 48, 23, DTLS12, new Uint8Array(0)), /seq/);
});
