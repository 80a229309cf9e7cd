import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import test, { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import type { DtlsConfig } from '../src/config.js';
import { connect, createDtlsServer, type DtlsConnection, DtlsHandshakeError } from '../src/node/index.js';
import { splitSrtpKeyingMaterial } from '../src/srtp-profiles.js';
import {
  Child,
  freeUdpPort,
  KEYING_MATERIAL,
  opensslAvailable,
  tempDir,
  writeCertificateFiles,
} from './openssl-harness.js';

// OpenSSL 3.0 as a DTLS 1.2 peer (commands as in the project's interop notes): handshakes with every
// DTLS-SRTP profile both support, in both directions, and the RFC 5705 exporter agrees byte for byte.
const skip = opensslAvailable ? false : 'openssl is not installed';
const CASE = { skip, timeout: 20_000 };
const EXPORT_LABEL = 'EXTRACTOR-dtls_srtp';

const PROFILES = [
  { openssl: 'SRTP_AES128_CM_SHA1_80', name: 'SRTP_AES128_CM_HMAC_SHA1_80', length: 60 },
  { openssl: 'SRTP_AES128_CM_SHA1_32', name: 'SRTP_AES128_CM_HMAC_SHA1_32', length: 60 },
  { openssl: 'SRTP_AEAD_AES_128_GCM', name: 'SRTP_AEAD_AES_128_GCM', length: 56 },
  { openssl: 'SRTP_AEAD_AES_256_GCM', name: 'SRTP_AEAD_AES_256_GCM', length: 88 },
] as const;

const hexUpper = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const FAST: Partial<DtlsConfig> = { retransmit: { initialMs: 200, maxMs: 2000 }, handshakeTimeoutMs: 10_000 };

let files: ReturnType<typeof tempDir>;
let ours: DtlsCertificate;
let oursRsa: DtlsCertificate;
let peer: DtlsCertificate;
let peerRsa: DtlsCertificate;
let peerFiles: { certFile: string; keyFile: string };
let peerRsaFiles: { certFile: string; keyFile: string };
let oursFiles: { certFile: string; keyFile: string };

before(async () => {
  if (!opensslAvailable) return;
  files = tempDir();
  [ours, oursRsa, peer, peerRsa] = await Promise.all([
    generateCertificate({ commonName: 'rtcseal' }),
    generateCertificate({ commonName: 'rtcseal-rsa', keyType: 'rsa-2048' }),
    generateCertificate({ commonName: 'openssl-peer' }),
    generateCertificate({ commonName: 'openssl-peer-rsa', keyType: 'rsa-2048' }),
  ]);
  peerFiles = writeCertificateFiles(peer, files.dir, 'peer');
  peerRsaFiles = writeCertificateFiles(peerRsa, files.dir, 'peer-rsa');
  oursFiles = writeCertificateFiles(ours, files.dir, 'ours');
});
after(() => files?.cleanup());

/** Starts `openssl s_server -dtls1_2` on a free loopback port and waits until it accepts. */
async function opensslServer(
  extra: readonly string[],
  cert = peerFiles,
): Promise<{ child: Child; port: number }> {
  const port = await freeUdpPort();
  const certArgs = extra.includes('-nocert')
    ? []
    : ['-cert', cert.certFile, '-key', cert.keyFile, '-verify', '1'];
  const child = new Child('openssl', [
    's_server',
    '-dtls1_2',
    '-accept',
    `127.0.0.1:${port}`,
    ...certArgs,
    ...extra,
  ]);
  await child.waitFor(/ACCEPT/, 5000);
  return { child, port };
}

function exportArgs(length: number): string[] {
  return ['-keymatexport', EXPORT_LABEL, '-keymatexportlen', String(length)];
}

async function expectData(connection: DtlsConnection, text: string): Promise<void> {
  let got = '';
  const timer = setTimeout(() => connection.emit('data', new Uint8Array(0)), 5000);
  try {
    for await (const chunk of connection) {
      got += Buffer.from(chunk).toString();
      if (got.includes(text)) return;
      if (chunk.length === 0) break;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.fail(`expected '${text}', got '${got}'`);
}

for (const profile of PROFILES) {
  test(
    `our client with openssl s_server: ${profile.openssl}, same exported keying material`,
    CASE,
    async () => {
      const { child, port } = await opensslServer([
        '-use_srtp',
        profile.openssl,
        ...exportArgs(profile.length),
      ]);
      try {
        const connection = await connect({
          ...FAST,
          host: '127.0.0.1',
          port,
          certificate: ours,
          srtpProfiles: [profile.name],
          expectedFingerprint: peer.fingerprint(),
        });
        const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
        const material = connection.exportKeyingMaterial(EXPORT_LABEL, profile.length);
        assert.equal(hexUpper(material), theirs);
        assert.equal(connection.info?.srtpProfile, profile.name);
        assert.match(child.stdout, new RegExp(`SRTP Extension negotiated, profile=${profile.openssl}`));
        assert.deepEqual(
          connection.srtpKeyingMaterial(),
          splitSrtpKeyingMaterial(material, profile.name, 'client'),
        );
        connection.send(new TextEncoder().encode('hello from rtcseal\n'));
        await child.waitFor(/hello from rtcseal/, 5000);
        child.write('hello from openssl\n');
        await expectData(connection, 'hello from openssl');
        await connection.close();
      } finally {
        await child.stop();
      }
    },
  );

  test(
    `openssl s_client with our server: ${profile.openssl}, same exported keying material`,
    CASE,
    async () => {
      const server = createDtlsServer({
        ...FAST,
        host: '127.0.0.1',
        port: 0,
        certificate: ours,
        srtpProfiles: [profile.name],
        expectedFingerprint: peer.fingerprint(),
      });
      const { port } = await server.ready;
      const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
      const child = new Child('openssl', [
        's_client',
        '-dtls1_2',
        '-connect',
        `127.0.0.1:${port}`,
        '-cert',
        peerFiles.certFile,
        '-key',
        peerFiles.keyFile,
        '-use_srtp',
        profile.openssl,
        ...exportArgs(profile.length),
      ]);
      try {
        const theirs = (await child.waitFor(KEYING_MATERIAL, 8000))[1];
        const [connection] = await accepted;
        const material = connection.exportKeyingMaterial(EXPORT_LABEL, profile.length);
        assert.equal(hexUpper(material), theirs);
        assert.equal(connection.info?.srtpProfile, profile.name);
        assert.deepEqual(
          connection.srtpKeyingMaterial(),
          splitSrtpKeyingMaterial(material, profile.name, 'server'),
        );
        assert.equal(server.stats.helloVerifyRequests, 1);
        child.write('ping from openssl\n');
        await expectData(connection, 'ping from openssl');
        connection.send(new TextEncoder().encode('pong from rtcseal\n'));
        await child.waitFor(/pong from rtcseal/, 5000);
      } finally {
        await child.stop();
        await server.close();
      }
    },
  );
}

const ECDSA_SUITES = [
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
] as const;
const RSA_SUITES = [
  ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  ['ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
] as const;

for (const [opensslName, name] of [...ECDSA_SUITES, ...RSA_SUITES]) {
  const rsa = name.includes('_RSA_');
  test(`our client negotiates ${name} with openssl s_server`, CASE, async () => {
    const { child, port } = await opensslServer(
      ['-cipher', opensslName, '-use_srtp', 'SRTP_AES128_CM_SHA1_80', ...exportArgs(60)],
      rsa ? peerRsaFiles : peerFiles,
    );
    try {
      const connection = await connect({
        ...FAST,
        host: '127.0.0.1',
        port,
        certificate: ours,
        srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'],
        expectedFingerprint: (rsa ? peerRsa : peer).fingerprint(),
      });
      assert.equal(connection.info?.cipherSuite, name);
      const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
      assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 60)), theirs);
      await connection.close();
    } finally {
      await child.stop();
    }
  });

  test(`openssl s_client negotiates ${name} with our server`, CASE, async () => {
    const server = createDtlsServer({
      ...FAST,
      host: '127.0.0.1',
      port: 0,
      certificate: rsa ? oursRsa : ours,
      cipherSuites: [name],
      srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'],
    });
    const { port } = await server.ready;
    const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
    const child = new Child('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      peerFiles.certFile,
      '-key',
      peerFiles.keyFile,
      '-use_srtp',
      'SRTP_AES128_CM_SHA1_80',
      ...exportArgs(60),
    ]);
    try {
      const theirs = (await child.waitFor(KEYING_MATERIAL, 8000))[1];
      const [connection] = await accepted;
      assert.equal(connection.info?.cipherSuite, name);
      assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 60)), theirs);
      assert.equal(connection.info?.peerFingerprint, peer.fingerprint());
    } finally {
      await child.stop();
      await server.close();
    }
  });
}

