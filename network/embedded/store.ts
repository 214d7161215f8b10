/**
 * One department node's ledger: its blocks in an append-only block file (./block-file.ts), and
 * in its own level database each block's place in that file with its validation codes and commit
 * hash, world state with versions and key-level policies, key history, a transaction id index
 * and the tip. A block is committed once its bytes are fsynced to the block file; then everything
 * it changes is written in one atomic level batch, without an fsync of its own (see
 * LEVEL_SYNC_BLOCKS). A crash leaves each block's batch whole or absent, and level never ahead of
 * the block file; the blocks a crash left in the file past level's tip are given back
 * (`unindexedBlock`) for the node to validate and commit again, and opening reads only the tip.
 * A rebuild (Rebuild) clears everything but the block file, whose blocks are then all given back.
 */
import { Level } from 'level';
import { canonicalBytes, parseJson } from '@shulian/chaincode/canonical';
import type { Block, ValidationCode, Version } from '@shulian/proof/formats/embedded';
import { BlockFile, chainedBlocks, migrateBlocks, spanEnd, type BlockSpan } from './block-file.js';
import { fromBase64, toBase64 } from './crypto.js';
import type { HistoryEntry, KeyedEntry, StateEntry, StateReader, TxUpdates } from './state.js';

/** What a node keeps per block: the block as ordered, and its own validation of it. */
export interface BlockRecord {
  block: Block;
  codes: ValidationCode[];
  /** hex sha256 of the canonical header: what the next header's previousHash names. */
  blockHash: string;
  /** hex chained hash over this block's valid writes and the previous commit hash. */
  commitHash: string;
}

export interface Tip {
  height: number;
  blockHash: string;
  commitHash: string;
}

export interface TxLocation {
  block: number;
  index: number;
  code: ValidationCode;
}

/** What level keeps per block: where the block lies in the block file, and the node's own validation of it. */
interface StoredBlock extends BlockSpan {
  codes: ValidationCode[];
  blockHash: string;
  commitHash: string;
}

interface StoredState {
  v: string;
  b: number;
  t: number;
  p?: string;
}
export interface StoredHistory {
  id: string;
  ts: number;
  d: boolean;
  v: string;
}

/**
 * Level batches that index blocks are written without sync, the block file's fsync being the
 * commit point, except every LEVEL_SYNC_BLOCKS-th block's. LevelDB replays an unsynced
 * write-ahead log past a damaged record, so a power loss that kept a later page of it and not an
 * earlier one would keep a later block's batch and lose an earlier one's. A synced batch makes
 * every batch before it durable, so such a hole can only lie among the last LEVEL_SYNC_BLOCKS
 * blocks below the tip, and opening looks there and repairs it from the block file: the orderer
 * indexes the blocks again (./orderer.ts), a node rebuilds its ledger (./node.ts, Rebuild).
 */
export const LEVEL_SYNC_BLOCKS = 64;

/** Whether block `n`'s level batch is synced (durable ledgers only). */
export const syncsLevel = (n: number, durable: boolean): boolean =>
  durable && n % LEVEL_SYNC_BLOCKS === LEVEL_SYNC_BLOCKS - 1;

/** classic-level honours `sync` (fsync before resolving); abstract-level's types do not declare it. */
export function atomicWrite(
  db: Level<string, unknown>,
  ops: unknown[],
  sync: boolean,
): Promise<void> {
  return (
    db as unknown as { batch(ops: unknown[], options: { sync: boolean }): Promise<void> }
  ).batch(ops, { sync });
}

export const GENESIS_TIP: Tip = {
  height: 0,
  blockHash: '0'.repeat(64),
  commitHash: '0'.repeat(64),
};

/** Fixed-width block and tx numbers keep level's byte order equal to numeric order. */
const pad = (n: number, width: number): string => n.toString(16).padStart(width, '0');
export const blockKey = (n: number): string => pad(n, 12);
const HISTORY_SUFFIX = 12 + 6;
export const historyKey = (key: string, v: Version): string =>
  `${key}\u0000${pad(v.block, 12)}${pad(v.tx, 6)}`;

/** How a history entry is stored; verification rebuilds the same records from the blocks. */
export const storedHistory = (entry: HistoryEntry): StoredHistory => ({
  id: entry.txId,
  ts: entry.timestamp,
  d: entry.isDelete,
  v: toBase64(entry.value),
});

