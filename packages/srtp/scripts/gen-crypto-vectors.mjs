#!/usr/bin/env node
// Writes the edge-case vector files of test/fixtures/vectors/ in the shape of Wycheproof's
// (groups of cases, each with a tcId, a comment, flags and a result of valid or invalid).
// node:crypto (OpenSSL) is the oracle for the expected outputs; every input byte comes from a
// counter-mode SHA-256 stream over a fixed label, so running this again writes the same files.
//
//   node packages/srtp/scripts/gen-crypto-vectors.mjs
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';

const out = new URL('../test/fixtures/vectors/', import.meta.url);
mkdirSync(out, { recursive: true });

/** Deterministic bytes: SHA-256(label || counter) blocks. */
function bytes(label, n) {
  const parts = [];
  for (let i = 0; parts.length * 32 < n; i++) {
    parts.push(createHash('sha256').update(`${label}/${i}`).digest());
  }
  return Buffer.concat(parts).subarray(0, n);
}

const hex = (b) => Buffer.from(b).toString('hex');

function gcmSeal(key, iv, aad, msg) {
  const c = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(msg), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

// ---- AES-GCM ------------------------------------------------------------------------------------

// Lengths around the 16-byte block and the kernel's 4-block GHASH step; AAD lengths of none, one
// byte, an RTP header (12), one block and just over, and two blocks and just over.
const AAD_LENGTHS = [0, 1, 12, 16, 17, 33];
const MSG_LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257];

let tcId = 0;
const gcmGroups = [];
for (const keySize of [128, 256]) {
  const tests = [];
  const key = bytes(`gcm-key-${keySize}`, keySize / 8);
  for (const aadLength of AAD_LENGTHS) {
    for (const msgLength of MSG_LENGTHS) {
      const iv = bytes(`gcm-iv-${keySize}-${aadLength}-${msgLength}`, 12);
      const aad = bytes(`gcm-aad-${keySize}-${aadLength}-${msgLength}`, aadLength);
      const msg = bytes(`gcm-msg-${keySize}-${aadLength}-${msgLength}`, msgLength);
      const { ct, tag } = gcmSeal(key, iv, aad, msg);
      const flags = [];
      if (aadLength === 0) flags.push('EmptyAad');
      if (msgLength === 0) flags.push('EmptyMessage');
      if (msgLength % 16 === 0 && msgLength > 0) flags.push('WholeBlocks');
      tests.push({
        tcId: ++tcId,
        comment: `aad ${aadLength} bytes, message ${msgLength} bytes`,
        flags,
        key: hex(key),
        iv: hex(iv),
        aad: hex(aad),
        msg: hex(msg),
        ct: hex(ct),
        tag: hex(tag),
        result: 'valid',
      });
    }
  }
  // IVs at the edges: all zeros, all ones, and a last word of ones (the 32-bit counter of GCTR
  // starts at 2 there; with a 96-bit IV it counts in its own word and never touches the IV).
  for (const [name, iv] of [
    ['zero IV', Buffer.alloc(12)],
    ['all-ones IV', Buffer.alloc(12, 0xff)],
    ['IV ending in ffffffff', Buffer.concat([bytes(`gcm-iv-edge-${keySize}`, 8), Buffer.alloc(4, 0xff)])],
  ]) {
    const aad = bytes(`gcm-aad-edge-${keySize}-${name}`, 12);
    const msg = bytes(`gcm-msg-edge-${keySize}-${name}`, 80);
    const { ct, tag } = gcmSeal(key, iv, aad, msg);
    tests.push({
      tcId: ++tcId,
      comment: name,
      flags: ['EdgeIv'],
      key: hex(key),
      iv: hex(iv),
      aad: hex(aad),
      msg: hex(msg),
      ct: hex(ct),
      tag: hex(tag),
      result: 'valid',
    });
  }
  // Messages on both sides of the 2048-byte (AAD + data) switch to node's own AES-GCM.
  for (const [aadLength, msgLength] of [
    [12, 2035],
    [12, 2036],
    [0, 2048],
    [2048, 0],
  ]) {
    const iv = bytes(`gcm-iv-large-${keySize}-${aadLength}-${msgLength}`, 12);
    const aad = bytes(`gcm-aad-large-${keySize}-${aadLength}-${msgLength}`, aadLength);
    const msg = bytes(`gcm-msg-large-${keySize}-${aadLength}-${msgLength}`, msgLength);
    const { ct, tag } = gcmSeal(key, iv, aad, msg);
    tests.push({
      tcId: ++tcId,
      comment: `aad ${aadLength} + message ${msgLength} bytes, around the native threshold`,
      flags: ['NativeThreshold'],
      key: hex(key),
      iv: hex(iv),
      aad: hex(aad),
      msg: hex(msg),
      ct: hex(ct),
      tag: hex(tag),
      result: 'valid',
    });
  }
  // Forgeries: each must be refused (open returns false, data untouched).
  const iv = bytes(`gcm-iv-forge-${keySize}`, 12);
  const aad = bytes(`gcm-aad-forge-${keySize}`, 12);
  const msg = bytes(`gcm-msg-forge-${keySize}`, 40);
  const good = gcmSeal(key, iv, aad, msg);
  const forge = (comment, flag, fields) =>
    tests.push({
      tcId: ++tcId,
      comment,
      flags: [flag],
      key: hex(key),
      iv: hex(fields.iv ?? iv),
      aad: hex(fields.aad ?? aad),
      msg: '',
      ct: hex(fields.ct ?? good.ct),
      tag: hex(fields.tag ?? good.tag),
      result: 'invalid',
    });
  forge('all-zero tag', 'ModifiedTag', { tag: Buffer.alloc(16) });
  forge('all-ones tag', 'ModifiedTag', { tag: Buffer.alloc(16, 0xff) });
  forge('tag of another IV', 'ModifiedTag', { tag: gcmSeal(key, Buffer.alloc(12, 1), aad, msg).tag });
  const ecb = createCipheriv(keySize === 128 ? 'aes-128-ecb' : 'aes-256-ecb', key, null).setAutoPadding(
    false,
  );
  const ej0 = ecb.update(Buffer.concat([iv, Buffer.from([0, 0, 0, 1])]));
  forge('tag is CIPH_K(J0) alone (GHASH of zero)', 'ModifiedTag', { tag: ej0 });
  forge('tag is GHASH alone (CIPH_K(J0) left out)', 'ModifiedTag', {
    tag: Buffer.from(good.tag.map((b, i) => b ^ ej0[i])),
  });
  forge('last ciphertext bit flipped', 'ModifiedCiphertext', {
    ct: Buffer.from(good.ct.map((b, i) => (i === good.ct.length - 1 ? b ^ 1 : b))),
  });
  forge('ciphertext one byte short', 'ModifiedCiphertext', { ct: good.ct.subarray(0, good.ct.length - 1) });
  forge('ciphertext with a zero byte appended', 'ModifiedCiphertext', {
    ct: Buffer.concat([good.ct, Buffer.alloc(1)]),
  });
  forge('first AAD bit flipped', 'ModifiedAad', {
    aad: Buffer.from(aad.map((b, i) => (i === 0 ? b ^ 0x80 : b))),
  });
  forge('AAD one byte short', 'ModifiedAad', { aad: aad.subarray(0, aad.length - 1) });
  forge('AAD and ciphertext boundary moved', 'ModifiedAad', {
    aad: Buffer.concat([aad, good.ct.subarray(0, 1)]),
    ct: good.ct.subarray(1),
  });
  forge('IV last bit flipped', 'ModifiedIv', { iv: Buffer.from(iv.map((b, i) => (i === 11 ? b ^ 1 : b))) });
  gcmGroups.push({ keySize, ivSize: 96, tagSize: 128, tests });
}

