/**
 * Writes the seed corpus of test/fuzz/corpus: the browsers' captured first flights, and every
 * datagram of real handshakes between two engines (both roles, with and without the cookie
 * exchange, whole and fragmented flights, with and without a client certificate), split by the
 * side that receives them. Run after a build, from the repository root:
 *
 *   node test/dist/fuzz/record-corpus.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CIPHER_SUITES, type DtlsConfig, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import { type CorpusFile, fuzzDirectory } from './corpus.js';

const dir = fuzzDirectory('corpus');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function write(name: string, file: CorpusFile): void {
  writeFileSync(`${dir}/${name}.json`, `${JSON.stringify(file, null, 1)}\n`);
}

const captures = new URL('../../../packages/dtls/test/fixtures/captures/', import.meta.url);
for (const browser of ['chromium', 'chromium-nopqc', 'firefox']) {
  const bytes = new Uint8Array(readFileSync(new URL(`${browser}-clienthello.bin`, captures)));
  write(`capture-${browser}-clienthello`, {
    source: `packages/dtls/test/fixtures/captures/${browser}-clienthello.bin`,
    to: 'server',
    datagrams: [hex(bytes)],
  });
}

/** A client without a certificate names the ECDHE suites itself (the default follows the certificate). */
const ECDHE_SUITES = CIPHER_SUITES.filter((s) => s.keyExchange !== 'PSK').map((s) => s.name);

const [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
for (const cookieExchange of [true, false]) {
  for (const mtu of [1200, 300]) {
    for (const clientCertificate of [true, false]) {
      const common: Partial<DtlsConfig> = { mtu, groups: ['x25519', 'secp256r1'] };
      const client = new DtlsEngine({
        ...common,
        role: 'client',
        ...(clientCertificate ? { certificate: a } : { cipherSuites: ECDHE_SUITES }),
      });
      const server = new DtlsEngine({
        ...common,
        role: 'server',
        certificate: b,
        cookieExchange,
        requireClientCertificate: clientCertificate,
      });
      const toServer: string[] = [];
      const toClient: string[] = [];
      client.start(0);
      server.start(0);
      for (let round = 0; round < 20; round++) {
        for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
          toServer.push(hex(d));
          server.handleDatagram(d, round);
        }
        for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
          toClient.push(hex(d));
          client.handleDatagram(d, round);
        }
      }
      if (client.state !== 'connected' || server.state !== 'connected')
        throw new Error('recording did not connect');
      // Application data and close_notify after the handshake, so protected records are seeds too.
      client.send(Uint8Array.of(1, 2, 3), 30);
      server.send(Uint8Array.of(4, 5, 6), 30);
      client.close(31);
      for (let d = client.pollTransmit(); d; d = client.pollTransmit()) toServer.push(hex(d));
      for (let d = server.pollTransmit(); d; d = server.pollTransmit()) toClient.push(hex(d));
      const name = `handshake-${cookieExchange ? 'cookie' : 'nocookie'}-mtu${mtu}-${clientCertificate ? 'clientcert' : 'nocert'}`;
      const source = `engines: cookieExchange ${cookieExchange}, mtu ${mtu}, client certificate ${clientCertificate}`;
      write(`${name}-to-server`, { source, to: 'server', datagrams: toServer });
      write(`${name}-to-client`, { source, to: 'client', datagrams: toClient });
    }
  }
}
console.log(`corpus written to ${dir}`);
