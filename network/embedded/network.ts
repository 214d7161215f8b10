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
import {
  loadNetworkConfig,
  type BatchConfig,
  type DepartmentConfig,
  type NetworkConfig,
} from './config.js';
import { LedgerError } from './errors.js';
import { MspVerifier, type NodeOU, type SigningIdentity } from './identity.js';
import {
  backupDir,
  backupMaterial,
  channelMembers,
  hasMaterial,
  orgDir,
  orgMaterial,
  recordedMembers,
  restoreMaterial,
  Wallet,
  type OrgMaterial,
} from './material.js';
import { inclusionPath } from './merkle.js';
import { DepartmentNode, type EndorsementResult } from './node.js';
import { Orderer } from './orderer.js';
import { chooseEndorsers, policyMembers } from './policy.js';
import { proposalFor, type CallOptions } from './proposal.js';
import { canonical } from './sealed.js';
import { checkBlock, requiredPolicies, type ValidationContext } from './validator.js';
import { LedgerStore, type BlockRecord } from './store.js';
import {
  verifyLedgers,
  type NodeDivergence,
  type NodeUnderCheck,
  type VerifyProgress,
} from './verify.js';

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
  /**
   * How long a write waits for its department's node to commit its block, and a read for its
   * node to reach the blocks already acknowledged to clients (default 30 s); past it the call
   * fails with COMMIT_TIMEOUT or NODE_BEHIND rather than wait forever.
   */
  commitTimeoutMs?: number;
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
  /** Why the node waits to commit (a full disk); it resumes by itself once space returns. */
  stalled?: string;
}

const ENDORSE_ATTEMPTS = 4;

/** Whether a node failed a call because it stopped or halted (another node can answer). */
const isNodeGone = (err: unknown): boolean =>
  err instanceof LedgerError && (err.code === 'NODE_STOPPED' || err.code === 'NODE_HALTED');
const COMMIT_TIMEOUT_MS = 30_000;
/** Blocks at the end of the orderer's log whose signatures and hashes are checked at start. */
const STARTUP_CHECK_BLOCKS = 4;

export interface VerifyResult {
  ok: boolean;
  /** Node blocks compared with the re-validated orderer log, over all running nodes. */
  checkedBlocks: number;
  /** Blocks of the orderer's log that verified, from block 0. */
  verifiedHeight: number;
  divergences: NodeDivergence[];
}

/** The verifier's reference ledger, rebuilt from verified blocks: `dataDir/verifier/ledger`. */
const VERIFIER_DIR = 'verifier';
/** Its state cache stays small: verification must run in bounded memory. */
const REFERENCE_CACHE_ENTRIES = 10_000;
/** How long verification gives a node below the verified log to catch up before naming it. */
const LAG_GRACE_MS = 3_000;

/**
 * Why a transaction failed ENDORSEMENT_POLICY_FAILURE, when the reason is a race: an earlier
 * valid transaction of its block set the key-level policy of a key it writes (Fabric then
 * invalidates it whatever its endorsements). Its endorsements were sound, so resubmitting,
 * endorsed under the new policy, may succeed.
 */
function raceOf(record: BlockRecord, index: number): { txId: string; key: string } | undefined {
  const tx = record.block.transactions[index];
  if (!tx) return undefined;
  const written = new Set(
    [...tx.payload.rwset.writes, ...tx.payload.rwset.metadataWrites].map((w) => w.key),
  );
  for (const [i, earlier] of record.block.transactions.slice(0, index).entries()) {
    if (record.codes[i] !== ValidationCode.VALID) continue;
    const key = earlier.payload.rwset.metadataWrites.find((m) => written.has(m.key))?.key;
    if (key !== undefined) return { txId: earlier.proposal.txId, key };
  }
  return undefined;
}

