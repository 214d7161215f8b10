/**
 * The embedded network: one node per department of departments.yaml, each with its own
 * directory and level database, an orderer with its own log, and the client side of Fabric's
 * execute-order-validate flow (endorse on enough nodes for the chaincode-level and key-level
 * policies, check the results agree, order, wait for commit and report the validation code).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChaincodeInterface } from 'fabric-shim';
import {
  encodeTransaction,
  ValidationCode,
  type Endorsement,
  type Transaction,
  type TransactionEvidence,
} from '@shulian/proof/formats/embedded';
import { loadChaincode, type ChaincodeSource } from './chaincode.js';
import { loadNetworkConfig, type BatchConfig, type NetworkConfig } from './config.js';
import { LedgerError } from './errors.js';
import { MspVerifier, type NodeOU, type SigningIdentity } from './identity.js';
import { channelMembers, orgDir, orgMaterial, Wallet } from './material.js';
import { inclusionPath } from './merkle.js';
import { DepartmentNode, type EndorsementResult } from './node.js';
import { Orderer } from './orderer.js';
import { chooseEndorsers, policyMembers } from './policy.js';
import { proposalFor, type CallOptions } from './proposal.js';
import { canonical } from './sealed.js';
import type { BlockRecord } from './store.js';
import { requiredPolicies, type ValidationContext } from './validator.js';
import { compareNodes, verifyNode, type NodeDivergence } from './verify.js';

export interface NetworkOptions {
  /** Root of all department, orderer and channel directories. */
  dataDir: string;
  /** Defaults to network/departments.yaml. */
  config?: NetworkConfig;
  chaincode?: ChaincodeSource;
  /** fsync every block at the orderer and at each node (default true). */
  durable?: boolean;
  /** Overrides of the orderer's batch settings (tests use small batches). */
  batch?: Partial<BatchConfig>;
}

export interface Committed {
  txId: string;
  blockNumber: number;
  index: number;
  payload: Uint8Array;
  transaction: Transaction;
}

/**
 * What a third party needs to verify proofs offline (the gateway's trust file): each
 * department's CA certificate and the orderer's certificate.
 */
export interface TrustBundle {
  format: 'shulian-trust';
  version: 1;
  channel: string;
  departments: Record<string, { caCertificate: string }>;
  orderers: { mspId: string; certificate: string }[];
}

/**
 * Offline-verifiable material for one transaction (embedded engine): the transaction, its
 * position, the orderer-signed header and the RFC 6962 audit path to header.dataHash.
 */
export interface NodeState {
  id: string;
  running: boolean;
  height: number;
  lastBlockHash: string;
  commitHash: string;
  halted?: string;
}

const ENDORSE_ATTEMPTS = 4;

type VerifyResult = { ok: boolean; checkedBlocks: number; divergences: NodeDivergence[] };

export class EmbeddedNetwork {
  private closed = false;

  private constructor(
    readonly config: NetworkConfig,
    readonly dataDir: string,
    readonly orderer: Orderer,
    private readonly nodeMap: Map<string, DepartmentNode>,
    private readonly wallets: Map<string, Wallet>,
    private readonly validation: ValidationContext,
    readonly trust: TrustBundle,
  ) {}

