/**
 * Key layout of the query index. Every secondary key is `<index>\0<part>\0...\0<id>` so a range
 * scan over a prefix (and a time window inside it) answers a list in one seek; times are
 * zero-padded epoch milliseconds so that byte order is time order.
 */
import { GatewayError } from '../errors.js';

const SEP = '\u0000';
/** Sorts after every key with the same prefix (ids never contain U+FFFF). */
const HIGH = '\uffff';

export const key = (...parts: (string | number)[]): string => parts.map(String).join(SEP);

export const time = (iso: string | number): string => {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  return String(Number.isFinite(ms) ? Math.max(0, ms) : 0).padStart(13, '0');
};

export const padVersion = (v: number): string => String(v).padStart(10, '0');

/** The range [prefix, prefix + HIGH) restricted to a time window when given. */
export function range(
  prefix: string[],
  window: { from?: number; to?: number } = {},
): { gte: string; lt: string } {
  const base = key(...prefix) + SEP;
  return {
    gte: base + (window.from === undefined ? '' : time(window.from)),
    lt: base + (window.to === undefined ? HIGH : time(window.to + 1)),
  };
}

/** A key's parts, as `key` joined them. */
export const partsOf = (k: string): string[] => k.split(SEP);

/** The id is always the last part of a secondary key. */
export const idOf = (k: string): string => k.slice(k.lastIndexOf(SEP) + 1);

export const encodeCursor = (k: string): string => Buffer.from(k, 'utf8').toString('base64url');

/**
 * The key a cursor names, checked to lie inside the list's range: a cursor is only ever a key the
 * same list returned, so one outside it was made up or belongs to another list (400, not a scan
 * from an arbitrary key).
 */
export function decodeCursor(c: string, bounds: { gte: string; lt: string }): string {
  const k = Buffer.from(c, 'base64url').toString('utf8');
  if (k < bounds.gte || k > bounds.lt || encodeCursor(k) !== c)
    throw new GatewayError('INVALID_CURSOR', 'cursor does not belong to this list');
  return k;
}
