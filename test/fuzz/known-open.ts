import type { Finding } from './finding.js';

/**
 * Finding classes that are known and open: the fuzzer counts them apart from new findings, and the
 * short run in `pnpm test` does not fail on them. Each entry names the defect and its reproducer
 * in test/fuzz/findings. When a fix lands, delete its entry here and set its reproducers'
 * "status" to "fixed": from then on the short run and the reproducer replay enforce it.
 */
export interface KnownOpen {
  readonly id: string;
  readonly description: string;
  readonly matches: (f: Finding) => boolean;
  /**
   * Seen only by the watchdog of long runs, not replayable from an input (a race in native code):
   * no committed reproducer is required.
   */
  readonly nondeterministic?: true;
}

export const KNOWN_OPEN: readonly KnownOpen[] = [
  {
    id: 'reassembly-wedge',
    description:
      'a forged partial fragment at the message_seq the engine expects next shadows the genuine message until timeout',
    matches: (f) => f.kind === 'handshake-wedged',
  },
  {
    id: 'pre-planted-messages',
    description:
      'complete messages for a future message_seq, forged before the hello, end the handshake once it begins',
    matches: (f) => f.kind === 'handshake-ended-by-forgery',
  },
  {
    id: 'fingerprint-without-client-certificate',
    description:
      'with expectedFingerprint and requireClientCertificate false, a server connects without checking',
    matches: (f) =>
      f.kind === 'fingerprint-not-enforced' && /requireClientCertificate false/.test(f.signature),
  },
  {
    id: 'memory-per-forged-fragment',
    description: 'the reassembler allocates the declared message length on the first fragment',
    matches: (f) => f.kind === 'memory',
  },
  {
    id: 'record-sequence-overflow',
    description: 'a record numbered near 2^48 makes sealing the next flight (and its alert) throw',
    matches: (f) => f.kind === 'throw' && /record sequence number exhausted/.test(f.signature),
  },
  {
    id: 'x25519-jwk-deadlock',
    description: 'key generation and JWK export of an x25519 key share can deadlock the process under GC',
    matches: (f) => f.kind === 'hang',
    nondeterministic: true,
  },
];

export function knownOpen(f: Finding): KnownOpen | undefined {
  return KNOWN_OPEN.find((k) => k.matches(f));
}
