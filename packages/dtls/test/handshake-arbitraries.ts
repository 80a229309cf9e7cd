import fc from 'fast-check';
import type { Extension } from '../src/extensions/extension-list.js';

/** fast-check generators for the handshake codecs' typed structures, shared by the round-trip tests. */

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const bytes = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength });
export const random32 = bytes(32, 32);

export const extensionList: fc.Arbitrary<Extension[]> = fc.uniqueArray(
  fc.record({ type: u16, data: bytes(0, 40) }, { noNullPrototype: true }),
  { selector: (e) => e.type, maxLength: 8 },
);

export const optionalExtensions = fc.option(extensionList, { nil: undefined });
