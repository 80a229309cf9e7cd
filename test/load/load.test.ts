import assert from 'node:assert/strict';
import test from 'node:test';
import {
  buildOffer,
  capacity,
  LatencyHistogram,
  type LoadResult,
  parseAnswer,
  parseLoadArgs,
  pointOf,
  runLoad,
  summaryLine,
  sweepSvg,
} from '@rtcseal/bench-load';

/**
 * The load generator against the voice-call server over real UDP on loopback: 20 browser-like
 * callers (ICE, DTLS 1.2, SRTP both ways, RTCP) for a few seconds, through two media workers.
 * The long runs are `pnpm load` options; this one checks that every caller connects, nothing is
 * lost, and hanging up with close_notify frees the server.
 */
test('20 callers through a 2-worker voice-call server: all connect, nothing is lost, close_notify frees the server', {
  timeout: 90_000,
}, async (t) => {
  const r = await runLoad({
    calls: 10,
    workers: 2,
    seconds: 3,
    rate: 50,
    target: 'rtcseal',
    floorSeconds: 1,
  });
  t.diagnostic(summaryLine(r));
  assert.equal(r.connected, 20, `every caller connected: ${JSON.stringify(r.failures)}`);
  assert.equal(r.callsUp, 10);
  assert.ok(
    r.packets.measured >= 20 * 50 * 2,
    `each caller sent ~50 packets/s in the hold: ${r.packets.measured}`,
  );
  assert.equal(r.packets.lost, 0, 'no packet lost');
  assert.ok(
    r.generator.sendRatePercent > 50,
    `the callers kept most of their rate: ${r.generator.sendRatePercent}%`,
  );
  assert.equal(r.packets.echoed, 0, "every packet went to the caller's partner, none back to its sender");
  assert.deepEqual(r.packets.receiveDrops, {}, 'everything received authenticated');
  assert.ok(r.packets.rtcpSent >= 20, 'every caller sent RTCP');
  assert.ok(r.latencyMs.p50 !== undefined && r.latencyMs.p50 > 0);
  assert.ok(r.server, 'the stats endpoint answered');
  assert.equal(r.server.workers?.length, 2);
  assert.deepEqual(
    r.server.workers?.map((w) => (w.participants ?? 0) % 2),
    [0, 0],
    'both parties of every call share a worker',
  );
  assert.ok(r.server.cpuMsPerCallSecond > 0);
  assert.equal(r.server.participantsAfterHangUp, 0, 'close_notify ended every participant');
  assert.ok(r.floor && r.floor.cpuMsPerCallSecond > 0, 'the echo floor was measured');
  assert.ok(r.floor.latencyMs.p50 !== undefined && r.floor.lost === 0, 'the echo returned every datagram');
});

test('the summary line has the documented shape', () => {
  const r = {
    calls: 500,
    workers: 1,
    setupMs: { p50: 40, p99: 85.2, max: 90 },
    packets: { lossPercent: 0 },
    latencyMs: { p50: 0.41, p99: 2.1, max: 5 },
    server: { cpuPercent: 31.2, cpuMsPerCallSecond: 2.91, rssPerCallBytes: 78 * 1024 },
    floor: { cpuMsPerCallSecond: 2.08 },
  } as unknown as LoadResult;
  assert.equal(
    summaryLine(r),
    'load: calls=500 workers=1 setup-p99=85ms loss=0.00% latency-p50=0.4ms p99=2.1ms server-cpu=31% (2.9 ms CPU per call-second; floor 2.1) rss=78 KiB/call',
  );
});

test('latency percentiles come from 10 µs bins, capped by the exact maximum', () => {
  const h = new LatencyHistogram();
  assert.equal(h.quantile(0.5), undefined);
  for (let i = 1; i <= 100; i++) h.add(i / 10);
  assert.ok(Math.abs(h.quantile(0.5)! - 5) < 0.011);
  assert.ok(Math.abs(h.quantile(0.99)! - 9.9) < 0.011);
  assert.equal(h.quantile(1), 10);
  h.add(5000);
  assert.equal(h.max, 5000);
  assert.equal(h.quantile(1), 5000);
});

