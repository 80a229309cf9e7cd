import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { findSrtpProfile, SRTP_PROFILES, SrtpSession } from '../src/index.js';
import { buildRtcp, buildRtp } from './rtp-packets.js';

const SSRC = 0xcafe0001;

function pair(profileName = 'SRTP_AES128_CM_HMAC_SHA1_80', extra: Record<string, unknown> = {}) {
  const profile = findSrtpProfile(profileName)!;
  const options = {
    profile: profileName,
    masterKey: randomBytes(profile.keyLength),
    masterSalt: randomBytes(profile.saltLength),
    ...extra,
  };
  return { sender: new SrtpSession(options), receiver: new SrtpSession(options), options };
}

function rtp(seq: number, ssrc = SSRC, payloadLength = 40): Buffer {
  return buildRtp({
    seq,
    timestamp: seq * 160,
    ssrc,
    payloadType: 0,
    marker: false,
    csrcs: [],
    payload: Buffer.alloc(payloadLength, seq & 0xff),
    padding: 0,
  });
}

// ---------------------------------------------------------------- construction

test('an unknown profile throws naming the profile parameter', () => {
  assert.throws(
    () =>
      new SrtpSession({
        profile: 'SRTP_ROT13',
        masterKey: new Uint8Array(16),
        masterSalt: new Uint8Array(14),
      }),
    /profile: unknown SRTP protection profile "SRTP_ROT13"/,
  );
});

test('a key or salt of the wrong length throws naming masterKey / masterSalt', () => {
  const base = { profile: 'SRTP_AES128_CM_HMAC_SHA1_80' };
  assert.throws(
    () => new SrtpSession({ ...base, masterKey: new Uint8Array(32), masterSalt: new Uint8Array(14) }),
    /masterKey must be a Uint8Array of 16 bytes/,
  );
  assert.throws(
    () => new SrtpSession({ ...base, masterKey: new Uint8Array(16), masterSalt: new Uint8Array(12) }),
    /masterSalt must be a Uint8Array of 14 bytes/,
  );
  assert.throws(
    () =>
      new SrtpSession({
        profile: 'AEAD_AES_128_GCM',
        masterKey: new Uint8Array(16),
        masterSalt: new Uint8Array(14),
      }),
    /masterSalt must be a Uint8Array of 12 bytes/,
  );
});

test('invalid replayWindow, maxStreams and mki options throw naming the option', () => {
  const base = { profile: 1, masterKey: new Uint8Array(16), masterSalt: new Uint8Array(14) };
  assert.throws(() => new SrtpSession({ ...base, replayWindow: 100 }), /replayWindow/);
  assert.throws(() => new SrtpSession({ ...base, maxStreams: 0 }), /maxStreams/);
  assert.throws(() => new SrtpSession({ ...base, mki: new Uint8Array(17) }), /mki/);
});

test('profiles are found by registry name, alias and DTLS-SRTP value', () => {
  for (const alias of [
    'AES_CM_128_HMAC_SHA1_80',
    'SRTP_AES128_CM_SHA1_80',
    'srtp_aes128_cm_hmac_sha1_80',
    1,
  ]) {
    assert.equal(findSrtpProfile(alias)?.name, 'SRTP_AES128_CM_HMAC_SHA1_80', String(alias));
  }
  assert.equal(findSrtpProfile('AEAD_AES_128_GCM')?.dtlsId, 7);
  assert.equal(findSrtpProfile('SRTP_AEAD_AES_256_GCM')?.dtlsId, 8);
  assert.equal(findSrtpProfile('AES_256_CM_HMAC_SHA1_80')?.name, 'SRTP_AES256_CM_HMAC_SHA1_80');
  assert.equal(findSrtpProfile(3), undefined, '0x0003 is unassigned in the DTLS-SRTP registry');
});

test('the profile table: _32 keeps an 80-bit SRTCP tag, AES-256-CM has no DTLS-SRTP value', () => {
  const byName = new Map(SRTP_PROFILES.map((p) => [p.name, p]));
  assert.equal(byName.get('SRTP_AES128_CM_HMAC_SHA1_32')!.rtpTagLength, 4);
  assert.equal(byName.get('SRTP_AES128_CM_HMAC_SHA1_32')!.rtcpTagLength, 10);
  assert.equal(byName.get('SRTP_NULL_HMAC_SHA1_32')!.rtcpTagLength, 10);
  assert.equal(byName.get('SRTP_AES256_CM_HMAC_SHA1_80')!.dtlsId, undefined);
  assert.equal(byName.get('SRTP_AES256_CM_HMAC_SHA1_32')!.dtlsId, undefined);
  assert.deepEqual(
    SRTP_PROFILES.filter((p) => p.dtlsId !== undefined).map((p) => p.dtlsId),
    [1, 2, 5, 6, 7, 8],
  );
});

