/**
 * node:crypto implementations of the proof module's injected primitives. Node-only: the browser
 * build uses ./browser.ts instead. Parsed keys and certificate-chain results are cached because a
 * verifier sees the same few department certificates in every bundle, and parsing a certificate
 * costs more than checking a signature.
 */
import {
  createCipheriv,
  createHash,
  hash as oneShot,
  createPublicKey,
  verify,
  X509Certificate,
  type Hash,
  type KeyObject,
} from 'node:crypto';
import type { ProofCrypto } from './crypto.js';
import type { DigestAlgorithm, HashFunction, IncrementalHash } from './hash.js';
import type { BlockCipher, RecordScheme } from './leaves-v3.js';

function wrap(h: Hash): IncrementalHash {
  const incremental: IncrementalHash = {
    update(data) {
      h.update(data);
      return incremental;
    },
    digest: () => h.digest(),
    copy: () => wrap(h.copy()),
  };
  return incremental;
}

const nodeHash = (algorithm: DigestAlgorithm): HashFunction => ({
  algorithm,
  create: () => wrap(createHash(algorithm)),
  digest: (data) => oneShot(algorithm, data, 'buffer'),
});

export const nodeSha256 = nodeHash('sha256');
export const nodeSm3 = nodeHash('sm3');

/** The node:crypto hash of each digest algorithm a dataset may use. */
export const nodeHashes: Readonly<Record<DigestAlgorithm, HashFunction>> = {
  sha256: nodeSha256,
  sm3: nodeSm3,
};

/** Whole blocks, each on its own (ECB): version 3 record salts, ./leaves-v3.ts. */
const blockCipher =
  (name: string): BlockCipher =>
  (key, blocks) => {
    const cipher = createCipheriv(name, key, null).setAutoPadding(false);
    const out = cipher.update(blocks);
    cipher.final(); // nothing more: the input is whole blocks
    return out;
  };

/** The record salts' cipher beside each digest algorithm: AES-128 with SHA-256, SM4 with SM3. */
export const nodeBlockCiphers: Readonly<Record<DigestAlgorithm, BlockCipher>> = {
  sha256: blockCipher('aes-128-ecb'),
  sm3: blockCipher('sm4-ecb'),
};

/** The scheme records are anchored in now (leaf version 3) for a dataset of `algorithm`. */
export const anchoringScheme = (
  algorithm: DigestAlgorithm,
): Extract<RecordScheme, { version: 3 }> => ({
  version: 3,
  cipher: nodeBlockCiphers[algorithm],
});

/** A small cache that forgets everything when full: bounded memory, no eviction bookkeeping. */
function memo<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= limit) cache.clear();
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}

const CACHE_LIMIT = 1024;

const certificate = memo(CACHE_LIMIT, (pem) => new X509Certificate(pem));

/**
 * A PEM certificate yields its subject key; anything else is read as an SPKI public key. Whether
 * it is a P-256 key is decided once, with the parse, not on every signature.
 */
const p256Key = memo(CACHE_LIMIT, (pem): KeyObject | Error => {
  const key = pem.includes('BEGIN CERTIFICATE') ? certificate(pem).publicKey : createPublicKey(pem);
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
    ? key
    : new TypeError('not a P-256 key');
});

/**
 * The KeyObject itself, not `{ key, dsaEncoding: 'der' }`: DER is node's default, and the options
 * object cost 8 µs per signature (about 15%) in its argument handling.
 */
function verifierKey(pem: string): KeyObject {
  const key = p256Key(pem);
  if (key instanceof Error) throw key;
  return key;
}

/** Chain results by CA then certificate: no key building on the hot path. */
const chains = new Map<string, Map<string, boolean>>();

/**
 * Whether PEM `cert` was issued by PEM `ca` (name chaining and signature), cached per pair: a
 * verifier and a gateway see the same few certificates again and again.
 */
export function certIssuedBy(cert: string, ca: string): boolean {
  let byCert = chains.get(ca);
  if (!byCert) {
    if (chains.size >= CACHE_LIMIT) chains.clear();
    chains.set(ca, (byCert = new Map<string, boolean>()));
  }
  let result = byCert.get(cert);
  if (result === undefined) {
    const subject = certificate(cert);
    const issuer = certificate(ca);
    result = subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
    if (byCert.size >= CACHE_LIMIT) byCert.clear();
    byCert.set(cert, result);
  }
  return result;
}

export const nodeProofCrypto: ProofCrypto = {
  ...nodeHashes,
  /**
   * The callback form runs in libuv's thread pool: a bundle's four signatures, and concurrent
   * bundles, verify in parallel across cores instead of queueing on the event loop.
   */
  verifyEcdsaP256(publicKeyOrCertificate, data, signature) {
    const key = verifierKey(publicKeyOrCertificate);
    return new Promise((resolve, reject) =>
      verify('sha256', data, key, signature, (error, ok) => (error ? reject(error) : resolve(ok))),
    );
  },
  verifyCertIssuedBy: certIssuedBy,
};

/**
 * Signatures checked on the calling thread: for worker threads (./pool.ts), where a hop to
 * libuv's pool would only add its overhead (about 10 µs of CPU per signature) to a busy core.
 */
export const nodeProofCryptoSync: ProofCrypto = {
  ...nodeProofCrypto,
  verifyEcdsaP256: (publicKeyOrCertificate, data, signature) =>
    verify('sha256', data, verifierKey(publicKeyOrCertificate), signature),
};
