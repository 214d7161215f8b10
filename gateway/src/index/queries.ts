/**
 * The query index's read side that is not storage: the shapes of its queries and the key ranges
 * and filters they turn into. ./query-index.ts runs them against the database.
 */
import type {
  CatalogEntry,
  EventName,
  Grant,
  UsageOutcome,
  UsageRecord,
} from '@shulian/chaincode/constants';
import type { AuditAct } from './acts.js';

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface PageResult<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CatalogFilter {
  q?: string;
  owner?: string;
  shareType?: string;
  sensitivity?: string;
  /** Owners allowed (the departments at a level, resolved by the caller). */
  ownerIn?: ReadonlySet<string>;
  updateFrequency?: string;
  status?: string;
  /** 开放 (open) entries only, for a caller without a token. */
  openness?: string;
}

export type UsageScope =
  | { by: 'catalog'; catalogId: string }
  | { by: 'consumer'; department: string }
  | { by: 'provider'; department: string }
  | { by: 'user'; department: string; user: string }
  | { by: 'all' };

export interface UsageQuery extends PageRequest {
  scope: UsageScope;
  /** Inclusive window, epoch ms. */
  from?: number;
  to?: number;
  outcome?: UsageOutcome;
}

export type RequestBox =
  | { by: 'requester' | 'provider'; department: string }
  | { by: 'catalog'; catalogId: string }
  /** every department's (supervisors and the coordinator) */
  | { by: 'all' };
export type GrantScope =
  { by: 'consumer' | 'provider'; department: string } | { by: 'catalog'; catalogId: string };
export type UpdateScope =
  | { by: 'owner'; department: string }
  | { by: 'catalog'; catalogId: string; owner?: string }
  | { by: 'all' };
export type ObjectionScope =
  { by: 'raiser' | 'provider'; department: string } | { by: 'catalog'; catalogId: string };

const textOf = (c: CatalogEntry): string[] => [
  c.id,
  c.name,
  c.abstract,
  ...c.fields.map((f) => `${f.name} ${f.nameZh ?? ''}`),
];

/** Every filter of a catalog search, combined: each one given must hold. */
export function catalogMatcher(filter: CatalogFilter): (c: CatalogEntry) => boolean {
  const q = filter.q?.toLowerCase();
  const tests: ((c: CatalogEntry) => boolean)[] = [];
  const equal = <K extends 'owner' | 'shareType' | 'updateFrequency' | 'status' | 'openness'>(
    name: K,
  ) => {
    const wanted = filter[name];
    if (wanted) tests.push((c) => c[name] === wanted);
  };
  equal('owner');
  equal('shareType');
  equal('updateFrequency');
  equal('status');
  equal('openness');
  const { sensitivity, ownerIn } = filter;
  if (sensitivity) tests.push((c) => c.fields.some((f) => f.sensitivity === sensitivity));
  if (ownerIn) tests.push((c) => ownerIn.has(c.owner));
  if (q) tests.push((c) => textOf(c).some((s) => s.toLowerCase().includes(q)));
  return (c) => tests.every((test) => test(c));
}

/** Key prefix of a list: `<index>.all`, `<index>.catalog <id>` or `<index>.<side> <department>`. */
export function scopePrefix(
  index: string,
  scope: { by: string; catalogId?: string; department?: string },
): string[] {
  if (scope.by === 'all') return [`${index}.all`];
  if (scope.by === 'catalog') return [`${index}.catalog`, scope.catalogId ?? ''];
  return [`${index}.${scope.by}`, scope.department ?? ''];
}

/** Refused uses have their own keys; allowed ones are the rest, filtered while scanning. */
export function usagePrefix(query: UsageQuery): string[] {
  const s = query.scope;
  const kind = query.outcome === 'DENIED' ? 'use.denied' : 'use';
  return s.by === 'user' ? [`${kind}.user`, s.department, s.user] : scopePrefix(kind, s);
}

/**
 * Validity bounds are days or instants; a bound's day is compared by its start (from) and end
 * (to), so a grant valid "to 2026-12-31" covers that whole day.
 */
export function grantValidAt(g: Grant, now: number): boolean {
  const start = (v: string) => Date.parse(v.length === 10 ? `${v}T00:00:00+08:00` : v);
  const end = (v: string) => (v.length === 10 ? start(v) + 86_400_000 - 1 : Date.parse(v));
  return start(g.validFrom) <= now && now <= end(g.validTo);
}

export const usageAccept = (query: UsageQuery): ((u: UsageRecord) => boolean) | undefined =>
  query.outcome === 'ALLOWED' ? (u) => u.outcome === 'ALLOWED' : undefined;

/** The full-process trail: every filter given must hold; `department` is any concerned one. */
export interface ActQuery extends PageRequest {
  department?: string;
  act?: EventName;
  outcome?: UsageOutcome;
  /** The acting user (in `department` when that is given too). */
  user?: string;
  catalogId?: string;
  /** Inclusive window, epoch ms. */
  from?: number;
  to?: number;
}

export const actPrefix = (q: ActQuery): string[] =>
  q.department === undefined ? ['act.all'] : ['act.dept', q.department];

export function actAccept(q: ActQuery): (a: AuditAct) => boolean {
  return (a) =>
    (q.act === undefined || a.act === q.act) &&
    (q.outcome === undefined || a.outcome === q.outcome) &&
    (q.catalogId === undefined || a.catalogId === q.catalogId) &&
    (q.user === undefined ||
      (a.actor.user === q.user &&
        (q.department === undefined || a.actor.department === q.department)));
}
