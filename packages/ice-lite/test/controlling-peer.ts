import { parseIpAddress } from '../src/stun/address.js';
import { buildBindingSuccess } from '../src/stun/builder.js';
import { StunMessageType } from '../src/stun/constants.js';
import { HmacSha1Key, Sha1Workspace } from '../src/stun/hmac-sha1.js';
import { verifyFingerprint, verifyMessageIntegrity } from '../src/stun/integrity.js';
import { StunMessage } from '../src/stun/message.js';

/**
 * The browser's side of ICE towards our lite agent, as a full controlling agent answers (RFC 8445
 * §7.3): a Binding request whose USERNAME is "our-ufrag:their-ufrag" and whose MESSAGE-INTEGRITY
 * verifies with our password gets a success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY
 * and FINGERPRINT. Anything else gets nothing.
 */
export class ControllingPeer {
  private readonly key: HmacSha1Key;
  private readonly ws = new Sha1Workspace();
  private readonly msg = new StunMessage();
  /** Requests answered, and requests seen that it would not answer. */
  answered = 0;
  refused = 0;

  constructor(
    readonly ufrag: string,
    pwd: string,
  ) {
    this.key = new HmacSha1Key(new TextEncoder().encode(pwd), this.ws);
  }

  /** The answer to `datagram` if it is a request for this peer, received from `from` (our address). */
  answer(datagram: Uint8Array, from: { address: string; port: number }): Uint8Array | undefined {
    const m = this.msg;
    if (datagram.length === 0 || datagram[0]! > 3 || m.parse(datagram) !== 'ok') return undefined;
    if (m.type !== StunMessageType.BindingRequest) return undefined;
    const name = m.username();
    const ok =
      name?.startsWith(`${this.ufrag}:`) === true &&
      verifyFingerprint(m) &&
      verifyMessageIntegrity(m, this.key, this.ws) &&
      m.iceControlled &&
      !m.iceControlling &&
      !m.useCandidate;
    if (!ok) {
      this.refused++;
      return undefined;
    }
    this.answered++;
    return buildBindingSuccess(datagram, parseIpAddress(from.address)!, from.port, this.key, this.ws);
  }
}

/** True for a STUN Binding request (first byte 0..3 and the request type). */
export function isBindingRequest(d: Uint8Array): boolean {
  return d.length >= 20 && d[0] === 0x00 && d[1] === 0x01;
}