function materialLost(id: string, dir: string, backup: string): LedgerError {
  return new LedgerError(
    'DEPARTMENT_MATERIAL_LOST',
    `the key material of department ${id} (${path.join(dir, 'msp')}) is gone and there is no backup in ${backup}; its node is down while the others serve: put the department's msp folder (or its backup) back and run \`shulian node repair ${id}\``,
  );
}

export class EmbeddedNetwork {
  private closed = false;
  /**
   * Blocks below this height hold transactions already acknowledged to a client. A read goes
   * to a node only once it has committed them, so a client reads its own writes through any
   * department's node, while a write waits for its own department's node alone.
   */
  private acknowledged = 0;
  commitTimeoutMs = COMMIT_TIMEOUT_MS;
  private reference: LedgerStore | undefined;
  private verifying: Promise<VerifyResult> | undefined;
  private progress: VerifyProgress | undefined;

  private constructor(
    readonly config: NetworkConfig,
    readonly dataDir: string,
    readonly orderer: Orderer,
    private readonly nodeMap: Map<string, DepartmentNode>,
    private readonly wallets: Map<string, Wallet>,
    private readonly validation: ValidationContext,
    readonly trust: TrustBundle,
    /** Departments whose key material is gone without a backup: no node runs for them. */
    private readonly lost: Map<string, LedgerError>,
    private readonly newNode: (id: string, dir: string, org: OrgMaterial) => DepartmentNode,
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
    // A department of the channel whose key material is gone is brought back from its backup;
    // without one its node stays down, named, and the others serve (never a new CA in its name).
    const recorded = await recordedMembers(dataDir);
    const lost = new Map<string, LedgerError>();
    const present: DepartmentConfig[] = [];
    for (const d of config.departments) {
      const dir = orgDir(dataDir, d.id, false);
      const gone = recorded?.[d.id] !== undefined && !(await hasMaterial(dir));
      if (gone && !(await restoreMaterial(backupDir(dataDir, d.id), dir)))
        lost.set(d.id, materialLost(d.id, dir, backupDir(dataDir, d.id)));
      else present.push(d);
    }
    const departments = await Promise.all(
      present.map(async (d) => {
        const dir = orgDir(dataDir, d.id, false);
        const org = await orgMaterial(dir, d.id, `peer0.${d.domain}`, 'peer');
        await backupMaterial(dir, backupDir(dataDir, d.id));
        return { d, dir, org };
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
    // The quick start-up check of the log's tail; the nodes check their own tips as they start.
    try {
      await orderer.checkTail(STARTUP_CHECK_BLOCKS, (block, previous) =>
        checkBlock(block, previous, validation),
      );
    } catch (err) {
      await orderer.close();
      throw err;
    }
    const nodeMap = new Map<string, DepartmentNode>();
    const wallets = new Map<string, Wallet>();
    const newNode = (id: string, dir: string, org: OrgMaterial): DepartmentNode =>
      new DepartmentNode({
        id,
        location: path.join(dir, 'ledger'),
        identity: org.node,
        chaincode,
        validation,
        orderer,
        durable,
      });
    for (const { d, dir, org } of departments) {
      nodeMap.set(d.id, newNode(d.id, dir, org));
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
      lost,
      newNode,
    );
    if (options.commitTimeoutMs !== undefined) network.commitTimeoutMs = options.commitTimeoutMs;
    // Every start settles before any failure is thrown, so close() finds each lock to release.
    const started = await Promise.allSettled([...nodeMap.values()].map((n) => n.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await network.close().catch(() => undefined);
      throw failed.reason;
    }
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
    if (!node)
      throw this.lost.get(id) ?? new LedgerError('NODE_NOT_FOUND', `no node for department ${id}`);
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
      return Promise.reject(
        this.lost.get(department) ??
          new LedgerError('NODE_NOT_FOUND', `no department ${department}`),
      );
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
    const first = await this.readNode(identity.mspId);
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
      // Nodes already at the first endorser's height come first: one that lags is asked only
      // when the policies need it.
      const live = this.live()
        .sort((a, b) => Number(b.tip.height >= height) - Number(a.tip.height >= height))
        .map((n) => n.id);
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
            if (height > 0 && node.tip.height < height) await this.reach(node, height - 1);
            return node.endorse(proposal, clientSignature, transient);
          }),
      ).catch((err: unknown) => {
        // A chosen endorser stopped or halted during the round: choose again among the nodes
        // still serving, as Fabric's gateway retries another peer of the organisation.
        if (attempt < ENDORSE_ATTEMPTS && isNodeGone(err)) return undefined;
        throw err;
      });
      if (others === undefined) continue;
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
        await Promise.all(chosen.map((id) => this.reach(this.node(id), target - 1)));
      }
    }
    const transaction: Transaction = {
      proposal,
      clientSignature,
      payload: endorsed.result.payload,
      endorsements: endorsed.endorsements,
    };
    const { blockNumber, index } = await this.orderer.broadcast(transaction);
    const { record } = await this.awaitBlock(identity.mspId, blockNumber, undefined, {
      code: 'COMMIT_TIMEOUT',
      what: `transaction ${proposal.txId} was ordered in block ${blockNumber} but`,
      txId: proposal.txId,
    });
    this.acknowledged = Math.max(this.acknowledged, blockNumber + 1);
    const code = record.codes[index] as ValidationCode;
    const policyRace = code === ValidationCode.ENDORSEMENT_POLICY_FAILURE && raceOf(record, index);
    if (policyRace)
      throw new LedgerError(
        'KEY_POLICY_CONFLICT',
        `transaction ${proposal.txId} was invalidated in block ${blockNumber}: transaction ${policyRace.txId} before it in the block changed the endorsement policy of ${policyRace.key}; resubmit`,
        { txId: proposal.txId, blockNumber },
      );
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
   * halts meanwhile, another running node answers. With `deadline`, a node that has not
   * committed the block within `deadline.ms` (default commitTimeoutMs) fails the call with the
   * deadline's code, naming the node and its height, instead of waiting forever.
   */
  private async awaitBlock(
    preferred: string,
    n: number,
    signal?: AbortSignal,
    deadline?: { code: 'COMMIT_TIMEOUT' | 'NODE_BEHIND'; what: string; txId?: string; ms?: number },
  ): Promise<{ node: DepartmentNode; record: BlockRecord }> {
    const ms = deadline?.ms ?? this.commitTimeoutMs;
    const timeout = deadline ? AbortSignal.timeout(ms) : undefined;
    const waitOn = signal && timeout ? AbortSignal.any([signal, timeout]) : (signal ?? timeout);
    for (;;) {
      const node = this.gatewayNode(preferred);
      try {
        return { node, record: await node.waitForBlock(n, waitOn) };
      } catch (err) {
        if (deadline && timeout?.aborted && !signal?.aborted)
          throw new LedgerError(
            deadline.code,
            `${deadline.what} node ${node.id} has not committed block ${n} within ${ms} ms (it is at height ${node.running ? node.tip.height : 0})`,
            deadline.txId === undefined
              ? { blockNumber: n }
              : { txId: deadline.txId, blockNumber: n },
          );
        if (!isNodeGone(err) || signal?.aborted) throw err;
      }
    }
  }

