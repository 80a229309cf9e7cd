/** The remote side of a 5-tuple on our one socket (protocol UDP and the local address are implied). */
export interface TransportTuple {
  readonly address: string;
  readonly port: number;
}

/** Map key for a remote address and port. */
export function tupleKey(address: string, port: number): string {
  return `${address}|${port}`;
}
