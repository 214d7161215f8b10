/**
 * The query index: a level database fed by the ledger's block events, holding the latest state of
 * every entity plus secondary keys for the lists, searches, traces and statistics the API serves.
 * This module is the database and the interface; what is stored is ./entities.ts, what a block
 * writes ./apply.ts, query shapes and filters ./queries.ts, statistics ./stats.ts.
 *
 * Each block is applied in ONE level batch that also moves the checkpoint, so a crash leaves the
 * index at a block boundary and following resumes from the next block. The index is derived data:
 * `rebuild` clears it and replays from block 0.
 */
import { Level } from 'level';
import {
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
import type { ActCount, AuditAct } from './acts.js';
import { blockWrites, type BatchOp, type Checkpoint } from './apply.js';
import {
  ACT_COUNTER,
  counterKey,
  ENTITY,
  entityKey,
  META_CHECKPOINT,
  parseActCounter,
  secondaryKeys,
  unwrapRaw,
  type EntityType,
  type EntityTypes,
  type Indexed,
} from './entities.js';
import { decodeCursor, encodeCursor, idOf, range } from './keys.js';
import {
  actAccept,
  actPrefix,
  catalogMatcher,
  grantValidAt,
  scopePrefix,
  usageAccept,
  usagePrefix,
  type ActQuery,
  type CatalogFilter,
  type GrantScope,
  type ObjectionScope,
  type PageRequest,
  type PageResult,
  type RequestBox,
  type UpdateScope,
  type UsageQuery,
} from './queries.js';
import { departmentStats, type DepartmentStats } from './stats.js';

export type { Checkpoint } from './apply.js';
export type { EntityType, Indexed } from './entities.js';
export type { ActCount, AuditAct } from './acts.js';
export type * from './queries.js';
export type { DepartmentStats } from './stats.js';

export interface QueryIndex {
  checkpoint(): Promise<Checkpoint | null>;
  /** Apply one block; blocks must arrive in order without gaps. */
  applyBlock(block: BlockEvent): Promise<void>;
  /**
   * Follow the ledger from the checkpoint until `signal` aborts; restarts after errors.
   * `onBlock` sees each block once it is applied (metrics count its transactions).
   */
  follow(
    ledger: LedgerClient,
    signal: AbortSignal,
    onError?: (err: unknown) => void,
    onBlock?: (block: BlockEvent) => void,
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
  /** The full-process trail: every act, newest first. */
  acts(query: ActQuery): Promise<PageResult<Indexed<AuditAct>>>;
  /** Acts counted by CST month (YYYY-MM, inclusive bounds) and acting department. */
  actCounts(fromMonth: string, toMonth: string): Promise<ActCount[]>;
  stats(department: string, now: number): Promise<DepartmentStats>;
  /** Bulk-load usage records (benchmarks and tests of trace performance). */
  putUsage(
    records: readonly UsageRecord[],
    tx: { txId: string; blockNumber: number },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Bound on index entries read to fill one filtered page, so a rare filter cannot stall a request. */
const MAX_SCAN = 20_000;

const notFound = (err: unknown): boolean => (err as { code?: string }).code === 'LEVEL_NOT_FOUND';

export async function openQueryIndex(location: string): Promise<QueryIndex> {
  const db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const index = new LevelQueryIndex(db);
  await index.load();
  return index;
}

/**
 * Anchored versions by digest and by record root, and catalog names, kept in memory as well:
 * one small entry per dataset version or entry (thousands, not millions), loaded at open and
 * moved with each committed block, so that public verification never waits on the disk.
 */
class MemoryLookups {
  readonly byDigest = new Map<string, Indexed<DatasetVersion>[]>();
  readonly byRecordRoot = new Map<string, Indexed<DatasetVersion>[]>();
  readonly catalogNames = new Map<string, string>();

  remember(type: EntityType, raw: string): void {
    if (type === 'catalog') {
      const c = unwrapRaw<CatalogEntry>(raw);
      this.catalogNames.set(c.id, c.name);
    } else if (type === 'version') {
      const v = unwrapRaw<DatasetVersion>(raw);
      const add = (map: Map<string, Indexed<DatasetVersion>[]>, k: string) =>
        map.set(k, [...(map.get(k) ?? []).filter((x) => x.id !== v.id), v]);
      add(this.byDigest, `${v.digest.algorithm}:${v.digest.value}`);
      if (v.recordRoot) add(this.byRecordRoot, v.recordRoot);
    }
  }

  clear(): void {
    this.byDigest.clear();
    this.byRecordRoot.clear();
    this.catalogNames.clear();
  }
}

class LevelQueryIndex implements QueryIndex {
  private current: Checkpoint | null = null;
  private readonly waiters = new Set<{ block: number; resolve: () => void }>();
  private readonly memory = new MemoryLookups();

  constructor(private readonly db: Level<string, string>) {}

  async load(): Promise<void> {
    const raw = await this.readRaw(META_CHECKPOINT);
    this.current = raw === undefined ? null : (JSON.parse(raw) as Checkpoint);
    for (const type of ['catalog', 'version'] as const) {
      for await (const value of this.db.values(range([ENTITY, type]))) {
        this.memory.remember(type, value);
      }
    }
  }

  private async readRaw(k: string): Promise<string | undefined> {
    try {
      return await this.db.get(k);
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  }

  private async getMany<T>(type: EntityType, ids: string[]): Promise<Indexed<T>[]> {
    if (ids.length === 0) return [];
    const raws = await this.db.getMany(ids.map((id) => entityKey(type, id)));
    return raws.filter((r): r is string => typeof r === 'string').map((r) => unwrapRaw<T>(r));
  }

  private async allOf<T>(type: EntityType, prefix: string[]): Promise<Indexed<T>[]> {
    const ids = await this.db.keys(range(prefix)).all();
    return this.getMany<T>(type, ids.map(idOf));
  }

  /**
   * Newest-first page over a secondary index: scan keys (never values) below the cursor, fetch
   * the batch's entities in one getMany, filter, and stop at `limit` or after MAX_SCAN keys. The
   * cursor is the last key returned, an exclusive upper bound for the next page.
   */
  private async pageOf<T>(
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
      const keys = await this.db
        .keys({ gte: bounds.gte, lt: upper, reverse: true, limit: batch })
        .all();
      const raws = keys.length
        ? await this.db.getMany(keys.map((k) => entityKey(type, idOf(k))))
        : [];
      for (let i = 0; i < keys.length; i++) {
        const raw = raws[i];
        if (raw === undefined) continue;
        const item = unwrapRaw<T>(raw);
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

  checkpoint(): Promise<Checkpoint | null> {
    return Promise.resolve(this.current);
  }

  async applyBlock(block: BlockEvent): Promise<void> {
    const expected = this.current === null ? 0 : this.current.blockNumber + 1;
    if (block.blockNumber < expected) return;
    if (block.blockNumber !== expected) {
      throw new Error(`index expected block ${expected}, got ${block.blockNumber}`);
    }
    const writes = await blockWrites(block, (k) => this.readRaw(k));
    await this.db.batch(writes.ops);
    for (const [type, raw] of writes.remembered) this.memory.remember(type, raw);
    this.current = writes.checkpoint;
    for (const w of this.waiters) {
      if (w.block <= block.blockNumber) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  async follow(
    ledger: LedgerClient,
    signal: AbortSignal,
    onError?: (err: unknown) => void,
    onBlock?: (block: BlockEvent) => void,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        const startBlock = this.current === null ? 0 : this.current.blockNumber + 1;
        for await (const block of ledger.blockEvents({ startBlock, signal })) {
          await this.applyBlock(block);
          onBlock?.(block);
          if (signal.aborted) break;
        }
      } catch (err) {
        if (signal.aborted) break;
        onError?.(err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  waitFor(blockNumber: number, timeoutMs = 10_000): Promise<void> {
    if (this.current !== null && this.current.blockNumber >= blockNumber) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        block: blockNumber,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`index did not reach block ${blockNumber} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async rebuild(
    ledger: LedgerClient,
    onProgress?: (block: number, height: number) => void,
  ): Promise<Checkpoint | null> {
    await this.db.clear();
    this.memory.clear();
    this.current = null;
    const { height } = await ledger.status();
    for (let n = 0; n < height; n++) {
      await this.applyBlock(await ledger.getBlockEvent(n));
      onProgress?.(n, height);
    }
    return this.current;
  }

  async get<K extends EntityType>(
    type: K,
    id: string,
  ): Promise<Indexed<EntityTypes[K]> | undefined> {
    const raw = await this.readRaw(entityKey(type, id));
    return raw === undefined ? undefined : unwrapRaw<EntityTypes[K]>(raw);
  }

  async *allCatalog(): AsyncIterable<Indexed<CatalogEntry>> {
    for await (const raw of this.db.values(range([ENTITY, 'catalog']))) {
      yield unwrapRaw<CatalogEntry>(raw);
    }
  }

  async searchCatalog(
    filter: CatalogFilter,
    page: PageRequest,
  ): Promise<PageResult<Indexed<CatalogEntry>>> {
    // Catalogs hold thousands of entries, not millions: a filtered scan in id order is cheap
    // and keeps every combination of filters possible without an index per combination.
    const matches = catalogMatcher(filter);
    const bounds = range([ENTITY, 'catalog']);
    const gt = page.cursor ? decodeCursor(page.cursor, bounds) : undefined;
    const items: Indexed<CatalogEntry>[] = [];
    let lastKey: string | null = null;
    for await (const [k, raw] of this.db.iterator(gt ? { gt, lt: bounds.lt } : bounds)) {
      const entry = unwrapRaw<CatalogEntry>(raw);
      if (!matches(entry)) continue;
      if (items.length === page.limit) {
        return { items, nextCursor: lastKey && encodeCursor(lastKey) };
      }
      items.push(entry);
      lastKey = k;
    }
    return { items, nextCursor: null };
  }

  async versions(catalogId: string): Promise<Indexed<DatasetVersion>[]> {
    const ids = await this.db.keys(range(['ver', catalogId])).all();
    return this.getMany<DatasetVersion>(
      'version',
      ids.map((k) => `${catalogId}@${Number(idOf(k))}`),
    );
  }

  versionsByDigest(algorithm: string, value: string): Indexed<DatasetVersion>[] {
    return this.memory.byDigest.get(`${algorithm}:${value}`) ?? [];
  }

  versionsByRecordRoot(root: string): Indexed<DatasetVersion>[] {
    return this.memory.byRecordRoot.get(root) ?? [];
  }

  allVersions(): Indexed<DatasetVersion>[] {
    return [...this.memory.byDigest.values()].flat();
  }

  entries(): AsyncIterable<[string, string]> {
    return this.db.iterator();
  }

  catalogName(id: string): string | null {
    return this.memory.catalogNames.get(id) ?? null;
  }

  requests(
    box: RequestBox,
    page: PageRequest & { status?: string },
  ): Promise<PageResult<Indexed<ShareRequest>>> {
    const status = page.status;
    return this.pageOf<ShareRequest>(
      'request',
      range(scopePrefix('req', box)),
      page,
      status ? (r) => r.status === status : undefined,
    );
  }

  grants(scope: GrantScope, page: PageRequest): Promise<PageResult<Indexed<Grant>>> {
    return this.pageOf<Grant>('grant', range(scopePrefix('grant', scope)), page);
  }

  async currentGrant(
    consumer: string,
    catalogId: string,
    now: number,
  ): Promise<Indexed<Grant> | undefined> {
    const all = await this.allOf<Grant>('grant', ['grant.catalog', catalogId]);
    return all
      .reverse()
      .find((g) => g.consumer === consumer && g.revocation === null && grantValidAt(g, now));
  }

  objections(
    scope: ObjectionScope,
    page: PageRequest & { status?: string },
  ): Promise<PageResult<Indexed<QualityObjection>>> {
    const status = page.status;
    return this.pageOf<QualityObjection>(
      'objection',
      range(scopePrefix('obj', scope)),
      page,
      status ? (o) => o.status === status : undefined,
    );
  }

  async updateRequirements(
    scope: UpdateScope,
    page: PageRequest & { status?: string; overdue?: { at: number; is: boolean } },
  ): Promise<PageResult<Indexed<CatalogUpdateRequirement>>> {
    const { status, overdue } = page;
    const accept =
      status === undefined && overdue === undefined
        ? undefined
        : (r: CatalogUpdateRequirement) =>
            (status === undefined || r.status === status) &&
            (overdue === undefined || isOverdue(r, overdue.at) === overdue.is);
    if (scope.by === 'catalog') {
      // One per entry: the entry's latest requirement, if it passes the filters.
      const r = await this.get('update', scope.catalogId);
      const kept = r && (!scope.owner || r.owner === scope.owner) && (accept?.(r) ?? true);
      return { items: kept ? [r] : [], nextCursor: null };
    }
    const prefix = scope.by === 'owner' ? ['upd.owner', scope.department] : ['upd.all'];
    return this.pageOf<CatalogUpdateRequirement>('update', range(prefix), page, accept);
  }

  usage(query: UsageQuery): Promise<PageResult<Indexed<UsageRecord>>> {
    const window = {
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
    };
    return this.pageOf<UsageRecord>(
      'usage',
      range(usagePrefix(query), window),
      query,
      usageAccept(query),
    );
  }

  acts(query: ActQuery): Promise<PageResult<Indexed<AuditAct>>> {
    const window = {
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
    };
    return this.pageOf<AuditAct>('act', range(actPrefix(query), window), query, actAccept(query));
  }

  async actCounts(fromMonth: string, toMonth: string): Promise<ActCount[]> {
    // A counter per month, department and act: a few thousand a year, read in one scan.
    const counts: ActCount[] = [];
    for await (const [k, v] of this.db.iterator(range([ACT_COUNTER]))) {
      const c = parseActCounter(k, v);
      if (c && c.month >= fromMonth && c.month <= toMonth) counts.push(c);
    }
    return counts;
  }

  async stats(department: string, now: number): Promise<DepartmentStats> {
    const counter = async (outcome: UsageOutcome) =>
      Number((await this.readRaw(counterKey(department, 'provider', outcome))) ?? '0');
    const [catalog, updates, requests, objections, versions, usesAllowed, usesDenied] =
      await Promise.all([
        this.allOf<CatalogEntry>('catalog', ['cat.owner', department]),
        this.allOf<CatalogUpdateRequirement>('update', ['upd.owner', department]),
        this.allOf<ShareRequest>('request', ['req.provider', department]),
        this.allOf<QualityObjection>('objection', ['obj.provider', department]),
        this.db
          .keys(range(['ver.owner', department]))
          .all()
          .then((keys) => keys.length),
        counter('ALLOWED'),
        counter('DENIED'),
      ]);
    return departmentStats(department, now, {
      catalog,
      updates,
      requests,
      objections,
      versions,
      usesAllowed,
      usesDenied,
    });
  }

  async putUsage(
    records: readonly UsageRecord[],
    tx: { txId: string; blockNumber: number },
  ): Promise<void> {
    const ops: BatchOp[] = [];
    for (const u of records) {
      ops.push({
        type: 'put',
        key: entityKey('usage', u.id),
        value: JSON.stringify({ v: u, tx: tx.txId, b: tx.blockNumber }),
      });
      for (const sk of secondaryKeys('usage', u, u.id)) {
        ops.push({ type: 'put', key: sk, value: '' });
      }
    }
    await this.db.batch(ops);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
