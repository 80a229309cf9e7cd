/**
 * An SFU's media hop on one core: SRTP from browser A arrives on the shared port, is routed by the
 * mux, authenticated and decrypted by A's WebRtcTransport, handed to B's WebRtcTransport, protected
 * again and handed to the socket callback:
 *
 *   router.handleDatagram -> onRtp (A: unprotect) -> B.sendRtp (protect) -> send callback
 *
 * Two cases, each with SRTP_AES128_CM_HMAC_SHA1_80 and SRTP_AEAD_AES_128_GCM, every transport
 * really keyed by a DTLS handshake: audio, 160-byte Opus-like payloads from A to B (an audio call
 * answered without media options); video, 1200-byte packets from one sender to five receivers (a
 * video m-section answered with a declared send stream each): unprotect once, protect five times.
 * The relay writes each receiver's declared SSRC into the packet (sendRtp refuses any other).
 * Side by side in the same run: the same router and routing, with werift-rtp's SrtpSession doing
 * the decrypt + encrypts (the srtp package's benchmark baseline, loaded from that package's
 * devDependencies). Then the memory of idle WebRtcTransport objects (ICE session, DTLS engine
 * waiting for a ClientHello) at 1,000 and 10,000 transports.
 *
 * Run: node packages/ice-lite/dist/bench/relay.bench.js (re-executes itself with --expose-gc).
 * RELAY_BENCH_MS: measured time per contender and profile (default 1500 ms).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DtlsCertificate, DtlsEngine, generateCertificate } from '@rtcseal/dtls';
import { SrtpSession } from '@rtcseal/srtp';
import * as sdpTransform from 'sdp-transform';
import { hostCandidates } from '../src/ice/candidate.js';
import { UdpMuxRouter } from '../src/mux/router.js';
import { StunMessageBuilder } from '../src/stun/builder.js';
import { StunMessageType } from '../src/stun/constants.js';
import { HmacSha1Key, Sha1Workspace } from '../src/stun/hmac-sha1.js';
import { type MuxLike, WebRtcTransport } from '../src/transport/webrtc-transport.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1]!], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const MS_PER_CASE = Number(process.env.RELAY_BENCH_MS ?? 1500);
const BATCH = 2048;

// --- werift-rtp, resolved from packages/srtp (its devDependency), typed by the little we use ---
interface WeriftRtpHeader {
  ssrc: number;
  payloadOffset: number;
}
interface WeriftSrtp {
  decrypt(buf: Buffer): Buffer;
  encrypt(payload: Buffer, header: WeriftRtpHeader): Buffer;
}
interface WeriftRtp {
  SrtpSession: new (config: {
    keys: {
      localMasterKey: Buffer;
      localMasterSalt: Buffer;
      remoteMasterKey: Buffer;
      remoteMasterSalt: Buffer;
    };
    profile: number;
  }) => WeriftSrtp;
  RtpHeader: { deSerialize(raw: Buffer): WeriftRtpHeader };
}

function loadWerift(): WeriftRtp | string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) return 'workspace root not found';
    dir = up;
  }
  try {
    return createRequire(join(dir, 'packages/srtp/package.json'))('werift-rtp') as WeriftRtp;
  } catch (e) {
    return `werift-rtp not loadable from packages/srtp: ${(e as Error).message}`;
  }
}
const werift = loadWerift();

// --- two browsers stand-ins, each with its transport on one router ---
const OFFER_UFRAG = 'brws';
const OFFER_PWD = 'browserpasswordbrowserpw';

type Kind = 'audio' | 'video';
const PAYLOAD_TYPE: Record<Kind, number> = { audio: 111, video: 96 };

function offerSdp(fingerprint: string, kind: Kind = 'audio'): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    kind === 'audio' ? 'm=audio 9 UDP/TLS/RTP/SAVPF 111' : 'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${OFFER_UFRAG}`,
    `a=ice-pwd:${OFFER_PWD}`,
    `a=fingerprint:${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    kind === 'audio' ? 'a=rtpmap:111 opus/48000/2' : 'a=rtpmap:96 VP8/90000',
    'a=ssrc:1001 cname:browser',
  ].join('\r\n')}\r\n`;
}

type Send = (bytes: Uint8Array, port: number) => void;

/** A router whose send callback dispatches by destination port, and a MuxLike view of it. */
function makeRouter(maxSessions: number) {
  const sinks = new Map<number, Send>();
  const router = new UdpMuxRouter({
    send: (bytes, _address, port) => sinks.get(port)?.(bytes, port),
    maxSessions,
  });
  const mux: MuxLike = {
    addSession: (o) => router.addSession(o, 0),
    candidates: hostCandidates([{ address: '127.0.0.1', port: 5000 }]),
  };
  return { router, mux, sinks };
}

