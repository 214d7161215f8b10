/**
 * The full-process audit trail (全流程审计): every valid transaction that emitted a chaincode
 * event is one act on the ledger (a catalog edit, an anchor, a request and each answer to it, a
 * grant's revocation, a use allowed or refused, an objection, a subject's authorisation, a
 * governance act), read from its event and the transaction's own creator and time. Pure: the
 * index writes acts and their monthly counters in the block's batch (./apply.ts).
 */
import {
  EVENTS,
  type Actor,
  type Authorisation,
  type CatalogEntry,
  type CatalogUpdateRequirement,
  type DatasetVersion,
  type Delegation,
  type Department,
  type DepartmentGateway,
  type EventName,
  type Grant,
  type LedgerConfig,
  type QualityObjection,
  type ShareRequest,
  type SubjectBinding,
  type UsageOutcome,
  type UsageRecord,
  type UserRoles,
  type WorkingCalendar,
} from '@shulian/chaincode/constants';
import type { CommittedTransaction } from '../ledger/types.js';

/** Every act the trail names, in the chaincode's event names. */
export const ACT_NAMES = Object.values(EVENTS);

/** What an act touched, so the trail links to it (a request, an entry, a department…). */
export const ACT_TARGETS = [
  'ledger',
  'department',
  'user',
  'calendar',
  'gateway',
  'catalog',
  'version',
  'request',
  'grant',
  'usage',
  'objection',
  'subject',
  'authorisation',
  'delegation',
] as const;
export type ActTarget = (typeof ACT_TARGETS)[number];

export interface AuditAct {
  /** The transaction that recorded it (one event per transaction). */
  id: string;
  /** The transaction's time. */
  at: string;
  act: EventName;
  /** Who submitted the transaction. */
  actor: Actor;
  /** Every department the act concerns: the actor's, the provider's, the requester's… sorted. */
  departments: string[];
  target: { type: ActTarget; id: string } | null;
  catalogId: string | null;
  /** A use's outcome; null for other acts. */
  outcome: UsageOutcome | null;
  /** A refused use's error code; null otherwise. */
  code: string | null;
  /** The reason recorded with the act: a refusal's, a revocation's, a change's, a denial's. */
  reason: string | null;
  /** The fields the act names (asked, granted, used, objected to). */
  fields: string[];
  /**
   * Done by a rule, not a person's decision: an unconditional entry's request granted as it was
   * made (its reason is then the chaincode's fixed text, not anyone's words).
   */
  automatic: boolean;
}

type Facts = Pick<
  AuditAct,
  'target' | 'catalogId' | 'outcome' | 'code' | 'reason' | 'fields' | 'automatic'
> & {
  departments: (string | undefined)[];
};

const NONE: Omit<Facts, 'target' | 'departments'> = {
  catalogId: null,
  outcome: null,
  code: null,
  reason: null,
  fields: [],
  automatic: false,
};

type Payload = Record<string, unknown>;
const isObject = (v: unknown): v is Payload => typeof v === 'object' && v !== null;
/** `{ [main]: entity, … }` envelopes (a decision and its grant) or, as earlier events did, the entity. */
const inner = <T>(p: Payload, member: string): T => (isObject(p[member]) ? p[member] : p) as T;

const request = (p: Payload): Facts => {
  const r = inner<ShareRequest>(p, 'request');
  const g = isObject(p.grant) ? (p.grant as unknown as Grant) : null;
  return {
    ...NONE,
    target: { type: 'request', id: r.id },
    catalogId: r.catalogId,
    departments: [r.provider, r.requester?.department],
    // An approval may narrow the fields: the grant's are what was given.
    fields: g?.fields ?? r.fields ?? [],
    reason: r.escalation?.reason ?? r.decision?.reason ?? null,
    automatic: r.automatic === true && r.status === 'approved',
  };
};

const entry = (p: Payload): Facts => {
  const e = inner<CatalogEntry>(p, 'entry');
  return {
    ...NONE,
    target: { type: 'catalog', id: e.id },
    catalogId: e.id,
    departments: [e.owner],
    reason: e.changeReason ?? null,
  };
};

const authorisation = (p: Payload): Facts => {
  const a = p as unknown as Authorisation;
  const entries = a.terms?.entries ?? [];
  return {
    ...NONE,
    target: { type: 'authorisation', id: a.id },
    catalogId: entries.length === 1 ? entries[0]!.catalogId : null,
    departments: [a.terms?.consumer, ...(a.providers ?? [])],
    fields: entries.length === 1 ? entries[0]!.fields : [],
    reason: a.terms?.matter ?? null,
  };
};

/** An enterprise's delegation concerns only the department that carried it (the actor's). */
const delegation = (p: Payload): Facts => {
  const d = p as unknown as Delegation;
  return {
    ...NONE,
    target: { type: 'delegation', id: d.id },
    departments: [],
    reason: d.terms?.scope?.catalogIds?.join(', ') ?? null,
  };
};

const objection = (p: Payload): Facts => {
  const o = p as unknown as QualityObjection;
  return {
    ...NONE,
    target: { type: 'objection', id: o.id },
    catalogId: o.catalogId,
    departments: [o.provider, o.raisedBy?.department],
    fields: o.fields ?? [],
    reason: o.resolution?.reason ?? o.description ?? null,
  };
};

