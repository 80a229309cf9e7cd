import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import test from 'node:test';
import fc from 'fast-check';
import {
  AesGcm,
  type GcmPacket,
  gcmGhashBuild,
  gcmKernelMemoryBytes,
  NATIVE_GCM_FROM_BYTES,
} from '../src/gcm/aes-gcm.js';
import { AesGcmPortable } from '../src/gcm/aes-gcm-portable.js';
import { AesGcmReference } from '../src/gcm/aes-gcm-reference.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface KnownAnswer {
  name: string;
  key: string;
  iv: string;
  aad: string;
  plain: string;
  cipher: string;
  tag: string;
}

const K1 = 'feffe9928665731c6d6a8f9467308308';
const IV1 = 'cafebabefacedbaddecaf888';
const AAD1 = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const P60 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
  '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
const C4 =
  '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
  '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091';
const C16 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
  '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
const RTP_HEADER = '8040f17b8041f8d35501a0b2';
const RTP_PAYLOAD = '47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573';

/** The GCM specification's test cases with 96-bit IVs (McGrew and Viega, appendix B) and RFC 7714 §16. */
const KNOWN_ANSWERS: KnownAnswer[] = [
  {
    name: 'GCM case 1',
    key: '00'.repeat(16),
    iv: '00'.repeat(12),
    aad: '',
    plain: '',
    cipher: '',
    tag: '58e2fccefa7e3061367f1d57a4e7455a',
  },
  {
    name: 'GCM case 2',
    key: '00'.repeat(16),
    iv: '00'.repeat(12),
    aad: '',
    plain: '00'.repeat(16),
    cipher: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    name: 'GCM case 3',
    key: K1,
    iv: IV1,
    aad: '',
    plain: `${P60}1aafd255`,
    cipher: `${C4}473f5985`,
    tag: '4d5c2af327cd64a62cf35abd2ba6fab4',
  },
  {
    name: 'GCM case 4',
    key: K1,
    iv: IV1,
    aad: AAD1,
    plain: P60,
    cipher: C4,
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'GCM case 13',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    plain: '',
    cipher: '',
    tag: '530f8afbc74536b9a963b4f1c4cb738b',
  },
  {
    name: 'GCM case 14',
    key: '00'.repeat(32),
    iv: '00'.repeat(12),
    aad: '',
    plain: '00'.repeat(16),
    cipher: 'cea7403d4d606b6e074ec5d3baf39d18',
    tag: 'd0d1c8a799996bf0265b98b5d48ab919',
  },
  {
    name: 'GCM case 15',
    key: K1 + K1,
    iv: IV1,
    aad: '',
    plain: `${P60}1aafd255`,
    cipher: `${C16}898015ad`,
    tag: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    name: 'GCM case 16',
    key: K1 + K1,
    iv: IV1,
    aad: AAD1,
    plain: P60,
    cipher: C16,
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
  {
    name: 'RFC 7714 §16.1.1 AEAD_AES_128_GCM',
    key: '000102030405060708090a0b0c0d0e0f',
    iv: '51753c6580c2726f20718414',
    aad: RTP_HEADER,
    plain: RTP_PAYLOAD,
    cipher: 'f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833',
    tag: '899d7f27beb16a9152cf765ee4390cce',
  },
  {
    name: 'RFC 7714 §16.2.1 AEAD_AES_256_GCM',
    key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    iv: '51753c6580c2726f20718414',
    aad: RTP_HEADER,
    plain: RTP_PAYLOAD,
    cipher: '32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b',
    tag: '7aa3db36dfffd6b0f9bb7878d7a76c13',
  },
];

for (const implementation of [AesGcm, AesGcmPortable, AesGcmReference]) {
  for (const v of KNOWN_ANSWERS) {
    test(`${implementation.name} seals and opens ${v.name} in place at an offset`, () => {
      const gcm = new implementation(hex(v.key));
      const plain = hex(v.plain);
      // Surround the payload with guard bytes that must survive untouched.
      const buf = new Uint8Array(plain.length + 7).fill(0xa5);
      buf.set(plain, 3);
      const tagBuf = new Uint8Array(21).fill(0x5a);
      gcm.seal(hex(v.iv), hex(v.aad), buf, 3, 3 + plain.length, tagBuf, 5);
      assert.equal(toHex(buf.subarray(3, 3 + plain.length)), v.cipher);
      assert.equal(toHex(tagBuf.subarray(5, 21)), v.tag);
      assert.deepEqual([...buf.subarray(0, 3), ...buf.subarray(3 + plain.length)], new Array(7).fill(0xa5));
      assert.deepEqual([...tagBuf.subarray(0, 5)], new Array(5).fill(0x5a));

      assert.equal(gcm.open(hex(v.iv), hex(v.aad), buf, 3, 3 + plain.length, tagBuf, 5), true);
      assert.equal(toHex(buf.subarray(3, 3 + plain.length)), v.plain);
    });
  }
}

/** Node's own AES-GCM, one cipher per message. */
function nodeSeal(
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  plain: Uint8Array,
): { c: Buffer; t: Buffer } {
  const cipher = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const c = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { c, t: cipher.getAuthTag() };
}

const gcmCase = fc.record({
  key: fc.oneof(
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
  ),
  iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  aad: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 80 })),
  data: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 2000 })),
  before: fc.nat(20),
  after: fc.nat(20),
});

