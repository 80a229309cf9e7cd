import type { SrtpKeyingMaterial } from './srtp-profiles.js';

/** The protocol version a connection negotiated. */
export type DtlsVersion = 'DTLS 1.2' | 'DTLS 1.3';

/** Why a connection ended. */
export type DtlsCloseReason =
  | 'close-notify'
  | 'alert-received'
  | 'alert-sent'
  | 'handshake-timeout'
  | 'local-close'
  /**
   * Our record sequence numbers of an epoch ran out: RFC 6347 §4.1 forbids wrapping them, so the
   * association ends without a further record (not even an alert, which would need a number).
   */
  | 'sequence-exhausted';

/** What the engine reports to its embedder through pollEvent(). */
export type DtlsEvent =
  | {
      readonly type: 'connected';
      readonly version: DtlsVersion;
      /** IANA name of the negotiated suite. */
      readonly cipherSuite: string;
      /** IANA name of the key exchange group, e.g. 'X25519MLKEM768' (DTLS 1.3 only). */
      readonly group?: string;
      /** Registry name of the negotiated DTLS-SRTP profile, when use_srtp was negotiated. */
      readonly srtpProfile?: string;
      /** SRTP master keys for our role (RFC 5764 §4.2), when use_srtp was negotiated. */
      readonly srtp?: SrtpKeyingMaterial;
      /** The peer's leaf certificate (DER), absent with PSK. */
      readonly peerCertificate?: Uint8Array;
      /** 'sha-256 AB:…' of the peer certificate. */
      readonly peerFingerprint?: string;
      /** From start() (client) or the first ClientHello (server) to connected. */
      readonly handshakeMs: number;
    }
  | { readonly type: 'data'; readonly data: Uint8Array }
  | {
      readonly type: 'alert';
      readonly level: 'warning' | 'fatal';
      readonly description: number;
      /** RFC name, e.g. 'bad_certificate'. */
      readonly name: string;
      /** true when we sent it, false when the peer did. */
      readonly sent: boolean;
    }
  | {
      readonly type: 'closed';
      readonly reason: DtlsCloseReason;
      /** The alert's RFC name when an alert ended the connection. */
      readonly alert?: string;
      readonly detail?: string;
    };

export type DtlsState = 'new' | 'handshaking' | 'connected' | 'closed';

/** Reasons input was dropped without effect; each has a counter in DtlsStats.drops. */
export const DROP_REASONS = [
  'truncated-record',
  'oversized-record',
  'bad-version',
  'bad-content-type',
  'unknown-epoch',
  'old-epoch',
  'replayed',
  'auth-failed',
  'future-epoch-buffer-full',
  'truncated-handshake',
  'inconsistent-fragment',
  'handshake-too-large',
  'handshake-out-of-window',
  'handshake-buffer-full',
  'handshake-too-many-ranges',
  'handshake-inconsistent',
  'bad-ccs',
  'bad-alert',
  'data-before-connected',
  'after-close',
  'not-started',
  'not-client-hello',
  'bad-cookie',
  'bad-client-hello',
  'bad-server-hello',
  'alert-before-peer',
  /** A ClientHello whose record number leaves too few for our answer in epoch 0 (RFC 6347 §4.1, §4.2.1). */
  'sequence-exhausted',
  /**
   * A handshake fragment for a later message_seq than the peer's hello, before that hello was
   * accepted (or a rival version of the hello left when it was): nothing planted before the hello is
   * kept past it.
   */
  'handshake-before-peer-hello',
] as const;
export type DtlsDropReason = (typeof DROP_REASONS)[number];

/** Counters of one engine; all start at 0. */
export interface DtlsStats {
  datagramsReceived: number;
  datagramsSent: number;
  recordsReceived: number;
  /** Flights re-sent, on timer expiry or on seeing the peer's previous flight again. */
  retransmissions: number;
  readonly drops: Record<DtlsDropReason, number>;
}

export function newStats(): DtlsStats {
  // One literal rather than a loop over DROP_REASONS: every engine gets the same fixed object
  // shape at once; `satisfies` keeps the keys in step with DROP_REASONS.
  const drops = {
    'truncated-record': 0,
    'oversized-record': 0,
    'bad-version': 0,
    'bad-content-type': 0,
    'unknown-epoch': 0,
    'old-epoch': 0,
    replayed: 0,
    'auth-failed': 0,
    'future-epoch-buffer-full': 0,
    'truncated-handshake': 0,
    'inconsistent-fragment': 0,
    'handshake-too-large': 0,
    'handshake-out-of-window': 0,
    'handshake-buffer-full': 0,
    'handshake-too-many-ranges': 0,
    'handshake-inconsistent': 0,
    'bad-ccs': 0,
    'bad-alert': 0,
    'data-before-connected': 0,
    'after-close': 0,
    'not-started': 0,
    'not-client-hello': 0,
    'bad-cookie': 0,
    'bad-client-hello': 0,
    'bad-server-hello': 0,
    'alert-before-peer': 0,
    'sequence-exhausted': 0,
    'handshake-before-peer-hello': 0,
  } satisfies Record<DtlsDropReason, number>;
  return { datagramsReceived: 0, datagramsSent: 0, recordsReceived: 0, retransmissions: 0, drops };
}

/** The sum of two sets of counters (a front that counted before handing over to a connection). */
export function sumStats(a: Readonly<DtlsStats>, b: Readonly<DtlsStats>): DtlsStats {
  const sum = newStats();
  for (const k of DROP_REASONS) sum.drops[k] = a.drops[k] + b.drops[k];
  sum.datagramsReceived = a.datagramsReceived + b.datagramsReceived;
  sum.datagramsSent = a.datagramsSent + b.datagramsSent;
  sum.recordsReceived = a.recordsReceived + b.recordsReceived;
  sum.retransmissions = a.retransmissions + b.retransmissions;
  return sum;
}
