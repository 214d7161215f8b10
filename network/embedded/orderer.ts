/**
 * The ordering service: a single orderer (the embedded network is one process, so there is no
 * consensus to run) that cuts blocks by count, size and timeout as Fabric's block cutter does,
 * chains and signs their headers, and keeps its own durable block log: the blocks' canonical bytes
 * in a block file (./block-file.ts), its commit point, and their spans and the tip in its own
 * level database, which opening brings up to the file's last whole block.
 */
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import { canonicalBytes, parseJson } from '@shulian/chaincode/canonical';
import {
  encodeHeader,
  ZERO_HASH,
  type Block,
  type BlockHeader,
  type Transaction,
} from '@shulian/proof/formats/embedded';
import {
  BlockFile,
  chainedBlocks,
  migrateBlocks,
  spanEnd,
  type BlockSpan,
  type ChainStart,
} from './block-file.js';
import { sha256Hex } from './crypto.js';
import { LedgerError } from './errors.js';
import { signerRef, signWith, type SigningIdentity } from './identity.js';
import type { BatchConfig } from './config.js';
import { atomicWrite, blockKey, LEVEL_SYNC_BLOCKS, syncsLevel } from './store.js';
import { dataHash, sealBlock, sealTransaction } from './validator.js';

const RECENT_BLOCKS = 64;

/** Keys of the log's level database: block spans, and the whole blocks of the previous format. */
const SPAN_PREFIX = 's';
const LEGACY_PREFIX = 'b';
export const logSpanKey = (n: number): string => `${SPAN_PREFIX}${blockKey(n)}`;
/** All keys starting with `prefix` (one character). */
const prefixed = (prefix: string) => ({
  gte: prefix,
  lt: String.fromCharCode(prefix.charCodeAt(0) + 1),
});

interface Pending {
  tx: Transaction;
  bytes: Uint8Array;
  resolve: (at: { blockNumber: number; index: number }) => void;
  reject: (err: Error) => void;
}

interface OrdererTip {
  height: number;
  lastHash: string;
}

/**
 * Where a walk of the log's file must begin to index what level lacks: at the first frame past
 * the last span when only blocks past the tip are unindexed; below a hole, after the last block
 * whose batch a synced one made durable (see LEVEL_SYNC_BLOCKS: a power loss can take a batch
 * only among the last ones), whose span level must hold. Undefined when level lacks nothing.
 */
async function walkStart(
  db: Level<string, unknown>,
  file: BlockFile,
  tip: OrdererTip,
  fail: (reason: string) => never,
): Promise<{ start: ChainStart; stored: Map<string, BlockSpan> } | undefined> {
  const from = Math.max(0, tip.height - LEVEL_SYNC_BLOCKS);
  const stored = new Map(
    (await db.iterator({ gte: logSpanKey(from), lt: logSpanKey(tip.height) }).all()) as [
      string,
      BlockSpan,
    ][],
  );
  if (stored.size === tip.height - from) {
    const first = file.firstUnindexed;
    return (
      first && {
        start: { offset: first.o, number: tip.height, previousHash: tip.lastHash },
        stored,
      }
    );
  }
  if (from === 0) return { start: { offset: 0, number: 0, previousHash: ZERO_HASH }, stored };
  const span = (await db.getMany([logSpanKey(from - 1)]))[0] as BlockSpan | undefined;
  if (!span)
    return fail(`block ${from - 1}, below the blocks whose batch a crash can take, is not indexed`);
  const below = parseJson(await file.read(span, from - 1)) as Partial<Block>;
  if (below.header?.number !== from - 1)
    fail(`block ${from - 1} is stored as number ${below.header?.number}`);
  return {
    start: {
      offset: spanEnd(span),
      number: from,
      previousHash: sha256Hex(encodeHeader(below.header)),
    },
    stored,
  };
}

/**
 * Indexes what the log's file holds and level lacks, from the file alone, or refuses naming what
 * the file does not prove. Blocks past the last span were fsynced before a crash took their batch
 * (committed, possibly acknowledged): each must be the next block, chained to the tip. A span
 * missing below the tip is a batch a power loss took while later ones survived: the frames from
 * the last durable block up are walked as one chain (each CRC-checked, numbered, chained), which
 * must reach the tip's hash, and where level still names a block it must name the same frame. The
 * orderer signed these blocks; the start-up check verifies the last ones. Returns the tip past
 * the blocks indexed.
 */
