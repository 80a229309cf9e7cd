import { isIP } from 'node:net';
import { crc32 } from '../stun/crc32.js';

/** A local host candidate (RFC 8445 §5.1.1.1) for SDP (RFC 8839 §5.1). */
export interface IceCandidate {
  readonly foundation: string;
  readonly component: number;
  readonly transport: 'udp';
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: 'host';
}

/** Type preference for host candidates (RFC 8445 §5.1.2.2). */
const HOST_TYPE_PREFERENCE = 126;

/**
 * Host candidates for the addresses a socket listens on. Priority per RFC 8445 §5.1.2.1 with the
 * local preference favouring IPv6 over IPv4 (RFC 8421 §4) and, within a family, the order given.
 * Foundation per §5.1.1.3: equal for the same type, base address and transport, so derived from those.
 */
export function hostCandidates(
  addresses: ReadonlyArray<{ address: string; port: number }>,
  component = 1,
): IceCandidate[] {
  if (!Number.isInteger(component) || component < 1 || component > 256) {
    throw new RangeError('component must be 1..256');
  }
  return addresses.map(({ address, port }, index) => {
    const family = isIP(address);
    if (family === 0) throw new RangeError(`addresses[${index}].address is not an IP address`);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new RangeError(`addresses[${index}].port must be 1..65535`);
    const localPreference = (family === 6 ? 65535 : 65535 - 1024) - index;
    const priority = HOST_TYPE_PREFERENCE * 2 ** 24 + localPreference * 2 ** 8 + (256 - component);
    const foundation = crc32(new TextEncoder().encode(`host/udp/${address}`)).toString(36);
    return { foundation, component, transport: 'udp', priority, address, port, type: 'host' };
  });
}

/** The candidate-attribute value (without "a="), RFC 8839 §5.1. */
export function candidateToSdp(c: IceCandidate): string {
  return `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
}
