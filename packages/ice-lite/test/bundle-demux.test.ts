import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';
import fc from 'fast-check';
import { hostCandidates } from '../src/ice/index.js';
import {
  BundleDemux,
  type RtpDemuxDrop,
  type RtpPacketInfo,
  readHeaderExtensions,
  readRtpHeader,
  SendStreamCheck,
} from '../src/rtp/index.js';
import {
  buildMediaAnswer,
  type MediaAnswerOptions,
  type NegotiatedMediaSection,
  parseMediaOffer,
} from '../src/sdp/index.js';
import { readSdpFixture, type SdpFixture } from './fixtures.js';
import { buildRtp } from './rtp-packets.js';

interface WeriftRtp {
  RtpHeader: new (
    props: Record<string, unknown>,
  ) => { serialize(size: number): Buffer; serializeSize: number };
  RtpPacket: {
    new (header: unknown, payload: Buffer): { serialize(): Buffer };
    deSerialize(buf: Buffer): {
      header: {
        payloadType: number;
        marker: boolean;
        sequenceNumber: number;
        timestamp: number;
        ssrc: number;
        extensions: { id: number; payload: Buffer }[];
        payloadOffset: number;
      };
      payload: Buffer;
    };
  };
}
const werift = createRequire(import.meta.url)('werift-rtp') as WeriftRtp;

const BASE: MediaAnswerOptions = {
  ufrag: 'rtcs',
  pwd: 'rtcsealrtcsealrtcsealrtcseal',
  fingerprint:
    'sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  candidates: hostCandidates([{ address: '127.0.0.1', port: 40000 }]),
};

function negotiate(
  fixture: SdpFixture,
  options: Partial<MediaAnswerOptions> = {},
  edit: (s: string) => string = (s) => s,
): readonly NegotiatedMediaSection[] {
  const r = parseMediaOffer(edit(readSdpFixture(fixture)));
  if (!r.ok) assert.fail(r.error.message);
  return buildMediaAnswer(r.offer, { ...BASE, ...options }).sections;
}

function delivered(result: RtpPacketInfo | RtpDemuxDrop): RtpPacketInfo {
  if (typeof result === 'string') assert.fail(`dropped: ${result}`);
  return result;
}

// Chromium's offer: mid 4, rid 10, repaired-rid 11; Opus 111, VP8 96 with RTX 97.
const C = { mid: 4, rid: 10, rrid: 11, opus: 111, vp8: 96, rtx: 97 };

test('Chromium simulcast: MID + RID bind three SSRCs to their layers; later packets match by SSRC', () => {
  const demux = new BundleDemux(negotiate('chromium-simulcast'));
  const layers = [
    ['q', 0x1000],
    ['h', 0x2000],
    ['f', 0x3000],
  ] as const;
  for (const [rid, ssrc] of layers) {
    const first = delivered(
      demux.demux(
        buildRtp({
          payloadType: C.vp8,
          ssrc,
          extensions: [
            { id: C.mid, value: '1' },
            { id: C.rid, value: rid },
          ],
        }),
      ),
    );
    assert.deepEqual(
      [first.mid, first.kind, first.rid, first.isRtx, first.matchedBy],
      ['1', 'video', rid, false, 'mid'],
    );
  }
  for (const [rid, ssrc] of layers) {
    const later = delivered(demux.demux(buildRtp({ payloadType: C.vp8, ssrc, sequenceNumber: 2 })));
    assert.deepEqual([later.mid, later.rid, later.matchedBy, later.sequenceNumber], ['1', rid, 'ssrc', 2]);
  }
  // RTX of the middle layer: repaired-rid names the layer it repairs (RFC 8852 §3.2).
  const rtx = delivered(
    demux.demux(
      buildRtp({
        payloadType: C.rtx,
        ssrc: 0x2001,
        extensions: [
          { id: C.mid, value: '1' },
          { id: C.rrid, value: 'h' },
        ],
      }),
    ),
  );
  assert.deepEqual([rtx.rid, rtx.isRtx, rtx.mediaPayloadType, rtx.payloadType], ['h', true, C.vp8, C.rtx]);
  const rtxLater = delivered(demux.demux(buildRtp({ payloadType: C.rtx, ssrc: 0x2001 })));
  assert.deepEqual([rtxLater.rid, rtxLater.isRtx, rtxLater.matchedBy], ['h', true, 'ssrc']);
  assert.deepEqual(demux.lookupSsrc(0x3000), {
    ssrc: 0x3000,
    mid: '1',
    sectionIndex: 1,
    rid: 'f',
    isRtx: false,
  });
  // What an SFU asks when a receiver of layer h needs a keyframe: the SSRC of that layer.
  assert.deepEqual(
    demux
      .remoteStreams('1')
      .filter((s) => s.isRtx === false)
      .map((s) => [s.rid, s.ssrc])
      .sort(),
    [
      ['f', 0x3000],
      ['h', 0x2000],
      ['q', 0x1000],
    ],
  );
  assert.deepEqual(
    demux.remoteStreams('1').find((s) => s.isRtx),
    { ssrc: 0x2001, mid: '1', sectionIndex: 1, rid: 'h', isRtx: true },
  );
  assert.equal(demux.stats().delivered, 8);
});

