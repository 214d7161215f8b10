/**
 * A department's node (Fabric's peer): its own ledger store, the chaincode, an endorser that
 * simulates proposals against its own committed state and signs the result, and a committer
 * that pulls blocks from the orderer's log, checks and validates each one itself and commits it
 * atomically. The same loop serves live delivery, catch-up after a stop, and the blocks a crash
 * left committed in the node's block file but not in its level database (./block-file.ts),
 * which it validates and applies again from its own file first, and a rebuild of the whole ledger
 * from that file after a power loss took a block's level batch below the tip.
 */
import { EventEmitter } from 'node:events';
import type { ChaincodeInterface } from 'fabric-shim';
import {
  type Block,
  type Endorsement,
  type Proposal,
  type ProposalResponsePayload,
} from '@shulian/proof/formats/embedded';
import { sha256Hex, verify } from './crypto.js';
import { LedgerError } from './errors.js';
import { signerRef, signWith, type SigningIdentity } from './identity.js';
import { addTime } from './metrics.js';
import type { Orderer } from './orderer.js';
import { checkCall, txIdFor } from './proposal.js';
import {
  GENESIS_TIP,
  LEVEL_SYNC_BLOCKS,
  LedgerStore,
  type BlockRecord,
  type Rebuild,
  type Tip,
} from './store.js';
import { canonical, seal } from './sealed.js';
import { simulate } from './stub.js';
import {
  blockBytes,
  checkBlock,
  encodeParts,
  headerHash,
  validateBlock,
  type ValidationContext,
} from './validator.js';

const RECENT_BLOCKS = 8;
/** A node rebuilding its ledger says how far it is at most this often. */
const REBUILD_PROGRESS_MS = 5_000;
/** A node whose disk is full tries its block again this often, and resumes once space returns. */
const STORAGE_RETRY_MS = 1_000;

/** A full disk (the level database's IO error carries the OS text, not an errno). */
export function isStorageFull(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return (
    e?.code === 'ENOSPC' ||
    e?.code === 'EDQUOT' ||
    (typeof e?.message === 'string' && /No space left on device|ENOSPC/.test(e.message))
  );
}

export interface NodeOptions {
  id: string;
  /** The node's own level directory. */
  location: string;
  identity: SigningIdentity;
  chaincode: ChaincodeInterface;
  validation: ValidationContext;
  orderer: Orderer;
  /** fsync each block (the default); off only for throwaway test networks. */
  durable: boolean;
}

export interface EndorsementResult {
  payload: ProposalResponsePayload;
  /** The canonical bytes the endorser signed, so a client compares results without re-encoding. */
  payloadBytes: Uint8Array;
  endorsement: Endorsement;
}

