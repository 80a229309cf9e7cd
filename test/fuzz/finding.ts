/**
 * What a fuzz target reports for one input. A finding names an invariant that broke; its `kind`
 * is the class it is counted and deduplicated under, `detail` the evidence.
 */
export type FindingKind =
  /** An exception left the engine, the router or the transport. */
  | 'throw'
  /** Connected to a peer whose certificate does not have the expected fingerprint (or none). */
  | 'fingerprint-not-enforced'
  /** Both sides connected with different keys: a handshake was completed with someone in between. */
  | 'key-mismatch'
  /** Datagrams forged before the peer's hello was accepted kept the genuine handshake from completing. */
  | 'handshake-wedged'
  /** Datagrams forged before the peer's hello was accepted ended the genuine handshake. */
  | 'handshake-ended-by-forgery'
  /** Memory held after forged input beyond the bound for the bytes received. */
  | 'memory'
  /** A handshake neither completed nor timed out by its deadline. */
  | 'no-termination'
  /** The engine kept asking to run (zero timeouts or endless output) beyond the step budget. */
  | 'busy-loop'
  /** One input took longer than the wall-clock bound (the process still answered). */
  | 'slow'
  /** The process stopped answering: killed by the watchdog. */
  | 'hang'
  /** A table (tuples, sessions) outgrew its bound. */
  | 'unbounded-table'
  /** More than 3x the bytes received from an unverified address were sent to it. */
  | 'amplification';

export interface Finding {
  readonly kind: FindingKind;
  /** A short signature within the kind (an error message without numbers, a counter name). */
  readonly signature: string;
  readonly detail: string;
}

/** What one input did, for the counts the runner prints. */
export interface Verdict {
  readonly findings: readonly Finding[];
  /** Whether the engine under test reached `connected`. */
  readonly connected: boolean;
  /** The input asked for a configuration the engine refuses (API misuse): not run. */
  readonly refused?: boolean;
}

/** The class a finding is counted under: kind plus signature. */
export function findingClass(f: Finding): string {
  return f.signature ? `${f.kind}: ${f.signature}` : f.kind;
}

/** An error's first line with numbers blanked, so one cause gives one signature. */
export function errorSignature(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 160);
}

export function errorDetail(e: unknown): string {
  return e instanceof Error ? (e.stack ?? String(e)).split('\n').slice(0, 8).join('\n') : String(e);
}