// ---------------------------------------------------------------- every profile

for (const profile of SRTP_PROFILES) {
  test(`${profile.name}: RTP and RTCP round-trip with the profile's tag lengths`, () => {
    const { sender, receiver } = pair(profile.name);
    const plain = rtp(7);
    const wire = sender.protectRtp(plain);
    assert.equal(wire.length, plain.length + profile.rtpTagLength);
    if (profile.cipher === 'NULL') assert.deepEqual(Buffer.from(wire.subarray(0, plain.length)), plain);
    else assert.notDeepEqual(Buffer.from(wire.subarray(12, plain.length)), plain.subarray(12));
    const r = receiver.unprotectRtp(wire);
    assert.ok(r.ok);
    assert.deepEqual(Buffer.from(r.packet), plain);

    const rtcp = buildRtcp(SSRC, randomBytes(20));
    const srtcp = sender.protectRtcp(rtcp);
    assert.equal(srtcp.length, rtcp.length + 4 + profile.rtcpTagLength);
    const eFlag = profile.aead ? srtcp[rtcp.length + 16]! >>> 7 : srtcp[rtcp.length]! >>> 7;
    assert.equal(eFlag, profile.cipher === 'NULL' ? 0 : 1, 'E flag says whether SRTCP is encrypted');
    const rr = receiver.unprotectRtcp(srtcp);
    assert.ok(rr.ok);
    assert.deepEqual(Buffer.from(rr.packet), rtcp);
    assert.equal(rr.index, 1, 'the first SRTCP packet carries index 1');
  });
}

// ---------------------------------------------------------------- replay and ROC

test('drops a packet replayed inside the window and accepts reordered ones once', () => {
  const { sender, receiver } = pair();
  const wires = [10, 11, 12, 13].map((s) => sender.protectRtp(rtp(s)));
  assert.ok(receiver.unprotectRtp(wires[0]!).ok);
  assert.ok(receiver.unprotectRtp(wires[3]!).ok);
  assert.ok(receiver.unprotectRtp(wires[1]!).ok, 'late but inside the window');
  assert.deepEqual(receiver.unprotectRtp(wires[1]!), { ok: false, reason: 'replayed' });
  assert.deepEqual(receiver.unprotectRtp(wires[3]!), { ok: false, reason: 'replayed' });
  assert.ok(receiver.unprotectRtp(wires[2]!).ok);
});

test('drops a packet older than the replay window as too-old', () => {
  const { sender, receiver } = pair('SRTP_AES128_CM_HMAC_SHA1_80', { replayWindow: 64 });
  const old = sender.protectRtp(rtp(100));
  const recent = sender.protectRtp(rtp(163));
  const newest = sender.protectRtp(rtp(164));
  assert.ok(receiver.unprotectRtp(newest).ok);
  assert.deepEqual(receiver.unprotectRtp(old), { ok: false, reason: 'too-old' });
  assert.ok(receiver.unprotectRtp(recent).ok, '63 behind the newest is still inside a 64-packet window');
});

test('a retransmission that reuses a sequence number (NACK without RTX) is rejected as a replay', () => {
  const { sender, receiver } = pair();
  const plain = rtp(500);
  assert.ok(receiver.unprotectRtp(sender.protectRtp(plain)).ok);
  assert.deepEqual(receiver.unprotectRtp(sender.protectRtp(plain)), { ok: false, reason: 'replayed' });
});

test('ROC advances across the sequence wrap with packets reordered around it', () => {
  const { sender, receiver } = pair();
  const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4];
  const wires = new Map(seqs.map((s) => [s, sender.protectRtp(rtp(s))]));
  const order = [65530, 65532, 65531, 0, 65534, 65533, 2, 65535, 1, 4, 3];
  for (const s of order) {
    const r = receiver.unprotectRtp(wires.get(s)!);
    assert.ok(r.ok, `seq ${s}: ${r.ok ? '' : r.reason}`);
    assert.equal(r.index, (s < 100 ? 65536 : 0) + s);
  }
  assert.equal(receiver.getRolloverCounter(SSRC), 1);
  assert.equal(sender.getRolloverCounter(SSRC), 1);
});