  static async open(options: NetworkOptions): Promise<EmbeddedNetwork> {
    const config = options.config ?? (await loadNetworkConfig());
    const dataDir = path.resolve(options.dataDir);
    const durable = options.durable ?? true;
    const chaincode: ChaincodeInterface = await loadChaincode(options.chaincode);
    const ordererDir = orgDir(dataDir, config.orderer.id, true);
    const ordererOrg = await orgMaterial(
      ordererDir,
      config.orderer.id,
      `orderer0.${config.orderer.domain}`,
      'orderer',
    );
    const departments = await Promise.all(
      config.departments.map(async (d) => {
        const dir = orgDir(dataDir, d.id, false);
        return { d, dir, org: await orgMaterial(dir, d.id, `peer0.${d.domain}`, 'peer') };
      }),
    );
    const members = await channelMembers(dataDir, {
      ...Object.fromEntries(departments.map(({ d, org }) => [d.id, org.ca.certificate])),
      [config.orderer.id]: ordererOrg.ca.certificate,
    });
    const validation: ValidationContext = {
      channel: config.channel,
      chaincode: config.chaincode.name,
      msp: new MspVerifier(members),
      ordererMspId: config.orderer.id,
      policy: config.chaincode.policy,
    };
    const orderer = await Orderer.open(
      path.join(ordererDir, 'blocks'),
      ordererOrg.node,
      { ...config.orderer.batch, ...options.batch },
      durable,
    );
    const nodeMap = new Map<string, DepartmentNode>();
    const wallets = new Map<string, Wallet>();
    for (const { d, dir, org } of departments) {
      const node = new DepartmentNode({
        id: d.id,
        location: path.join(dir, 'ledger'),
        identity: org.node,
        chaincode,
        validation,
        orderer,
        durable,
      });
      nodeMap.set(d.id, node);
      wallets.set(d.id, new Wallet(dir, org.ca));
    }
    const trust: TrustBundle = {
      format: 'shulian-trust',
      version: 1,
      channel: config.channel,
      departments: Object.fromEntries(
        config.departments.map((d) => [d.id, { caCertificate: members[d.id] as string }]),
      ),
      orderers: [{ mspId: config.orderer.id, certificate: ordererOrg.node.certificate }],
    };
    const network = new EmbeddedNetwork(
      config,
      dataDir,
      orderer,
      nodeMap,
      wallets,
      validation,
      trust,
    );
    await Promise.all([...nodeMap.values()].map((n) => n.start()));
    // A node past the orderer's log means the log lost blocks: the orderer would number new
    // blocks as ones the nodes already hold, and clients would be answered from those.
    const ahead = network.nodes
      .filter((n) => n.tip.height > orderer.height)
      .map((n) => `${n.id} has ${n.tip.height}`);
    if (ahead.length > 0) {
      await network.close();
      throw new LedgerError(
        'ORDERER_LOG_BEHIND',
        `the orderer's log (${path.join(ordererDir, 'blocks')}) holds ${orderer.height} blocks but ${ahead.join(', ')}; restore the orderer's log`,
      );
    }
    return network;
  }

  private get target(): { channel: string; chaincode: string } {
    return { channel: this.config.channel, chaincode: this.config.chaincode.name };
  }

  get nodes(): DepartmentNode[] {
    return [...this.nodeMap.values()];
  }

  node(id: string): DepartmentNode {
    const node = this.nodeMap.get(id);
    if (!node) throw new LedgerError('NODE_NOT_FOUND', `no node for department ${id}`);
    return node;
  }

  /** A user's identity from the department's wallet, issued by its CA on first use. */
  identity(
    department: string,
    user: string,
    ou: NodeOU = 'client',
    attrs: Record<string, string> = {},
  ): Promise<SigningIdentity> {
    const wallet = this.wallets.get(department);
    if (!wallet)
      return Promise.reject(new LedgerError('NODE_NOT_FOUND', `no department ${department}`));
    return wallet.identity(user, ou, attrs);
  }

  private live(): DepartmentNode[] {
    this.assertOpen();
    return this.nodes.filter((n) => n.serving);
  }

  /** The node a client of `mspId` talks to: its own department's when it runs. */
  private gatewayNode(mspId: string): DepartmentNode {
    const live = this.live();
    const own = live.find((n) => n.id === mspId);
    const members = policyMembers(this.config.chaincode.policy);
    const node = own ?? live.find((n) => members.includes(n.id)) ?? live[0];
    if (!node) throw new LedgerError('NODE_STOPPED', 'no department node is running');
    return node;
  }

