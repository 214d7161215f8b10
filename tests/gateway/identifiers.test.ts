/**
 * 统一社会信用代码 (GB 32100-2015): real codes of well-known enterprises pass, and each way a code
 * can be wrong (one mistyped character, a letter the standard leaves out, the wrong length, a
 * letter in the administrative division) is named.
 */
import { describe, expect, it } from 'vitest';
import {
  USCC_CHARSET,
  usccCheckCharacter,
  usccProblem,
} from '../../gateway/src/services/identifiers.js';

/** Published codes (business licences), one with a digit, three with a letter as check character. */
const REAL = [
  '914403001922038216',
  '91330100799655058B',
  '9144030071526726XG',
  '91110000802100433B',
];

describe('统一社会信用代码', () => {
  it('accepts real codes, and computes their check characters', () => {
    for (const code of REAL) {
      expect(usccProblem(code), code).toBeNull();
      expect(usccCheckCharacter(code.slice(0, 17))).toBe(code[17]);
    }
  });

  it('catches every single mistyped character of a real code', () => {
    const code = REAL[1]!;
    for (let i = 0; i < 18; i++) {
      for (const c of USCC_CHARSET) {
        if (c === code[i]) continue;
        const typo = code.slice(0, i) + c + code.slice(i + 1);
        // The division (3-8) takes digits only; a letter there is a shape error instead.
        expect(usccProblem(typo), typo).not.toBeNull();
      }
    }
  });

  it('names what is wrong', () => {
    expect(usccProblem('91330100799655058C')).toMatch(/check character is C.*give B/);
    expect(usccProblem('91330100799655058')).toMatch(/17 characters, not 18/);
    expect(usccProblem('9133010079965505IB')).toMatch(/'I' is not one of its characters/);
    for (const left of 'IOSVZ') expect(USCC_CHARSET).not.toContain(left);
    expect(usccProblem('9133A100799655058B')).toMatch(/administrative division/);
  });
});
