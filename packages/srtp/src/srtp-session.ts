import { rtcpAeadIv, rtpAeadIv } from './aead-iv.js';
import { AesCounterMode, KeystreamLookahead } from './crypto/aes-counter-mode.js';
import { HmacSha1 } from './crypto/hmac-sha1.js';
import { AesGcm, type GcmPacket } from './gcm/aes-gcm.js';
import { deriveSessionKeys, type SessionKeys } from './key-derivation.js';
import { requireSrtpProfile, type SrtpProfileInfo } from './profile.js';
import { ReplayCheck, ReplayWindow } from './replay-window.js';
import { failure, UnprotectReason, type UnprotectRtcpResult, type UnprotectRtpResult } from './result.js';
import { estimateRolloverCounter, MAX_ROLLOVER_COUNTER } from './rollover-counter.js';
import { MAX_SRTP_PACKET_LENGTH, readUint32, rtpHeaderLength, writeUint32 } from './rtp-header.js';
import {
  checkSessionKeys,
  SRTCP_MAX_PACKETS,
  SRTP_MAX_PACKETS,
  type SrtpSessionKeyOptions,
  type SrtpSessionOptions,
  validateCommon,
} from './session-options.js';
import { SrtpStream } from './srtp-stream.js';

export type { SrtpSessionKeyOptions, SrtpSessionOptions } from './session-options.js';
export { SRTCP_MAX_PACKETS, SRTP_MAX_PACKETS } from './session-options.js';

/** Largest SRTCP index (31 bits, RFC 3711 §3.4). */
const MAX_SRTCP_INDEX = 0x7fffffff;
const GCM_TAG = 16;

/** Options key through which fromSessionKeys hands ready session keys to the constructor. */
const SESSION_KEYS = Symbol('sessionKeys');

interface DerivedKeys {
  readonly rtp: SessionKeys;
  readonly rtcp: SessionKeys;
}

/** Per-direction (SRTP or SRTCP) keyed crypto state, built once. */
interface KeyedTransform {
  /** AES-CM keystream source; undefined for NULL and AEAD. */
  readonly counterMode: AesCounterMode | undefined;
  readonly hmac: HmacSha1 | undefined;
  readonly gcm: AesGcm | undefined;
  /** Session salt for the AEAD IV (12 bytes); empty otherwise. */
  readonly aeadSalt: Uint8Array;
}

/**
 * One SRTP/SRTCP cryptographic context (RFC 3711 §3.2) for one master key, i.e. one direction:
 * the sender protects with it, the receiver unprotects with its own session built from the same
 * key. It serves any number of SSRCs, each with its own rollover counter, replay windows and
 * SRTCP index.
 *
 * Incoming packets are rejected with a typed reason and change no state unless they authenticate:
 * neither the ROC, nor the replay window, nor the set of known SSRCs moves for a forged packet.
 *
 * Retransmissions: a packet resent with a sequence number already received (NACK without RTX)
 * is rejected as 'replayed'. Retransmitting is the sender's business: use RTX (RFC 4588), which
 * gives the retransmission its own SSRC and sequence number.
 *
 * Protect methods throw only on misuse (malformed RTP/RTCP handed in, output buffer too small,
 * too many SSRCs) and on key exhaustion (2^48 SRTP / 2^31 SRTCP packets, RFC 3711 §9.2).
 */
export class SrtpSession {
  readonly profile: SrtpProfileInfo;
  readonly replayWindow: number;
  readonly maxStreams: number;
  readonly #rtp: KeyedTransform;
  readonly #rtcp: KeyedTransform;
  readonly #streams = new Map<number, SrtpStream>();
  readonly #mki: Uint8Array;
  readonly #encryptSrtcp: boolean;
  /** Bytes after the SRTP payload: MKI and tag. */
  readonly #rtpTrailer: number;
  /** Bytes after the SRTCP payload: index word, MKI and tag. */
  readonly #rtcpTrailer: number;
  readonly #iv = new Uint8Array(12);
  #aad = new Uint8Array(64);
  #srtpProtected = 0;
  #srtcpProtected = 0;
  readonly #srtpLimit: number;
  readonly #srtcpLimit: number;

  constructor(options: SrtpSessionOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const profile = requireSrtpProfile(options.profile, 'profile');
    const { masterKey, masterSalt } = options;
    if (!(masterKey instanceof Uint8Array) || masterKey.length !== profile.keyLength) {
      throw new RangeError(
        `masterKey must be a Uint8Array of ${profile.keyLength} bytes for ${profile.name}`,
      );
    }
    if (!(masterSalt instanceof Uint8Array) || masterSalt.length !== profile.saltLength) {
      throw new RangeError(
        `masterSalt must be a Uint8Array of ${profile.saltLength} bytes for ${profile.name}`,
      );
    }
    const common = validateCommon(options, profile);
    const keys =
      (options as { [SESSION_KEYS]?: DerivedKeys })[SESSION_KEYS] ??
      deriveSessionKeys(profile, masterKey, masterSalt);
    this.profile = profile;
    this.replayWindow = common.replayWindow;
    this.maxStreams = common.maxStreams;
    this.#mki = common.mki;
    this.#encryptSrtcp = common.encryptSrtcp;
    this.#srtpLimit = Math.min(SRTP_MAX_PACKETS, common.keyLifetime);
    this.#srtcpLimit = Math.min(SRTCP_MAX_PACKETS, common.keyLifetime);
    this.#rtp = keyTransform(profile, keys.rtp);
    this.#rtcp = keyTransform(profile, keys.rtcp);
    this.#rtpTrailer = this.#mki.length + profile.rtpTagLength;
    this.#rtcpTrailer = 4 + this.#mki.length + profile.rtcpTagLength;
  }