/**
 * Connects one WebRtcTransport to a DTLS client at 127.0.0.1:`port`: Binding request with
 * USE-CANDIDATE, then the handshake, all through `router`. Returns the peer's SRTP keys.
 */
function connect(
  r: ReturnType<typeof makeRouter>,
  port: number,
  certs: { ours: DtlsCertificate; peer: DtlsCertificate },
  profile: string,
  onRtp: (packet: Uint8Array) => void,
  kind: Kind,
) {
  const toPeer: Uint8Array[] = [];
  r.sinks.set(port, (bytes) => toPeer.push(bytes));
  const offer = offerSdp(certs.peer.fingerprint('sha-256'), kind);
  const common = { mux: r.mux, certificate: certs.ours, srtpProfiles: [profile], onRtp };
  // Audio as the audio call (no media options); video with a declared send stream.
  const answered =
    kind === 'audio'
      ? WebRtcTransport.answer(offer, common)
      : WebRtcTransport.answer(offer, {
          ...common,
          media: { sections: { '0': { send: { ssrc: 0x5000 + port } } } },
        });
  if (!answered.ok) throw new Error(answered.error);
  const m = sdpTransform.parse(answered.answer).media[0]!;
  const ws = new Sha1Workspace();
  const check = new StunMessageBuilder(StunMessageType.BindingRequest, new Uint8Array(12).fill(port & 0xff))
    .username(`${m.iceUfrag}:${OFFER_UFRAG}`)
    .iceControlling(1n)
    .priority(1_000_000)
    .useCandidate()
    .finish({
      sha1: { key: new HmacSha1Key(Buffer.from(String(m.icePwd)), ws), workspace: ws },
      fingerprint: true,
    });
  r.router.handleDatagram(check, '127.0.0.1', port, 0);
  // The browser answers our Binding request to its tuple (path validation): media may go there.
  const offerKey = new HmacSha1Key(Buffer.from(OFFER_PWD), ws);
  for (const d of toPeer.splice(0)) {
    if (d[0] !== 0x00 || d[1] !== 0x01) continue;
    const answer = new StunMessageBuilder(StunMessageType.BindingSuccessResponse, d.slice(8, 20)).finish({
      sha1: { key: offerKey, workspace: ws },
      fingerprint: true,
    });
    r.router.handleDatagram(answer, '127.0.0.1', port, 0);
  }
  if (!answered.transport.stats().ice.selected) throw new Error(`no selected tuple on port ${port}`);
  const peer = new DtlsEngine({
    role: 'client',
    certificate: certs.peer,
    expectedFingerprint: `${m.fingerprint!.type} ${m.fingerprint!.hash}`,
    cookieExchange: false,
    srtpProfiles: [profile],
  });
  peer.start(Date.now());
  for (let round = 0; round < 50 && peer.state !== 'connected'; round++) {
    for (let d = peer.pollTransmit(); d; d = peer.pollTransmit())
      r.router.handleDatagram(d, '127.0.0.1', port, 0);
    while (toPeer.length > 0) peer.handleDatagram(toPeer.shift()!, Date.now());
  }
  const keys = peer.srtpKeyingMaterial();
  if (peer.state !== 'connected' || !keys || answered.transport.state !== 'connected')
    throw new Error(`handshake on port ${port} did not complete`);
  return { transport: answered.transport, keys };
}

function rtpPacket(seq: number, ssrc: number, payload: number, payloadType: number): Buffer {
  const p = Buffer.alloc(12 + payload);
  p[0] = 0x80;
  p[1] = payloadType;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 960) >>> 0, 4);
  p.writeUInt32BE(ssrc, 8);
  for (let i = 12; i < p.length; i++) p[i] = (i * 31 + seq) & 0xff;
  return p;
}

/** Fresh protected packets in sequence (a receiver accepts each one once), made outside the timing. */
class WireSource {
  private seq = 60_000; // crosses the 16-bit wrap early, so the rollover counter is exercised
  constructor(
    private readonly tx: SrtpSession,
    private readonly ssrc: number,
    private readonly payload: number,
    private readonly payloadType: number,
  ) {}
  next(n: number): Buffer[] {
    const plain = Array.from({ length: n }, () =>
      rtpPacket(this.seq++, this.ssrc, this.payload, this.payloadType),
    );
    return this.tx.protectRtpBatch(plain).map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength));
  }
}

interface Contender {
  name: string;
  source: WireSource;
  /** Feeds one datagram from browser A into the router. */
  feed(wire: Buffer): void;
  /** Packets that reached the send callback toward the receivers. */
  relayed(): number;
  /** Receivers each packet goes to. */
  fanout: number;
  elapsed: number;
  packets: number;
}

/**
 * Alternating timed slices of about SLICE_MS each, so load from other processes hits the contenders
 * alike; a contender stops getting slices once it has `ms` of measured time.
 */
