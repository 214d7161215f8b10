/**
 * The one place where ledger values become bytes and back.
 *
 * Every endorser must produce byte-identical writes, so objects are encoded with
 * keys sorted by UTF-16 code unit order, no insignificant white space, and no
 * `undefined` members. Decoding is plain JSON; validation happens in the model.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * `known` holds members already encoded (a transaction's signed proposal and payload), spliced in
 * rather than encoded again; each must map to its own canonical JSON.
 */
export function canonicalJson(value: unknown, known?: ReadonlyMap<object, string>): string {
  try {
    return encodeFast(value, known);
  } catch (error) {
    // The fast path keeps no member paths; a second pass finds the one the message names.
    if (error instanceof Rejected) return encodeValue(value, '$');
    throw error;
  }
}

// TextEncoder rather than Buffer: proof verification bundles this module for the browser.
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

export function parseJson(bytes: Uint8Array | string): unknown {
  const text = typeof bytes === 'string' ? bytes : decoder.decode(bytes);
  return JSON.parse(text) as unknown;
}

/**
 * Whether `JSON.parse` of the value's canonical JSON gives a value no check can tell from it:
 * strings, booleans, null, finite numbers other than -0, arrays and objects of those with the
 * standard prototypes and every own property enumerable (an undefined member or a
 * non-enumerable one would be left out of the JSON, an inherited one read differently).
 */
export function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!isPlainJson(value[i])) return false;
        return true;
      } else {
        if (Object.getPrototypeOf(value) !== Object.prototype) return false;
        const keys = Object.keys(value);
        if (Object.getOwnPropertyNames(value).length !== keys.length) return false;
        const record = value as Record<string, unknown>;
        for (const key of keys) if (!isPlainJson(record[key])) return false;
        return true;
      }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return false;
  }
}

/** Thrown by the fast path only; never escapes this module. */
class Rejected extends Error {}

// Same rules as encodeValue without building a path per member: proof verification re-encodes
// whole transactions, and the paths were its costliest step after signatures.
function encodeFast(value: unknown, known: ReadonlyMap<object, string> | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Rejected();
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      return known?.get(value) ?? encodeObjectFast(value, known);
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new Rejected();
}

function encodeObjectFast(value: object, known: ReadonlyMap<object, string> | undefined): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += encodeFast(value[i], known);
    }
    return out + ']';
  }
  if (value instanceof Uint8Array) throw new Rejected();
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    out += (first ? '' : ',') + memberName(key) + encodeFast(member, known);
    first = false;
  }
  return out + '}';
}

const MEMBER_NAMES = 4096;
/**
 * `"name":` by member name. Records, payloads and blocks repeat the same few hundred names, and
 * quoting each again was a JSON.stringify per member (#18). Bounded: past MEMBER_NAMES distinct
 * names (or for long ones) a name is quoted as before and not kept.
 */
const memberNames = new Map<string, string>();

function memberName(key: string): string {
  let name = memberNames.get(key);
  if (name === undefined) {
    name = JSON.stringify(key) + ':';
    if (key.length <= 64 && memberNames.size < MEMBER_NAMES) memberNames.set(key, name);
  }
  return name;
}

/** The reference rules, with the path of every member for the error message. */
function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // NaN and Infinity have no JSON form; silently writing null would change meaning.
      if (!Number.isFinite(value)) throw new TypeError(`${path}: non-finite number`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => encodeValue(item, `${path}[${i}]`)).join(',')}]`;
      }
      if (value instanceof Uint8Array) {
        throw new TypeError(`${path}: encode bytes as base64 strings before canonical encoding`);
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${encodeValue(member, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`${path}: ${typeof value} cannot be encoded`);
}
