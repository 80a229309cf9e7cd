import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import test from 'node:test';
import { type DtlsCertificate, generateCertificate } from '@rtcseal/dtls';
import { parseArgs, type RunningVoiceCall, type ServerStats, startVoiceCall } from '../src/server.js';

let offererCertificate: DtlsCertificate;

test.before(async () => {
  offererCertificate = await generateCertificate();
});

function offer(ufrag = 'pEeR'): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    'a=ice-pwd:peerpasswordpeerpassword',
    `a=fingerprint:${offererCertificate.fingerprint()}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

async function post(server: RunningVoiceCall, path: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

function join(server: RunningVoiceCall, room: string) {
  return post(server, '/api/join', { room, sdp: offer() });
}

/** The media port a join's answer sends the caller to (its one host candidate). */
function candidatePort(sdp: string): number {
  const m = /a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/.exec(sdp);
  assert.ok(m, sdp);
  return Number(m[1]);
}

async function serverStats(server: RunningVoiceCall): Promise<ServerStats> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/server-stats`);
  assert.equal(res.status, 200);
  return (await res.json()) as ServerStats;
}

function start(options: Parameters<typeof startVoiceCall>[0] = {}) {
  return startVoiceCall({ httpPort: 0, httpHost: '127.0.0.1', mediaAddress: '127.0.0.1', ...options });
}

test('each worker has its own media port; both parties of a room land on the same worker, a new room on the idlest', async (t) => {
  const server = await start({ workers: 2 });
  t.after(() => server.close());
  assert.equal(server.mediaPorts.length, 2);
  assert.notEqual(server.mediaPorts[0], server.mediaPorts[1]);
  const a1 = await join(server, 'alpha');
  const b1 = await join(server, 'beta');
  const a2 = await join(server, 'alpha');
  assert.deepEqual([a1.status, b1.status, a2.status], [200, 200, 200]);
  const [pa1, pb1, pa2] = [a1, b1, a2].map((r) => candidatePort(r.json.sdp!));
  assert.equal(pa1, pa2, 'both parties of "alpha" share a worker');
  assert.notEqual(pa1, pb1, '"beta" went to the other, idle worker');
  assert.ok(server.mediaPorts.includes(pa1!) && server.mediaPorts.includes(pb1!));

  const stats = await serverStats(server);
  assert.equal(stats.participants, 3);
  assert.equal(stats.workers.length, 2);
  const alpha = stats.workers.find((w) => 'mediaPort' in w && w.mediaPort === pa1);
  assert.ok(alpha && 'participants' in alpha);
  assert.deepEqual([alpha.participants, alpha.sessions, alpha.rooms], [2, 2, 1]);
  assert.ok(stats.rss > 0 && stats.cpu.user > 0);
  assert.equal(typeof alpha.packets.received, 'number');
  assert.ok(alpha.recvBufferSize > 0);
  assert.ok(alpha.threadCpuMs !== undefined && alpha.threadCpuMs >= 0, 'thread CPU from /proc (Linux)');
  assert.ok(alpha.gcMs >= 0 && alpha.eventLoopUtilization >= 0);
});

test('a room that empties frees its worker: leave releases the slot and the participant', async (t) => {
  const server = await start({ workers: 2, limits: { maxParticipants: 2, maxPerClient: 2 } });
  t.after(() => server.close());
  const a = await join(server, 'room1');
  assert.equal((await join(server, 'room2')).status, 200);
  assert.equal((await join(server, 'room3')).status, 503);
  assert.equal((await post(server, '/api/leave', { id: a.json.id })).status, 200);
  assert.equal(await server.participant(a.json.id!), undefined);
  assert.equal((await join(server, 'room3')).status, 200);
  assert.equal((await post(server, '/api/leave', { id: a.json.id })).status, 404);
});

