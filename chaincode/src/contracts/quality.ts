/**
 * The data-quality loop (疑义/错误数据校核, 发现 → 反馈 → 修正 → 共享): a consumer raises an
 * objection against records of an anchored version; the provider answers within the configured
 * working days by anchoring a corrected version or by rejecting with a reason.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import { ErrorCode, EVENTS, OBJECTION_STATUSES } from '../constants.js';
import {
  newId,
  openSession,
  requireOwner,
  objectionParties,
  requireRole,
  requireSubset,
} from '../lib/access.js';
import { workingDeadline } from '../lib/deadlines.js';
import { ChaincodeError } from '../lib/errors.js';
import { CATALOG, DATASET_VERSIONS, OBJECTIONS, padVersion } from '../lib/keys.js';
import {
  historyAsParty,
  listByCatalog,
  listByDepartment,
  listByStatus,
  readAsParty,
} from '../lib/queries.js';
import { emit, get, put, reply } from '../lib/state.js';
import {
  checkArg,
  objectionInput,
  parseInput,
  requiredReason,
  resolveInput,
} from '../model/inputs.js';
import { identifier } from '../model/schema.js';
import type { QualityObjection } from '../model/types.js';

@Info({ title: 'quality', description: 'Data quality objections and their resolution' })
export class QualityContract extends ShulianContract {
  constructor() {
    super('quality');
  }

  @Transaction()
  @Returns('string')
  async RaiseObjection(ctx: Context, objectionJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'consumer', 'raising data objections');
    const input = parseInput(objectionInput, objectionJson, 'objection');
    const entry = await get(ctx, CATALOG, [input.catalogId]);
    if (entry.owner === session.actor.department) {
      throw new ChaincodeError(
        ErrorCode.FORBIDDEN_DEPARTMENT,
        `${entry.id} is ${entry.owner}'s own data; correct it by anchoring a new version`,
      );
    }
    await get(ctx, DATASET_VERSIONS, [entry.id, padVersion(input.version)]);
    requireSubset(
      input.fields,
      entry.fields.map((f) => f.name),
      ErrorCode.FIELD_NOT_IN_CATALOG,
      'fields',
      `catalog entry ${entry.id}`,
    );
    const objection: QualityObjection = {
      ...input,
      id: newId(session, 'OBJ'),
      provider: entry.owner,
      raisedBy: session.actor,
      status: 'open',
      raisedAt: session.nowIso,
      ...(await workingDeadline(ctx, session, session.config.deadlines.objectionWorkingDays)),
      resolution: null,
    };
    await put(ctx, OBJECTIONS, objection, null);
    emit(ctx, EVENTS.ObjectionRaised, objection);
    return reply(objection);
  }

  /** `corrected` names the newer anchored version that fixes the data; `rejected` says why not. */
  @Transaction()
  @Returns('string')
  async ResolveObjection(ctx: Context, id: string, resolutionJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const objection = await getObjection(ctx, id);
    requireOwner(session, objection.provider, `objection ${objection.id}`);
    requireRole(session, 'publisher', 'resolving data objections');
    if (objection.status !== 'open') {
      throw new ChaincodeError(
        ErrorCode.INVALID_STATE,
        `objection ${objection.id} is already ${objection.status}`,
      );
    }
    const input = parseInput(resolveInput, resolutionJson, 'resolution');
    let correctedVersion: number | null = null;
    let reason = input.reason;
    if (input.resolution === 'corrected') {
      if (input.correctedVersion === null) {
        throw new ChaincodeError(
          ErrorCode.INVALID_ARGUMENT,
          'correctedVersion is required for a correction',
        );
      }
      if (input.correctedVersion <= objection.version) {
        throw new ChaincodeError(
          ErrorCode.INVALID_ARGUMENT,
          `correctedVersion must be newer than the disputed version ${objection.version}`,
        );
      }
      await get(ctx, DATASET_VERSIONS, [objection.catalogId, padVersion(input.correctedVersion)]);
      correctedVersion = input.correctedVersion;
    } else {
      reason = requiredReason(input.reason ?? '', 'reason');
    }
    const resolved: QualityObjection = {
      ...objection,
      status: input.resolution,
      resolution: {
        resolution: input.resolution,
        by: session.actor,
        at: session.nowIso,
        correctedVersion,
        reason,
      },
    };
    await put(ctx, OBJECTIONS, resolved, objection);
    emit(ctx, EVENTS.ObjectionResolved, resolved);
    return reply(resolved);
  }

  @Transaction(false)
  @Returns('string')
  async GetObjection(ctx: Context, id: string): Promise<string> {
    return reply(await readAsParty(ctx, OBJECTIONS, id, objectionParties));
  }

  @Transaction(false)
  @Returns('string')
  async GetObjectionHistory(ctx: Context, id: string): Promise<string> {
    return historyAsParty(ctx, OBJECTIONS, id, objectionParties);
  }

  @Transaction(false)
  @Returns('string')
  async ListObjectionsByCatalog(
    ctx: Context,
    catalogId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByCatalog(ctx, OBJECTIONS, catalogId, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListObjectionsByProvider(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, OBJECTIONS, 'provider', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListObjectionsByRaiser(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, OBJECTIONS, 'raiser', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListObjectionsByStatus(
    ctx: Context,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByStatus(ctx, OBJECTIONS, OBJECTION_STATUSES, status, pageSize, bookmark);
  }
}

async function getObjection(ctx: Context, id: string): Promise<QualityObjection> {
  return get(ctx, OBJECTIONS, [checkArg(identifier, id, 'id')]);
}
