/**
 * Authorised use (授权使用) and its audit trail (全流程审计). A use inside a grant is recorded
 * and counted; a use outside one is recorded as DENIED with the reason, and the transaction
 * still succeeds, so that refusals are on the ledger too and a supervisor can trace them. A use
 * another department's gateway refused (gateway-to-gateway exchange: its clock, its reading of the
 * grant) is recorded DENIED by the consumer's gateway on that gateway's word (`ownerRefusal`).
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import { ErrorCode, EVENTS, tabularFormatOf, type UsageAction } from '../constants.js';
import {
  grantParties,
  hasRole,
  newId,
  openSession,
  useParties,
  type Session,
} from '../lib/access.js';
import { ChaincodeError } from '../lib/errors.js';
import {
  AUTHORISATIONS,
  CATALOG,
  DATASET_VERSIONS,
  DELEGATIONS,
  GRANTS,
  SUBJECTS,
  USES,
  padVersion,
} from '../lib/keys.js';
import { listByCatalog, listByDepartment, readAsParty } from '../lib/queries.js';
import { emit, find, get, list, put, reply, scan } from '../lib/state.js';
import {
  AUTHORISATION_USES,
  countedUses,
  countUse,
  GRANT_USES,
  type UseCounter,
} from '../lib/uses.js';
import { parseInput, useInput } from '../model/inputs.js';
import type {
  Authorisation,
  CatalogEntry,
  DatasetVersion,
  Grant,
  UsageRecord,
  UseCheck,
} from '../model/types.js';

type UseInput = ReturnType<typeof useInput>;

interface Assessment {
  grant: Grant | null;
  /** The subject's authorisation the use was judged against, when it needed one. */
  authorisation: Authorisation | null;
  denial: { code: ErrorCode; message: string } | null;
  /** The fields the use is for: as asked, else the grant's (all for the owner). */
  fields: string[];
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
    const use = await readUse(ctx, useJson);
    const { entry } = use;
    const { ownerRefusal, ...input } = use.input;
    const assessed = await assess(ctx, session, use);
    const { grant, authorisation, fields } = assessed;
    // The ledger's own reason first; else the owner's gateway's refusal, as its word.
    const denial = assessed.denial ?? ownerDenial(entry, ownerRefusal);
    const id = newId(session, 'USE');
    // One key per counted use, never the grant or authorisation record: see lib/uses.ts.
    if (grant && !denial) await countUse(ctx, GRANT_USES, grant.id, id);
    if (authorisation && !denial) await countUse(ctx, AUTHORISATION_USES, authorisation.id, id);
    const record: UsageRecord = {
      ...input,
      id,
      grantId: grant?.id ?? input.grantId,
      fields,
      // A refused use delivered nothing, whatever the caller claims.
      bytes: denial ? 0 : input.bytes,
      deliveredDigest: denial ? null : input.deliveredDigest,
      // The purpose the use is accountable to: as declared, else the grant's.
      purpose: input.purpose ?? grant?.purpose ?? null,
      provider: entry.owner,
      consumer: session.actor,
      outcome: denial ? 'DENIED' : 'ALLOWED',
      denialCode: denial?.code ?? null,
      denialMessage: denial?.message ?? null,
      subject: input.subject,
      authorisationId: authorisation?.id ?? input.authorisationId,
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
    const use = await readUse(ctx, useJson);
    const { grant, authorisation, denial, fields } = await assess(ctx, session, use);
    const check: UseCheck = {
      allowed: denial === null,
      grantId: grant?.id ?? use.input.grantId,
      authorisationId: authorisation?.id ?? use.input.authorisationId,
      fields,
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

/** The owner gateway's refusal of a use (gateway-to-gateway exchange), as the record's denial. */
function ownerDenial(entry: CatalogEntry, refusal: UseInput['ownerRefusal']): Assessment['denial'] {
  return refusal
    ? {
        code: refusal.code,
        message: `${entry.owner}’s gateway refused the use: ${refusal.message}`,
      }
    : null;
}

interface Use {
  input: UseInput;
  entry: CatalogEntry;
  /** The version used; null for a use of the entry as such (a query). */
  version: DatasetVersion | null;
}

/** Malformed input is an error, not a denial: there is nothing meaningful to record. */
async function readUse(ctx: Context, useJson: string): Promise<Use> {
  const input = parseInput(useInput, useJson, 'use');
  const entry = await get(ctx, CATALOG, [input.catalogId]);
  let version: DatasetVersion | null = null;
  if (input.datasetVersion !== null) {
    version = await find(ctx, DATASET_VERSIONS, [entry.id, padVersion(input.datasetVersion)]);
    if (!version) {
      throw new ChaincodeError(
        ErrorCode.DATASET_VERSION_NOT_FOUND,
        `dataset version ${entry.id}@${input.datasetVersion} does not exist`,
      );
    }
  }
  if (input.action === 'prove') {
    if (input.recordIndex === null || version === null) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        'a prove use names the dataset version and the record index',
      );
    }
    if (version.recordCount === null || input.recordIndex >= version.recordCount) {
      throw new ChaincodeError(
        ErrorCode.RECORD_NOT_FOUND,
        `${version.id} has ${version.recordCount ?? 0} anchored records; no record ${input.recordIndex}`,
      );
    }
  } else if (input.recordIndex !== null) {
    throw new ChaincodeError(ErrorCode.INVALID_ARGUMENT, 'recordIndex is for prove uses only');
  }
  return { input, entry, version };
}