  /**
   * Waits until the node a client of `mspId` reads through (another running one while it is down)
   * holds `height` blocks, failing with NODE_BEHIND after `timeoutMs`.
   */
  async waitForHeight(mspId: string, height: number, timeoutMs: number): Promise<void> {
    if (height <= 0 || this.gatewayNode(mspId).tip.height >= height) return;
    await this.awaitBlock(mspId, height - 1, undefined, {
      code: 'NODE_BEHIND',
      what: `block ${height - 1} was asked for, but`,
      ms: timeoutMs,
    });
  }

  /** Waits for one node to commit block `n`, failing with NODE_BEHIND past the deadline. */
  private async reach(node: DepartmentNode, n: number): Promise<void> {
    const timeout = AbortSignal.timeout(this.commitTimeoutMs);
    try {
      await node.waitForBlock(n, timeout);
    } catch (err) {
      if (!timeout.aborted) throw err;
      throw new LedgerError(
        'NODE_BEHIND',
        `node ${node.id} has not committed block ${n} within ${this.commitTimeoutMs} ms (it is at height ${node.running ? node.tip.height : 0})`,
        { blockNumber: n },
      );
    }
  }

  /** The node a client of `mspId` reads through, once it holds every acknowledged block. */
  private async readNode(mspId: string): Promise<DepartmentNode> {
    const node = this.gatewayNode(mspId);
    if (node.tip.height >= this.acknowledged) return node;
    return (
      await this.awaitBlock(mspId, this.acknowledged - 1, undefined, {
        code: 'NODE_BEHIND',
        what: `block ${this.acknowledged - 1} holds acknowledged writes, but`,
      })
    ).node;
  }

