/**
 * The Hyperledger Fabric engine behind the LedgerClient interface, over Fabric's own client API
 * @hyperledger/fabric-gateway (the peers' Gateway service does endorser selection, including
 * key-level policies, ordering and commit status; the deprecated fabric-network SDK did that in
 * the client). One gRPC connection per peer; a caller's calls go to their own department's peer
 * first and fail over to the others when it is down. Block events, status and verify read the
 * peers' blocks through the query system chaincode (qscc) and the deliver service, decoded by
 * @shulian/proof/formats/fabric (the decoder the offline proof verifier uses too).
 *
 * What differs from the embedded engine, and how this client keeps the interface the same:
 * - a peer answers a submit once *it* has committed the block; other departments' peers may
 *   not have yet. Reads wait until the reading peer has reached the highest block this client
 *   has seen committed, and endorsements that fail with "ProposalResponsePayloads do not match"
 *   (an endorser a block behind) are retried with MVCC conflicts, with backoff and a cap;
 * - the chaincode's `[CODE] message` is dug out of wherever Fabric put it (./fabric-errors.ts);
 * - block 0 is the channel's genesis (configuration) block, not an InitLedger transaction;
 * - arguments are checked as the embedded client checks them (strings of well-formed Unicode,
 *   INVALID_ARGUMENT): fabric-gateway hands anything else to google-protobuf unchanged, which
 *   fails far from the cause ("Inconsistent type in JSPB repeated field array. Got undefined
 *   expected object" for an undefined argument, e.g. the id of a transaction whose submit failed).
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type CloseableAsyncIterable,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import {
  blockDataBytes,
  blockHeaderBytes,
  decodeBlock,
  decodeChainInfo,
  HEADER_TYPE,
  toHex,
  validationCodeName,
  type FabricBlock,
  type FabricTransaction,
} from '@shulian/proof/formats/fabric';
import type { FabricEvidence } from '@shulian/proof/formats/fabric-evidence';
import { checkCall } from '../../../network/embedded/proposal.js';
import {
  commitFailure,
  DEFAULT_RETRY,
  FabricLedgerError,
  fromFabricError,
  withRetries,
  type Phase,
  type RetryPolicy,
} from './fabric-errors.js';
import type {
  BlockEvent,
  Caller,
  CommittedTransaction,
  Divergence,
  EventOptions,
  LedgerClient,
  NetworkStatus,
  NodeStatus,
  SubmitOptions,
  SubmitResult,
  TransactionProofMaterial,
  VerifyReport,
} from './types.js';

export { FabricLedgerError } from './fabric-errors.js';

/** One department's peer as its connection profile describes it. */
export interface FabricPeer {
  department: string;
  /** host:port of the peer's gRPC (Gateway, Deliver, Endorser) service. */
  endpoint: string;
  /** PEM of the CA that issued the peer's TLS certificate. */
  tlsRootCert: string;
  /** The name the peer's TLS certificate carries, when it is not the endpoint's host. */
  serverName?: string;
}

/** A caller's Fabric signing material: an MSP-issued certificate and its private key. */
export interface FabricSigningIdentity {
  mspId: string;
  /** PEM */
  certificate: string;
  privateKey: KeyObject;
}

/** Per-call deadlines, ms. Endorsement runs the chaincode on several peers; commit waits for a block. */
export interface FabricDeadlines {
  evaluate: number;
  endorse: number;
  submit: number;
  commitStatus: number;
  /** Waiting for a reading peer to reach a block another peer already committed. */
  catchUp: number;
}

export const DEFAULT_DEADLINES: FabricDeadlines = {
  evaluate: 10_000,
  endorse: 30_000,
  submit: 10_000,
  commitStatus: 60_000,
  catchUp: 5_000,
};

export interface FabricLedgerOptions {
  channel: string;
  chaincode: string;
  peers: FabricPeer[];
  /**
   * The department this gateway serves: its peer answers block events, and its `gateway` user
   * reads blocks and chain info (any channel member may).
   */
  localDepartment: string;
  /** The signing material of a caller (issued by the department's CA on first use). */
  identity(caller: Caller): Promise<FabricSigningIdentity>;
  deadlines?: Partial<FabricDeadlines>;
  retry?: Partial<RetryPolicy>;
  /** The peers' peer.authentication.timewindow, when not Fabric's default of 15 minutes. */
  timeWindowMs?: number;
}

