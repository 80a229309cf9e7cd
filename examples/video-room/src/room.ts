import { randomBytes } from 'node:crypto';
import type { DtlsCertificate } from '@rtcseal/dtls';
import {
  buildReceiverReports,
  buildRemb,
  DEFAULT_HEADER_EXTENSIONS,
  DEFAULT_RTCP_FEEDBACK,
  type MediaSectionAnswerOptions,
  type MuxLike,
  type NegotiatedMediaSection,
  parseMediaOffer,
  ReceiverReports,
  RTP_HEADER_EXTENSION_URIS,
  type RtcpPacketInfo,
  type RtcpReportBlock,
  type RtpPacketInfo,
  WebRtcTransport,
  type WebRtcTransportStats,
} from '@rtcseal/ice-lite';
import { ForwardedStream } from './forwarded-stream.js';
import {
  FORWARDABLE_VIDEO_CODECS,
  type ForwardableVideoCodec,
  firstForwardableCodec,
} from './video-codecs.js';

/**
 * A small SFU for rooms of 2-6 people on WebRtcTransport. Each page offers its microphone and camera
 * (m-sections 0 and 1, the camera in three simulcast layers where the browser does that) and one
 * receive-only audio+video pair per other seat (m-sections 2+2k and 3+2k, five seats): the answer
 * declares our stream in every seat up front, so people come and go without a re-offer. Each
 * receiver's seat streams are ForwardedStreams: one SSRC each, continuous across whoever sits there.
 *
 * Video: one simulcast layer per receiver and seat; a layer (or a new sender) is switched to at a
 * keyframe of it, asked for with a PLI, and until then the old layer goes on. A receiver's PLI/FIR
 * goes to the sender of its seat as a PLI of ours; its NACKs are answered from the seat's history.
 */

/** People in one room at most; each page has this many seats minus one. */
export const ROOM_CAPACITY = 6;
export const SEATS = ROOM_CAPACITY - 1;
/** Layer each receiver gets from a simulcast sender until it asks for another. */
export const DEFAULT_LAYER = 'h';
/** A switch whose keyframe has not come is asked again this often. */
const KEYFRAME_RETRY_MS = 1000;
/**
 * What each camera may send by default, told with REMB (see `VideoRoomSfuOptions.cameraBitrate`).
 * Without transport-cc (left out of the answer: this SFU sends no transport-wide feedback) a
 * browser's estimate follows our REMB and the loss our receiver reports show, so its upper simulcast
 * layers run instead of starving at the initial estimate (about 300 kbit/s in Chromium).
 */
export const DEFAULT_CAMERA_BITRATE = 2_500_000;
/** How often each sender gets our receiver reports and REMB, in one compound RTCP packet. */
const FEEDBACK_INTERVAL_MS = 500;
/** Streams per participant we keep reception statistics of (microphone and camera layers). */
const MAX_RECEIVED_STREAMS = 8;

export interface VideoRoomSfuOptions {
  readonly log?: ((line: string) => void) | undefined;
  /** Participants on the server at most, across rooms. Default 60. */
  readonly maxParticipants?: number | undefined;
  /**
   * Bits per second each camera may send, all its simulcast layers together, told with REMB
   * (draft-alvestrand-rmcat-remb). Default {@link DEFAULT_CAMERA_BITRATE}.
   */
  readonly cameraBitrate?: number | undefined;
}
const SECTION_DEFAULTS: MediaSectionAnswerOptions = {
  headerExtensions: DEFAULT_HEADER_EXTENSIONS.filter((u) => u !== RTP_HEADER_EXTENSION_URIS.transportWideCc),
  rtcpFeedback: DEFAULT_RTCP_FEEDBACK.filter((f) => f !== 'transport-cc'),
};

export interface Seat {
  readonly index: number;
  readonly audioMid: string;
  readonly videoMid: string;
  readonly audio: ForwardedStream;
  readonly video: ForwardedStream;
  /** Who sits here, by participant id. */
  sender: string | undefined;
  /** The layer asked for, and the one forwarded now (undefined: the sender has no simulcast). */
  wantedLayer: string | undefined;
  currentLayer: string | undefined;
  /** Waiting for a keyframe of the wanted layer (or of a new sender) since this time. */
  switchingSince: number | undefined;
}

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly room: string;
  readonly transport: WebRtcTransport;
  readonly audioMid: string | undefined;
  readonly videoMid: string | undefined;
  /** The simulcast rids the camera sends, smallest first as offered; empty without simulcast. */
  readonly layers: readonly string[];
  readonly videoCodec: string | undefined;
  /** The room's video codec: what this participant's camera sends and its seats carry. */
  readonly forwardable: ForwardableVideoCodec;
  readonly seats: readonly Seat[];
  /** Keyframes asked of this sender, by us for its receivers. */
  keyframeRequests: number;
  nacksAnswered: number;
  /** What we receive from this participant, per SSRC (RFC 3550 §6.4.1), reported back to it in RRs. */
  readonly reception: ReceiverReports;
}

