/**
 * Authorised use (授权使用) and its audit trail (全流程审计). A use inside a grant is recorded
 * and counted; a use outside one is recorded as DENIED with the reason, and the transaction
 * still succeeds, so that refusals are on the ledger too and a supervisor can trace them.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import { ErrorCode, EVENTS } from '../constants.js';
import {
  grantParties,
  hasRole,
  newId,
  openSession,
  useParties,
  type Session,
} from '../lib/access.js';
import { ChaincodeError } from '../lib/errors.js';
import { CATALOG, DATASET_VERSIONS, GRANTS, USES, padVersion } from '../lib/keys.js';
import { listByCatalog, listByDepartment, readAsParty } from '../lib/queries.js';
import { emit, exists, find, get, list, put, reply, scan } from '../lib/state.js';
import { parseInput, useInput } from '../model/inputs.js';
import type { CatalogEntry, Grant, UsageRecord, UseCheck } from '../model/types.js';

type UseInput = ReturnType<typeof useInput>;

interface Assessment {
  grant: Grant | null;
  denial: { code: ErrorCode; message: string } | null;
}

@Info({ title: 'usage', description: 'Usage records, allowed and denied' })
export class UsageContract extends ShulianContract {
  constructor() {
    super('usage');
  }

  @Transaction()
  @Returns('string')
  async RecordUse(ctx: Context, useJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const { input, entry } = await readUse(ctx, useJson);
    const { grant, denial } = await assess(ctx, session, input, entry);
    if (grant && !denial) await put(ctx, GRANTS, { ...grant, useCount: grant.useCount + 1 }, grant);
    const record: UsageRecord = {
      ...input,
      id: newId(session, 'USE'),
      grantId: grant?.id ?? input.grantId,
      // The purpose the use is accountable to: as declared, else the grant's.
      purpose: input.purpose ?? grant?.purpose ?? null,
      provider: entry.owner,
      consumer: session.actor,
      outcome: denial ? 'DENIED' : 'ALLOWED',
      denialCode: denial?.code ?? null,
      denialMessage: denial?.message ?? null,
      at: session.nowIso,
    };
    await put(ctx, USES, record, null);
    emit(ctx, EVENTS.UseRecorded, record);
    return reply(record);
  }

  /** The same assessment without recording anything: may this caller use this now? */
  @Transaction(false)
  @Returns('string')
  async CheckUse(ctx: Context, useJson: string): Promise<string> {
    const session = await openSession(ctx, 'read');
    const { input, entry } = await readUse(ctx, useJson);
    const { grant, denial } = await assess(ctx, session, input, entry);
    const check: UseCheck = {
      allowed: denial === null,
      grantId: grant?.id ?? input.grantId,
      denialCode: denial?.code ?? null,
      denialMessage: denial?.message ?? null,
    };
    return reply(check);
  }

  @Transaction(false)
  @Returns('string')
  async GetUse(ctx: Context, id: string): Promise<string> {
    return reply(await readAsParty(ctx, USES, id, useParties));
  }

  @Transaction(false)
  @Returns('string')
  async ListUsesByConsumer(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, USES, 'consumer', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListUsesByProvider(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, USES, 'provider', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListUsesByCatalog(
    ctx: Context,
    catalogId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByCatalog(ctx, USES, catalogId, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListUsesByGrant(
    ctx: Context,
    grantId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    const grant = await readAsParty(ctx, GRANTS, grantId, grantParties);
    return reply(await list(ctx, USES, { index: 'grant', prefix: [grant.id] }, pageSize, bookmark));
  }
}

/** Malformed input is an error, not a denial: there is nothing meaningful to record. */
async function readUse(
  ctx: Context,
  useJson: string,
): Promise<{ input: UseInput; entry: CatalogEntry }> {
  const input = parseInput(useInput, useJson, 'use');
  const entry = await get(ctx, CATALOG, [input.catalogId]);
  if (
    input.datasetVersion !== null &&
    !(await exists(ctx, DATASET_VERSIONS, [entry.id, padVersion(input.datasetVersion)]))
  ) {
    throw new ChaincodeError(
      ErrorCode.DATASET_VERSION_NOT_FOUND,
      `dataset version ${entry.id}@${input.datasetVersion} does not exist`,
    );
  }
  return { input, entry };
}

/**
 * Finds the grant that covers the use: the named one, or else the first of the caller's grants
 * on the entry that does. The owner department uses its own data without a grant.
 */
async function assess(
  ctx: Context,
  session: Session,
  input: UseInput,
  entry: CatalogEntry,
): Promise<Assessment> {
  if (!hasRole(session, 'consumer')) {
    return deny(null, ErrorCode.FORBIDDEN_ROLE, `using data requires the consumer role`);
  }
  if (entry.owner === session.actor.department) return { grant: null, denial: null };
  if (input.grantId !== null) {
    const grant = await find(ctx, GRANTS, [input.grantId]);
    if (!grant)
      return deny(null, ErrorCode.GRANT_NOT_FOUND, `grant ${input.grantId} does not exist`);
    return judge(session, input, grant);
  }
  const candidates = await scan(ctx, GRANTS, {
    index: 'consumer',
    prefix: [session.actor.department, entry.id],
  });
  const judged = candidates.map((grant) => judge(session, input, grant));
  const covering = judged.find((a) => a.denial === null);
  if (covering) return covering;
  return (
    judged[0] ??
    deny(
      null,
      ErrorCode.GRANT_NOT_FOUND,
      `${session.actor.department} holds no grant on ${entry.id}`,
    )
  );
}

/** The checks in the order a clerk would explain them. */
function judge(session: Session, input: UseInput, grant: Grant): Assessment {
  if (grant.catalogId !== input.catalogId) {
    return deny(
      grant,
      ErrorCode.GRANT_CATALOG_MISMATCH,
      `grant ${grant.id} covers ${grant.catalogId}, not ${input.catalogId}`,
    );
  }
  if (grant.consumer !== session.actor.department) {
    return deny(
      grant,
      ErrorCode.GRANT_NOT_HOLDER,
      `grant ${grant.id} was issued to ${grant.consumer}`,
    );
  }
  if (grant.revocation) {
    return deny(
      grant,
      ErrorCode.GRANT_REVOKED,
      `grant ${grant.id} was revoked: ${grant.revocation.reason}`,
    );
  }
  if (session.now < Date.parse(grant.validFrom)) {
    return deny(
      grant,
      ErrorCode.GRANT_NOT_YET_VALID,
      `grant ${grant.id} is valid from ${grant.validFrom}`,
    );
  }
  if (session.now > Date.parse(grant.validTo)) {
    return deny(grant, ErrorCode.GRANT_EXPIRED, `grant ${grant.id} expired at ${grant.validTo}`);
  }
  const outside = input.fields.filter((f) => !grant.fields.includes(f));
  if (outside.length > 0) {
    return deny(
      grant,
      ErrorCode.FIELDS_NOT_GRANTED,
      `fields ${outside.join(', ')} are not granted by ${grant.id}`,
    );
  }
  if (input.purpose !== null && input.purpose !== grant.purpose) {
    return deny(
      grant,
      ErrorCode.PURPOSE_MISMATCH,
      `grant ${grant.id} is for ${grant.purpose}, not ${input.purpose}`,
    );
  }
  if (grant.useLimit !== null && grant.useCount >= grant.useLimit) {
    return deny(
      grant,
      ErrorCode.USE_LIMIT_REACHED,
      `grant ${grant.id} allows ${grant.useLimit} uses and all are spent`,
    );
  }
  return { grant, denial: null };
}

function deny(grant: Grant | null, code: ErrorCode, message: string): Assessment {
  return { grant, denial: { code, message } };
}
