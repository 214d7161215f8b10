/**
 * What the query index stores and how it reads it from the ledger: the entity types and their
 * stored form, the secondary keys of each, and the decoding of chaincode events into the
 * entities they write. Pure: no database here (see ./apply.ts for writing, ./query-index.ts for
 * the database).
 */
import {
  EVENTS,
  storedFormatOf,
  type CatalogEntry,
  type CatalogUpdateRequirement,
  type DatasetVersion,
  type Grant,
  type QualityObjection,
  type ShareRequest,
  type UsageOutcome,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { actCounted, cstMonth, isActName, type ActCount, type AuditAct } from './acts.js';
import { key, padVersion, partsOf, time } from './keys.js';

export type EntityType =
  'catalog' | 'update' | 'version' | 'request' | 'grant' | 'usage' | 'objection' | 'act';

export interface EntityTypes {
  catalog: CatalogEntry;
  /** The latest update requirement of an entry, keyed by the entry (one at a time, as on chain). */
  update: CatalogUpdateRequirement;
  version: DatasetVersion;
  request: ShareRequest;
  grant: Grant;
  usage: UsageRecord;
  objection: QualityObjection;
  /** Every act on the ledger, by its transaction (the full-process audit trail). */
  act: AuditAct;
}

/** An entity with the transaction that last wrote it. */
export type Indexed<T> = T & { txId: string; blockNumber: number };

/** An entity as stored: the value, the transaction and the block that wrote it. */
export type Stored<T> = { v: T; tx: string; b: number };

export function unwrapRaw<T>(raw: string): Indexed<T> {
  const s = JSON.parse(raw) as Stored<T>;
  return { ...s.v, txId: s.tx, blockNumber: s.b };
}

export const ENTITY = 'e';
export const META_CHECKPOINT = key('m', 'checkpoint');

export const entityKey = (type: EntityType, id: string): string => key(ENTITY, type, id);

export const counterKey = (
  department: string,
  side: 'provider' | 'consumer',
  outcome: UsageOutcome,
): string => key('cnt.use', side, department, outcome);

export const ACT_COUNTER = 'cnt.act';
/** Counted under the acting department, by CST month. */
export const actCounterKey = (a: AuditAct): string =>
  key(ACT_COUNTER, cstMonth(a.at), a.actor.department, actCounted(a));

/** A monthly act counter read back: `cnt.act <month> <department> <act[:outcome]>`. */
export function parseActCounter(k: string, value: string): ActCount | null {
  const [, month, department, counted] = partsOf(k);
  if (month === undefined || department === undefined || counted === undefined) return null;
  const [act, outcome] = counted.split(':');
  if (act === undefined || !isActName(act)) return null;
  return {
    month,
    department,
    act,
    outcome: outcome === 'ALLOWED' || outcome === 'DENIED' ? outcome : null,
    count: Number(value),
  };
}

/** Usage keys: by every scope a trace asks for; refused uses again under keys of their own. */
function usageKeys(u: UsageRecord, id: string): string[] {
  const t = time(u.at);
  const scopes: (string | number)[][] = [
    ['all', t],
    ['catalog', u.catalogId, t],
    ['consumer', u.consumer.department, t],
    ['user', u.consumer.department, u.consumer.user, t],
    ['provider', u.provider, t],
  ];
  // Refused uses get keys of their own too: supervisors ask for them, and they are rare,
  // so a filtered scan over all uses would read far more than it returns.
  const kinds = u.outcome === 'DENIED' ? ['use.', 'use.denied.'] : ['use.'];
  return kinds.flatMap((kind) =>
    scopes.map(([scope, ...parts]) => key(`${kind}${String(scope)}`, ...parts, id)),
  );
}

function versionKeys(v: DatasetVersion, id: string): string[] {
  const keys = [
    key('ver', v.catalogId, padVersion(v.version)),
    key('ver.owner', v.owner, time(v.anchoredAt), id),
    key('dig', v.digest.algorithm, v.digest.value, id),
  ];
  if (v.recordRoot) keys.push(key('rroot', v.recordRoot, id));
  return keys;
}

/** The secondary keys of each entity type, by which lists and searches find it. */
const SECONDARY: { [K in EntityType]: (value: EntityTypes[K], id: string) => string[] } = {
  catalog: (c, id) => [key('cat.owner', c.owner, id)],
  update: (u, id) => {
    const t = time(u.requiredAt);
    return [key('upd.owner', u.owner, t, id), key('upd.all', t, id)];
  },
  version: versionKeys,
  request: (r, id) => {
    const t = time(r.createdAt);
    return [
      key('req.requester', r.requester.department, t, id),
      key('req.provider', r.provider, t, id),
      key('req.catalog', r.catalogId, t, id),
      key('req.all', t, id),
    ];
  },
  grant: (g, id) => {
    const t = time(g.grantedAt);
    return [
      key('grant.consumer', g.consumer, t, id),
      key('grant.provider', g.provider, t, id),
      key('grant.catalog', g.catalogId, t, id),
    ];
  },
  usage: usageKeys,
  // The whole trail, and each concerned department's: a supervisor's filter on one department
  // reads that department's keys only.
  act: (a, id) => {
    const t = time(a.at);
    return [key('act.all', t, id), ...a.departments.map((d) => key('act.dept', d, t, id))];
  },
  objection: (o, id) => {
    const t = time(o.raisedAt);
    return [
      key('obj.raiser', o.raisedBy.department, t, id),
      key('obj.provider', o.provider, t, id),
      key('obj.catalog', o.catalogId, t, id),
    ];
  },
};

export const secondaryKeys = <K extends EntityType>(
  type: K,
  value: EntityTypes[K],
  id: string,
): string[] => SECONDARY[type](value, id);

/** An entity decoded from an event, its type and value kept together. */
export type Decoded = { [K in EntityType]: { type: K; value: EntityTypes[K] } }[EntityType];

/** Entities have an id; update requirements are keyed by their entry. */
export const entityId = (e: Decoded): string =>
  e.type === 'update' ? e.value.catalogId : e.value.id;

type Payload = Record<string, unknown>;
const isObject = (v: unknown): v is Payload => typeof v === 'object' && v !== null;

/**
 * The event's own shapes are the chaincode's (the ledger accepted the transaction); these
 * checks only keep a value without its key from being indexed under "undefined".
 */
const withId =
  <K extends Exclude<EntityType, 'update'>>(type: K) =>
  (v: unknown): Decoded[] =>
    isObject(v) && typeof v.id === 'string'
      ? [{ type, value: v as unknown as EntityTypes[K] } as Decoded]
      : [];

const requirement = (v: unknown): Decoded[] =>
  isObject(v) && typeof v.catalogId === 'string'
    ? [{ type: 'update', value: v as unknown as CatalogUpdateRequirement }]
    : [];

/**
 * An event carrying an envelope `{ [main]: entity, [extra]: second entity | null }` (a decision
 * and its grant, a new entry version and the requirement it answered), or, as earlier events
 * did, the main entity alone.
 */
const envelope =
  (
    main: (v: unknown) => Decoded[],
    mainKey: string,
    extra: (v: unknown) => Decoded[],
    extraKey: string,
  ) =>
  (p: Payload): Decoded[] =>
    isObject(p[mainKey]) ? [...main(p[mainKey]), ...extra(p[extraKey])] : main(p);

/** Entries written before formats were media types ('CSV') are indexed as the type they named, as the ledger reads them. */
const catalog = (v: unknown): Decoded[] =>
  withId('catalog')(v).map((d) =>
    d.type === 'catalog'
      ? { ...d, value: { ...d.value, format: storedFormatOf(d.value.format) } }
      : d,
  );
const shareDecision = envelope(withId('request'), 'request', withId('grant'), 'grant');
const entryVersion = envelope(catalog, 'entry', requirement, 'requirement');

const DECODERS: Partial<Record<string, (p: Payload) => Decoded[]>> = {
  [EVENTS.CatalogEntryCreated]: catalog,
  [EVENTS.CatalogEntryUpdated]: entryVersion,
  [EVENTS.CatalogEntryRetired]: entryVersion,
  // Keyed by the entry, as on chain: the entry's next requirement replaces it.
  [EVENTS.CatalogUpdateRequired]: requirement,
  [EVENTS.DatasetVersionAnchored]: withId('version'),
  [EVENTS.ShareRequestCreated]: shareDecision,
  [EVENTS.ShareRequestApproved]: shareDecision,
  [EVENTS.ShareRequestRejected]: shareDecision,
  [EVENTS.ShareRequestEscalated]: shareDecision,
  [EVENTS.ShareRequestWithdrawn]: shareDecision,
  [EVENTS.ShareRequestExpired]: shareDecision,
  [EVENTS.GrantRevoked]: withId('grant'),
  [EVENTS.UseRecorded]: envelope(withId('usage'), 'usage', withId('grant'), 'grant'),
  [EVENTS.ObjectionRaised]: withId('objection'),
  [EVENTS.ObjectionResolved]: withId('objection'),
};

/** Which entities an event writes, read from its payload; none for events the index ignores. */
export function entitiesOf(name: string, payload: unknown): Decoded[] {
  const decode = DECODERS[name];
  return decode && isObject(payload) ? decode(payload) : [];
}