test('a forged packet that would move the ROC changes no state', () => {
  const { sender, receiver } = pair();
  assert.ok(receiver.unprotectRtp(sender.protectRtp(rtp(65000))).ok);
  const forged = Buffer.from(sender.protectRtp(rtp(5)));
  forged[forged.length - 1]! ^= 0x55;
  assert.deepEqual(receiver.unprotectRtp(forged), { ok: false, reason: 'auth-failed' });
  assert.equal(receiver.getRolloverCounter(SSRC), 0);
  const r = receiver.unprotectRtp(sender.protectRtp(rtp(65001)));
  assert.ok(r.ok);
  assert.equal(r.index, 65001);
});

test('a forged packet from an unknown SSRC creates no stream state', () => {
  const { sender, receiver } = pair();
  const forged = Buffer.from(sender.protectRtp(rtp(1, 0x1234)));
  forged[20]! ^= 1;
  assert.equal(receiver.unprotectRtp(forged).ok, false);
  assert.equal(receiver.streamCount, 0);
});

test('beyond maxStreams a new SSRC is rejected on unprotect and throws on protect', () => {
  const { sender, receiver, options } = pair('SRTP_AES128_CM_HMAC_SHA1_80', { maxStreams: 2 });
  const unlimited = new SrtpSession({ ...options, maxStreams: 10 });
  const wires = [1, 2, 3].map((ssrc) => unlimited.protectRtp(rtp(1, ssrc)));
  sender.protectRtp(rtp(1, 1));
  sender.protectRtp(rtp(1, 2));
  assert.throws(() => sender.protectRtp(rtp(1, 4)), /maxStreams \(2\)/);
  assert.ok(receiver.unprotectRtp(wires[0]!).ok);
  assert.ok(receiver.unprotectRtp(wires[1]!).ok);
  assert.deepEqual(receiver.unprotectRtp(wires[2]!), { ok: false, reason: 'too-many-streams' });
  assert.equal(receiver.deleteStream(1), true);
  assert.ok(receiver.unprotectRtp(wires[2]!).ok, 'room again after deleteStream');
});

test('setRolloverCounter lets a receiver join a stream mid-way', () => {
  const { sender, receiver, options } = pair();
  sender.setRolloverCounter(SSRC, 7);
  const wire = sender.protectRtp(rtp(1234));
  const unaware = new SrtpSession(options);
  assert.deepEqual(unaware.unprotectRtp(wire), { ok: false, reason: 'auth-failed' });
  receiver.setRolloverCounter(SSRC, 7);
  const r = receiver.unprotectRtp(wire);
  assert.ok(r.ok);
  assert.equal(r.index, 7 * 65536 + 1234);
});

test('refuses to protect past the SRTP index space and the SRTCP index space', () => {
  const { sender } = pair();
  sender.setRolloverCounter(SSRC, 0xffffffff);
  sender.protectRtp(rtp(65535));
  assert.throws(() => sender.protectRtp(rtp(0)), /exhausted \(2\^48 packets\)/);
  sender.setNextSrtcpIndex(SSRC, 0x7fffffff);
  sender.protectRtcp(buildRtcp(SSRC, new Uint8Array(8)));
  assert.throws(() => sender.protectRtcp(buildRtcp(SSRC, new Uint8Array(8))), /SRTCP index .* exhausted/);
});

test('keyLifetime caps the packets protected under the master key, SRTP and SRTCP counted apart', () => {
  const { sender } = pair('SRTP_AES128_CM_HMAC_SHA1_80', { keyLifetime: 3 });
  sender.protectRtp(rtp(1));
  sender.protectRtpBatch([rtp(2), rtp(3, 0x77)]);
  assert.throws(() => sender.protectRtp(rtp(4)), /master key lifetime exhausted: 3 SRTP packets/);
  assert.throws(() => sender.protectRtpBatch([rtp(5)]), /lifetime exhausted/);
  for (let i = 0; i < 3; i++) sender.protectRtcp(buildRtcp(i, new Uint8Array(4)));
  assert.throws(() => sender.protectRtcp(buildRtcp(9, new Uint8Array(4))), /3 SRTCP packets/);
  assert.throws(() => pair('SRTP_AES128_CM_HMAC_SHA1_80', { keyLifetime: 0 }), /keyLifetime/);
});

