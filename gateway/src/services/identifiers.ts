/**
 * Checks of the identifiers data subjects are known by, before they are pseudonymised. Pure (no
 * Node): the console could check a code as it is typed with the same rules.
 *
 * 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters, the 1st the
 * registering authority, the 2nd the kind of organisation, 3-8 the administrative division,
 * 9-17 the organisation code, the 18th a check character. Characters come from the 31 of
 * `USCC_CHARSET` (digits and capital letters without I, O, S, V, Z), each worth its place in it;
 * the check character is the one worth 31 − (Σ value × weight mod 31), 31 counting as 0.
 */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const USCC_SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;

/** The check character of a code's first 17 characters (all from USCC_CHARSET). */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  USCC_WEIGHTS.forEach((weight, i) => {
    sum += USCC_CHARSET.indexOf(first17[i]!) * weight;
  });
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

/**
 * Why `code` (trimmed, upper-case) is not a 统一社会信用代码, or null when it is one: a wrong
 * length or character, a division that is not 6 digits, or a check character that does not match
 * (a mistyped character changes it, which is what the check is for).
 */
export function usccProblem(code: string): string | null {
  if (code.length !== 18) return `it has ${code.length} characters, not 18`;
  const bad = [...code].find((c) => !USCC_CHARSET.includes(c));
  if (bad !== undefined) {
    return `'${bad}' is not one of its characters (digits and capital letters without I, O, S, V, Z)`;
  }
  if (!USCC_SHAPE.test(code))
    return 'characters 3 to 8 (the administrative division) must be digits';
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) {
    return `its check character is ${code[17]}, but its first 17 characters give ${expected}: a character is mistyped`;
  }
  return null;
}
