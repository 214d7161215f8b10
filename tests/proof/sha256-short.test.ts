import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacPads } from '@shulian/proof/hash';
import { nodeSha256 } from '@shulian/proof/node';
import { SHORT_MESSAGE_BYTES, sha256Short, shortHmacSha256 } from '@shulian/proof/sha256-short';

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

describe('HMAC-SHA-256 from pad states', () => {
  it('matches node:crypto for keys shorter than, equal to and longer than a block', () => {
    for (const keyLength of [0, 1, 32, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const { innerPad, outerPad } = hmacPads(nodeSha256, key);
      const mac = shortHmacSha256(innerPad, outerPad);
      for (const length of lengths) {
        const message = randomBytes(length);
        expect(hex(mac(message)), `key ${keyLength}, message ${length}`).toBe(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }
    }
  });

  it('keeps no state between messages: the same message gives the same MAC after others', () => {
    const { innerPad, outerPad } = hmacPads(nodeSha256, randomBytes(32));
    const mac = shortHmacSha256(innerPad, outerPad);
    const first = hex(mac(Uint8Array.of(1, 2, 3)));
    mac(randomBytes(100));
    expect(hex(mac(Uint8Array.of(1, 2, 3)))).toBe(first);
  });
});
