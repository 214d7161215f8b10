/**
 * node:crypto implementations of the proof module's injected primitives. Node-only: the browser
 * build uses ./browser.ts instead. Parsed keys and certificate-chain results are cached because a
 * verifier sees the same few department certificates in every bundle, and parsing a certificate
 * costs more than checking a signature.
 */
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { ProofCrypto } from './bundle.js';
import type { DigestAlgorithm, HashFunction } from './hash.js';

function nodeHash(algorithm: DigestAlgorithm): HashFunction {
  return {
    algorithm,
    create() {
      const h = createHash(algorithm);
      const incremental = {
        update(data: Uint8Array) {
          h.update(data);
          return incremental;
        },
        digest: (): Uint8Array => h.digest(),
      };
      return incremental;
    },
  };
}

export const nodeSha256 = nodeHash('sha256');
export const nodeSm3 = nodeHash('sm3');

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

/** A PEM certificate yields its subject key; anything else is read as an SPKI public key. */
const publicKey = memo(CACHE_LIMIT, (pem): KeyObject =>
  pem.includes('BEGIN CERTIFICATE') ? certificate(pem).publicKey : createPublicKey(pem),
);

const issuedBy = memo(CACHE_LIMIT * 4, (pair): boolean => {
  const [cert, ca] = JSON.parse(pair) as [string, string];
  const subject = certificate(cert);
  const issuer = certificate(ca);
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
});

export const nodeProofCrypto: ProofCrypto = {
  sha256: nodeSha256,
  sm3: nodeSm3,
  verifyEcdsaP256(publicKeyOrCertificate, data, signature) {
    const key = publicKey(publicKeyOrCertificate);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new TypeError('not a P-256 key');
    }
    return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  },
  verifyCertIssuedBy: (cert, caCertificate) => issuedBy(JSON.stringify([cert, caCertificate])),
};
