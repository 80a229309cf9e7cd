import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';

export const BROWSER_BINARIES: Record<BrowserName, string> = {
  chromium: '/usr/bin/chromium',
  firefox: '/usr/bin/firefox-esr',
};

/** Why `name` cannot run here, or undefined. */
export function browserMissingReason(name: BrowserName): string | undefined {
  const path = BROWSER_BINARIES[name];
  return existsSync(path) ? undefined : `${path} is not installed`;
}

/** Flags from INTEROP.md: fake audio device, loopback candidates, no mDNS obfuscation, no background traffic. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
};

export interface LaunchedBrowser {
  readonly name: BrowserName;
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(
  name: BrowserName,
  extraArgs: readonly string[] = [],
): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), `rtcseal-${name}-`));
  const browser =
    name === 'chromium'
      ? await puppeteer.launch({
          executablePath: BROWSER_BINARIES.chromium,
          headless: true,
          userDataDir: profile,
          args: [...CHROMIUM_ARGS, ...extraArgs],
          timeout: 30_000,
          protocolTimeout: 30_000,
        })
      : await puppeteer.launch({
          browser: 'firefox',
          executablePath: BROWSER_BINARIES.firefox,
          headless: true,
          userDataDir: profile,
          extraPrefsFirefox: FIREFOX_PREFS,
          args: [...extraArgs],
          timeout: 30_000,
          protocolTimeout: 30_000,
        });
  return {
    name,
    browser,
    async close() {
      await withTimeout(browser.close(), 10_000, 'browser.close').catch(() =>
        browser.process()?.kill('SIGKILL'),
      );
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A subset of RTCStats that the tests read, passed back from the page as plain JSON. */
export type StatsEntry = Record<string, unknown> & { type: string; id: string };

/**
 * One RTCPeerConnection in a page, driven from Node: offer with the fake microphone, answer, then
 * ICE state and getStats(). Everything runs through page.evaluate, which both Chromium (CDP) and
 * Firefox (WebDriver BiDi) support.
 */
export class BrowserPeer {
  private constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string): Promise<BrowserPeer> {
    const page = await browser.newPage();
    await page.goto(url, { timeout: 15_000 });
    return new BrowserPeer(page);
  }

  /** Creates the peer connection, adds the fake microphone track and returns the offer SDP. */
  async createAudioOffer(): Promise<string> {
    return this.page.evaluate(async () => {
      type Win = typeof globalThis & {
        pc?: RTCPeerConnection;
        iceStates?: string[];
        connectionStates?: string[];
      };
      const w = globalThis as Win;
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      w.pc = pc;
      w.iceStates = [pc.iceConnectionState];
      w.connectionStates = [pc.connectionState];
      pc.addEventListener('iceconnectionstatechange', () => w.iceStates!.push(pc.iceConnectionState));
      pc.addEventListener('connectionstatechange', () => w.connectionStates!.push(pc.connectionState));
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch {
        // A tone from WebAudio when no fake capture device is available.
        const ctx = new AudioContext();
        const osc = ctx.createOscillator();
        const dest = ctx.createMediaStreamDestination();
        osc.connect(dest);
        osc.start();
        stream = dest.stream;
      }
      for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      return pc.localDescription!.sdp;
    });
  }

  async setAnswer(sdp: string): Promise<void> {
    await this.page.evaluate(async (answer: string) => {
      const pc = (globalThis as typeof globalThis & { pc: RTCPeerConnection }).pc;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    }, sdp);
  }

  /** The sequence of iceConnectionState (or connectionState) values seen so far. */
  async states(which: 'iceStates' | 'connectionStates' = 'iceStates'): Promise<string[]> {
    return this.page.evaluate(
      (key: string) => [...((globalThis as unknown as Record<string, string[] | undefined>)[key] ?? [])],
      which,
    );
  }

  /** Polls until iceConnectionState has been one of `wanted`; throws after timeoutMs. */
  async waitForIceState(wanted: readonly string[], timeoutMs: number): Promise<string[]> {
    return this.waitForState('iceStates', wanted, timeoutMs);
  }

  /** Polls until connectionState (ICE and DTLS) has been one of `wanted`; throws after timeoutMs. */
  async waitForConnectionState(wanted: readonly string[], timeoutMs: number): Promise<string[]> {
    return this.waitForState('connectionStates', wanted, timeoutMs);
  }

  private async waitForState(
    which: 'iceStates' | 'connectionStates',
    wanted: readonly string[],
    timeoutMs: number,
  ): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await this.states(which);
      if (seen.some((s) => wanted.includes(s))) return seen;
      if (Date.now() > deadline)
        throw new Error(`${which}: ${wanted.join('|')} not reached; saw ${seen.join(' -> ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stats(
    types: readonly string[] = ['candidate-pair', 'transport', 'local-candidate', 'remote-candidate'],
  ): Promise<StatsEntry[]> {
    return this.page.evaluate(
      async (wantedTypes: string[]) => {
        const pc = (globalThis as typeof globalThis & { pc: RTCPeerConnection }).pc;
        const report = await pc.getStats();
        const out: Array<Record<string, unknown>> = [];
        report.forEach((v: Record<string, unknown>) => {
          if (wantedTypes.includes(String(v.type))) out.push(JSON.parse(JSON.stringify(v)));
        });
        return out as StatsEntry[];
      },
      [...types],
    );
  }

  async close(): Promise<void> {
    await this.page
      .evaluate(() => (globalThis as typeof globalThis & { pc?: RTCPeerConnection }).pc?.close())
      .catch(() => {});
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