async function indexFile(
  db: Level<string, unknown>,
  file: BlockFile,
  tip: OrdererTip,
): Promise<OrdererTip> {
  const fail = (reason: string): never => {
    throw new LedgerError('ORDERER_LOG_CORRUPT', `the orderer's log: ${reason}`);
  };
  // A span past the tip cannot come from a crash (a block's span and the tip share a batch).
  if ((await db.getMany([logSpanKey(tip.height)]))[0])
    fail(`a block is stored past the tip (height ${tip.height})`);
  const walk = await walkStart(db, file, tip, fail);
  if (!walk) return tip;
  const ops: { type: 'put'; key: string; value: unknown }[] = [];
  const restored: number[] = [];
  let height = walk.start.number;
  let lastHash = walk.start.previousHash;
  let last: BlockSpan | undefined;
  try {
    for await (const { n, span, hash } of chainedBlocks(file, walk.start)) {
      const named = walk.stored.get(logSpanKey(n));
      if (named && (named.o !== span.o || named.l !== span.l))
        fail(
          `block ${n} is indexed at offset ${named.o}, but the block file holds it at ${span.o}`,
        );
      if (n === tip.height - 1 && hash !== tip.lastHash)
        fail(`block ${n} in the block file is not the block the tip names`);
      if (!named) {
        ops.push({ type: 'put', key: logSpanKey(n), value: span });
        if (n < tip.height) restored.push(n);
      }
      height = n + 1;
      lastHash = hash;
      last = span;
    }
  } catch (err) {
    if (err instanceof LedgerError) throw err;
    fail(err instanceof Error ? err.message : String(err));
  }
  if (height < tip.height)
    fail(`the block file ends at block ${height - 1}, below the tip (height ${tip.height})`);
  const recovered: OrdererTip = { height, lastHash };
  ops.push({ type: 'put', key: 'tip', value: recovered });
  await atomicWrite(db, ops, true);
  file.indexed(last as BlockSpan);
  if (restored.length > 0)
    process.emitWarning(
      `the orderer's log was repaired: the index of block(s) ${restored.join(', ')} was missing below the tip (a power loss took their level batch); restored from its block file, whose frames chain to the tip`,
      { code: 'SHULIAN_ORDERER_REPAIRED' },
    );
  return recovered;
}

export class Orderer {
  private readonly events = new EventEmitter();
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Cuts are persisted one after another so the log has no gaps. */
  private writing: Promise<void> = Promise.resolve();
  private nextNumber: number;
  private nextPrevious: string;
  private closed = false;
  private closing: Promise<void> | undefined;
  /**
   * Bumped when a log write fails: blocks cut before the failure was known were numbered after
   * the failed one, so they are never written (a hole) nor acknowledged.
   */
  private epoch = 0;
  /** The last log write failure, until a block is written again. */
  failure: Error | undefined;
  /** Blocks just cut, which every node is about to fetch. */
  private readonly recent = new Map<number, Block>();

  private constructor(
    private readonly db: Level<string, unknown>,
    private readonly file: BlockFile,
    private readonly identity: SigningIdentity,
    private readonly batch: BatchConfig,
    private readonly durable: boolean,
    private tip: OrdererTip,
  ) {
    this.nextNumber = tip.height;
    this.nextPrevious = tip.lastHash;
    this.events.setMaxListeners(0);
  }

  static async open(
    location: string,
    identity: SigningIdentity,
    batch: BatchConfig,
    durable = true,
  ): Promise<Orderer> {
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
    await db.open();
    let file: BlockFile | undefined;
    try {
      const tip = ((await db.getMany(['tip']))[0] as OrdererTip | undefined) ?? {
        height: 0,
        lastHash: ZERO_HASH,
      };
      const [last] = await db.values({ ...prefixed(SPAN_PREFIX), reverse: true, limit: 1 }).all();
      file = await BlockFile.open(location, last ? spanEnd(last as BlockSpan) : 0);
      // A log of the previous format (whole blocks as JSON in level) moves into the block file.
      await migrateBlocks(
        file,
        db.iterator(prefixed(LEGACY_PREFIX)),
        (block) => canonicalBytes(block),
        (moved) =>
          atomicWrite(
            db,
            moved.flatMap(({ key, span }) => [
              { type: 'put', key: `${SPAN_PREFIX}${key.slice(LEGACY_PREFIX.length)}`, value: span },
              { type: 'del', key },
            ]),
            true,
          ),
      );
      return new Orderer(db, file, identity, batch, durable, await indexFile(db, file, tip));
    } catch (err) {
      await file?.close();
      await db.close();
      throw err;
    }
  }

