import type { CipherSuite } from '../cipher-suites.js';
import { type HashName, prf } from './prf.js';

/** Length of every TLS 1.2 master secret (RFC 5246 §8.1). */
export const MASTER_SECRET_LENGTH = 48;
/** Length of Finished.verify_data for the TLS 1.2 cipher suites we implement (RFC 5246 §7.4.9). */
export const VERIFY_DATA_LENGTH = 12;

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkRandom(name: string, r: Uint8Array): void {
  if (r.length !== 32) throw new RangeError(`${name} must be 32 bytes, got ${r.length}`);
}

/** master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47] (RFC 5246 §8.1). */
export function computeMasterSecret(
  hash: HashName,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  checkRandom('clientRandom', clientRandom);
  checkRandom('serverRandom', serverRandom);
  return prf(
    hash,
    preMasterSecret,
    'master secret',
    concat(clientRandom, serverRandom),
    MASTER_SECRET_LENGTH,
  );
}

/**
 * The extended master secret (RFC 7627 §4): bound to the transcript hash of
 * every handshake message up to and including ClientKeyExchange, so that two
 * sessions with the same pre-master secret cannot share a master secret.
 */
export function computeExtendedMasterSecret(
  hash: HashName,
  preMasterSecret: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  return prf(hash, preMasterSecret, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

export interface KeyBlock {
  readonly clientWriteKey: Uint8Array;
  readonly serverWriteKey: Uint8Array;
  readonly clientWriteIv: Uint8Array;
  readonly serverWriteIv: Uint8Array;
}

/**
 * key_block = PRF(master_secret, "key expansion", server_random + client_random)
 * (RFC 5246 §6.3; note the randoms in the opposite order from the master
 * secret). AEAD suites have no MAC keys, so the block is
 * client key, server key, client IV, server IV.
 */
export function expandKeyBlock(
  suite: CipherSuite,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): KeyBlock {
  checkRandom('clientRandom', clientRandom);
  checkRandom('serverRandom', serverRandom);
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  const block = prf(
    suite.prfHash,
    masterSecret,
    'key expansion',
    concat(serverRandom, clientRandom),
    2 * k + 2 * iv,
  );
  return {
    clientWriteKey: block.subarray(0, k),
    serverWriteKey: block.subarray(k, 2 * k),
    clientWriteIv: block.subarray(2 * k, 2 * k + iv),
    serverWriteIv: block.subarray(2 * k + iv, 2 * k + 2 * iv),
  };
}

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function computeVerifyData(
  hash: HashName,
  masterSecret: Uint8Array,
  label: 'client finished' | 'server finished',
  handshakeHash: Uint8Array,
): Uint8Array {
  if (label !== 'client finished' && label !== 'server finished')
    throw new RangeError(`label must be 'client finished' or 'server finished', got ${String(label)}`);
  return prf(hash, masterSecret, label, handshakeHash, VERIFY_DATA_LENGTH);
}

/**
 * Labels the exporter must refuse because the TLS PRF itself uses them
 * (RFC 5705 §4: exporter labels must not collide with labels of the
 * handshake; RFC 7627 adds "extended master secret").
 */
const RESERVED_EXPORTER_LABELS: ReadonlySet<string> = new Set([
  'client finished',
  'server finished',
  'master secret',
  'key expansion',
  'extended master secret',
]);

/**
 * RFC 5705 §4 keying material exporter:
 *   PRF(master_secret, label, client_random + server_random [+ uint16 context_length + context])
 * A zero-length context is distinct from no context.
 */
export function exportKeyingMaterial(
  hash: HashName,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  if (typeof label !== 'string' || label.length === 0)
    throw new TypeError('label must be a non-empty string');
  if (RESERVED_EXPORTER_LABELS.has(label))
    throw new RangeError(`label '${label}' is reserved by TLS (RFC 5705 §4)`);
  if (!Number.isInteger(length) || length <= 0 || length > 0xffff)
    throw new RangeError(`length must be an integer in 1..65535, got ${length}`);
  checkRandom('clientRandom', clientRandom);
  checkRandom('serverRandom', serverRandom);
  let seed: Uint8Array;
  if (context === undefined) {
    seed = concat(clientRandom, serverRandom);
  } else {
    if (context.length > 0xffff)
      throw new RangeError(`context must be at most 65535 bytes, got ${context.length}`);
    seed = concat(
      clientRandom,
      serverRandom,
      Uint8Array.of(context.length >>> 8, context.length & 0xff),
      context,
    );
  }
  return prf(hash, masterSecret, label, seed, length);
}

/**
 * Plain PSK pre-master secret (RFC 4279 §2): uint16 N, N zero bytes,
 * uint16 N, the PSK itself (N = PSK length).
 */
export function pskPreMasterSecret(psk: Uint8Array): Uint8Array {
  const n = psk.length;
  if (n === 0 || n > 0xffff) throw new RangeError(`psk must be 1..65535 bytes, got ${n}`);
  const out = new Uint8Array(4 + 2 * n);
  out[0] = n >>> 8;
  out[1] = n & 0xff;
  out[2 + n] = n >>> 8;
  out[3 + n] = n & 0xff;
  out.set(psk, 4 + n);
  return out;
}