/**
 * Finds the grant that covers the use: the named one, or else the first of the caller's grants
 * on the entry that does. The owner department uses its own data without a grant. Then checks
 * that what is asked can be delivered limited to the fields: a field-limited use of data that
 * cannot be projected is refused rather than served whole.
 */
async function assess(ctx: Context, session: Session, use: Use): Promise<Assessment> {
  const { input, entry, version } = use;
  const allFields = entry.fields.map((f) => f.name);
  let assessment: Assessment;
  if (!hasRole(session, 'consumer')) {
    assessment = deny(null, ErrorCode.FORBIDDEN_ROLE, `using data requires the consumer role`);
  } else if (entry.owner === session.actor.department) {
    assessment = {
      grant: null,
      authorisation: null,
      denial: null,
      fields: input.fields ?? allFields,
    };
  } else if (input.grantId !== null) {
    const grant = await find(ctx, GRANTS, [input.grantId]);
    assessment = grant
      ? await judge(ctx, session, input, grant)
      : deny(null, ErrorCode.GRANT_NOT_FOUND, `grant ${input.grantId} does not exist`);
  } else {
    const candidates = await scan(ctx, GRANTS, {
      index: 'consumer',
      prefix: [session.actor.department, entry.id],
    });
    const judged: Assessment[] = [];
    for (const grant of candidates) judged.push(await judge(ctx, session, input, grant));
    assessment =
      judged.find((a) => a.denial === null) ??
      judged[0] ??
      deny(
        null,
        ErrorCode.GRANT_NOT_FOUND,
        `${session.actor.department} holds no grant on ${entry.id}`,
      );
  }
  if (assessment.denial) return assessment;
  if (version !== null) assessment = limitToFields(input.action, version, allFields, assessment);
  return assessment.denial ? assessment : consent(ctx, session, use, assessment);
}

/** A field-limited use of data that cannot be projected is refused rather than served whole. */
function limitToFields(
  action: UsageAction,
  version: DatasetVersion,
  allFields: string[],
  assessment: Assessment,
): Assessment {
  const partial = !allFields.every((f) => assessment.fields.includes(f));
  if (partial && !projectable(action, version)) {
    return deny(
      assessment.grant,
      ErrorCode.FIELDS_NOT_PROJECTABLE,
      `${version.id} is ${version.mediaType}, which cannot be limited to ${assessment.fields.join(', ')}`,
      assessment.fields,
    );
  }
  return assessment;
}

/**
 * Whether a use of `version` can deliver some of its fields and not the others. A record proof
 * always can: record leaves commit to each field separately, so the fields outside the grant go
 * out as their salted commitments only.
 */
function projectable(action: UsageAction, version: DatasetVersion): boolean {
  if (action === 'prove') return true;
  return tabularFormatOf(version.mediaType) !== null;
}

/**
 * The checks in the order a clerk would explain them. The uses counted so far are read last and
 * only under a use limit (lib/uses.ts), so uses under an unlimited grant never conflict.
 */
