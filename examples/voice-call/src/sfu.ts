import { randomBytes } from 'node:crypto';
import type { DtlsCertificate } from '@rtcseal/dtls';
import { type MuxLike, WebRtcTransport, type WebRtcTransportStats } from '@rtcseal/ice-lite';
import { RtpRewriter } from './rtp-rewriter.js';

/** Two people talk in a room; one person alone hears themselves (echo room). */
export const ROOM_CAPACITY = 2;

/** Bounds on what signalling can make the server hold: every join costs an ICE session and a DTLS engine. */
export interface VoiceSfuLimits {
  /** Participants (transports) on the server at once, over all rooms. Default 200. */
  readonly maxParticipants?: number;
  /** Participants one client (as the HTTP layer names it, e.g. its IP address) may hold at once. Default 8. */
  readonly maxPerClient?: number;
}

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly room: string;
  /** Small number that tells rewriters which sender a packet came from. */
  readonly sourceId: number;
  readonly transport: WebRtcTransport;
  /** Makes what this participant hears one continuous stream, whoever speaks. */
  readonly rewriter: RtpRewriter;
  /** Who asked for the join (counted against maxPerClient). */
  readonly client: string;
}

/** Called when a participant leaves, whatever the cause (leave(), hang-up, consent expiry). */
export type LeaveListener = (participant: Participant) => void;

/** What the SFU holds and has dropped, summed over its participants. */
export interface VoiceSfuSummary {
  readonly participants: number;
  readonly connected: number;
  readonly rooms: number;
  /** Media dropped by the transports (SRTP authentication, replay, before keys), by reason. */
  readonly drops: Record<string, number>;
}

export type JoinResult =
  | { ok: true; participant: Participant; answer: string }
  | { ok: false; status: number; error: string };

export interface ParticipantView {
  readonly participants: string[];
  readonly hearing: string | undefined;
  /** The server's side of this participant's transport, as label -> text for the page. */
  readonly server: Record<string, string>;
  readonly transport: WebRtcTransportStats;
}

function describe(s: WebRtcTransportStats): Record<string, string> {
  const sel = s.ice.selected;
  const drops = Object.entries(s.drops)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
  return {
    transport: s.state,
    'ICE (lite)': sel
      ? `${s.ice.state}, ${sel.address.replace(/^::ffff:/, '')} port ${sel.port}`
      : s.ice.state,
    'DTLS role (server)': s.dtls.role,
    'DTLS handshake':
      s.dtls.handshakeMs === undefined
        ? s.dtls.state
        : `${s.dtls.handshakeMs} ms, ${s.dtls.retransmissions} retransmissions`,
    'RTP received': `${s.rtpReceived} packets, ${s.rtpBytesReceived} bytes`,
    'RTP sent': `${s.rtpSent} packets, ${s.rtpBytesSent} bytes`,
    'RTCP received': String(s.rtcpReceived),
    dropped: drops || 'none',
  };
}

/**
 * A small selective forwarding unit on WebRtcTransport: each sender's SRTP is decrypted by its own
 * transport and re-encrypted by the receiver's, so every hop is authenticated with that hop's keys.
 */
export class VoiceSfu {
  private readonly rooms = new Map<string, Participant[]>();
  private readonly byId = new Map<string, Participant>();
  private nextSourceId = 1;
  private readonly forwardBuffer = new Uint8Array(1500);
  /** Live participants per client; entries leave with the client's last participant. */
  private readonly perClient = new Map<string, number>();
  private readonly maxParticipants: number;
  private readonly maxPerClient: number;

  constructor(
    private readonly mux: MuxLike,
    private readonly certificate: DtlsCertificate,
    private readonly log: (line: string) => void = () => {},
    limits: VoiceSfuLimits = {},
    private readonly onLeave: LeaveListener = () => {},
  ) {
    this.maxParticipants = limits.maxParticipants ?? 200;
    this.maxPerClient = limits.maxPerClient ?? 8;
    if (!Number.isInteger(this.maxParticipants) || this.maxParticipants < 1) {
      throw new RangeError('limits.maxParticipants must be a positive integer');
    }
    if (!Number.isInteger(this.maxPerClient) || this.maxPerClient < 1) {
      throw new RangeError('limits.maxPerClient must be a positive integer');
    }
  }

  get participantCount(): number {
    return this.byId.size;
  }

