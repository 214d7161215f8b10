import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashParts,
  hmac,
  toHex,
  utf8,
  type HashFunction,
  type IncrementalHash,
} from '@shulian/proof/hash';
import { nodeSha256, nodeSm3 } from '@shulian/proof/node';
import { sm3 } from '@shulian/proof/sm3';

describe('sm3 (GB/T 32905-2016)', () => {
  it('hashes the standard example 1, "abc"', () => {
    expect(toHex(hashParts(sm3, utf8('abc')))).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  it('hashes the standard example 2, "abcd" x 16', () => {
    expect(toHex(hashParts(sm3, utf8('abcd'.repeat(16))))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });

  it('matches OpenSSL on random inputs of every length around the block and padding edges', () => {
    for (let n = 0; n <= 200; n++) {
      const data = randomBytes(n);
      expect(toHex(hashParts(sm3, data)), `length ${n}`).toBe(
        createHash('sm3').update(data).digest('hex'),
      );
    }
  });

  it('gives the same digest however the input is split', () => {
    const data = randomBytes(10_000);
    const want = createHash('sm3').update(data).digest('hex');
    for (const step of [1, 7, 63, 64, 65, 1000]) {
      const h = sm3.create();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(toHex(h.digest()), `step ${step}`).toBe(want);
    }
  });

  it('copies its state: a copy and the original continue independently', () => {
    const data = randomBytes(150);
    const h = sm3.create().update(data.subarray(0, 70));
    const twin = h.copy!();
    h.update(data.subarray(70));
    twin.update(Buffer.from('other'));
    expect(toHex(h.digest())).toBe(createHash('sm3').update(data).digest('hex'));
    expect(toHex(twin.digest())).toBe(
      createHash('sm3').update(data.subarray(0, 70)).update('other').digest('hex'),
    );
  });

  it('refuses to be used after digest', () => {
    const h = sm3.create();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    expect(() => h.digest()).toThrow();
  });
});

describe('hmac', () => {
  it('matches RFC 4231 test case 2 for SHA-256', () => {
    expect(toHex(hmac(nodeSha256, utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('gives the same MAC with and without state copies', () => {
    // The same hash without copy(): HMAC falls back to hashing the padded key per message.
    const withoutCopy: HashFunction = {
      algorithm: 'sha256',
      create: () => {
        const inner = nodeSha256.create();
        const h: IncrementalHash = {
          update: (d) => (inner.update(d), h),
          digest: () => inner.digest(),
        };
        return h;
      },
    };
    const key = randomBytes(32);
    const message = randomBytes(40);
    expect(toHex(hmac(withoutCopy, key, message))).toBe(
      createHmac('sha256', key).update(message).digest('hex'),
    );
  });

  it('matches node for SM3 with short and long keys', () => {
    for (const keyLength of [0, 16, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const message = randomBytes(100);
      expect(toHex(hmac(sm3, key, message))).toBe(
        createHmac('sm3', key).update(message).digest('hex'),
      );
      expect(toHex(hmac(nodeSm3, key, message))).toBe(toHex(hmac(sm3, key, message)));
    }
  });
});
