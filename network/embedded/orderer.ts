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

  /** Calls back with each new height after its block is durable. */
  onHeight(listener: (height: number) => void): () => void {
    this.events.on('height', listener);
    return () => this.events.off('height', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cut();
    this.closed = true;
    await this.writing;
    await this.db.close();
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
    this.writing = this.writing.then(async () => {
      try {
        await atomicWrite(
          this.db,
          [
            { type: 'put', key: `b${blockKey(header.number)}`, value: block },
            { type: 'put', key: 'tip', value: tip },
          ],
          this.durable,
        );
        this.tip = tip;
        this.recent.set(header.number, block);
        this.recent.delete(header.number - RECENT_BLOCKS);
        batch.forEach((p, index) => p.resolve({ blockNumber: header.number, index }));
        this.events.emit('height', tip.height);
      } catch (err) {
        // A log write failed: the numbering in memory is now ahead of the log, so stop ordering.
        this.closed = true;
        const error = err instanceof Error ? err : new Error(String(err));
        batch.forEach((p) => p.reject(error));
      }
    });
  }
}
