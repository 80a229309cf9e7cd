import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import test from 'node:test';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import fc from 'fast-check';
import {
  clientKeyShare,
  GROUPS_13,
  groupName,
  HYBRID_CLIENT_SHARE_LENGTH,
  HYBRID_SERVER_SHARE_LENGTH,
  mlkem768ModulusCheck,
  serverKeyShare,
} from '../../src/v13/key-exchange.js';
import { RFC8448 } from './rfc8448.js';

/** An RNG that hands out the given byte strings in order (each call must ask for the next one's length). */
function scripted(...chunks: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const c = chunks.shift();
    assert.ok(c, 'rng asked for more values than scripted');
    assert.equal(n, c.length, 'rng asked for a different length than scripted');
    return c;
  };
}

test('x25519 from RFC 8448 §3 private keys gives its public keys and shared secret', () => {
  const client = clientKeyShare(29, scripted(RFC8448.clientPrivate));
  assert.deepEqual(client.share, RFC8448.clientPublic);
  const server = serverKeyShare(29, client.share, scripted(RFC8448.serverPrivate));
  assert.ok(server.ok);
  assert.deepEqual(server.value.share, RFC8448.serverPublic);
  assert.deepEqual(server.value.sharedSecret, RFC8448.ecdhe);
  const done = client.complete(server.value.share);
  assert.ok(done.ok);
  assert.deepEqual(done.value, RFC8448.ecdhe);
});

test('x25519 refuses small-order peer values whose result is all zero (RFC 8446 §7.4.2)', () => {
  const zero = new Uint8Array(32);
  const one = new Uint8Array(32);
  one[0] = 1;
  for (const peer of [zero, one]) {
    const r = serverKeyShare(29, peer, () => randomBytes(32));
    assert.deepEqual(r, { ok: false, error: 'x25519-all-zero' });
    assert.deepEqual(clientKeyShare(29, (n) => randomBytes(n)).complete(peer), {
      ok: false,
      error: 'x25519-all-zero',
    });
  }
  assert.deepEqual(
    serverKeyShare(29, new Uint8Array(31), (n) => randomBytes(n)),
    { ok: false, error: 'bad-share-length' },
  );
});

for (const [group, curve, len] of [
  [23, 'prime256v1', 65],
  [24, 'secp384r1', 97],
] as const) {
  test(`${groupName(group)} agrees with an independent node:crypto ECDH and refuses bad points`, () => {
    const rng = (n: number) => randomBytes(n);
    const oracle = createECDH(curve);
    oracle.generateKeys();
    const peer = new Uint8Array(oracle.getPublicKey());
    const server = serverKeyShare(group, peer, rng);
    assert.ok(server.ok);
    assert.equal(server.value.share.length, len);
    assert.deepEqual(server.value.sharedSecret, new Uint8Array(oracle.computeSecret(server.value.share)));
    const client = clientKeyShare(group, rng);
    assert.equal(client.share.length, len);
    const done = client.complete(peer);
    assert.ok(done.ok);
    assert.deepEqual(done.value, new Uint8Array(oracle.computeSecret(client.share)));
    // Compressed form, a point off the curve, and a wrong length are all refused.
    const compressed = new Uint8Array(oracle.getPublicKey(null, 'compressed'));
    assert.equal(client.complete(compressed).ok, false);
    const bent = Uint8Array.from(peer);
    bent[len - 1]! ^= 1;
    assert.deepEqual(client.complete(bent), { ok: false, error: 'invalid-point' });
    const prefixed = Uint8Array.from(peer);
    prefixed[0] = 0x02;
    assert.deepEqual(serverKeyShare(group, prefixed, rng), { ok: false, error: 'not-uncompressed-point' });
  });
}

