import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { checkUint16, readUint16List, writeUint16List } from './uint16-list.js';

/**
 * supported_versions (RFC 8446 §4.2.1). A DTLS 1.2 server reads the client
 * form only to see that DTLS 1.3 is offered and then negotiates 1.2 through
 * the legacy client_version (RFC 8446 §4.2.1: servers that do not implement
 * 1.3 ignore this extension).
 *   client: ProtocolVersion versions<2..254>;
 *   server: ProtocolVersion selected_version;
 */
export function decodeClientSupportedVersions(data: Uint8Array): number[] {
  const r = new Reader(data);
  const versions = readUint16List(r, 1, 'supported_versions', 2, 254);
  r.expectEnd('supported_versions');
  return versions;
}

export function encodeClientSupportedVersions(versions: readonly number[]): Uint8Array {
  if (versions.length === 0 || versions.length > 127)
    throw new RangeError(`supported_versions: ${versions.length} versions, expected 1..127`);
  const w = new Writer(1 + 2 * versions.length);
  writeUint16List(w, 1, versions, 'supported_versions');
  return w.finish();
}

export function decodeServerSupportedVersion(data: Uint8Array): number {
  const r = new Reader(data);
  const version = r.u16('selected_version');
  r.expectEnd('supported_versions');
  return version;
}

export function encodeServerSupportedVersion(version: number): Uint8Array {
  return new Writer(2).u16(checkUint16(version, 'selected_version')).finish();
}