/**
 * The transaction index entries a block adds; a duplicate keeps the first occurrence's, and a
 * malformed transaction has no transaction id to index.
 */
export function txIndexEntries(
  record: Pick<BlockRecord, 'block' | 'codes'>,
): [string, TxLocation][] {
  const n = record.block.header.number;
  return record.block.transactions.flatMap((tx, index): [string, TxLocation][] => {
    const code = record.codes[index] as ValidationCode;
    return code === 'DUPLICATE_TXID' || code === 'BAD_PAYLOAD'
      ? []
      : [[tx.proposal.txId, { block: n, index, code }]];
  });
}

const decodeState = (s: StoredState): StateEntry => {
  const entry: StateEntry = { value: fromBase64(s.v), version: { block: s.b, tx: s.t } };
  if (s.p !== undefined) entry.validationParameter = fromBase64(s.p);
  return entry;
};
const encodeState = (e: StateEntry): StoredState => {
  const s: StoredState = { v: toBase64(e.value), b: e.version.block, t: e.version.tx };
  if (e.validationParameter) s.p = toBase64(e.validationParameter);
  return s;
};

type Json = Level<string, unknown>;
const sublevel = (db: Json, name: string) =>
  db.sublevel<string, unknown>(name, { valueEncoding: 'json' });
type Sublevel = ReturnType<typeof sublevel>;

const STATE_CACHE_ENTRIES = 200_000;

/**
 * A rebuild of the ledger from its own block file under way (meta `rebuild`): the tip the ledger
 * had, which the replay must reach with the same block and commit hashes, and why it was rebuilt.
 * Written (synced) before anything is cleared; `cleared` once state, history, transaction index,
 * spans and tip are gone, so a crash part-way clears again or goes on replaying.
 */
export interface Rebuild {
  tip: Tip;
  reason: string;
  cleared: boolean;
}

/** The sublevel of block spans, and the one the previous format kept whole blocks in as JSON. */
const SPANS = 'spans';
const LEGACY_BLOCKS = 'blocks';

/** An iterator over stored entries in key order, closed when no longer read. */
export interface StoredEntries extends AsyncIterable<[string, unknown]> {
  close(): Promise<void>;
}

/**
 * A node's ledger frozen at one height: the tip and iterators over state, history and the
 * transaction index, all opened in one synchronous step, so each reads the LevelDB snapshot
 * taken then while the node goes on committing. Block records below the tip never change.
 */
export interface LedgerView {
  tip: Tip;
  state: StoredEntries;
  history: StoredEntries;
  txids: StoredEntries;
  close(): Promise<void>;
}

export class LedgerStore implements StateReader {
  private readonly cache = new Map<string, StateEntry | null>();
  /** State reads from the database that have not returned yet. */
  private readsInFlight = 0;
  /** Keys committed while any read was in flight; emptied when none is. */
  private readonly writtenDuringReads = new Set<string>();
  /** Keys asked for in this turn of the event loop, read together at its end. */
  private pending:
    { keys: Set<string>; read: Promise<Map<string, StateEntry | undefined>> } | undefined;
  private constructor(
    private readonly db: Json,
    private readonly state: Sublevel,
    private readonly historyDb: Sublevel,
    private readonly spans: Sublevel,
    private readonly file: BlockFile,
    private readonly txids: Sublevel,
    private readonly meta: Sublevel,
    private current: Tip,
    private readonly cacheEntries: number,
    private rebuild: Rebuild | undefined,
  ) {}

