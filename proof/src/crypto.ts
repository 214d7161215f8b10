/**
 * The primitives verification needs, injected so the same checks run on node:crypto (./node.ts)
 * and in browsers (noble + WebCrypto, whose signature checks are asynchronous).
 */
import type { HashFunction } from './hash.js';

export interface ProofCrypto {
  sha256: HashFunction;
  sm3: HashFunction;
  /** ECDSA P-256 with SHA-256, DER signature; the key is an SPKI PEM or a PEM certificate. */
  verifyEcdsaP256(
    publicKeyOrCertificate: string,
    data: Uint8Array,
    signature: Uint8Array,
  ): boolean | Promise<boolean>;
  /** True when `certificate` (PEM) names and is signed by `caCertificate` (PEM). */
  verifyCertIssuedBy(certificate: string, caCertificate: string): boolean | Promise<boolean>;
}

/** The message of whatever was thrown, for a failure's text. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