for (const Impl of [AesGcm, AesGcmPortable]) {
  test(`${Impl.name} seal and open agree with node:crypto AES-GCM on random keys, IVs, AAD and data`, () => {
    fc.assert(
      fc.property(gcmCase, ({ key, iv, aad, data, before, after }) => {
        const expected = nodeSeal(key, iv, aad, data);
        const gcm = new Impl(key);
        const buf = new Uint8Array(before + data.length + after + 16);
        buf.set(data, before);
        const end = before + data.length;
        gcm.seal(iv, aad, buf, before, end, buf, end);
        assert.equal(toHex(buf.subarray(before, end)), expected.c.toString('hex'));
        assert.equal(toHex(buf.subarray(end, end + 16)), expected.t.toString('hex'));
        assert.equal(gcm.open(iv, aad, buf, before, end, buf, end), true);
        assert.deepEqual(buf.subarray(before, end), data);
      }),
      { numRuns: 400 },
    );
  });

  test(`${Impl.name} one instance seals a sequence of packets of varying sizes like fresh node:crypto ciphers`, () => {
    // Keyed state lives across calls: nothing from one packet may leak into the next.
    const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const gcm = new Impl(key);
    const reference = new AesGcmReference(key);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 1300 }),
        (iv, aad, data) => {
          const a = Uint8Array.from(data);
          const b = Uint8Array.from(data);
          const ta = new Uint8Array(16);
          const tb = new Uint8Array(16);
          gcm.seal(iv, aad, a, 0, a.length, ta, 0);
          reference.seal(iv, aad, b, 0, b.length, tb, 0);
          assert.deepEqual(a, b);
          assert.deepEqual(ta, tb);
        },
      ),
      { numRuns: 300 },
    );
  });

  test(`${Impl.name} opens what node:crypto sealed`, () => {
    fc.assert(
      fc.property(gcmCase, ({ key, iv, aad, data }) => {
        const { c, t } = nodeSeal(key, iv, aad, data);
        const buf = Uint8Array.from(c);
        assert.equal(new Impl(key).open(iv, aad, buf, 0, buf.length, t, 0), true);
        assert.deepEqual(buf, data);
      }),
      { numRuns: 150 },
    );
  });

  test(`${Impl.name} rejects any single bit flip in tag, AAD, ciphertext or IV and leaves the data untouched`, () => {
    fc.assert(
      fc.property(
        gcmCase,
        fc.constantFrom('tag', 'aad', 'data', 'iv'),
        fc.nat(),
        ({ key, iv, aad, data }, where, position) => {
          const field = { tag: 16, aad: aad.length, data: data.length, iv: 12 }[where];
          fc.pre(field > 0);
          const gcm = new Impl(key);
          const buf = Uint8Array.from(data);
          const tag = new Uint8Array(16);
          gcm.seal(iv, aad, buf, 0, buf.length, tag, 0);
          const bit = position % (field * 8);
          const flip = (b: Uint8Array) => {
            b[bit >> 3] = b[bit >> 3]! ^ (1 << (bit & 7));
          };
          const badAad = Uint8Array.from(aad);
          const badIv = Uint8Array.from(iv);
          if (where === 'tag') flip(tag);
          if (where === 'aad') flip(badAad);
          if (where === 'data') flip(buf);
          if (where === 'iv') flip(badIv);
          const before = Uint8Array.from(buf);
          assert.equal(gcm.open(badIv, badAad, buf, 0, buf.length, tag, 0), false);
          assert.deepEqual(buf, before);
        },
      ),
      { numRuns: 400 },
    );
  });
}

