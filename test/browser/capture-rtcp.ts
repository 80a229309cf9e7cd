#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCertificate } from '@rtcseal/dtls';
import { UdpMux, WebRtcTransport } from '@rtcseal/ice-lite';
import {
  type BrowserName,
  BrowserPeer,
  browserMissingReason,
  launchBrowser,
  withTimeout,
} from './browsers.js';
import { servePage } from './http-page.js';
import {
  insideLoopbackNamespace,
  loopbackNamespaceCommand,
  NETNS_MARKER,
  namespaceUnavailableReason,
  onlyLoopbackVisible,
} from './netns.js';

/**
 * Writes the plain (SRTCP-decrypted) RTCP that headless Chromium and Firefox send during a short
 * audio call through WebRtcTransport (we echo their audio, so they send reports on what they
 * receive too) into packages/ice-lite/test/fixtures/rtcp/<browser>-audio-call.json: the known
 * answers of the RTCP walker's tests. Usage, after building: node test/dist/browser/capture-rtcp.js
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, here.includes('/dist/') ? '../../..' : '../..');
const outDir = process.argv[2] ?? join(root, 'packages/ice-lite/test/fixtures/rtcp');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function captureOne(name: BrowserName, url: string): Promise<void> {
  const browser = await launchBrowser(name);
  const mux = await UdpMux.bind({ type: 'udp6', address: '::', announcedAddresses: ['127.0.0.1'] });
  const certificate = await generateCertificate();
  const rtcp: string[] = [];
  let transport: WebRtcTransport | undefined;
  try {
    const peer = await BrowserPeer.open(browser.browser, url);
    const offer = await withTimeout(peer.createAudioOffer(), 15_000, 'createOffer');
    const answered = WebRtcTransport.answer(offer, {
      mux,
      certificate,
      onRtp: (packet) => {
        const copy = new Uint8Array(packet);
        new DataView(copy.buffer).setUint32(8, transport!.ssrc);
        transport!.sendRtp(copy);
      },
      onRtcp: (packet) => {
        if (rtcp.length < 64) rtcp.push(hex(packet));
      },
    });
    if (!answered.ok) throw new Error(answered.error);
    transport = answered.transport;
    await peer.setAnswer(answered.answer);
    const deadline = Date.now() + 15_000;
    while (rtcp.length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await peer.close();
    await new Promise((r) => setTimeout(r, 300)); // a BYE, if the browser sends one on close
    const file = join(outDir, `${name}-audio-call.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ browser: name, userAgent: await browser.browser.version(), ourSsrc: transport.ssrc, packets: rtcp }, null, 2)}\n`,
    );
    console.log(`capture: ${file} (${rtcp.length} RTCP packets)`);
  } finally {
    transport?.close();
    await mux.close();
    await browser.close();
  }
}

async function capture(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const page = await servePage();
  try {
    for (const name of ['chromium', 'firefox'] as BrowserName[]) {
      const missing = browserMissingReason(name);
      if (missing) console.error(`capture: skipping ${name}: ${missing}`);
      else await captureOne(name, page.url);
    }
  } finally {
    await page.close();
  }
}

if (!insideLoopbackNamespace() && !onlyLoopbackVisible() && namespaceUnavailableReason() === undefined) {
  const [cmd, ...args] = loopbackNamespaceCommand([
    process.execPath,
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...process.argv.slice(2),
  ]);
  const r = spawnSync(cmd!, args, { stdio: 'inherit', env: { ...process.env, [NETNS_MARKER]: '1' } });
  process.exit(r.status ?? 1);
} else {
  capture().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`capture: ${(e as Error).message ?? String(e)}`);
      process.exit(1);
    },
  );
}
