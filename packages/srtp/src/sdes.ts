/**
 * SDP Security Descriptions (RFC 4568): the `a=crypto` attribute that carries SRTP master keys
 * in SDP, parsed into and formatted from SrtpSession options.
 *
 *   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64(key||salt)>|2^31|1:4 [session-params]
 *
 * Suite names come from the profile table (RFC 4568 §6.2, RFC 6188 §4, RFC 7714 §14.1).
 * MKI: a key with an MKI (`|value:length`) maps to the session's `mki` option, which writes the
 * MKI into every packet and requires it on input. One SrtpSession holds one master key; an offer
 * with several keys needs one session per key, chosen by the packet's MKI.
 */
import { findSrtpProfile, type SrtpProfileInfo } from './profile.js';
import type { SrtpSessionOptions } from './srtp-session.js';

export interface SdesKey {
  readonly masterKey: Uint8Array;
  readonly masterSalt: Uint8Array;
  /** Key lifetime in packets (`|2^31` or `|2147483648`), when given. */
  readonly lifetime?: number;
  /** Master Key Identifier, when given (`|1:4`: value 1 in 4 bytes). */
  readonly mki?: { readonly value: bigint; readonly length: number };
}

export interface SdesCryptoAttribute {
  /** Attribute tag (RFC 4568 §9.1), 1 to 999999999. */
  readonly tag: number;
  /** The profile table row of the crypto-suite. */
  readonly profile: SrtpProfileInfo;
  /** One or more keys (RFC 4568 §9.2: several `inline:` key-params separated by ';'). */
  readonly keys: readonly SdesKey[];
  /** Session parameters verbatim (e.g. 'UNENCRYPTED_SRTCP', 'KDR=0', 'WSH=128'). */
  readonly sessionParams: readonly string[];
}

