/**
 * The embedded engine behind the LedgerClient interface: an in-process network of department
 * nodes (network/embedded) running the compiled chaincode. Callers sign with identities from
 * their department's wallet, issued on first use by the department's CA and kept in its
 * directory. Beyond LedgerClient it offers the admin surface the gateway needs: node stop,
 * start and repair, identities, and the trust bundle for offline proof verification.
 */
import type { ChaincodeSource } from '../../../network/embedded/chaincode.js';
import {
  loadNetworkConfig,
  type BatchConfig,
  type NetworkConfig,
} from '../../../network/embedded/config.js';
import { isTransaction } from '@shulian/proof/formats/embedded';
import type { SigningIdentity } from '../../../network/embedded/identity.js';
import { EmbeddedNetwork, type TrustBundle } from '../../../network/embedded/network.js';
import type { BlockRecord } from '../../../network/embedded/store.js';
import type {
  BlockEvent,
  Caller,
  CommittedTransaction,
  EventOptions,
  LedgerClient,
  NetworkStatus,
  SubmitOptions,
  SubmitResult,
  TransactionProofMaterial,
  VerifyReport,
} from './types.js';

export { LedgerError } from '../../../network/embedded/errors.js';
export type { TrustBundle };

export interface EmbeddedLedgerOptions {
  /** Root directory of the network's department, orderer and channel data. */
  dataDir: string;
  /** A parsed network, or the path of a departments.yaml; defaults to network/departments.yaml. */
  config?: NetworkConfig | string;
  chaincode?: ChaincodeSource;
  /** fsync every block (default true). */
  durable?: boolean;
  batch?: Partial<BatchConfig>;
  /**
   * Which callers sign with a certificate carrying the Fabric NodeOU `admin` (as a department's
   * Admin@ identity on Fabric). Default: the user named `admin`.
   */
  isAdmin?: (caller: Caller) => boolean;
}

export interface EmbeddedLedger extends LedgerClient {
  readonly network: EmbeddedNetwork;
  /** Department CA certificates and the orderer's key, for offline verification. */
  readonly trust: TrustBundle;
  identity(caller: Caller): Promise<SigningIdentity>;
  stopNode(department: string): Promise<void>;
  startNode(department: string): Promise<void>;
  /** Rebuilds a department's node from the orderer's blocks, validating each. */
  repairNode(department: string): Promise<void>;
}

const defaultIsAdmin = (caller: Caller): boolean => caller.user === 'admin';

