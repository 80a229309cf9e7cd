import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import test from 'node:test';
import { AesCounterMode, checkAesCounterMode, KeystreamLookahead } from '../src/crypto/aes-counter-mode.js';
import { checkHmacSha1Path, checkSha1Kernel, HmacSha1, type Sha1Compress } from '../src/crypto/hmac-sha1.js';
import { sha1Compress } from '../src/crypto/sha1-compress.js';
import { AesGcm, checkGcmEngine, type GcmEngine } from '../src/gcm/aes-gcm.js';
import { compileGcmKernel, GcmKernel } from '../src/gcm/gcm-kernel.js';
import { gcmGhashBuild, SrtpSession, srtpSelfTest } from '../src/index.js';
import { hex } from './vectors.js';

// The self-test at first use: every hand-written kernel checks known answers once; one that
// disagrees is replaced by node:crypto's implementation of that primitive. Faulty kernels are
// injected through the check functions' and the classes' parameters, never a global switch.

test('on this runtime every hand-written kernel passes its self-test and serves', () => {
  const report = srtpSelfTest();
  assert.deepEqual(report, {
    sha1: { serves: 'javascript', checked: 'javascript', passed: true },
    ghash: { serves: 'wasm-simd', checked: 'wasm-simd', passed: true },
    aesCm: { serves: 'ecb-counter-blocks', checked: 'ecb-counter-blocks', passed: true },
    fellBack: false,
  });
  assert.equal(gcmGhashBuild(), 'wasm-simd');
  // Sessions made now use them: the batch path (AES-CM counter blocks of our own) is on.
  const s = new SrtpSession({
    profile: 'SRTP_AES128_CM_HMAC_SHA1_80',
    masterKey: new Uint8Array(16),
    masterSalt: new Uint8Array(14),
  });
  assert.equal(s.protectRtpBatch([]).length, 0);
});

// ---- SHA-1 ------------------------------------------------------------------------------------

/** A compression that is right except for one bit of the state it leaves: a miscompiled round. */
const faultySha1: Sha1Compress = (h, view, off) => {
  sha1Compress(h, view, off);
  h[2] = h[2]! ^ 0x100;
};

test('a faulty SHA-1 compression fails its self-test, and HmacSha1 then serves node Hmac for every length', () => {
  const check = checkSha1Kernel(faultySha1);
  assert.equal(check.serves, 'node-crypto');
  assert.match(check.serves === 'node-crypto' ? check.failure : '', /SHA-1\("abc"\)/);
  const key = randomBytes(20);
  const fallback = new HmacSha1(key, undefined, check);
  assert.equal(fallback.serves, 'node-crypto');
  assert.equal(new HmacSha1(key).serves, 'javascript');
  for (const length of [0, 12, 160, 1200, 3000]) {
    const data = randomBytes(length);
    const t = Buffer.alloc(4);
    t.writeUInt32BE(7);
    const expected = createHmac('sha1', key).update(data).update(t).digest().subarray(0, 10);
    const out = new Uint8Array(10);
    fallback.macWithTrailer(data, 0, length, 7, out, 0, 10);
    assert.deepEqual(Buffer.from(out), expected, `length ${length}`);
    assert.equal(fallback.verifyWithTrailer(data, 0, length, 7, expected, 0, 10), true);
  }
});

test('a SHA-1 compression that passes FIPS 180 but breaks HMAC (wrong on the second block) fails too', () => {
  let calls = 0;
  const secondBlockWrong: Sha1Compress = (h, view, off) => {
    sha1Compress(h, view, off);
    // The self-test's two SHA-1 messages take three compressions; the HMAC answers come after.
    if (++calls > 3) h[0] = h[0]! ^ 1;
  };
  assert.equal(checkSha1Kernel(secondBlockWrong).serves, 'node-crypto');
});

test('a SHA-1 compression that throws fails its self-test instead of breaking the caller', () => {
  const check = checkSha1Kernel(() => {
    throw new Error('trap');
  });
  assert.equal(check.serves, 'node-crypto');
  assert.match(check.serves === 'node-crypto' ? check.failure : '', /threw: Error: trap/);
});

test('the real SHA-1 compression and HmacSha1 JS path pass their checks', () => {
  assert.equal(checkSha1Kernel(sha1Compress).serves, 'javascript');
  assert.equal(checkHmacSha1Path().serves, 'javascript');
});

// ---- GHASH ------------------------------------------------------------------------------------

/** A kernel whose GHASH key is off by one bit: every tag it makes or checks is wrong. */
class FaultyGhashKernel extends GcmKernel {
  override loadKey(hPowers: Uint8Array): void {
    const wrong = Uint8Array.from(hPowers);
    wrong[5] = wrong[5]! ^ 0x10;
    super.loadKey(wrong);
  }
}

