import { randomBytes } from 'node:crypto';
import type { DtlsCertificate } from '@rtcseal/dtls';
import { type MuxLike, WebRtcTransport, type WebRtcTransportStats } from '@rtcseal/ice-lite';
import { RtpRewriter } from './rtp-rewriter.js';

/** Two people talk in a room; one person alone hears themselves (echo room). */
export const ROOM_CAPACITY = 2;

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly room: string;
  /** Small number that tells rewriters which sender a packet came from. */
  readonly sourceId: number;
  readonly transport: WebRtcTransport;
  /** Makes what this participant hears one continuous stream, whoever speaks. */
  readonly rewriter: RtpRewriter;
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

  constructor(
    private readonly mux: MuxLike,
    private readonly certificate: DtlsCertificate,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get participantCount(): number {
    return this.byId.size;
  }

  join(room: string, offerSdp: string): JoinResult {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(room))
      return { ok: false, status: 400, error: 'room name: 1-32 letters, digits, - or _' };
    const members = this.rooms.get(room) ?? [];
    if (members.length >= ROOM_CAPACITY)
      return { ok: false, status: 409, error: `room "${room}" is full (two people)` };
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
    };
    members.push(participant);
    this.rooms.set(room, members);
    this.byId.set(id, participant);
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

  close(): void {
    for (const p of [...this.byId.values()]) this.leave(p.id);
  }

  /** Whom a sender's audio goes to: the other person, or back to the sender when alone. */
  private receiversOf(sender: Participant): Participant[] {
    const members = this.rooms.get(sender.room) ?? [];
    const others = members.filter((m) => m !== sender && m.transport.state === 'connected');
    return others.length > 0 ? others : [sender];
  }

  private forward(sender: Participant, packet: Uint8Array): void {
    if (packet.length > this.forwardBuffer.length) return;
    for (const receiver of this.receiversOf(sender)) {
      // The decrypted packet is a view owned by the sender's transport: rewrite a copy.
      const copy = this.forwardBuffer.subarray(0, packet.length);
      copy.set(packet);
      receiver.rewriter.rewrite(copy, sender.sourceId);
      receiver.transport.sendRtp(copy);
    }
  }

  private remove(p: Participant): void {
    if (!this.byId.delete(p.id)) return;
    const members = (this.rooms.get(p.room) ?? []).filter((m) => m !== p);
    if (members.length === 0) this.rooms.delete(p.room);
    else this.rooms.set(p.room, members);
  }
}
