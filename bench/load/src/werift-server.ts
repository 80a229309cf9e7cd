#!/usr/bin/env node
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpTransceiver } from 'werift';

/**
 * The baseline: the same job as the voice-call demo (two-party rooms, each party's audio relayed to
 * the other, a person alone hears an echo) on werift, with the same signalling (POST /api/join,
 * POST /api/leave, GET /api/server-stats), so the load generator's callers run unchanged against
 * it. One process, one event loop; each peer connection has its own UDP socket (werift's model).
 */

interface Member {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  readonly transceiver: RTCRtpTransceiver;
  /** What this member hears is one continuous stream, whoever speaks (as the demo's RtpRewriter). */
  readonly out: { seq: number; timestamp: number; source: Member | undefined; offset: number };
}

const rooms = new Map<string, Member[]>();
const members = new Map<string, { room: string; member: Member }>();
let nextId = 1;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function leave(id: string): boolean {
  const entry = members.get(id);
  if (!entry) return false;
  members.delete(id);
  const left = (rooms.get(entry.room) ?? []).filter((m) => m !== entry.member);
  if (left.length === 0) rooms.delete(entry.room);
  else rooms.set(entry.room, left);
  entry.member.pc.close().catch(() => {});
  return true;
}

async function join(
  room: string,
  sdp: string,
): Promise<{ id: string; sdp: string } | { error: string; status: number }> {
  const inRoom = rooms.get(room) ?? [];
  if (inRoom.length >= 2) return { status: 409, error: `room "${room}" is full (two people)` };
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: 111,
        }),
      ],
    },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  const id = String(nextId++);
  let member: Member | undefined;
  // The remote track appears during setRemoteDescription (the offer's a=ssrc): subscribe first.
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe((rtp) => {
      if (!member) return;
      const self = member;
      const others = (rooms.get(room) ?? []).filter(
        (m) => m !== self && m.pc.connectionState === 'connected',
      );
      for (const to of others.length > 0 ? others : [self]) {
        const o = to.out;
        const h = rtp.header;
        if (o.source !== self) {
          // A new speaker: continue the receiver's timeline rather than jump to the speaker's.
          o.source = self;
          o.offset = (o.timestamp + 960 - h.timestamp) >>> 0;
        }
        o.seq = (o.seq + 1) & 0xffff;
        o.timestamp = (h.timestamp + o.offset) >>> 0;
        h.sequenceNumber = o.seq;
        h.timestamp = o.timestamp;
        to.transceiver.sender.sendRtp(rtp).catch(() => {});
      }
    });
  });
  await pc.setRemoteDescription({ type: 'offer', sdp });
  const transceiver = pc.getTransceivers()[0];
  if (!transceiver) {
    await pc.close();
    return { status: 400, error: 'offer without audio' };
  }
  transceiver.setDirection('sendrecv');
  member = {
    id,
    pc,
    transceiver,
    out: { seq: Math.floor(Math.random() * 0x10000), timestamp: 0, source: undefined, offset: 0 },
  };
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'failed' || state === 'closed') leave(id);
  });
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') resolve();
      });
    });
  }
  inRoom.push(member);
  // A second joiner may have raced this one through the awaits above.
  if (inRoom.length > 2) {
    inRoom.pop();
    await pc.close();
    return { status: 409, error: `room "${room}" is full (two people)` };
  }
  rooms.set(room, inRoom);
  members.set(id, { room, member });
  return { id, sdp: pc.localDescription!.sdp };
}

function main(argv: string[]): void {
  const portArg = argv.indexOf('--port');
  const port = portArg >= 0 ? Number(argv[portArg + 1]) : 8090;
  const startedAt = Date.now();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'POST' && url.pathname === '/api/join') {
        const body = await readJson(req);
        if (!body || typeof body.room !== 'string' || typeof body.sdp !== 'string')
          return reply(res, 400, { error: 'expected {"room": "...", "sdp": "..."}' });
        const joined = await join(body.room, body.sdp);
        return 'error' in joined
          ? reply(res, joined.status, { error: joined.error })
          : reply(res, 200, joined);
      }
      if (req.method === 'POST' && url.pathname === '/api/leave') {
        const body = await readJson(req);
        const id = typeof body?.id === 'string' ? body.id : '';
        return reply(res, leave(id) ? 200 : 404, { left: id });
      }
      if (req.method === 'GET' && url.pathname === '/api/server-stats') {
        return reply(res, 200, {
          uptimeMs: Date.now() - startedAt,
          participants: members.size,
          cpu: process.cpuUsage(),
          rss: process.memoryUsage.rss(),
        });
      }
      reply(res, 404, { error: 'not found' });
    } catch (err) {
      reply(res, 500, { error: String(err) });
    }
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`werift baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/ `);
  });
  const stop = () => {
    for (const id of [...members.keys()]) leave(id);
    server.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2));