for (const [opensslGroup, groupName, tempKey] of [
  ['X25519', 'x25519', /Server Temp Key: X25519/],
  ['P-256', 'secp256r1', /Server Temp Key: ECDH, prime256v1/],
  ['P-384', 'secp384r1', /Server Temp Key: ECDH, secp384r1/],
] as const) {
  // OpenSSL also checks the curve of each ECDSA certificate against the group lists (RFC 8422 §5.1 ties
  // them in TLS 1.2), so P-256 stays on its list for our P-256 certificates.
  const opensslGroups = opensslGroup === 'P-256' ? 'P-256' : `${opensslGroup}:P-256`;

  test(`ECDHE over ${groupName}: our client with openssl s_server`, CASE, async () => {
    const { child, port } = await opensslServer([
      '-groups',
      opensslGroups,
      '-use_srtp',
      'SRTP_AEAD_AES_128_GCM',
      ...exportArgs(56),
    ]);
    try {
      const connection = await connect({
        ...FAST,
        host: '127.0.0.1',
        port,
        certificate: ours,
        groups: groupName === 'secp256r1' ? [groupName] : [groupName, 'secp256r1'],
        srtpProfiles: ['SRTP_AEAD_AES_128_GCM'],
      });
      const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
      assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 56)), theirs);
      await connection.close();
    } finally {
      await child.stop();
    }
  });

  test(`ECDHE over ${groupName}: openssl s_client with our server reports that group`, CASE, async () => {
    const server = createDtlsServer({
      ...FAST,
      host: '127.0.0.1',
      port: 0,
      certificate: ours,
      groups: [groupName],
    });
    const { port } = await server.ready;
    const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
    const child = new Child('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      peerFiles.certFile,
      '-key',
      peerFiles.keyFile,
      '-groups',
      opensslGroups,
      ...exportArgs(32),
    ]);
    try {
      const theirs = (await child.waitFor(KEYING_MATERIAL, 8000))[1];
      const [connection] = await accepted;
      assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 32)), theirs);
      assert.match(child.stdout, tempKey);
    } finally {
      await child.stop();
      await server.close();
    }
  });
}