export type SdesParseResult =
  | { readonly ok: true; readonly attribute: SdesCryptoAttribute }
  | { readonly ok: false; readonly error: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[0-9]{1,16}$/;

/**
 * Parses one `a=crypto` line (with or without the `a=` / `crypto:` prefix). The line comes from
 * the peer's SDP, so malformed input gives `{ ok: false, error }` rather than an exception.
 */
export function parseSdesCrypto(line: string): SdesParseResult {
  if (typeof line !== 'string') return fail('line is not a string');
  let text = line.trim();
  if (text.startsWith('a=')) text = text.slice(2);
  if (text.startsWith('crypto:')) text = text.slice(7);
  const fields = text.split(/[ \t]+/);
  if (fields.length < 3) return fail('expected "<tag> <crypto-suite> <key-params> [session-params]"');
  const [tagText, suite, keyParams, ...sessionParams] = fields as [string, string, string, ...string[]];
  if (!/^[0-9]{1,9}$/.test(tagText) || Number(tagText) === 0)
    return fail(`bad tag ${JSON.stringify(tagText)}`);
  const profile = findSrtpProfile(suite);
  if (profile === undefined) return fail(`unsupported crypto-suite ${JSON.stringify(suite)}`);
  const keys: SdesKey[] = [];
  for (const param of keyParams.split(';')) {
    const key = parseKeyParam(param, profile);
    if (typeof key === 'string') return fail(key);
    keys.push(key);
  }
  return { ok: true, attribute: { tag: Number(tagText), profile, keys, sessionParams } };
}

function parseKeyParam(param: string, profile: SrtpProfileInfo): SdesKey | string {
  if (!param.startsWith('inline:')) return `unsupported key-method in ${JSON.stringify(param)} (only inline)`;
  const [keySalt, ...rest] = param.slice(7).split('|') as [string, ...string[]];
  if (!BASE64.test(keySalt) || keySalt.length % 4 !== 0) return 'key-salt is not base64';
  const bytes = Buffer.from(keySalt, 'base64');
  if (bytes.length !== profile.keyLength + profile.saltLength) {
    return `key-salt is ${bytes.length} bytes; ${profile.sdesName} needs ${profile.keyLength + profile.saltLength}`;
  }
  let lifetime: number | undefined;
  let mki: { value: bigint; length: number } | undefined;
  for (const part of rest) {
    if (part.includes(':')) {
      if (mki !== undefined) return 'more than one MKI';
      const [valueText, lengthText] = part.split(':') as [string, string];
      if (!/^[0-9]{1,40}$/.test(valueText) || !/^[0-9]{1,3}$/.test(lengthText))
        return `bad MKI ${JSON.stringify(part)}`;
      const length = Number(lengthText);
      const value = BigInt(valueText);
      // RFC 4568 §9.2: MKI length 1 to 128 bytes; the value must fit in it.
      if (length < 1 || length > 128 || value >= 1n << BigInt(8 * length))
        return `bad MKI ${JSON.stringify(part)}`;
      mki = { value, length };
    } else {
      if (lifetime !== undefined || mki !== undefined)
        return `unexpected ${JSON.stringify(part)} in key-info`;
      const parsed = parseLifetime(part);
      if (parsed === undefined) return `bad lifetime ${JSON.stringify(part)}`;
      lifetime = parsed;
    }
  }
  const key: SdesKey = {
    masterKey: new Uint8Array(bytes.subarray(0, profile.keyLength)),
    masterSalt: new Uint8Array(bytes.subarray(profile.keyLength)),
    ...(lifetime === undefined ? {} : { lifetime }),
    ...(mki === undefined ? {} : { mki }),
  };
  return key;
}

function parseLifetime(text: string): number | undefined {
  let value: number;
  if (text.startsWith('2^')) {
    const exp = text.slice(2);
    if (!/^[0-9]{1,2}$/.test(exp)) return undefined;
    value = 2 ** Number(exp);
  } else {
    if (!DECIMAL.test(text)) return undefined;
    value = Number(text);
  }
  // RFC 3711 §9.2: no key protects more than 2^48 packets.
  return value >= 1 && value <= 2 ** 48 ? value : undefined;
}

/** Formats an `a=crypto` line (RFC 4568 §9.1). Throws naming the field for invalid input. */
export function formatSdesCrypto(attribute: {
  readonly tag: number;
  readonly profile: SrtpProfileInfo | string;
  readonly keys: readonly SdesKey[];
  readonly sessionParams?: readonly string[];
}): string {
  const { tag } = attribute;
  if (!Number.isInteger(tag) || tag < 1 || tag > 999999999)
    throw new RangeError('tag must be an integer in [1, 999999999]');
  const profile =
    typeof attribute.profile === 'string' ? findSrtpProfile(attribute.profile) : attribute.profile;
  if (profile === undefined)
    throw new RangeError(`profile: unknown crypto-suite ${JSON.stringify(attribute.profile)}`);
  if (!Array.isArray(attribute.keys) || attribute.keys.length === 0)
    throw new RangeError('keys must hold at least one key');
  const params = attribute.keys.map((key, i) => {
    if (!(key.masterKey instanceof Uint8Array) || key.masterKey.length !== profile.keyLength) {
      throw new RangeError(`keys[${i}].masterKey must be ${profile.keyLength} bytes for ${profile.sdesName}`);
    }
    if (!(key.masterSalt instanceof Uint8Array) || key.masterSalt.length !== profile.saltLength) {
      throw new RangeError(
        `keys[${i}].masterSalt must be ${profile.saltLength} bytes for ${profile.sdesName}`,
      );
    }
    let text = `inline:${Buffer.concat([key.masterKey, key.masterSalt]).toString('base64')}`;
    if (key.lifetime !== undefined) {
      const l = key.lifetime;
      if (!Number.isInteger(l) || l < 1 || l > 2 ** 48)
        throw new RangeError(`keys[${i}].lifetime must be in [1, 2^48]`);
      const exp = Math.log2(l);
      text += Number.isInteger(exp) ? `|2^${exp}` : `|${l}`;
    }
    if (key.mki !== undefined) {
      const { value, length } = key.mki;
      if (
        !Number.isInteger(length) ||
        length < 1 ||
        length > 128 ||
        value < 0n ||
        value >= 1n << BigInt(8 * length)
      ) {
        throw new RangeError(`keys[${i}].mki must have a length in [1, 128] bytes and a value that fits it`);
      }
      text += `|${value}:${length}`;
    }
    return text;
  });
  const session = attribute.sessionParams?.length ? ` ${attribute.sessionParams.join(' ')}` : '';
  return `a=crypto:${tag} ${profile.sdesName} ${params.join(';')}${session}`;
}

/**
 * SrtpSession options for one key of a parsed attribute. Throws for what this SRTP
 * implementation does not do: a non-zero key derivation rate (KDR), UNENCRYPTED_SRTP,
 * UNAUTHENTICATED_SRTP, or an MKI longer than 16 bytes. UNENCRYPTED_SRTCP sets `unencryptedSrtcp`;
 * the key's lifetime becomes `keyLifetime`.
 */
export function sdesSessionOptions(attribute: SdesCryptoAttribute, keyIndex = 0): SrtpSessionOptions {
  const key = attribute.keys[keyIndex];
  if (key === undefined)
    throw new RangeError(`keyIndex ${keyIndex} is out of range (${attribute.keys.length} keys)`);
  let unencryptedSrtcp = false;
  for (const param of attribute.sessionParams) {
    if (param === 'UNENCRYPTED_SRTCP') unencryptedSrtcp = true;
    else if (param === 'UNENCRYPTED_SRTP' || param === 'UNAUTHENTICATED_SRTP') {
      throw new RangeError(`sessionParams: ${param} is not supported`);
    } else if (param.startsWith('KDR=') && param !== 'KDR=0') {
      throw new RangeError(`sessionParams: ${param} is not supported (key_derivation_rate 0 only)`);
    }
  }
  let mki: Uint8Array | undefined;
  if (key.mki !== undefined) {
    if (key.mki.length > 16) throw new RangeError('mki: MKIs longer than 16 bytes are not supported');
    mki = new Uint8Array(key.mki.length);
    let v = key.mki.value;
    for (let i = key.mki.length - 1; i >= 0; i--) {
      mki[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  return {
    profile: attribute.profile.name,
    masterKey: key.masterKey,
    masterSalt: key.masterSalt,
    ...(mki === undefined ? {} : { mki }),
    ...(unencryptedSrtcp ? { unencryptedSrtcp } : {}),
    ...(key.lifetime === undefined ? {} : { keyLifetime: key.lifetime }),
  };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