  /**
   * A session from already-derived session keys (RFC 7714 §16-17 vectors give session keys;
   * a key manager with its own KDF may too).
   */
  static fromSessionKeys(options: SrtpSessionKeyOptions): SrtpSession {
    const profile = requireSrtpProfile(options.profile, 'profile');
    checkSessionKeys(profile, options.rtp, 'rtp');
    checkSessionKeys(profile, options.rtcp, 'rtcp');
    const internal: SrtpSessionOptions & { [SESSION_KEYS]: DerivedKeys } = {
      ...options,
      profile: profile.name,
      masterKey: new Uint8Array(profile.keyLength),
      masterSalt: new Uint8Array(profile.saltLength),
      [SESSION_KEYS]: { rtp: options.rtp, rtcp: options.rtcp },
    };
    return new SrtpSession(internal);
  }

  /** Bytes protect adds to an RTP packet (MKI + tag). */
  get rtpOverhead(): number {
    return this.#rtpTrailer;
  }

  /** Bytes protect adds to an RTCP packet (E/index + MKI + tag). */
  get rtcpOverhead(): number {
    return this.#rtcpTrailer;
  }

  /** Number of SSRCs the session holds state for. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * Sets the rollover counter of `ssrc` (RFC 3711 §3.3.1), for a stream joined mid-way whose
   * ROC is known out of band. Resets that stream's SRTP state: the next packet is taken as the
   * stream's first, with index roc * 2^16 + SEQ, and the SRTP replay window starts afresh.
   */
  setRolloverCounter(ssrc: number, roc: number): void {
    checkSsrc(ssrc);
    if (!Number.isInteger(roc) || roc < 0 || roc > MAX_ROLLOVER_COUNTER) {
      throw new RangeError('roc must be an integer in [0, 2^32 - 1]');
    }
    const stream = this.#streamForLocalUse(ssrc, 'setRolloverCounter');
    stream.rolloverCounter = roc;
    stream.started = false;
    stream.highestSeq = 0;
    stream.rtpReplay = undefined;
  }

  /** The rollover counter of `ssrc`, or undefined when the session has no state for it. */
  getRolloverCounter(ssrc: number): number | undefined {
    return this.#streams.get(ssrc >>> 0)?.rolloverCounter;
  }

  /**
   * Sets the SRTCP index the next protected RTCP packet of `ssrc` carries (normally 1 for the
   * first packet, then +1 per packet). For resuming a sender and for known-answer tests.
   */
  setNextSrtcpIndex(ssrc: number, index: number): void {
    checkSsrc(ssrc);
    if (!Number.isInteger(index) || index < 0 || index > MAX_SRTCP_INDEX) {
      throw new RangeError('index must be an integer in [0, 2^31 - 1]');
    }
    this.#streamForLocalUse(ssrc, 'setNextSrtcpIndex').srtcpIndex = index - 1;
  }

  /** Forgets everything about `ssrc` (e.g. on RTCP BYE); returns whether it was known. */
  deleteStream(ssrc: number): boolean {
    return this.#streams.delete(ssrc >>> 0);
  }

  // ---------------------------------------------------------------- SRTP protect