for (const [opensslName, name] of [
  ['PSK-AES128-GCM-SHA256', 'TLS_PSK_WITH_AES_128_GCM_SHA256'],
  ['PSK-AES128-CCM8:@SECLEVEL=0', 'TLS_PSK_WITH_AES_128_CCM_8'],
] as const) {
  test(`PSK suite ${name} with openssl s_server`, CASE, async () => {
    const key = '00112233445566778899aabbccddeeff';
    const { child, port } = await opensslServer([
      '-nocert',
      '-psk',
      key,
      '-cipher',
      opensslName,
      '-use_srtp',
      'SRTP_AES128_CM_SHA1_80',
      ...exportArgs(60),
    ]);
    try {
      const connection = await connect({
        ...FAST,
        host: '127.0.0.1',
        port,
        cipherSuites: [name],
        psk: { identity: 'Client_identity', key: new Uint8Array(Buffer.from(key, 'hex')) },
        srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'],
      });
      assert.equal(connection.info?.cipherSuite, name);
      const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
      assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 60)), theirs);
      connection.send(new TextEncoder().encode('psk data\n'));
      await child.waitFor(/psk data/, 5000);
      await connection.close();
    } finally {
      await child.stop();
    }
  });
}

test('a wrong expected fingerprint ends the handshake with bad_certificate', CASE, async () => {
  const { child, port } = await opensslServer(['-use_srtp', 'SRTP_AES128_CM_SHA1_80']);
  try {
    await assert.rejects(
      connect({
        ...FAST,
        host: '127.0.0.1',
        port,
        certificate: ours,
        expectedFingerprint: ours.fingerprint(),
      }),
      (e: unknown) => e instanceof DtlsHandshakeError && e.close.alert === 'bad_certificate',
    );
    await child.waitFor(/bad certificate|alert/i, 5000);
  } finally {
    await child.stop();
  }
});

