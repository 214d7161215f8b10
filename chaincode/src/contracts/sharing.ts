/**
 * Supply-demand matching (供需对接): share requests with a stated purpose, the provider's answer
 * within the working-day deadline, escalation to the coordinator, and the grants that result.
 *
 * Who answers: a pending request is answered by a publisher of the provider department; an
 * escalated one by the coordinator's admin, whose decision is final. Either party may escalate
 * a pending request (a dispute or an overdue answer); the requester may also escalate a
 * rejection, since refusing without a basis is itself a violation (以共享为原则).
 */
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContract } from '../lib/contract.js';
import {
  AUTOMATIC_GRANTOR,
  ErrorCode,
  EVENTS,
  REQUEST_STATUSES,
  type EventName,
} from '../constants.js';
import {
  grantParties,
  newId,
  openSession,
  requireCoordinatorAdmin,
  requireOwner,
  requireParty,
  requireRole,
  requireSubset,
  requestParties,
  type Session,
} from '../lib/access.js';
import { cstDate, endOfCstDay, startOfCstDay } from '../lib/calendar.js';
import { answerDeadline, fixedDeadline } from '../lib/deadlines.js';
import { ChaincodeError } from '../lib/errors.js';
import { CATALOG, GRANTS, REQUESTS } from '../lib/keys.js';
import {
  historyAsParty,
  listByCatalog,
  listByDepartment,
  listByStatus,
  readAsParty,
} from '../lib/queries.js';
import { emit, get, put, reply } from '../lib/state.js';
import {
  approveInput,
  checkArg,
  parseInput,
  requestInput,
  requiredReason,
} from '../model/inputs.js';
import { identifier } from '../model/schema.js';
import type { CatalogEntry, Grant, RequestDecisionResult, ShareRequest } from '../model/types.js';

@Info({ title: 'sharing', description: 'Share requests, decisions and grants' })
export class SharingContract extends ShulianContract {
  constructor() {
    super('sharing');
  }