const SLICE_MS = 50;
function race(contenders: Contender[], ms: number): void {
  // Warm-up, which also sizes each contender's slice from its rate.
  const sliceSize = contenders.map((c) => {
    const batch = c.source.next(BATCH);
    const t0 = performance.now();
    for (const w of batch) c.feed(w);
    const rate = BATCH / Math.max(0.001, performance.now() - t0);
    return Math.min(16_384, Math.max(256, Math.round(rate * SLICE_MS)));
  });
  const base = contenders.map((c) => c.relayed());
  while (contenders.some((c) => c.elapsed < ms)) {
    contenders.forEach((c, k) => {
      if (c.elapsed >= ms) return;
      const batch = c.source.next(sliceSize[k]!);
      const t0 = performance.now();
      for (let i = 0; i < batch.length; i++) c.feed(batch[i]!);
      c.elapsed += performance.now() - t0;
      c.packets += batch.length;
    });
  }
  contenders.forEach((c, i) => {
    if (c.relayed() - base[i]! !== c.packets * c.fanout)
      throw new Error(`${c.name}: relayed ${c.relayed() - base[i]!} of ${c.packets * c.fanout} packets`);
  });
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US').padStart(9)} pkt/s`;

const [ours, peerA, peerB] = await Promise.all([
  generateCertificate(),
  generateCertificate(),
  generateCertificate(),
]);

console.log(
  `RTP relay through UdpMuxRouter, one core, ${MS_PER_CASE} ms per contender, Node ${process.version}; packets relayed in per second (each to every receiver)`,
);
if (typeof werift === 'string') console.log(`(baseline skipped: ${werift})`);

const PROFILES = [
  { name: 'SRTP_AES128_CM_HMAC_SHA1_80', weriftId: 1 },
  { name: 'SRTP_AEAD_AES_128_GCM', weriftId: 7 },
] as const;

const CASES = [
  { label: 'audio 160 B, 1 receiver ', kind: 'audio', payload: 160, receivers: 1 },
  { label: 'video 1200 B, 5 receivers', kind: 'video', payload: 1200 - 12, receivers: 5 },
] as const;

for (const relayCase of CASES) {
  for (const profile of PROFILES) {
    runCase(relayCase, profile);
  }
}

function runCase(c: (typeof CASES)[number], profile: (typeof PROFILES)[number]): void {
  const r = makeRouter(16);
  const PORT_A = 40_001;
  const pt = PAYLOAD_TYPE[c.kind];
  // rtcseal: A's transport decrypts once, each receiver's transport encrypts toward its browser,
  // after the relay wrote that receiver's declared SSRC into the packet.
  let toB = 0;
  const receivers = Array.from({ length: c.receivers }, (_, i) =>
    connect(r, 40_010 + i, { ours, peer: peerB }, profile.name, () => {}, c.kind),
  );
  const targets = receivers.map((b) => ({ transport: b.transport, ssrc: b.transport.ssrc }));
  const a = connect(
    r,
    PORT_A,
    { ours, peer: peerA },
    profile.name,
    (packet) => {
      for (const t of targets) {
        packet[8] = t.ssrc >>> 24;
        packet[9] = (t.ssrc >>> 16) & 0xff;
        packet[10] = (t.ssrc >>> 8) & 0xff;
        packet[11] = t.ssrc & 0xff;
        t.transport.sendRtp(packet);
      }
    },
    c.kind,
  );
  let firstRelayed: Uint8Array | undefined;
  receivers.forEach((_, i) => {
    r.sinks.set(40_010 + i, (bytes) => {
      if (toB++ === 0) firstRelayed = Uint8Array.from(bytes);
    });
  });
  const sessionFromA = new SrtpSession({
    profile: profile.name,
    masterKey: a.keys.localMasterKey,
    masterSalt: a.keys.localMasterSalt,
  });
  const contenders: Contender[] = [
    {
      name: 'rtcseal WebRtcTransport',
      source: new WireSource(sessionFromA, 0x1234_5678, c.payload, pt),
      feed: (w) => void r.router.handleDatagram(w, '127.0.0.1', PORT_A, 1),
      relayed: () => toB,
      fanout: c.receivers,
      elapsed: 0,
      packets: 0,
    },
  ];
  if (typeof werift !== 'string') {
    // Same router and routing; the session handlers run werift's decrypt and encrypts instead.
    const wr = makeRouter(16);
    const WPORT_A = 40_003;
    const WPORT_B = 40_004;
    let wToB = 0;
    wr.sinks.set(WPORT_B, () => void wToB++);
    const keyLength = 16;
    const saltLength = profile.weriftId === 1 ? 14 : 12;
    const rnd = (n: number) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(n)));
    const keysA = { key: rnd(keyLength), salt: rnd(saltLength) };
    const legA = new werift.SrtpSession({
      keys: {
        localMasterKey: rnd(keyLength),
        localMasterSalt: rnd(saltLength),
        remoteMasterKey: keysA.key,
        remoteMasterSalt: keysA.salt,
      },
      profile: profile.weriftId,
    });
    const legs = Array.from({ length: c.receivers }, (_, i) => ({
      ssrc: 0x5000 + i,
      session: new werift.SrtpSession({
        keys: {
          localMasterKey: rnd(keyLength),
          localMasterSalt: rnd(saltLength),
          remoteMasterKey: rnd(keyLength),
          remoteMasterSalt: rnd(saltLength),
        },
        profile: profile.weriftId,
      }),
    }));
    const { RtpHeader } = werift;
    // Both legs get ICE checks like the real transports, so routing costs the same.
    for (const [port, handler] of [
      [
        WPORT_A,
        (bytes: Uint8Array) => {
          const plain = legA.decrypt(bytes as Buffer);
          const header = RtpHeader.deSerialize(plain);
          const payload = plain.subarray(header.payloadOffset);
          for (const leg of legs) {
            header.ssrc = leg.ssrc;
            wr.router.transmit(leg.session.encrypt(payload, header), '127.0.0.1', WPORT_B);
          }
        },
      ],
      [WPORT_B, () => {}],
    ] as const) {
      const s = wr.router.addSession({ remoteUfrag: OFFER_UFRAG, onRtp: handler }, 0);
      const ws = new Sha1Workspace();
      const check = new StunMessageBuilder(
        StunMessageType.BindingRequest,
        new Uint8Array(12).fill(port & 0xff),
      )
        .username(`${s.ufrag}:${OFFER_UFRAG}`)
        .iceControlling(1n)
        .priority(1_000_000)
        .useCandidate()
        .finish({ sha1: { key: new HmacSha1Key(Buffer.from(s.pwd), ws), workspace: ws }, fingerprint: true });
      wr.router.handleDatagram(check, '127.0.0.1', port, 0);
    }
    contenders.push({
      name: 'werift-rtp SrtpSession',
      source: new WireSource(
        new SrtpSession({ profile: profile.name, masterKey: keysA.key, masterSalt: keysA.salt }),
        0x1234_5678,
        c.payload,
        pt,
      ),
      feed: (w) => void wr.router.handleDatagram(w, '127.0.0.1', WPORT_A, 1),
      relayed: () => wToB,
      fanout: c.receivers,
      elapsed: 0,
      packets: 0,
    });
  }
  race(contenders, MS_PER_CASE);
  // What reached the socket toward a receiver is real SRTP under its keys, carrying the packet A
  // sent with the receiver's declared SSRC.
  const first = receivers[0]!;
  const atB = new SrtpSession({
    profile: profile.name,
    masterKey: first.keys.remoteMasterKey,
    masterSalt: first.keys.remoteMasterSalt,
  }).unprotectRtp(firstRelayed!);
  if (!atB.ok || !Buffer.from(atB.packet).equals(rtpPacket(60_000, first.transport.ssrc, c.payload, pt)))
    throw new Error('the receiver cannot read what the relay sent');
  const rates = contenders.map((x) => (x.packets / x.elapsed) * 1000);
  for (const t of [a, ...receivers]) {
    const drops = t.transport.stats().drops;
    if (Object.keys(drops).length > 0) throw new Error(`rtcseal dropped packets: ${JSON.stringify(drops)}`);
  }
  console.log(
    `${c.label} ${profile.name.padEnd(28)} rtcseal ${fmt(rates[0]!)} (${(1e6 / rates[0]!).toFixed(2)} µs/pkt)` +
      (rates[1] === undefined
        ? ''
        : `   werift ${fmt(rates[1])}   ratio x${(rates[0]! / rates[1]).toFixed(2)}`),
  );
  a.transport.close();
  for (const b of receivers) b.transport.close();
}

// --- memory of idle transports ---
/** JS heap plus memory outside it (typed-array backing stores). */
function heapUsed(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
const offer = offerSdp(peerA.fingerprint('sha-256'));
for (const count of [1000, 10_000]) {
  const r = makeRouter(count);
  const before = heapUsed();
  const keep: WebRtcTransport[] = [];
  for (let i = 0; i < count; i++) {
    const answered = WebRtcTransport.answer(offer, { mux: r.mux, certificate: ours });
    if (!answered.ok) throw new Error(answered.error);
    keep.push(answered.transport);
  }
  const after = heapUsed();
  console.log(
    `idle WebRtcTransport (ICE session + DTLS server engine waiting): ${count.toLocaleString('en-US').padStart(6)}  heap +${((after - before) / 1048576).toFixed(2)} MiB  ${((after - before) / count / 1024).toFixed(2)} KiB each  (target <= 20 KiB)`,
  );
  for (const t of keep) t.close();
}