async function judge(
  ctx: Context,
  session: Session,
  input: UseInput,
  grant: Grant,
): Promise<Assessment> {
  const fields = input.fields ?? grant.fields;
  const denied = (code: ErrorCode, message: string) => deny(grant, code, message, fields);
  if (grant.catalogId !== input.catalogId) {
    return denied(
      ErrorCode.GRANT_CATALOG_MISMATCH,
      `grant ${grant.id} covers ${grant.catalogId}, not ${input.catalogId}`,
    );
  }
  if (grant.consumer !== session.actor.department) {
    return denied(ErrorCode.GRANT_NOT_HOLDER, `grant ${grant.id} was issued to ${grant.consumer}`);
  }
  if (grant.revocation) {
    return denied(
      ErrorCode.GRANT_REVOKED,
      `grant ${grant.id} was revoked: ${grant.revocation.reason}`,
    );
  }
  if (session.now < Date.parse(grant.validFrom)) {
    return denied(
      ErrorCode.GRANT_NOT_YET_VALID,
      `grant ${grant.id} is valid from ${grant.validFrom}`,
    );
  }
  if (session.now > Date.parse(grant.validTo)) {
    return denied(ErrorCode.GRANT_EXPIRED, `grant ${grant.id} expired at ${grant.validTo}`);
  }
  const outside = fields.filter((f) => !grant.fields.includes(f));
  if (outside.length > 0) {
    return denied(
      ErrorCode.FIELDS_NOT_GRANTED,
      `fields ${outside.join(', ')} are not granted by ${grant.id}`,
    );
  }
  if (input.purpose !== null && input.purpose !== grant.purpose) {
    return denied(
      ErrorCode.PURPOSE_MISMATCH,
      `grant ${grant.id} is for ${grant.purpose}, not ${input.purpose}`,
    );
  }
  if (grant.useLimit !== null && (await spent(ctx, GRANT_USES, grant, grant.useLimit))) {
    return denied(
      ErrorCode.USE_LIMIT_REACHED,
      `grant ${grant.id} allows ${grant.useLimit} uses and all are spent`,
    );
  }
  return { grant, authorisation: null, denial: null, fields };
}

function deny(
  grant: Grant | null,
  code: ErrorCode,
  message: string,
  fields: string[] = [],
): Assessment {
  return { grant, authorisation: null, denial: { code, message }, fields };
}

/** Uses that deliver one subject's records; a download delivers everyone's. */
const PER_SUBJECT_ACTIONS: readonly UsageAction[] = ['query', 'verify', 'prove'];

/**
 * Fields marked as needing consent (个人敏感 / 企业敏感) need, besides the grant, a live
 * authorisation by the subject the use names, covering this consumer, entry, fields and
 * purpose, with a use left. The owner department uses its own data without one: consent governs
 * sharing, and the source data never leaves the owner otherwise.
 */
async function consent(
  ctx: Context,
  session: Session,
  use: Use,
  assessment: Assessment,
): Promise<Assessment> {
  const { input, entry } = use;
  if (entry.owner === session.actor.department) return assessment;
  const needed = entry.fields.filter((f) => f.consent && assessment.fields.includes(f.name));
  const kind = needed[0]?.consent;
  if (kind === undefined) return assessment;
  const names = needed.map((f) => f.name).join(', ');
  const refuse = (code: ErrorCode, message: string, authorisation: Authorisation | null) => ({
    ...assessment,
    authorisation,
    denial: { code, message },
  });
  if (input.subject === null || input.authorisationId === null) {
    return refuse(
      ErrorCode.AUTHORISATION_REQUIRED,
      `${names} of ${entry.id} need the ${kind}'s own authorisation; the use names no ${input.subject === null ? 'subject' : 'authorisation'}`,
      null,
    );
  }
  if (!PER_SUBJECT_ACTIONS.includes(input.action)) {
    return refuse(
      ErrorCode.AUTHORISATION_REQUIRED,
      `${names} of ${entry.id} are delivered one subject at a time (${PER_SUBJECT_ACTIONS.join(', ')}), never by ${input.action}`,
      null,
    );
  }
  const authorisation = await find(ctx, AUTHORISATIONS, [input.authorisationId]);
  if (!authorisation) {
    return refuse(
      ErrorCode.AUTHORISATION_NOT_FOUND,
      `authorisation ${input.authorisationId} does not exist`,
      null,
    );
  }
  const binding = await find(ctx, SUBJECTS, [authorisation.subject]);
  const purpose = input.purpose ?? assessment.grant?.purpose ?? null;
  const denial = judgeAuthorisation(session, {
    authorisation,
    subject: input.subject,
    kind,
    catalogId: entry.id,
    fields: needed.map((f) => f.name),
    purpose,
    currentBindingVersion: binding?.version ?? 0,
    delegationRevokedAt: await delegationRevokedAt(ctx, authorisation),
  });
  if (denial) return refuse(denial.code, denial.message, authorisation);
  const t = authorisation.terms;
  if (await spent(ctx, AUTHORISATION_USES, authorisation, t.maxUses)) {
    return refuse(
      ErrorCode.AUTHORISATION_SPENT,
      `authorisation ${authorisation.id} allowed ${t.maxUses} use${t.maxUses === 1 ? '' : 's'} and all are spent`,
      authorisation,
    );
  }
  return { ...assessment, authorisation };
}