test('openssl s_server fragmenting its flight at -mtu 256 still completes', CASE, async () => {
  const { child, port } = await opensslServer([
    '-mtu',
    '256',
    '-use_srtp',
    'SRTP_AES128_CM_SHA1_80',
    ...exportArgs(60),
  ]);
  try {
    const connection = await connect({
      ...FAST,
      host: '127.0.0.1',
      port,
      certificate: ours,
      mtu: 256,
      srtpProfiles: ['SRTP_AES128_CM_HMAC_SHA1_80'],
    });
    const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
    assert.equal(hexUpper(connection.exportKeyingMaterial(EXPORT_LABEL, 60)), theirs);
    await connection.close();
  } finally {
    await child.stop();
  }
});

/** Our CLI, from dist (compiled) or from source through tsx. */
function cliCommand(): { command: string; args: string[] } {
  const js = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  if (existsSync(js)) return { command: process.execPath, args: [js] };
  const ts = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  return { command: process.execPath, args: ['--import', 'tsx', ts] };
}

test('the rtcseal-dtls CLI client prints the same keying material as openssl s_server', CASE, async () => {
  const { child, port } = await opensslServer(['-use_srtp', 'SRTP_AEAD_AES_256_GCM', ...exportArgs(88)]);
  const cli = cliCommand();
  const ourCli = new Child(cli.command, [
    ...cli.args,
    'client',
    `127.0.0.1:${port}`,
    '--srtp',
    'SRTP_AEAD_AES_256_GCM',
    '--cert',
    oursFiles.certFile,
    '--key',
    oursFiles.keyFile,
    '--fingerprint',
    peer.fingerprint(),
    '--retransmit',
    '200',
    '--export',
    `${EXPORT_LABEL}:88`,
  ]);
  try {
    const code = await Promise.race([
      ourCli.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 15_000)),
    ]);
    assert.equal(code, 0, ourCli.tail());
    const theirs = (await child.waitFor(KEYING_MATERIAL, 5000))[1];
    assert.equal(ourCli.stdout.match(KEYING_MATERIAL)?.[1], theirs);
    assert.match(ourCli.stdout, /Protocol: DTLS 1\.2/);
    assert.match(ourCli.stdout, /SRTP profile: SRTP_AEAD_AES_256_GCM/);
    assert.match(ourCli.stdout, /Cipher: TLS_ECDHE_ECDSA_WITH_/);
  } finally {
    await ourCli.stop();
    await child.stop();
  }
});

test(
  'openssl s_client against the rtcseal-dtls CLI server: same keying material, then the CLI exits 0',
  CASE,
  async () => {
    const port = await freeUdpPort();
    const cli = cliCommand();
    const ourCli = new Child(cli.command, [
      ...cli.args,
      'server',
      '--port',
      String(port),
      '--srtp',
      'SRTP_AES128_CM_SHA1_80',
      '--export',
      `${EXPORT_LABEL}:60`,
      '--timeout',
      '10000',
    ]);
    let child: Child | undefined;
    try {
      await ourCli.waitFor(/Listening on/, 8000);
      child = new Child('openssl', [
        's_client',
        '-dtls1_2',
        '-connect',
        `127.0.0.1:${port}`,
        '-use_srtp',
        'SRTP_AES128_CM_SHA1_80',
        ...exportArgs(60),
      ]);
      const theirs = (await child.waitFor(KEYING_MATERIAL, 8000))[1];
      const code = await Promise.race([
        ourCli.exited,
        new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
      ]);
      assert.equal(code, 0, ourCli.tail());
      assert.equal(ourCli.stdout.match(KEYING_MATERIAL)?.[1], theirs);
    } finally {
      await child?.stop();
      await ourCli.stop();
    }
  },
);

