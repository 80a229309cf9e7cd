import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { before, test } from 'node:test';
import { runSoak } from '../bench/soak-keys.js';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsGroupName } from '../src/config.js';
import { generateKeyShare, type KeyShareGroup } from '../src/crypto/key-share.js';
import { DtlsEngine } from '../src/engine.js';
import { Prng } from './sim/prng.js';

/*
 * On Node 20 a garbage collection that destroys a finished key-generation job while a JWK export (or
 * a key-details read) of the same key holds the key's mutex deadlocks the process. The handshake
 * path must therefore run no key-generation job and export no key as JWK.
 */

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

/** Runs `fn` and returns the key-generation jobs and JWK exports it started. */
function watchKeyOperations(fn: () => void): { jobs: string[]; jwkExports: number } {
  const jobs: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (/KEY.*GEN/.test(type)) jobs.push(type);
    },
  });
  const x25519 = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: Buffer.alloc(32, 1).toString('base64url'), x: '' },
    format: 'jwk',
  });
  const prototypes = new Set<{ export: KeyObject['export'] }>([
    Object.getPrototypeOf(x25519),
    Object.getPrototypeOf(createPublicKey(x25519)),
    Object.getPrototypeOf(a.privateKey),
    Object.getPrototypeOf(a.publicKey),
  ]);
  let jwkExports = 0;
  const originals = new Map<{ export: KeyObject['export'] }, KeyObject['export']>();
  for (const p of prototypes) {
    const original = p.export;
    originals.set(p, original);
    p.export = function (this: KeyObject, options?: { format?: string }) {
      if (options?.format === 'jwk') jwkExports++;
      return original.call(this, options as never);
    } as KeyObject['export'];
  }
  hook.enable();
  try {
    fn();
  } finally {
    hook.disable();
    for (const [p, original] of originals) p.export = original;
  }
  return { jobs, jwkExports };
}

function handshake(group: DtlsGroupName, rng?: (n: number) => Uint8Array): void {
  const common = rng === undefined ? { groups: [group] } : { groups: [group], rng };
  const client = new DtlsEngine({
    role: 'client',
    certificate: a,
    expectedFingerprint: b.fingerprint(),
    ...common,
  });
  const server = new DtlsEngine({
    role: 'server',
    certificate: b,
    expectedFingerprint: a.fingerprint(),
    ...common,
  });
  client.start(0);
  for (let round = 0; round < 20; round++) {
    let moved = false;
    for (let d = client.pollTransmit(); d; d = client.pollTransmit(), moved = true)
      server.handleDatagram(d, 1);
    for (let d = server.pollTransmit(); d; d = server.pollTransmit(), moved = true)
      client.handleDatagram(d, 1);
    if (!moved) break;
  }
  assert.equal(client.state, 'connected');
  assert.equal(server.state, 'connected');
}

test('the handshake path runs no key-generation job and exports no key as JWK, in every group', () => {
  const seen = watchKeyOperations(() => {
    for (const group of [29, 23, 24] as KeyShareGroup[]) generateKeyShare(group);
    for (const group of ['x25519', 'secp256r1', 'secp384r1'] as DtlsGroupName[]) handshake(group);
  });
  assert.deepEqual(seen, { jobs: [], jwkExports: 0 });
});

test('the watch sees the construction that deadlocked: a key-generation job, then a JWK export', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const seen = watchKeyOperations(() => {
    generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
  });
  assert.deepEqual(seen, { jobs: ['KEYPAIRGENREQUEST'], jwkExports: 1 });
});

test('ephemeral keys come from the injected rng: the same seed gives the same key shares', () => {
  for (const group of [29, 23, 24] as KeyShareGroup[]) {
    const one = new Prng(7);
    const two = new Prng(7);
    const x = generateKeyShare(group, (n) => one.bytes(n));
    const y = generateKeyShare(group, (n) => two.bytes(n));
    assert.deepEqual(x.publicKey, y.publicKey, `group ${group}`);
    assert.notDeepEqual(x.publicKey, generateKeyShare(group).publicKey, `group ${group}`);
  }
  // A seeded engine pair still completes, in every group.
  for (const group of ['x25519', 'secp256r1', 'secp384r1'] as DtlsGroupName[]) {
    const prng = new Prng(11);
    handshake(group, (n) => prng.bytes(n));
  }
});

test('an rng that cannot give a valid private key ends in an error, not a loop', () => {
  assert.throws(() => generateKeyShare(23, (n) => new Uint8Array(n)), /no valid prime256v1 private key/);
  assert.throws(() => generateKeyShare(29, () => new Uint8Array(5)), /32 bytes/);
});

test('a short key-share and handshake soak completes under its watchdog', async () => {
  const r = await runSoak(['--shares', '3000', '--handshakes', '30', '--stall-ms', '30000']);
  assert.equal(r.hung, false);
  assert.equal(r.shares, 3000);
  assert.equal(r.handshakes, 30);
  assert.ok(r.sharesPerSecond > 0 && r.handshakesPerSecond > 0);
});

test('the soak watchdog reports a child that stops for good as hung', async () => {
  const r = await runSoak([
    '--shares',
    '2000',
    '--handshakes',
    '0',
    '--hang-after',
    '600',
    '--stall-ms',
    '1500',
  ]);
  assert.equal(r.hung, true);
  assert.equal(r.phase, 'shares');
  assert.ok(r.shares >= 512 && r.shares <= 600, `progress before the hang: ${r.shares}`);
});