export type JoinResult =
  | { ok: true; participant: Participant; answer: string }
  | { ok: false; status: number; error: string };

export interface SeatView {
  readonly seat: number;
  readonly audioMid: string;
  readonly videoMid: string;
  readonly participant: string | undefined;
  readonly layers: readonly string[];
  readonly wantedLayer: string | undefined;
  readonly currentLayer: string | undefined;
  readonly forwarded: ForwardedStream['counters'];
}

export interface ParticipantView {
  readonly name: string;
  readonly room: string;
  readonly participants: readonly string[];
  readonly videoCodec: string | undefined;
  readonly layers: readonly string[];
  readonly seats: readonly SeatView[];
  readonly keyframeRequests: number;
  readonly nacksAnswered: number;
  /** The report blocks of our latest receiver report to this participant. */
  readonly reported: readonly RtcpReportBlock[];
  readonly transport: WebRtcTransportStats;
}

function codecName(section: NegotiatedMediaSection | undefined, payloadType: number): string | undefined {
  return section?.codecs.find((c) => c.payloadType === payloadType)?.name.toLowerCase();
}

function randomSsrc(): number {
  return randomBytes(4).readUInt32BE() || 1;
}

export class VideoRoomSfu {
  private readonly rooms = new Map<string, Participant[]>();
  /** Each room's video codec: the first one its first participant offered that the room forwards. */
  private readonly roomCodecs = new Map<string, ForwardableVideoCodec>();
  private readonly byId = new Map<string, Participant>();
  private nextName = 1;
  private readonly timer: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private readonly maxParticipants: number;
  private readonly cameraBitrate: number;
  private readonly reported = new Map<string, readonly RtcpReportBlock[]>();

  constructor(
    private readonly mux: MuxLike,
    private readonly certificate: DtlsCertificate,
    options: VideoRoomSfuOptions = {},
  ) {
    this.log = options.log ?? (() => {});
    this.maxParticipants = options.maxParticipants ?? 60;
    this.cameraBitrate = options.cameraBitrate ?? DEFAULT_CAMERA_BITRATE;
    if (!Number.isFinite(this.cameraBitrate) || this.cameraBitrate < 0)
      throw new RangeError('options.cameraBitrate must be a non-negative number of bits per second');
    this.timer = setInterval(() => {
      this.retryKeyframes(Date.now());
      this.sendFeedback(performance.now());
    }, FEEDBACK_INTERVAL_MS);
    this.timer.unref();
  }