export async function createEmbeddedLedger(
  options: EmbeddedLedgerOptions,
): Promise<EmbeddedLedger> {
  const config =
    typeof options.config === 'object' ? options.config : await loadNetworkConfig(options.config);
  const network = await EmbeddedNetwork.open({
    dataDir: options.dataDir,
    config,
    ...(options.chaincode ? { chaincode: options.chaincode } : {}),
    ...(options.durable === undefined ? {} : { durable: options.durable }),
    ...(options.batch ? { batch: options.batch } : {}),
  });
  const isAdmin = options.isAdmin ?? defaultIsAdmin;
  const identity = (caller: Caller): Promise<SigningIdentity> =>
    network.identity(caller.department, caller.user, isAdmin(caller) ? 'admin' : 'client');

  const committedTransaction = (record: BlockRecord, index: number): CommittedTransaction => {
    const tx = record.block.transactions[index];
    if (!tx)
      throw new RangeError(`block ${record.block.header.number} has no transaction ${index}`);
    // A malformed transaction (BAD_PAYLOAD) is delivered with its code but claims nothing.
    if (!isTransaction(tx))
      return {
        txId: '',
        index,
        validationCode: record.codes[index] ?? 'UNKNOWN',
        timestamp: 0,
        creator: { department: '', user: '' },
        fcn: '',
        event: null,
      };
    const creator = network.identify(tx.proposal.creator);
    const event = tx.payload.event;
    return {
      txId: tx.proposal.txId,
      index,
      validationCode: record.codes[index] ?? 'UNKNOWN',
      timestamp: tx.proposal.timestamp,
      creator: { department: tx.proposal.creator.mspId, user: creator?.name ?? '' },
      fcn: tx.proposal.fcn,
      event: event ? { name: event.name, payload: Buffer.from(event.payload, 'base64') } : null,
    };
  };

  const blockEvent = (record: BlockRecord): BlockEvent => ({
    blockNumber: record.block.header.number,
    blockHash: record.blockHash,
    transactions: record.block.transactions.map((_, i) => committedTransaction(record, i)),
  });

  const status = (): NetworkStatus => {
    const nodes = network.nodeStates();
    const byHeight = new Map<number, Set<string>>();
    for (const n of nodes.filter((s) => s.running)) {
      const set = byHeight.get(n.height) ?? new Set<string>();
      set.add(n.commitHash);
      byHeight.set(n.height, set);
    }
    return {
      engine: 'embedded',
      channel: config.channel,
      height: Math.max(0, ...nodes.map((n) => n.height)),
      nodes: nodes.map(({ id, running, height, lastBlockHash, commitHash, halted, stalled }) => ({
        id,
        running,
        height,
        lastBlockHash,
        commitHash,
        ...(halted === undefined ? {} : { halted }),
        ...(stalled === undefined ? {} : { stalled }),
      })),
      agreement:
        [...byHeight.values()].every((hashes) => hashes.size === 1) &&
        !nodes.some((n) => n.halted !== undefined),
    };
  };

  return {
    network,
    trust: network.trust,
    identity,
    supports: {
      backdatedTransactions: true,
      timeWindowMs: null,
      configGenesisBlock: false,
      committedOnEveryNode: true,
    },

    async submit(
      caller: Caller,
      fcn: string,
      args: string[],
      submitOptions?: SubmitOptions,
    ): Promise<SubmitResult> {
      const r = await network.submit(
        await identity(caller),
        fcn,
        args,
        submitOptions?.transient ? { transient: submitOptions.transient } : {},
      );
      return { txId: r.txId, blockNumber: r.blockNumber, payload: r.payload };
    },

    async evaluate(caller: Caller, fcn: string, args: string[]): Promise<Uint8Array> {
      return network.evaluate(await identity(caller), fcn, args);
    },

    waitForHeight: (department, height, timeoutMs) =>
      network.waitForHeight(department, height, timeoutMs),

    async *blockEvents(eventOptions: EventOptions = {}): AsyncIterable<BlockEvent> {
      const { signal } = eventOptions;
      let next = eventOptions.startBlock ?? status().height;
      while (!signal?.aborted) {
        let record: BlockRecord;
        try {
          record = await network.blockRecord(next, true, signal);
        } catch (err) {
          if (signal?.aborted) return;
          throw err;
        }
        yield blockEvent(record);
        next += 1;
      }
    },

    async getBlockEvent(blockNumber: number): Promise<BlockEvent> {
      return blockEvent(await network.blockRecord(blockNumber));
    },

    async getTransaction(txId: string): Promise<CommittedTransaction & { blockNumber: number }> {
      const { record, index } = await network.findTransaction(txId);
      return { ...committedTransaction(record, index), blockNumber: record.block.header.number };
    },

    async getTransactionProof(txId: string): Promise<TransactionProofMaterial> {
      const { blockNumber, ...material } = await network.proof(txId);
      return {
        engine: 'embedded',
        txId,
        blockNumber,
        validationCode: material.validationCode,
        material,
      };
    },

    status: () => Promise.resolve(status()),

    async verify(): Promise<VerifyReport> {
      return network.verify();
    },
    verifyProgress: () => network.verifyProgress,

    stopNode: (department) => network.stopNode(department),
    startNode: (department) => network.startNode(department),
    repairNode: (department) => network.repairNode(department),
    close: () => network.close(),
  };
}