// ---------------------------------------------------------------- SRTCP

test('SRTCP: replayed and too-old packets are rejected by index', () => {
  const { sender, receiver } = pair('SRTP_AES128_CM_HMAC_SHA1_80', { replayWindow: 32 });
  const wires = Array.from({ length: 40 }, () => sender.protectRtcp(buildRtcp(SSRC, randomBytes(16))));
  assert.ok(receiver.unprotectRtcp(wires[39]!).ok);
  assert.deepEqual(receiver.unprotectRtcp(wires[39]!), { ok: false, reason: 'replayed' });
  assert.deepEqual(receiver.unprotectRtcp(wires[0]!), { ok: false, reason: 'too-old' });
  assert.ok(receiver.unprotectRtcp(wires[10]!).ok);
});

test('SRTCP unencrypted option: E flag 0, payload readable, still authenticated', () => {
  for (const profile of ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM']) {
    const { sender, receiver } = pair(profile, { unencryptedSrtcp: true });
    const plain = buildRtcp(SSRC, randomBytes(20));
    const wire = sender.protectRtcp(plain);
    assert.deepEqual(Buffer.from(wire.subarray(0, plain.length)), plain, profile);
    const forged = Buffer.from(wire);
    forged[9]! ^= 1;
    assert.deepEqual(receiver.unprotectRtcp(forged), { ok: false, reason: 'auth-failed' });
    const r = receiver.unprotectRtcp(wire);
    assert.ok(r.ok);
    assert.deepEqual(Buffer.from(r.packet), plain);
  }
});

// ---------------------------------------------------------------- MKI

test('MKI: written between payload and tag, required on input, unknown MKI rejected', () => {
  const mki = Uint8Array.from([0xde, 0xad]);
  const { sender, receiver, options } = pair('SRTP_AES128_CM_HMAC_SHA1_80', { mki });
  const plain = rtp(1);
  const wire = sender.protectRtp(plain);
  assert.equal(wire.length, plain.length + 2 + 10);
  assert.deepEqual(Array.from(wire.subarray(plain.length, plain.length + 2)), [0xde, 0xad]);
  assert.ok(receiver.unprotectRtp(wire).ok);
  const other = new SrtpSession({ ...options, mki: Uint8Array.from([0xbe, 0xef]) });
  assert.deepEqual(other.unprotectRtp(wire), { ok: false, reason: 'unknown-mki' });
  const srtcp = sender.protectRtcp(buildRtcp(SSRC, randomBytes(8)));
  assert.ok(receiver.unprotectRtcp(srtcp).ok);
  assert.deepEqual(other.unprotectRtcp(srtcp), { ok: false, reason: 'unknown-mki' });
});

test('MKI with AEAD follows the tag and round-trips', () => {
  const mki = Uint8Array.from([1, 2, 3, 4]);
  const { sender, receiver } = pair('SRTP_AEAD_AES_256_GCM', { mki });
  const plain = rtp(9);
  const wire = sender.protectRtp(plain);
  assert.deepEqual(Array.from(wire.subarray(wire.length - 4)), [1, 2, 3, 4]);
  assert.ok(receiver.unprotectRtp(wire).ok);
  assert.ok(receiver.unprotectRtcp(sender.protectRtcp(buildRtcp(SSRC, randomBytes(12)))).ok);
});

// ---------------------------------------------------------------- malformed input

