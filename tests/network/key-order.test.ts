/**
 * compareKeys is LevelDB's key order: bytewise over the keys' UTF-8, which it computes from code
 * points without encoding (#18). The reference here is that definition itself, Buffer.compare of
 * the UTF-8 bytes (what compareKeys was before), over the characters where UTF-8 and UTF-16
 * orders part: astral characters (surrogate pairs), U+E000-U+FFFF, and lone surrogates, which
 * UTF-8 replaces with U+FFFD.
 */
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../network/embedded/state.js';

const byUtf8 = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Single code units and pairs on both sides of every boundary where the orders differ. */
const UNITS = [
  '\u0000',
  'a',
  'z',
  '~',
  '\u007f',
  '\u0080',
  '\u07ff',
  '\u0800',
  '\ud7ff',
  '\ud800', // lone high surrogate
  '\udbff',
  '\udc00', // lone low surrogate
  '\udfff',
  '\ue000',
  '\ufffd',
  '\uffff',
  '\ud800\udc00', // U+10000
  '\ud83d\ude00', // U+1F600
  '\udbff\udfff', // U+10FFFF
];

/** A small deterministic generator (mulberry32), so a failure names a reproducible pair. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('compareKeys', () => {
  it('orders every pair of short keys over the boundary characters as their UTF-8 bytes', () => {
    const keys = [''];
    for (const x of UNITS) {
      keys.push(x);
      for (const y of UNITS) keys.push(x + y);
    }
    for (const a of keys)
      for (const b of keys) expect(compareKeys(a, b), JSON.stringify([a, b])).toBe(byUtf8(a, b));
  });

  it('orders random keys with long shared prefixes as their UTF-8 bytes', () => {
    const next = random(18);
    const pick = (): string => UNITS[Math.floor(next() * UNITS.length)] as string;
    const word = (n: number): string => Array.from({ length: n }, pick).join('');
    for (let i = 0; i < 20_000; i++) {
      const prefix = next() < 0.7 ? word(Math.floor(next() * 6)) : '';
      const a = prefix + word(Math.floor(next() * 4));
      const b = next() < 0.1 ? a : prefix + word(Math.floor(next() * 4));
      expect(compareKeys(a, b), JSON.stringify([a, b])).toBe(byUtf8(a, b));
    }
  });

  it('sorts composite keys as LevelDB stores them', () => {
    const keys = ['\u0000dataset\u0000a\u0000', '\u0000dataset\u0000\ufffd\u0000', 'k\ud83d\ude00'];
    keys.push('k\uffff', 'k\ud800', 'k', '\u0000dataset\u0000\ud83d\ude00\u0000');
    expect([...keys].sort(compareKeys)).toEqual([...keys].sort(byUtf8));
  });
});