test('X25519MLKEM768: 1216-byte client share, 1120-byte server share, secret = ML-KEM secret || X25519 secret', () => {
  const seed = new Uint8Array(64).fill(0x5a);
  const m = new Uint8Array(32).fill(0xa5);
  const client = clientKeyShare(0x11ec, scripted(seed, RFC8448.clientPrivate));
  assert.equal(client.share.length, HYBRID_CLIENT_SHARE_LENGTH);
  assert.equal(HYBRID_CLIENT_SHARE_LENGTH, 1216);
  const oracleKeys = ml_kem768.keygen(seed);
  assert.deepEqual(client.share.subarray(0, 1184), oracleKeys.publicKey);
  assert.deepEqual(client.share.subarray(1184), RFC8448.clientPublic);

  const server = serverKeyShare(0x11ec, client.share, scripted(RFC8448.serverPrivate, m));
  assert.ok(server.ok);
  assert.equal(server.value.share.length, HYBRID_SERVER_SHARE_LENGTH);
  assert.equal(HYBRID_SERVER_SHARE_LENGTH, 1120);
  const oracle = ml_kem768.encapsulate(oracleKeys.publicKey, m);
  assert.deepEqual(server.value.share.subarray(0, 1088), oracle.cipherText);
  assert.deepEqual(server.value.share.subarray(1088), RFC8448.serverPublic);
  assert.equal(server.value.sharedSecret.length, 64);
  assert.deepEqual(server.value.sharedSecret.subarray(0, 32), oracle.sharedSecret);
  assert.deepEqual(server.value.sharedSecret.subarray(32), RFC8448.ecdhe);

  const done = client.complete(server.value.share);
  assert.ok(done.ok);
  assert.deepEqual(done.value, server.value.sharedSecret);
  assert.deepEqual(
    done.value.subarray(0, 32),
    ml_kem768.decapsulate(oracle.cipherText, oracleKeys.secretKey),
  );
});

test('X25519MLKEM768 refuses wrong lengths, a bad X25519 half, and a forged ciphertext yields another secret', () => {
  const rng = (n: number) => randomBytes(n);
  const client = clientKeyShare(0x11ec, rng);
  assert.deepEqual(serverKeyShare(0x11ec, client.share.subarray(0, 1215), rng), {
    ok: false,
    error: 'bad-share-length',
  });
  const zeroX = Uint8Array.from(client.share);
  zeroX.fill(0, 1184);
  assert.deepEqual(serverKeyShare(0x11ec, zeroX, rng), { ok: false, error: 'x25519-all-zero' });
  const server = serverKeyShare(0x11ec, client.share, rng);
  assert.ok(server.ok);
  assert.deepEqual(client.complete(server.value.share.subarray(0, 1119)), {
    ok: false,
    error: 'bad-share-length',
  });
  const forged = Uint8Array.from(server.value.share);
  forged[10]! ^= 0x40;
  const r = client.complete(forged);
  assert.ok(r.ok);
  assert.notDeepEqual(r.value.subarray(0, 32), server.value.sharedSecret.subarray(0, 32));
  assert.deepEqual(r.value.subarray(32), server.value.sharedSecret.subarray(32));
});

test('the encapsulation key modulus check (FIPS 203 §7.2) refuses a coefficient of q = 3329 and agrees with noble', () => {
  const { publicKey } = ml_kem768.keygen(new Uint8Array(64).fill(3));
  assert.equal(mlkem768ModulusCheck(publicKey), true);
  const bad = Uint8Array.from(publicKey);
  // First coefficient := 3329 = 0xd01: low byte 0x01, low nibble of byte 1 = 0xd.
  bad[0] = 0x01;
  bad[1] = (bad[1]! & 0xf0) | 0x0d;
  assert.equal(mlkem768ModulusCheck(bad), false);
  const share = new Uint8Array(1216);
  share.set(bad, 0);
  share.set(RFC8448.clientPublic, 1184);
  assert.deepEqual(
    serverKeyShare(0x11ec, share, (n) => randomBytes(n)),
    { ok: false, error: 'mlkem-modulus' },
  );
  // On random keys (most fail the check) our check says what noble's own check says.
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1184, maxLength: 1184 }),
      fc.integer({ min: 0, max: 767 }),
      (ek, i) => {
        // Make every coefficient valid, then maybe break one, so both outcomes are exercised.
        for (let j = 0; j < 1152; j += 3) ek[j + 2]! &= 0x7f;
        if (i % 2 === 0) {
          const o = Math.floor(i / 2) * 3;
          ek[o + 2] = 0xff;
        }
        let nobleAccepts = true;
        try {
          ml_kem768.encapsulate(ek, new Uint8Array(32));
        } catch {
          nobleAccepts = false;
        }
        assert.equal(mlkem768ModulusCheck(ek), nobleAccepts);
      },
    ),
    { numRuns: 60 },
  );
});

test('every group of the preference list runs both sides to the same secret; unknown groups are refused', () => {
  const rng = (n: number) => randomBytes(n);
  assert.deepEqual(GROUPS_13.map(groupName), ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1']);
  for (const g of GROUPS_13) {
    const c = clientKeyShare(g, rng);
    const s = serverKeyShare(g, c.share, rng);
    assert.ok(s.ok);
    const d = c.complete(s.value.share);
    assert.ok(d.ok);
    assert.deepEqual(d.value, s.value.sharedSecret);
  }
  assert.deepEqual(serverKeyShare(25, new Uint8Array(133), rng), { ok: false, error: 'unsupported-group' });
  assert.throws(() => clientKeyShare(30 as 29, rng), /group/);
});