writeFileSync(
  new URL('aes-gcm.json', out),
  `${JSON.stringify(
    {
      algorithm: 'AES-GCM',
      generator: 'packages/srtp/scripts/gen-crypto-vectors.mjs (node:crypto as oracle)',
      numberOfTests: tcId,
      notes: {
        EmptyAad: 'no additional data',
        EmptyMessage: 'no plaintext: the tag covers the AAD alone',
        WholeBlocks: 'the message fills whole 16-byte blocks',
        EdgeIv: 'IV at an edge value',
        NativeThreshold: 'AAD + message around the switch to node AES-GCM',
        ModifiedTag: 'the tag was altered',
        ModifiedCiphertext: 'the ciphertext was altered or its length changed',
        ModifiedAad: 'the AAD was altered or its length changed',
        ModifiedIv: 'opened under another IV',
      },
      testGroups: gcmGroups,
    },
    null,
    1,
  )}\n`,
);

// ---- HMAC-SHA1 ----------------------------------------------------------------------------------

// SRTP's MAC input is the packet and a 4-byte trailer: message lengths around the 55/56/64-byte
// padding edges of one and two blocks, and keys shorter than, equal to and longer than a block.
const KEY_LENGTHS = [0, 1, 20, 63, 64, 65, 100];
const HMAC_MSG_LENGTHS = [4, 5, 51, 52, 55, 56, 59, 60, 63, 64, 65, 115, 116, 119, 120, 127, 128, 129, 300];
tcId = 0;
const hmacTests = [];
for (const keyLength of KEY_LENGTHS) {
  for (const msgLength of HMAC_MSG_LENGTHS) {
    const key = bytes(`hmac-key-${keyLength}-${msgLength}`, keyLength);
    const msg = bytes(`hmac-msg-${keyLength}-${msgLength}`, msgLength);
    hmacTests.push({
      tcId: ++tcId,
      comment: `key ${keyLength} bytes, message ${msgLength} bytes`,
      flags: keyLength > 64 ? ['LongKey'] : [],
      key: hex(key),
      msg: hex(msg),
      tag: hex(createHmac('sha1', key).update(msg).digest()),
      result: 'valid',
    });
  }
}
writeFileSync(
  new URL('hmac-sha1.json', out),
  `${JSON.stringify(
    {
      algorithm: 'HMACSHA1',
      generator: 'packages/srtp/scripts/gen-crypto-vectors.mjs (node:crypto as oracle)',
      numberOfTests: tcId,
      notes: { LongKey: 'key longer than the 64-byte block: hashed first (RFC 2104 §2)' },
      testGroups: [{ keySize: 'varies', tagSize: 160, tests: hmacTests }],
    },
    null,
    1,
  )}\n`,
);