test("a caller's offer is a browser's audio offer, and it reads what it needs from an ICE-lite answer", () => {
  const offer = buildOffer({
    ufrag: 'abcd',
    pwd: '0123456789abcdef012345',
    fingerprint: 'sha-256 AA:BB',
    ssrc: 1234,
    cname: 'x',
    candidate: { address: '127.0.0.1', port: 5000 },
  });
  assert.match(offer, /a=setup:actpass\r\n/);
  assert.match(offer, /a=candidate:1 1 udp \d+ 127\.0\.0\.1 5000 typ host/);
  const answer = parseAnswer(
    [
      'v=0',
      'a=ice-lite',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=ice-ufrag:srv',
      'a=ice-pwd:serverpasswordserverpass',
      'a=fingerprint:sha-256 CC:DD',
      'a=setup:passive',
      'a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host',
      'a=candidate:2 1 tcp 2130706431 127.0.0.1 40001 typ host',
    ].join('\r\n'),
  );
  assert.deepEqual(answer, {
    ufrag: 'srv',
    pwd: 'serverpasswordserverpass',
    fingerprint: 'sha-256 CC:DD',
    setup: 'passive',
    candidates: [{ address: '127.0.0.1', port: 40000 }],
    iceLite: true,
  });
  assert.match(String(parseAnswer('v=0\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\n')), /fingerprint/);
});

test('a sweep point is within the limits only with no failure, loss <= 0.1% and p99 <= 10 ms; the chart draws each target', () => {
  const result = (calls: number, lossPercent: number, p99: number, failed = 0) =>
    ({
      target: 'rtcseal',
      calls,
      failed,
      packets: { lossPercent },
      latencyMs: { p50: 1, p99, max: p99 },
      server: { cpuMsPerCallSecond: 3, cpuPercent: 10 },
    }) as unknown as LoadResult;
  assert.equal(pointOf(result(10, 0.1, 10)).withinLimits, true);
  assert.equal(pointOf(result(10, 0.11, 1)).withinLimits, false);
  assert.equal(pointOf(result(10, 0, 10.5)).withinLimits, false);
  assert.equal(pointOf(result(10, 0, 1, 1)).withinLimits, false);
  const points = [
    pointOf(result(10, 0, 1)),
    pointOf(result(20, 0.5, 30)),
    { ...pointOf(result(10, 0, 2)), target: 'werift' as const },
  ];
  assert.equal(capacity(points, 'rtcseal'), 10);
  assert.equal(capacity(points, 'werift'), 10);
  const svg = sweepSvg(points, 'test');
  assert.match(svg, /^<svg /);
  assert.equal(svg.match(/<polyline /g)?.length, 6, 'three panels x two targets');
});

test('pnpm load flags: counts, target, sweep; bad values name the flag', () => {
  const c = parseLoadArgs([
    '--calls',
    '200',
    '--workers',
    '2',
    '--seconds',
    '30',
    '--target',
    'werift',
    '--json',
  ]);
  assert.ok(c !== 'help');
  assert.deepEqual(
    [c.options.calls, c.options.workers, c.options.seconds, c.options.target, c.json, c.sweep],
    [200, 2, 30, 'werift', true, undefined],
  );
  const s = parseLoadArgs(['--sweep', '--steps', '10,20', '--targets', 'rtcseal', '--svg', 'x.svg']);
  assert.ok(s !== 'help');
  assert.deepEqual(s.sweep, { steps: [10, 20], targets: ['rtcseal'], svg: 'x.svg' });
  assert.throws(() => parseLoadArgs(['--target', 'janus']), /--target/);
  assert.throws(() => parseLoadArgs(['--steps', '10,x']), /--steps/);
  assert.throws(() => parseLoadArgs(['--calls']), /--calls needs a value/);
});