  async evaluate(
    identity: SigningIdentity,
    fcn: string,
    args: string[],
    options: CallOptions = {},
  ): Promise<Uint8Array> {
    const transient = options.transient ?? {};
    const { proposal, clientSignature } = proposalFor(identity, this.target, fcn, args, options);
    return (await this.readNode(identity.mspId)).evaluate(proposal, clientSignature, transient);
  }

  /** The committed record of a block from a running node (the coordinator's when it runs). */
  async blockRecord(n: number, wait = false, signal?: AbortSignal): Promise<BlockRecord> {
    if (wait) return (await this.awaitBlock(this.config.coordinator, n, signal)).record;
    const node = await this.readNode(this.config.coordinator);
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
    const store = (await this.readNode(this.config.coordinator)).ledger();
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
    const lost = [...this.lost].map(([id, err]): NodeState => ({
      id,
      running: false,
      height: 0,
      lastBlockHash: '',
      commitHash: '',
      halted: `${err.code}: ${err.message}`,
    }));
    return this.nodes
      .map((n) => {
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
        if (n.stalled) state.stalled = n.stalled.message;
        return state;
      })
      .concat(lost);
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
   * Verifies the orderer's log and every running node against it (see verify.ts). Commits pause
   * only while each node's view is opened (at most the block in flight), never for the run.
   * Calls made while a verification runs share it; `verifyProgress` reports how far it is.
   */
  verify(): Promise<VerifyResult> {
    this.assertOpen();
    this.verifying ??= this.runVerify().finally(() => {
      this.verifying = undefined;
      this.progress = undefined;
    });
    return this.verifying;
  }

  /** How far the running verification is, if one runs. */
  get verifyProgress(): VerifyProgress | undefined {
    return this.progress;
  }

  private async runVerify(): Promise<VerifyResult> {
    this.progress = { phase: 'log', done: 0, total: this.orderer.height };
    const referenceDir = path.join(this.dataDir, VERIFIER_DIR);
    this.reference ??= await LedgerStore.open(
      path.join(referenceDir, 'ledger'),
      REFERENCE_CACHE_ENTRIES,
    );
    const reference = this.reference;
    const running = this.nodes.filter((n) => n.running);
    let views: NodeUnderCheck[] = [];
    let logHeight = 0;
    const pauseAll = async (i: number): Promise<void> => {
      const node = running[i];
      if (node) return node.withCommitsPaused(() => pauseAll(i + 1));
      views = running.map((n) => ({ id: n.id, store: n.ledger(), view: n.ledger().view() }));
      logHeight = this.orderer.height;
    };
    await pauseAll(0);
    let result;
    try {
      result = await verifyLedgers(
        this.orderer,
        logHeight,
        reference,
        views,
        this.validation,
        (p) => {
          this.progress = p;
        },
      );
    } finally {
      await Promise.all(views.map((v) => v.view.close()));
    }
    if (result.discardReference) {
      // Rebuilt from the log on the next run: a reference that disagrees with it proves nothing.
      this.reference = undefined;
      await reference.close();
      await rm(referenceDir, { recursive: true, force: true });
    }
    const { divergences, verifiedHeight } = result;
    const named = (id: string): boolean => divergences.some((d) => d.node === id);
    for (const n of running) {
      // A halted node's stored ledger may be sound, but it refused a block and commits no more.
      if (n.halted && !named(n.id))
        divergences.push({
          node: n.id,
          height: n.tip.height,
          reason: `halted: ${n.halted.message}`,
        });
    }
    // A node below the verified log that does not catch up promptly is behind, not in agreement.
    await Promise.all(
      views.map(async ({ id, view }) => {
        const node = this.node(id);
        if (named(id) || view.tip.height >= verifiedHeight || !node.running) return;
        try {
          await node.waitForBlock(verifiedHeight - 1, AbortSignal.timeout(LAG_GRACE_MS));
        } catch {
          divergences.push({
            node: id,
            height: node.running ? node.tip.height : view.tip.height,
            reason: `behind: at height ${node.running ? node.tip.height : view.tip.height} while the orderer's log holds ${verifiedHeight} verified blocks`,
          });
        }
      }),
    );
    return {
      ok: divergences.length === 0,
      checkedBlocks: result.checkedBlocks,
      verifiedHeight,
      divergences,
    };
  }

  /**
   * Rebuilds a node from scratch: its ledger directory is discarded and every block of the
   * orderer's log re-validated (signature, chain, data hash, endorsements, MVCC). A department
   * whose key material was lost is first given it back from its backup (DEPARTMENT_MATERIAL_LOST
   * while there is none); a CA other than the one the channel recorded is refused.
   */
  async repairNode(id: string): Promise<void> {
    this.assertOpen();
    if (this.lost.has(id)) {
      await this.restoreDepartment(id);
      return;
    }
    const node = this.node(id);
    // Verification reads the node's store; it finishes before the store is discarded.
    await this.verifying?.catch(() => undefined);
    await node.stop();
    await rm(node.location, { recursive: true, force: true });
    await node.start();
  }

  private async restoreDepartment(id: string): Promise<void> {
    const d = this.config.departments.find((x) => x.id === id);
    if (!d) throw new LedgerError('NODE_NOT_FOUND', `no department ${id}`);
    const dir = orgDir(this.dataDir, id, false);
    const backup = backupDir(this.dataDir, id);
    if (!(await hasMaterial(dir)) && !(await restoreMaterial(backup, dir)))
      throw materialLost(id, dir, backup);
    const org = await orgMaterial(dir, id, `peer0.${d.domain}`, 'peer');
    if (org.ca.certificate !== this.trust.departments[id]?.caCertificate)
      throw new LedgerError(
        'CRYPTO_MATERIAL_MISMATCH',
        `the CA in ${path.join(dir, 'msp')} is not the one the channel recorded for ${id}; restore the department's own msp folder`,
      );
    await backupMaterial(dir, backup);
    // Whatever ledger the folder holds is discarded: the node is rebuilt from the log.
    await rm(path.join(dir, 'ledger'), { recursive: true, force: true });
    const node = this.newNode(id, dir, org);
    this.nodeMap.set(id, node);
    this.wallets.set(id, new Wallet(dir, org.ca));
    this.lost.delete(id);
    await node.start();
  }

  /** Stops every node and the orderer; each releases its database lock even if another fails. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.verifying?.catch(() => undefined);
    const results = await Promise.allSettled([
      ...this.nodes.map((n) => n.stop()),
      this.orderer.close(),
      ...(this.reference ? [this.reference.close()] : []),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private assertOpen(): void {
    if (this.closed) throw new LedgerError('NETWORK_CLOSED', 'the embedded network is closed');
  }
}