  /** Number of blocks in the log. */
  get height(): number {
    return this.tip.height;
  }

  /** The largest transaction the orderer accepts, in bytes. */
  get absoluteMaxBytes(): number {
    return this.batch.absoluteMaxBytes;
  }

  get signer(): SigningIdentity {
    return this.identity;
  }

  /** Orders a transaction; resolves once the block holding it is in the log. */
  broadcast(tx: Transaction): Promise<{ blockNumber: number; index: number }> {
    if (this.closed)
      return Promise.reject(new LedgerError('ORDERER_STOPPED', 'the orderer is stopped'));
    const bytes = sealTransaction(tx).transaction;
    if (bytes.length > this.batch.absoluteMaxBytes) {
      return Promise.reject(
        new LedgerError(
          'TX_TOO_LARGE',
          `transaction of ${bytes.length} bytes exceeds absoluteMaxBytes ${this.batch.absoluteMaxBytes}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      // As Fabric's block cutter: a message that would overflow the preferred size goes to the next batch.
      if (
        this.pending.length > 0 &&
        this.pendingBytes + bytes.length > this.batch.preferredMaxBytes
      )
        this.cut();
      this.pending.push({ tx, bytes, resolve, reject });
      this.pendingBytes += bytes.length;
      if (
        this.pending.length >= this.batch.maxMessageCount ||
        this.pendingBytes >= this.batch.preferredMaxBytes
      )
        this.cut();
      else this.timer ??= setTimeout(() => this.cut(), this.batch.timeoutMs);
    });
  }

  /** Block `n` as delivered to nodes; recent blocks come from memory, older ones from the log. */
  async block(n: number): Promise<Block | undefined> {
    if (n >= this.tip.height) return undefined;
    return this.recent.get(n) ?? ((await this.storedBlock(n)) as Block | undefined);
  }

  /**
   * The quick check at start: the last `blocks` blocks of the log exist under their numbers,
   * chain to one another and to the tip, and `check` (signature and data hash) accepts each.
   * Throws ORDERER_LOG_CORRUPT naming the block otherwise. (Opening refused a block stored past
   * the tip, and indexed whatever level lacked below it from the block file, or refused.)
   */
  async checkTail(
    blocks: number,
    check: (block: Block, previousHash: string) => void,
  ): Promise<void> {
    const { height, lastHash } = this.tip;
    const fail = (reason: string): never => {
      throw new LedgerError('ORDERER_LOG_CORRUPT', `the orderer's log: ${reason}`);
    };
    const stored = (n: number): Promise<unknown> =>
      this.storedBlock(n).catch((err: unknown) =>
        fail(err instanceof Error ? err.message : String(err)),
      );
    let next = lastHash;
    for (let n = height - 1; n >= Math.max(0, height - blocks); n--) {
      const block = (await stored(n)) as Block | undefined;
      if (!block) return fail(`block ${n} is missing`);
      if (block.header?.number !== n)
        fail(`block ${n} is stored as number ${block.header?.number}`);
      if (sha256Hex(encodeHeader(block.header)) !== next)
        fail(`block ${n} is not the block its successor or the tip names`);
      try {
        check(block, block.header.previousHash);
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
      }
      next = block.header.previousHash;
    }
  }

  /**
   * Block `n` as stored in the log (never from memory): what verification checks. Throws naming
   * the block if its bytes in the block file are damaged.
   */
  async storedBlock(n: number): Promise<unknown> {
    const span = (await this.db.getMany([logSpanKey(n)]))[0] as BlockSpan | undefined;
    return span && parseJson(await this.file.read(span, n));
  }

  /** The log's stored tip record. */
  async storedTip(): Promise<unknown> {
    return (await this.db.getMany(['tip']))[0];
  }

  /** The log's stored blocks below height `below`, in order, each with the number its key names. */
  async *storedBlocks(below: number): AsyncIterable<[number, unknown]> {
    for await (const [key, span] of this.db.iterator({ gte: SPAN_PREFIX, lt: logSpanKey(below) })) {
      const n = parseInt(key.slice(SPAN_PREFIX.length), 16);
      yield [n, parseJson(await this.file.read(span as BlockSpan, n))];
    }
  }

  /** Tamper and crash tests only: where block `n` lies in the block file. */
  async blockSpan(n: number): Promise<BlockSpan | undefined> {
    return (await this.db.getMany([logSpanKey(n)]))[0] as BlockSpan | undefined;
  }

  /** The block file's path. */
  get blockFile(): string {
    return this.file.location;
  }

  /**
   * Tamper tests only: changes the log behind the orderer's back, as a forger with the disk
   * would: a block put is appended to the block file with its number's span pointed at it, a
   * block deleted loses its span, and the tip record is replaced.
   */
  async tamperLog(
    ops: (
      | { type: 'put'; n: number; block: unknown }
      | { type: 'del'; n: number }
      | { type: 'tip'; tip: unknown }
    )[],
  ): Promise<void> {
    for (const op of ops) {
      if (op.type === 'tip') {
        await this.db.put('tip', op.tip);
        continue;
      }
      this.recent.delete(op.n);
      if (op.type === 'del') {
        await this.db.del(logSpanKey(op.n));
        continue;
      }
      const [span] = (await this.file.write([canonicalBytes(op.block)], false)) as [BlockSpan];
      this.file.indexed(span);
      await this.db.put(logSpanKey(op.n), span);
    }
  }

  /** Calls back with each new height after its block is durable. */
  onHeight(listener: (height: number) => void): () => void {
    this.events.on('height', listener);
    return () => this.events.off('height', listener);
  }

  /** Writes what is cut, then releases the log's database (and its lock), whatever happened before. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.cut();
      this.closed = true;
      await this.writing;
      await this.db.close();
      await this.file.close();
    })();
    return this.closing;
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.pendingBytes = 0;
    // Frozen (its transactions are sealed already), so the nodes reuse its data hash.
    const transactions = Object.freeze(batch.map((p) => p.tx));
    const encoded = batch.map((p) => p.bytes);
    const header: BlockHeader = {
      number: this.nextNumber,
      previousHash: this.nextPrevious,
      dataHash: dataHash(transactions, encoded),
      timestamp: Date.now(),
      txCount: batch.length,
    };
    const block: Block = {
      header,
      transactions: transactions as Transaction[],
      ordererSignature: {
        orderer: signerRef(this.identity),
        signature: signWith(this.identity, encodeHeader(header)),
      },
    };
    const bytes = sealBlock(block, encoded);
    this.nextNumber += 1;
    this.nextPrevious = sha256Hex(encodeHeader(header));
    const tip: OrdererTip = { height: this.nextNumber, lastHash: this.nextPrevious };
    const epoch = this.epoch;
    this.writing = this.writing.then(async () => {
      if (epoch !== this.epoch) {
        const error = new LedgerError(
          'ORDERER_WRITE_FAILED',
          `block ${header.number} was not written: an earlier block's log write failed (${this.failure?.message ?? 'unknown'}); resubmit`,
        );
        batch.forEach((p) => p.reject(error));
        return;
      }
      try {
        // The block's bytes are durable (committed) before the batch that indexes them names them.
        const [span] = (await this.file.write([bytes], this.durable)) as [BlockSpan];
        await atomicWrite(
          this.db,
          [
            { type: 'put', key: logSpanKey(header.number), value: span },
            { type: 'put', key: 'tip', value: tip },
          ],
          syncsLevel(header.number, this.durable),
        );
        this.file.indexed(span);
      } catch (err) {
        // Nothing after the failed block may be written or acknowledged: numbering restarts at
        // the log's durable tip, and blocks already cut after this one are refused (epoch). The
        // block is cut off its file, so that a restart does not find it committed.
        this.epoch += 1;
        this.nextNumber = this.tip.height;
        this.nextPrevious = this.tip.lastHash;
        const cause = err instanceof Error ? err : new Error(String(err));
        this.failure = await this.file.discard().then(
          () => cause,
          (cut: unknown) =>
            new Error(
              `${cause.message}; cutting the block off the log's file failed too (${cut instanceof Error ? cut.message : String(cut)}), so a restart before the next block may find it committed`,
            ),
        );
        const error = new LedgerError(
          'ORDERER_WRITE_FAILED',
          `the orderer could not write block ${header.number} to its log: ${this.failure.message}; resubmit`,
        );
        batch.forEach((p) => p.reject(error));
        return;
      }
      this.failure = undefined;
      this.tip = tip;
      this.recent.set(header.number, block);
      this.recent.delete(header.number - RECENT_BLOCKS);
      batch.forEach((p, index) => p.resolve({ blockNumber: header.number, index }));
      this.events.emit('height', tip.height);
    });
  }
}
