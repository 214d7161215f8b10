/**
 * The hash functions in JavaScript, as the proof modules use them in browsers (@noble/hashes'
 * SHA-256 and the pure SM3): record proofs are checked with them on the page, and the hashing
 * worker falls back on them where WebAssembly is not allowed.
 */
import { browserSha256 } from '@shulian/proof/browser';
import type { DigestAlgorithm, HashFunction } from '@shulian/proof/hash';
import { sm3 } from '@shulian/proof/sm3';

export const HASHES: Readonly<Record<DigestAlgorithm, HashFunction>> = {
  sha256: browserSha256,
  sm3,
};