/** What each event says about its act; the payload is the chaincode's (the ledger accepted it). */
const FACTS: Record<EventName, (p: Payload) => Facts> = {
  [EVENTS.LedgerInitialized]: (p) => {
    const c = p as unknown as LedgerConfig;
    return { ...NONE, target: { type: 'ledger', id: c.coordinator }, departments: [c.coordinator] };
  },
  [EVENTS.DepartmentRegistered]: (p) => department(p as unknown as Department),
  [EVENTS.DepartmentUpdated]: (p) => department(p as unknown as Department),
  [EVENTS.UserRolesSet]: (p) => {
    const u = p as unknown as UserRoles;
    return {
      ...NONE,
      target: { type: 'user', id: `${u.department}/${u.user}` },
      departments: [u.department],
    };
  },
  [EVENTS.CalendarSet]: (p) => {
    const c = p as unknown as WorkingCalendar;
    return { ...NONE, target: { type: 'calendar', id: String(c.year) }, departments: [] };
  },
  [EVENTS.GatewayPublished]: (p) => {
    const g = p as unknown as DepartmentGateway;
    return {
      ...NONE,
      target: { type: 'gateway', id: g.department },
      departments: [g.department],
    };
  },
  [EVENTS.CatalogEntryCreated]: entry,
  [EVENTS.CatalogEntryUpdated]: entry,
  [EVENTS.CatalogEntryRetired]: entry,
  [EVENTS.CatalogUpdateRequired]: (p) => {
    const r = p as unknown as CatalogUpdateRequirement;
    return {
      ...NONE,
      target: { type: 'catalog', id: r.catalogId },
      catalogId: r.catalogId,
      departments: [r.owner],
      reason: r.reason ?? null,
    };
  },
  [EVENTS.DatasetVersionAnchored]: (p) => {
    const v = p as unknown as DatasetVersion;
    return {
      ...NONE,
      target: { type: 'version', id: v.id },
      catalogId: v.catalogId,
      departments: [v.owner],
      reason: v.reason ?? null,
    };
  },
  [EVENTS.ShareRequestCreated]: request,
  [EVENTS.ShareRequestApproved]: request,
  [EVENTS.ShareRequestRejected]: request,
  [EVENTS.ShareRequestEscalated]: request,
  [EVENTS.ShareRequestWithdrawn]: request,
  [EVENTS.ShareRequestExpired]: request,
  [EVENTS.GrantRevoked]: (p) => {
    const g = p as unknown as Grant;
    return {
      ...NONE,
      target: { type: 'grant', id: g.id },
      catalogId: g.catalogId,
      departments: [g.provider, g.consumer],
      fields: g.fields ?? [],
      reason: g.revocation?.reason ?? null,
    };
  },
  [EVENTS.UseRecorded]: (p) => {
    const u = inner<UsageRecord>(p, 'usage');
    return {
      target: { type: 'usage', id: u.id },
      catalogId: u.catalogId,
      departments: [u.provider, u.consumer?.department],
      outcome: u.outcome,
      code: u.denialCode ?? null,
      reason: u.denialMessage ?? null,
      fields: u.fields ?? [],
      automatic: false,
    };
  },
  [EVENTS.ObjectionRaised]: objection,
  [EVENTS.ObjectionResolved]: objection,
  [EVENTS.SubjectBound]: (p) => {
    const b = p as unknown as SubjectBinding;
    return {
      ...NONE,
      target: { type: 'subject', id: b.subject },
      departments: [b.boundBy?.department],
      reason: b.reason ?? null,
    };
  },
  [EVENTS.AuthorisationSubmitted]: authorisation,
  [EVENTS.AuthorisationRevoked]: authorisation,
  [EVENTS.DelegationSubmitted]: delegation,
  [EVENTS.DelegationRevoked]: delegation,
};

function department(d: Department): Facts {
  return { ...NONE, target: { type: 'department', id: d.id }, departments: [d.id] };
}

export const isActName = (name: string): name is EventName => Object.hasOwn(FACTS, name);

/** The act a valid transaction's event records; null for an event this ledger does not emit. */
export function actOf(tx: CommittedTransaction, name: string, payload: unknown): AuditAct | null {
  if (!isActName(name) || !isObject(payload)) return null;
  const facts = FACTS[name](payload);
  const departments = [tx.creator.department, ...facts.departments].filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  return {
    id: tx.txId,
    at: new Date(tx.timestamp).toISOString(),
    act: name,
    actor: { department: tx.creator.department, user: tx.creator.user },
    departments: [...new Set(departments)].sort(),
    target: facts.target,
    catalogId: facts.catalogId,
    outcome: facts.outcome,
    code: facts.code,
    reason: facts.reason,
    fields: facts.fields,
    automatic: facts.automatic,
  };
}

// ---- monthly counters ------------------------------------------------------------------------

/** The CST calendar month (YYYY-MM) of an instant: monthly and quarterly figures count in CST. */
export const cstMonth = (at: string | number): string =>
  new Date((typeof at === 'number' ? at : Date.parse(at)) + 8 * 3_600_000)
    .toISOString()
    .slice(0, 7);

/** What a counter counts: the act, split by outcome for uses (allowed and refused apart). */
export const actCounted = (a: Pick<AuditAct, 'act' | 'outcome'>): string =>
  a.outcome === null ? a.act : `${a.act}:${a.outcome}`;

/** One monthly counter read back: `cnt.act <month> <department> <act[:outcome]>`. */
export interface ActCount {
  month: string;
  department: string;
  act: EventName;
  outcome: UsageOutcome | null;
  count: number;
}
