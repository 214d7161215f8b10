/**
 * The embedded engine's SHA-256 helpers are one-shot hashes, and the transaction id is hashed
 * from its two parts without joining them (#18). The references are the forms they replaced:
 * a Hash object over the bytes, and over Buffer.concat of nonce and certificate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from '../../network/embedded/crypto.js';
import { txIdFor } from '../../network/embedded/proposal.js';

const reference = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

describe('SHA-256 helpers', () => {
  it('hash exactly the bytes of a view, whatever its offset and length', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1000, 70_000]) {
      const backing = randomBytes(length + 16);
      for (const view of [
        backing.subarray(0, length),
        backing.subarray(7, 7 + length),
        new Uint8Array(backing.buffer, backing.byteOffset + 16, length),
      ]) {
        expect(sha256(view).equals(reference(view))).toBe(true);
        expect(sha256Hex(view)).toBe(reference(view).toString('hex'));
      }
    }
  });

  it('derive transaction ids as hex(sha256(nonce || certificate)), as before', () => {
    const certificates = [
      '',
      'x',
      `-----BEGIN CERTIFICATE-----\n${randomBytes(600).toString('base64')}\n`,
    ];
    certificates.push('证书 é \u{1f600}', 'lone \ud800 surrogate');
    for (const nonce of ['', randomBytes(24).toString('base64'), 'not base64!', 'YQ', 'YQ==']) {
      for (const certificate of certificates) {
        const joined = Buffer.concat([
          Buffer.from(nonce, 'base64'),
          Buffer.from(certificate, 'utf8'),
        ]);
        expect(txIdFor(nonce, certificate)).toBe(reference(joined).toString('hex'));
      }
    }
  });
});
