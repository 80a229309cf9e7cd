/**
 * The known answers each hand-written kernel checks on its first use (see ../self-test/index.ts).
 * Small on purpose: enough to exercise every round, slice and fold once, cheap enough to run in
 * the first session's constructor. The full vector sets live in the tests.
 */

/** FIPS 180-4 examples (FIPS 180-2 Appendix A.1, A.2): one and two blocks. */
export const SHA1_ANSWERS: readonly { readonly message: string; readonly digest: string }[] = [
  { message: 'abc', digest: 'a9993e364706816aba3e25717850c26c9cd0d89d' },
  {
    message: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    digest: '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  },
];

/** RFC 2202 §3 cases 2 and 7 (a short key; a key longer than the block, with two blocks of data). */
export const HMAC_SHA1_ANSWERS: readonly {
  readonly key: string;
  readonly data: string;
  readonly mac: string;
}[] = [
  {
    key: Buffer.from('Jefe').toString('hex'),
    data: Buffer.from('what do ya want for nothing?').toString('hex'),
    mac: 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  },
  {
    key: 'aa'.repeat(80),
    data: Buffer.from('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data').toString(
      'hex',
    ),
    mac: 'e8e99d0f45237d786d6bbaa7965c7808bbff1a91',
  },
];

/**
 * The GCM specification's test cases 2 and 4 (McGrew and Viega; NIST SP 800-38D examples) and
 * RFC 7714 §16.1.1: one block, a partial block with AAD, and an RTP packet.
 */
export const GCM_ANSWERS: readonly {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly plain: string;
  readonly cipher: string;
  readonly tag: string;
}[] = [
  {
    key: '00'.repeat(16),
    iv: '00'.repeat(12),
    aad: '',
    plain: '00'.repeat(16),
    cipher: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    key: 'feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plain:
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
      '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    cipher:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
      '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    key: '000102030405060708090a0b0c0d0e0f',
    iv: '51753c6580c2726f20718414',
    aad: '8040f17b8041f8d35501a0b2',
    plain: '47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573',
    cipher: 'f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833',
    tag: '899d7f27beb16a9152cf765ee4390cce',
  },
];

/** RFC 3711 Appendix B.2 (AES-CM keystream, blocks 0-2) and B.3 (the PRF's cipher key). */
export const AES_CM_ANSWERS = {
  key: '2b7e151628aed2a6abf7158809cf4f3c',
  salt: 'f0f1f2f3f4f5f6f7f8f9fafbfcfd',
  keystream:
    'e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0',
  prf: {
    masterKey: 'e1f97a0d3e018be0d64fa32c06de4139',
    masterSalt: '0ec675ad498afeebb6960b3aabe6',
    cipherKey: 'c61e7a93744f39ee10734afe3ff7a087',
  },
} as const;
