import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { SRTP_PROFILES, SrtpSession, UnprotectReason } from '../src/index.js';
import { buildRtcp, buildRtp, rtpFieldsArb } from './rtp-packets.js';

function sessionsFor(profileName: string, seed: number, extra: Record<string, unknown> = {}) {
  const profile = SRTP_PROFILES.find((p) => p.name === profileName)!;
  const bytes = (n: number, k: number) =>
    Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7 + k) & 0xff);
  const options = {
    profile: profileName,
    masterKey: bytes(profile.keyLength, 1),
    masterSalt: bytes(profile.saltLength, 2),
    ...extra,
  };
  return { sender: new SrtpSession(options), receiver: new SrtpSession(options) };
}

const reasons = new Set<string>(Object.values(UnprotectReason));
const profileArb = fc.constantFrom(...SRTP_PROFILES.map((p) => p.name));

test('random RTP packets (CSRCs, one- and two-byte extensions, padding, any size) round-trip in every profile', () => {
  fc.assert(
    fc.property(profileArb, rtpFieldsArb, fc.nat(255), (profile, fields, seed) => {
      const { sender, receiver } = sessionsFor(profile, seed);
      const plain = buildRtp(fields);
      const r = receiver.unprotectRtp(sender.protectRtp(plain));
      assert.ok(r.ok, r.ok ? '' : r.reason);
      assert.deepEqual(Buffer.from(r.packet), plain);
      assert.equal(r.headerLength, plain.length - fields.payload.length - fields.padding);
    }),
    { numRuns: 300 },
  );
});

test('random compound RTCP packets round-trip in every profile', () => {
  fc.assert(
    fc.property(
      profileArb,
      fc.uint8Array({ maxLength: 600 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.boolean(),
      (profile, body, ssrc, unencryptedSrtcp) => {
        const { sender, receiver } = sessionsFor(profile, body.length, { unencryptedSrtcp });
        const plain = buildRtcp(ssrc, body);
        const r = receiver.unprotectRtcp(sender.protectRtcp(plain));
        assert.ok(r.ok, r.ok ? '' : r.reason);
        assert.deepEqual(Buffer.from(r.packet), plain);
      },
    ),
    { numRuns: 150 },
  );
});

test('any single flipped bit in an SRTP or SRTCP packet is rejected and leaves the session unchanged', () => {
  fc.assert(
    fc.property(profileArb, rtpFieldsArb, fc.nat(), fc.boolean(), (profile, fields, bitSeed, rtcp) => {
      const { sender, receiver } = sessionsFor(profile, bitSeed & 0xff);
      const wire = Buffer.from(
        rtcp
          ? sender.protectRtcp(buildRtcp(fields.ssrc, fields.payload))
          : sender.protectRtp(buildRtp(fields)),
      );
      const bit = bitSeed % (wire.length * 8);
      const flipped = Buffer.from(wire);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const bad = rtcp ? receiver.unprotectRtcp(flipped) : receiver.unprotectRtp(flipped);
      assert.equal(bad.ok, false, `bit ${bit} of ${wire.length * 8}`);
      assert.equal(receiver.streamCount, 0, 'no state created by a rejected packet');
      const good = rtcp ? receiver.unprotectRtcp(wire) : receiver.unprotectRtp(wire);
      assert.ok(good.ok, 'the genuine packet is still accepted afterwards');
    }),
    { numRuns: 300 },
  );
});

test('reordered packets across the sequence wrap are each accepted once with the right index', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 65536 - 300, max: 65535 }),
      fc.integer({ min: 20, max: 400 }),
      fc.array(fc.nat(), { minLength: 400, maxLength: 400 }),
      fc.integer({ min: 1, max: 60 }),
      (start, count, noise, maxDisplacement) => {
        const { sender, receiver } = sessionsFor('SRTP_AES128_CM_HMAC_SHA1_32', start & 0xff);
        const seqs = Array.from({ length: count }, (_, i) => (start + i) & 0xffff);
        const wires = seqs.map((seq) =>
          sender.protectRtp(
            buildRtp({
              seq,
              timestamp: seq,
              ssrc: 77,
              payloadType: 96,
              marker: false,
              csrcs: [],
              payload: new Uint8Array(20),
              padding: 0,
            }),
          ),
        );
        // The stream's first packet arrives first (the receiver takes ROC 0 from it, RFC 3711
        // §3.3.1); the rest are locally reordered: sorted by position plus a bounded displacement.
        const rest = seqs.map((_, i) => i).slice(1);
        rest.sort((a, b) => a + (noise[a]! % maxDisplacement) - (b + (noise[b]! % maxDisplacement)));
        const order = [0, ...rest];
        for (const i of order) {
          const r = receiver.unprotectRtp(wires[i]!);
          assert.ok(r.ok, `packet ${i}: ${r.ok ? '' : r.reason}`);
          assert.equal(r.index, start + i);
        }
        for (const i of [0, count - 1, count >> 1]) {
          assert.deepEqual(receiver.unprotectRtp(wires[i]!), { ok: false, reason: 'replayed' });
        }
        assert.equal(receiver.getRolloverCounter(77), start + count - 1 >= 65536 ? 1 : 0);
      },
    ),
    { numRuns: 60 },
  );
});

