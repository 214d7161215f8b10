/**
 * The gateway's only view of a ledger. Implementations (embedded, Fabric) are created by
 * factory functions and must pass tests/ledger/conformance.ts.
 */
import type { LedgerEvidence } from '@shulian/proof/formats';

/** Who a transaction is submitted as: a department (MSP id) and a user within it. */
export interface Caller {
  department: string;
  user: string;
}

export interface SubmitOptions {
  /** Private inputs the chaincode may read but the ledger never stores. */
  transient?: Record<string, Uint8Array>;
}

export interface SubmitResult {
  txId: string;
  blockNumber: number;
  /** The chaincode's return value (usually canonical JSON). */
  payload: Uint8Array;
}

/** A transaction as seen in a committed block, valid or not. */
export interface CommittedTransaction {
  txId: string;
  /** Position within the block. */
  index: number;
  /** Fabric validation code name, e.g. VALID or MVCC_READ_CONFLICT. */
  validationCode: string;
  /** Transaction time chosen by the client, ms since the epoch. */
  timestamp: number;
  creator: Caller;
  fcn: string;
  event: { name: string; payload: Uint8Array } | null;
}

export interface BlockEvent {
  blockNumber: number;
  /** hex hash of this block's header, which the next block's header chains to. */
  blockHash: string;
  transactions: CommittedTransaction[];
}

export interface EventOptions {
  /** First block to deliver; defaults to the next block committed after the call. */
  startBlock?: number;
  signal?: AbortSignal;
}

export interface NodeStatus {
  /** Department id that runs the node. */
  id: string;
  running: boolean;
  height: number;
  /** hex hash of the node's last block header. */
  lastBlockHash: string;
  /** hex chained hash over every valid write the node committed. */
  commitHash: string;
  /** Why the node stopped committing (a block it could not get or accept), if it did. */
  halted?: string;
  /** Why the node waits to commit (a full disk); it resumes once space returns. */
  stalled?: string;
}

export interface NetworkStatus {
  engine: 'embedded' | 'fabric';
  channel: string;
  height: number;
  nodes: NodeStatus[];
  /**
   * True when every running node at the same height reports the same commit hash and no
   * running node has halted.
   */
  agreement: boolean;
}

export interface Divergence {
  node: string;
  height: number;
  /** The first differing state key, when the difference is in state rather than blocks. */
  key?: string;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  checkedBlocks: number;
  divergences: Divergence[];
}

/**
 * Everything a third party needs to check one transaction offline: the engine-specific
 * transaction and block material plus the path from the transaction to the block's data hash,
 * tagged with its engine so the proof package's formats read it without a cast.
 */
export type TransactionProofMaterial = LedgerEvidence & {
  txId: string;
  blockNumber: number;
  validationCode: string;
};

/**
 * What an engine does where engines differ (like abstract-level's `db.supports`): the gateway
 * and the conformance suite (tests/ledger/conformance.ts) read it instead of asking which
 * engine they have, and the suite checks that each engine behaves as its manifest says.
 */
export interface LedgerSupports {
  /**
   * Transaction times far in the past are accepted (the embedded network signs proposals with
   * the time its caller gives). Fabric peers refuse a time more than `timeWindowMs` off their
   * clock, so the demo's overdue request cannot be backdated there.
   */
  backdatedTransactions: boolean;
  /** How far a transaction's time may be from a peer's clock (peer.authentication.timewindow); null: no limit. */
  timeWindowMs: number | null;
  /** Block 0 is the channel's configuration (Fabric's genesis block), not a chaincode transaction. */
  configGenesisBlock: boolean;
  /**
   * A submit returns once every department's node has committed the block (embedded); on Fabric
   * only the submitting peer has, and the client waits for a reading peer to catch up.
   */
  committedOnEveryNode: boolean;
}

export interface LedgerClient {
  /** The engine's capability manifest. */
  readonly supports: LedgerSupports;
  submit(
    caller: Caller,
    fcn: string,
    args: string[],
    options?: SubmitOptions,
  ): Promise<SubmitResult>;
  evaluate(caller: Caller, fcn: string, args: string[]): Promise<Uint8Array>;
  /**
   * Resolves once the node `department`'s reads go to (another running one while it is down, as
   * `evaluate` fails over) holds `height` blocks, i.e. has committed block `height - 1`; throws
   * NODE_BEHIND when it has not within `timeoutMs`. A block another department's peer committed
   * reaches this one a moment later on Fabric; waiting for its number is how a reader sees a
   * write it did not submit itself.
   */
  waitForHeight(department: string, height: number, timeoutMs: number): Promise<void>;
  /** Block events from `startBlock` on, in order, without gaps; ends when the signal aborts. */
  blockEvents(options?: EventOptions): AsyncIterable<BlockEvent>;
  getBlockEvent(blockNumber: number): Promise<BlockEvent>;
  getTransaction(txId: string): Promise<CommittedTransaction & { blockNumber: number }>;
  getTransactionProof(txId: string): Promise<TransactionProofMaterial>;
  status(): Promise<NetworkStatus>;
  verify(): Promise<VerifyReport>;
  /** How far a running `verify` is (engines that can tell). */
  verifyProgress?(): { phase: string; done: number; total: number } | undefined;
  /**
   * Rebuilds one department's node from the ordered blocks, re-validating each (engines that
   * keep the nodes; on Fabric a peer is rebuilt by its own operator).
   */
  repairNode?(department: string): Promise<void>;
  close(): Promise<void>;
}
