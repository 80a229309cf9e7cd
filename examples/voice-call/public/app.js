// Browser side of the voice-call demo: one RTCPeerConnection with one audio transceiver,
// offered to the rtcseal SFU over a tiny HTTP signalling API.
const $ = (id) => document.getElementById(id);

/** Live values, also read by the project's browser test. */
const call = {
  id: undefined,
  state: 'idle',
  txTotal: 0,
  rxTotal: 0,
  dtls: undefined,
  suite: undefined,
  srtp: undefined,
  source: undefined,
  error: undefined,
};
window.rtcsealCall = call;

let pc;
let localStream;
let audioContext;
let timers = [];
let last = { at: 0, tx: 0, rx: 0 };

function showError(message) {
  call.error = message;
  $('error').textContent = message;
  $('error').hidden = false;
}

function setState(text) {
  call.state = text;
  $('state').textContent = text;
}

async function api(path, body) {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ?? `${path}: HTTP ${res.status}`);
  return json;
}

function meter(stream, element) {
  audioContext ??= new AudioContext();
  const source = audioContext.createMediaStreamSource(stream);
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const draw = () => {
    if (!pc) return;
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    // RMS scaled so that normal speech fills most of the bar.
    element.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
    requestAnimationFrame(draw);
  };
  draw();
}

const tlsVersions = { FEFD: 'DTLS 1.2', FEFC: 'DTLS 1.3' };

async function pollStats() {
  if (!pc) return;
  const report = await pc.getStats();
  let tx = 0;
  let rx = 0;
  report.forEach((s) => {
    if (s.type === 'transport') {
      call.dtls = tlsVersions[s.tlsVersion] ?? s.tlsVersion;
      call.suite = s.dtlsCipher;
      call.srtp = s.srtpCipher;
      $('dtls').textContent = `${call.dtls ?? '–'} (${s.dtlsState ?? '–'})`;
      $('suite').textContent = s.dtlsCipher ?? '–';
      $('srtp').textContent = s.srtpCipher ?? '–';
      $('role').textContent = s.dtlsRole ?? '–';
      $('ice').textContent = s.iceState ?? pc.iceConnectionState;
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') tx += s.packetsSent ?? 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') rx += s.packetsReceived ?? 0;
  });
  const now = performance.now();
  if (last.at > 0) {
    const dt = (now - last.at) / 1000;
    $('tx-pps').textContent = Math.round((tx - last.tx) / dt);
    $('rx-pps').textContent = Math.round((rx - last.rx) / dt);
  }
  last = { at: now, tx, rx };
  call.txTotal = tx;
  call.rxTotal = rx;
  $('tx-total').textContent = tx;
  $('rx-total').textContent = rx;
  if ($('ice').textContent === '–') $('ice').textContent = pc.iceConnectionState;
}

async function pollServer() {
  if (!call.id) return;
  try {
    const s = await api(`/api/stats?id=${encodeURIComponent(call.id)}`);
    call.source = s.hearing;
    $('source').textContent = s.hearing ?? '–';
    $('peers').textContent = s.participants.join(', ');
    const dl = $('server-stats');
    dl.replaceChildren();
    for (const [k, v] of Object.entries(s.server)) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
  } catch (err) {
    showError(String(err.message ?? err));
  }
}

async function join(room) {
  $('error').hidden = true;
  $('join').disabled = true;
  setState('asking for the microphone');
  localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  pc.addTransceiver(localStream.getAudioTracks()[0], { direction: 'sendrecv', streams: [localStream] });
  pc.ontrack = (ev) => {
    const stream = ev.streams[0] ?? new MediaStream([ev.track]);
    $('remote-audio').srcObject = stream;
    meter(stream, $('remote-level'));
  };
  pc.onconnectionstatechange = () => setState(pc.connectionState);
  meter(localStream, $('mic-level'));

  setState('offering');
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await api('/api/join', { room, sdp: pc.localDescription.sdp });
  call.id = answer.id;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  setState(pc.connectionState);
  $('leave').disabled = false;
  timers = [setInterval(pollStats, 1000), setInterval(pollServer, 1000)];
}

async function leave() {
  for (const t of timers) clearInterval(t);
  timers = [];
  if (call.id) await api('/api/leave', { id: call.id }).catch(() => {});
  call.id = undefined;
  pc?.close();
  pc = undefined;
  for (const t of localStream?.getTracks() ?? []) t.stop();
  setState('left');
  $('join').disabled = false;
  $('leave').disabled = true;
}

$('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  join($('room').value).catch((err) => {
    showError(String(err.message ?? err));
    $('join').disabled = false;
  });
});
$('leave').addEventListener('click', () => leave());
window.addEventListener('pagehide', () => {
  if (call.id) navigator.sendBeacon('/api/leave', JSON.stringify({ id: call.id }));
});
// ?room=NAME&autojoin=1 joins at once (used by the project's browser test).
const params = new URLSearchParams(location.search);
if (params.get('room')) $('room').value = params.get('room');
if (params.get('autojoin') === '1') $('join-form').requestSubmit();
