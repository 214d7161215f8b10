/**
 * Data subjects' signatures: ECDSA P-256 with SHA-256 over the canonical JSON of a statement,
 * the signature in IEEE P1363 form (r‖s, 64 bytes), which is what WebCrypto produces. Verifying
 * is deterministic, so every endorser reaches the same answer; nothing here signs.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ErrorCode } from '../constants.js';
import { canonicalBytes } from './canonical.js';
import { ChaincodeError } from './errors.js';

/** A P-256 public key from its SPKI DER in base64, or INVALID_ARGUMENT saying what is wrong. */
export function p256PublicKey(spkiBase64: string, path = 'publicKey'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `${path} is not a SubjectPublicKeyInfo (DER, base64) public key`,
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, `${path} must be a P-256 (ECDSA) key`);
  }
  return key;
}

/** SHA-256 of the key's SPKI DER, hex: one canonical name per key, whatever its base64. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

/** Re-encodes the key canonically, so the stored text always matches keyId. */
export function spkiBase64(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

/** Whether `signatureBase64` is the holder of `spkiBase64`'s signature over `payload`. */
export function verifiesSubject(
  spkiBase64Key: string,
  payload: unknown,
  signatureBase64: string,
): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length !== 64) return false;
  return verify(
    'sha256',
    canonicalBytes(payload),
    { key: p256PublicKey(spkiBase64Key), dsaEncoding: 'ieee-p1363' },
    signature,
  );
}

/** `AUTH-` + SHA-256 of the signed terms' canonical JSON. */
export function authorisationIdOf(terms: unknown): string {
  return `AUTH-${createHash('sha256').update(canonicalBytes(terms)).digest('hex')}`;
}

/** `DLG-` + SHA-256 of the signed delegation terms' canonical JSON. */
export function delegationIdOf(terms: unknown): string {
  return `DLG-${createHash('sha256').update(canonicalBytes(terms)).digest('hex')}`;
}
