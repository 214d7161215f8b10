/** Query helpers shared by the contracts' read transactions. */
import type { Context } from 'fabric-contract-api';
import { departmentId } from '../model/entities.js';
import { checkArg } from '../model/inputs.js';
import { identifier, oneOf } from '../model/schema.js';
import { openSession, requireOversight, requireParty } from './access.js';
import { CATALOG } from './keys.js';
import { get, history, list, reply, type EntityKind } from './state.js';

/**
 * A page of one department's records, through an index keyed by department first (or, with
 * `index` null, the primary key when it starts with the department). The department itself, the
 * coordinator and supervisors may list them.
 */
export async function listByDepartment<T>(
  ctx: Context,
  kind: EntityKind<T>,
  index: string | null,
  department: string,
  pageSize: string,
  bookmark: string,
): Promise<string> {
  const session = await openSession(ctx, 'read');
  const dept = checkArg(departmentId, department, 'department');
  requireParty(session, [dept], `${kind.label} records of ${dept}`);
  return reply(await list(ctx, kind, { index, prefix: [dept] }, pageSize, bookmark));
}

/**
 * A page of what every registered department may read (catalog entries, their update
 * requirements) through the kind's `owner` index.
 */
export async function listByOwner<T>(
  ctx: Context,
  kind: EntityKind<T>,
  owner: string,
  pageSize: string,
  bookmark: string,
): Promise<string> {
  await openSession(ctx, 'read');
  const prefix = [checkArg(departmentId, owner, 'owner')];
  return reply(await list(ctx, kind, { index: 'owner', prefix }, pageSize, bookmark));
}

/** A page of records between departments in one status, ledger-wide: for oversight only. */
export async function listByStatus<T>(
  ctx: Context,
  kind: EntityKind<T>,
  statuses: readonly string[],
  status: string,
  pageSize: string,
  bookmark: string,
): Promise<string> {
  const session = await openSession(ctx, 'read');
  requireOversight(session, `listing ${kind.label}s`);
  const prefix = [checkArg(oneOf(statuses), status, 'status')];
  return reply(await list(ctx, kind, { index: 'status', prefix }, pageSize, bookmark));
}

/** A page of records about one catalog entry, for its owner (and coordinator, supervisors). */
export async function listByCatalog<T>(
  ctx: Context,
  kind: EntityKind<T>,
  catalogId: string,
  pageSize: string,
  bookmark: string,
): Promise<string> {
  const session = await openSession(ctx, 'read');
  const entry = await get(ctx, CATALOG, [checkArg(identifier, catalogId, 'catalogId')]);
  requireParty(session, [entry.owner], `${kind.label} records of ${entry.id}`);
  const selection = { index: 'catalog', prefix: [entry.id] };
  return reply(await list(ctx, kind, selection, pageSize, bookmark));
}

/** One record between departments, for the departments it names (see requireParty). */
export async function readAsParty<T>(
  ctx: Context,
  kind: EntityKind<T>,
  id: string,
  partiesOf: (entity: T) => string[],
): Promise<T> {
  const session = await openSession(ctx, 'read');
  const entity = await get(ctx, kind, [checkArg(identifier, id, 'id')]);
  requireParty(session, partiesOf(entity), `${kind.label} ${id}`);
  return kind.present ? kind.present(ctx, entity) : entity;
}

/** The key history of one record between departments, for the same readers as readAsParty. */
export async function historyAsParty<T>(
  ctx: Context,
  kind: EntityKind<T>,
  id: string,
  partiesOf: (entity: T) => string[],
): Promise<string> {
  const entity = await readAsParty(ctx, kind, id, partiesOf);
  return reply(await history(ctx, kind, kind.keyOf(entity)));
}