  join(room: string, offerSdp: string): JoinResult {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(room))
      return { ok: false, status: 400, error: 'room name: 1-32 letters, digits, - or _' };
    const members = this.rooms.get(room) ?? [];
    if (members.length >= ROOM_CAPACITY)
      return { ok: false, status: 409, error: `room "${room}" is full (${ROOM_CAPACITY} people)` };
    if (this.byId.size >= this.maxParticipants)
      return { ok: false, status: 503, error: 'the server is full; try again later' };
    const id = randomBytes(9).toString('base64url');
    const name = `guest ${this.nextName++}`;
    // Seats: the page's sections 2.. in audio/video pairs; each gets our streams declared up front.
    const seatSsrcs = Array.from({ length: SEATS }, () => ({
      audio: randomSsrc(),
      video: randomSsrc(),
      rtx: randomSsrc(),
    }));
    const midOf = (sdp: string) => [...sdp.matchAll(/^a=mid:(\S+)/gm)].map((m) => m[1]!);
    const mids = midOf(offerSdp);
    if (mids.length !== 2 + 2 * SEATS)
      return {
        ok: false,
        status: 400,
        error: `expected ${2 + 2 * SEATS} m-sections (camera, microphone, ${SEATS} seats)`,
      };
    // One video codec per room: an SFU forwards packets, it does not transcode them, so every
    // receiver must decode what every camera sends.
    const offer = parseMediaOffer(offerSdp);
    if (!offer.ok) return { ok: false, status: 400, error: `offer: ${offer.error.message}` };
    const videoSections = offer.offer.sections.filter((_, i) => i === 1 || (i >= 3 && i % 2 === 1));
    const codec = this.roomCodecs.get(room) ?? firstForwardableCodec(videoSections[0]?.codecs ?? []);
    const names = FORWARDABLE_VIDEO_CODECS.map((c) => c.name.toUpperCase()).join(', ');
    if (!codec) return { ok: false, status: 400, error: `the offer has none of the video codecs ${names}` };
    if (!videoSections.every((v) => v.codecs.some((c) => codec.matches(c))))
      return {
        ok: false,
        status: 409,
        error: `room "${room}" forwards ${codec.name.toUpperCase()} video; offer it in every video section to join`,
      };
    const audio = { ...SECTION_DEFAULTS, codecs: ['audio/opus'] };
    const video = { ...SECTION_DEFAULTS, codecs: [codec.preference] };
    const sections: Record<string, MediaSectionAnswerOptions> = {
      [mids[0]!]: { ...audio, direction: 'recvonly' },
      [mids[1]!]: { ...video, direction: 'recvonly' },
    };
    seatSsrcs.forEach((s, k) => {
      sections[mids[2 + 2 * k]!] = { ...audio, send: { ssrc: s.audio } };
      sections[mids[3 + 2 * k]!] = { ...video, send: { ssrc: s.video, rtxSsrc: s.rtx } };
    });
    let participant: Participant | undefined;
    const result = WebRtcTransport.answer(offerSdp, {
      mux: this.mux,
      certificate: this.certificate,
      media: { sections },
      onConnected: (info) => {
        this.log(`${name} in "${room}": ${info.srtpProfile} in ${info.setupMs} ms`);
        if (participant) this.onConnected(participant);
      },
      onRtp: (packet, info) => {
        if (!participant) return;
        this.countReceived(participant, info);
        this.forward(participant, packet, info);
      },
      onRtcp: (_packet, info) => {
        if (participant) this.onFeedback(participant, info);
      },
      onClosed: (reason) => {
        this.log(`${name} left "${room}" (${reason})`);
        if (participant) this.remove(participant);
      },
    });
    if (!result.ok) return { ok: false, status: 400, error: result.error };
    const negotiated = result.negotiated.sections;
    const camera = negotiated[1];
    const seats: Seat[] = seatSsrcs.map((s, k) => {
      const videoSection = negotiated[3 + 2 * k]!;
      const rtxCodec = videoSection.codecs.find((c) => c.apt !== undefined);
      const sequence = randomBytes(2).readUInt16BE();
      return {
        index: k,
        audioMid: mids[2 + 2 * k]!,
        videoMid: mids[3 + 2 * k]!,
        audio: new ForwardedStream({
          ssrc: s.audio,
          frameTicks: 960,
          historySize: 0,
          initialSequence: sequence,
        }),
        video: new ForwardedStream({
          ssrc: s.video,
          rtx:
            videoSection.send?.rtxSsrc === undefined || !rtxCodec
              ? undefined
              : { ssrc: s.rtx, payloadType: rtxCodec.payloadType },
          frameTicks: 3000,
          historySize: 512,
          initialSequence: sequence,
          payloadContinuity: codec.newPayloadContinuity(),
        }),
        sender: undefined,
        wantedLayer: undefined,
        currentLayer: undefined,
        switchingSince: undefined,
      };
    });
    participant = {
      id,
      name,
      room,
      transport: result.transport,
      audioMid: negotiated[0]?.rejection === undefined ? negotiated[0]?.mid : undefined,
      videoMid: camera?.rejection === undefined ? camera?.mid : undefined,
      layers: camera?.receiveRids ?? [],
      videoCodec: camera?.codecs[0] ? `${camera.codecs[0].name}/${camera.codecs[0].clockRate}` : undefined,
      forwardable: codec,
      seats,
      keyframeRequests: 0,
      nacksAnswered: 0,
      reception: new ReceiverReports({ maxStreams: MAX_RECEIVED_STREAMS }),
    };
    members.push(participant);
    this.rooms.set(room, members);
    this.roomCodecs.set(room, codec);
    this.byId.set(id, participant);
    this.log(`${name} joined "${room}" (${members.length}/${ROOM_CAPACITY})`);
    return { ok: true, participant, answer: result.answer };
  }

  /** Ids of everyone in any room. */
  get participantIds(): string[] {
    return [...this.byId.keys()];
  }

  leave(id: string): boolean {
    const p = this.byId.get(id);
    if (!p) return false;
    p.transport.close();
    this.remove(p);
    return true;
  }

  /** A receiver asks for another simulcast layer of the person in `seat`. */
  setLayer(id: string, seat: number, layer: string): boolean {
    const p = this.byId.get(id);
    const s = p?.seats[seat];
    const sender = s?.sender === undefined ? undefined : this.byId.get(s.sender);
    if (!s || !sender?.layers.includes(layer)) return false;
    if (s.wantedLayer !== layer) {
      s.wantedLayer = layer;
      this.startSwitch(s, sender, Date.now());
    }
    return true;
  }

  /** A receiver asks for a keyframe of the person in `seat` (the page's button; PLI does the same). */
  requestKeyframe(id: string, seat: number): boolean {
    const s = this.byId.get(id)?.seats[seat];
    const sender = s?.sender === undefined ? undefined : this.byId.get(s.sender);
    if (!s || !sender) return false;
    return this.askKeyframe(sender, s.currentLayer ?? s.wantedLayer) > 0;
  }

  view(id: string): ParticipantView | undefined {
    const p = this.byId.get(id);
    if (!p) return undefined;
    return {
      name: p.name,
      room: p.room,
      participants: (this.rooms.get(p.room) ?? []).map((m) => (m === p ? `${m.name} (you)` : m.name)),
      videoCodec: p.videoCodec,
      layers: p.layers,
      seats: p.seats.map((s) => ({
        seat: s.index,
        audioMid: s.audioMid,
        videoMid: s.videoMid,
        participant: s.sender === undefined ? undefined : this.byId.get(s.sender)?.name,
        layers: s.sender === undefined ? [] : (this.byId.get(s.sender)?.layers ?? []),
        wantedLayer: s.wantedLayer,
        currentLayer: s.currentLayer,
        forwarded: { ...s.video.counters },
      })),
      keyframeRequests: p.keyframeRequests,
      nacksAnswered: p.nacksAnswered,
      reported: this.reported.get(p.id) ?? [],
      transport: p.transport.stats(),
    };
  }

  close(): void {
    clearInterval(this.timer);
    for (const p of [...this.byId.values()]) this.leave(p.id);
  }

  /** Seats the newcomer among the others and the others among the newcomer's seats. */
  private onConnected(p: Participant): void {
    for (const other of this.rooms.get(p.room) ?? []) {
      if (other === p || other.transport.state !== 'connected') continue;
      this.seat(p, other);
      this.seat(other, p);
    }
  }

  /** Gives `sender` a free seat of `receiver` (if it has none yet) and asks it for a keyframe. */
  private seat(receiver: Participant, sender: Participant): void {
    if (receiver.seats.some((s) => s.sender === sender.id)) return;
    const seat = receiver.seats.find((s) => s.sender === undefined);
    if (!seat) return;
    seat.sender = sender.id;
    seat.wantedLayer = sender.layers.includes(DEFAULT_LAYER) ? DEFAULT_LAYER : sender.layers[0];
    seat.currentLayer = undefined;
    this.startSwitch(seat, sender, Date.now());
  }

  private startSwitch(seat: Seat, sender: Participant, now: number): void {
    seat.switchingSince = now;
    this.askKeyframe(sender, seat.wantedLayer);
  }

  private askKeyframe(sender: Participant, layer: string | undefined): number {
    if (sender.videoMid === undefined) return 0;
    const asked = sender.transport.requestKeyframe(sender.videoMid, layer);
    sender.keyframeRequests += asked;
    return asked;
  }

  /**
   * Each sender gets, in one compound RTCP packet (RFC 3550 §6.1: an RR first), a report block per
   * stream we receive from it and a REMB with the budget of its camera. The reports let its send-side
   * estimate see the loss and round trip of its path to us; the REMB caps that estimate.
   */
  private sendFeedback(now: number): void {
    for (const p of this.byId.values()) {
      if (p.transport.state !== 'connected') continue;
      const blocks = p.reception.reportBlocks(now);
      const parts = [buildReceiverReports(p.transport.ssrc, blocks)];
      this.reported.set(p.id, blocks);
      if (p.videoMid !== undefined) {
        const ssrcs = p.transport
          .remoteStreams(p.videoMid)
          .filter((s) => s.isRtx !== true)
          .map((s) => s.ssrc);
        if (ssrcs.length > 0) parts.push(buildRemb(p.transport.ssrc, this.cameraBitrate, ssrcs));
      }
      p.transport.sendRtcp(Buffer.concat(parts));
    }
  }

  /** Counts a packet from `sender` in the reception statistics of its stream. */
  private countReceived(sender: Participant, info: RtpPacketInfo): void {
    const clockRate = sender.transport.negotiated.sections[info.sectionIndex]?.codecs.find(
      (c) => c.payloadType === info.payloadType,
    )?.clockRate;
    if (clockRate !== undefined) sender.reception.packetReceived(info, clockRate, performance.now());
  }

  private retryKeyframes(now: number): void {
    for (const receiver of this.byId.values()) {
      for (const seat of receiver.seats) {
        if (seat.switchingSince === undefined || now - seat.switchingSince < KEYFRAME_RETRY_MS) continue;
        const sender = seat.sender === undefined ? undefined : this.byId.get(seat.sender);
        if (!sender) continue;
        seat.switchingSince = now;
        this.askKeyframe(sender, seat.wantedLayer);
      }
    }
  }

  private forward(sender: Participant, packet: Uint8Array, info: RtpPacketInfo): void {
    // Our seats carry the sender's media; its repairs (RTX) are for us, and our own NACK answers
    // come from each seat's history.
    if (info.isRtx) return;
    const senderSection = sender.transport.negotiated.sections[info.sectionIndex];
    const codec = codecName(senderSection, info.payloadType);
    const video = info.kind === 'video';
    const keyframe =
      video &&
      codec === sender.forwardable.name &&
      sender.forwardable.isKeyframeStart(packet, info.payloadOffset, info.payloadLength);
    for (const receiver of this.rooms.get(sender.room) ?? []) {
      if (receiver === sender || receiver.transport.state !== 'connected') continue;
      const seat = receiver.seats.find((s) => s.sender === sender.id);
      if (!seat) continue;
      if (video) {
        if (seat.switchingSince !== undefined && info.rid === seat.wantedLayer && keyframe) {
          seat.currentLayer = seat.wantedLayer;
          seat.switchingSince = undefined;
        }
        // Before the first keyframe nothing is forwarded; during a switch the old layer goes on.
        if (
          seat.currentLayer !== info.rid ||
          (seat.switchingSince !== undefined && seat.currentLayer === undefined)
        )
          continue;
      }
      const mid = video ? seat.videoMid : seat.audioMid;
      const section = receiver.transport.negotiated.sections.find((s) => s.mid === mid);
      const pt = section?.codecs.find(
        (c) => c.apt === undefined && c.name.toLowerCase() === codec,
      )?.payloadType;
      if (pt === undefined) continue;
      const stream = video ? seat.video : seat.audio;
      receiver.transport.sendRtp(
        stream.forward(packet, info.payloadOffset, pt, `${sender.id}/${info.rid ?? ''}`),
      );
    }
  }

  /** A receiver's RTCP about a seat's stream: keyframe requests go to the sender, NACKs are answered here. */
  private onFeedback(receiver: Participant, info: RtcpPacketInfo): void {
    // The sender's SRs of streams we receive: echoed as LSR/DLSR in our next reports on them.
    receiver.reception.rtcpReceived(info.packets, performance.now());
    for (const route of info.routes) {
      if (route.stream !== 'ours') continue;
      const p = route.packet;
      const seat = receiver.seats.find((s) => s.videoMid === route.mid);
      if (!seat || route.isRtx) continue;
      const sender = seat.sender === undefined ? undefined : this.byId.get(seat.sender);
      if ((p.type === 'pli' || p.type === 'fir') && sender) {
        this.askKeyframe(sender, seat.currentLayer ?? seat.wantedLayer);
      } else if (p.type === 'nack') {
        for (const resend of seat.video.retransmissions(p.sequenceNumbers)) {
          if (receiver.transport.sendRtp(resend)) receiver.nacksAnswered++;
        }
      }
    }
  }

  private remove(p: Participant): void {
    if (!this.byId.delete(p.id)) return;
    this.reported.delete(p.id);
    const members = (this.rooms.get(p.room) ?? []).filter((m) => m !== p);
    if (members.length === 0) {
      this.rooms.delete(p.room);
      this.roomCodecs.delete(p.room);
    } else this.rooms.set(p.room, members);
    // Free the seats the leaver had among the others; the next newcomer continues those streams.
    for (const m of members) {
      for (const s of m.seats) {
        if (s.sender !== p.id) continue;
        s.sender = undefined;
        s.wantedLayer = undefined;
        s.currentLayer = undefined;
        s.switchingSince = undefined;
      }
    }
  }
}