  /** `cacheEntries` bounds the state cache (a verifier's reference ledger keeps it small). */
  static async open(location: string, cacheEntries = STATE_CACHE_ENTRIES): Promise<LedgerStore> {
    const db: Json = new Level<string, unknown>(location, { valueEncoding: 'json' });
    await db.open();
    const sub = (name: string): Sublevel => sublevel(db, name);
    const meta = sub('meta');
    const spans = sub(SPANS);
    let file: BlockFile | undefined;
    try {
      let [tip, rebuild] = (await meta.getMany(['tip', 'rebuild'])) as [
        Tip | undefined,
        Rebuild | undefined,
      ];
      if (rebuild && !rebuild.cleared) {
        // Level data only: the block file, which the rebuild replays, is kept whole.
        for (const name of ['state', 'history', 'txids', SPANS]) await sub(name).clear();
        rebuild = { ...rebuild, cleared: true };
        await atomicWrite(
          db,
          [
            { type: 'del', sublevel: meta, key: 'tip' },
            { type: 'put', sublevel: meta, key: 'rebuild', value: rebuild },
          ],
          true,
        );
        tip = undefined;
      }
      // The last span, not the tip's: a migration interrupted part-way has spans below the tip.
      const [last] = await spans.values({ reverse: true, limit: 1 }).all();
      file = await BlockFile.open(location, last ? spanEnd(last as StoredBlock) : 0);
      await migrateBlocks(
        file,
        sub(LEGACY_BLOCKS).iterator(),
        (value) => canonicalBytes((value as BlockRecord).block),
        async (moved) => {
          const legacy = sub(LEGACY_BLOCKS);
          await atomicWrite(
            db,
            moved.flatMap(({ key, value, span }) => {
              const { codes, blockHash, commitHash } = value as BlockRecord;
              const stored: StoredBlock = { ...span, codes, blockHash, commitHash };
              return [
                { type: 'put', sublevel: spans, key, value: stored },
                { type: 'del', sublevel: legacy, key },
              ];
            }),
            true,
          );
        },
      );
      return new LedgerStore(
        db,
        sub('state'),
        sub('history'),
        spans,
        file,
        sub('txids'),
        meta,
        tip ?? GENESIS_TIP,
        cacheEntries,
        rebuild,
      );
    } catch (err) {
      await file?.close();
      await db.close();
      throw err;
    }
  }

  /** The ledger at its current tip, for reading while commits go on (see LedgerView). */
  view(): LedgerView {
    const state = this.state.iterator();
    const history = this.historyDb.iterator();
    const txids = this.txids.iterator();
    return {
      tip: this.current,
      state,
      history,
      txids,
      close: async () => {
        await Promise.all([state.close(), history.close(), txids.close()]);
      },
    };
  }

  get tip(): Tip {
    return this.current;
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.file.close();
  }

  async get(key: string): Promise<StateEntry | undefined> {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    return (await this.readState([key]))[0];
  }

