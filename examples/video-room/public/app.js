// The page of the video room: one RTCPeerConnection with the camera (three simulcast layers where
// the browser offers them) and the microphone, plus one receive-only audio+video pair per seat.
// The server declares its stream in every seat, so people come and go without a re-offer.
const SEATS = 5;
const state = { pc: undefined, id: undefined, poll: undefined, seatVideos: [] };

// Options: `width` and `height` of the capture (Chromium sends three simulcast layers only from
// 960x540 up, two at the default 640x480); `codec` ('VP8', 'VP9', 'H264') to put that video codec
// first in the offer (the first person in a room picks its codec this way), `onlyCodec` to offer it
// alone. The page's URL takes the same as ?codec=H264&width=960&height=540.
async function join(room, options = {}) {
  const query = new URLSearchParams(location.search);
  const width = options.width ?? Number(query.get('width') ?? 640);
  const height = options.height ?? Number(query.get('height') ?? 480);
  const codec = options.codec ?? query.get('codec') ?? undefined;
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  state.pc = pc;
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width, height },
  });
  document.getElementById('self').srcObject = stream;
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });
  const simulcast = !/Firefox/.test(navigator.userAgent);
  pc.addTransceiver(stream.getVideoTracks()[0], {
    direction: 'sendonly',
    streams: [stream],
    ...(simulcast
      ? {
          // VP9 (and AV1) layers are separate streams only with a scalability mode per encoding;
          // without one Chromium sends the first encoding alone.
          sendEncodings: [
            { rid: 'q', scaleResolutionDownBy: 4 },
            { rid: 'h', scaleResolutionDownBy: 2 },
            { rid: 'f' },
          ].map((e) => (codec?.toLowerCase() === 'vp9' ? { ...e, scalabilityMode: 'L1T1' } : e)),
        }
      : {}),
  });
  const seats = document.getElementById('seats');
  seats.replaceChildren();
  state.seatVideos = [];
  for (let k = 0; k < SEATS; k++) {
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = pc.addTransceiver('video', { direction: 'recvonly' });
    const tile = document.createElement('section');
    tile.className = 'tile';
    tile.hidden = true;
    const el = document.createElement('video');
    el.autoplay = true;
    el.playsInline = true;
    el.srcObject = new MediaStream([audio.receiver.track, video.receiver.track]);
    const caption = document.createElement('div');
    caption.className = 'caption';
    tile.append(el, caption);
    seats.append(tile);
    state.seatVideos.push({ tile, el, caption, video });
  }
  if (codec) {
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== 'video') continue;
      try {
        t.setCodecPreferences(videoCodecs(codec, options.onlyCodec, RTCRtpReceiver));
      } catch {
        // A send-only transceiver may be held to what the browser can send.
        t.setCodecPreferences(videoCodecs(codec, options.onlyCodec, RTCRtpSender));
      }
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  const res = await fetch('/api/join', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room, sdp: pc.localDescription.sdp }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error);
  state.id = body.id;
  await pc.setRemoteDescription({ type: 'answer', sdp: body.sdp });
  document.getElementById('self-caption').textContent = `${body.name} (you)`;
  state.poll = setInterval(refresh, 1000);
  return body.name;
}

/**
 * The browser's video codecs with `name` first (H264: Constrained Baseline, packetization mode 1,
 * the profile the room forwards; VP9: profile 0), or `name` alone (and RTX) with `only`.
 */
function videoCodecs(name, only, side) {
  const all = side.getCapabilities('video').codecs;
  const wanted = (c) => {
    if (c.mimeType.toLowerCase() !== `video/${name.toLowerCase()}`) return false;
    const fmtp = c.sdpFmtpLine ?? '';
    if (name.toLowerCase() === 'h264')
      return /packetization-mode=1/.test(fmtp) && /profile-level-id=42e01f/i.test(fmtp);
    if (name.toLowerCase() === 'vp9') return !/profile-id=[1-3]/.test(fmtp);
    return true;
  };
  const first = all.filter(wanted);
  const rest = all.filter((c) => !wanted(c) && (!only || c.mimeType.toLowerCase() === 'video/rtx'));
  return [...first, ...rest];
}

async function post(path, body) {
  await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: state.id, ...body }),
  });
}

function button(text, onclick) {
  const b = document.createElement('button');
  b.textContent = text;
  b.onclick = onclick;
  return b;
}