test('the CLI exits non-zero with the reason when nobody answers', CASE, async () => {
  const port = await freeUdpPort();
  const cli = cliCommand();
  const ourCli = new Child(cli.command, [
    ...cli.args,
    'client',
    `127.0.0.1:${port}`,
    '--timeout',
    '1500',
    '--retransmit',
    '200',
  ]);
  try {
    const code = await Promise.race([
      ourCli.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    assert.equal(code, 1, ourCli.tail());
    assert.match(ourCli.stderr, /handshake-timeout/);
  } finally {
    await ourCli.stop();
  }
});

test(
  'the CLI client with --stay carries stdin to the peer and peer data to stdout, and exits 0 at end of input',
  CASE,
  async () => {
    const { child, port } = await opensslServer(['-use_srtp', 'SRTP_AES128_CM_SHA1_80']);
    const cli = cliCommand();
    const ourCli = new Child(cli.command, [
      ...cli.args,
      'client',
      `127.0.0.1:${port}`,
      '--srtp',
      'SRTP_AES128_CM_SHA1_80',
      '--stay',
      '--retransmit',
      '200',
    ]);
    try {
      await ourCli.waitFor(/Protocol: DTLS 1\.2/, 8000);
      ourCli.write('typed into rtcseal\n');
      await child.waitFor(/typed into rtcseal/, 5000);
      // A line longer than one datagram holds is cut into records that each fit the mtu.
      ourCli.write(`${'y'.repeat(3000)} end of the long line\n`);
      await child.waitFor(/y{3000} end of the long line/, 5000);
      child.write('typed into openssl\n');
      await ourCli.waitFor(/typed into openssl/, 5000);
      ourCli.endInput();
      const code = await Promise.race([
        ourCli.exited,
        new Promise((r) => setTimeout(() => r('timeout'), 5000)),
      ]);
      assert.equal(code, 0, ourCli.tail());
    } finally {
      await ourCli.stop();
      await child.stop();
    }
  },
);

test(
  'our server picks the SRTP profile by its own preference among those openssl offers (RFC 5764 §4.1.1)',
  CASE,
  async () => {
    const server = createDtlsServer({
      ...FAST,
      host: '127.0.0.1',
      port: 0,
      certificate: ours,
      srtpProfiles: ['SRTP_AEAD_AES_256_GCM', 'SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80'],
    });
    const { port } = await server.ready;
    const accepted = once(server, 'connection') as Promise<[DtlsConnection]>;
    const child = new Child('openssl', [
      's_client',
      '-dtls1_2',
      '-connect',
      `127.0.0.1:${port}`,
      '-cert',
      peerFiles.certFile,
      '-key',
      peerFiles.keyFile,
      '-use_srtp',
      'SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM',
    ]);
    try {
      await child.waitFor(/SRTP Extension negotiated, profile=SRTP_AEAD_AES_128_GCM/, 8000);
      const [connection] = await accepted;
      assert.equal(connection.info?.srtpProfile, 'SRTP_AEAD_AES_128_GCM');
    } finally {
      await child.stop();
      await server.close();
    }
  },
);

for (const matching of [true, false]) {
  test(
    `the CLI server with --fingerprint ${matching ? 'accepts the matching' : 'refuses a different'} openssl client certificate`,
    CASE,
    async () => {
      const port = await freeUdpPort();
      const cli = cliCommand();
      const expected = matching ? peer.fingerprint() : ours.fingerprint();
      const ourCli = new Child(cli.command, [
        ...cli.args,
        'server',
        '--port',
        String(port),
        '--fingerprint',
        expected,
        '--timeout',
        '10000',
      ]);
      let child: Child | undefined;
      try {
        await ourCli.waitFor(/Listening on/, 8000);
        child = new Child('openssl', [
          's_client',
          '-dtls1_2',
          '-connect',
          `127.0.0.1:${port}`,
          '-cert',
          peerFiles.certFile,
          '-key',
          peerFiles.keyFile,
        ]);
        const code = await Promise.race([
          ourCli.exited,
          new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
        ]);
        if (matching) {
          assert.equal(code, 0, ourCli.tail());
          assert.match(ourCli.stdout, new RegExp(`Peer fingerprint: ${peer.fingerprint()}`));
        } else {
          assert.equal(code, 1, ourCli.tail());
          assert.match(ourCli.stderr, /bad_certificate/);
        }
      } finally {
        await child?.stop();
        await ourCli.stop();
      }
    },
  );
}
