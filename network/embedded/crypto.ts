/**
 * The embedded network's cryptographic primitives: SHA-256 and ECDSA P-256 (DER signatures,
 * base64), as Fabric uses them. node:crypto only, so signing uses the CPU's native code.
 */
import {
  createHash,
  hash,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { timed } from './metrics.js';

// One-shot hashes: no Hash object per call (a transaction hashes about fifteen messages, #18).
export const sha256 = (bytes: Uint8Array): Buffer => hash('sha256', bytes, 'buffer');
export const sha256Hex = (bytes: Uint8Array): string => hash('sha256', bytes, 'hex');

/**
 * hex sha256 of `first` then the UTF-8 of `text`, without joining them in one buffer first: the
 * transaction id's derivation (nonce, then the creator's certificate), done seven times per
 * transaction (#18).
 */
export const sha256HexOf = (first: Uint8Array, text: string): string =>
  createHash('sha256').update(first).update(text, 'utf8').digest('hex');

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

/** A triple that verified: the signature (the map's key), the key's id and a copy of the message. */
interface Verified {
  key: Buffer;
  message: Buffer;
}

const VERIFIED_ENTRIES = 1 << 16;
/** Bound on the messages kept (a transaction's signed parts are up to a few KB each). */
const VERIFIED_BYTES = 16 * 1024 * 1024;
/**
 * Triples (public key, message, signature) that verified, by signature text.
 *
 * Every signature in a transaction is checked many times in this process: the client's by both
 * endorsers and by each of the four committing nodes, each endorsement by all four nodes. ECDSA
 * verification is a pure function of key, message and signature, so remembering that a triple
 * verified is not one node trusting another's state or judgement: each node still presents its
 * own key (from its own MSP check of the certificate), its own encoding of the message and the
 * signature it received, and gets true only if exactly that triple verified: the same signature
 * text, a key with the same SPKI digest and a message equal byte for byte to the copy kept here
 * (a comparison, not a hash of the message: hashing up to 3.7 KB per check cost more than the
 * comparison saves, #18). Only successes are kept (a failure is rare and is re-checked), and the
 * oldest entries are dropped past the bounds.
 *
 * The memo can be turned off, so that every check is executed as each node would on its own
 * machine: SHULIAN_VERIFY_MEMO=0 in the environment, or setVerifyMemo(false).
 */
const verified = new Map<string, Verified>();
let verifiedBytes = 0;
let memo = process.env.SHULIAN_VERIFY_MEMO !== '0';
const counts = { calls: 0, executed: 0 };

/** Turns the verified-signature memo on or off for this process (off also forgets it). */
export function setVerifyMemo(on: boolean): void {
  memo = on;
  if (!on) {
    verified.clear();
    verifiedBytes = 0;
  }
}

export const verifyMemoEnabled = (): boolean => memo;

/** Signature checks asked for and executed (the rest answered by the memo) since the last reset. */
export function verifyCounts(reset = false): { calls: number; executed: number } {
  const now = { ...counts };
  if (reset) {
    counts.calls = 0;
    counts.executed = 0;
  }
  return now;
}

function remember(signature: string, key: Buffer, bytes: Uint8Array): void {
  const old = verified.get(signature);
  if (old) {
    verifiedBytes -= old.message.length;
    verified.delete(signature);
  }
  const message = Buffer.from(bytes); // a copy: the caller's array stays the caller's
  verified.set(signature, { key, message });
  verifiedBytes += message.length;
  while (verified.size > VERIFIED_ENTRIES || verifiedBytes > VERIFIED_BYTES) {
    const [oldest, entry] = verified.entries().next().value as [string, Verified];
    verified.delete(oldest);
    verifiedBytes -= entry.message.length;
  }
}

export function verify(key: KeyObject, bytes: Uint8Array, signature: string): boolean {
  counts.calls += 1;
  if (memo) {
    const hit = verified.get(signature);
    if (hit && hit.message.equals(bytes) && hit.key.equals(keyId(key))) return true;
  }
  counts.executed += 1;
  let ok: boolean;
  try {
    ok = timed('verify', () => nodeVerify('sha256', bytes, key, Buffer.from(signature, 'base64')));
  } catch {
    // A malformed DER signature is an invalid signature, not a crash of the validator.
    return false;
  }
  if (ok && memo) remember(signature, keyId(key), bytes);
  return ok;
}

/** Whether a string survives UTF-8 unchanged (a lone surrogate has no UTF-8 form and is replaced). */
export const isUtf8Text = (s: string): boolean => Buffer.from(s, 'utf8').toString('utf8') === s;

export const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Buffer => Buffer.from(text, 'base64');