async function refresh() {
  if (!state.id) return;
  const res = await fetch(`/api/state?id=${encodeURIComponent(state.id)}`);
  if (!res.ok) return;
  const view = await res.json();
  const inbound = await inboundVideo();
  for (const seat of view.seats) {
    const s = state.seatVideos[seat.seat];
    s.tile.hidden = seat.participant === undefined;
    if (seat.participant === undefined) continue;
    const stats = inbound.find((i) => i.mid === seat.videoMid) ?? {};
    s.caption.replaceChildren(
      `${seat.participant} · ${view.videoCodec ?? ''} · layer ${seat.currentLayer ?? '-'}` +
        `${seat.wantedLayer !== seat.currentLayer ? ` (asked ${seat.wantedLayer})` : ''}` +
        ` · ${stats.frameWidth ?? 0}x${stats.frameHeight ?? 0}, ${stats.framesDecoded ?? 0} frames`,
      document.createElement('br'),
      ...seat.layers.map((l) => button(l, () => post('/api/layer', { seat: seat.seat, layer: l }))),
      button('keyframe', () => post('/api/keyframe', { seat: seat.seat })),
    );
  }
  const t = view.transport;
  document.getElementById('status').textContent =
    `${view.name} in "${view.room}": ${view.participants.join(', ')}`;
  document.getElementById('numbers').textContent = JSON.stringify(
    {
      state: t.state,
      dtls: t.dtls,
      ice: {
        selected: t.ice.selected,
        checksValid: t.ice.checksValid,
        consentResponses: t.ice.consentResponses,
      },
      rtp: { received: t.rtpReceived, sent: t.rtpSent, rtcpReceived: t.rtcpReceived, rtcpSent: t.rtcpSent },
      demux: t.demux,
      drops: t.drops,
      keyframeRequests: view.keyframeRequests,
      nacksAnswered: view.nacksAnswered,
    },
    null,
    1,
  );
}

/** The browser's inbound video per seat mid: what the tests and the captions read. */
async function inboundVideo() {
  if (!state.pc) return [];
  const out = [];
  for (const s of state.seatVideos) {
    const report = await s.video.receiver.getStats();
    report.forEach((v) => {
      if (v.type === 'inbound-rtp')
        out.push({
          mid: s.video.mid,
          codec: report.get(v.codecId)?.mimeType,
          framesDecoded: v.framesDecoded ?? 0,
          keyFramesDecoded: v.keyFramesDecoded ?? 0,
          frameWidth: v.frameWidth,
          frameHeight: v.frameHeight,
          pliCount: v.pliCount ?? 0,
          nackCount: v.nackCount ?? 0,
        });
    });
  }
  return out;
}

/** What this page's camera sends, per simulcast layer (rid, size, frames). */
async function outboundVideo() {
  if (!state.pc) return [];
  const out = [];
  (await state.pc.getStats()).forEach((v) => {
    if (v.type === 'outbound-rtp' && v.kind === 'video')
      out.push({
        rid: v.rid,
        frameWidth: v.frameWidth,
        frameHeight: v.frameHeight,
        framesSent: v.framesSent ?? 0,
        framesEncoded: v.framesEncoded ?? 0,
        bytesSent: v.bytesSent ?? 0,
        qualityLimitationReason: v.qualityLimitationReason,
        targetBitrate: v.targetBitrate,
      });
  });
  return out;
}

/**
 * What the SFU's receiver reports told this page's camera, per simulcast layer (the browser's
 * remote-inbound-rtp: loss, jitter, and the round trip it computes from LSR/DLSR).
 */
async function remoteInboundVideo() {
  if (!state.pc) return [];
  const report = await state.pc.getStats();
  const out = [];
  report.forEach((v) => {
    if (v.type !== 'remote-inbound-rtp' || v.kind !== 'video') return;
    out.push({
      rid: report.get(v.localId)?.rid,
      ssrc: v.ssrc,
      packetsLost: v.packetsLost,
      fractionLost: v.fractionLost,
      jitter: v.jitter,
      roundTripTime: v.roundTripTime,
      roundTripTimeMeasurements: v.roundTripTimeMeasurements ?? 0,
    });
  });
  return out;
}

async function leave() {
  clearInterval(state.poll);
  if (state.id) await post('/api/leave', {});
  state.pc?.close();
  state.id = undefined;
}

globalThis.videoRoom = {
  join,
  leave,
  inboundVideo,
  outboundVideo,
  remoteInboundVideo,
  state: () => (state.id ? fetch(`/api/state?id=${state.id}`).then((r) => r.json()) : undefined),
  setLayer: (seat, layer) => post('/api/layer', { seat, layer }),
};

document.getElementById('join').onclick = async () => {
  document.getElementById('join').disabled = true;
  try {
    await join(document.getElementById('room').value);
    document.getElementById('leave').disabled = false;
  } catch (e) {
    document.getElementById('status').textContent = String(e.message ?? e);
    document.getElementById('join').disabled = false;
  }
};
document.getElementById('leave').onclick = async () => {
  await leave();
  document.getElementById('leave').disabled = true;
  document.getElementById('join').disabled = false;
};
