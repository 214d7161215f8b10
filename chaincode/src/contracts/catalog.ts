/**
 * The data resource catalog (政务数据资源目录): GB/T 21063.3 core metadata per entry, written
 * only by the owner department, every version kept. Any registered department may read it.
 * When duties or laws change, the coordinator requires an update, due in
 * catalogUpdateWorkingDays; the owner's next version of the entry answers it.
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import {
  CATALOG_UPDATE_STATUSES,
  ErrorCode,
  EVENTS,
  type CatalogUpdateStatus,
  type EventName,
} from '../constants.js';
import {
  openSession,
  requireCoordinatorAdmin,
  requireOwner,
  requireRole,
  type Session,
} from '../lib/access.js';
import { workingDeadline } from '../lib/deadlines.js';
import { ChaincodeError } from '../lib/errors.js';
import { CATALOG, CATALOG_UPDATES, CATALOG_VERSIONS, padVersion } from '../lib/keys.js';
import { listByOwner } from '../lib/queries.js';
import {
  emit,
  exists,
  find,
  get,
  history,
  list,
  put,
  reply,
  restrictToOwner,
} from '../lib/state.js';
import { reason as reasonCheck } from '../model/entities.js';
import {
  catalogCreateInput,
  catalogUpdateInput,
  checkArg,
  parseInput,
  requiredReason,
  versionArg,
} from '../model/inputs.js';
import { identifier, oneOf } from '../model/schema.js';
import type { CatalogEntry, CatalogUpdateRequirement } from '../model/types.js';

@Info({ title: 'catalog', description: 'Data resource catalog entries and their versions' })
export class CatalogContract extends ShulianContract {
  constructor() {
    super('catalog');
  }

  @Transaction()
  @Returns('string')
  async CreateEntry(ctx: Context, entryJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'publisher', 'publishing catalog entries');
    const input = parseInput(catalogCreateInput, entryJson, 'entry');
    if (await exists(ctx, CATALOG, [input.id])) {
      throw new ChaincodeError(
        ErrorCode.ALREADY_EXISTS,
        `catalog entry ${input.id} already exists`,
      );
    }
    const entry: CatalogEntry = {
      ...input,
      owner: session.actor.department,
      version: 1,
      status: 'active',
      changeReason: null,
      createdAt: session.nowIso,
      createdBy: session.actor,
      updatedAt: session.nowIso,
      updatedBy: session.actor,
    };
    return writeVersion(ctx, entry, null, EVENTS.CatalogEntryCreated);
  }

  /** Replaces the metadata with a new version; the reason is kept with it. */
  @Transaction()
  @Returns('string')
  async UpdateEntry(ctx: Context, id: string, entryJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const current = await ownedActiveEntry(ctx, session, id, 'updating');
    const input = parseInput(catalogUpdateInput, entryJson, 'entry');
    const entry: CatalogEntry = { ...current, ...input, ...nextVersion(session, current) };
    const answered = await answerRequirement(ctx, session, entry, 'updated');
    return writeVersion(ctx, entry, current, EVENTS.CatalogEntryUpdated, answered);
  }

  /** Takes an entry out of service; it stays readable and its history stays on the ledger. */
  @Transaction()
  @Returns('string')
  async RetireEntry(ctx: Context, id: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const current = await ownedActiveEntry(ctx, session, id, 'retiring');
    const entry: CatalogEntry = {
      ...current,
      ...nextVersion(session, current),
      status: 'retired',
      changeReason: checkArg(reasonCheck, reason, 'reason'),
    };
    // A retired entry can no longer be updated, so retiring it answers an open requirement too.
    const answered = await answerRequirement(ctx, session, entry, 'retired');
    return writeVersion(ctx, entry, current, EVENTS.CatalogEntryRetired, answered);
  }

  /**
   * The coordinator requires the owner to update an entry because duties or laws changed; the
   * update is due in catalogUpdateWorkingDays. One open requirement per entry: a second one
   * would move the deadline the owner already owes.
   */
  @Transaction()
  @Returns('string')
  async RequireUpdate(ctx: Context, entryId: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireCoordinatorAdmin(session, 'requiring catalog updates');
    const why = requiredReason(reason, 'reason');
    const entry = await get(ctx, CATALOG, [checkArg(identifier, entryId, 'entryId')]);
    if (entry.status === 'retired') {
      throw new ChaincodeError(ErrorCode.CATALOG_RETIRED, `catalog entry ${entry.id} is retired`);
    }
    const previous = await find(ctx, CATALOG_UPDATES, [entry.id]);
    if (previous?.status === 'open') {
      throw new ChaincodeError(
        ErrorCode.INVALID_STATE,
        `catalog entry ${entry.id} already has an update due by ${previous.deadline}`,
      );
    }
    const requirement: CatalogUpdateRequirement = {
      catalogId: entry.id,
      owner: entry.owner,
      reason: why,
      status: 'open',
      requiredAt: session.nowIso,
      requiredBy: session.actor,
      ...(await workingDeadline(ctx, session, session.config.deadlines.catalogUpdateWorkingDays)),
      answer: null,
    };
    await put(ctx, CATALOG_UPDATES, requirement, previous);
    emit(ctx, EVENTS.CatalogUpdateRequired, requirement);
    return reply(requirement);
  }

  @Transaction(false)
  @Returns('string')
  async GetEntry(ctx: Context, id: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, CATALOG, [checkArg(identifier, id, 'id')]));
  }

  @Transaction(false)
  @Returns('string')
  async GetEntryVersion(ctx: Context, id: string, version: string): Promise<string> {
    await openSession(ctx, 'read');
    const n = Number(checkArg(versionArg, version, 'version'));
    return reply(await get(ctx, CATALOG_VERSIONS, [checkArg(identifier, id, 'id'), padVersion(n)]));
  }

  /** Every committed change of the entry, newest first as Fabric returns it, with tx id and time. */
  @Transaction(false)
  @Returns('string')
  async GetEntryHistory(ctx: Context, id: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await history(ctx, CATALOG, [checkArg(identifier, id, 'id')]));
  }

  @Transaction(false)
  @Returns('string')
  async ListEntries(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await list(ctx, CATALOG, { index: null, prefix: [] }, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListEntriesByOwner(
    ctx: Context,
    owner: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByOwner(ctx, CATALOG, owner, pageSize, bookmark);
  }

  /** The entry's current (or last) update requirement; like the catalog, public to members. */
  @Transaction(false)
  @Returns('string')
  async GetUpdateRequirement(ctx: Context, entryId: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await get(ctx, CATALOG_UPDATES, [checkArg(identifier, entryId, 'entryId')]));
  }

  /** Every requirement the entry has had and how each was answered, newest first. */
  @Transaction(false)
  @Returns('string')
  async GetUpdateRequirementHistory(ctx: Context, entryId: string): Promise<string> {
    await openSession(ctx, 'read');
    return reply(await history(ctx, CATALOG_UPDATES, [checkArg(identifier, entryId, 'entryId')]));
  }

  @Transaction(false)
  @Returns('string')
  async ListUpdateRequirementsByOwner(
    ctx: Context,
    owner: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByOwner(ctx, CATALOG_UPDATES, owner, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListUpdateRequirementsByStatus(
    ctx: Context,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    await openSession(ctx, 'read');
    const prefix = [checkArg(oneOf(CATALOG_UPDATE_STATUSES), status, 'status')];
    return reply(await list(ctx, CATALOG_UPDATES, { index: 'status', prefix }, pageSize, bookmark));
  }
}

/**
 * The owner's new version answers the entry's open update requirement, if it has one; the
 * answered requirement (or null) goes into the entry's event, so that readers of events (the
 * gateway's query index) take the decision from here instead of repeating the rule.
 */
async function answerRequirement(
  ctx: Context,
  session: Session,
  entry: CatalogEntry,
  status: Exclude<CatalogUpdateStatus, 'open'>,
): Promise<CatalogUpdateRequirement | null> {
  const open = await find(ctx, CATALOG_UPDATES, [entry.id]);
  if (open?.status !== 'open') return null;
  const answered: CatalogUpdateRequirement = {
    ...open,
    status,
    answer: { version: entry.version, at: session.nowIso, by: session.actor },
  };
  await put(ctx, CATALOG_UPDATES, answered, open);
  return answered;
}

async function ownedActiveEntry(
  ctx: Context,
  session: Session,
  id: string,
  verb: string,
): Promise<CatalogEntry> {
  requireRole(session, 'publisher', `${verb} catalog entries`);
  const current = await get(ctx, CATALOG, [checkArg(identifier, id, 'id')]);
  requireOwner(session, current.owner, `catalog entry ${current.id}`);
  if (current.status === 'retired') {
    throw new ChaincodeError(ErrorCode.CATALOG_RETIRED, `catalog entry ${current.id} is retired`);
  }
  return current;
}

function nextVersion(
  session: Session,
  current: CatalogEntry,
): Pick<CatalogEntry, 'version' | 'updatedAt' | 'updatedBy'> {
  return { version: current.version + 1, updatedAt: session.nowIso, updatedBy: session.actor };
}

/**
 * The rules beyond field syntax, then the entry and its version snapshot, both keys endorsed
 * only by the owner's organisation.
 */
async function writeVersion(
  ctx: Context,
  entry: CatalogEntry,
  previous: CatalogEntry | null,
  event: EventName,
  answered?: CatalogUpdateRequirement | null,
): Promise<string> {
  checkEntryRules(entry);
  const key = await put(ctx, CATALOG, entry, previous);
  const versionKey = await put(ctx, CATALOG_VERSIONS, entry, null);
  await restrictToOwner(ctx, key, entry.owner);
  await restrictToOwner(ctx, versionKey, entry.owner);
  // A new entry emits itself; a new version of one also says which requirement it answered.
  emit(ctx, event, answered === undefined ? entry : { entry, requirement: answered });
  return reply(entry);
}

/** 以共享为原则、不共享为例外: refusing to share needs a cited basis; conditions must be stated. */
export function checkEntryRules(entry: CatalogEntry): void {
  if (entry.shareType === 'not_shared' && entry.legalBasis === null) {
    throw new ChaincodeError(
      ErrorCode.LEGAL_BASIS_REQUIRED,
      'legalBasis must cite the law, regulation or policy that rules out sharing (不予共享)',
    );
  }
  if (entry.shareType === 'conditional' && entry.shareConditions === null) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      'shareConditions is required for conditional entries',
    );
  }
  const seen = new Set<string>();
  entry.fields.forEach((field, i) => {
    if (seen.has(field.name)) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `fields[${i}].name ${field.name} repeats an earlier field`,
      );
    }
    seen.add(field.name);
  });
}
