import assert from 'node:assert/strict';
import test from 'node:test';
import { hostCandidates } from '../src/ice/index.js';
import {
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  parseRtcpCompound,
  routeRtcp,
} from '../src/rtcp/index.js';
import { BundleDemux, SendStreamCheck } from '../src/rtp/index.js';
import { buildMediaAnswer, parseMediaOffer } from '../src/sdp/index.js';
import { readSdpFixture } from './fixtures.js';
import { buildRtp } from './rtp-packets.js';

const u32be = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

const block = (ssrc: number) => ({
  ssrc,
  fractionLost: 0,
  cumulativeLost: 0,
  highestSequence: 0,
  jitter: 0,
  lastSenderReport: 0,
  delaySinceLastSenderReport: 0,
});

test('routeRtcp: feedback and report blocks go to our declared streams, SR/SDES/BYE to the peer streams the demux knows', () => {
  const offer = parseMediaOffer(readSdpFixture('chromium-simulcast'));
  assert.ok(offer.ok);
  const answer = buildMediaAnswer(offer.offer, {
    ufrag: 'rtcs',
    pwd: 'rtcsealrtcsealrtcsealrtcseal',
    fingerprint: 'sha-256 AB:CD',
    candidates: hostCandidates([{ address: '127.0.0.1', port: 9 }]),
    sections: { '0': { send: { ssrc: 100 } }, '1': { send: { ssrc: 200, rtxSsrc: 201 } } },
  });
  const demux = new BundleDemux(answer.sections);
  const check = new SendStreamCheck(answer.sections);
  // The browser's layer h, learned from MID + RID; its audio SSRC is in the offer's a=ssrc.
  demux.demux(
    buildRtp({
      payloadType: 96,
      ssrc: 0x4242,
      extensions: [
        { id: 4, value: '1' },
        { id: 10, value: 'h' },
      ],
    }),
  );
  const audioSsrc = answer.sections[0]!.remoteSsrcs[0]!;
  // SR from the layer's SSRC (sender info zero, no blocks) and BYE of the audio SSRC (RFC 3550 §6.4.1, §6.6).
  const sr = Uint8Array.from([0x80, 200, 0, 6, ...u32be(0x4242), ...new Array(20).fill(0)]);
  const bye = Uint8Array.from([0x81, 203, 0, 1, ...u32be(audioSsrc)]);
  const compound = Buffer.concat([
    sr,
    buildReceiverReport(1, [block(100), block(200)]),
    buildPli(1, 200),
    buildNack(1, 201, [5]),
    buildFir(1, [
      { ssrc: 200, sequenceNumber: 1 },
      { ssrc: 999, sequenceNumber: 1 },
    ]),
    buildRemb(1, 1e6, [200]),
    bye,
  ]);
  const parsed = parseRtcpCompound(compound);
  assert.equal(parsed.error, undefined);
  const routes = routeRtcp(parsed.packets, demux, check).map((r) => [
    r.packet.type,
    r.ssrc,
    r.stream,
    r.mid,
    r.rid,
    r.isRtx,
  ]);
  assert.deepEqual(routes, [
    ['sr', 0x4242, 'theirs', '1', 'h', false],
    ['rr', 100, 'ours', '0', undefined, false],
    ['rr', 200, 'ours', '1', undefined, false],
    ['pli', 200, 'ours', '1', undefined, false],
    ['nack', 201, 'ours', '1', undefined, true],
    ['fir', 200, 'ours', '1', undefined, false],
    ['fir', 999, 'ours', undefined, undefined, undefined],
    ['remb', 200, 'ours', '1', undefined, false],
    ['bye', audioSsrc, 'theirs', '0', undefined, undefined],
  ]);
});
