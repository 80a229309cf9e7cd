import assert from 'node:assert/strict';
import test from 'node:test';
import { parseCliArgs, parseHostPort } from '../src/cli/args.js';

function ok(argv: string[]) {
  const r = parseCliArgs(argv);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.options;
}
function err(argv: string[], re: RegExp) {
  const r = parseCliArgs(argv);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, re);
}

test('client takes HOST:PORT, including bracketed IPv6', () => {
  const o = ok(['client', '127.0.0.1:4444']);
  assert.equal(o.mode, 'client');
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.port, 4444);
  assert.deepEqual(parseHostPort('[::1]:5000'), { host: '::1', port: 5000 });
  assert.equal(parseHostPort('::1:5000'), undefined);
  assert.equal(parseHostPort('host:0'), undefined);
  err(['client'], /HOST:PORT/);
  err(['client', 'nohost'], /HOST:PORT/);
});

test('server takes --port and an optional --host (default loopback)', () => {
  const o = ok(['server', '--port', '5000']);
  assert.equal(o.mode, 'server');
  assert.equal(o.port, 5000);
  assert.equal(o.host, '127.0.0.1');
  assert.equal(ok(['server', '--port', '0', '--host', '::1']).host, '::1');
  err(['server'], /--port/);
  err(['server', '--port', 'x'], /integer/);
  err(['server', '--port', '70000'], /0\.\.65535/);
});

test('--srtp accepts registry and OpenSSL names, comma- or colon-separated, and keeps the order', () => {
  const o = ok([
    'client',
    'h:1',
    '--srtp',
    'SRTP_AEAD_AES_128_GCM,SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32',
  ]);
  assert.deepEqual(o.srtpProfiles, [
    'SRTP_AEAD_AES_128_GCM',
    'SRTP_AES128_CM_HMAC_SHA1_80',
    'SRTP_AES128_CM_HMAC_SHA1_32',
  ]);
  assert.deepEqual(ok(['client', 'h:1']).srtpProfiles, []);
  err(['client', 'h:1', '--srtp', 'SRTP_AES128_F8_SHA1_80'], /unknown SRTP profile/);
});

test('--export LABEL:LENGTH is repeatable and the label may contain colons', () => {
  const o = ok(['client', 'h:1', '--export', 'EXTRACTOR-dtls_srtp:60', '--export', 'EXPERIMENTAL:a:16']);
  assert.deepEqual(o.exports, [
    { label: 'EXTRACTOR-dtls_srtp', length: 60 },
    { label: 'EXPERIMENTAL:a', length: 16 },
  ]);
  err(['client', 'h:1', '--export', 'nolength'], /LABEL:LENGTH/);
  err(['client', 'h:1', '--export', 'x:0'], /1\.\.65535/);
});

test('other options are validated with a message naming them', () => {
  err(['client', 'h:1', '--cert', 'c.pem'], /--cert and --key/);
  err(['client', 'h:1', '--fingerprint', 'AB:CD'], /--fingerprint/);
  err(['client', 'h:1', '--mtu', '10'], /--mtu/);
  err(['client', 'h:1', '--cipher', 'TLS_RSA_WITH_RC4_128_SHA'], /unknown cipher suite/);
  err(['client', 'h:1', '--psk', 'abc'], /--psk/);
  err(['client', 'h:1', '--bogus'], /bogus/);
  err(['peer', 'h:1'], /client' or 'server/);
  err(['client', 'h:1', 'extra'], /unexpected/);
  const o = ok([
    'client',
    'h:1',
    '--mtu',
    '500',
    '--psk',
    '0a0b',
    '--psk-identity',
    'id',
    '--stay',
    '--timeout',
    '3000',
    '--retransmit',
    '100',
  ]);
  assert.equal(o.mtu, 500);
  assert.deepEqual(o.psk, Uint8Array.of(10, 11));
  assert.equal(o.pskIdentity, 'id');
  assert.equal(o.stay, true);
  assert.equal(o.timeoutMs, 3000);
  assert.equal(o.retransmitMs, 100);
  assert.deepEqual(
    ok(['client', 'h:1', '--cipher', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256']).cipherSuites,
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  );
});

test('--help returns the usage text', () => {
  const r = parseCliArgs(['--help']);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.help, true);
    assert.match(r.message, /rtcseal-dtls client HOST:PORT/);
  }
});

test('--dtls1_2 and --dtls1_3 pin one version; by default both are allowed; both at once is an error', () => {
  const both = ok(['client', 'h:1']);
  assert.deepEqual([both.minVersion, both.maxVersion], ['DTLS 1.2', 'DTLS 1.3']);
  const v12 = ok(['client', 'h:1', '--dtls1_2']);
  assert.deepEqual([v12.minVersion, v12.maxVersion], ['DTLS 1.2', 'DTLS 1.2']);
  const v13 = ok(['server', '--port', '5000', '--dtls1_3']);
  assert.deepEqual([v13.minVersion, v13.maxVersion], ['DTLS 1.3', 'DTLS 1.3']);
  const r = parseCliArgs(['client', 'h:1', '--dtls1_2', '--dtls1_3']);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /--dtls1_2 and --dtls1_3/);
});