test('the two-byte extension form (RFC 8285 §4.3) is read the same way', () => {
  const demux = new BundleDemux(negotiate('chromium-simulcast'));
  const info = delivered(
    demux.demux(
      buildRtp({
        payloadType: C.vp8,
        ssrc: 7,
        twoByte: true,
        extensions: [
          { id: C.mid, value: '1' },
          { id: C.rid, value: 'f' },
          { id: 200, value: new Uint8Array(0) },
        ],
      }),
    ),
  );
  assert.deepEqual([info.mid, info.rid], ['1', 'f']);
});

test('audio by MID, then by SSRC; payload offset and length point into the packet, which is left as it was', () => {
  const demux = new BundleDemux(negotiate('chromium-audio-video'));
  const payload = new Uint8Array([9, 8, 7, 6, 5]);
  const packet = buildRtp({
    payloadType: C.opus,
    ssrc: 42,
    marker: true,
    timestamp: 960,
    csrcs: [1, 2],
    extensions: [{ id: C.mid, value: '0' }],
    payload,
    padding: 3,
  });
  const before = Uint8Array.from(packet);
  const info = delivered(demux.demux(packet));
  assert.deepEqual([info.mid, info.kind, info.marker, info.timestamp], ['0', 'audio', true, 960]);
  assert.deepEqual(packet.subarray(info.payloadOffset, info.payloadOffset + info.payloadLength), payload);
  assert.deepEqual(packet, before);
});

test('Firefox: the offer a=ssrc and FID pairs match without any extension; RTX by its payload type', () => {
  const sections = negotiate('firefox-simulcast');
  const video = sections[1]!;
  const [media, repair] = [...video.remoteRtxSsrcs.entries()][0]!;
  const demux = new BundleDemux(sections);
  // Known from the offer before any packet: the FID pair says which SSRC is the repair stream.
  assert.equal(demux.lookupSsrc(media)?.isRtx, false);
  assert.equal(demux.lookupSsrc(repair)?.isRtx, true);
  const m = delivered(demux.demux(buildRtp({ payloadType: 120, ssrc: media })));
  assert.deepEqual([m.mid, m.matchedBy, m.isRtx, m.rid], ['1', 'ssrc', false, undefined]);
  const r = delivered(demux.demux(buildRtp({ payloadType: 124, ssrc: repair })));
  assert.deepEqual([r.mid, r.isRtx, r.mediaPayloadType], ['1', true, 120]);
  // Firefox's simulcast packets carry the RID extension (id 9): the layer is learned for the SSRC.
  const layer = delivered(
    demux.demux(buildRtp({ payloadType: 120, ssrc: media, extensions: [{ id: 9, value: 'q' }] })),
  );
  assert.equal(layer.rid, 'q');
  assert.equal(delivered(demux.demux(buildRtp({ payloadType: 120, ssrc: media }))).rid, 'q');
});

test('no MID and an unknown SSRC: a payload type only one section has decides, and binds the SSRC', () => {
  const demux = new BundleDemux(negotiate('chromium-audio-video'));
  const info = delivered(demux.demux(buildRtp({ payloadType: C.vp8, ssrc: 555 })));
  assert.deepEqual([info.mid, info.matchedBy], ['1', 'payload-type']);
  assert.equal(delivered(demux.demux(buildRtp({ payloadType: C.rtx, ssrc: 555 }))).matchedBy, 'ssrc');
});

test('a payload type two sections share is ambiguous without MID or SSRC', () => {
  // Two audio sections with the same Opus payload type.
  const sections = negotiate('chromium-audio-video', {}, (sdp) => {
    const audio = /m=audio[\s\S]*?(?=m=video)/.exec(sdp)![0];
    return (
      sdp.replace('BUNDLE 0 1', 'BUNDLE 0 1 2') +
      audio.replace('a=mid:0', 'a=mid:2').replace(/a=ssrc:.*\r\n/g, '')
    );
  });
  const demux = new BundleDemux(sections);
  assert.equal(demux.demux(buildRtp({ payloadType: C.opus, ssrc: 999 })), 'ambiguous-payload-type');
  const byMid = delivered(
    demux.demux(buildRtp({ payloadType: C.opus, ssrc: 999, extensions: [{ id: C.mid, value: '2' }] })),
  );
  assert.equal(byMid.mid, '2');
  assert.equal(delivered(demux.demux(buildRtp({ payloadType: C.opus, ssrc: 999 }))).mid, '2');
});

