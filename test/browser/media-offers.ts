import type { Page } from 'puppeteer-core';

/**
 * The offers a browser makes for bundled media, created in a page: the fake camera and microphone
 * (audio + video), the same with a data channel, and video simulcast with three RIDs through
 * addTransceiver sendEncodings (RFC 8853). Shared by the fixture capture (capture-offers.ts) and
 * the answer tests (media-answer.test.ts), so the tests answer exactly what the fixtures hold.
 */
export type MediaOfferKind = 'audio-video' | 'audio-video-data' | 'simulcast';

export const MEDIA_OFFER_KINDS: readonly MediaOfferKind[] = ['audio-video', 'audio-video-data', 'simulcast'];

/**
 * Creates `globalThis.pc` in the page with the tracks of `kind`, sets the offer as local description
 * and returns its SDP.
 */
export async function createMediaOffer(page: Page, kind: MediaOfferKind): Promise<string> {
  return page.evaluate(async (k: string) => {
    const w = globalThis as typeof globalThis & {
      pc?: RTCPeerConnection;
      trackEvents?: unknown[];
      iceStates?: string[];
      connectionStates?: string[];
    };
    w.pc?.close();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    w.pc = pc;
    // The same state logs BrowserPeer keeps, so its waitFor* helpers work on this connection too.
    const iceStates = [pc.iceConnectionState];
    const connectionStates = [pc.connectionState];
    w.iceStates = iceStates;
    w.connectionStates = connectionStates;
    pc.addEventListener('iceconnectionstatechange', () => iceStates.push(pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => connectionStates.push(pc.connectionState));
    const events: { mid: string | null; kind: string; streams: string[] }[] = [];
    w.trackEvents = events;
    pc.addEventListener('track', (e) =>
      events.push({ mid: e.transceiver.mid, kind: e.track.kind, streams: e.streams.map((s) => s.id) }),
    );
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 640, height: 480 },
    });
    const audio = stream.getAudioTracks()[0]!;
    const video = stream.getVideoTracks()[0]!;
    if (k === 'simulcast') {
      pc.addTransceiver(audio, { direction: 'sendrecv', streams: [stream] });
      pc.addTransceiver(video, {
        direction: 'sendrecv',
        streams: [stream],
        sendEncodings: [
          { rid: 'q', scaleResolutionDownBy: 4 },
          { rid: 'h', scaleResolutionDownBy: 2 },
          { rid: 'f' },
        ],
      });
    } else {
      pc.addTrack(audio, stream);
      pc.addTrack(video, stream);
      if (k === 'audio-video-data') pc.createDataChannel('chat');
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    return pc.localDescription!.sdp;
  }, kind);
}

/**
 * A re-offer on the existing `globalThis.pc` (JSEP §5.2.2): optionally with one more video
 * transceiver (a new m-section) and an ICE restart (new ufrag and pwd).
 */
export async function createReoffer(
  page: Page,
  options: { addVideo: boolean; iceRestart: boolean },
): Promise<string> {
  return page.evaluate(async (o: { addVideo: boolean; iceRestart: boolean }) => {
    const pc = (globalThis as typeof globalThis & { pc: RTCPeerConnection }).pc;
    if (o.addVideo) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      pc.addTransceiver(stream.getVideoTracks()[0]!, { direction: 'sendrecv', streams: [stream] });
    }
    const offer = await pc.createOffer({ iceRestart: o.iceRestart });
    await pc.setLocalDescription(offer);
    return pc.localDescription!.sdp;
  }, options);
}

/** What the browser made of a remote answer, per transceiver, read after setRemoteDescription. */
export interface TransceiverView {
  readonly mid: string | null;
  readonly kind: string;
  readonly direction: string;
  readonly currentDirection: string | null;
  /** mimeType of the negotiated send codecs, in order (the first is the one in use). */
  readonly sendCodecs: readonly string[];
  readonly sendHeaderExtensions: readonly string[];
  readonly sendEncodings: readonly { rid?: string; active: boolean }[];
  /** The remote track's id; a sending answer section with a=msid names it. */
  readonly receiverTrackId: string;
}

/** A `track` event of the peer connection: a remote track the answer announced. */
export interface TrackEventView {
  readonly mid: string | null;
  readonly kind: string;
  /** ids of the remote streams (a=msid stream id). */
  readonly streams: readonly string[];
}

/**
 * Sets `sdp` as the remote answer of `globalThis.pc`. Returns the browser's error message, or the
 * transceivers as the browser negotiated them.
 */
export async function applyAnswer(
  page: Page,
  sdp: string,
): Promise<
  { ok: true; transceivers: TransceiverView[]; trackEvents: TrackEventView[] } | { ok: false; error: string }
> {
  return page.evaluate(async (answer: string) => {
    const w = globalThis as typeof globalThis & { pc: RTCPeerConnection; trackEvents: TrackEventView[] };
    const pc = w.pc;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (e) {
      return { ok: false as const, error: String((e as Error).message ?? e) };
    }
    const transceivers = pc.getTransceivers().map((t) => {
      const params = t.sender.getParameters();
      return {
        mid: t.mid,
        kind: t.receiver.track.kind,
        direction: t.direction,
        currentDirection: t.currentDirection,
        sendCodecs: (params.codecs ?? []).map((c) => c.mimeType),
        sendHeaderExtensions: (params.headerExtensions ?? []).map((h) => h.uri),
        sendEncodings: (params.encodings ?? []).map((e) => ({
          ...(e.rid === undefined ? {} : { rid: e.rid }),
          active: e.active !== false,
        })),
        receiverTrackId: t.receiver.track.id,
      };
    });
    return { ok: true as const, transceivers, trackEvents: [...w.trackEvents] };
  }, sdp);
}
