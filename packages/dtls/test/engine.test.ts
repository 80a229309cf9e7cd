import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { DtlsEngine } from '../src/engine.js';
import { connectedEvent, type SimResult, simulate } from './sim/network.js';

let ecdsaA: DtlsCertificate;
let ecdsaB: DtlsCertificate;
let rsa: DtlsCertificate;

before(async () => {
  [ecdsaA, ecdsaB, rsa] = await Promise.all([
    generateCertificate(),
    generateCertificate(),
    generateCertificate({ keyType: 'rsa-2048' }),
  ]);
});

/** Both sides connected with the same suite, exporter output and mirrored SRTP keys. */
function assertAgreed(r: SimResult): void {
  assert.equal(
    r.client.state,
    'connected',
    JSON.stringify(r.clientEvents.filter((e) => e.type !== 'connected')),
  );
  assert.equal(
    r.server.state,
    'connected',
    JSON.stringify(r.serverEvents.filter((e) => e.type !== 'connected')),
  );
  const c = connectedEvent(r.clientEvents)!;
  const s = connectedEvent(r.serverEvents)!;
  assert.equal(c.cipherSuite, s.cipherSuite);
  assert.deepEqual(
    r.client.exportKeyingMaterial('EXPERIMENTAL-test', 40, Uint8Array.of(1, 2)),
    r.server.exportKeyingMaterial('EXPERIMENTAL-test', 40, Uint8Array.of(1, 2)),
  );
  assert.equal(c.srtpProfile, s.srtpProfile);
  if (c.srtp !== undefined) {
    assert.ok(s.srtp);
    assert.deepEqual(c.srtp.localMasterKey, s.srtp.remoteMasterKey);
    assert.deepEqual(c.srtp.localMasterSalt, s.srtp.remoteMasterSalt);
    assert.deepEqual(c.srtp.remoteMasterKey, s.srtp.localMasterKey);
    assert.deepEqual(c.srtp.remoteMasterSalt, s.srtp.localMasterSalt);
    assert.notDeepEqual(c.srtp.localMasterKey, c.srtp.remoteMasterKey);
    assert.deepEqual(r.client.srtpKeyingMaterial(), c.srtp);
  }
}

