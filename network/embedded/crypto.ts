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

export function verify(key: KeyObject, bytes: Uint8Array, signature: string): boolean {
  try {
    return timed('verify', () =>
      nodeVerify('sha256', bytes, key, Buffer.from(signature, 'base64')),
    );
  } catch {
    // A malformed DER signature is an invalid signature, not a crash of the validator.
    return false;
  }
}

export const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Buffer => Buffer.from(text, 'base64');
