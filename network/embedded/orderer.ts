/**
 * The ordering service: a single orderer (the embedded network is one process, so there is no
 * consensus to run) that cuts blocks by count, size and timeout as Fabric's block cutter does,
 * chains and signs their headers, and keeps its own durable block log in its own level database.
 */
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import {
  encodeHeader,
  ZERO_HASH,
  type Block,
  type BlockHeader,
  type Transaction,
} from '@shulian/proof/formats/embedded';
import { sha256Hex } from './crypto.js';
import { LedgerError } from './errors.js';
import { signerRef, signWith, type SigningIdentity } from './identity.js';
import { merkleRoot } from './merkle.js';
import type { BatchConfig } from './config.js';
import { atomicWrite, blockKey } from './store.js';
import { sealTransaction } from './validator.js';

const RECENT_BLOCKS = 64;

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
    const tip = ((await db.getMany(['tip']))[0] as OrdererTip | undefined) ?? {
      height: 0,
      lastHash: ZERO_HASH,
    };
    return new Orderer(db, identity, batch, durable, tip);
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
    return (
      this.recent.get(n) ?? ((await this.db.getMany([`b${blockKey(n)}`]))[0] as Block | undefined)
    );
  }

  /**
   * The quick check at start: the last `blocks` blocks of the log exist under their numbers,
   * chain to one another and to the tip, nothing is stored past the tip, and `check` (signature
   * and data hash) accepts each. Throws ORDERER_LOG_CORRUPT naming the block otherwise.
   */
  async checkTail(
    blocks: number,
    check: (block: Block, previousHash: string) => void,
  ): Promise<void> {
    const { height, lastHash } = this.tip;
    const fail = (reason: string): never => {
      throw new LedgerError('ORDERER_LOG_CORRUPT', `the orderer's log: ${reason}`);
    };
    if (await this.storedBlock(height)) fail(`a block is stored past the tip (height ${height})`);
    let next = lastHash;
    for (let n = height - 1; n >= Math.max(0, height - blocks); n--) {
      const block = (await this.storedBlock(n)) as Block | undefined;
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

  /** Block `n` as stored in the log (never from memory): what verification checks. */
  async storedBlock(n: number): Promise<unknown> {
    return (await this.db.getMany([`b${blockKey(n)}`]))[0];
  }

  /** The log's stored tip record. */
  async storedTip(): Promise<unknown> {
    return (await this.db.getMany(['tip']))[0];
  }

  /** The log's stored blocks below height `below`, in order, each with the number its key names. */
  async *storedBlocks(below: number): AsyncIterable<[number, unknown]> {
    for await (const [key, value] of this.db.iterator({ gte: 'b', lt: `b${blockKey(below)}` }))
      yield [parseInt(key.slice(1), 16), value];
  }

  /** Tamper tests only: writes or deletes raw entries of the log behind the orderer's back. */
  async tamperLog(
    ops: ({ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string })[],
  ): Promise<void> {
    await this.db.batch(ops);
    for (const op of ops)
      if (op.key.startsWith('b')) this.recent.delete(parseInt(op.key.slice(1), 16));
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
    const header: BlockHeader = {
      number: this.nextNumber,
      previousHash: this.nextPrevious,
      dataHash: merkleRoot(batch.map((p) => p.bytes)),
      timestamp: Date.now(),
      txCount: batch.length,
    };
    const block: Block = {
      header,
      transactions: batch.map((p) => p.tx),
      ordererSignature: {
        orderer: signerRef(this.identity),
        signature: signWith(this.identity, encodeHeader(header)),
      },
    };
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
        await atomicWrite(
          this.db,
          [
            { type: 'put', key: `b${blockKey(header.number)}`, value: block },
            { type: 'put', key: 'tip', value: tip },
          ],
          this.durable,
        );
      } catch (err) {
        // Nothing after the failed block may be written or acknowledged: numbering restarts at
        // the log's durable tip, and blocks already cut after this one are refused (epoch).
        this.epoch += 1;
        this.nextNumber = this.tip.height;
        this.nextPrevious = this.tip.lastHash;
        this.failure = err instanceof Error ? err : new Error(String(err));
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
