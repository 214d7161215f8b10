import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SHORT_MESSAGE_BYTES, sha256Short } from '@shulian/proof/sha256-short';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const lengths = Array.from({ length: SHORT_MESSAGE_BYTES + 1 }, (_, i) => i);

describe('SHA-256 of short messages', () => {
  it('matches FIPS 180-4 vectors', () => {
    expect(hex(sha256Short(new Uint8Array()))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hex(sha256Short(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('matches node:crypto at every length up to two blocks, across the one-block boundary', () => {
    for (const length of lengths) {
      const message = randomBytes(length);
      expect(hex(sha256Short(message)), `${length} bytes`).toBe(
        createHash('sha256').update(message).digest('hex'),
      );
    }
  });

  it('refuses a message longer than two blocks can finish', () => {
    expect(() => sha256Short(new Uint8Array(SHORT_MESSAGE_BYTES + 1))).toThrow(RangeError);
  });
});