export class DepartmentNode {
  private store: LedgerStore | undefined;
  private readonly events = new EventEmitter();
  private unsubscribe: (() => void) | undefined;
  private syncing: Promise<void> | undefined;
  /** While positive, no block is committed (verification reads a still ledger). */
  private paused = 0;
  private resync = false;
  /** The last few committed blocks, by number. */
  private readonly recent = new Map<number, BlockRecord>();
  private caughtUp = false;
  /** Why the node stopped committing (a block failed its checks), if it did. */
  halted: Error | undefined;
  /** The full disk that keeps this node from committing, while it waits for space. */
  stalled: Error | undefined;
  private retry: NodeJS.Timeout | undefined;
  /**
   * When the last rebuild progress line was written (never yet: a rebuild resumed says so at once,
   * however soon after the process started, performance.now() counting from its start).
   */
  private progressAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: NodeOptions) {
    this.events.setMaxListeners(0);
  }

  get id(): string {
    return this.options.id;
  }

  get location(): string {
    return this.options.location;
  }

  get running(): boolean {
    return this.store !== undefined;
  }

  get tip(): Tip {
    return this.ledger().tip;
  }

  /** The node's store; only while running. */
  ledger(): LedgerStore {
    if (!this.store) throw new LedgerError('NODE_STOPPED', `node ${this.id} is stopped`);
    return this.store;
  }

  async start(): Promise<void> {
    if (this.store) return;
    const store = await LedgerStore.open(this.options.location);
    this.store = store;
    this.halted = undefined;
    // A node whose stored tip does not hold up is halted before it serves anything; one whose
    // level data lost a block's batch below the tip is rebuilt from its own block file.
    const lost = await this.startupCheck(store).catch((err: unknown) => void this.halt(err));
    if (lost && (await this.fileHoldsTip(store, lost).catch((err: unknown) => this.halt(err))))
      await this.rebuild(store, lost);
    this.unsubscribe = this.options.orderer.onHeight(() => void this.sync());
    await this.sync();
    this.caughtUp = true;
  }

  /** Running, not halted, and past the catch-up that follows a start: fit to endorse and serve. */
  get serving(): boolean {
    return this.caughtUp && this.store !== undefined && !this.halted;
  }

  async stop(): Promise<void> {
    const store = this.store;
    if (!store) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.stalled = undefined;
    await this.syncing;
    this.store = undefined;
    this.caughtUp = false;
    this.recent.clear();
    await store.close();
    this.events.emit('stopped');
  }

  /**
   * What a Fabric endorser checks of every proposal, query or not: the call is well formed, it
   * targets this channel and chaincode, its creator is a channel member who signed exactly these
   * bytes (the chaincode trusts the creator's identity), and its id follows from nonce and
   * creator. Returns the proposal's canonical bytes.
   */
  private checkProposal(proposal: Proposal, clientSignature: string): Uint8Array {
    const { validation } = this.options;
    checkCall(proposal.fcn, proposal.args);
    if (proposal.channel !== validation.channel || proposal.chaincode !== validation.chaincode) {
      throw new LedgerError('ENDORSEMENT_REFUSED', `node ${this.id}: unknown channel or chaincode`);
    }
    const creator = validation.msp.identify(proposal.creator);
    const proposalBytes = canonical(proposal);
    if (!creator || !verify(creator.publicKey, proposalBytes, clientSignature)) {
      throw new LedgerError(
        'BAD_CREATOR_SIGNATURE',
        `node ${this.id}: the proposal's creator or signature is not valid`,
      );
    }
    if (proposal.txId !== txIdFor(proposal.nonce, proposal.creator.certificate)) {
      throw new LedgerError(
        'BAD_PROPOSAL_TXID',
        `node ${this.id}: transaction id is not derived from nonce and creator`,
      );
    }
    return proposalBytes;
  }

  /** Simulates a proposal on this node's committed state and signs the result. */
  async endorse(
    proposal: Proposal,
    clientSignature: string,
    transient: Record<string, Uint8Array>,
  ): Promise<EndorsementResult> {
    const store = this.ledger();
    const proposalBytes = this.checkProposal(proposal, clientSignature);
    // A replayed proposal is not looked up here: the committer marks it DUPLICATE_TXID, and
    // the lookup would cost every honest endorsement a database round trip.
    const started = performance.now();
    const result = await simulate(
      this.options.chaincode,
      store,
      proposal,
      clientSignature,
      transient,
    );
    addTime('simulate', performance.now() - started);
    if (result.response.status >= 400) {
      throw new LedgerError(
        'CHAINCODE_ERROR',
        result.response.message || `chaincode returned status ${result.response.status}`,
        {
          txId: proposal.txId,
          status: result.response.status,
        },
      );
    }
    const payload: ProposalResponsePayload = {
      txId: proposal.txId,
      proposalHash: sha256Hex(proposalBytes),
      rwset: result.rwset,
      event: result.event,
      response: result.response,
    };
    // Sealed: the client, the orderer and every node reuse the bytes this endorser signed.
    const payloadBytes = seal(payload);
    const signature = signWith(this.options.identity, payloadBytes);
    return {
      payload,
      payloadBytes,
      endorsement: { endorser: signerRef(this.options.identity), signature },
    };
  }

  /** Runs a query on committed state; nothing is signed or ordered. */
  async evaluate(
    proposal: Proposal,
    clientSignature: string,
    transient: Record<string, Uint8Array>,
  ): Promise<Uint8Array> {
    const store = this.ledger();
    this.checkProposal(proposal, clientSignature);
    const result = await simulate(
      this.options.chaincode,
      store,
      proposal,
      clientSignature,
      transient,
    );
    if (result.response.status >= 400) {
      throw new LedgerError(
        'CHAINCODE_ERROR',
        result.response.message || `chaincode returned status ${result.response.status}`,
        {
          status: result.response.status,
        },
      );
    }
    return Buffer.from(result.response.payload, 'base64');
  }

  /** Resolves with the node's record of block `n` once it has committed it. */
  async waitForBlock(n: number, signal?: AbortSignal): Promise<BlockRecord> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.halted)
        throw new LedgerError('NODE_HALTED', `node ${this.id} halted: ${this.halted.message}`);
      const store = this.ledger();
      if (store.tip.height > n) {
        // Clients waiting for a commit want the block just committed: serve it from memory
        // rather than parse a stored block once per waiting client.
        const record = this.recent.get(n) ?? (await store.blockRecord(n));
        if (record) return record;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.events.off('block', done);
          this.events.off('stopped', done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.events.on('block', done);
        this.events.on('stopped', done);
        signal?.addEventListener('abort', done);
      });
    }
  }

  /** Runs `fn` while this node commits nothing, then catches up on what arrived meanwhile. */
  async withCommitsPaused<T>(fn: () => Promise<T>): Promise<T> {
    this.paused += 1;
    try {
      await this.syncing;
      return await fn();
    } finally {
      this.paused -= 1;
      if (this.paused === 0 && this.store) void this.sync();
    }
  }

  /**
   * Pulls, checks, validates and commits every block the orderer has that this node lacks. The
   * blocks its own block file holds past its tip come first, validated and applied exactly as on
   * first commit (deterministic: the same state as every other node's): a crash came between
   * their fsync and their level batch, so they are committed, and may have been acknowledged.
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.resync = true;
      return this.syncing;
    }
    this.syncing = this.pull().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async pull(): Promise<void> {
    do {
      this.resync = false;
      for (;;) {
        const store = this.store;
        if (!store || this.halted || !this.unsubscribe || this.paused > 0) return;
        const height = store.tip.height;
        const own = store.unindexed > 0;
        if (!own && height >= this.options.orderer.height) break;
        try {
          const block = own
            ? await store.unindexedBlock()
            : await this.options.orderer.block(height);
          // The orderer claims this height but cannot produce the block: the node cannot go on,
          // and must not look caught up.
          if (!block)
            throw new LedgerError(
              'BLOCK_MISSING',
              `block ${height} is missing from the orderer's log (height ${this.options.orderer.height})`,
            );
          await this.commitBlock(store, block);
          this.stalled = undefined;
        } catch (err) {
          if (isStorageFull(err)) {
            // Nothing of the block was committed (one atomic batch): try it again until the
            // disk has room, without a restart. The node still serves what it holds.
            this.stalled = err instanceof Error ? err : new Error(String(err));
            this.retry ??= setTimeout(() => {
              this.retry = undefined;
              void this.sync();
            }, STORAGE_RETRY_MS).unref();
            return;
          }
          // A block this node cannot get or accept stops it: it never skips or trusts a block.
          this.halt(err);
          return;
        }
      }
    } while (this.resync);
  }

  /**
   * The quick check at start: the recorded tip names the last stored block (hash and commit
   * hash), nothing is stored past it, that block carries the orderer's signature, chains to its
   * predecessor and matches its data hash, and it is the orderer's block of that number. Returns
   * why the ledger must be rebuilt if a block's level batch was lost below the tip (see
   * LEVEL_SYNC_BLOCKS), before anything else is checked: the blocks it reads may be the lost ones.
   */
  private async startupCheck(store: LedgerStore): Promise<string | undefined> {
    const { height, blockHash, commitHash } = store.tip;
    const fail = (reason: string): never => {
      throw new LedgerError('NODE_HALTED', `start-up check: ${reason}`);
    };
    if (await store.blockRecord(height)) fail(`a block is stored past the tip (height ${height})`);
    if (height === 0) return undefined;
    const from = Math.max(0, height - LEVEL_SYNC_BLOCKS);
    if ((await store.indexedBlocks(from, height)) !== height - from)
      return `the commit of one of blocks ${from} to ${height - 1} is missing below the tip (a power loss took a level batch)`;
    const last = await store.blockRecord(height - 1);
    if (!last) return fail(`block ${height - 1}, the tip, is missing`);
    if (
      last.blockHash !== blockHash ||
      last.commitHash !== commitHash ||
      headerHash(last.block) !== blockHash
    )
      fail(`the recorded tip does not match block ${height - 1}`);
    const before = height > 1 ? await store.blockRecord(height - 2) : undefined;
    if (height > 1 && !before) fail(`block ${height - 2} is missing`);
    try {
      checkBlock(last.block, before?.blockHash ?? GENESIS_TIP.blockHash, this.options.validation);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    const ordered = await this.options.orderer.block(height - 1);
    if (ordered && headerHash(ordered) !== blockHash)
      fail(`block ${height - 1} differs from the orderer's block ${height - 1}`);
    return undefined;
  }

  /**
   * Whether the node's own block file can rebuild its ledger, lost for `reason`: its frames, from
   * block 0, are one chain (each whole, CRC-checked, numbered, chained) through the block the tip
   * names. Throws NODE_HALTED naming what the file lacks otherwise; nothing is cleared then.
   */
  private async fileHoldsTip(store: LedgerStore, reason: string): Promise<true> {
    const { height, blockHash } = store.tip;
    let reached: string | undefined;
    try {
      for await (const { n, hash } of store.fileBlocks()) if (n === height - 1) reached = hash;
    } catch (err) {
      throw new LedgerError(
        'NODE_HALTED',
        `start-up check: ${reason}, and the block file cannot rebuild the node: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (reached !== blockHash)
      throw new LedgerError(
        'NODE_HALTED',
        `start-up check: ${reason}, and the block file does not hold the chain up to the tip's block ${height - 1}`,
      );
    return true;
  }

  /**
   * Rebuilds the node's level data from its own block file. A lost batch below the tip leaves one
   * block's writes missing while later blocks' are present, so applying that block alone could
   * overwrite later writes; instead state, history, transaction index and spans are cleared and
   * the sync loop replays every block of the file from block 0 as on first commit (validation is
   * deterministic, so to the codes and state every node has), the block file kept as it is. The
   * store proves the replay at the old tip: the same block hash and commit hash (see Rebuild).
   */
  private async rebuild(store: LedgerStore, reason: string): Promise<void> {
    await store.markRebuild(reason);
    this.store = undefined;
    await store.close();
    this.store = await LedgerStore.open(this.options.location);
    this.progressAt = performance.now();
    process.emitWarning(
      `node ${this.id}: ${reason}; rebuilding its ledger from its own block file (${this.store.unindexed} blocks to validate and apply again)`,
      { code: 'SHULIAN_NODE_REBUILDING' },
    );
  }

  /** Stops committing, loudly: waiting clients are woken and the reason is reported. */
  halt(err: unknown): void {
    this.halted = err instanceof Error ? err : new Error(String(err));
    process.emitWarning(`node ${this.id} halted: ${this.halted.message}`, {
      code: 'SHULIAN_NODE_HALTED',
    });
    this.events.emit('block');
  }

  private async commitBlock(store: LedgerStore, block: Block): Promise<void> {
    const rebuild = store.rebuilding;
    const record = await applyBlock(store, block, this.options.validation, this.options.durable);
    this.recent.set(block.header.number, record);
    this.recent.delete(block.header.number - RECENT_BLOCKS);
    if (rebuild) this.rebuildProgress(rebuild, block.header.number + 1, !store.rebuilding);
    this.events.emit('block', record);
  }

  /** A progress line now and then while a rebuild replays; once it is proven, the warning. */
  private rebuildProgress(rebuild: Rebuild, replayed: number, done: boolean): void {
    if (done) {
      process.emitWarning(
        `node ${this.id} was repaired: ${rebuild.reason}; its ledger was rebuilt from its own block file, ${replayed} blocks validated and applied again to the commit hash it had`,
        { code: 'SHULIAN_NODE_REPAIRED' },
      );
      return;
    }
    const now = performance.now();
    if (now - this.progressAt < REBUILD_PROGRESS_MS) return;
    this.progressAt = now;
    process.emitWarning(
      `node ${this.id} rebuilding its ledger from its own block file: ${replayed} of ${rebuild.tip.height} blocks applied`,
      { code: 'SHULIAN_NODE_REBUILDING' },
    );
  }

  onBlock(listener: (record: BlockRecord) => void): () => void {
    const wrapped = (record?: BlockRecord): void => {
      if (record) listener(record);
    };
    this.events.on('block', wrapped);
    return () => this.events.off('block', wrapped);
  }
}

/**
 * Checks a block (orderer signature, chain, data hash), validates its transactions against the
 * store's committed state and commits it atomically: what a node does with every block, and
 * what verification does to rebuild its own reference ledger from the orderer's log.
 */
export async function applyBlock(
  store: LedgerStore,
  block: Block,
  validation: ValidationContext,
  durable: boolean,
): Promise<BlockRecord> {
  const tip = store.tip;
  if (block.header.number !== tip.height)
    throw new Error(`expected block ${tip.height}, got ${block.header.number}`);
  const encoded = block.transactions.map(encodeParts);
  checkBlock(block, tip.blockHash, validation, encoded);
  const result = await validateBlock(block, store, validation, tip.commitHash, encoded);
  const record: BlockRecord = {
    block,
    codes: result.codes,
    blockHash: headerHash(block),
    commitHash: result.commitHash,
  };
  const started = performance.now();
  const bytes = blockBytes(
    block,
    encoded.map((e) => e.transaction),
  );
  await store.commit(record, result.updates, durable, bytes);
  addTime('commit', performance.now() - started);
  return record;
}
