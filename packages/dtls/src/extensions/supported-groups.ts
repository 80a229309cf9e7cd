import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { readUint16List, writeUint16List } from './uint16-list.js';

/** supported_groups: `NamedGroup named_group_list<2..2^16-1>` (RFC 8422 §5.1.1, RFC 7919 §2). */
export function decodeSupportedGroups(data: Uint8Array): number[] {
  const r = new Reader(data);
  const groups = readUint16List(r, 2, 'named_group_list', 2, 0xffff);
  r.expectEnd('supported_groups');
  return groups;
}

export function encodeSupportedGroups(groups: readonly number[]): Uint8Array {
  if (groups.length === 0) throw new RangeError('supported_groups: at least one group is required');
  const w = new Writer(2 + 2 * groups.length);
  writeUint16List(w, 2, groups, 'supported_groups');
  return w.finish();
}