test('malformed packets are rejected with a reason and change nothing', () => {
  const { sender, receiver } = pair();
  const good = Buffer.from(sender.protectRtp(rtp(3)));
  const cases: [string, Uint8Array][] = [
    ['truncated', good.subarray(0, 11)],
    ['truncated', good.subarray(0, 12 + 9)],
    ['bad-version', Buffer.concat([Buffer.from([0x40]), good.subarray(1)])],
    ['bad-csrc-count', Buffer.concat([Buffer.from([0x8f]), good.subarray(1, 40)])],
    [
      'bad-extension-length',
      Buffer.concat([Buffer.from([0x90]), good.subarray(1, 12), Buffer.from([0xbe, 0xde, 0x00, 0x20])]),
    ],
    ['bad-extension-length', Buffer.concat([Buffer.from([0x90]), good.subarray(1, 14)])],
  ];
  for (const [reason, packet] of cases) {
    const before = Buffer.from(packet);
    assert.deepEqual(receiver.unprotectRtpInPlace(packet), { ok: false, reason });
    assert.deepEqual(Buffer.from(packet), before, 'input untouched');
  }
  assert.equal(receiver.streamCount, 0);
  assert.deepEqual(receiver.unprotectRtcp(new Uint8Array(10)), { ok: false, reason: 'truncated' });
  assert.deepEqual(receiver.unprotectRtcp(new Uint8Array(40)), { ok: false, reason: 'bad-version' });
  assert.ok(receiver.unprotectRtp(good).ok);
});

test('protect throws on a malformed RTP/RTCP packet from the application, naming it', () => {
  const { sender } = pair();
  assert.throws(() => sender.protectRtp(new Uint8Array(8)), /packet: not a valid RTP packet \(truncated\)/);
  assert.throws(() => sender.protectRtcp(new Uint8Array(4)), /packet: RTCP packet shorter/);
  assert.throws(() => sender.protectRtpInto(rtp(1), new Uint8Array(10)), /out must have/);
});

// ---------------------------------------------------------------- API variants

test('protectRtpInto (in place and to another buffer) and protectRtpBatch equal protectRtp', () => {
  for (const profile of ['SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP_AEAD_AES_128_GCM', 'SRTP_NULL_HMAC_SHA1_32']) {
    const { options } = pair(profile);
    const plains = [65533, 65534, 65535, 0, 1].map((s) => rtp(s, SSRC, 30 + (s % 200)));
    const a = new SrtpSession(options);
    const expected = plains.map((p) => Buffer.from(a.protectRtp(p)));

    const b = new SrtpSession(options);
    plains.forEach((p, i) => {
      const buf = Buffer.alloc(p.length + b.rtpOverhead + 8);
      p.copy(buf, 0);
      const n = b.protectRtpInto(buf.subarray(0, p.length), buf, 0);
      assert.deepEqual(buf.subarray(0, n), expected[i], `${profile} in place ${i}`);
    });

    const c = new SrtpSession(options);
    plains.forEach((p, i) => {
      const out = Buffer.alloc(p.length + 40);
      const n = c.protectRtpInto(p, out, 5);
      assert.deepEqual(out.subarray(5, 5 + n), expected[i], `${profile} into ${i}`);
    });

    const d = new SrtpSession(options);
    assert.deepEqual(
      d.protectRtpBatch(plains).map((x) => Buffer.from(x)),
      expected,
      `${profile} batch`,
    );

    const e = new SrtpSession(options);
    const results = e.unprotectRtpBatchInPlace([
      ...expected.map((x) => Buffer.from(x)),
      Buffer.from(expected[1]!),
    ]);
    assert.deepEqual(
      results.map((r) => (r.ok ? Buffer.from(r.packet).toString('hex') : r.reason)),
      [...plains.map((p) => p.toString('hex')), 'replayed'],
      `${profile} batch unprotect, the duplicate is a replay`,
    );
  }
});

test('unprotectRtpInPlace decrypts inside the caller buffer; unprotectRtp leaves the input alone', () => {
  const { sender, receiver, options } = pair();
  const plain = rtp(42);
  const wire = Buffer.from(sender.protectRtp(plain));
  const copy = Buffer.from(wire);
  const r = new SrtpSession(options).unprotectRtp(wire);
  assert.ok(r.ok);
  assert.deepEqual(wire, copy);
  const inPlace = receiver.unprotectRtpInPlace(wire);
  assert.ok(inPlace.ok);
  assert.equal(inPlace.packet.buffer, wire.buffer);
  assert.deepEqual(wire.subarray(0, plain.length), plain);

  // A packet at the start of a larger receive buffer, with its length given.
  const big = Buffer.alloc(1500, 0xee);
  const second = Buffer.from(sender.protectRtp(rtp(43)));
  second.copy(big, 0);
  const r2 = receiver.unprotectRtpInPlace(big, second.length);
  assert.ok(r2.ok);
  assert.deepEqual(Buffer.from(r2.packet), rtp(43));
  assert.throws(() => receiver.unprotectRtpInPlace(big, 1501), /packetLength/);
});

