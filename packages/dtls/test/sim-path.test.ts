import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type DtlsCertificate, generateCertificate } from '../src/certificate.js';
import { connectedEvent, simulate } from './sim/network.js';
import { CELLULAR_LINK, LINK_PROFILES, type LinkProfile, PathDirection, WIFI_LINK } from './sim/path.js';
import { Prng } from './sim/prng.js';
import { UdpNetwork } from './sim/udp-network.js';

/*
 * The simulated path's failure modes (sim/path.ts): bursty loss, correlated jitter, a rate-limited
 * bottleneck with a buffer, the named profiles, and the same seed replaying the same run.
 */

const PLAIN: LinkProfile = { loss: 0, duplicate: 0, reorder: 0, mtu: 65535, delayMs: [10, 10] };

/** Loss pattern of n datagrams sent 1 ms apart: true where lost. */
function losses(link: LinkProfile, n: number, seed = 1): boolean[] {
  const path = new PathDirection(link, new Prng(seed));
  return Array.from({ length: n }, (_, i) => path.transit(100, i).length === 0);
}

function burstLengths(lost: readonly boolean[]): number[] {
  const out: number[] = [];
  let run = 0;
  for (const l of lost) {
    if (l) run++;
    else if (run > 0) {
      out.push(run);
      run = 0;
    }
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('Gilbert-Elliott loss comes in bursts of mean length 1/r at the share p/(p+r); independent loss at that rate does not', () => {
  const ge = losses({ ...PLAIN, gilbertElliott: { p: 0.05, r: 0.25 } }, 40_000);
  const share = ge.filter(Boolean).length / ge.length;
  assert.ok(Math.abs(share - 0.05 / 0.3) < 0.02, `loss share ${share}`);
  const bursts = mean(burstLengths(ge));
  assert.ok(bursts > 3.4 && bursts < 4.6, `mean burst ${bursts}`);
  const independent = losses({ ...PLAIN, loss: share }, 40_000);
  assert.ok(mean(burstLengths(independent)) < 1.4, 'independent losses are mostly single');
});

test('correlated jitter: consecutive delays follow each other; uncorrelated jitter does not', () => {
  const lag1 = (correlation: number) => {
    const path = new PathDirection({ ...PLAIN, jitter: { ms: 20, correlation } }, new Prng(5));
    const d = Array.from({ length: 5000 }, (_, i) => path.transit(100, i * 1000)[0]! - i * 1000);
    const m = mean(d);
    let num = 0;
    let den = 0;
    for (let i = 0; i < d.length; i++) {
      den += (d[i]! - m) ** 2;
      if (i > 0) num += (d[i]! - m) * (d[i - 1]! - m);
    }
    return num / den;
  };
  assert.ok(lag1(0.9) > 0.8, `lag-1 autocorrelation ${lag1(0.9)}`);
  assert.ok(Math.abs(lag1(0)) < 0.1, `lag-1 autocorrelation ${lag1(0)}`);
});

test('a rate-limited link serializes datagrams at its rate and tail-drops beyond its buffer', () => {
  const path = new PathDirection(
    { ...PLAIN, rate: { bytesPerSecond: 100_000, bufferBytes: 10_000 } },
    new Prng(1),
  );
  const arrivals = Array.from({ length: 30 }, () => path.transit(1000, 0));
  const delivered = arrivals.filter((a) => a.length > 0).map((a) => a[0]!);
  // 1000 bytes at 100 kB/s: one every 10 ms, after the 10 ms delay; the buffer holds 10 of them.
  assert.deepEqual(
    delivered,
    Array.from({ length: 10 }, (_, i) => 10 + 10 * (i + 1)),
  );
  assert.equal(path.stats.droppedQueue, 20);
  // Once the queue drains, the link takes datagrams again.
  assert.equal(path.transit(1000, 200).length, 1);
});

test('the named profiles exercise their failure modes over a minute of 50 datagrams/s', () => {
  for (const [name, link] of Object.entries({ wifi: WIFI_LINK, cellular: CELLULAR_LINK })) {
    const path = new PathDirection(link, new Prng(3));
    for (let i = 0; i < 3000; i++) path.transit(i % 10 === 0 ? 1400 : 200, i * 20);
    const s = path.stats;
    assert.ok(s.lostBurst > 0 && s.duplicated > 0 && s.reordered > 0, `${name}: ${JSON.stringify(s)}`);
    assert.equal(s.droppedMtu, name === 'cellular' ? 300 : 0, `${name}: MTU drops`);
  }
  assert.deepEqual(Object.keys(LINK_PROFILES), ['perfect', 'wifi', 'cellular']);
});

test('the same seed gives the same arrivals on every profile, another seed different ones', () => {
  for (const link of Object.values(LINK_PROFILES)) {
    const run = (seed: number) => {
      const path = new PathDirection(link, new Prng(seed));
      return Array.from({ length: 500 }, (_, i) => path.transit(200 + (i % 7) * 150, i * 7));
    };
    assert.deepEqual(run(9), run(9));
    if (link !== LINK_PROFILES.perfect) assert.notDeepEqual(run(9), run(10));
  }
});

test('a spoofing host on the UDP network: the receiver sees the forged source, the datagram takes the sender path', () => {
  const net = new UdpNetwork(new Prng(1), PLAIN);
  net.setLink('203.0.113.66', '192.0.2.1', { ...PLAIN, delayMs: [50, 50] });
  const seen: string[] = [];
  net.attach({ address: '192.0.2.1', port: 5000 }, (bytes, from, now) =>
    seen.push(`${now} ${from.address}:${from.port} ${bytes[0]}`),
  );
  const victim = { address: '192.0.2.10', port: 40_000 };
  net.send(victim, { address: '192.0.2.1', port: 5000 }, Uint8Array.of(1), 0);
  net.spoof('203.0.113.66', victim, { address: '192.0.2.1', port: 5000 }, Uint8Array.of(2), 0);
  while (net.nextDelivery() !== undefined) net.deliverDue(net.nextDelivery()!);
  assert.deepEqual(seen, ['10 192.0.2.10:40000 1', '50 192.0.2.10:40000 2']);
  assert.deepEqual(
    net.log.map((d) => d.spoofed),
    [false, true],
  );
});

// ---- two engines over the named profiles -------------------------------------------------------

let a: DtlsCertificate;
let b: DtlsCertificate;

before(async () => {
  [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
});

for (const [name, link] of Object.entries({ wifi: WIFI_LINK, cellular: CELLULAR_LINK })) {
  test(`handshakes complete and keys agree over the ${name} profile (40 seeds), burst losses included`, () => {
    let burstLosses = 0;
    // The timers a WebRTC transport uses (retransmissions capped at 4 s), so a burst that eats a
    // few retransmissions costs seconds, not the handshake.
    const timers = { mtu: link.mtu - 28, retransmit: { initialMs: 200, maxMs: 4000 } };
    for (let seed = 1; seed <= 40; seed++) {
      const r = simulate(
        { ...timers, certificate: a, expectedFingerprint: b.fingerprint() },
        { ...timers, certificate: b, expectedFingerprint: a.fingerprint() },
        { seed, link },
      );
      assert.equal(r.client.state, 'connected', `seed ${seed}`);
      assert.equal(r.server.state, 'connected', `seed ${seed}`);
      assert.deepEqual(
        connectedEvent(r.clientEvents)!.srtp!.localMasterKey,
        connectedEvent(r.serverEvents)!.srtp!.remoteMasterKey,
      );
      burstLosses += r.toServer.lostBurst + r.toClient.lostBurst;
    }
    assert.ok(burstLosses > 0, `burst losses ${burstLosses}`);
  });
}