test('client and server connect with mutual fingerprint authentication and agree on keys', () => {
  const r = simulate(
    { certificate: ecdsaA, expectedFingerprint: ecdsaB.fingerprint() },
    { certificate: ecdsaB, expectedFingerprint: ecdsaA.fingerprint() },
    { seed: 1 },
  );
  assertAgreed(r);
  const c = connectedEvent(r.clientEvents)!;
  const s = connectedEvent(r.serverEvents)!;
  assert.equal(c.version, 'DTLS 1.2');
  assert.equal(c.cipherSuite, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  assert.equal(c.srtpProfile, 'SRTP_AEAD_AES_128_GCM');
  assert.equal(c.peerFingerprint, ecdsaB.fingerprint());
  assert.equal(s.peerFingerprint, ecdsaA.fingerprint());
  assert.deepEqual(c.peerCertificate, ecdsaB.der);
  assert.equal(c.srtp?.localMasterKey.length, 16);
  assert.equal(c.srtp?.localMasterSalt.length, 12);
  assert.ok(c.handshakeMs > 0);
});

for (const suite of [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
]) {
  test(`negotiates ${suite} and exchanges application data`, () => {
    const serverCert = suite.includes('RSA') ? rsa : ecdsaB;
    const r = simulate(
      { certificate: ecdsaA, cipherSuites: [suite], expectedFingerprint: serverCert.fingerprint() },
      { certificate: serverCert, expectedFingerprint: ecdsaA.fingerprint() },
      { seed: 2 },
    );
    assertAgreed(r);
    assert.equal(connectedEvent(r.clientEvents)!.cipherSuite, suite);
    r.client.send(Uint8Array.of(1, 2, 3), r.now);
    r.server.handleDatagram(r.client.pollTransmit()!, r.now);
    const ev = r.server.pollEvent();
    assert.deepEqual(ev, { type: 'data', data: Uint8Array.of(1, 2, 3) });
    // The largest message fills exactly one datagram of the default mtu.
    const max = r.server.maxSendSize!;
    r.server.send(new Uint8Array(max).fill(7), r.now);
    const datagram = r.server.pollTransmit()!;
    assert.equal(datagram.length, 1200);
    assert.equal(r.server.pollTransmit(), undefined);
    r.client.handleDatagram(datagram, r.now);
    assert.deepEqual(r.client.pollEvent(), { type: 'data', data: new Uint8Array(max).fill(7) });
  });
}

test('an RSA client certificate authenticates to an ECDSA server', () => {
  const r = simulate(
    { certificate: rsa, expectedFingerprint: ecdsaB.fingerprint() },
    { certificate: ecdsaB, expectedFingerprint: rsa.fingerprint() },
    { seed: 3 },
  );
  assertAgreed(r);
  assert.deepEqual(connectedEvent(r.serverEvents)!.peerCertificate, rsa.der);
});

for (const group of ['x25519', 'secp256r1', 'secp384r1'] as const) {
  test(`agrees over ECDHE group ${group}`, () => {
    const r = simulate({ certificate: ecdsaA, groups: [group] }, { certificate: ecdsaB }, { seed: 4 });
    assertAgreed(r);
  });
}

test('the server picks the group by its own preference', () => {
  const r = simulate(
    { certificate: ecdsaA, groups: ['secp384r1', 'x25519'] },
    { certificate: ecdsaB, groups: ['x25519', 'secp384r1'] },
    { seed: 5 },
  );
  assertAgreed(r);
});

for (const profile of [
  'SRTP_AES128_CM_HMAC_SHA1_80',
  'SRTP_AES128_CM_HMAC_SHA1_32',
  'SRTP_NULL_HMAC_SHA1_80',
  'SRTP_NULL_HMAC_SHA1_32',
  'SRTP_AEAD_AES_128_GCM',
  'SRTP_AEAD_AES_256_GCM',
]) {
  test(`negotiates DTLS-SRTP profile ${profile} with mirrored keys`, () => {
    const r = simulate(
      { certificate: ecdsaA, srtpProfiles: [profile] },
      {
        certificate: ecdsaB,
        srtpProfiles: ['SRTP_AEAD_AES_256_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80', profile],
      },
      { seed: 6 },
    );
    assertAgreed(r);
    assert.equal(connectedEvent(r.clientEvents)!.srtpProfile, profile);
  });
}

test('the server picks the SRTP profile by its own preference order', () => {
  const r = simulate(
    { certificate: ecdsaA, srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_256_GCM'] },
    { certificate: ecdsaB, srtpProfiles: ['SRTP_AEAD_AES_256_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80'] },
    { seed: 7 },
  );
  assertAgreed(r);
  assert.equal(connectedEvent(r.serverEvents)!.srtpProfile, 'SRTP_AEAD_AES_256_GCM');
  assert.equal(r.client.srtpKeyingMaterial()?.localMasterKey.length, 32);
});

test('without a common SRTP profile the handshake completes without use_srtp', () => {
  const r = simulate(
    { certificate: ecdsaA, srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_32'] },
    { certificate: ecdsaB, srtpProfiles: ['SRTP_AEAD_AES_128_GCM'] },
    { seed: 8 },
  );
  assertAgreed(r);
  assert.equal(connectedEvent(r.clientEvents)!.srtpProfile, undefined);
  assert.equal(r.client.srtpKeyingMaterial(), undefined);
});

for (const suite of ['TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CCM_8']) {
  test(`negotiates ${suite} with a pre-shared key and no certificates`, () => {
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    const r = simulate(
      { psk: { identity: 'device-7', key }, cipherSuites: [suite] },
      {
        pskLookup: (id) => (new TextDecoder().decode(id) === 'device-7' ? key : undefined),
        pskIdentityHint: Uint8Array.of(1),
      },
      { seed: 9 },
    );
    assertAgreed(r);
    const c = connectedEvent(r.clientEvents)!;
    assert.equal(c.cipherSuite, suite);
    assert.equal(c.peerCertificate, undefined);
  });
}

test('an unknown PSK identity ends with unknown_psk_identity', () => {
  const r = simulate(
    { psk: { identity: 'who', key: Uint8Array.of(1, 2, 3) } },
    { pskLookup: () => undefined },
    { seed: 10, until: ({ client }) => client.state === 'closed' },
  );
  assert.equal(r.server.state, 'closed');
  assert.deepEqual(r.serverEvents.at(-1), {
    type: 'closed',
    reason: 'alert-sent',
    alert: 'unknown_psk_identity',
    detail: 'unknown PSK identity (RFC 4279 §2)',
  });
  assert.deepEqual(r.clientEvents.at(-1), {
    type: 'closed',
    reason: 'alert-received',
    alert: 'unknown_psk_identity',
  });
});

test('close_notify is answered and ends both sides', () => {
  const r = simulate({ certificate: ecdsaA }, { certificate: ecdsaB }, { seed: 11 });
  assertAgreed(r);
  r.client.close(r.now);
  assert.equal(r.client.state, 'closed');
  assert.deepEqual(r.client.pollEvent(), { type: 'closed', reason: 'local-close' });
  r.server.handleDatagram(r.client.pollTransmit()!, r.now);
  assert.equal(r.server.state, 'closed');
  assert.deepEqual(r.server.pollEvent(), {
    type: 'alert',
    level: 'warning',
    description: 0,
    name: 'close_notify',
    sent: false,
  });
  assert.deepEqual(r.server.pollEvent(), { type: 'closed', reason: 'close-notify', alert: 'close_notify' });
  assert.ok(r.server.pollTransmit(), 'the server answers with its own close_notify');
  assert.throws(() => r.client.send(Uint8Array.of(1), r.now), /not connected/);
});

test('API misuse throws at once naming the parameter', () => {
  assert.throws(() => new DtlsEngine({ role: 'middle' as 'client' }), /config\.role/);
  assert.throws(() => new DtlsEngine({ role: 'server' }), /certificate/);
  assert.throws(() => new DtlsEngine({ role: 'client', certificate: ecdsaA, mtu: 100 }), /config\.mtu/);
  assert.throws(
    () => new DtlsEngine({ role: 'client', certificate: ecdsaA, srtpProfiles: ['SRTP_NOPE'] }),
    /config\.srtpProfiles/,
  );
  assert.throws(
    () => new DtlsEngine({ role: 'client', certificate: ecdsaA, expectedFingerprint: 'md5 00' }),
    /config\.expectedFingerprint/,
  );
  const e = new DtlsEngine({ role: 'client', certificate: ecdsaA });
  assert.throws(() => e.send(Uint8Array.of(1), 0), /not connected/);
  assert.throws(() => e.exportKeyingMaterial('EXPERIMENTAL', 16), /not connected/);
  assert.equal(e.srtpKeyingMaterial(), undefined);
  e.start(0);
  assert.throws(() => e.start(0), /already/);
  assert.throws(() => e.handleDatagram('x' as unknown as Uint8Array, 0), /bytes/);
});

test('a server that does not require client certificates sends no CertificateRequest', () => {
  const r = simulate(
    { expectedFingerprint: ecdsaB.fingerprint(), cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] },
    { certificate: ecdsaB, requireClientCertificate: false },
    { seed: 12 },
  );
  assertAgreed(r);
  assert.equal(connectedEvent(r.serverEvents)!.peerCertificate, undefined);
});

test('a client without a certificate is refused by a server that requires one', () => {
  const r = simulate(
    { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] },
    { certificate: ecdsaB },
    { seed: 13, until: ({ client }) => client.state === 'closed' },
  );
  assert.deepEqual(r.clientEvents.at(-1), {
    type: 'closed',
    reason: 'alert-received',
    alert: 'handshake_failure',
  });
});
