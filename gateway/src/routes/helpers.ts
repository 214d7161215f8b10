/**
 * Small pieces every route plugin uses, so that responses, pagination and write answers have one
 * shape across the API.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { DEFAULT_PAGE_SIZE } from '@shulian/chaincode/constants';
import { ErrorResponse } from '../errors.js';
import type { Submitted } from '../services/chaincode.js';
import type { GatewayContext } from './context.js';

const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 500, 502, 503] as const;
const ERRORS = Object.fromEntries(ERROR_STATUSES.map((s) => [s, ErrorResponse])) as Record<
  (typeof ERROR_STATUSES)[number],
  typeof ErrorResponse
>;

/** The response map for a route: its success schema plus the shared error schema. */
export function responses<T extends TSchema>(ok: T, status: 200 | 201 = 200) {
  return { ...ERRORS, [status]: ok } as typeof ERRORS & Record<typeof status, T>;
}

export const page = (q: { limit?: number; cursor?: string }) => ({
  limit: q.limit ?? DEFAULT_PAGE_SIZE,
  ...(q.cursor ? { cursor: q.cursor } : {}),
});

/**
 * A write's answer once the index has caught up with its block, so that a list read right after
 * the write sees it. A slow index does not fail the write: the transaction has committed.
 */
export async function written<T>(ctx: GatewayContext, s: Submitted<T>) {
  try {
    await ctx.index.waitFor(s.blockNumber, 5_000);
  } catch {
    // The write is on the ledger; lists will show it when the index catches up.
  }
  return { data: s.value, tx: { txId: s.txId, blockNumber: s.blockNumber } };
}

/** Date query parameters: a day (CST) or an instant; `to` days are inclusive to their end. */
export function parseTime(value: string | undefined, end: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00+08:00`);
    return end ? start + 86_400_000 - 1 : start;
  }
  return Date.parse(value);
}

export const TimeParam = (description: string) =>
  Type.String({
    description,
    pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  });