/**
 * When the delegation an agent signed `a` under was revoked, or null. Only an agent's
 * authorisation has a delegation to read: the subject's own cost no more.
 */
async function delegationRevokedAt(ctx: Context, a: Authorisation): Promise<string | null> {
  const id = a.terms.delegationId;
  if (id === undefined) return null;
  return (await find(ctx, DELEGATIONS, [id]))?.revocation?.at ?? null;
}

/**
 * Whether `limit` uses of `counted` are spent: those in its record (ledgers written before
 * per-use keys) and its per-use keys, read no further than the limit.
 */
async function spent(
  ctx: Context,
  counter: UseCounter,
  counted: { id: string; useCount: number },
  limit: number,
): Promise<boolean> {
  const left = limit - counted.useCount;
  return left <= 0 || (await countedUses(ctx, counter, counted.id, left)) >= left;
}

interface AuthorisationQuestion {
  authorisation: Authorisation;
  subject: string;
  kind: string;
  catalogId: string;
  /** The consent fields the use delivers. */
  fields: string[];
  purpose: string | null;
  currentBindingVersion: number;
  /** When the delegation an agent signed the authorisation under was revoked, if it was. */
  delegationRevokedAt: string | null;
}

/** The checks in the order a subject would explain them; the uses left are counted after them. */
function judgeAuthorisation(
  session: Session,
  q: AuthorisationQuestion,
): { code: ErrorCode; message: string } | null {
  const a = q.authorisation;
  const t = a.terms;
  if (a.subject !== q.subject || a.kind !== q.kind) {
    return {
      code: ErrorCode.AUTHORISATION_SUBJECT_MISMATCH,
      message: `authorisation ${a.id} is another ${a.kind}'s, not the ${q.kind} whose records are used`,
    };
  }
  if (t.consumer !== session.actor.department) {
    return {
      code: ErrorCode.AUTHORISATION_NOT_HOLDER,
      message: `authorisation ${a.id} was given to ${t.consumer}`,
    };
  }
  if (a.revocation) {
    return {
      code: ErrorCode.AUTHORISATION_REVOKED,
      message: `authorisation ${a.id} was revoked by the subject at ${a.revocation.at}`,
    };
  }
  if (q.delegationRevokedAt !== null) {
    return {
      code: ErrorCode.AUTHORISATION_DELEGATION_REVOKED,
      message: `authorisation ${a.id} was signed by an agent under delegation ${t.delegationId ?? ''}, which the enterprise revoked at ${q.delegationRevokedAt}`,
    };
  }
  if (q.currentBindingVersion !== a.bindingVersion) {
    return {
      code: ErrorCode.AUTHORISATION_KEY_REPLACED,
      message: `authorisation ${a.id} was signed with key ${a.keyId}, which the subject has since replaced`,
    };
  }
  if (session.now < Date.parse(t.validFrom)) {
    return {
      code: ErrorCode.AUTHORISATION_NOT_YET_VALID,
      message: `authorisation ${a.id} is valid from ${t.validFrom}`,
    };
  }
  if (session.now > Date.parse(t.validTo)) {
    return {
      code: ErrorCode.AUTHORISATION_EXPIRED,
      message: `authorisation ${a.id} ended at ${t.validTo}`,
    };
  }
  const covered = t.entries.find((e) => e.catalogId === q.catalogId);
  const outside = q.fields.filter((f) => !covered?.fields.includes(f));
  if (outside.length > 0) {
    return {
      code: ErrorCode.AUTHORISATION_FIELDS,
      message: covered
        ? `authorisation ${a.id} does not cover ${outside.join(', ')} of ${q.catalogId}`
        : `authorisation ${a.id} does not cover ${q.catalogId}`,
    };
  }
  if (q.purpose !== t.purpose) {
    return {
      code: ErrorCode.AUTHORISATION_PURPOSE_MISMATCH,
      message: `authorisation ${a.id} is for ${t.purpose}, not ${q.purpose ?? 'an unstated purpose'}`,
    };
  }
  return null;
}
