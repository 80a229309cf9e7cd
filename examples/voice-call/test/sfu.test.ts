import assert from 'node:assert/strict';
import test from 'node:test';
import { type DtlsCertificate, generateCertificate } from '@rtcseal/dtls';
import { hostCandidates, type MuxLike, UdpMuxRouter } from '@rtcseal/ice-lite';
import { VoiceSfu } from '../src/sfu.js';

let certificate: DtlsCertificate;
let offererCertificate: DtlsCertificate;

test.before(async () => {
  [certificate, offererCertificate] = await Promise.all([generateCertificate(), generateCertificate()]);
});

function offer(): string {
  return `${[
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:pEeR',
    'a=ice-pwd:peerpasswordpeerpassword',
    `a=fingerprint:${offererCertificate.fingerprint()}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
  ].join('\r\n')}\r\n`;
}

function sfu(limits: { maxParticipants?: number; maxPerClient?: number }) {
  const router = new UdpMuxRouter({ send: () => {} });
  const mux: MuxLike = {
    addSession: (o) => router.addSession(o, Date.now()),
    candidates: hostCandidates([{ address: '127.0.0.1', port: 5000 }]),
  };
  return { sfu: new VoiceSfu(mux, certificate, () => {}, limits), router };
}

test('one client cannot hold more than maxPerClient participants: 429, and a slot frees on leave', () => {
  const { sfu: s, router } = sfu({ maxPerClient: 2 });
  const first = s.join('r1', offer(), '192.0.2.1');
  assert.ok(first.ok);
  assert.ok(s.join('r2', offer(), '192.0.2.1').ok);
  const refused = s.join('r3', offer(), '192.0.2.1');
  assert.deepEqual(refused.ok ? 200 : refused.status, 429);
  assert.equal(router.sessionCount, 2, 'a refused join costs no ICE session');
  assert.ok(s.join('r3', offer(), '192.0.2.2').ok, 'another client is not affected');
  assert.ok(s.leave(first.participant.id));
  assert.ok(s.join('r3', offer(), '192.0.2.1').ok);
});

test('the server holds at most maxParticipants over all rooms: 503 beyond, however many rooms', () => {
  const { sfu: s, router } = sfu({ maxParticipants: 3, maxPerClient: 100 });
  for (let i = 0; i < 3; i++) assert.ok(s.join(`room${i}`, offer(), `198.51.100.${i}`).ok);
  const refused = s.join('room9', offer(), '198.51.100.9');
  assert.deepEqual(refused.ok ? refused : { status: refused.status }, { status: 503 });
  assert.equal(s.participantCount, 3);
  assert.equal(router.sessionCount, 3);
});

test('limits that are not positive integers throw naming the limit', () => {
  assert.throws(() => sfu({ maxParticipants: 0 }), /limits\.maxParticipants/);
  assert.throws(() => sfu({ maxPerClient: 1.5 }), /limits\.maxPerClient/);
});

test('a participant whose transport closes leaves its room and gives back its client slot', () => {
  const { sfu: s } = sfu({ maxPerClient: 1 });
  const joined = s.join('r1', offer(), '203.0.113.7');
  assert.ok(joined.ok);
  joined.participant.transport.close();
  assert.equal(s.participantCount, 0);
  assert.equal(s.view(joined.participant.id), undefined);
  assert.ok(s.join('r1', offer(), '203.0.113.7').ok);
});
