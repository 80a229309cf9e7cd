import { AesGcmReference } from './aes-gcm-reference.js';

/**
 * AES-GCM for SRTP (RFC 7714): 96-bit IV, 128-bit tag, in place on data[start, end).
 * This version delegates to node:crypto per call; the API is final.
 */
export class AesGcm extends AesGcmReference {}