  /** Protects one RTP packet; returns a new buffer holding the SRTP packet. */
  protectRtp(packet: Uint8Array): Uint8Array {
    checkBytes(packet, 'packet');
    const out = Buffer.allocUnsafe(packet.length + this.#rtpTrailer);
    out.set(packet, 0);
    this.#protectRtpAt(out, 0, packet.length);
    return out;
  }

  /**
   * Protects `packet` into out[outOffset ...] (out may be the packet's own buffer, with room for
   * `rtpOverhead` more bytes: protection then happens in place). Returns the SRTP packet length.
   */
  protectRtpInto(packet: Uint8Array, out: Uint8Array, outOffset = 0): number {
    checkBytes(packet, 'packet');
    checkOut(out, outOffset, packet.length + this.#rtpTrailer);
    copyUnlessSame(packet, out, outOffset);
    return this.#protectRtpAt(out, outOffset, packet.length);
  }

  /**
   * Protects several RTP packets; with AES-CM one keystream is computed for the whole batch, with
   * AES-GCM one AES call serves all of them. Returns one new SRTP buffer per packet, in order.
   * Every packet's RTP header is checked before any is protected; a misuse found later (too many
   * SSRCs, key exhausted) throws after the earlier packets advanced their streams' state.
   */
  protectRtpBatch(packets: readonly Uint8Array[]): Uint8Array[] {
    if (!Array.isArray(packets)) throw new TypeError('packets must be an array of Uint8Array');
    const n = packets.length;
    const headerLengths = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const p = packets[i]!;
      checkBytes(p, `packets[${i}]`);
      headerLengths[i] = requireRtpHeader(p, 0, p.length, `packets[${i}]`);
    }
    const cm = this.#rtp.counterMode;
    const outs = new Array<Uint8Array>(n);
    const gcm = this.#rtp.gcm;
    if (gcm !== undefined) {
      this.#checkSrtpLifetime(n);
      const jobs = new Array<GcmPacket>(n);
      const mki = this.#mki;
      for (let i = 0; i < n; i++) {
        const p = packets[i]!;
        const len = p.length;
        const hl = headerLengths[i]!;
        const out = Buffer.allocUnsafe(len + this.#rtpTrailer);
        out.set(p, 0);
        const ssrc = readUint32(p, 8);
        const seq = (p[2]! << 8) | p[3]!;
        const roc = this.#senderRoc(this.#streamForLocalUse(ssrc, 'protect'), ssrc, seq);
        const iv = new Uint8Array(12);
        rtpAeadIv(this.#rtp.aeadSalt, ssrc, roc, seq, iv);
        jobs[i] = { iv, aad: out.subarray(0, hl), data: out, start: hl, end: len, tag: out, tagOffset: len };
        if (mki.length > 0) out.set(mki, len + GCM_TAG);
        outs[i] = out;
      }
      gcm.sealBatch(jobs);
      this.#srtpProtected += n;
      return outs;
    }
    // No shared keystream call without counter blocks of our own (null cipher, or node's AES-CTR
    // serving after a failed self-test): packet by packet.
    if (cm === undefined || !cm.batchable) {
      for (let i = 0; i < n; i++) outs[i] = this.protectRtp(packets[i]!);
      return outs;
    }
    this.#checkSrtpLifetime(n);
    const rocs = new Array<number>(n);
    let blocks = 0;
    for (let i = 0; i < n; i++) {
      const p = packets[i]!;
      const ssrc = readUint32(p, 8);
      const seq = (p[2]! << 8) | p[3]!;
      rocs[i] = this.#senderRoc(this.#streamForLocalUse(ssrc, 'protect'), ssrc, seq);
      blocks += cm.writeCounters(blocks, ssrc, rocs[i]!, seq, p.length - headerLengths[i]!);
    }
    const keystream = cm.generate(blocks);
    const hmac = this.#rtp.hmac!;
    const tagLength = this.profile.rtpTagLength;
    const mki = this.#mki;
    let ksOffset = 0;
    for (let i = 0; i < n; i++) {
      const p = packets[i]!;
      const len = p.length;
      const hl = headerLengths[i]!;
      const out = Buffer.allocUnsafe(len + this.#rtpTrailer);
      out.set(p, 0);
      cm.xorKeystream(keystream, ksOffset, out, hl, len);
      ksOffset += ((len - hl + 15) >>> 4) * 16;
      if (mki.length > 0) out.set(mki, len);
      hmac.macWithTrailer(out, 0, len, rocs[i]!, out, len + mki.length, tagLength);
      outs[i] = out;
    }
    this.#srtpProtected += n;
    return outs;
  }

  #protectRtpAt(buf: Uint8Array, base: number, length: number): number {
    const hl = requireRtpHeader(buf, base, length, 'packet');
    this.#checkSrtpLifetime(1);
    const ssrc = readUint32(buf, base + 8);
    const seq = (buf[base + 2]! << 8) | buf[base + 3]!;
    const stream = this.#streamForLocalUse(ssrc, 'protect');
    const roc = this.#senderRoc(stream, ssrc, seq);
    const end = base + length;
    const mki = this.#mki;
    const t = this.#rtp;
    if (t.gcm !== undefined) {
      // RFC 7714 §8: AAD is the whole RTP header, the tag follows the ciphertext, then the MKI.
      rtpAeadIv(t.aeadSalt, ssrc, roc, seq, this.#iv);
      t.gcm.seal(this.#iv, buf.subarray(base, base + hl), buf, base + hl, end, buf, end);
      if (mki.length > 0) buf.set(mki, end + GCM_TAG);
    } else {
      // RFC 3711 §3.1: encrypt the payload, then MKI, then the tag over header || payload || ROC.
      if (t.counterMode !== undefined) {
        stream.rtpLookahead ??= new KeystreamLookahead();
        t.counterMode.xorWithLookahead(stream.rtpLookahead, ssrc, roc * 65536 + seq, buf, base + hl, end);
      }
      if (mki.length > 0) buf.set(mki, end);
      t.hmac!.macWithTrailer(buf, base, end, roc, buf, end + mki.length, this.profile.rtpTagLength);
    }
    this.#srtpProtected++;
    return length + this.#rtpTrailer;
  }

  /** Sender-side ROC for the packet, advancing the stream's s_l/ROC (RFC 3711 §3.3.1). */
  #senderRoc(stream: SrtpStream, ssrc: number, seq: number): number {
    let roc: number;
    if (!stream.started) {
      roc = stream.rolloverCounter;
      stream.started = true;
      stream.highestSeq = seq;
      return roc;
    }
    roc = estimateRolloverCounter(stream.rolloverCounter, stream.highestSeq, seq);
    if (roc < 0) {
      throw new RangeError(
        `packet: sequence number ${seq} of SSRC ${ssrc} falls before the stream's first packet`,
      );
    }
    if (roc > MAX_ROLLOVER_COUNTER) {
      throw new Error(`SRTP index space of SSRC ${ssrc} exhausted (2^48 packets): re-key (RFC 3711 §9.2)`);
    }
    if (roc > stream.rolloverCounter || (roc === stream.rolloverCounter && seq > stream.highestSeq)) {
      stream.rolloverCounter = roc;
      stream.highestSeq = seq;
    }
    return roc;
  }

  #checkSrtpLifetime(count: number): void {
    if (this.#srtpProtected + count > this.#srtpLimit) {
      throw new Error(
        `master key lifetime exhausted: ${this.#srtpLimit} SRTP packets protected (RFC 3711 §9.2, keyLifetime); re-key`,
      );
    }
  }

  // ---------------------------------------------------------------- SRTP unprotect

  /** Unprotects one SRTP packet into a new buffer; the input is left untouched. */
  unprotectRtp(packet: Uint8Array): UnprotectRtpResult {
    if (!(packet instanceof Uint8Array)) return failure(UnprotectReason.truncated);
    if (packet.length > MAX_SRTP_PACKET_LENGTH) return failure(UnprotectReason.tooLong);
    const copy = Buffer.allocUnsafe(packet.length);
    copy.set(packet, 0);
    return this.unprotectRtpInPlace(copy);
  }

  /**
   * Unprotects the SRTP packet packet[0, packetLength) (default: the whole buffer) in place. On
   * success, `result.packet` is a view of the plain RTP packet in the same memory. On failure
   * nothing is modified. Only a packetLength outside [0, packet.length] (misuse) throws.
   */
  unprotectRtpInPlace(packet: Uint8Array, packetLength?: number): UnprotectRtpResult {
    if (!(packet instanceof Uint8Array)) return failure(UnprotectReason.truncated);
    const length = checkPacketLength(packet, packetLength);
    if (length > MAX_SRTP_PACKET_LENGTH) return failure(UnprotectReason.tooLong);
    const hl = rtpHeaderLength(packet, 0, length);
    if (typeof hl === 'string') return failure(hl);
    const trailer = this.#rtpTrailer;
    if (length < hl + trailer) return failure(UnprotectReason.truncated);
    const mki = this.#mki;
    const t = this.#rtp;
    // Where the authenticated portion (non-AEAD) or the ciphertext + tag (AEAD) ends.
    const mkiAt = t.gcm !== undefined ? length - mki.length : length - trailer;
    if (mki.length > 0 && !mkiMatches(packet, mkiAt, mki)) return failure(UnprotectReason.unknownMki);

    const ssrc = readUint32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const stream = this.#streams.get(ssrc);
    if (stream === undefined && this.#streams.size >= this.maxStreams) {
      return failure(UnprotectReason.tooManyStreams);
    }
    let roc: number;
    if (stream === undefined) roc = 0;
    else if (!stream.started) roc = stream.rolloverCounter;
    else roc = estimateRolloverCounter(stream.rolloverCounter, stream.highestSeq, seq);
    if (roc < 0) return failure(UnprotectReason.tooOld);
    if (roc > MAX_ROLLOVER_COUNTER) return failure(UnprotectReason.indexExhausted);
    const index = roc * 65536 + seq;
    const replay = stream?.rtpReplay;
    if (replay !== undefined) {
      const check = replay.check(index);
      if (check === ReplayCheck.replayed) return failure(UnprotectReason.replayed);
      if (check === ReplayCheck.tooOld) return failure(UnprotectReason.tooOld);
    }

    if (t.gcm !== undefined) {
      const tagAt = mkiAt - GCM_TAG;
      rtpAeadIv(t.aeadSalt, ssrc, roc, seq, this.#iv);
      if (!t.gcm.open(this.#iv, packet.subarray(0, hl), packet, hl, tagAt, packet, tagAt)) {
        return failure(UnprotectReason.authFailed);
      }
      this.#acceptRtp(stream, ssrc, roc, seq, index);
      return { ok: true, packet: packet.subarray(0, tagAt), headerLength: hl, index };
    }
    const authEnd = length - trailer;
    const tagLength = this.profile.rtpTagLength;
    if (!t.hmac!.verifyWithTrailer(packet, 0, authEnd, roc, packet, authEnd + mki.length, tagLength)) {
      return failure(UnprotectReason.authFailed);
    }
    const accepted = this.#acceptRtp(stream, ssrc, roc, seq, index);
    if (t.counterMode !== undefined) {
      accepted.rtpLookahead ??= new KeystreamLookahead();
      t.counterMode.xorWithLookahead(accepted.rtpLookahead, ssrc, index, packet, hl, authEnd);
    }
    return { ok: true, packet: packet.subarray(0, authEnd), headerLength: hl, index };
  }

  /**
   * Unprotects several SRTP packets in place, in order (a duplicate later in the batch is a
   * replay of the earlier one). With AES-CM the keystream of all authenticated packets is
   * computed in one call. Results are in input order.
   */
  unprotectRtpBatchInPlace(packets: readonly Uint8Array[]): UnprotectRtpResult[] {
    const n = packets.length;
    const results = new Array<UnprotectRtpResult>(n);
    const cm = this.#rtp.counterMode;
    if (this.#rtp.gcm !== undefined && Array.isArray(packets)) return this.#openRtpBatch(packets);
    if (cm === undefined || !cm.batchable || !Array.isArray(packets)) {
      for (let i = 0; i < n; i++) results[i] = this.unprotectRtpInPlace(packets[i]!);
      return results;
    }
    const hmac = this.#rtp.hmac!;
    const mki = this.#mki;
    const trailer = this.#rtpTrailer;
    const tagLength = this.profile.rtpTagLength;
    const headerLengths = new Array<number>(n);
    let blocks = 0;
    for (let i = 0; i < n; i++) {
      const packet = packets[i]!;
      headerLengths[i] = -1;
      if (!(packet instanceof Uint8Array)) {
        results[i] = failure(UnprotectReason.truncated);
        continue;
      }
      const length = packet.length;
      if (length > MAX_SRTP_PACKET_LENGTH) {
        results[i] = failure(UnprotectReason.tooLong);
        continue;
      }
      const hl = rtpHeaderLength(packet, 0, length);
      if (typeof hl === 'string') {
        results[i] = failure(hl);
        continue;
      }
      if (length < hl + trailer) {
        results[i] = failure(UnprotectReason.truncated);
        continue;
      }
      const authEnd = length - trailer;
      if (mki.length > 0 && !mkiMatches(packet, authEnd, mki)) {
        results[i] = failure(UnprotectReason.unknownMki);
        continue;
      }
      const ssrc = readUint32(packet, 8);
      const seq = (packet[2]! << 8) | packet[3]!;
      const stream = this.#streams.get(ssrc);
      if (stream === undefined && this.#streams.size >= this.maxStreams) {
        results[i] = failure(UnprotectReason.tooManyStreams);
        continue;
      }
      let roc: number;
      if (stream === undefined) roc = 0;
      else if (!stream.started) roc = stream.rolloverCounter;
      else roc = estimateRolloverCounter(stream.rolloverCounter, stream.highestSeq, seq);
      if (roc < 0 || roc > MAX_ROLLOVER_COUNTER) {
        results[i] = failure(roc < 0 ? UnprotectReason.tooOld : UnprotectReason.indexExhausted);
        continue;
      }
      const index = roc * 65536 + seq;
      const replay = stream?.rtpReplay;
      if (replay !== undefined) {
        const check = replay.check(index);
        if (check !== ReplayCheck.fresh) {
          results[i] = failure(
            check === ReplayCheck.replayed ? UnprotectReason.replayed : UnprotectReason.tooOld,
          );
          continue;
        }
      }
      if (!hmac.verifyWithTrailer(packet, 0, authEnd, roc, packet, authEnd + mki.length, tagLength)) {
        results[i] = failure(UnprotectReason.authFailed);
        continue;
      }
      this.#acceptRtp(stream, ssrc, roc, seq, index);
      headerLengths[i] = hl;
      blocks += cm.writeCounters(blocks, ssrc, roc, seq, authEnd - hl);
      results[i] = { ok: true, packet: packet.subarray(0, authEnd), headerLength: hl, index };
    }
    if (blocks === 0) return results;
    const keystream = cm.generate(blocks);
    let ksOffset = 0;
    for (let i = 0; i < n; i++) {
      const hl = headerLengths[i]!;
      if (hl < 0) continue;
      const packet = packets[i]!;
      const authEnd = packet.length - trailer;
      cm.xorKeystream(keystream, ksOffset, packet, hl, authEnd);
      ksOffset += ((authEnd - hl + 15) >>> 4) * 16;
    }
    return results;
  }

  /**
   * AEAD batch unprotect: one AesGcm.openBatch call for the whole batch. Each packet's ROC guess
   * and replay check assume the earlier packets of the batch authenticate (they usually do); if
   * any packet of the batch fails authentication, every packet rejected on that assumption is
   * processed again, alone, against the committed state, so a forged packet in a batch cannot
   * cost a genuine one its acceptance.
   */
  #openRtpBatch(packets: readonly Uint8Array[]): UnprotectRtpResult[] {
    const n = packets.length;
    const results = new Array<UnprotectRtpResult>(n);
    const mki = this.#mki;
    const trailer = this.#rtpTrailer;
    const jobs: GcmPacket[] = [];
    const jobPacket: number[] = [];
    const meta: { ssrc: number; roc: number; seq: number; index: number; hl: number; end: number }[] = [];
    /** Per SSRC: ROC, s_l and indices as they will be if the batch's earlier packets authenticate. */
    const tentative = new Map<
      number,
      { started: boolean; roc: number; highestSeq: number; seen: Set<number> }
    >();
    const deferred: number[] = [];
    for (let i = 0; i < n; i++) {
      const packet = packets[i]!;
      if (!(packet instanceof Uint8Array)) {
        results[i] = failure(UnprotectReason.truncated);
        continue;
      }
      const length = packet.length;
      if (length > MAX_SRTP_PACKET_LENGTH) {
        results[i] = failure(UnprotectReason.tooLong);
        continue;
      }
      const hl = rtpHeaderLength(packet, 0, length);
      if (typeof hl === 'string') {
        results[i] = failure(hl);
        continue;
      }
      if (length < hl + trailer) {
        results[i] = failure(UnprotectReason.truncated);
        continue;
      }
      const mkiAt = length - mki.length;
      if (mki.length > 0 && !mkiMatches(packet, mkiAt, mki)) {
        results[i] = failure(UnprotectReason.unknownMki);
        continue;
      }
      const ssrc = readUint32(packet, 8);
      const seq = (packet[2]! << 8) | packet[3]!;
      const stream = this.#streams.get(ssrc);
      let t = tentative.get(ssrc);
      if (t === undefined) {
        if (
          stream === undefined &&
          this.#streams.size + countNew(tentative, this.#streams) >= this.maxStreams
        ) {
          // The slots may be held by forged packets of this batch: retried alone if any fails.
          results[i] = failure(UnprotectReason.tooManyStreams);
          deferred.push(i);
          continue;
        }
        t = {
          started: stream?.started ?? false,
          roc: stream?.rolloverCounter ?? 0,
          highestSeq: stream?.highestSeq ?? 0,
          seen: new Set<number>(),
        };
        tentative.set(ssrc, t);
      }
      const roc = t.started ? estimateRolloverCounter(t.roc, t.highestSeq, seq) : t.roc;
      if (roc < 0 || roc > MAX_ROLLOVER_COUNTER) {
        results[i] = failure(roc < 0 ? UnprotectReason.tooOld : UnprotectReason.indexExhausted);
        deferred.push(i);
        continue;
      }
      const index = roc * 65536 + seq;
      const replay = stream?.rtpReplay;
      const check = replay === undefined ? ReplayCheck.fresh : replay.check(index);
      if (check !== ReplayCheck.fresh) {
        results[i] = failure(
          check === ReplayCheck.replayed ? UnprotectReason.replayed : UnprotectReason.tooOld,
        );
        continue;
      }
      const highest = t.started ? t.roc * 65536 + t.highestSeq : -1;
      if (t.seen.has(index) || (highest >= 0 && highest - index >= this.replayWindow)) {
        results[i] = failure(t.seen.has(index) ? UnprotectReason.replayed : UnprotectReason.tooOld);
        deferred.push(i);
        continue;
      }
      t.seen.add(index);
      if (!t.started || index > highest) {
        t.started = true;
        t.roc = roc;
        t.highestSeq = seq;
      }
      const tagAt = mkiAt - GCM_TAG;
      const iv = new Uint8Array(12);
      rtpAeadIv(this.#rtp.aeadSalt, ssrc, roc, seq, iv);
      jobs.push({
        iv,
        aad: packet.subarray(0, hl),
        data: packet,
        start: hl,
        end: tagAt,
        tag: packet,
        tagOffset: tagAt,
      });
      jobPacket.push(i);
      meta.push({ ssrc, roc, seq, index, hl, end: tagAt });
    }
    const verified = new Uint8Array(jobs.length);
    const authentic = jobs.length === 0 ? 0 : this.#rtp.gcm!.openBatch(jobs, verified);
    for (let j = 0; j < jobs.length; j++) {
      const i = jobPacket[j]!;
      const m = meta[j]!;
      if (verified[j] === 1) {
        this.#acceptRtp(this.#streams.get(m.ssrc), m.ssrc, m.roc, m.seq, m.index);
        results[i] = { ok: true, packet: packets[i]!.subarray(0, m.end), headerLength: m.hl, index: m.index };
      } else {
        results[i] = failure(UnprotectReason.authFailed);
        deferred.push(i);
      }
    }
    if (authentic < jobs.length) {
      deferred.sort((a, b) => a - b);
      for (const i of deferred) results[i] = this.unprotectRtpInPlace(packets[i]!);
    }
    return results;
  }

  /** Commits an authenticated SRTP packet: creates the stream if new, moves s_l/ROC and the window. */
  #acceptRtp(
    stream: SrtpStream | undefined,
    ssrc: number,
    roc: number,
    seq: number,
    index: number,
  ): SrtpStream {
    if (stream === undefined) {
      stream = new SrtpStream(ssrc);
      this.#streams.set(ssrc, stream);
    }
    if (!stream.started) {
      stream.started = true;
      stream.rolloverCounter = roc;
      stream.highestSeq = seq;
    } else if (index > stream.rolloverCounter * 65536 + stream.highestSeq) {
      stream.rolloverCounter = roc;
      stream.highestSeq = seq;
    }
    let replay = stream.rtpReplay;
    if (replay === undefined) {
      replay = new ReplayWindow(this.replayWindow);
      stream.rtpReplay = replay;
    }
    replay.accept(index);
    return stream;
  }

  // ---------------------------------------------------------------- SRTCP

  /** Protects one (compound) RTCP packet; returns a new buffer holding the SRTCP packet. */
  protectRtcp(packet: Uint8Array): Uint8Array {
    checkBytes(packet, 'packet');
    const out = Buffer.allocUnsafe(packet.length + this.#rtcpTrailer);
    out.set(packet, 0);
    this.#protectRtcpAt(out, 0, packet.length);
    return out;
  }

  /** Protects `packet` into out[outOffset ...]; returns the SRTCP packet length. */
  protectRtcpInto(packet: Uint8Array, out: Uint8Array, outOffset = 0): number {
    checkBytes(packet, 'packet');
    checkOut(out, outOffset, packet.length + this.#rtcpTrailer);
    copyUnlessSame(packet, out, outOffset);
    return this.#protectRtcpAt(out, outOffset, packet.length);
  }

  #protectRtcpAt(buf: Uint8Array, base: number, length: number): number {
    if (length < 8) throw new RangeError('packet: RTCP packet shorter than its 8-byte header');
    if (buf[base]! >>> 6 !== 2) throw new RangeError('packet: RTCP version is not 2');
    if (this.#srtcpProtected + 1 > this.#srtcpLimit) {
      throw new Error(
        `master key lifetime exhausted: ${this.#srtcpLimit} SRTCP packets protected (RFC 3711 §9.2, keyLifetime); re-key`,
      );
    }
    const ssrc = readUint32(buf, base + 4);
    const stream = this.#streamForLocalUse(ssrc, 'protectRtcp');
    if (stream.srtcpIndex >= MAX_SRTCP_INDEX) {
      throw new Error(`SRTCP index of SSRC ${ssrc} exhausted (2^31 packets): re-key (RFC 3711 §9.2)`);
    }
    const index = stream.srtcpIndex + 1;
    const t = this.#rtcp;
    const encrypt = this.#encryptSrtcp && (t.counterMode !== undefined || t.gcm !== undefined);
    // RFC 3711 §3.4: E flag (top bit) and the 31-bit SRTCP index form one word.
    const word = ((encrypt ? 0x80000000 : 0) | index) >>> 0;
    const end = base + length;
    const mki = this.#mki;
    if (t.gcm !== undefined) {
      // RFC 7714 §9: ciphertext || tag || E+index || MKI; IV per §9.1.
      rtcpAeadIv(t.aeadSalt, ssrc, index, this.#iv);
      if (encrypt) {
        const aad = this.#rtcpAad(buf, base, 8, word);
        t.gcm.seal(this.#iv, aad, buf, base + 8, end, buf, end);
      } else {
        // §9.3: unencrypted SRTCP authenticates the whole packet as AAD, with an empty plaintext.
        const aad = this.#rtcpAad(buf, base, length, word);
        t.gcm.seal(this.#iv, aad, buf, end, end, buf, end);
      }
      writeUint32(buf, end + GCM_TAG, word);
      if (mki.length > 0) buf.set(mki, end + GCM_TAG + 4);
    } else {
      if (encrypt) t.counterMode!.xor(ssrc, index >>> 16, index & 0xffff, buf, base + 8, end);
      writeUint32(buf, end, word);
      if (mki.length > 0) buf.set(mki, end + 4);
      t.hmac!.macWithTrailer(buf, base, end, word, buf, end + 4 + mki.length, this.profile.rtcpTagLength);
    }
    stream.srtcpIndex = index;
    this.#srtcpProtected++;
    return length + this.#rtcpTrailer;
  }

  /** Unprotects one SRTCP packet into a new buffer; the input is left untouched. */
  unprotectRtcp(packet: Uint8Array): UnprotectRtcpResult {
    if (!(packet instanceof Uint8Array)) return failure(UnprotectReason.truncated);
    if (packet.length > MAX_SRTP_PACKET_LENGTH) return failure(UnprotectReason.tooLong);
    const copy = Buffer.allocUnsafe(packet.length);
    copy.set(packet, 0);
    return this.unprotectRtcpInPlace(copy);
  }

  /** Unprotects the SRTCP packet packet[0, packetLength) in place; nothing is modified on failure. */
  unprotectRtcpInPlace(packet: Uint8Array, packetLength?: number): UnprotectRtcpResult {
    if (!(packet instanceof Uint8Array)) return failure(UnprotectReason.truncated);
    const length = checkPacketLength(packet, packetLength);
    if (length > MAX_SRTP_PACKET_LENGTH) return failure(UnprotectReason.tooLong);
    if (length < 8 + this.#rtcpTrailer) return failure(UnprotectReason.truncated);
    if (packet[0]! >>> 6 !== 2) return failure(UnprotectReason.badVersion);
    const mki = this.#mki;
    const t = this.#rtcp;
    const aead = t.gcm !== undefined;
    // Non-AEAD: payload | E+index | MKI | tag.  AEAD: payload | tag | E+index | MKI.
    const wordAt = aead ? length - mki.length - 4 : length - this.#rtcpTrailer;
    const mkiAt = aead ? length - mki.length : wordAt + 4;
    if (mki.length > 0 && !mkiMatches(packet, mkiAt, mki)) return failure(UnprotectReason.unknownMki);
    const word = readUint32(packet, wordAt);
    const encrypted = word >>> 31 === 1;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = readUint32(packet, 4);
    const stream = this.#streams.get(ssrc);
    if (stream === undefined && this.#streams.size >= this.maxStreams) {
      return failure(UnprotectReason.tooManyStreams);
    }
    const replay = stream?.rtcpReplay;
    if (replay !== undefined) {
      const check = replay.check(index);
      if (check === ReplayCheck.replayed) return failure(UnprotectReason.replayed);
      if (check === ReplayCheck.tooOld) return failure(UnprotectReason.tooOld);
    }
    let plainLength: number;
    if (aead) {
      const tagAt = wordAt - GCM_TAG;
      if (tagAt < 8) return failure(UnprotectReason.truncated);
      rtcpAeadIv(t.aeadSalt, ssrc, index, this.#iv);
      let ok: boolean;
      if (encrypted) {
        const aad = this.#rtcpAad(packet, 0, 8, word);
        ok = t.gcm!.open(this.#iv, aad, packet, 8, tagAt, packet, tagAt);
      } else {
        const aad = this.#rtcpAad(packet, 0, tagAt, word);
        ok = t.gcm!.open(this.#iv, aad, packet, tagAt, tagAt, packet, tagAt);
      }
      if (!ok) return failure(UnprotectReason.authFailed);
      plainLength = tagAt;
    } else {
      const tagAt = mkiAt + mki.length;
      if (!t.hmac!.verifyWithTrailer(packet, 0, wordAt, word, packet, tagAt, this.profile.rtcpTagLength)) {
        return failure(UnprotectReason.authFailed);
      }
      if (encrypted && t.counterMode !== undefined) {
        t.counterMode.xor(ssrc, index >>> 16, index & 0xffff, packet, 8, wordAt);
      }
      plainLength = wordAt;
    }
    let s = stream;
    if (s === undefined) {
      s = new SrtpStream(ssrc);
      this.#streams.set(ssrc, s);
    }
    let window = s.rtcpReplay;
    if (window === undefined) {
      window = new ReplayWindow(this.replayWindow);
      s.rtcpReplay = window;
    }
    window.accept(index);
    return { ok: true, packet: packet.subarray(0, plainLength), index };
  }

  /** SRTCP AEAD AAD (RFC 7714 §9.2/§9.3): packet[base, base + headLength) || E+index word. */
  #rtcpAad(buf: Uint8Array, base: number, headLength: number, word: number): Uint8Array {
    if (this.#aad.length < headLength + 4)
      this.#aad = new Uint8Array(Math.max(headLength + 4, 2 * this.#aad.length));
    const aad = this.#aad;
    aad.set(buf.subarray(base, base + headLength), 0);
    writeUint32(aad, headLength, word);
    return aad.subarray(0, headLength + 4);
  }

  /** The stream for an SSRC the local application names (protect, setters): created on demand. */
  #streamForLocalUse(ssrc: number, what: string): SrtpStream {
    let stream = this.#streams.get(ssrc);
    if (stream === undefined) {
      if (this.#streams.size >= this.maxStreams) {
        throw new RangeError(
          `${what}: session already tracks maxStreams (${this.maxStreams}) SSRCs; deleteStream() one or raise maxStreams`,
        );
      }
      stream = new SrtpStream(ssrc);
      this.#streams.set(ssrc, stream);
    }
    return stream;
  }
}

function keyTransform(profile: SrtpProfileInfo, keys: SessionKeys): KeyedTransform {
  if (profile.aead) {
    return {
      counterMode: undefined,
      hmac: undefined,
      gcm: new AesGcm(keys.encryptionKey),
      aeadSalt: keys.salt,
    };
  }
  return {
    counterMode: profile.cipher === 'NULL' ? undefined : new AesCounterMode(keys.encryptionKey, keys.salt),
    hmac: new HmacSha1(keys.authKey),
    gcm: undefined,
    aeadSalt: new Uint8Array(0),
  };
}

function checkBytes(packet: unknown, name: string): asserts packet is Uint8Array {
  if (!(packet instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (packet.length > MAX_SRTP_PACKET_LENGTH) {
    throw new RangeError(`${name} is longer than ${MAX_SRTP_PACKET_LENGTH} bytes (2^16 AES blocks)`);
  }
}

function checkSsrc(ssrc: number): void {
  if (!Number.isInteger(ssrc) || ssrc < 0 || ssrc > 0xffffffff) {
    throw new RangeError('ssrc must be an integer in [0, 2^32 - 1]');
  }
}

function checkOut(out: Uint8Array, outOffset: number, needed: number): void {
  if (!(out instanceof Uint8Array)) throw new TypeError('out must be a Uint8Array');
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + needed > out.length) {
    throw new RangeError(`out must have ${needed} bytes from outOffset`);
  }
}

function copyUnlessSame(packet: Uint8Array, out: Uint8Array, outOffset: number): void {
  if (out.buffer === packet.buffer && out.byteOffset + outOffset === packet.byteOffset) return;
  out.set(packet, outOffset);
}

function requireRtpHeader(buf: Uint8Array, base: number, length: number, name: string): number {
  const hl = rtpHeaderLength(buf, base, length);
  if (typeof hl === 'string') throw new RangeError(`${name}: not a valid RTP packet (${hl})`);
  return hl;
}

/** SSRCs in `tentative` that the session does not hold yet. */
function countNew(tentative: ReadonlyMap<number, unknown>, streams: ReadonlyMap<number, SrtpStream>): number {
  let count = 0;
  for (const ssrc of tentative.keys()) if (!streams.has(ssrc)) count++;
  return count;
}

/** The length to work on: the whole buffer, or an application-given prefix (validated: misuse throws). */
function checkPacketLength(packet: Uint8Array, packetLength: number | undefined): number {
  if (packetLength === undefined) return packet.length;
  if (!Number.isInteger(packetLength) || packetLength < 0 || packetLength > packet.length) {
    throw new RangeError('packetLength must be an integer in [0, packet.length]');
  }
  return packetLength;
}

function mkiMatches(packet: Uint8Array, at: number, mki: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < mki.length; i++) diff |= packet[at + i]! ^ mki[i]!;
  return diff === 0;
}