test('a MID rebinds an SSRC to another section (RFC 9143 §9.2: the latest MID wins)', () => {
  const demux = new BundleDemux(negotiate('chromium-audio-video'));
  delivered(
    demux.demux(buildRtp({ payloadType: C.opus, ssrc: 77, extensions: [{ id: C.mid, value: '0' }] })),
  );
  const moved = delivered(
    demux.demux(buildRtp({ payloadType: C.vp8, ssrc: 77, extensions: [{ id: C.mid, value: '1' }] })),
  );
  assert.equal(moved.mid, '1');
  assert.equal(demux.lookupSsrc(77)?.mid, '1');
});

test('drops are typed and counted: unknown MID, RID, payload type, a section that does not receive, malformed', () => {
  const sections = negotiate('chromium-simulcast', { audio: { direction: 'sendonly', send: { ssrc: 1 } } });
  const demux = new BundleDemux(sections);
  const cases: Array<[Uint8Array, RtpDemuxDrop]> = [
    [buildRtp({ payloadType: C.vp8, ssrc: 1, extensions: [{ id: C.mid, value: '9' }] }), 'unknown-mid'],
    [
      buildRtp({
        payloadType: C.vp8,
        ssrc: 2,
        extensions: [
          { id: C.mid, value: '1' },
          { id: C.rid, value: 'x' },
        ],
      }),
      'unknown-rid',
    ],
    [
      buildRtp({ payloadType: 63, ssrc: 3, extensions: [{ id: C.mid, value: '1' }] }),
      'payload-type-not-negotiated',
    ],
    [buildRtp({ payloadType: 35, ssrc: 4 }), 'unknown-payload-type'],
    [
      buildRtp({ payloadType: C.opus, ssrc: 5, extensions: [{ id: C.mid, value: '0' }] }),
      'section-not-receiving',
    ],
    [new Uint8Array([0x80, 96, 0, 1]), 'malformed'],
    [
      Uint8Array.from([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 6, 0xbe, 0xde, 0, 1, 0x4f, 0x31, 0, 0]),
      'bad-header-extension',
    ],
  ];
  for (const [packet, reason] of cases) assert.equal(demux.demux(packet), reason, reason);
  const stats = demux.stats();
  for (const [, reason] of cases) assert.equal(stats[reason], 1, reason);
  assert.equal(stats.delivered, 0);
});

test('the SSRC table is bounded: beyond maxSsrcs packets are still delivered, not learned, and counted', () => {
  // The offer's audio a=ssrc takes one of the three places.
  const demux = new BundleDemux(negotiate('chromium-simulcast'), { maxSsrcs: 3 });
  assert.equal(demux.stats().boundSsrcs, 1);
  for (const ssrc of [1, 2, 3]) {
    delivered(demux.demux(buildRtp({ payloadType: C.opus, ssrc, extensions: [{ id: C.mid, value: '0' }] })));
  }
  assert.equal(demux.stats().boundSsrcs, 3);
  assert.equal(demux.stats().ssrcTableFull, 1);
  assert.equal(demux.lookupSsrc(3), undefined);
});

test('update(): a re-negotiation keeps SSRCs of sections still carried and forgets the others', () => {
  const demux = new BundleDemux(negotiate('chromium-audio-video'));
  delivered(
    demux.demux(buildRtp({ payloadType: C.opus, ssrc: 10, extensions: [{ id: C.mid, value: '0' }] })),
  );
  delivered(demux.demux(buildRtp({ payloadType: C.vp8, ssrc: 20, extensions: [{ id: C.mid, value: '1' }] })));
  demux.update(negotiate('chromium-audio-video', { video: { reject: true } }));
  assert.equal(demux.lookupSsrc(10)?.mid, '0');
  assert.equal(demux.lookupSsrc(20), undefined);
  assert.equal(demux.demux(buildRtp({ payloadType: C.vp8, ssrc: 20 })), 'unknown-payload-type');
});