test('packets further behind than the replay window are too-old, those inside are accepted once', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(32, 64, 128, 1024),
      fc.integer({ min: 1, max: 2000 }),
      (windowSize, behind) => {
        const { sender, receiver } = sessionsFor('SRTP_AES128_CM_HMAC_SHA1_80', behind & 0xff, {
          replayWindow: windowSize,
        });
        const mk = (seq: number) =>
          sender.protectRtp(
            buildRtp({
              seq,
              timestamp: 0,
              ssrc: 5,
              payloadType: 0,
              marker: false,
              csrcs: [],
              payload: new Uint8Array(8),
              padding: 0,
            }),
          );
        const newest = 3000;
        const old = mk(newest - behind);
        assert.ok(receiver.unprotectRtp(mk(newest)).ok);
        const r = receiver.unprotectRtp(old);
        if (behind >= windowSize) assert.deepEqual(r, { ok: false, reason: 'too-old' });
        else {
          assert.ok(r.ok);
          assert.deepEqual(receiver.unprotectRtp(old), { ok: false, reason: 'replayed' });
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('fuzz: random bytes into unprotectRtp / unprotectRtcp never throw and give a known reason', () => {
  const sessions = SRTP_PROFILES.map(
    (p) => sessionsFor(p.name, 9, { mki: p.aead ? undefined : Uint8Array.of(1) }).receiver,
  );
  fc.assert(
    fc.property(
      fc.nat(sessions.length - 1),
      fc.uint8Array({ maxLength: 300 }),
      fc.boolean(),
      (i, bytes, versionTwo) => {
        const s = sessions[i]!;
        // Half the inputs get a valid version so the fuzz reaches past the first check.
        if (versionTwo && bytes.length > 0) bytes[0] = (bytes[0]! & 0x3f) | 0x80;
        const a = s.unprotectRtp(bytes);
        const b = s.unprotectRtcp(bytes);
        const c = s.unprotectRtpInPlace(Uint8Array.from(bytes));
        const d = s.unprotectRtpBatchInPlace([Uint8Array.from(bytes), Uint8Array.from(bytes)]);
        for (const r of [a, b, c, ...d]) {
          assert.equal(r.ok, false);
          if (!r.ok) assert.ok(reasons.has(r.reason), r.reason);
        }
        assert.equal(s.streamCount, 0);
      },
    ),
    { numRuns: 2000 },
  );
});

test('fuzz: truncated and mutated genuine packets never throw and never authenticate', () => {
  fc.assert(
    fc.property(
      profileArb,
      rtpFieldsArb,
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
      (profile, fields, cut, edits) => {
        const { sender, receiver } = sessionsFor(profile, 3);
        const wire = Buffer.from(sender.protectRtp(buildRtp(fields)));
        const mutated = Buffer.from(wire.subarray(0, cut % (wire.length + 1)));
        for (const [at, value] of edits) if (mutated.length > 0) mutated[at % mutated.length] = value;
        const r = receiver.unprotectRtp(mutated);
        if (r.ok) assert.deepEqual(mutated, wire, 'only the unmodified packet authenticates');
      },
    ),
    { numRuns: 300 },
  );
});

test('keystream lookahead gives the same packets as the plain keystream for any size and order', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 65536 - 40, max: 65535 }),
      fc.array(fc.tuple(fc.integer({ min: -20, max: 40 }), fc.integer({ min: 0, max: 2300 })), {
        minLength: 1,
        maxLength: 60,
      }),
      (start, steps) => {
        const { sender: a } = sessionsFor('SRTP_AES128_CM_HMAC_SHA1_80', 1);
        const { sender: b, receiver } = sessionsFor('SRTP_AES128_CM_HMAC_SHA1_80', 1);
        const { receiver: batchReceiver } = sessionsFor('SRTP_AES128_CM_HMAC_SHA1_80', 1);
        let seq = start;
        steps.forEach(([delta, size], i) => {
          seq = i === 0 ? start : Math.max(start, seq + delta);
          const plain = buildRtp({
            seq: seq & 0xffff,
            timestamp: i,
            ssrc: 9,
            payloadType: 8,
            marker: false,
            csrcs: [],
            payload: new Uint8Array(size).fill(i),
            padding: 0,
          });
          const viaLookahead = Buffer.from(a.protectRtp(plain));
          const [viaBatch] = b.protectRtpBatch([plain]);
          assert.deepEqual(viaLookahead, Buffer.from(viaBatch!));
          const r1 = receiver.unprotectRtp(viaLookahead);
          const [r2] = batchReceiver.unprotectRtpBatchInPlace([Buffer.from(viaLookahead)]);
          assert.equal(r1.ok, r2!.ok);
          if (r1.ok && r2!.ok) {
            assert.deepEqual(Buffer.from(r1.packet), plain);
            assert.deepEqual(Buffer.from(r2!.packet), plain);
          }
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('batch unprotect agrees with one-by-one unprotect on shuffled, duplicated and forged batches', () => {
  fc.assert(
    fc.property(
      profileArb,
      fc.integer({ min: 65536 - 30, max: 65535 }),
      fc.array(fc.tuple(fc.nat(40), fc.boolean()), { minLength: 1, maxLength: 24 }),
      (profile, start, picks) => {
        const { sender, receiver: one } = sessionsFor(profile, 4);
        const { receiver: batch } = sessionsFor(profile, 4);
        const wires = Array.from({ length: 41 }, (_, i) =>
          Buffer.from(
            sender.protectRtp(
              buildRtp({
                seq: (start + i) & 0xffff,
                timestamp: i,
                ssrc: 3,
                payloadType: 0,
                marker: false,
                csrcs: [],
                payload: new Uint8Array(30),
                padding: 0,
              }),
            ),
          ),
        );
        // The stream's first packet goes first, so both receivers learn ROC 0 from it.
        const chosen = [Buffer.from(wires[0]!)];
        for (const [k, forge] of picks) {
          const w = Buffer.from(wires[k]!);
          if (forge) w[w.length - 1]! ^= 0x80;
          chosen.push(w);
        }
        const expected = chosen.map((w) => one.unprotectRtp(w)).map((r) => (r.ok ? r.index : r.reason));
        const got = batch
          .unprotectRtpBatchInPlace(chosen.map((w) => Buffer.from(w)))
          .map((r) => (r.ok ? r.index : r.reason));
        assert.deepEqual(got, expected);
      },
    ),
    { numRuns: 200 },
  );
});