  /**
   * Adds a participant to `room` from its SDP offer. `client` identifies who asks (the HTTP layer
   * passes the remote IP address); one client holds at most maxPerClient participants (429 beyond),
   * the server at most maxParticipants (503 beyond). A transport that never connects is closed by
   * ICE consent expiry and frees its slot.
   */
  join(room: string, offerSdp: string, client = ''): JoinResult {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(room))
      return { ok: false, status: 400, error: 'room name: 1-32 letters, digits, - or _' };
    const members = this.rooms.get(room) ?? [];
    if (members.length >= ROOM_CAPACITY)
      return { ok: false, status: 409, error: `room "${room}" is full (two people)` };
    if (this.byId.size >= this.maxParticipants)
      return { ok: false, status: 503, error: 'the server is full; try again later' };
    const held = this.perClient.get(client) ?? 0;
    if (held >= this.maxPerClient)
      return {
        ok: false,
        status: 429,
        error: `too many calls from one client (at most ${this.maxPerClient})`,
      };
    const id = randomBytes(9).toString('base64url');
    const sourceId = this.nextSourceId++;
    const name = `caller ${sourceId}`;
    let participant: Participant | undefined;
    const result = WebRtcTransport.answer(offerSdp, {
      mux: this.mux,
      certificate: this.certificate,
      onConnected: (info) =>
        this.log(
          `${name} in "${room}": ${info.dtlsVersion} ${info.cipherSuite} ${info.srtpProfile} in ${info.setupMs} ms`,
        ),
      onRtp: (packet) => {
        if (participant) this.forward(participant, packet);
      },
      onClosed: (reason) => {
        this.log(`${name} left "${room}" (${reason})`);
        if (participant) this.remove(participant);
      },
    });
    if (!result.ok) return { ok: false, status: 400, error: result.error };
    participant = {
      id,
      name,
      room,
      sourceId,
      transport: result.transport,
      rewriter: new RtpRewriter(
        result.transport.ssrc,
        result.offer.opus.payloadType,
        randomBytes(2).readUInt16BE(),
      ),
      client,
    };
    members.push(participant);
    this.rooms.set(room, members);
    this.byId.set(id, participant);
    this.perClient.set(client, held + 1);
    this.log(`${name} joined "${room}" (${members.length}/${ROOM_CAPACITY})`);
    return { ok: true, participant, answer: result.answer };
  }

  leave(id: string): boolean {
    const p = this.byId.get(id);
    if (!p) return false;
    p.transport.close();
    this.remove(p);
    return true;
  }

  view(id: string): ParticipantView | undefined {
    const p = this.byId.get(id);
    if (!p) return undefined;
    const members = this.rooms.get(p.room) ?? [];
    const source = p.rewriter.currentSource;
    const speaker = members.find((m) => m.sourceId === source);
    const stats = p.transport.stats();
    return {
      participants: members.map((m) => (m === p ? `${m.name} (you)` : m.name)),
      hearing: speaker === undefined ? undefined : speaker === p ? 'yourself (echo)' : speaker.name,
      server: describe(stats),
      transport: stats,
    };
  }

  /** O(participants): for a stats endpoint polled now and then, not per packet. */
  summary(): VoiceSfuSummary {
    const drops: Record<string, number> = {};
    let connected = 0;
    for (const p of this.byId.values()) {
      const s = p.transport.stats();
      if (s.state === 'connected') connected++;
      for (const [reason, n] of Object.entries(s.drops)) drops[reason] = (drops[reason] ?? 0) + (n ?? 0);
    }
    return { participants: this.byId.size, connected, rooms: this.rooms.size, drops };
  }

  close(): void {
    for (const p of [...this.byId.values()]) this.leave(p.id);
  }

  /**
   * Relays a sender's packet to the other connected person in its room, or back to the sender when
   * alone. Runs once per packet: it allocates nothing but the view of the shared copy buffer.
   */
  private forward(sender: Participant, packet: Uint8Array): void {
    if (packet.length > this.forwardBuffer.length) return;
    const members = this.rooms.get(sender.room);
    let relayed = false;
    if (members) {
      for (const m of members) {
        if (m === sender || m.transport.state !== 'connected') continue;
        this.relay(sender, m, packet);
        relayed = true;
      }
    }
    if (!relayed) this.relay(sender, sender, packet);
  }

  private relay(sender: Participant, receiver: Participant, packet: Uint8Array): void {
    // The decrypted packet is a view owned by the sender's transport: rewrite a copy.
    const copy = this.forwardBuffer.subarray(0, packet.length);
    copy.set(packet);
    receiver.rewriter.rewrite(copy, sender.sourceId);
    receiver.transport.sendRtp(copy);
  }

  private remove(p: Participant): void {
    if (!this.byId.delete(p.id)) return;
    const held = (this.perClient.get(p.client) ?? 1) - 1;
    if (held > 0) this.perClient.set(p.client, held);
    else this.perClient.delete(p.client);
    const members = (this.rooms.get(p.room) ?? []).filter((m) => m !== p);
    if (members.length === 0) this.rooms.delete(p.room);
    else this.rooms.set(p.room, members);
    this.onLeave(p);
  }
}