  /**
   * Files a request. Unconditional entries are granted at once (the grant is still recorded);
   * not-shared entries refuse with their cited legal basis.
   */
  @Transaction()
  @Returns('string')
  async CreateRequest(ctx: Context, requestJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    requireRole(session, 'consumer', 'requesting data');
    const input = parseInput(requestInput, requestJson, 'request');
    const entry = await shareableEntry(ctx, input.catalogId);
    if (entry.owner === session.actor.department) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `catalog entry ${entry.id} belongs to ${entry.owner} itself; no request is needed`,
      );
    }
    requireSubset(
      input.fields,
      entry.fields.map((f) => f.name),
      ErrorCode.FIELD_NOT_IN_CATALOG,
      'fields',
      `catalog entry ${entry.id}`,
    );
    if (input.period.to < input.period.from) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        'period.to must not be before period.from',
      );
    }
    if (input.period.to < cstDate(session.now)) {
      throw new ChaincodeError(
        ErrorCode.INVALID_ARGUMENT,
        `period.to ${input.period.to} is already past`,
      );
    }
    const request: ShareRequest = {
      ...input,
      id: newId(session, 'REQ'),
      provider: entry.owner,
      requester: session.actor,
      status: 'pending',
      createdAt: session.nowIso,
      // An unconditional entry is answered by this very transaction.
      ...(entry.shareType === 'unconditional'
        ? fixedDeadline(session.now)
        : await answerDeadline(ctx, session, input.emergency)),
      escalation: null,
      decision: null,
      grantId: null,
      automatic: false,
    };
    if (entry.shareType === 'unconditional') {
      return approve(ctx, session, { ...request, automatic: true }, null, {
        reason: '无条件共享: unconditional entry, granted on request',
        useLimit: null,
      });
    }
    return saveRequest(ctx, request, null, EVENTS.ShareRequestCreated, null);
  }

  @Transaction()
  @Returns('string')
  async ApproveRequest(ctx: Context, id: string, optionsJson: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const request = await decidableRequest(ctx, session, id, 'approving');
    const options = parseInput(approveInput, optionsJson === '' ? '{}' : optionsJson, 'options');
    await shareableEntry(ctx, request.catalogId);
    if (options.fields) {
      requireSubset(
        options.fields,
        request.fields,
        ErrorCode.INVALID_ARGUMENT,
        'fields',
        'the request',
      );
    }
    if (options.validTo !== undefined) {
      const { from, to } = request.period;
      if (options.validTo < from || options.validTo > to) {
        throw new ChaincodeError(
          ErrorCode.INVALID_ARGUMENT,
          `validTo must lie within the requested period ${from} to ${to}`,
        );
      }
    }
    return approve(ctx, session, request, request, {
      fields: options.fields,
      validTo: options.validTo,
      reason: options.reason,
      useLimit: options.useLimit,
    });
  }

  @Transaction()
  @Returns('string')
  async RejectRequest(ctx: Context, id: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const request = await decidableRequest(ctx, session, id, 'rejecting');
    const updated: ShareRequest = {
      ...request,
      status: 'rejected',
      decision: { by: session.actor, at: session.nowIso, reason: requiredReason(reason, 'reason') },
    };
    return saveRequest(ctx, updated, request, EVENTS.ShareRequestRejected, null);
  }

  @Transaction()
  @Returns('string')
  async EscalateRequest(ctx: Context, id: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const request = await getRequest(ctx, id);
    const why = requiredReason(reason, 'reason');
    const byRequester = session.actor.department === request.requester.department;
    const byProvider = session.actor.department === request.provider;
    if (!byRequester && !byProvider) {
      throw new ChaincodeError(
        ErrorCode.FORBIDDEN_DEPARTMENT,
        `only ${request.requester.department} or ${request.provider} may escalate ${request.id}`,
      );
    }
    requireRole(session, byRequester ? 'consumer' : 'publisher', 'escalating a request');
    const allowed = byRequester ? ['pending', 'rejected'] : ['pending'];
    requireStatus(request, allowed, 'escalated');
    const updated: ShareRequest = {
      ...request,
      status: 'escalated',
      escalation: {
        by: session.actor,
        at: session.nowIso,
        reason: why,
        ...(await answerDeadline(ctx, session, request.emergency)),
      },
    };
    return saveRequest(ctx, updated, request, EVENTS.ShareRequestEscalated, null);
  }

  /** The requester takes back a request nobody has answered yet. */
  @Transaction()
  @Returns('string')
  async WithdrawRequest(ctx: Context, id: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const request = await getRequest(ctx, id);
    requireOwner(session, request.requester.department, `share request ${request.id}`);
    requireRole(session, 'consumer', 'withdrawing a request');
    requireStatus(request, ['pending'], 'withdrawn');
    const updated: ShareRequest = {
      ...request,
      status: 'withdrawn',
      decision: {
        by: session.actor,
        at: session.nowIso,
        reason: reason === '' ? null : requiredReason(reason, 'reason'),
      },
    };
    return saveRequest(ctx, updated, request, EVENTS.ShareRequestWithdrawn, null);
  }

  /** Closes an unanswered request whose requested period has ended; any party may. */
  @Transaction()
  @Returns('string')
  async ExpireRequest(ctx: Context, id: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const request = await getRequest(ctx, id);
    requireParty(session, requestParties(request), `share request ${request.id}`);
    requireStatus(request, ['pending', 'escalated'], 'expired');
    if (session.now <= endOfCstDay(request.period.to)) {
      throw new ChaincodeError(
        ErrorCode.INVALID_STATE,
        `share request ${request.id} runs until ${request.period.to} and cannot expire yet`,
      );
    }
    const updated: ShareRequest = {
      ...request,
      status: 'expired',
      decision: {
        by: session.actor,
        at: session.nowIso,
        reason: 'the requested period ended without a decision',
      },
    };
    return saveRequest(ctx, updated, request, EVENTS.ShareRequestExpired, null);
  }

  @Transaction()
  @Returns('string')
  async RevokeGrant(ctx: Context, grantId: string, reason: string): Promise<string> {
    const session = await openSession(ctx, 'write');
    const grant = await get(ctx, GRANTS, [checkArg(identifier, grantId, 'grantId')]);
    requireOwner(session, grant.provider, `grant ${grant.id}`);
    requireRole(session, 'publisher', 'revoking grants');
    if (grant.revocation) {
      throw new ChaincodeError(ErrorCode.GRANT_REVOKED, `grant ${grant.id} is already revoked`);
    }
    const revoked: Grant = {
      ...grant,
      revocation: {
        by: session.actor,
        at: session.nowIso,
        reason: requiredReason(reason, 'reason'),
      },
    };
    await put(ctx, GRANTS, revoked, grant);
    emit(ctx, EVENTS.GrantRevoked, revoked);
    return reply(revoked);
  }

  @Transaction(false)
  @Returns('string')
  async GetRequest(ctx: Context, id: string): Promise<string> {
    return reply(await readAsParty(ctx, REQUESTS, id, requestParties));
  }

  @Transaction(false)
  @Returns('string')
  async GetRequestHistory(ctx: Context, id: string): Promise<string> {
    return historyAsParty(ctx, REQUESTS, id, requestParties);
  }

  @Transaction(false)
  @Returns('string')
  async ListRequestsByRequester(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, REQUESTS, 'requester', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListRequestsByProvider(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, REQUESTS, 'provider', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListRequestsByStatus(
    ctx: Context,
    status: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByStatus(ctx, REQUESTS, REQUEST_STATUSES, status, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListRequestsByCatalog(
    ctx: Context,
    catalogId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByCatalog(ctx, REQUESTS, catalogId, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async GetGrant(ctx: Context, id: string): Promise<string> {
    return reply(await readAsParty(ctx, GRANTS, id, grantParties));
  }

  @Transaction(false)
  @Returns('string')
  async GetGrantHistory(ctx: Context, id: string): Promise<string> {
    return historyAsParty(ctx, GRANTS, id, grantParties);
  }

  @Transaction(false)
  @Returns('string')
  async ListGrantsByConsumer(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, GRANTS, 'consumer', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListGrantsByProvider(
    ctx: Context,
    department: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByDepartment(ctx, GRANTS, 'provider', department, pageSize, bookmark);
  }

  @Transaction(false)
  @Returns('string')
  async ListGrantsByCatalog(
    ctx: Context,
    catalogId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return listByCatalog(ctx, GRANTS, catalogId, pageSize, bookmark);
  }
}

async function getRequest(ctx: Context, id: string): Promise<ShareRequest> {
  return get(ctx, REQUESTS, [checkArg(identifier, id, 'id')]);
}

/** An active entry that may be shared at all; 不予共享 entries refuse with their legal basis. */
async function shareableEntry(ctx: Context, catalogId: string): Promise<CatalogEntry> {
  const entry = await get(ctx, CATALOG, [catalogId]);
  if (entry.status === 'retired') {
    throw new ChaincodeError(ErrorCode.CATALOG_RETIRED, `catalog entry ${entry.id} is retired`);
  }
  if (entry.shareType === 'not_shared') {
    throw new ChaincodeError(
      ErrorCode.NOT_SHARED,
      `catalog entry ${entry.id} is not shared (不予共享); legal basis: ${entry.legalBasis ?? ''}`,
    );
  }
  return entry;
}

function requireStatus(request: ShareRequest, allowed: readonly string[], target: string): void {
  if (!allowed.includes(request.status)) {
    throw new ChaincodeError(
      ErrorCode.INVALID_STATE,
      `share request ${request.id} is ${request.status}; only ${allowed.join(' or ')} requests can be ${target}`,
    );
  }
}

/** Pending: the provider's publishers decide. Escalated: the coordinator's admin decides. */
async function decidableRequest(
  ctx: Context,
  session: Session,
  id: string,
  verb: string,
): Promise<ShareRequest> {
  const request = await getRequest(ctx, id);
  requireStatus(request, ['pending', 'escalated'], 'decided');
  if (request.status === 'escalated') {
    requireCoordinatorAdmin(session, `${verb} an escalated request`);
  } else {
    requireOwner(session, request.provider, `share request ${request.id}`);
    requireRole(session, 'publisher', `${verb} requests`);
  }
  return request;
}

interface GrantTerms {
  fields?: string[] | undefined;
  validTo?: string | undefined;
  reason: string | null;
  useLimit: number | null;
}

async function approve(
  ctx: Context,
  session: Session,
  request: ShareRequest,
  previous: ShareRequest | null,
  terms: GrantTerms,
): Promise<string> {
  // An automatic grant is the provider's, by its unconditional-sharing rule, not the requester's.
  const grantor = request.automatic
    ? { department: request.provider, user: AUTOMATIC_GRANTOR }
    : session.actor;
  const grant: Grant = {
    id: newId(session, 'GRANT'),
    requestId: request.id,
    catalogId: request.catalogId,
    provider: request.provider,
    consumer: request.requester.department,
    fields: terms.fields ?? request.fields,
    purpose: request.purpose,
    validFrom: new Date(startOfCstDay(request.period.from)).toISOString(),
    validTo: new Date(endOfCstDay(terms.validTo ?? request.period.to)).toISOString(),
    useLimit: terms.useLimit,
    useCount: 0,
    automatic: request.automatic,
    grantedAt: session.nowIso,
    grantedBy: grantor,
    revocation: null,
  };
  const approved: ShareRequest = {
    ...request,
    status: 'approved',
    decision: { by: grantor, at: session.nowIso, reason: terms.reason },
    grantId: grant.id,
  };
  await put(ctx, GRANTS, grant, null);
  return saveRequest(ctx, approved, previous, EVENTS.ShareRequestApproved, grant);
}

/** Every request transition: store, emit one event, answer with the request and any grant. */
async function saveRequest(
  ctx: Context,
  request: ShareRequest,
  previous: ShareRequest | null,
  event: EventName,
  grant: Grant | null,
): Promise<string> {
  await put(ctx, REQUESTS, request, previous);
  const result: RequestDecisionResult = { request, grant };
  emit(ctx, event, result);
  return reply(result);
}