/** Fabric's default peer.authentication.timewindow (core.yaml), which network/fabric keeps. */
export const FABRIC_TIME_WINDOW_MS = 15 * 60_000;

export interface FabricLedger extends LedgerClient {
  readonly channel: string;
  readonly chaincode: string;
  /** The raw block as a peer stores it (tests, proofs, the benchmark). */
  getBlock(blockNumber: number, department?: string): Promise<FabricBlock>;
}

const SERVICE_USER = 'gateway';
const sha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest();
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const utf8 = new TextEncoder();

/** The header hash that the next block's previous_hash chains to, hex. */
export const blockHash = (block: FabricBlock): string =>
  toHex(sha256(blockHeaderBytes(block.header)));

/** Fabric-gateway connections: one gRPC client per peer, one Gateway per (peer, caller). */
interface Connections {
  network(department: string, caller: Caller): Promise<Network>;
  close(): Promise<void>;
}

function createConnections(
  options: FabricLedgerOptions,
  peers: Map<string, FabricPeer>,
  deadlines: FabricDeadlines,
): Connections {
  // One gRPC connection per peer, shared by every identity that talks through it.
  const clients = new Map<string, grpc.Client>();
  const client = (department: string): grpc.Client => {
    let c = clients.get(department);
    if (!c) {
      const peer = peers.get(department);
      if (!peer)
        throw new FabricLedgerError('NO_ENDORSERS', `no peer for ${department}`, {
          phase: 'query',
        });
      c = new grpc.Client(
        peer.endpoint,
        grpc.credentials.createSsl(Buffer.from(peer.tlsRootCert)),
        {
          ...(peer.serverName ? { 'grpc.ssl_target_name_override': peer.serverName } : {}),
          // Blocks with many large transactions exceed grpc-js's 4 MiB default.
          'grpc.max_receive_message_length': 100 * 1024 * 1024,
        },
      );
      clients.set(department, c);
    }
    return c;
  };

  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const gateways = new Map<string, Promise<Gateway>>();
  const gateway = (department: string, caller: Caller): Promise<Gateway> => {
    const key = `${department}\n${caller.department}\n${caller.user}`;
    let g = gateways.get(key);
    if (!g) {
      g = options.identity(caller).then((id) =>
        connect({
          client: client(department),
          identity: { mspId: id.mspId, credentials: utf8.encode(id.certificate) },
          signer: signers.newPrivateKeySigner(id.privateKey),
          hash: hash.sha256,
          evaluateOptions: deadline(deadlines.evaluate),
          endorseOptions: deadline(deadlines.endorse),
          submitOptions: deadline(deadlines.submit),
          commitStatusOptions: deadline(deadlines.commitStatus),
        }),
      );
      gateways.set(key, g);
      g.catch(() => gateways.delete(key));
    }
    return g;
  };
  return {
    network: async (department, caller) =>
      (await gateway(department, caller)).getNetwork(options.channel),
    async close() {
      const all = await Promise.allSettled(gateways.values());
      for (const g of all) if (g.status === 'fulfilled') g.value.close();
      gateways.clear();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

/**
 * Runs `call` on `first`'s peer, then on the others while each answers NODE_STOPPED: a
 * department's calls survive its peer stopping. Any other error ends the round.
 */
async function failover<T>(
  peers: Map<string, FabricPeer>,
  first: string,
  phase: Phase,
  call: (department: string) => Promise<T>,
): Promise<T> {
  const order = [
    ...(peers.has(first) ? [first] : []),
    ...[...peers.keys()].filter((d) => d !== first),
  ];
  let last: FabricLedgerError | undefined;
  for (const department of order) {
    try {
      return await call(department);
    } catch (err) {
      last = fromFabricError(err, phase);
      if (last.code !== 'NODE_STOPPED') throw last;
    }
  }
  throw last ?? new FabricLedgerError('NO_ENDORSERS', 'no peers configured', { phase });
}

/** A transaction's creator's user name, from its certificate's CN; a block repeats the same few. */
function creatorNames(): (certificate: string) => string {
  const names = new Map<string, string>();
  return (certificate) => {
    let name = names.get(certificate);
    if (name === undefined) {
      try {
        const cn = /(?:^|\n)CN=([^\n]*)/.exec(new X509Certificate(certificate).subject);
        name = cn?.[1] ?? '';
      } catch {
        name = '';
      }
      names.set(certificate, name);
    }
    return name;
  };
}

const committedTransaction = (
  userName: (certificate: string) => string,
  block: FabricBlock,
  tx: FabricTransaction,
  index: number,
): CommittedTransaction => ({
  txId: tx.txId,
  index,
  validationCode: block.validationCodes[index] ?? 'NOT_VALIDATED',
  timestamp: tx.timestamp,
  creator: { department: tx.creator.mspId, user: userName(tx.creator.certificate) },
  fcn: tx.type === HEADER_TYPE.ENDORSER_TRANSACTION ? tx.fcn : '',
  event: tx.event ? { name: tx.event.name, payload: Uint8Array.from(tx.event.payload) } : null,
});

/** What the offline verifier needs of a transaction's block (@shulian/proof/formats/fabric). */
const evidenceOf = (channel: string, block: FabricBlock, index: number): FabricEvidence => ({
  channel,
  index,
  validationCode: block.validationCodes[index] ?? 'NOT_VALIDATED',
  header: {
    number: block.header.number.toString(),
    previousHash: toHex(block.header.previousHash),
    dataHash: toHex(block.header.dataHash),
  },
  data: block.data.map(b64),
  signatureValue: b64(block.signatureValue),
  signatures: block.signatures.map((s) => ({
    signatureHeader: b64(s.signatureHeader),
    signature: b64(s.signature),
  })),
});

/** The network as the running peers report it: agreement means one tip per height. */
function networkStatus(channel: string, nodes: NodeStatus[]): NetworkStatus {
  const byHeight = new Map<number, Set<string>>();
  for (const n of nodes.filter((s) => s.running)) {
    const set = byHeight.get(n.height) ?? new Set<string>();
    set.add(`${n.lastBlockHash}/${n.commitHash}`);
    byHeight.set(n.height, set);
  }
  return {
    engine: 'fabric',
    channel,
    height: Math.max(0, ...nodes.map((n) => n.height)),
    nodes,
    agreement: [...byHeight.values()].every((s) => s.size === 1),
  };
}

/**
 * Every running peer's blocks, height by height: each chains to its predecessor, its data
 * hash covers its envelopes, and the peers agree on header, validation codes and commit hash.
 * Where they do not, the peers that differ from the majority are named with the first height.
 */
async function verifyPeers(
  nodes: NodeStatus[],
  getBlock: (height: number, department: string) => Promise<FabricBlock>,
): Promise<VerifyReport> {
  const divergences: Divergence[] = [];
  const diverged = new Set<string>();
  const previous = new Map<string, string>();
  const maxHeight = Math.max(0, ...nodes.map((n) => n.height));
  for (let height = 0; height < maxHeight; height++) {
    const views = await Promise.all(
      nodes
        .filter((n) => n.height > height && !diverged.has(n.id))
        .map(async (n) => {
          const block = await getBlock(height, n.id);
          const hashHex = blockHash(block);
          let problem: string | undefined;
          if (Number(block.header.number) !== height)
            problem = `block number ${block.header.number}`;
          else if (toHex(sha256(blockDataBytes(block.data))) !== toHex(block.header.dataHash))
            problem = 'data hash does not match the block data';
          else if (height > 0 && toHex(block.header.previousHash) !== previous.get(n.id))
            problem = 'previous hash does not chain to the previous block';
          const fingerprint = `${hashHex}/${block.validationCodes.join(',')}/${block.commitHash}`;
          return { id: n.id, hashHex, problem, fingerprint, block };
        }),
    );
    const counts = new Map<string, number>();
    for (const v of views)
      if (!v.problem) counts.set(v.fingerprint, (counts.get(v.fingerprint) ?? 0) + 1);
    const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const reference = views.find((v) => v.fingerprint === majority);
    for (const v of views) {
      previous.set(v.id, v.hashHex);
      let reason = v.problem;
      if (!reason && reference && v.fingerprint !== majority) {
        if (v.hashHex !== reference.hashHex) reason = 'block header differs from the other peers';
        else if (v.block.commitHash !== reference.block.commitHash)
          reason = `commit hash ${v.block.commitHash} differs from ${reference.block.commitHash} (state)`;
        else reason = 'validation codes differ from the other peers';
      }
      if (reason) {
        diverged.add(v.id);
        divergences.push({ node: v.id, height, reason });
      }
    }
  }
  return { ok: divergences.length === 0, checkedBlocks: maxHeight, divergences };
}

/**
 * Block events from `startBlock` on, from the local peer's deliver service (another's when it is
 * down), reopened from the next block after any interruption, so delivery has neither gaps nor
 * repeats.
 */
async function* deliverBlocks(
  open: (startBlock: number) => Promise<CloseableAsyncIterable<{ serializeBinary(): Uint8Array }>>,
  startBlock: number,
  toEvent: (block: FabricBlock) => BlockEvent,
  signal: AbortSignal | undefined,
): AsyncIterable<BlockEvent> {
  let next = startBlock;
  while (!signal?.aborted) {
    let events;
    try {
      events = await open(next);
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof FabricLedgerError && err.code === 'NODE_STOPPED') {
        await sleep(500);
        continue;
      }
      throw err;
    }
    const close = (): void => events.close();
    signal?.addEventListener('abort', close, { once: true });
    try {
      for await (const raw of events) {
        const block = decodeBlock(raw.serializeBinary());
        if (Number(block.header.number) !== next) continue;
        yield toEvent(block);
        next += 1;
      }
    } catch (err) {
      if (signal?.aborted) return;
      const mapped = fromFabricError(err, 'events');
      if (mapped.code !== 'NODE_STOPPED') throw mapped;
      await sleep(500);
    } finally {
      signal?.removeEventListener('abort', close);
      events.close();
    }
  }
}

/** Where a submit is endorsed and whose heights it notes. */
interface SubmitRoute {
  peers: Map<string, FabricPeer>;
  network(department: string, caller: Caller): Promise<Network>;
  chaincode: string;
  heights: Heights;
}

/** One endorse, submit and commit-status round; withRetries decides whether to try again. */
async function submitOnce(
  route: SubmitRoute,
  caller: Caller,
  fcn: string,
  args: string[],
  submitOptions?: SubmitOptions,
): Promise<SubmitResult> {
  const { transaction, department } = await failover(
    route.peers,
    caller.department,
    'endorse',
    async (department) => {
      const contract = (await route.network(department, caller)).getContract(route.chaincode);
      const proposal = contract.newProposal(fcn, {
        arguments: args,
        ...(submitOptions?.transient ? { transientData: submitOptions.transient } : {}),
      });
      return { transaction: await proposal.endorse(), department };
    },
  );
  const txId = transaction.getTransactionId();
  let submitted;
  try {
    submitted = await transaction.submit();
  } catch (err) {
    throw fromFabricError(err, 'submit');
  }
  let status;
  try {
    status = await submitted.getStatus();
  } catch (err) {
    throw fromFabricError(err, 'commit');
  }
  const blockNumber = Number(status.blockNumber);
  route.heights.committed = Math.max(route.heights.committed, blockNumber + 1);
  route.heights.note(department, blockNumber + 1);
  if (!status.successful) throw commitFailure(validationCodeName(status.code), txId, blockNumber);
  return { txId, blockNumber, payload: submitted.getResult() };
}

/**
 * Read-your-writes across departments: the highest block any submit saw committed, and what
 * each peer is known to have reached.
 */
class Heights {
  committed = 0;
  private readonly peers = new Map<string, number>();
  note(department: string, height: number): void {
    if (this.reached(department) < height) this.peers.set(department, height);
  }
  reached(department: string): number {
    return this.peers.get(department) ?? 0;
  }
}

/** What waiting for a peer's height reads: its chain info and its deliver service. */
interface HeightSources {
  peers: Map<string, FabricPeer>;
  heights: Heights;
  chainInfo(department: string): Promise<{ height: number }>;
  blocksFrom(
    department: string,
    startBlock: number,
  ): Promise<CloseableAsyncIterable<{ getHeader(): { getNumber(): number } | undefined }>>;
}

/**
 * LedgerClient.waitForHeight on Fabric, peer by peer as `evaluate` reads (the department's own,
 * another while it is down): the peer's chain info, else the blocks its deliver service hands as
 * it commits them, up to block `height - 1` (nothing polls). The stream opens at the peer's own
 * height: Fabric's deliver service answers a start beyond it with NOT_FOUND at once, and blocks
 * at it until that block commits.
 */
function heightWaiter(sources: HeightSources): LedgerClient['waitForHeight'] {
  const { heights } = sources;
  async function reachedOn(department: string, height: number, deadline: AbortSignal) {
    const at = (await sources.chainInfo(department)).height;
    if (at >= height) return true;
    const events = await sources.blocksFrom(department, at);
    const close = (): void => events.close();
    deadline.addEventListener('abort', close, { once: true });
    try {
      if (deadline.aborted) return false;
      for await (const block of events)
        if ((block.getHeader()?.getNumber() ?? -1) >= height - 1) {
          heights.note(department, height);
          return true;
        }
      return false;
    } catch (err) {
      if (deadline.aborted) return false;
      throw fromFabricError(err, 'events');
    } finally {
      deadline.removeEventListener('abort', close);
      events.close();
    }
  }
  return async (department, height, timeoutMs) => {
    if (heights.reached(department) >= height) return;
    const deadline = AbortSignal.timeout(timeoutMs);
    const reached = await failover(sources.peers, department, 'events', (d) =>
      reachedOn(d, height, deadline),
    );
    if (reached) return;
    throw new FabricLedgerError(
      'NODE_BEHIND',
      `${department}'s peer has not committed block ${height - 1} within ${timeoutMs} ms (it is at height ${heights.reached(department)})`,
      { phase: 'events', blockNumber: height - 1 },
    );
  };
}

/** One peer's height and tip, or not running when it does not answer. */
async function peerStatus(
  department: string,
  chainInfo: (department: string) => Promise<{ height: number; currentBlockHash: string }>,
  getBlock: (height: number, department: string) => Promise<FabricBlock>,
): Promise<NodeStatus> {
  try {
    const info = await chainInfo(department);
    const last = info.height > 0 ? await getBlock(info.height - 1, department) : undefined;
    return {
      id: department,
      running: true,
      height: info.height,
      lastBlockHash: info.currentBlockHash,
      commitHash: last?.commitHash ?? '',
    };
  } catch (err) {
    if (err instanceof FabricLedgerError && err.code === 'NODE_STOPPED')
      return { id: department, running: false, height: 0, lastBlockHash: '', commitHash: '' };
    throw err;
  }
}

export async function createFabricLedger(options: FabricLedgerOptions): Promise<FabricLedger> {
  const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const { channel, chaincode } = options;
  const peers = new Map(options.peers.map((p) => [p.department, p]));
  if (!peers.has(options.localDepartment))
    throw new Error(`no peer for the local department ${options.localDepartment}`);
  const connections = createConnections(options, peers, deadlines);
  const network = (department: string, caller: Caller) => connections.network(department, caller);
  const service: Caller = { department: options.localDepartment, user: SERVICE_USER };

  const heights = new Heights();

  const qscc = async (department: string, fcn: string, args: string[]): Promise<Uint8Array> => {
    checkCall(fcn, args);
    try {
      const contract = (await network(department, service)).getContract('qscc');
      return await contract.evaluateTransaction(fcn, channel, ...args);
    } catch (err) {
      throw fromFabricError(err, 'query');
    }
  };
  const chainInfo = async (department: string) => {
    const info = decodeChainInfo(await qscc(department, 'GetChainInfo', []));
    heights.note(department, info.height);
    return info;
  };
  const getBlock = async (blockNumber: number, department = options.localDepartment) =>
    decodeBlock(await qscc(department, 'GetBlockByNumber', [String(blockNumber)]));

  async function caughtUp(department: string): Promise<void> {
    const target = heights.committed;
    if (heights.reached(department) >= target) return;
    const until = Date.now() + deadlines.catchUp;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      if ((await chainInfo(department)).height >= target || Date.now() >= until) return;
      await sleep(wait);
    }
  }

  const waitForHeight = heightWaiter({
    peers,
    heights,
    chainInfo,
    blocksFrom: async (department, startBlock) =>
      (await network(department, service)).getBlockEvents({ startBlock: BigInt(startBlock) }),
  });

  const userName = creatorNames();
  const blockEvent = (block: FabricBlock): BlockEvent => ({
    blockNumber: Number(block.header.number),
    blockHash: blockHash(block),
    transactions: block.transactions.map((tx, i) => committedTransaction(userName, block, tx, i)),
  });

  const blockByTxId = async (txId: string): Promise<{ block: FabricBlock; index: number }> => {
    const block = decodeBlock(await qscc(options.localDepartment, 'GetBlockByTxID', [txId]));
    const index = block.transactions.findIndex((t) => t.txId === txId);
    if (index < 0)
      throw new FabricLedgerError('TX_NOT_FOUND', `transaction ${txId} not found`, {
        phase: 'query',
        txId,
      });
    return { block, index };
  };

  const status = async (): Promise<NetworkStatus> =>
    networkStatus(
      channel,
      await Promise.all([...peers.keys()].map((d) => peerStatus(d, chainInfo, getBlock))),
    );

  // Fail at start, with the peer's address, rather than on the first request.
  await chainInfo(options.localDepartment).catch((err: unknown) => {
    const peer = peers.get(options.localDepartment);
    throw new FabricLedgerError(
      'NODE_STOPPED',
      `cannot reach ${options.localDepartment}'s peer at ${peer?.endpoint ?? '?'}: ${(err as Error).message}`,
      { phase: 'query' },
      { cause: err },
    );
  });

  return {
    channel,
    chaincode,
    getBlock,
    supports: {
      backdatedTransactions: false,
      timeWindowMs: options.timeWindowMs ?? FABRIC_TIME_WINDOW_MS,
      configGenesisBlock: true,
      committedOnEveryNode: false,
    },

    submit: async (caller, fcn, args, submitOptions) => {
      checkCall(fcn, args);
      const route = { peers, network, chaincode, heights };
      return withRetries(retry, () => submitOnce(route, caller, fcn, args, submitOptions));
    },

    async evaluate(caller: Caller, fcn: string, args: string[]): Promise<Uint8Array> {
      checkCall(fcn, args);
      return failover(peers, caller.department, 'evaluate', async (department) => {
        await caughtUp(department);
        return (await network(department, caller))
          .getContract(chaincode)
          .evaluateTransaction(fcn, ...args);
      });
    },

    waitForHeight,

    async *blockEvents(eventOptions: EventOptions = {}): AsyncIterable<BlockEvent> {
      const start = eventOptions.startBlock ?? (await chainInfo(options.localDepartment)).height;
      const open = (startBlock: number) =>
        failover(peers, options.localDepartment, 'events', async (department) =>
          (await network(department, service)).getBlockEvents({ startBlock: BigInt(startBlock) }),
        );
      yield* deliverBlocks(open, start, blockEvent, eventOptions.signal);
    },

    async getBlockEvent(blockNumber: number): Promise<BlockEvent> {
      return blockEvent(await getBlock(blockNumber));
    },

    async getTransaction(txId: string): Promise<CommittedTransaction & { blockNumber: number }> {
      const { block, index } = await blockByTxId(txId);
      const tx = block.transactions[index];
      if (!tx)
        throw new FabricLedgerError('TX_NOT_FOUND', `transaction ${txId} not found`, {
          phase: 'query',
        });
      return {
        ...committedTransaction(userName, block, tx, index),
        blockNumber: Number(block.header.number),
      };
    },

    async getTransactionProof(txId: string): Promise<TransactionProofMaterial> {
      const { block, index } = await blockByTxId(txId);
      const material = evidenceOf(channel, block, index);
      return {
        engine: 'fabric',
        txId,
        blockNumber: Number(block.header.number),
        validationCode: material.validationCode,
        material,
      };
    },

    status,
    async verify(): Promise<VerifyReport> {
      const running = (await status()).nodes.filter((n) => n.running);
      return verifyPeers(running, (height, department) => getBlock(height, department));
    },
    close: () => connections.close(),
  };
}
