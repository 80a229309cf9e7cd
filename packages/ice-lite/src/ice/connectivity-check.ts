import { StunMessageBuilder } from '../stun/builder.js';
import { StunMessageType, TRANSACTION_ID_LENGTH } from '../stun/constants.js';
import type { HmacSha1Key, Sha1Workspace } from '../stun/hmac-sha1.js';
import type { RandomSource } from './credentials.js';

/**
 * Our own Binding requests (RFC 8445 §7.2.4 path validation, RFC 7675 consent freshness): the agent
 * is lite and never checks pairs to find them, but before it moves media to an address it asks that
 * address, and while media flows it keeps asking the selected one. Only an authenticated answer
 * from the address itself proves that the peer receives there; a check the peer sends proves only
 * that the sender knows the password, and its source can be spoofed.
 */

/** New transactions of one session start at least Ta apart (RFC 8445 §14.2, Ta = 50 ms). */
export const CHECK_PACING_MS = 50;
/** First retransmission timeout (RFC 8445 §14.3: RTO no lower than 500 ms for connectivity checks). */
export const CHECK_RTO_MS = 500;
/** Transmissions per transaction, the first included; the RTO doubles after each (RFC 8489 §6.2.1). */
export const CHECK_MAX_TRANSMISSIONS = 4;
/**
 * After the last transmission the transaction waits this many (doubled) RTOs before it fails (RFC
 * 8489's Rm, kept short: transmissions at 0, 0.5, 1.5 and 3.5 s, failure at 7.5 s, so an answer
 * lost four times costs a move, not a call, and the next check from the tuple asks again).
 */
export const CHECK_FINAL_WAIT_RTOS = 1;
/**
 * What we may send towards a tuple that has not answered one of our requests, per byte of valid
 * check received from it. With the check's own response (at most about its size) that keeps all
 * we send there within 3x what it sent (DESIGN: no more than 3x towards an unverified peer).
 */
export const UNVERIFIED_REQUEST_CREDIT = 2;
/** Consent requests go every interval x [0.8, 1.2] (RFC 7675 §5.1: randomized to avoid bursts). */
export const CONSENT_JITTER_MIN = 0.8;
export const CONSENT_JITTER_SPAN = 0.4;

/** PRIORITY of a peer-reflexive candidate on our host base, component 1 (RFC 8445 §5.1.2.1, §7.1.1). */
export const PEER_REFLEXIVE_PRIORITY = 110 * 2 ** 24 + 65535 * 2 ** 8 + (256 - 1);

export type CheckPurpose = 'validation' | 'consent';

/** One Binding request of ours in flight, retransmitted byte for byte (RFC 8489 §6.2.1). */
export interface OutgoingCheck {
  readonly purpose: CheckPurpose;
  readonly transactionId: Uint8Array;
  readonly bytes: Uint8Array;
  readonly startedAt: number;
  /** Transmissions made so far. */
  sent: number;
  /** When the next transmission is due, or, after the last, when the transaction fails. */
  nextAt: number;
  /** A transmission came due but the tuple's budget could not pay for it; the next check may. */
  owed: boolean;
  /** The remote password's key the request was signed with; its answer must verify with it. */
  key?: HmacSha1Key;
}

/** The remote side's credentials, from its SDP; our requests are authenticated with them. */
export interface RemoteCredentials {
  readonly ufrag: string;
  readonly key: HmacSha1Key;
}

/**
 * A Binding request from the controlled side (RFC 8445 §7.2.2, §7.1.1–7.1.3): USERNAME
 * "remote-ufrag:local-ufrag", PRIORITY, ICE-CONTROLLED with our tie-breaker, MESSAGE-INTEGRITY keyed
 * with the remote password, FINGERPRINT. No USE-CANDIDATE: only the controlling side nominates.
 */
export function buildCheckRequest(
  transactionId: Uint8Array,
  remote: RemoteCredentials,
  localUfrag: string,
  tieBreaker: bigint,
  ws: Sha1Workspace,
): Uint8Array {
  return new StunMessageBuilder(StunMessageType.BindingRequest, transactionId)
    .username(`${remote.ufrag}:${localUfrag}`)
    .priority(PEER_REFLEXIVE_PRIORITY)
    .iceControlled(tieBreaker)
    .finish({ sha1: { key: remote.key, workspace: ws }, fingerprint: true });
}

/** Starts a transaction: a fresh random transaction ID (RFC 8489 §6: 96 bits, uniformly random). */
export function newOutgoingCheck(
  purpose: CheckPurpose,
  rng: RandomSource,
  build: (transactionId: Uint8Array) => Uint8Array,
  now: number,
): OutgoingCheck {
  const transactionId = Uint8Array.from(rng(TRANSACTION_ID_LENGTH).subarray(0, TRANSACTION_ID_LENGTH));
  if (transactionId.length < TRANSACTION_ID_LENGTH)
    throw new RangeError('rng returned fewer bytes than asked');
  return {
    purpose,
    transactionId,
    bytes: build(transactionId),
    startedAt: now,
    sent: 0,
    nextAt: now,
    owed: false,
  };
}

/** Schedules what follows transmission number `check.sent` (just made or skipped): RTO 0.5, 1, 2 s, then failure. */
export function scheduleNext(check: OutgoingCheck, now: number): void {
  const rto = CHECK_RTO_MS * 2 ** (check.sent - 1);
  check.nextAt = now + (check.sent >= CHECK_MAX_TRANSMISSIONS ? CHECK_FINAL_WAIT_RTOS * rto : rto);
}

/** True when `bytes[8..20)` is this transaction's ID (not secret: compared plainly). */
export function matchesTransaction(check: OutgoingCheck, bytes: Uint8Array): boolean {
  const id = check.transactionId;
  for (let i = 0; i < TRANSACTION_ID_LENGTH; i++) if (bytes[8 + i] !== id[i]) return false;
  return true;
}

/** A uniform number in [0, 1) from 32 random bits. */
export function uniform(rng: RandomSource): number {
  const b = rng(4);
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
}

/** A 64-bit tie-breaker (RFC 8445 §7.1.3). */
export function randomTieBreaker(rng: RandomSource): bigint {
  const b = rng(8);
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}
