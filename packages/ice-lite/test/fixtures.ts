import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * test/fixtures of this package, resolved for source (tsx) and compiled (dist/test) tests alike.
 * sdp/: offers of headless Chromium and Firefox, written by test/browser/capture-offers.ts.
 */
function fixturesDir(sub: string): string {
  const dir = import.meta.url.includes('/dist/') ? `../../test/fixtures/${sub}/` : `./fixtures/${sub}/`;
  return fileURLToPath(new URL(dir, import.meta.url));
}

export type SdpFixture =
  | 'chromium-audio-video'
  | 'chromium-audio-video-data'
  | 'chromium-simulcast'
  | 'firefox-audio-video'
  | 'firefox-audio-video-data'
  | 'firefox-simulcast';

export function readSdpFixture(name: SdpFixture): string {
  return readFileSync(`${fixturesDir('sdp')}${name}.sdp`, 'utf8');
}

export function sdpFixtureNames(): SdpFixture[] {
  return readdirSync(fixturesDir('sdp'))
    .filter((f) => f.endsWith('.sdp'))
    .map((f) => f.slice(0, -4) as SdpFixture)
    .sort();
}