  async submit(
    identity: SigningIdentity,
    fcn: string,
    args: string[],
    options: CallOptions = {},
  ): Promise<Committed> {
    const transient = options.transient ?? {};
    const { proposal, clientSignature } = proposalFor(identity, this.target, fcn, args, options);
    // The ordered transaction carries the proposal and more: one that cannot fit is refused
    // before endorsers spend a simulation and a signature on it.
    const proposalBytes = canonical(proposal).length;
    if (proposalBytes > this.orderer.absoluteMaxBytes)
      throw new LedgerError(
        'TX_TOO_LARGE',
        `a proposal of ${proposalBytes} bytes exceeds the orderer's absoluteMaxBytes ${this.orderer.absoluteMaxBytes}`,
        { txId: proposal.txId },
      );
    const first = this.gatewayNode(identity.mspId);
    let endorsed: { result: EndorsementResult; endorsements: Endorsement[] } | undefined;
    for (let attempt = 1; !endorsed; attempt++) {
      const height = first.tip.height;
      const result = await first.endorse(proposal, clientSignature, transient);
      const written = [...result.payload.rwset.writes, ...result.payload.rwset.metadataWrites].map(
        (w) => w.key,
      );
      await first.ledger().prefetch(written);
      const policies = await requiredPolicies(
        result.payload.rwset,
        async (key) => (await first.ledger().get(key))?.validationParameter,
        this.config.chaincode.policy,
      );
      const live = this.live().map((n) => n.id);
      const chosen = chooseEndorsers(policies, live, [first.id]);
      if (!chosen)
        throw new LedgerError(
          'NO_ENDORSERS',
          `the running nodes (${live.join(', ')}) cannot satisfy the endorsement policies of this transaction`,
          { txId: proposal.txId },
        );
      // Endorsers must simulate on the same committed height or their read sets differ, so a
      // lagging endorser is given time to reach the first one's height before it is asked.
      const others = await Promise.all(
        chosen
          .filter((id) => id !== first.id)
          .map(async (id) => {
            const node = this.node(id);
            if (height > 0 && node.tip.height < height) await node.waitForBlock(height - 1);
            return node.endorse(proposal, clientSignature, transient);
          }),
      );
      if (others.every((o) => Buffer.compare(result.payloadBytes, o.payloadBytes) === 0)) {
        endorsed = {
          result,
          endorsements: [result.endorsement, ...others.map((o) => o.endorsement)],
        };
      } else if (attempt >= ENDORSE_ATTEMPTS) {
        throw new LedgerError(
          'ENDORSEMENT_MISMATCH',
          `endorsers returned different results for ${proposal.txId}`,
          { txId: proposal.txId },
        );
      } else {
        // Someone committed a block in between: let the chosen nodes reach a common height, retry.
        const target = Math.max(...chosen.map((id) => this.node(id).tip.height));
        await Promise.all(chosen.map((id) => this.node(id).waitForBlock(target - 1)));
      }
    }
    const transaction: Transaction = {
      proposal,
      clientSignature,
      payload: endorsed.result.payload,
      endorsements: endorsed.endorsements,
    };
    const { blockNumber, index } = await this.orderer.broadcast(transaction);
    const record = await this.awaitBlock(identity.mspId, blockNumber);
    // Read-your-writes on every node: the gateway may read through any department's node next.
    // A node that stops or halts meanwhile is not waited for.
    await Promise.all(this.live().map((n) => n.waitForBlock(blockNumber).catch(() => undefined)));
    const code = record.codes[index] as ValidationCode;
    if (code !== ValidationCode.VALID) {
      throw new LedgerError(
        code,
        `transaction ${proposal.txId} was invalidated in block ${blockNumber}: ${code}`,
        { txId: proposal.txId, blockNumber },
      );
    }
    return {
      txId: proposal.txId,
      blockNumber,
      index,
      payload: Buffer.from(endorsed.result.payload.response.payload, 'base64'),
      transaction,
    };
  }

  /**
   * Waits until the preferred department's node has committed block `n`; if that node stops or
   * halts meanwhile, another running node answers.
   */
  private async awaitBlock(
    preferred: string,
    n: number,
    signal?: AbortSignal,
  ): Promise<BlockRecord> {
    for (;;) {
      try {
        return await this.gatewayNode(preferred).waitForBlock(n, signal);
      } catch (err) {
        const nodeGone =
          err instanceof LedgerError && (err.code === 'NODE_STOPPED' || err.code === 'NODE_HALTED');
        if (!nodeGone || signal?.aborted) throw err;
      }
    }
  }

  async evaluate(
    identity: SigningIdentity,
    fcn: string,
    args: string[],
    options: CallOptions = {},
  ): Promise<Uint8Array> {
    const transient = options.transient ?? {};
    const { proposal, clientSignature } = proposalFor(identity, this.target, fcn, args, options);
    return this.gatewayNode(identity.mspId).evaluate(proposal, clientSignature, transient);
  }

