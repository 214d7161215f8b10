/**
 * Small composable validators. Each check takes an unknown value and the path it came from,
 * and returns the typed value or throws a SchemaError that names the path, so a clerk reads
 * `fields[2].sensitivity must be one of ...` instead of a stack trace. Objects reject unknown
 * members: a misspelt optional field must not be silently ignored.
 */

export class SchemaError extends Error {}

export type Check<T> = (value: unknown, path: string) => T;

function fail(path: string, message: string): never {
  throw new SchemaError(`${path || 'value'} ${message}`);
}

function memberPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/*
 * A member's path is needed only when it fails, so object() and arrayOf() check each member
 * with their own path and, when that throws, check it again with the member's path and let
 * that call decide. Checks are pure and a path only enters messages, so the outcome is the
 * one of checking with the member's path alone, without building a path per member.
 */

function checkMember<T>(check: Check<T>, value: unknown, path: string, key: string): T {
  try {
    return check(value, path);
  } catch {
    return check(value, memberPath(path, key));
  }
}

function checkItem<T>(check: Check<T>, value: unknown, path: string, index: number): T {
  try {
    return check(value, path);
  } catch {
    return check(value, itemPath(path, index));
  }
}

export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Said instead of the pattern in the error message. */
  describe?: string;
}

/** C0 controls other than tab, newline and carriage return, and DEL. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f)
      return true;
  }
  return false;
}

export function str(rules: StringRules = {}): Check<string> {
  const { min = 1, max = 4096, pattern, describe } = rules;
  return (value, path) => {
    if (typeof value !== 'string') fail(path, 'must be a string');
    if (value.trim().length < min)
      fail(path, min === 1 ? 'must not be empty' : `needs ${min}+ characters`);
    if (value.length > max) fail(path, `must be at most ${max} characters`);
    // NUL separates composite-key parts; other control characters have no place in records.
    if (hasControlCharacter(value)) fail(path, 'must not contain control characters');
    if (pattern && !pattern.test(value))
      fail(path, `must be ${describe ?? `like ${pattern.source}`}`);
    return value;
  };
}

export const identifier = str({
  max: 128,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
  describe: 'letters, digits and . _ : / - (starting with a letter or digit)',
});

export const hex64 = str({
  max: 64,
  pattern: /^[0-9a-f]{64}$/,
  describe: '64 lower-case hex digits',
});

const dateText = str({ pattern: /^\d{4}-\d{2}-\d{2}$/, describe: 'a date YYYY-MM-DD' });

export const isoDate: Check<string> = (value, path) => {
  const text = dateText(value, path);
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    fail(path, 'must be a real calendar date');
  }
  return text;
};

const instantText = str({ max: 40 });

/** The form toISOString gives an instant in the years 0000-9999. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `text` is toISOString's form of a real date and time of the years 0000-9999 (proleptic
 * Gregorian, as Date): then Date.parse reads it and toISOString writes it back unchanged, which
 * is what isoInstant asks, without either call (they were most of its cost, #18). Anything else
 * is left to them.
 */
function isCanonicalInstant(text: string): boolean {
  const m = INSTANT.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  return day <= days && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

export const isoInstant: Check<string> = (value, path) => {
  const text = instantText(value, path);
  if (isCanonicalInstant(text)) return text;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== text) {
    fail(path, 'must be an ISO 8601 UTC instant like 2026-02-13T02:00:00.000Z');
  }
  return text;
};

export function int(min: number, max = Number.MAX_SAFE_INTEGER): Check<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) fail(path, 'must be an integer');
    if (value < min || value > max) fail(path, `must be between ${min} and ${max}`);
    return value;
  };
}

export const bool: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
};

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (value, path) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      fail(path, `must be one of ${values.join(', ')}`);
    }
    return value as T;
  };
}

/** Absent and null both mean "not given" and are stored as null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, path) => (value === undefined || value === null ? null : check(value, path));
}

/** Absent means "not given"; the member is then left out of the stored object. */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path) => (value === undefined ? undefined : check(value, path));
}

export function withDefault<T>(check: Check<T>, fallback: T): Check<T> {
  return (value, path) => (value === undefined ? fallback : check(value, path));
}

export interface ArrayRules {
  min?: number;
  max?: number;
  unique?: boolean;
}

export function arrayOf<T>(check: Check<T>, rules: ArrayRules = {}): Check<T[]> {
  const { min = 0, max = 1000, unique = false } = rules;
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, 'must be an array');
    if (value.length < min) fail(path, min === 1 ? 'must not be empty' : `needs ${min}+ items`);
    if (value.length > max) fail(path, `must have at most ${max} items`);
    const items = value.map((item: unknown, i) => checkItem(check, item, path, i));
    if (unique) {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) fail(itemPath(path, i), 'repeats an earlier item');
        seen.add(key);
      });
    }
    return items;
  };
}

export type Shape = Record<string, Check<unknown>>;
export type Infer<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

export function object<S extends Shape>(shape: S): Check<Infer<S>> {
  // Shapes are fixed once a check is made of them: their members are listed here once, not on
  // every value checked (an array of pairs per object per check, #18).
  const members = Object.entries(shape);
  const known = new Set(Object.keys(shape));
  const allowed = Object.keys(shape).join(', ');
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(path, 'must be a JSON object');
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        fail(memberPath(path, key), `is not a known field (allowed: ${allowed})`);
      }
    }
    const result: Record<string, unknown> = {};
    for (const [key, check] of members) {
      const checked = checkMember(check, record[key], path, key);
      if (checked !== undefined) result[key] = checked;
    }
    return result as Infer<S>;
  };
}

/**
 * A rule between members that no member's own check can state. It runs after the members are
 * checked and names `member` when it fails.
 */
export function refine<T>(
  check: Check<T>,
  member: string,
  holds: (value: T) => boolean,
  message: string,
): Check<T> {
  return (value, path) => {
    const checked = check(value, path);
    if (!holds(checked)) fail(memberPath(path, member), message);
    return checked;
  };
}

/** The same members, each one optional: for updates that change only what they name. */
export function partialObject<S extends Shape>(shape: S): Check<Partial<Infer<S>>> {
  const optionalShape: Shape = {};
  for (const [key, check] of Object.entries(shape)) optionalShape[key] = optional(check);
  // object() leaves absent members out, so the result really has only the given keys.
  return object(optionalShape) as Check<Partial<Infer<S>>>;
}