test('rejects a tag of all zeros on empty data and empty AAD', () => {
  const gcm = new AesGcm(new Uint8Array(16));
  assert.equal(
    gcm.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(0), 0, 0, new Uint8Array(16), 0),
    false,
  );
});

test('AesGcm runs GHASH in the WebAssembly SIMD build on this engine', () => {
  assert.equal(gcmGhashBuild(), 'wasm-simd');
});

test('a key that is neither 16 nor 32 bytes throws naming key', () => {
  for (const n of [0, 15, 24, 33]) {
    assert.throws(() => new AesGcm(new Uint8Array(n)), /key/);
  }
});

test('misuse of the range, IV or tag position throws naming the parameter', () => {
  const gcm = new AesGcm(new Uint8Array(16));
  const iv = new Uint8Array(12);
  const aad = new Uint8Array(0);
  const data = new Uint8Array(32);
  const tag = new Uint8Array(16);
  assert.throws(() => gcm.seal(new Uint8Array(16), aad, data, 0, 32, tag, 0), /iv/);
  assert.throws(() => gcm.seal(iv, aad, data, 5, 4, tag, 0), /end/);
  assert.throws(() => gcm.seal(iv, aad, data, -1, 4, tag, 0), /start/);
  assert.throws(() => gcm.seal(iv, aad, data, 0, 33, tag, 0), /end/);
  assert.throws(() => gcm.seal(iv, aad, data, 0, 32, tag, 1), /tagOffset/);
  assert.throws(() => gcm.open(iv, aad, data, 0, 32, tag, 1), /tagOffset/);
  // The tag may follow the data in the same buffer, but not overlap it.
  assert.throws(() => gcm.seal(iv, aad, data, 0, 20, data, 8), /tagOffset/);
  assert.throws(() => gcm.open(iv, aad, data.subarray(4), 0, 10, data, 0), /tagOffset/);
  gcm.seal(iv, aad, data, 0, 16, data, 16);
  assert.equal(gcm.open(iv, aad, data, 0, 16, data, 16), true);
});

test('interleaved instances with different keys share the kernel without mixing keys', () => {
  const keys = [hex('00'.repeat(16)), hex('11'.repeat(32)), hex('22'.repeat(16))];
  const fast = keys.map((k) => new AesGcm(k));
  const reference = keys.map((k) => new AesGcmReference(k));
  for (let round = 0; round < 30; round++) {
    const i = round % 3;
    const iv = new Uint8Array(12).fill(round);
    const aad = new Uint8Array(round).fill(7);
    const a = new Uint8Array(17 * round).fill(round);
    const b = Uint8Array.from(a);
    const ta = new Uint8Array(16);
    const tb = new Uint8Array(16);
    fast[i]!.seal(iv, aad, a, 0, a.length, ta, 0);
    reference[i]!.seal(iv, aad, b, 0, b.length, tb, 0);
    assert.deepEqual(a, b);
    assert.deepEqual(ta, tb);
    assert.equal(fast[(i + 1) % 3]!.open(iv, aad, a, 0, a.length, ta, 0), false);
    assert.equal(fast[i]!.open(iv, aad, a, 0, a.length, ta, 0), true);
  }
});

