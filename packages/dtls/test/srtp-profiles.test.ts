import assert from 'node:assert/strict';
import test from 'node:test';
import {
  splitSrtpKeyingMaterial,
  srtpKeyingMaterialLength,
  srtpProfileById,
  srtpProfileByName,
} from '../src/srtp-profiles.js';

test('keying material lengths match what OpenSSL exports per profile', () => {
  assert.equal(srtpKeyingMaterialLength('SRTP_AES128_CM_HMAC_SHA1_80'), 60);
  assert.equal(srtpKeyingMaterialLength('SRTP_AES128_CM_HMAC_SHA1_32'), 60);
  assert.equal(srtpKeyingMaterialLength(0x0005), 60);
  assert.equal(srtpKeyingMaterialLength(0x0006), 60);
  assert.equal(srtpKeyingMaterialLength('SRTP_AEAD_AES_128_GCM'), 56);
  assert.equal(srtpKeyingMaterialLength('SRTP_AEAD_AES_256_GCM'), 88);
});

test('OpenSSL profile names resolve to the registry names', () => {
  assert.equal(srtpProfileByName('SRTP_AES128_CM_SHA1_80')!.name, 'SRTP_AES128_CM_HMAC_SHA1_80');
  assert.equal(srtpProfileByName('srtp_aead_aes_128_gcm')!.id, 7);
  assert.equal(srtpProfileById(8)!.name, 'SRTP_AEAD_AES_256_GCM');
  assert.equal(srtpProfileByName('SRTP_F8'), undefined);
  assert.equal(srtpProfileById(3), undefined);
});

test('splits client key, server key, client salt, server salt (RFC 5764 §4.2) and maps them to our role', () => {
  // Bytes numbered so every field shows where it came from.
  const material = Uint8Array.from({ length: 56 }, (_, i) => i);
  const client = splitSrtpKeyingMaterial(material, 'SRTP_AEAD_AES_128_GCM', 'client');
  assert.equal(client.profile, 'SRTP_AEAD_AES_128_GCM');
  assert.deepEqual(client.localMasterKey, material.slice(0, 16));
  assert.deepEqual(client.remoteMasterKey, material.slice(16, 32));
  assert.deepEqual(client.localMasterSalt, material.slice(32, 44));
  assert.deepEqual(client.remoteMasterSalt, material.slice(44, 56));
  const server = splitSrtpKeyingMaterial(material, 7, 'server');
  assert.deepEqual(server.localMasterKey, client.remoteMasterKey);
  assert.deepEqual(server.localMasterSalt, client.remoteMasterSalt);
  assert.deepEqual(server.remoteMasterKey, client.localMasterKey);
  assert.deepEqual(server.remoteMasterSalt, client.localMasterSalt);
});

test('the AES-256-GCM split uses 32-byte keys and 12-byte salts', () => {
  const material = Uint8Array.from({ length: 88 }, (_, i) => i);
  const s = splitSrtpKeyingMaterial(material, 'SRTP_AEAD_AES_256_GCM', 'client');
  assert.deepEqual(s.localMasterKey, material.slice(0, 32));
  assert.deepEqual(s.remoteMasterKey, material.slice(32, 64));
  assert.deepEqual(s.localMasterSalt, material.slice(64, 76));
  assert.deepEqual(s.remoteMasterSalt, material.slice(76, 88));
});

test('wrong material length, unknown profile or role is misuse', () => {
  assert.throws(() => splitSrtpKeyingMaterial(new Uint8Array(59), 1, 'client'), /material/);
  assert.throws(() => splitSrtpKeyingMaterial(new Uint8Array(60), 'nope', 'client'), /profile/);
  assert.throws(() => splitSrtpKeyingMaterial(new Uint8Array(60), 1, 'peer' as 'client'), /role/);
});
