/**
 * Small pieces every route plugin uses, so that responses, pagination and write answers have one
 * shape across the API.
 */
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  DEFAULT_PAGE_SIZE,
  isOverdue,
  type Answerable,
  type TransactionName,
} from '@shulian/chaincode/constants';
import { callerOf, canOversee, principalOf, requireDepartmentAccess } from '../auth/guard.js';
import { GatewayError, type ErrorResponse } from '../errors.js';
import type { PageResult } from '../index/query-index.js';
import { errorResponses, type Declared } from '../operation-errors.js';
import type { Arg, Submitted } from '../services/chaincode.js';
import type { GatewayContext } from '../services/runtime.js';

/** How the type provider sees the error statuses: the shared shape (the enums narrow `code`). */
type Errors = Record<400 | 401 | 403 | 404 | 409 | 500 | 503, typeof ErrorResponse>;

/**
 * The response map for a route: its success schema and the error codes the route answers beyond
 * those of every operation of its kind (operation-errors.ts), which the document lists per status.
 */
export function responses<T extends TSchema>(
  ok: T,
  errors: readonly Declared[],
  status: 200 | 201 = 200,
) {
  return { ...errorResponses(errors), [status]: ok } as unknown as Errors &
    Record<typeof status, T>;
}

/** One media type of a success answer: its schema and, for text, an example of it. */
export interface Media {
  schema: TSchema;
  example?: unknown;
}

/**
 * The response map for a route whose success is not JSON, or not only (CSV, JSON-LD, metrics,
 * file content): the success documented under each of its media types with its own schema and
 * example, errors still as JSON, so the document says which content type each status has.
 */
export function mediaResponses(
  content: Readonly<Record<string, Media>>,
  errors: readonly Declared[],
) {
  return {
    ...(errorResponses(errors) as unknown as Errors),
    200: { description: 'success', content },
  };
}

/** Which page a list query asks for, with its status filter when it has one. */
export const page = (q: { limit?: number; cursor?: string; status?: string }) => ({
  limit: q.limit ?? DEFAULT_PAGE_SIZE,
  ...(q.cursor ? { cursor: q.cursor } : {}),
  ...(q.status ? { status: q.status } : {}),
});

/** A page of index items as the API answers it, each item shaped (e.g. `overdue` added). */
export const mapPage = <T, R>(result: PageResult<T>, shape: (item: T) => R) => ({
  items: result.items.map(shape),
  nextCursor: result.nextCursor,
});

/** Adds `overdue`, derived at read time from the deadline (chaincode isOverdue), never stored. */
export const withOverdue =
  (ctx: GatewayContext) =>
  <T extends Answerable>(item: T): T & { overdue: boolean } => ({
    ...item,
    overdue: isOverdue(item, ctx.now()),
  });

/**
 * Whose records a list reads: the department asked for (supervisors and the coordinator may read
 * any) or the caller's own.
 */
export function listedDepartment(
  ctx: GatewayContext,
  request: FastifyRequest,
  asked: string | undefined,
): string {
  const principal = principalOf(request);
  const department = asked ?? principal.department;
  requireDepartmentAccess(principal, department, ctx.coordinator);
  return department;
}

/**
 * Whose records a list reads when the department may be left out: every department's for
 * supervisors and the coordinator (who oversee them all), else the caller's own.
 */
export function listedDepartmentOrAll(
  ctx: GatewayContext,
  request: FastifyRequest,
  asked: string | undefined,
): string | null {
  const principal = principalOf(request);
  if (asked === undefined && canOversee(principal, ctx.coordinator)) return null;
  return listedDepartment(ctx, request, asked);
}

/** Optional members the chaincode wants present: an absent one is sent as null. */
export function orNull<T extends object, K extends keyof T>(
  body: T,
  keys: readonly K[],
): Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> | null } {
  const filled: Partial<Record<keyof T, unknown>> = { ...body };
  for (const k of keys) filled[k] ??= null;
  return filled as Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> | null };
}

export interface WrittenAnswer<T> {
  data: T;
  tx: { txId: string; blockNumber: number };
}

/**
 * A write's answer once the index has caught up with its block, so that a list read right after
 * the write sees it. A slow index does not fail the write: the transaction has committed.
 */
export async function written<T>(ctx: GatewayContext, s: Submitted<T>): Promise<WrittenAnswer<T>> {
  try {
    await ctx.index.waitFor(s.blockNumber, 5_000);
  } catch {
    // The write is on the ledger; lists will show it when the index catches up.
  }
  return { data: s.value, tx: { txId: s.txId, blockNumber: s.blockNumber } };
}

/** Submits a transaction as the caller and answers with what it wrote, shaped when asked. */
export function submitAs<T>(
  ctx: GatewayContext,
  request: FastifyRequest,
  fcn: TransactionName,
  args: Arg[],
): Promise<WrittenAnswer<T>>;
export function submitAs<T, R>(
  ctx: GatewayContext,
  request: FastifyRequest,
  fcn: TransactionName,
  args: Arg[],
  shape: (value: T) => R,
): Promise<WrittenAnswer<R>>;
export async function submitAs<T, R>(
  ctx: GatewayContext,
  request: FastifyRequest,
  fcn: TransactionName,
  args: Arg[],
  shape?: (value: T) => R,
): Promise<WrittenAnswer<T | R>> {
  const s = await ctx.chaincode.submit<T>(callerOf(request), fcn, args);
  return written<T | R>(ctx, shape ? { ...s, value: shape(s.value) } : s);
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

/**
 * The raw body of an upload route (its scope parses every content type as a stream). A request
 * without a body has none: refused as an empty upload rather than read as undefined.
 */
export function uploadStream(request: FastifyRequest): Readable {
  const body = request.body as Readable | undefined | null;
  if (body === undefined || body === null)
    throw new GatewayError('EMPTY_UPLOAD', 'the request has no body: send the file as the body');
  return body;
}

/** A streamed body (file content, CSV): documented as a string, sent as a stream. */
export const StreamBody = (description: string) =>
  Type.Unsafe<NodeJS.ReadableStream | string>({ type: 'string', description });

/**
 * A use (download, record proof, subject query) answered only once the audit trail shows it,
 * refused or allowed: whoever reads the trail right after the answer finds the use there.
 */
export async function recordedUse<T extends { tx: { blockNumber: number } }>(
  ctx: GatewayContext,
  use: () => Promise<T>,
): Promise<T> {
  let used: T;
  try {
    used = await use();
  } catch (err) {
    const block = (err as GatewayError).details as { blockNumber?: number } | undefined;
    if (block?.blockNumber !== undefined)
      await ctx.index.waitFor(block.blockNumber, 5_000).catch(() => undefined);
    throw err;
  }
  await ctx.index.waitFor(used.tx.blockNumber, 5_000).catch(() => undefined);
  return used;
}