test('a batch larger than the kernel memory it starts with grows it and still matches node:crypto', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const gcm = new AesGcm(key);
  const items = Array.from({ length: 80 }, (_, i) => ({
    iv: new Uint8Array(12).fill(i),
    aad: new Uint8Array(12).fill(i + 1),
    plain: Uint8Array.from({ length: NATIVE_GCM_FROM_BYTES - 13 - i }, (_, j) => (i * j) & 0xff),
  }));
  const packets: GcmPacket[] = items.map(({ iv, aad, plain }) => {
    const data = new Uint8Array(plain.length + 16);
    data.set(plain);
    return { iv, aad, data, start: 0, end: plain.length, tag: data, tagOffset: plain.length };
  });
  gcm.sealBatch(packets);
  assert.ok(gcmKernelMemoryBytes() > 80 * (NATIVE_GCM_FROM_BYTES - 100));
  items.forEach(({ iv, aad, plain }, i) => {
    const expected = nodeSeal(key, iv, aad, plain);
    const p = packets[i]!;
    assert.ok(Buffer.from(p.data.subarray(0, p.end)).equals(expected.c));
    assert.ok(Buffer.from(p.data.subarray(p.end)).equals(expected.t));
  });
  assert.equal(gcm.openBatch(packets, new Uint8Array(packets.length)), packets.length);
  items.forEach(({ plain }, i) => {
    assert.deepEqual(packets[i]!.data.subarray(0, plain.length), plain);
  });
});

test('a message of a megabyte goes through node AES-GCM without growing the kernel memory', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f');
  const iv = hex('51753c6580c2726f20718414');
  const aad = new Uint8Array(70_001).fill(3);
  const data = Uint8Array.from({ length: 1_000_003 }, (_, i) => i & 0xff);
  const expected = nodeSeal(key, iv, aad, data);
  const before = gcmKernelMemoryBytes();
  const buf = Uint8Array.from(data);
  const tag = new Uint8Array(16);
  const gcm = new AesGcm(key);
  gcm.seal(iv, aad, buf, 0, buf.length, tag, 0);
  assert.ok(Buffer.from(buf).equals(expected.c));
  assert.ok(Buffer.from(tag).equals(expected.t));
  tag[3]! ^= 8;
  assert.equal(gcm.open(iv, aad, buf, 0, buf.length, tag, 0), false);
  tag[3]! ^= 8;
  assert.equal(gcm.open(iv, aad, buf, 0, buf.length, tag, 0), true);
  assert.ok(Buffer.from(buf).equals(Buffer.from(data)));
  assert.equal(gcmKernelMemoryBytes(), before);
});

const batchPacket = fc.record({
  iv: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  aad: fc.uint8Array({ maxLength: 40 }),
  data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 1900, maxLength: 2300 })),
});

