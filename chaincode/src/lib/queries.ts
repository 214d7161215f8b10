/** Query helpers shared by the contracts' list transactions. */
import type { Context } from 'fabric-contract-api';
import { departmentId } from '../model/entities.js';
import { checkArg } from '../model/inputs.js';
import { openSession, requireParty } from './access.js';
import { list, reply, type EntityKind } from './state.js';

/**
 * A page of one department's records through an index keyed by department first. The
 * department itself, the coordinator and supervisors may list them.
 */
export async function listByDepartment<T>(
  ctx: Context,
  kind: EntityKind<T>,
  index: string,
  department: string,
  pageSize: string,
  bookmark: string,
): Promise<string> {
  const session = await openSession(ctx, 'read');
  const dept = checkArg(departmentId, department, 'department');
  requireParty(session, [dept], `${kind.label} records of ${dept}`);
  return reply(await list(ctx, kind, { index, prefix: [dept] }, pageSize, bookmark));
}
