/**
 * The query index: a level database fed by the ledger's block events, holding the latest state of
 * every entity plus secondary keys for the lists, searches, traces and statistics the API serves.
 *
 * Each block is applied in ONE level batch that also moves the checkpoint, so a crash leaves the
 * index at a block boundary and following resumes from the next block. The index is derived data:
 * `rebuild` clears it and replays from block 0.
 */
import { Level } from 'level';
import { parseJson } from '@shulian/chaincode/canonical';
import {
  EVENTS,
  isOverdue,
  type CatalogEntry,
  type CatalogUpdateRequirement,
  type DatasetVersion,
  type Grant,
  type QualityObjection,
  type ShareRequest,
  type UsageOutcome,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import type { BlockEvent, LedgerClient } from '../ledger/types.js';
import { decodeCursor, encodeCursor, idOf, key, padVersion, range, time } from './keys.js';

export type EntityType =
  'catalog' | 'update' | 'version' | 'request' | 'grant' | 'usage' | 'objection';

interface EntityTypes {
  catalog: CatalogEntry;
  /** The latest update requirement of an entry, keyed by the entry (one at a time, as on chain). */
  update: CatalogUpdateRequirement;
  version: DatasetVersion;
  request: ShareRequest;
  grant: Grant;
  usage: UsageRecord;
  objection: QualityObjection;
}

/** An entity with the transaction that last wrote it. */
export type Indexed<T> = T & { txId: string; blockNumber: number };

export interface Checkpoint {
  blockNumber: number;
  blockHash: string;
}

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

export interface DepartmentStats {
  department: string;
  catalogEntries: number;
  notShared: number;
  datasetVersions: number;
  requestsReceived: number;
  answered: number;
  approved: number;
  rejected: number;
  meanResponseHours: number | null;
  maxResponseHours: number | null;
  answeredLate: number;
  overdueRequests: number;
  objectionsReceived: number;
  overdueObjections: number;
  /** Catalog update requirements still open past their deadline. */
  overdueCatalogUpdates: number;
  /** approved / answered (按需共享率); null before any answer. */
  shareRate: number | null;
  /** Dataset versions without an upheld objection / dataset versions; null without versions. */
  qualityRate: number | null;
  usesAllowed: number;
  usesDenied: number;
}

export interface QueryIndex {
  checkpoint(): Promise<Checkpoint | null>;
  /** Apply one block; blocks must arrive in order without gaps. */
  applyBlock(block: BlockEvent): Promise<void>;
  /** Follow the ledger from the checkpoint until `signal` aborts; restarts after errors. */
  follow(
    ledger: LedgerClient,
    signal: AbortSignal,
    onError?: (err: unknown) => void,
  ): Promise<void>;
  /** Resolves once the index holds `blockNumber` (read-your-writes after a submit). */
  waitFor(blockNumber: number, timeoutMs?: number): Promise<void>;
  /** Clear everything and replay the ledger from block 0 up to its current height. */
  rebuild(
    ledger: LedgerClient,
    onProgress?: (block: number, height: number) => void,
  ): Promise<Checkpoint | null>;

  get<K extends EntityType>(type: K, id: string): Promise<Indexed<EntityTypes[K]> | undefined>;
  searchCatalog(
    filter: CatalogFilter,
    page: PageRequest,
  ): Promise<PageResult<Indexed<CatalogEntry>>>;
  allCatalog(): AsyncIterable<Indexed<CatalogEntry>>;
  versions(catalogId: string): Promise<Indexed<DatasetVersion>[]>;
  /** Served from memory: verification is the hottest public read. */
  versionsByDigest(algorithm: string, value: string): Indexed<DatasetVersion>[];
  versionsByRecordRoot(root: string): Indexed<DatasetVersion>[];
  /** Every anchored version, from memory (start-up reconciliation, store verification). */
  allVersions(): Indexed<DatasetVersion>[];
  /** Every stored key and value in key order, from one snapshot (index verification). */
  entries(): AsyncIterable<[string, string]>;
  catalogName(id: string): string | null;
  requests(
    box: RequestBox,
    page: PageRequest & { status?: string },
  ): Promise<PageResult<Indexed<ShareRequest>>>;
  grants(scope: GrantScope, page: PageRequest): Promise<PageResult<Indexed<Grant>>>;
  /** The consumer's newest unrevoked grant on an entry that is valid at `now`, if any. */
  currentGrant(
    consumer: string,
    catalogId: string,
    now: number,
  ): Promise<Indexed<Grant> | undefined>;
  objections(
    scope: ObjectionScope,
    page: PageRequest & { status?: string },
  ): Promise<PageResult<Indexed<QualityObjection>>>;
  /** Newest required first; `overdue` keeps those that are (or are not) overdue at `at`. */
  updateRequirements(
    scope: UpdateScope,
    page: PageRequest & { status?: string; overdue?: { at: number; is: boolean } },
  ): Promise<PageResult<Indexed<CatalogUpdateRequirement>>>;
  usage(query: UsageQuery): Promise<PageResult<Indexed<UsageRecord>>>;
  stats(department: string, now: number): Promise<DepartmentStats>;
  /** Bulk-load usage records (benchmarks and tests of trace performance). */
  putUsage(
    records: readonly UsageRecord[],
    tx: { txId: string; blockNumber: number },
  ): Promise<void>;
  close(): Promise<void>;
}

type Stored<T> = { v: T; tx: string; b: number };

function unwrapRaw<T>(raw: string): Indexed<T> {
  const s = JSON.parse(raw) as Stored<T>;
  return { ...s.v, txId: s.tx, blockNumber: s.b };
}
type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const ENTITY = 'e';
const META_CHECKPOINT = key('m', 'checkpoint');
/** Bound on index entries read to fill one filtered page, so a rare filter cannot stall a request. */
const MAX_SCAN = 20_000;

const entityKey = (type: EntityType, id: string): string => key(ENTITY, type, id);

function secondaryKeys(type: EntityType, value: EntityTypes[EntityType], id: string): string[] {
  switch (type) {
    case 'catalog': {
      const c = value as CatalogEntry;
      return [key('cat.owner', c.owner, id)];
    }
    case 'update': {
      const u = value as CatalogUpdateRequirement;
      const t = time(u.requiredAt);
      return [key('upd.owner', u.owner, t, id), key('upd.all', t, id)];
    }
    case 'version': {
      const v = value as DatasetVersion;
      const keys = [
        key('ver', v.catalogId, padVersion(v.version)),
        key('ver.owner', v.owner, time(v.anchoredAt), id),
        key('dig', v.digest.algorithm, v.digest.value, id),
      ];
      if (v.recordRoot) keys.push(key('rroot', v.recordRoot, id));
      return keys;
    }
    case 'request': {
      const r = value as ShareRequest;
      const t = time(r.createdAt);
      return [
        key('req.requester', r.requester.department, t, id),
        key('req.provider', r.provider, t, id),
        key('req.catalog', r.catalogId, t, id),
        key('req.all', t, id),
      ];
    }
    case 'grant': {
      const g = value as Grant;
      const t = time(g.grantedAt);
      return [
        key('grant.consumer', g.consumer, t, id),
        key('grant.provider', g.provider, t, id),
        key('grant.catalog', g.catalogId, t, id),
      ];
    }
    case 'usage': {
      const u = value as UsageRecord;
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
    case 'objection': {
      const o = value as QualityObjection;
      const t = time(o.raisedAt);
      return [
        key('obj.raiser', o.raisedBy.department, t, id),
        key('obj.provider', o.provider, t, id),
        key('obj.catalog', o.catalogId, t, id),
      ];
    }
  }
}

const counterKey = (
  department: string,
  side: 'provider' | 'consumer',
  outcome: UsageOutcome,
): string => key('cnt.use', side, department, outcome);

/** What the index stores: entities with an id, and update requirements keyed by their entry. */
type Entity = { id: string } | CatalogUpdateRequirement;
const entityId = (e: Entity): string => ('id' in e ? e.id : e.catalogId);

/** Which entities an event writes, read from its payload. */
function entitiesOf(name: string, payload: unknown): [EntityType, Entity][] {
  const p = payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') return [];
  const one = (type: EntityType): [EntityType, Entity][] =>
    typeof p.id === 'string' ? [[type, p as { id: string }]] : [];
  switch (name) {
    case EVENTS.CatalogEntryCreated:
    case EVENTS.CatalogEntryUpdated:
    case EVENTS.CatalogEntryRetired:
      return one('catalog');
    case EVENTS.CatalogUpdateRequired: {
      // Keyed by the entry, as on chain: the entry's next requirement replaces it.
      const r = p as unknown as CatalogUpdateRequirement;
      return typeof r.catalogId === 'string' ? [['update', r]] : [];
    }
    case EVENTS.DatasetVersionAnchored:
      return one('version');
    case EVENTS.ShareRequestCreated:
    case EVENTS.ShareRequestApproved:
    case EVENTS.ShareRequestRejected:
    case EVENTS.ShareRequestEscalated:
    case EVENTS.ShareRequestWithdrawn:
    case EVENTS.ShareRequestExpired: {
      // A decision carries the request and, when approved, its grant.
      if (p.request && typeof p.request === 'object') {
        const out: [EntityType, Entity][] = [['request', p.request as { id: string }]];
        if (p.grant && typeof p.grant === 'object') out.push(['grant', p.grant as { id: string }]);
        return out;
      }
      return one('request');
    }
    case EVENTS.GrantRevoked:
      return one('grant');
    case EVENTS.UseRecorded: {
      if (p.usage && typeof p.usage === 'object') {
        const out: [EntityType, Entity][] = [['usage', p.usage as { id: string }]];
        if (p.grant && typeof p.grant === 'object') out.push(['grant', p.grant as { id: string }]);
        return out;
      }
      return one('usage');
    }
    case EVENTS.ObjectionRaised:
    case EVENTS.ObjectionResolved:
      return one('objection');
    default:
      return [];
  }
}

export async function openQueryIndex(location: string): Promise<QueryIndex> {
  const db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();

  let current: Checkpoint | null = null;
  try {
    current = JSON.parse(await db.get(META_CHECKPOINT)) as Checkpoint;
  } catch (err) {
    if ((err as { code?: string }).code !== 'LEVEL_NOT_FOUND') throw err;
  }
  const waiters = new Set<{ block: number; resolve: () => void }>();

  /**
   * Anchored versions by digest and by record root, and catalog names, kept in memory as well:
   * one small entry per dataset version or entry (thousands, not millions), loaded at open and
   * moved with each committed block, so that public verification never waits on the disk.
   */
  const byDigest = new Map<string, Indexed<DatasetVersion>[]>();
  const byRecordRoot = new Map<string, Indexed<DatasetVersion>[]>();
  const catalogNames = new Map<string, string>();
  const remember = (type: EntityType, raw: string): void => {
    if (type === 'catalog') {
      const c = unwrapRaw<CatalogEntry>(raw);
      catalogNames.set(c.id, c.name);
    } else if (type === 'version') {
      const v = unwrapRaw<DatasetVersion>(raw);
      const add = (map: Map<string, Indexed<DatasetVersion>[]>, k: string) =>
        map.set(k, [...(map.get(k) ?? []).filter((x) => x.id !== v.id), v]);
      add(byDigest, `${v.digest.algorithm}:${v.digest.value}`);
      if (v.recordRoot) add(byRecordRoot, v.recordRoot);
    }
  };

  async function readRaw(k: string): Promise<string | undefined> {
    try {
      return await db.get(k);
    } catch (err) {
      if ((err as { code?: string }).code === 'LEVEL_NOT_FOUND') return undefined;
      throw err;
    }
  }

  const unwrap = <T>(raw: string): Indexed<T> => unwrapRaw<T>(raw);

  async function getEntity<K extends EntityType>(
    type: K,
    id: string,
  ): Promise<Indexed<EntityTypes[K]> | undefined> {
    const raw = await readRaw(entityKey(type, id));
    return raw === undefined ? undefined : unwrap<EntityTypes[K]>(raw);
  }

  async function getMany<T>(type: EntityType, ids: string[]): Promise<Indexed<T>[]> {
    if (ids.length === 0) return [];
    const raws = await db.getMany(ids.map((id) => entityKey(type, id)));
    return raws.filter((r): r is string => typeof r === 'string').map((r) => unwrap<T>(r));
  }

  /**
   * Newest-first page over a secondary index: scan keys (never values) below the cursor, fetch
   * the batch's entities in one getMany, filter, and stop at `limit` or after MAX_SCAN keys. The
   * cursor is the last key returned, an exclusive upper bound for the next page.
   */
  async function pageOf<T>(
    type: EntityType,
    bounds: { gte: string; lt: string },
    page: PageRequest,
    accept: (item: Indexed<T>) => boolean = () => true,
  ): Promise<PageResult<Indexed<T>>> {
    let upper = page.cursor ? decodeCursor(page.cursor, bounds) : bounds.lt;
    if (upper <= bounds.gte || upper > bounds.lt) return { items: [], nextCursor: null };
    const items: Indexed<T>[] = [];
    const batch = page.limit + 1;
    for (let scanned = 0; scanned < MAX_SCAN;) {
      const keys = await db.keys({ gte: bounds.gte, lt: upper, reverse: true, limit: batch }).all();
      const raws = keys.length ? await db.getMany(keys.map((k) => entityKey(type, idOf(k)))) : [];
      for (let i = 0; i < keys.length; i++) {
        const raw = raws[i];
        if (raw === undefined) continue;
        const item = unwrap<T>(raw);
        if (!accept(item)) continue;
        items.push(item);
        if (items.length === page.limit) {
          const more = i < keys.length - 1 || keys.length === batch;
          return { items, nextCursor: more ? encodeCursor(keys[i]!) : null };
        }
      }
      if (keys.length < batch) return { items, nextCursor: null };
      upper = keys[keys.length - 1]!;
      scanned += keys.length;
    }
    return { items, nextCursor: encodeCursor(upper) };
  }

  async function applyBlock(block: BlockEvent): Promise<void> {
    const expected = current === null ? 0 : current.blockNumber + 1;
    if (block.blockNumber < expected) return;
    if (block.blockNumber !== expected) {
      throw new Error(`index expected block ${expected}, got ${block.blockNumber}`);
    }
    const ops: BatchOp[] = [];
    // Later events in the same block must see earlier ones (a request then its approval).
    const overlay = new Map<string, string>();
    const counters = new Map<string, number>();
    const read = async (k: string): Promise<string | undefined> =>
      overlay.get(k) ?? (await readRaw(k));

    const memory: [EntityType, string][] = [];
    const put = (type: EntityType, entity: Entity, txId: string): void => {
      const id = entityId(entity);
      const k = entityKey(type, id);
      const value = JSON.stringify({
        v: entity,
        tx: txId,
        b: block.blockNumber,
      } satisfies Stored<unknown>);
      overlay.set(k, value);
      ops.push({ type: 'put', key: k, value });
      if (type === 'catalog' || type === 'version') memory.push([type, value]);
      for (const sk of secondaryKeys(type, entity as EntityTypes[EntityType], id)) {
        ops.push({ type: 'put', key: sk, value: '' });
      }
    };

    // An entry's next requirement replaces its last one under the same id; the last one's time
    // keys would otherwise list the new requirement twice.
    const replaceRequirement = async (r: CatalogUpdateRequirement, txId: string): Promise<void> => {
      const raw = await read(entityKey('update', r.catalogId));
      if (raw !== undefined) {
        const previous = (JSON.parse(raw) as Stored<CatalogUpdateRequirement>).v;
        for (const k of secondaryKeys('update', previous, r.catalogId)) {
          if (!secondaryKeys('update', r, r.catalogId).includes(k))
            ops.push({ type: 'del', key: k });
        }
      }
      put('update', r, txId);
    };

    // UpdateEntry and RetireEntry answer the entry's open requirement on chain but emit only the
    // entry's event, so the index answers its copy the same way (chaincode answerRequirement).
    const answerRequirement = async (entry: CatalogEntry, txId: string): Promise<void> => {
      const raw = await read(entityKey('update', entry.id));
      if (raw === undefined) return;
      const open = (JSON.parse(raw) as Stored<CatalogUpdateRequirement>).v;
      if (open.status !== 'open') return;
      put(
        'update',
        {
          ...open,
          status: entry.status === 'retired' ? 'retired' : 'updated',
          answer: { version: entry.version, at: entry.updatedAt, by: entry.updatedBy },
        },
        txId,
      );
    };

    // UseRecorded carries the record only; the grant's use count moves with it on the ledger,
    // so the index moves its copy too rather than showing a stale count.
    const countUse = async (u: UsageRecord, txId: string): Promise<void> => {
      if (u.outcome !== 'ALLOWED' || u.grantId === null) return;
      const raw = await read(entityKey('grant', u.grantId));
      if (raw === undefined) return;
      const grant = JSON.parse(raw) as Stored<Grant>;
      const counted: Grant = { ...grant.v, useCount: grant.v.useCount + 1 };
      put('grant', counted, txId);
    };

    for (const tx of block.transactions) {
      if (tx.validationCode !== 'VALID' || tx.event === null) continue;
      let payload: unknown;
      try {
        payload = parseJson(tx.event.payload);
      } catch {
        continue; // Not ours to judge: the ledger accepted it; an undecodable event indexes nothing.
      }
      for (const [type, entity] of entitiesOf(tx.event.name, payload)) {
        if (type === 'usage') {
          const u = entity as UsageRecord;
          if ((await read(entityKey('usage', u.id))) !== undefined) continue;
          for (const k of [
            counterKey(u.provider, 'provider', u.outcome),
            counterKey(u.consumer.department, 'consumer', u.outcome),
          ]) {
            const base = counters.get(k) ?? Number((await readRaw(k)) ?? '0');
            counters.set(k, base + 1);
          }
        }
        if (type === 'update') {
          await replaceRequirement(entity as CatalogUpdateRequirement, tx.txId);
          continue;
        }
        put(type, entity, tx.txId);
        if (type === 'usage') await countUse(entity as UsageRecord, tx.txId);
        if (
          type === 'catalog' &&
          (tx.event.name === EVENTS.CatalogEntryUpdated ||
            tx.event.name === EVENTS.CatalogEntryRetired)
        ) {
          await answerRequirement(entity as CatalogEntry, tx.txId);
        }
      }
    }
    for (const [k, v] of counters) ops.push({ type: 'put', key: k, value: String(v) });
    const next: Checkpoint = { blockNumber: block.blockNumber, blockHash: block.blockHash };
    ops.push({ type: 'put', key: META_CHECKPOINT, value: JSON.stringify(next) });
    await db.batch(ops);
    for (const [type, raw] of memory) remember(type, raw);
    current = next;
    for (const w of waiters) {
      if (w.block <= block.blockNumber) {
        waiters.delete(w);
        w.resolve();
      }
    }
  }

  async function count(prefix: string[]): Promise<number> {
    return (await db.keys(range(prefix)).all()).length;
  }

  async function allOf<T>(type: EntityType, prefix: string[]): Promise<Indexed<T>[]> {
    const ids = await db.keys(range(prefix)).all();
    return getMany<T>(type, ids.map(idOf));
  }

  for (const type of ['catalog', 'version'] as const) {
    for await (const raw of db.values(range([ENTITY, type]))) remember(type, raw);
  }

  const index: QueryIndex = {
    checkpoint: () => Promise.resolve(current),
    applyBlock,

    async follow(ledger, signal, onError) {
      while (!signal.aborted) {
        try {
          const startBlock = current === null ? 0 : current.blockNumber + 1;
          for await (const block of ledger.blockEvents({ startBlock, signal })) {
            await applyBlock(block);
            if (signal.aborted) break;
          }
        } catch (err) {
          if (signal.aborted) break;
          onError?.(err);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },

    waitFor(blockNumber, timeoutMs = 10_000) {
      if (current !== null && current.blockNumber >= blockNumber) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = {
          block: blockNumber,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`index did not reach block ${blockNumber} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    async rebuild(ledger, onProgress) {
      await db.clear();
      byDigest.clear();
      byRecordRoot.clear();
      catalogNames.clear();
      current = null;
      const { height } = await ledger.status();
      for (let n = 0; n < height; n++) {
        await applyBlock(await ledger.getBlockEvent(n));
        onProgress?.(n, height);
      }
      return current;
    },

    get: getEntity,

    async *allCatalog() {
      for await (const raw of db.values(range([ENTITY, 'catalog'])))
        yield unwrap<CatalogEntry>(raw);
    },

    async searchCatalog(filter, page) {
      // Catalogs hold thousands of entries, not millions: a filtered scan in id order is cheap
      // and keeps every combination of filters possible without an index per combination.
      const q = filter.q?.toLowerCase();
      const matches = (c: CatalogEntry): boolean =>
        (!filter.owner || c.owner === filter.owner) &&
        (!filter.shareType || c.shareType === filter.shareType) &&
        (!filter.updateFrequency || c.updateFrequency === filter.updateFrequency) &&
        (!filter.status || c.status === filter.status) &&
        (!filter.sensitivity || c.fields.some((f) => f.sensitivity === filter.sensitivity)) &&
        (!filter.ownerIn || filter.ownerIn.has(c.owner)) &&
        (!q ||
          [c.id, c.name, c.abstract, ...c.fields.map((f) => `${f.name} ${f.nameZh ?? ''}`)].some(
            (s) => s.toLowerCase().includes(q),
          ));
      const bounds = range([ENTITY, 'catalog']);
      const gt = page.cursor ? decodeCursor(page.cursor, bounds) : undefined;
      const items: Indexed<CatalogEntry>[] = [];
      let lastKey: string | null = null;
      for await (const [k, raw] of db.iterator(gt ? { gt, lt: bounds.lt } : bounds)) {
        const entry = unwrap<CatalogEntry>(raw);
        if (!matches(entry)) continue;
        if (items.length === page.limit)
          return { items, nextCursor: lastKey && encodeCursor(lastKey) };
        items.push(entry);
        lastKey = k;
      }
      return { items, nextCursor: null };
    },

    async versions(catalogId) {
      const ids = await db.keys(range(['ver', catalogId])).all();
      return getMany<DatasetVersion>(
        'version',
        ids.map((k) => `${catalogId}@${Number(idOf(k))}`),
      );
    },

    versionsByDigest: (algorithm, value) => byDigest.get(`${algorithm}:${value}`) ?? [],
    versionsByRecordRoot: (root) => byRecordRoot.get(root) ?? [],
    allVersions: () => [...byDigest.values()].flat(),
    entries: () => db.iterator(),
    catalogName: (id) => catalogNames.get(id) ?? null,

    requests(box, page) {
      const prefix =
        box.by === 'all'
          ? ['req.all']
          : box.by === 'catalog'
            ? ['req.catalog', box.catalogId]
            : [`req.${box.by}`, box.department];
      const status = page.status;
      return pageOf<ShareRequest>(
        'request',
        range(prefix),
        page,
        status ? (r) => r.status === status : undefined,
      );
    },

    grants(scope, page) {
      const prefix =
        scope.by === 'catalog'
          ? ['grant.catalog', scope.catalogId]
          : [`grant.${scope.by}`, scope.department];
      return pageOf<Grant>('grant', range(prefix), page);
    },

    async currentGrant(consumer, catalogId, now) {
      const all = await allOf<Grant>('grant', ['grant.catalog', catalogId]);
      // Validity bounds are days or instants; a bound's day is compared by its start (from) and
      // end (to), so a grant valid "to 2026-12-31" covers that whole day.
      const start = (v: string) => Date.parse(v.length === 10 ? `${v}T00:00:00+08:00` : v);
      const end = (v: string) => (v.length === 10 ? start(v) + 86_400_000 - 1 : Date.parse(v));
      return all
        .reverse()
        .find(
          (g) =>
            g.consumer === consumer &&
            g.revocation === null &&
            start(g.validFrom) <= now &&
            now <= end(g.validTo),
        );
    },

    objections(scope, page) {
      const prefix =
        scope.by === 'catalog'
          ? ['obj.catalog', scope.catalogId]
          : [`obj.${scope.by}`, scope.department];
      const status = page.status;
      return pageOf<QualityObjection>(
        'objection',
        range(prefix),
        page,
        status ? (o) => o.status === status : undefined,
      );
    },

    async updateRequirements(scope, page) {
      const { status, overdue } = page;
      const accept =
        status === undefined && overdue === undefined
          ? undefined
          : (r: CatalogUpdateRequirement) =>
              (status === undefined || r.status === status) &&
              (overdue === undefined || isOverdue(r, overdue.at) === overdue.is);
      if (scope.by === 'catalog') {
        // One per entry: the entry's latest requirement, if it passes the filters.
        const r = await getEntity('update', scope.catalogId);
        const kept = r && (!scope.owner || r.owner === scope.owner) && (accept?.(r) ?? true);
        return { items: kept ? [r] : [], nextCursor: null };
      }
      const prefix = scope.by === 'owner' ? ['upd.owner', scope.department] : ['upd.all'];
      return pageOf<CatalogUpdateRequirement>('update', range(prefix), page, accept);
    },

    usage(query) {
      const s = query.scope;
      // Refused uses have their own keys; allowed ones are the rest, filtered while scanning.
      const kind = query.outcome === 'DENIED' ? 'use.denied.' : 'use.';
      const prefix =
        s.by === 'all'
          ? [`${kind}all`]
          : s.by === 'catalog'
            ? [`${kind}catalog`, s.catalogId]
            : s.by === 'user'
              ? [`${kind}user`, s.department, s.user]
              : [`${kind}${s.by}`, s.department];
      const window = {
        ...(query.from === undefined ? {} : { from: query.from }),
        ...(query.to === undefined ? {} : { to: query.to }),
      };
      const accept =
        query.outcome === 'ALLOWED' ? (u: UsageRecord) => u.outcome === 'ALLOWED' : undefined;
      return pageOf<UsageRecord>('usage', range(prefix, window), query, accept);
    },

    async stats(department, now) {
      const [catalog, updates, requests, objections, versions] = await Promise.all([
        allOf<CatalogEntry>('catalog', ['cat.owner', department]),
        allOf<CatalogUpdateRequirement>('update', ['upd.owner', department]),
        allOf<ShareRequest>('request', ['req.provider', department]),
        allOf<QualityObjection>('objection', ['obj.provider', department]),
        count(['ver.owner', department]),
      ]);
      const answered = requests.filter(
        (r) => r.decision !== null && (r.status === 'approved' || r.status === 'rejected'),
      );
      const hours = answered.map(
        (r) => (Date.parse(r.decision!.at) - Date.parse(r.createdAt)) / 3_600_000,
      );
      const approved = answered.filter((r) => r.status === 'approved').length;
      const upheld = new Set(
        objections.filter((o) => o.status !== 'rejected').map((o) => `${o.catalogId}@${o.version}`),
      );
      const counter = async (side: 'provider' | 'consumer', outcome: UsageOutcome) =>
        Number((await readRaw(counterKey(department, side, outcome))) ?? '0');
      return {
        department,
        catalogEntries: catalog.length,
        notShared: catalog.filter((c) => c.shareType === 'not_shared').length,
        datasetVersions: versions,
        requestsReceived: requests.length,
        answered: answered.length,
        approved,
        rejected: answered.length - approved,
        meanResponseHours: hours.length ? hours.reduce((a, b) => a + b, 0) / hours.length : null,
        maxResponseHours: hours.length ? Math.max(...hours) : null,
        answeredLate: answered.filter((r) => Date.parse(r.decision!.at) > Date.parse(r.deadline))
          .length,
        overdueRequests: requests.filter((r) => isOverdue(r, now)).length,
        objectionsReceived: objections.length,
        overdueObjections: objections.filter((o) => isOverdue(o, now)).length,
        overdueCatalogUpdates: updates.filter((u) => isOverdue(u, now)).length,
        shareRate: answered.length ? approved / answered.length : null,
        qualityRate: versions ? (versions - Math.min(upheld.size, versions)) / versions : null,
        usesAllowed: await counter('provider', 'ALLOWED'),
        usesDenied: await counter('provider', 'DENIED'),
      };
    },

    async putUsage(records, tx) {
      const ops: BatchOp[] = [];
      for (const u of records) {
        ops.push({
          type: 'put',
          key: entityKey('usage', u.id),
          value: JSON.stringify({ v: u, tx: tx.txId, b: tx.blockNumber }),
        });
        for (const sk of secondaryKeys('usage', u, u.id))
          ops.push({ type: 'put', key: sk, value: '' });
      }
      await db.batch(ops);
    },

    close: () => db.close(),
  };
  return index;
}
