import { type AesCmKernel, aesCmKernelStatus } from '../crypto/aes-counter-mode.js';
import { sha1KernelStatus } from '../crypto/hmac-sha1.js';
import { type GcmBuild, gcmEngineStatus } from '../gcm/aes-gcm.js';

/** The self-test of one hand-written kernel. */
export interface KernelSelfTest<Serves extends string> {
  /** The code that serves this primitive now. */
  readonly serves: Serves;
  /** The hand-written kernel that was checked on first use. */
  readonly checked: Serves;
  /** Whether it gave every known answer. When false, `serves` is node:crypto's own implementation. */
  readonly passed: boolean;
  /** The first disagreement, when there was one. */
  readonly failure?: string;
}

/** What `srtpSelfTest()` reports: one entry per hand-written kernel, and whether any fell back. */
export interface SrtpSelfTest {
  /** SHA-1 compression behind HMAC-SHA1 (SRTP/SRTCP authentication, RFC 3711 §4.2.1). */
  readonly sha1: KernelSelfTest<'javascript' | 'node-crypto'>;
  /** GHASH and the rest of AES-GCM around node's AES (RFC 7714). */
  readonly ghash: KernelSelfTest<GcmBuild>;
  /** The AES-CM keystream: counter blocks through AES-ECB (RFC 3711 §4.1.1). */
  readonly aesCm: KernelSelfTest<AesCmKernel>;
  /** True when any kernel disagreed with its known answers and node:crypto serves in its place. */
  readonly fellBack: boolean;
}

/**
 * The self-tests of the hand-written crypto, libsrtp-style: each kernel (SHA-1 compression,
 * GHASH in the build this runtime offers, the AES-CM keystream path) checks known answers from
 * FIPS 180-4, RFC 2202, the GCM specification and RFC 7714, and RFC 3711 once, on its first use
 * in this thread; one that disagrees is never used, and node:crypto's own implementation of that
 * primitive serves instead (slower, never wrong). Calling this runs any check not yet run. An
 * operator can log it at start-up, or alert on `fellBack`.
 */
export function srtpSelfTest(): SrtpSelfTest {
  const sha1 = sha1KernelStatus();
  const gcm = gcmEngineStatus();
  const aesCm = aesCmKernelStatus();
  const report: SrtpSelfTest = {
    sha1:
      sha1.serves === 'javascript'
        ? { serves: 'javascript', checked: 'javascript', passed: true }
        : { serves: 'node-crypto', checked: 'javascript', passed: false, failure: sha1.failure },
    ghash:
      gcm.failure === undefined
        ? { serves: gcm.engine.build, checked: gcm.checked, passed: true }
        : { serves: gcm.engine.build, checked: gcm.checked, passed: false, failure: gcm.failure },
    aesCm:
      aesCm.failure === undefined
        ? { serves: aesCm.serves, checked: 'ecb-counter-blocks', passed: true }
        : { serves: aesCm.serves, checked: 'ecb-counter-blocks', passed: false, failure: aesCm.failure },
    fellBack: false,
  };
  return { ...report, fellBack: !report.sha1.passed || !report.ghash.passed || !report.aesCm.passed };
}