test('a faulty GHASH kernel (SIMD or scalar) fails its self-test and AES-GCM falls back to node', () => {
  for (const simd of [true, false]) {
    const faulty: GcmEngine = {
      build: simd ? 'wasm-simd' : 'wasm-scalar',
      kernel: new FaultyGhashKernel(compileGcmKernel(simd)),
    };
    const check = checkGcmEngine(faulty);
    assert.equal(check.checked, faulty.build);
    assert.equal(check.engine.build, 'node-crypto');
    assert.match(check.failure ?? '', /GCM known answer 1: seal gave/);

    const key = randomBytes(16);
    const iv = randomBytes(12);
    const aad = randomBytes(12);
    const plain = randomBytes(160);
    const c = createCipheriv('aes-128-gcm', key, iv);
    c.setAAD(aad);
    const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);

    const data = Buffer.concat([plain, Buffer.alloc(16)]);
    const fallback = new AesGcm(key, check.engine);
    assert.equal(fallback.build, 'node-crypto');
    fallback.seal(iv, aad, data, 0, 160, data, 160);
    assert.deepEqual(data, expected);
    assert.equal(fallback.open(iv, aad, data, 0, 160, data, 160), true);
    assert.deepEqual(data.subarray(0, 160), plain);
    data[170] = data[170]! ^ 1;
    assert.equal(fallback.open(iv, aad, data, 0, 160, data, 160), false);

    // The seam is live: the faulty kernel, were it trusted, writes a wrong tag.
    const trusted = Buffer.concat([plain, Buffer.alloc(16)]);
    new AesGcm(key, faulty).seal(iv, aad, trusted, 0, 160, trusted, 160);
    assert.notDeepEqual(trusted.subarray(160), expected.subarray(160));
  }
});

test('every real GHASH build passes the check', () => {
  for (const engine of [
    { build: 'wasm-simd', kernel: new GcmKernel(compileGcmKernel(true)) },
    { build: 'wasm-scalar', kernel: new GcmKernel(compileGcmKernel(false)) },
    { build: 'javascript' },
  ] as const satisfies readonly GcmEngine[]) {
    const check = checkGcmEngine(engine);
    assert.equal(check.failure, undefined, engine.build);
    assert.equal(check.engine, engine);
  }
});

test('a GHASH kernel that accepts any tag fails the self-test on the flipped-tag check', () => {
  class AcceptsAll extends GcmKernel {
    override get exports() {
      const real = super.exports;
      return { ...real, memory: real.memory, open: () => 1, tagsEqual: () => 1 };
    }
  }
  const check = checkGcmEngine({ build: 'wasm-simd', kernel: new AcceptsAll(compileGcmKernel(true)) });
  assert.equal(check.engine.build, 'node-crypto');
  assert.match(check.failure ?? '', /accepted a flipped tag bit/);
});

// ---- AES-CM ------------------------------------------------------------------------------------

/** Counter blocks laid out right but one keystream byte XORed wrong: a broken word-aligned XOR. */
class FaultyXor extends AesCounterMode {
  override xorKeystream(
    keystream: Uint8Array,
    ksOffset: number,
    data: Uint8Array,
    start: number,
    end: number,
  ): void {
    super.xorKeystream(keystream, ksOffset, data, start, end);
    if (end - start > 16) data[start + 16] = data[start + 16]! ^ 4;
  }
}

/** Right for one packet, wrong once the lookahead serves a later packet from its buffer. */
class FaultyLookahead extends AesCounterMode {
  override xorWithLookahead(
    lookahead: KeystreamLookahead,
    ssrc: number,
    index: number,
    data: Uint8Array,
    start: number,
    end: number,
  ): void {
    super.xorWithLookahead(lookahead, ssrc, index, data, start, end);
    if (index !== lookahead.start) data[start] = data[start]! ^ 1;
  }
}

test('a faulty AES-CM keystream path fails its self-test: node AES-CTR serves, and the batch path is off', () => {
  for (const Faulty of [FaultyXor, FaultyLookahead]) {
    const check = checkAesCounterMode((k, s) => new Faulty(k, s, 'ecb-counter-blocks'));
    assert.equal(check.serves, 'node-crypto', Faulty.name);
    assert.ok(check.failure, Faulty.name);
  }
  const fallback = new AesCounterMode(
    hex('2B7E151628AED2A6ABF7158809CF4F3C'),
    hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
    'node-crypto',
  );
  assert.equal(fallback.batchable, false);
  // RFC 3711 B.2, blocks 0-2, by node's AES-CTR.
  const stream = new Uint8Array(48);
  fallback.xor(0, 0, 0, stream, 0, 48);
  assert.equal(
    Buffer.from(stream).toString('hex'),
    'e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0',
  );
  // Identical keystream to the hand-written path for packets of many sizes, SSRCs and indices.
  const key = randomBytes(32);
  const salt = randomBytes(14);
  const ours = new AesCounterMode(key, salt, 'ecb-counter-blocks');
  const node = new AesCounterMode(key, salt, 'node-crypto');
  const la1 = new KeystreamLookahead();
  const la2 = new KeystreamLookahead();
  for (let i = 0; i < 200; i++) {
    const length = (i * 37) % 1500;
    const index = 0xfff0 + i;
    const a = new Uint8Array(length + 1).fill(i);
    const b = Uint8Array.from(a);
    ours.xorWithLookahead(la1, 0xdeadbeef, index, a, 1, length + 1);
    node.xorWithLookahead(la2, 0xdeadbeef, index, b, 1, length + 1);
    assert.deepEqual(a, b, `packet ${i}`);
  }
  // The key derivation PRF (RFC 3711 B.3) through node's AES-CTR.
  const prf = new AesCounterMode(hex('E1F97A0D3E018BE0D64FA32C06DE4139'), undefined, 'node-crypto');
  assert.equal(
    prf.keystreamFromPrefix(hex('0EC675AD498AFEEBB6960B3AABE6'), 16).toString('hex'),
    'c61e7a93744f39ee10734afe3ff7a087',
  );
});

test('the real AES-CM keystream path passes the check', () => {
  assert.deepEqual(
    checkAesCounterMode((k, s) => new AesCounterMode(k, s, 'ecb-counter-blocks')),
    { serves: 'ecb-counter-blocks' },
  );
});
