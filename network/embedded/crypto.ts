/**
 * The embedded network's cryptographic primitives: SHA-256 and ECDSA P-256 (DER signatures,
 * base64), as Fabric uses them. node:crypto only, so signing uses the CPU's native code.
 */
import { createHash, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { timed } from './metrics.js';

export const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
export const sha256Hex = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

export const sign = (key: KeyObject, bytes: Uint8Array): string =>
  timed('sign', () => nodeSign('sha256', bytes, key).toString('base64'));

/** sha256 of a public key's SPKI encoding: what names the key in the memo below. */
const keyIds = new WeakMap<KeyObject, Buffer>();
function keyId(key: KeyObject): Buffer {
  let id = keyIds.get(key);
  if (!id) {
    id = sha256(key.export({ format: 'der', type: 'spki' }));
    keyIds.set(key, id);
  }
  return id;
}

const VERIFIED_ENTRIES = 1 << 16;
/**
 * Triples (public key, message, signature) that verified, by a hash of all three.
 *
 * Every signature in a transaction is checked many times in this process: the client's by both
 * endorsers and by each of the four committing nodes, each endorsement by all four nodes. ECDSA
 * verification is a pure function of key, message and signature, so remembering that a triple
 * verified is not one node trusting another's state or judgement: each node still presents its
 * own key (from its own MSP check of the certificate), its own encoding of the message and the
 * signature it received, and gets true only if exactly that triple verified. The memo key is
 * SHA-256 over the key's id, the signature's length, the signature and the message, so no two
 * distinct triples share a preimage; finding two that share a digest means breaking SHA-256,
 * which the signatures already rely on. Only successes are kept (a failure is rare and is
 * re-checked), and the oldest entries are dropped past the bound.
 */
const verified = new Set<string>();

export function verify(key: KeyObject, bytes: Uint8Array, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(sig.length);
  const memoKey = createHash('sha256')
    .update(keyId(key))
    .update(length)
    .update(sig)
    .update(bytes)
    .digest('base64');
  if (verified.has(memoKey)) return true;
  let ok: boolean;
  try {
    ok = timed('verify', () => nodeVerify('sha256', bytes, key, sig));
  } catch {
    // A malformed DER signature is an invalid signature, not a crash of the validator.
    return false;
  }
  if (ok) {
    verified.add(memoKey);
    if (verified.size > VERIFIED_ENTRIES) verified.delete(verified.values().next().value as string);
  }
  return ok;
}

/** Whether a string survives UTF-8 unchanged (a lone surrogate has no UTF-8 form and is replaced). */
export const isUtf8Text = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;

export const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Buffer => Buffer.from(text, 'base64');
