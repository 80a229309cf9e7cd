import assert from 'node:assert/strict';
import test from 'node:test';
import type { RtpCodec } from '@rtcseal/ice-lite';
import fc from 'fast-check';
import { isH264KeyframeStart } from '../src/h264.js';
import { FORWARDABLE_VIDEO_CODECS, firstForwardableCodec } from '../src/video-codecs.js';
import { isVp9KeyframeStart, Vp9PictureContinuity } from '../src/vp9.js';

const at = (check: (p: Uint8Array, o: number, l: number) => boolean, bytes: number[]) =>
  check(Uint8Array.from(bytes), 0, bytes.length);

test('H.264 keyframe start: the packet with the SPS, alone, in a STAP-A or starting an FU-A (RFC 6184)', () => {
  assert.equal(at(isH264KeyframeStart, [0x67, 0x42, 0xe0]), true, 'SPS as a single NAL unit');
  // STAP-A: SPS (3 bytes) and PPS (2 bytes), each after its 16-bit size.
  assert.equal(at(isH264KeyframeStart, [0x78, 0, 3, 0x67, 0x42, 0xe0, 0, 2, 0x68, 0xce]), true);
  assert.equal(at(isH264KeyframeStart, [0x78, 0, 2, 0x68, 0xce, 0, 1, 0x06]), false, 'STAP-A without SPS');
  assert.equal(at(isH264KeyframeStart, [0x78, 0, 9, 0x67]), false, 'a size past the end');
  assert.equal(at(isH264KeyframeStart, [0x7c, 0x87, 0x00]), true, 'FU-A starting an SPS');
  assert.equal(
    at(isH264KeyframeStart, [0x7c, 0x85, 0x00]),
    false,
    'FU-A starting an IDR: its SPS came before',
  );
  assert.equal(at(isH264KeyframeStart, [0x65, 0x88]), false, 'an IDR slice alone');
  assert.equal(at(isH264KeyframeStart, [0x41, 0x9a]), false, 'a P slice');
  assert.equal(at(isH264KeyframeStart, []), false);
});

test('VP9 keyframe start: B = 1, P = 0, base spatial layer (RFC 9628 4.2)', () => {
  // I (15-bit PictureID), L (layer indices, TL0PICIDX in non-flexible mode), B; then the payload.
  assert.equal(at(isVp9KeyframeStart, [0xaa, 0x81, 0x23, 0x00, 0x05, 0xff]), true);
  assert.equal(at(isVp9KeyframeStart, [0xea, 0x81, 0x23, 0x00, 0x05, 0xff]), false, 'P = 1');
  assert.equal(at(isVp9KeyframeStart, [0xa2, 0x81, 0x23, 0x00, 0x05, 0xff]), false, 'not the start (B = 0)');
  assert.equal(at(isVp9KeyframeStart, [0xaa, 0x81, 0x23, 0x02, 0x05, 0xff]), false, 'spatial layer 1');
  assert.equal(at(isVp9KeyframeStart, [0x08, 0xff]), true, 'no optional fields');
  assert.equal(at(isVp9KeyframeStart, [0xaa, 0x81]), false, 'truncated');
});

test('VP9 PictureID and TL0PICIDX continue across a change of layer with the same numbers', () => {
  const c = new Vp9PictureContinuity();
  const h = Uint8Array.from([0xaa, 0x80 | 0x4c, 0xf5, 0x00, 0x07, 0xff]);
  const q = Uint8Array.from([0xaa, 0x80 | 0x4c, 0xf5, 0x00, 0x07, 0xff]);
  c.rewrite(h, 0, true);
  c.rewrite(q, 0, true);
  assert.equal(((q[1]! & 0x7f) << 8) | q[2]!, 0x4cf6, 'one picture after the h frame');
  assert.equal(q[4], 8, 'one base-layer picture after it');
  assert.equal(q[5], 0xff, 'the payload is untouched');
});

const codec = (name: string, payloadType: number, fmtp?: string): RtpCodec => ({
  payloadType,
  name,
  mimeType: `video/${name}`,
  clockRate: 90_000,
  rtcpFeedback: [],
  ...(fmtp === undefined ? {} : { fmtp }),
});

test('a room takes the first codec of the offer it can forward: H264 only as Constrained Baseline in packetization mode 1', () => {
  const av1 = codec('AV1', 45);
  const h264Mode0 = codec(
    'H264',
    102,
    'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
  );
  const h264Main = codec('H264', 104, 'packetization-mode=1;profile-level-id=4d001f');
  const h264 = codec('H264', 106, 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
  const vp9Profile2 = codec('VP9', 100, 'profile-id=2');
  const vp8 = codec('VP8', 96);
  assert.equal(firstForwardableCodec([av1, h264Mode0, h264Main, h264, vp8])?.name, 'h264');
  assert.equal(firstForwardableCodec([vp9Profile2, vp8])?.name, 'vp8');
  assert.equal(firstForwardableCodec([codec('VP9', 98, 'profile-id=0'), vp8])?.name, 'vp9');
  assert.equal(firstForwardableCodec([av1, h264Mode0]), undefined);
});

test('any payload bytes: the keyframe checks answer and the numbering rewrites return, never throwing', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), fc.boolean(), (bytes, newSource) => {
      for (const codec of FORWARDABLE_VIDEO_CODECS) {
        assert.equal(typeof codec.isKeyframeStart(bytes, 0, bytes.length), 'boolean');
        codec.newPayloadContinuity()?.rewrite(Uint8Array.from(bytes), 0, newSource);
      }
    }),
  );
});
