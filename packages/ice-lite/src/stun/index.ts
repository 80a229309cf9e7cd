export * from './address.js';
export * from './builder.js';
export * from './constants.js';
export { crc32 } from './crc32.js';
export { HmacSha1Key, hmacSha1Into, Sha1Workspace } from './hmac-sha1.js';
export * from './integrity.js';
export * from './message.js';