test('batch unprotect: a forged packet in the batch costs no genuine packet its acceptance', () => {
  for (const profile of ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80']) {
    const { sender, receiver } = pair(profile);
    const first = sender.protectRtp(rtp(65000));
    assert.ok(receiver.unprotectRtp(first).ok);
    // Forged: seq 20 would make the ROC guess 1 for what follows, were it trusted.
    const forged = Buffer.from(sender.protectRtp(rtp(20)));
    forged[forged.length - 1]! ^= 1;
    const genuine = [65001, 65003, 65002].map((s) => Buffer.from(sender.protectRtp(rtp(s))));
    const results = receiver.unprotectRtpBatchInPlace([forged, ...genuine, Buffer.from(genuine[0]!)]);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.index : r.reason)),
      ['auth-failed', 65001, 65003, 65002, 'replayed'],
      profile,
    );
    assert.equal(receiver.getRolloverCounter(SSRC), 0);
  }
});

test('batch unprotect: forged packets from new SSRCs do not take a genuine new SSRC its stream slot', () => {
  for (const profile of ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_HMAC_SHA1_80']) {
    const { sender, options } = pair(profile);
    const receiver = new SrtpSession({ ...options, maxStreams: 2 });
    const forged = [0x1001, 0x1002].map((ssrc) => {
      const wire = Buffer.from(sender.protectRtp(rtp(7, ssrc)));
      wire[wire.length - 1]! ^= 1;
      return wire;
    });
    const genuine = Buffer.from(sender.protectRtp(rtp(9, 0x2002)));
    const results = receiver.unprotectRtpBatchInPlace([...forged, genuine]);
    assert.deepEqual(
      results.map((r) => (r.ok ? r.index : r.reason)),
      ['auth-failed', 'auth-failed', 9],
      profile,
    );
    assert.equal(receiver.streamCount, 1, profile);
  }
});

test('batch unprotect across the wrap with reordering matches one-by-one unprotect', () => {
  for (const profile of ['SRTP_AEAD_AES_256_GCM', 'SRTP_AES128_CM_HMAC_SHA1_32']) {
    const { sender, options } = pair(profile);
    const seqs = [65533, 65535, 65534, 1, 0, 3, 2];
    const wires = seqs.map((s) => Buffer.from(sender.protectRtp(rtp(s))));
    const one = new SrtpSession(options);
    const expected = wires.map((w) => one.unprotectRtp(w)).map((r) => (r.ok ? r.index : r.reason));
    const batch = new SrtpSession(options);
    const got = batch
      .unprotectRtpBatchInPlace(wires.map((w) => Buffer.from(w)))
      .map((r) => (r.ok ? r.index : r.reason));
    assert.deepEqual(got, expected, profile);
    assert.deepEqual(expected, [65533, 65535, 65534, 65537, 65536, 65539, 65538]);
  }
});

test('rejections are shared frozen values: no allocation, no stack trace per rejected packet', () => {
  const { sender, receiver } = pair();
  const forged = Buffer.from(sender.protectRtp(rtp(1)));
  forged[13]! ^= 1;
  const a = receiver.unprotectRtp(forged);
  const b = receiver.unprotectRtp(forged);
  assert.equal(a, b);
  assert.ok(Object.isFrozen(a));
  assert.equal('stack' in a, false);
  const notBytes = undefined as unknown as Uint8Array;
  assert.deepEqual(receiver.unprotectRtp(notBytes), { ok: false, reason: 'truncated' });
  assert.deepEqual(receiver.unprotectRtcpInPlace(notBytes), { ok: false, reason: 'truncated' });
});

test('packets over 2^16 AES blocks are refused: too-long on unprotect, a throw on protect', () => {
  const { sender, receiver } = pair();
  const huge = Buffer.alloc(16 * 65536 + 1);
  huge[0] = 0x80;
  assert.deepEqual(receiver.unprotectRtp(huge), { ok: false, reason: 'too-long' });
  assert.deepEqual(receiver.unprotectRtcpInPlace(huge), { ok: false, reason: 'too-long' });
  assert.deepEqual(receiver.unprotectRtpBatchInPlace([huge])[0], { ok: false, reason: 'too-long' });
  assert.throws(() => sender.protectRtp(huge), /packet is longer than 1048576 bytes/);
});
