#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserName, BrowserPeer, browserMissingReason, launchBrowser } from './browsers.js';
import { servePage } from './http-page.js';
import { createMediaOffer, MEDIA_OFFER_KINDS } from './media-offers.js';
import {
  insideLoopbackNamespace,
  loopbackNamespaceCommand,
  NETNS_MARKER,
  namespaceUnavailableReason,
  onlyLoopbackVisible,
} from './netns.js';

/**
 * Writes the offers that headless Chromium and Firefox make for each kind of media-offers.ts into
 * packages/ice-lite/test/fixtures/sdp/<browser>-<kind>.sdp, the fixtures of the offer parser tests.
 * Usage, after building: node test/dist/browser/capture-offers.js [output-dir]
 */

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, here.includes('/dist/') ? '../../..' : '../..');
const outDir = process.argv[2] ?? join(root, 'packages/ice-lite/test/fixtures/sdp');

async function capture(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const page = await servePage();
  try {
    for (const name of ['chromium', 'firefox'] as BrowserName[]) {
      const missing = browserMissingReason(name);
      if (missing) {
        console.error(`capture: skipping ${name}: ${missing}`);
        continue;
      }
      const browser = await launchBrowser(name);
      try {
        const peer = await BrowserPeer.open(browser.browser, page.url);
        for (const kind of MEDIA_OFFER_KINDS) {
          try {
            const sdp = await createMediaOffer(peer.page, kind);
            const file = join(outDir, `${name}-${kind}.sdp`);
            writeFileSync(file, sdp);
            console.log(`capture: ${file} (${sdp.length} bytes)`);
          } catch (e) {
            console.error(`capture: ${name} ${kind} failed: ${(e as Error).message}`);
          }
        }
        await peer.close();
      } finally {
        await browser.close();
      }
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