  /** Loads the entries of many keys into the cache with one database call. */
  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.cache.has(k));
    if (missing.length > 0) await this.readState(missing);
  }

  /**
   * Point reads dominate simulation and validation and each costs a round trip into LevelDB, so
   * recently read or written entries (and known-absent keys) are kept in memory. Only commit
   * writes state and it updates the cache after its batch succeeds. A read that overlapped a
   * commit may predate it, but only for the keys that commit wrote: those are remembered as
   * written during the read and not cached from it, while the rest of what the read returned is
   * still current and is cached (under load some commit nearly always overlaps, and discarding
   * whole reads sent most lookups back to the database). So the cache never disagrees with what
   * this node committed. Range reads and verification always read the database.
   */
  private async readState(keys: string[]): Promise<(StateEntry | undefined)[]> {
    if (!this.pending) {
      const keys = new Set<string>();
      const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending = undefined;
        return this.readNow([...keys]);
      });
      this.pending = { keys, read };
    }
    const { keys: batch, read } = this.pending;
    for (const key of keys) batch.add(key);
    const found = await read;
    return keys.map((key) => found.get(key));
  }

  /**
   * One database call for every key asked for in a turn of the event loop: each call costs the
   * JavaScript thread a fixed few hundred microseconds (a LevelDB snapshot and the hop to the
   * thread pool) however few keys it reads, and 64 clients' endorsements and four nodes'
   * validations ask for one or two keys at a time.
   */
  private async readNow(keys: string[]): Promise<Map<string, StateEntry | undefined>> {
    this.readsInFlight += 1;
    try {
      const values = await this.state.getMany(keys);
      return new Map(
        keys.map((key, i) => {
          const s = values[i] as StoredState | undefined;
          const entry = s ? decodeState(s) : undefined;
          if (!this.writtenDuringReads.has(key)) this.remember(key, entry ?? null);
          return [key, entry];
        }),
      );
    } finally {
      this.readsInFlight -= 1;
      if (this.readsInFlight === 0) this.writtenDuringReads.clear();
    }
  }

  private remember(key: string, entry: StateEntry | null): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > this.cacheEntries)
      this.cache.delete(this.cache.keys().next().value as string);
  }

  async *range(startKey: string, endKey: string): AsyncIterable<KeyedEntry> {
    const options = endKey === '' ? { gte: startKey } : { gte: startKey, lt: endKey };
    for await (const [key, value] of this.state.iterator(options))
      yield { key, entry: decodeState(value as StoredState) };
  }

  async *history(key: string): AsyncIterable<HistoryEntry> {
    const prefix = `${key}\u0000`;
    for await (const [k, value] of this.historyDb.iterator({
      gte: prefix,
      lt: `${key}\u0001`,
      reverse: true,
    })) {
      // Another key may extend this one past the separator; ours end in exactly the suffix.
      if (k.length !== prefix.length + HISTORY_SUFFIX) continue;
      const h = value as StoredHistory;
      yield { txId: h.id, timestamp: h.ts, isDelete: h.d, value: fromBase64(h.v) };
    }
  }

  /** Block `n` as this node committed it; throws naming the block if its bytes are damaged. */
  async blockRecord(n: number): Promise<BlockRecord | undefined> {
    const stored = (await this.spans.getMany([blockKey(n)]))[0] as StoredBlock | undefined;
    if (!stored) return undefined;
    const block = await this.readBlock(stored, n);
    return {
      block,
      codes: stored.codes,
      blockHash: stored.blockHash,
      commitHash: stored.commitHash,
    };
  }

  private async readBlock(span: BlockSpan, n: number): Promise<Block> {
    return parseJson(await this.file.read(span, n)) as Block;
  }

  /**
   * The block at the tip's height that the block file holds but level does not index: committed
   * (fsynced) before a crash took its level batch. The node validates and commits it again as on
   * first commit; committing it takes its bytes from the file rather than writing them twice.
   */
  async unindexedBlock(): Promise<Block | undefined> {
    const span = this.file.firstUnindexed;
    return span && this.readBlock(span, this.current.height);
  }

  /** How many blocks the block file holds past the tip (see unindexedBlock). */
  get unindexed(): number {
    return this.file.unindexedCount;
  }

  /**
   * The blocks the block file holds, from block 0 on, each proven the next of one chain (see
   * chainedBlocks): what a rebuild will replay, walked before anything is cleared.
   */
  fileBlocks(): AsyncIterable<{ n: number; hash: string }> {
    return chainedBlocks(this.file, { offset: 0, number: 0, previousHash: GENESIS_TIP.blockHash });
  }

  /** The rebuild under way, if any (see Rebuild). */
  get rebuilding(): Rebuild | undefined {
    return this.rebuild;
  }

  /**
   * Records (synced) that this ledger is to be rebuilt from its own block file, for `reason`:
   * the next open clears its level data and the node replays every block of the file. A rebuild
   * already under way keeps the tip it must reach and its first reason.
   */
  async markRebuild(reason: string): Promise<void> {
    const rebuild: Rebuild = {
      tip: this.rebuild?.tip ?? this.current,
      reason: this.rebuild?.reason ?? reason,
      cleared: false,
    };
    await atomicWrite(
      this.db,
      [{ type: 'put', sublevel: this.meta, key: 'rebuild', value: rebuild }],
      true,
    );
    this.rebuild = rebuild;
  }

  /**
   * How many of blocks `from` to `to - 1` level indexes: fewer than all means a batch was lost
   * among them (see LEVEL_SYNC_BLOCKS).
   */
  async indexedBlocks(from: number, to: number): Promise<number> {
    return (await this.spans.keys({ gte: blockKey(from), lt: blockKey(to) }).all()).length;
  }

  async txLocation(txId: string): Promise<TxLocation | undefined> {
    return (await this.txids.getMany([txId]))[0] as TxLocation | undefined;
  }

  async hasTxIds(txIds: string[]): Promise<boolean[]> {
    return (await this.txids.getMany(txIds)).map((v) => v !== undefined);
  }

  /**
   * Commits a validated block: its canonical bytes (`bytes`) to the block file, fsynced when
   * `durable` (the commit point), then its span and its valid transactions' updates in one atomic
   * batch. If the batch fails the block's frame stays: it is the orderer's block, committed again
   * at the same place with the same bytes, or, after a restart, found there and applied again.
   */
  async commit(
    record: BlockRecord,
    updates: TxUpdates[],
    durable: boolean,
    bytes: Uint8Array,
  ): Promise<void> {
    const n = record.block.header.number;
    if (n !== this.current.height)
      throw Object.assign(new Error(`block ${n} does not extend height ${this.current.height}`), {
        code: 'BLOCK_OUT_OF_ORDER',
      });
    // A rebuild proves itself at the tip the replaced ledger had: the same block, validated to the
    // same commit hash (chained over every block's valid writes and codes), or nothing is written.
    const rebuilt = this.rebuild?.tip.height === n + 1;
    if (
      rebuilt &&
      (record.blockHash !== this.rebuild?.tip.blockHash ||
        record.commitHash !== this.rebuild.tip.commitHash)
    )
      throw new Error(
        `rebuilding from its block file, block ${n} was validated to commit hash ${record.commitHash}, but the ledger it replaces had ${this.rebuild?.tip.commitHash} (block hash ${this.rebuild?.tip.blockHash})`,
      );
    type Op =
      | { type: 'put'; sublevel: Sublevel; key: string; value: unknown }
      | { type: 'del'; sublevel: Sublevel; key: string };
    const ops: Op[] = [];
    for (const u of updates) {
      for (const { key, entry } of u.state) {
        ops.push(
          entry
            ? { type: 'put', sublevel: this.state, key, value: encodeState(entry) }
            : { type: 'del', sublevel: this.state, key },
        );
      }
    }
    for (const [txId, at] of txIndexEntries(record))
      ops.push({ type: 'put', sublevel: this.txids, key: txId, value: at });
    let validIndex = 0;
    record.codes.forEach((code, index) => {
      if (code !== 'VALID') return;
      const u = updates[validIndex++] as TxUpdates;
      for (const { key, entry } of u.history) {
        ops.push({
          type: 'put',
          sublevel: this.historyDb,
          key: historyKey(key, { block: n, tx: index }),
          value: storedHistory(entry),
        });
      }
    });
    const tip: Tip = { height: n + 1, blockHash: record.blockHash, commitHash: record.commitHash };
    const [span] = (await this.file.write([bytes], durable)) as [BlockSpan];
    const stored: StoredBlock = {
      ...span,
      codes: record.codes,
      blockHash: record.blockHash,
      commitHash: record.commitHash,
    };
    ops.push({ type: 'put', sublevel: this.spans, key: blockKey(n), value: stored });
    ops.push({ type: 'put', sublevel: this.meta, key: 'tip', value: tip });
    if (rebuilt) ops.push({ type: 'del', sublevel: this.meta, key: 'rebuild' });
    await atomicWrite(this.db, ops, syncsLevel(n, durable));
    this.file.indexed(span);
    if (rebuilt) this.rebuild = undefined;
    for (const u of updates) {
      for (const { key, entry } of u.state) {
        this.remember(key, entry);
        if (this.readsInFlight > 0) this.writtenDuringReads.add(key);
      }
    }
    this.current = tip;
  }

  /** Raw access for verification and tamper tests: the stored value of a state key. */
  async rawState(key: string): Promise<unknown> {
    return (await this.state.getMany([key]))[0];
  }

  /** Tamper tests only: rewrites a stored state value behind the node's back. */
  async putRawState(key: string, value: unknown): Promise<void> {
    await this.state.put(key, value);
  }

  /**
   * Tamper tests only: stores `record` as block `n` behind the node's back, as a forger with the
   * disk would: its block's bytes appended to the block file, block `n`'s span pointed at them.
   */
  async putRawBlock(n: number, record: BlockRecord): Promise<void> {
    const [span] = (await this.file.write([canonicalBytes(record.block)], false)) as [BlockSpan];
    this.file.indexed(span);
    const { codes, blockHash, commitHash } = record;
    const stored: StoredBlock = { ...span, codes, blockHash, commitHash };
    await this.spans.put(blockKey(n), stored);
  }

  /** Tamper and crash tests only: where block `n` lies in the block file. */
  async blockSpan(n: number): Promise<BlockSpan | undefined> {
    const stored = (await this.spans.getMany([blockKey(n)]))[0] as StoredBlock | undefined;
    return stored && { o: stored.o, l: stored.l };
  }

  /** The block file's path. */
  get blockFile(): string {
    return this.file.location;
  }
}