test('the caps hold over all workers: per client (429) and in total (503), counted before a worker is asked', async (t) => {
  const server = await start({ workers: 2, limits: { maxParticipants: 3, maxPerClient: 2 } });
  t.after(() => server.close());
  // Concurrent joins from one client to different rooms, hence different workers.
  const perClient = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((r) => join(server, r)));
  assert.deepEqual(perClient.map((r) => r.status).sort(), [200, 200, 429, 429]);
  assert.equal((await serverStats(server)).participants, 2);

  const roomy = await start({ workers: 2, limits: { maxParticipants: 3, maxPerClient: 100 } });
  t.after(() => roomy.close());
  const total = await Promise.all(['r1', 'r2', 'r3', 'r4', 'r5'].map((r) => join(roomy, r)));
  assert.deepEqual(total.map((r) => r.status).sort(), [200, 200, 200, 503, 503]);
  const stats = await serverStats(roomy);
  assert.deepEqual(
    stats.workers.map((w) => ('participants' in w ? w.participants : -1)).sort(),
    [1, 2],
    'three rooms spread over two workers',
  );
});

test('three concurrent joins to one room: two get in, one is refused as full', async (t) => {
  const server = await start({ workers: 2 });
  t.after(() => server.close());
  const replies = await Promise.all([join(server, 'trio'), join(server, 'trio'), join(server, 'trio')]);
  assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 409]);
  assert.match(replies.find((r) => r.status === 409)!.json.error!, /full/);
});

test('--workers 0 runs the media on the main thread with the same API', async (t) => {
  const server = await start({ workers: 0 });
  t.after(() => server.close());
  assert.equal(server.mediaPorts.length, 1);
  const a = await join(server, 'solo');
  assert.equal(a.status, 200);
  assert.equal(candidatePort(a.json.sdp!), server.mediaPorts[0]);
  const view = await server.participant(a.json.id!);
  assert.deepEqual(view?.participants, ['caller 1 (you)']);
  assert.equal((await server.stats()).workers.length, 1);
});

test('a bad SDP is a 400 and takes no slot', async (t) => {
  const server = await start({ workers: 1, limits: { maxParticipants: 1 } });
  t.after(() => server.close());
  const bad = await post(server, '/api/join', { room: 'x', sdp: 'v=0\r\n' });
  assert.equal(bad.status, 400);
  assert.equal((await join(server, 'x')).status, 200);
});

async function bindUdp(port: number): Promise<Socket | undefined> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

test('a worker that cannot bind its port fails the start, and the workers that did start are stopped', async () => {
  // Find two consecutive free ports and hold the second one.
  let held: Socket | undefined;
  let first = 0;
  for (let attempt = 0; attempt < 20 && !held; attempt++) {
    const probe = (await bindUdp(0))!;
    first = probe.address().port;
    probe.close();
    if (first >= 65535) continue;
    held = await bindUdp(first + 1);
  }
  assert.ok(held, 'two consecutive free ports');
  try {
    await assert.rejects(start({ workers: 2, mediaPort: first }), /EADDRINUSE/);
    // Worker 0 binds `first`; that the port is free a while later shows the worker was stopped,
    // not left running (the wait lets a worker that outlived the failed start finish binding).
    await new Promise((r) => setTimeout(r, 1000));
    const again = await bindUdp(first);
    assert.ok(again, 'the first worker released its port');
    again.close();
  } finally {
    held.close();
  }
});

test('command-line flags set the caps, workers, media socket and buffers; bad values name the flag', () => {
  assert.deepEqual(
    parseArgs([
      '--port',
      '0',
      '--workers',
      '3',
      '--media-port',
      '40000',
      '--media-address',
      '127.0.0.1',
      '--announce',
      '127.0.0.1,::1',
      '--max-participants',
      '2000',
      '--max-per-client',
      '2000',
      '--recv-buffer',
      '4194304',
      '--send-buffer',
      '1048576',
    ]),
    {
      httpPort: 0,
      workers: 3,
      mediaPort: 40000,
      mediaAddress: '127.0.0.1',
      announcedAddresses: ['127.0.0.1', '::1'],
      limits: { maxParticipants: 2000, maxPerClient: 2000 },
      recvBufferSize: 4194304,
      sendBufferSize: 1048576,
    },
  );
  assert.throws(() => parseArgs(['--workers', '-1']), /--workers/);
  assert.throws(() => parseArgs(['--max-per-client', '0']), /--max-per-client/);
  assert.throws(() => parseArgs(['--max-participants']), /--max-participants needs a value/);
  assert.throws(() => parseArgs(['--bogus']), /unknown argument --bogus/);
  assert.equal(parseArgs(['--help']), 'help');
});
