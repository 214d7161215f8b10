import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@shulian/chaincode/canonical';
import {
  fromBase64,
  fromHex,
  hashParts,
  hmac,
  toBase64,
  toHex,
  type HashFunction,
} from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';

describe('strict hex and base64', () => {
  it('round-trips every byte and rejects any other spelling', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(bytes))).toEqual(bytes);
    for (const bad of ['A0', '0', 'g0', '0 ', '٠٠', 'éé']) {
      expect(() => fromHex(bad), bad).toThrow('not lower-case hex');
    }
  });

  it('accepts exactly the canonical base64 of each short byte string', () => {
    // Every spelling of one and two bytes: a canonical one decodes, any other is refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (const a of alphabet) {
      for (const b of alphabet) {
        for (const text of [`${a}${b}==`, `${a}${b}A=`, `${a}${b}Q=`, `${a}${b}B=`]) {
          const canonical = Buffer.from(Buffer.from(text, 'base64')).toString('base64') === text;
          if (canonical) expect(toBase64(fromBase64(text))).toBe(text);
          else expect(() => fromBase64(text), text).toThrow('non-canonical base64');
        }
      }
    }
    for (const bad of ['A', 'AA=', 'AA==A', 'A===', '-_8=', 'AA AA']) {
      expect(() => fromBase64(bad), bad).toThrow('not base64');
    }
  });
});

describe('canonical JSON (the one encoder, shared with the chaincode)', () => {
  it('sorts keys, drops undefined members and writes numbers as JSON does', () => {
    expect(
      canonicalJson({ b: [1, 'x', null, true, { z: -0.5, a: 'é"\u2028' }], a: undefined, '': {} }),
    ).toBe('{"":{},"b":[1,"x",null,true,{"a":"é\\"\u2028","z":-0.5}]}');
    expect(canonicalJson([1e21, 5e-7, 0, -0])).toBe('[1e+21,5e-7,0,0]');
    expect(canonicalJson('text')).toBe('"text"');
  });

  it('splices in pre-encoded members', () => {
    const inner = { y: 2, x: 1 };
    const known = new Map([[inner, canonicalJson(inner)]]);
    expect(canonicalJson({ inner, a: [inner] }, known)).toBe(
      '{"a":[{"x":1,"y":2}],"inner":{"x":1,"y":2}}',
    );
  });

  it('refuses what has no canonical form, naming the member', () => {
    expect(() => canonicalJson({ a: [Number.NaN] })).toThrow('$.a[0]: non-finite number');
    expect(() => canonicalJson({ b: new Uint8Array(1) })).toThrow(
      '$.b: encode bytes as base64 strings before canonical encoding',
    );
    expect(() => canonicalJson({ c: 1n })).toThrow('$.c: bigint cannot be encoded');
  });
});

describe('one-shot and incremental hashing', () => {
  it('give the same hashParts and HMAC for short and long messages, SHA-256 and SM3', () => {
    for (const full of Object.values(nodeHashes)) {
      // The same function without its one-shot form: parts fed one by one, HMAC by copied state.
      const incremental: HashFunction = { algorithm: full.algorithm, create: () => full.create() };
      for (const length of [0, 1, 55, 56, 64, 65, 1000, 70 * 1024]) {
        const message = Uint8Array.from({ length }, (_, i) => (i * 31) & 0xff);
        const parts = [message.subarray(0, length >> 1), message.subarray(length >> 1)];
        const expected = toHex(hashParts(incremental, ...parts));
        expect(toHex(hashParts(full, ...parts)), `${full.algorithm} ${length}`).toBe(expected);
        for (const key of [message.subarray(0, 32), message]) {
          expect(toHex(hmac(full, key, message))).toBe(toHex(hmac(incremental, key, message)));
        }
      }
    }
    // RFC 4231 test case 2: HMAC-SHA-256 of "what do ya want for nothing?" under "Jefe".
    const text = (t: string): Uint8Array => new TextEncoder().encode(t);
    expect(toHex(hmac(nodeHashes.sha256, text('Jefe'), text('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