test('send check: only declared SSRCs with their section payload types; RTX on the RTX SSRC only', () => {
  const sections = negotiate('chromium-audio-video', {
    sections: { '0': { send: { ssrc: 100 } }, '1': { send: { ssrc: 200, rtxSsrc: 201 } } },
  });
  const check = new SendStreamCheck(sections);
  assert.equal(check.check(buildRtp({ payloadType: C.opus, ssrc: 100 })), undefined);
  assert.equal(check.check(buildRtp({ payloadType: C.vp8, ssrc: 200 })), undefined);
  assert.equal(check.check(buildRtp({ payloadType: C.rtx, ssrc: 201 })), undefined);
  assert.equal(check.check(buildRtp({ payloadType: C.opus, ssrc: 0x12345678 })), 'undeclared-ssrc');
  assert.equal(check.check(buildRtp({ payloadType: C.vp8, ssrc: 100 })), 'payload-type-not-negotiated');
  assert.equal(check.check(buildRtp({ payloadType: C.rtx, ssrc: 200 })), 'rtx-payload-type-mismatch');
  assert.equal(check.check(buildRtp({ payloadType: C.vp8, ssrc: 201 })), 'rtx-payload-type-mismatch');
  assert.equal(check.check(new Uint8Array(8)), 'malformed');
  assert.deepEqual(check.lookupSsrc(201), { mid: '1', sectionIndex: 1, isRtx: true });
  assert.deepEqual(check.declaredSsrcs.sort(), [100, 200, 201]);
  check.update(negotiate('chromium-audio-video', { sections: { '0': { send: { ssrc: 100 } } } }));
  assert.equal(check.check(buildRtp({ payloadType: C.vp8, ssrc: 200 })), 'undeclared-ssrc');
});

const extensionArb = fc.record({
  id: fc.integer({ min: 1, max: 14 }),
  value: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

test('werift-rtp as oracle: header fields, payload offset and one-/two-byte extensions read alike', () => {
  fc.assert(
    fc.property(
      fc.record({
        payloadType: fc.integer({ min: 0, max: 127 }),
        marker: fc.boolean(),
        sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
        timestamp: fc.integer({ min: 0, max: 0xffffffff }),
        ssrc: fc.integer({ min: 0, max: 0xffffffff }),
        csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
        twoByte: fc.boolean(),
        extensions: fc.uniqueArray(extensionArb, { maxLength: 6, selector: (e) => e.id }),
        payload: fc.uint8Array({ maxLength: 64 }),
      }),
      (spec) => {
        const header = new werift.RtpHeader({
          payloadType: spec.payloadType,
          marker: spec.marker,
          sequenceNumber: spec.sequenceNumber,
          timestamp: spec.timestamp,
          ssrc: spec.ssrc,
          csrc: spec.csrcs,
          csrcLength: spec.csrcs.length,
          extension: spec.extensions.length > 0,
          extensionProfile: spec.twoByte ? 0x1000 : 0xbede,
          extensions: spec.extensions.map((e) => ({ id: e.id, payload: Buffer.from(e.value) })),
        });
        const packet = new Uint8Array(new werift.RtpPacket(header, Buffer.from(spec.payload)).serialize());
        const ours = readRtpHeader(packet);
        assert.ok(typeof ours !== 'string', String(ours));
        const theirs = werift.RtpPacket.deSerialize(Buffer.from(packet));
        assert.deepEqual(
          [ours.payloadType, ours.marker, ours.sequenceNumber, ours.timestamp, ours.ssrc],
          [
            theirs.header.payloadType,
            theirs.header.marker,
            theirs.header.sequenceNumber,
            theirs.header.timestamp,
            theirs.header.ssrc,
          ],
        );
        assert.deepEqual(
          packet.subarray(ours.payloadOffset, ours.payloadOffset + ours.payloadLength),
          new Uint8Array(theirs.payload),
        );
        const ext = readHeaderExtensions(packet, ours);
        assert.ok(ext);
        assert.deepEqual(
          [...ext.entries()].map(([id, v]) => [id, [...v]]),
          theirs.header.extensions.map((e) => [e.id, [...e.payload]]),
        );
      },
    ),
    { numRuns: 400 },
  );
});

test('fuzz: random and mutated packets never throw; every packet is delivered or counted once', () => {
  const demux = new BundleDemux(negotiate('chromium-simulcast'));
  const valid = buildRtp({
    payloadType: C.vp8,
    ssrc: 0xabc,
    extensions: [
      { id: C.mid, value: '1' },
      { id: C.rid, value: 'h' },
    ],
    padding: 2,
  });
  let total = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 80 }),
        fc
          .array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 })
          .map((edits) => {
            const p = Uint8Array.from(valid);
            for (const e of edits) p[e.at % p.length] = e.value;
            return p;
          }),
      ),
      (packet) => {
        total++;
        const r = demux.demux(packet);
        if (typeof r !== 'string') {
          assert.ok(r.payloadOffset + r.payloadLength <= packet.length);
        }
        const header = readRtpHeader(packet);
        if (typeof header !== 'string') readHeaderExtensions(packet, header);
      },
    ),
    { numRuns: 3000 },
  );
  const s = demux.stats();
  const counted =
    s.delivered +
    s.malformed +
    s['bad-header-extension'] +
    s['unknown-mid'] +
    s['unknown-payload-type'] +
    s['ambiguous-payload-type'] +
    s['section-not-receiving'] +
    s['payload-type-not-negotiated'] +
    s['unknown-rid'];
  assert.equal(counted, total);
  assert.ok(s.boundSsrcs <= 256);
});