test('sealBatch gives the same ciphertexts and tags as node:crypto per packet', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.array(batchPacket, { maxLength: 20 }),
      (key, items) => {
        const packets: GcmPacket[] = items.map(({ iv, aad, data }) => {
          const buf = new Uint8Array(data.length + 16);
          buf.set(data);
          return { iv, aad, data: buf, start: 0, end: data.length, tag: buf, tagOffset: data.length };
        });
        new AesGcm(key).sealBatch(packets);
        items.forEach(({ iv, aad, data }, i) => {
          const expected = nodeSeal(key, iv, aad, data);
          const p = packets[i]!;
          assert.equal(toHex(p.data.subarray(0, data.length)), expected.c.toString('hex'));
          assert.equal(toHex(p.tag.subarray(p.tagOffset, p.tagOffset + 16)), expected.t.toString('hex'));
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('openBatch decrypts authentic packets, rejects forged ones and leaves those untouched', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(fc.tuple(batchPacket, fc.boolean()), { maxLength: 20 }),
      (key, items) => {
        const gcm = new AesGcm(key);
        // All packets share one buffer, each in its own range, as an SFU's receive ring would.
        const total = items.reduce((n, [{ data }]) => n + data.length + 16, 0);
        const ring = new Uint8Array(total);
        let at = 0;
        const packets: GcmPacket[] = items.map(([{ iv, aad, data }, forge]) => {
          ring.set(data, at);
          const p = {
            iv,
            aad,
            data: ring,
            start: at,
            end: at + data.length,
            tag: ring,
            tagOffset: at + data.length,
          };
          gcm.seal(iv, aad, ring, p.start, p.end, ring, p.tagOffset);
          if (forge) ring[p.tagOffset + (data.length % 16)]! ^= 0x40;
          at += data.length + 16;
          return p;
        });
        const before = Uint8Array.from(ring);
        const verified = new Uint8Array(items.length);
        const count = gcm.openBatch(packets, verified);
        assert.equal(count, items.filter(([, forge]) => !forge).length);
        items.forEach(([{ data }, forge], i) => {
          const p = packets[i]!;
          assert.equal(verified[i], forge ? 0 : 1);
          const now = ring.subarray(p.start, p.end);
          assert.deepEqual(now, forge ? before.subarray(p.start, p.end) : data);
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('an empty batch does nothing', () => {
  const gcm = new AesGcm(new Uint8Array(16));
  gcm.sealBatch([]);
  assert.equal(gcm.openBatch([], new Uint8Array(0)), 0);
});

test('a batch with one misused packet throws before touching any packet', () => {
  const gcm = new AesGcm(new Uint8Array(16));
  const good = new Uint8Array(32).fill(9);
  const packets: GcmPacket[] = [
    {
      iv: new Uint8Array(12),
      aad: new Uint8Array(0),
      data: good,
      start: 0,
      end: 16,
      tag: good,
      tagOffset: 16,
    },
    {
      iv: new Uint8Array(11),
      aad: new Uint8Array(0),
      data: good,
      start: 0,
      end: 16,
      tag: good,
      tagOffset: 16,
    },
  ];
  assert.throws(() => gcm.sealBatch(packets), /iv/);
  assert.deepEqual(good, new Uint8Array(32).fill(9));
  assert.throws(() => gcm.openBatch(packets.slice(0, 1), new Uint8Array(0)), /verified/);
});

test('both sides of the native-GCM threshold agree with node:crypto and reject forgeries', () => {
  const key = hex('feffe9928665731c6d6a8f9467308308');
  const gcm = new AesGcm(key);
  const t = NATIVE_GCM_FROM_BYTES;
  for (const size of [t - 17, t - 1, t, t + 1, t + 15, 1200, 1500]) {
    for (const aadLength of [0, 12, 13, 40]) {
      const iv = Uint8Array.from({ length: 12 }, (_, i) => i * size);
      const aad = Uint8Array.from({ length: aadLength }, (_, i) => i ^ size);
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
      const expected = nodeSeal(key, iv, aad, data);
      const buf = Uint8Array.from(data);
      const tag = new Uint8Array(16);
      gcm.seal(iv, aad, buf, 0, size, tag, 0);
      assert.ok(Buffer.from(buf).equals(expected.c), `ciphertext ${size}/${aadLength}`);
      assert.ok(Buffer.from(tag).equals(expected.t), `tag ${size}/${aadLength}`);
      for (const forge of ['tag', 'aad', 'data'] as const) {
        const badTag = Uint8Array.from(tag);
        const badAad = Uint8Array.from(aad);
        const badData = Uint8Array.from(buf);
        if (forge === 'tag') badTag[15]! ^= 1;
        if (forge === 'aad' && aadLength > 0) badAad[aadLength - 1]! ^= 0x80;
        if (forge === 'data') badData[size - 1]! ^= 2;
        if (forge === 'aad' && aadLength === 0) continue;
        const before = Uint8Array.from(badData);
        assert.equal(
          gcm.open(iv, badAad, badData, 0, size, badTag, 0),
          false,
          `${forge} ${size}/${aadLength}`,
        );
        assert.deepEqual(badData, before);
      }
      assert.equal(gcm.open(iv, aad, buf, 0, size, tag, 0), true);
      assert.deepEqual(buf, data);
    }
  }
});

test('a batch mixing packets below and above the native-GCM threshold seals and opens each correctly', () => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const gcm = new AesGcm(key);
  const sizes = [160, 1200, 0, 700, 33, NATIVE_GCM_FROM_BYTES, 16, 3000, 100];
  const plain = sizes.map((n, i) => Uint8Array.from({ length: n }, (_, j) => (i + j) & 0xff));
  const packets: GcmPacket[] = plain.map((d, i) => {
    const data = new Uint8Array(d.length + 16);
    data.set(d);
    const iv = new Uint8Array(12).fill(i + 1);
    return {
      iv,
      aad: new Uint8Array(12).fill(i),
      data,
      start: 0,
      end: d.length,
      tag: data,
      tagOffset: d.length,
    };
  });
  gcm.sealBatch(packets);
  packets.forEach((p, i) => {
    const expected = nodeSeal(key, p.iv, p.aad, plain[i]!);
    assert.ok(Buffer.from(p.data.subarray(0, p.end)).equals(expected.c), `ciphertext ${i}`);
    assert.ok(Buffer.from(p.data.subarray(p.end, p.end + 16)).equals(expected.t), `tag ${i}`);
  });
  // Forge every third packet, then open the whole batch.
  packets.forEach((p, i) => {
    if (i % 3 === 1) p.data[p.tagOffset]! ^= 1;
  });
  const sealed = packets.map((p) => Uint8Array.from(p.data));
  const verified = new Uint8Array(packets.length);
  assert.equal(gcm.openBatch(packets, verified), packets.length - 3);
  packets.forEach((p, i) => {
    assert.equal(verified[i], i % 3 === 1 ? 0 : 1, `verdict ${i}`);
    assert.deepEqual(p.data.subarray(0, p.end), i % 3 === 1 ? sealed[i]!.subarray(0, p.end) : plain[i]);
  });
});

test('without WebAssembly (node --jitless) AesGcm still seals GCM case 2 correctly', () => {
  const moduleUrl = new URL('../src/gcm/aes-gcm.js', import.meta.url).href;
  const script = [
    `const { AesGcm, gcmGhashBuild } = await import(${JSON.stringify(moduleUrl)});`,
    'const d = new Uint8Array(16); const t = new Uint8Array(16);',
    'new AesGcm(new Uint8Array(16)).seal(new Uint8Array(12), new Uint8Array(0), d, 0, 16, t, 0);',
    "console.log(gcmGhashBuild(), Buffer.from(d).toString('hex'), Buffer.from(t).toString('hex'));",
  ].join('\n');
  // Run from source through tsx when this test itself runs from source.
  const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const out = execFileSync(process.execPath, ['--jitless', ...loader, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.equal(out.trim(), 'javascript 0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf');
});

test('a large AAD with little data agrees with node:crypto, alone and in a batch', () => {
  const key = hex('feffe9928665731c6d6a8f9467308308');
  const gcm = new AesGcm(key);
  const iv = hex('cafebabefacedbaddecaf888');
  const aad = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  const data = Uint8Array.from({ length: 10 }, (_, i) => i);
  const expected = Buffer.concat(Object.values(nodeSeal(key, iv, aad, data)));
  const single = new Uint8Array(26);
  single.set(data);
  gcm.seal(iv, aad, single, 0, 10, single, 10);
  assert.ok(Buffer.from(single).equals(expected));

  const batched = new Uint8Array(26);
  batched.set(data);
  const small = new Uint8Array(26);
  small.set(data);
  const packets: GcmPacket[] = [
    { iv, aad, data: batched, start: 0, end: 10, tag: batched, tagOffset: 10 },
    {
      iv: hex('000000000000000000000001'),
      aad: new Uint8Array(0),
      data: small,
      start: 0,
      end: 10,
      tag: small,
      tagOffset: 10,
    },
  ];
  gcm.sealBatch(packets);
  assert.ok(Buffer.from(batched).equals(expected));
  assert.equal(gcm.openBatch(packets, new Uint8Array(2)), 2);
  assert.deepEqual(batched.subarray(0, 10), data);
  assert.deepEqual(small.subarray(0, 10), data);
});