  /** The committed record of a block from a running node (the coordinator's when it runs). */
  async blockRecord(n: number, wait = false, signal?: AbortSignal): Promise<BlockRecord> {
    if (wait) return this.awaitBlock(this.config.coordinator, n, signal);
    const node = this.gatewayNode(this.config.coordinator);
    const record = n < node.tip.height ? await node.ledger().blockRecord(n) : undefined;
    if (!record)
      throw new LedgerError(
        'BLOCK_NOT_FOUND',
        `block ${n} is not committed (height ${node.tip.height})`,
        { blockNumber: n },
      );
    return record;
  }

  async findTransaction(txId: string): Promise<{ record: BlockRecord; index: number }> {
    const store = this.gatewayNode(this.config.coordinator).ledger();
    const at = await store.txLocation(txId);
    const record = at && (await store.blockRecord(at.block));
    if (!at || !record)
      throw new LedgerError('TX_NOT_FOUND', `transaction ${txId} is not on the ledger`, { txId });
    return { record, index: at.index };
  }

  async proof(txId: string): Promise<TransactionEvidence & { blockNumber: number }> {
    const { record, index } = await this.findTransaction(txId);
    const items = record.block.transactions.map(encodeTransaction);
    return {
      transaction: record.block.transactions[index] as Transaction,
      txIndex: index,
      header: record.block.header,
      ordererSignature: record.block.ordererSignature,
      inclusionPath: inclusionPath(items, index),
      validationCode: record.codes[index] as ValidationCode,
      blockNumber: record.block.header.number,
    };
  }

  /** The identity a certificate proves in this channel (department and user), if any. */
  identify(ref: { mspId: string; certificate: string }): { mspId: string; name: string } | null {
    return this.validation.msp.identify(ref);
  }

  nodeStates(): NodeState[] {
    return this.nodes.map((n) => {
      if (!n.running)
        return { id: n.id, running: false, height: 0, lastBlockHash: '', commitHash: '' };
      const tip = n.tip;
      const state: NodeState = {
        id: n.id,
        running: true,
        height: tip.height,
        lastBlockHash: tip.blockHash,
        commitHash: tip.commitHash,
      };
      if (n.halted) state.halted = n.halted.message;
      return state;
    });
  }

  /** Resolves once every running node has committed every block the orderer has cut. */
  async settle(): Promise<void> {
    const height = this.orderer.height;
    if (height === 0) return;
    await Promise.all(this.live().map((n) => n.waitForBlock(height - 1)));
  }

  async stopNode(id: string): Promise<void> {
    await this.node(id).stop();
  }

  async startNode(id: string): Promise<void> {
    this.assertOpen();
    await this.node(id).start();
  }

  /**
   * Checks every running node's own chain, commit hashes and state, then compares nodes. Nodes
   * commit nothing meanwhile, so each is read at one height; they catch up afterwards.
   */
  async verify(): Promise<VerifyResult> {
    const running = this.nodes.filter((n) => n.running);
    const pauseAll = (i: number, fn: () => Promise<VerifyResult>): Promise<VerifyResult> => {
      const node = running[i];
      return node ? node.withCommitsPaused(() => pauseAll(i + 1, fn)) : fn();
    };
    return pauseAll(0, async () => {
      const own = await Promise.all(
        running.map((n) => verifyNode(n.id, n.ledger(), this.validation)),
      );
      const divergences = own.flatMap((r) => r.divergences);
      // A halted node's stored ledger may be sound, but it refused a block and commits no more.
      for (const n of running)
        if (n.halted && !divergences.some((d) => d.node === n.id))
          divergences.push({
            node: n.id,
            height: n.tip.height,
            reason: `halted: ${n.halted.message}`,
          });
      const faulty = new Set(divergences.map((d) => d.node));
      const healthy = running
        .filter((n) => !faulty.has(n.id))
        .map((n) => ({ id: n.id, store: n.ledger() }));
      divergences.push(...(await compareNodes(healthy)));
      return {
        ok: divergences.length === 0,
        checkedBlocks: own.reduce((s, r) => s + r.checkedBlocks, 0),
        divergences,
      };
    });
  }

  /** Rebuilds a node from scratch: its ledger directory is discarded and every block re-validated. */
  async repairNode(id: string): Promise<void> {
    const node = this.node(id);
    await node.stop();
    await rm(node.location, { recursive: true, force: true });
    await node.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.orderer.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError('NETWORK_CLOSED', 'the embedded network is closed');
  }
}
