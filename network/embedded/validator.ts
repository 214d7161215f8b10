/**
 * Validation of an ordered block, as a Fabric peer's committer does it: the orderer's signature
 * and the hash chain, then per transaction its structure and creator signature, the endorsement
 * signatures against the chaincode-level policy and the key-level policies of the keys it
 * writes, duplicate transaction ids, and MVCC versions and phantom reads against committed state
 * plus the updates of earlier valid transactions in the same block. Each transaction gets a
 * ValidationCode; only VALID ones change state.
 */
import { canonicalBytes } from '@shulian/chaincode/canonical';
import {
  encodeHeader,
  encodeTransaction,
  isTransaction,
  ValidationCode,
  type Block,
  type RangeRead,
  type ReadItem,
  type RwSet,
  type Transaction,
  type Version,
} from '@shulian/proof/formats/embedded';
import { sha256Hex, verify } from './crypto.js';
import type { MspVerifier } from './identity.js';
import { merkleRoot } from './merkle.js';
import { canonical, freeze } from './sealed.js';
import { decodePolicy, satisfies, type Policy, type Signer } from './policy.js';
import { txIdFor } from './proposal.js';
import {
  compareKeys,
  txUpdates,
  type StateEntry,
  type StateReader,
  type TxUpdates,
} from './state.js';

export interface ValidationContext {
  channel: string;
  chaincode: string;
  msp: MspVerifier;
  ordererMspId: string;
  policy: Policy;
}

export interface CommittedState extends StateReader {
  hasTxIds(txIds: string[]): Promise<boolean[]>;
  /** A hint that these keys are about to be read (one database call instead of many). */
  prefetch?(keys: Iterable<string>): Promise<void>;
}

export interface BlockValidation {
  codes: ValidationCode[];
  /** Updates of the VALID transactions, in block order. */
  updates: TxUpdates[];
  commitHash: string;
}

export class BlockError extends Error {
  constructor(
    message: string,
    readonly code: 'BAD_BLOCK_SIGNATURE' | 'BAD_BLOCK_CHAIN' | 'BAD_DATA_HASH' | 'BAD_BLOCK',
  ) {
    super(message);
    this.name = 'BlockError';
  }
}

export const headerHash = (block: Block): string => sha256Hex(encodeHeader(block.header));

/** Canonical encodings of a transaction and of its two signed parts. */
export interface EncodedTransaction {
  proposal: Uint8Array;
  payload: Uint8Array;
  transaction: Uint8Array;
}

const TX_MEMBERS = 'clientSignature,endorsements,payload,proposal';

/**
 * Canonical JSON is compositional (members in key order, each member canonically encoded), so
 * the transaction's bytes are assembled from its signed parts, encoded once for the signature
 * checks, rather than re-encoded. A transaction with any other shape is encoded in full, so the
 * bytes always equal encodeTransaction's.
 */
function encodeOnce(tx: Transaction): EncodedTransaction {
  const proposal = canonical(tx.proposal);
  const payload = canonical(tx.payload);
  if (Object.keys(tx).sort().join(',') !== TX_MEMBERS)
    return { proposal, payload, transaction: encodeTransaction(tx) };
  const head = canonicalBytes({
    clientSignature: tx.clientSignature,
    endorsements: tx.endorsements,
  });
  const transaction = Buffer.concat([
    head.subarray(0, head.length - 1),
    Buffer.from(',"payload":'),
    payload,
    Buffer.from(',"proposal":'),
    proposal,
    Buffer.from('}'),
  ]);
  return { proposal, payload, transaction };
}

/** Encodings of sealed transactions; only sealTransaction() adds to it. */
const sealedTransactions = new WeakMap<Transaction, EncodedTransaction>();
/** Whether a sealed transaction has a transaction's structure (see wellFormed). */
const sealedShapes = new WeakMap<object, boolean>();

/**
 * isTransaction, answered once per sealed transaction: the shape of a deeply frozen object is a
 * pure function of it, and each of the four nodes asked it of the same object. Anything else
 * (a block read back from a log, a transaction never sealed) is checked anew.
 */
function wellFormed(tx: unknown): boolean {
  if (typeof tx !== 'object' || tx === null || !sealedTransactions.has(tx as Transaction))
    return isTransaction(tx);
  let shape = sealedShapes.get(tx);
  if (shape === undefined) {
    shape = isTransaction(tx);
    sealedShapes.set(tx, shape);
  }
  return shape;
}

/**
 * Seals a transaction as ordering makes it immutable (see sealed.ts), and encodes it once for
 * every node in this process: four nodes share one block object in memory.
 */
export function sealTransaction(tx: Transaction): EncodedTransaction {
  let encoded = sealedTransactions.get(tx);
  if (!encoded) {
    freeze(tx);
    encoded = encodeOnce(tx);
    sealedTransactions.set(tx, encoded);
  }
  return encoded;
}

/** A transaction's canonical encodings: a sealed one's from sealTransaction(), any other's now. */
export const encodeParts = (tx: Transaction): EncodedTransaction =>
  sealedTransactions.get(tx) ?? encodeOnce(tx);

const BLOCK_MEMBERS = 'header,ordererSignature,transactions';
const COMMA = Buffer.from(',');
/** Encodings of sealed blocks; only sealBlock() adds to it. */
const sealedBlocks = new WeakMap<Block, Uint8Array>();

/**
 * A block's canonical bytes, what the block files store, assembled from its transactions'
 * encodings (`transactions`, in block order) as encodeOnce assembles a transaction's: the
 * transactions are most of a block and already encoded for the data hash.
 */
export function blockBytes(block: Block, transactions: readonly Uint8Array[]): Uint8Array {
  const sealed = sealedBlocks.get(block);
  if (sealed) return sealed;
  if (Object.keys(block).sort().join(',') !== BLOCK_MEMBERS) return canonicalBytes(block);
  const head = canonicalBytes({ header: block.header, ordererSignature: block.ordererSignature });
  const parts: Uint8Array[] = [head.subarray(0, head.length - 1), Buffer.from(',"transactions":[')];
  transactions.forEach((tx, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(tx);
  });
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
}

/**
 * Seals a block the orderer cut (its transactions are sealed already) and encodes it once: the
 * orderer's log and the four nodes' block files write these same bytes.
 */
export function sealBlock(block: Block, transactions: readonly Uint8Array[]): Uint8Array {
  freeze(block);
  const bytes = blockBytes(block, transactions);
  sealedBlocks.set(block, bytes);
  return bytes;
}

/** Data hashes of frozen arrays of sealed transactions; only dataHash() adds to it. */
const sealedDataHashes = new WeakMap<readonly Transaction[], string>();

/**
 * The Merkle root of a block's transactions (`encoded`: their canonical bytes, in order), as
 * the orderer puts it in the header and every node recomputes it. The orderer and the four
 * nodes computed the same root over the same transactions: for a frozen array of sealed
 * transactions whose given encodings are their sealed ones, the root is a pure function of those
 * frozen objects (see sealed.ts) and is computed once. Each node still compares it with the
 * header it received; any other array (a block read back from a log) is hashed anew.
 */
export function dataHash(
  transactions: readonly Transaction[],
  encoded: readonly Uint8Array[],
): string {
  const shared =
    Object.isFrozen(transactions) &&
    transactions.length === encoded.length &&
    transactions.every((tx, i) => sealedTransactions.get(tx)?.transaction === encoded[i]);
  if (!shared) return merkleRoot(encoded);
  let root = sealedDataHashes.get(transactions);
  if (root === undefined) {
    root = merkleRoot(encoded);
    sealedDataHashes.set(transactions, root);
  }
  return root;
}

/** Checks what the orderer vouches for: signature, chain to the previous header, data hash. */
export function checkBlock(
  block: Block,
  previousHash: string,
  ctx: ValidationContext,
  encoded: EncodedTransaction[] = block.transactions.map(encodeParts),
): void {
  const n = block.header.number;
  const orderer = ctx.msp.identify(block.ordererSignature.orderer);
  if (!orderer || orderer.mspId !== ctx.ordererMspId || orderer.ou !== 'orderer') {
    throw new BlockError(
      `block ${n}: signer is not an orderer of ${ctx.ordererMspId}`,
      'BAD_BLOCK_SIGNATURE',
    );
  }
  if (!verify(orderer.publicKey, encodeHeader(block.header), block.ordererSignature.signature)) {
    throw new BlockError(`block ${n}: orderer signature does not verify`, 'BAD_BLOCK_SIGNATURE');
  }
  if (block.header.previousHash !== previousHash) {
    throw new BlockError(
      `block ${n}: previousHash ${block.header.previousHash} does not name the previous header ${previousHash}`,
      'BAD_BLOCK_CHAIN',
    );
  }
  if (block.header.txCount !== block.transactions.length)
    throw new BlockError(`block ${n}: txCount does not match its transactions`, 'BAD_BLOCK');
  if (
    dataHash(
      block.transactions,
      encoded.map((e) => e.transaction),
    ) !== block.header.dataHash
  ) {
    throw new BlockError(`block ${n}: dataHash does not match its transactions`, 'BAD_DATA_HASH');
  }
}

/** Structure, creator and endorsement checks that need no state. */
function checkTransaction(
  tx: Transaction,
  encoded: EncodedTransaction,
  ctx: ValidationContext,
): { code: ValidationCode; signers: Signer[] } {
  const fail = (code: ValidationCode): { code: ValidationCode; signers: Signer[] } => ({
    code,
    signers: [],
  });
  const p = tx.proposal;
  if (p.channel !== ctx.channel || p.chaincode !== ctx.chaincode)
    return fail(ValidationCode.INVALID_ENDORSER_TRANSACTION);
  if (p.txId !== txIdFor(p.nonce, p.creator.certificate))
    return fail(ValidationCode.BAD_PROPOSAL_TXID);
  const creator = ctx.msp.identify(p.creator);
  if (!creator || !verify(creator.publicKey, encoded.proposal, tx.clientSignature))
    return fail(ValidationCode.BAD_CREATOR_SIGNATURE);
  const payload = tx.payload;
  if (
    payload.txId !== p.txId ||
    payload.proposalHash !== sha256Hex(encoded.proposal) ||
    payload.response.status >= 400
  ) {
    return fail(ValidationCode.BAD_RESPONSE_PAYLOAD);
  }
  const payloadBytes = encoded.payload;
  const signers: Signer[] = [];
  const seen = new Set<string>();
  for (const e of tx.endorsements) {
    const id = ctx.msp.identify(e.endorser);
    // An invalid endorsement is ignored, as Fabric does; the policy then decides. Each identity
    // signs once however often (or in whatever PEM spelling) its endorsement is repeated.
    if (!id || seen.has(id.id) || !verify(id.publicKey, payloadBytes, e.signature)) continue;
    seen.add(id.id);
    signers.push({ mspId: id.mspId, ou: id.ou });
  }
  return { code: ValidationCode.VALID, signers };
}

/** Committed state plus the updates of the block's earlier valid transactions. */
class BlockView {
  private readonly overlay = new Map<string, StateEntry | null>();
  constructor(private readonly committed: StateReader) {}

  async get(key: string): Promise<StateEntry | undefined> {
    if (this.overlay.has(key)) return this.overlay.get(key) ?? undefined;
    return this.committed.get(key);
  }

  apply(u: TxUpdates): void {
    for (const { key, entry } of u.state) this.overlay.set(key, entry);
  }

  /** Keys and versions in a range as a re-executed range query would see them now. */
  async rangeVersions(
    startKey: string,
    endKey: string,
    inclusiveEnd: boolean,
  ): Promise<ReadItem[]> {
    const within = (k: string): boolean =>
      compareKeys(k, startKey) >= 0 &&
      (endKey === '' || (inclusiveEnd ? compareKeys(k, endKey) <= 0 : compareKeys(k, endKey) < 0));
    const found = new Map<string, Version>();
    // The stored range is read to endKey exclusive; an inclusive end adds endKey itself.
    for await (const { key, entry } of this.committed.range(startKey, endKey))
      found.set(key, entry.version);
    if (inclusiveEnd && endKey !== '') {
      const last = await this.committed.get(endKey);
      if (last) found.set(endKey, last.version);
    }
    for (const [key, entry] of this.overlay) {
      if (!within(key)) continue;
      if (entry) found.set(key, entry.version);
      else found.delete(key);
    }
    return [...found]
      .sort((a, b) => compareKeys(a[0], b[0]))
      .map(([key, version]) => ({ key, version }));
  }
}

const sameVersion = (a: Version | null, b: Version | null): boolean =>
  a === null || b === null ? a === b : a.block === b.block && a.tx === b.tx;

async function phantom(view: BlockView, r: RangeRead): Promise<boolean> {
  const now = await view.rangeVersions(r.startKey, r.endKey, !r.exhausted);
  if (now.length !== r.reads.length) return true;
  return now.some((item, i) => {
    const read = r.reads[i] as ReadItem;
    return read.key !== item.key || !sameVersion(read.version, item.version);
  });
}

/**
 * Which policies a read-write set must satisfy, as Fabric's state-based validator decides: each
 * written key with a key-level policy needs that policy; if any written key has none (or
 * nothing is written), the chaincode-level policy applies too.
 */
export async function requiredPolicies(
  rwset: RwSet,
  validationParameter: (key: string) => Promise<Uint8Array | undefined>,
  chaincodePolicy: Policy,
): Promise<Policy[]> {
  const keys = [
    ...new Set([...rwset.writes.map((w) => w.key), ...rwset.metadataWrites.map((m) => m.key)]),
  ];
  const policies: Policy[] = [];
  let needsChaincodePolicy = keys.length === 0;
  for (const key of keys) {
    const vp = await validationParameter(key);
    if (vp && vp.length > 0) policies.push(decodePolicy(vp));
    else needsChaincodePolicy = true;
  }
  if (needsChaincodePolicy) policies.push(chaincodePolicy);
  return policies;
}

export async function validateBlock(
  block: Block,
  state: CommittedState,
  ctx: ValidationContext,
  previousCommitHash: string,
  encoded: EncodedTransaction[] = block.transactions.map(encodeParts),
): Promise<BlockValidation> {
  const n = block.header.number;
  const view = new BlockView(state);
  const shapes = block.transactions.map(wellFormed);
  const txIds = block.transactions.map((tx, i) => (shapes[i] ? tx.proposal.txId : ''));
  const committedIds = await state.hasTxIds(txIds);
  await state.prefetch?.(
    block.transactions.flatMap((tx, i) => {
      if (!shapes[i]) return [];
      const rw = tx.payload.rwset;
      return [
        ...rw.reads.map((r) => r.key),
        ...rw.writes.map((w) => w.key),
        ...rw.metadataWrites.map((m) => m.key),
      ];
    }),
  );
  const seen = new Set<string>();
  /**
   * Keys whose key-level policy an earlier valid transaction of this block wrote. As Fabric's
   * validation-parameter manager does, a later transaction writing such a key is invalid: it was
   * endorsed under a policy that no longer holds, whichever policy its endorsers happen to meet.
   */
  const policyChanged = new Set<string>();
  const codes: ValidationCode[] = [];
  const updates: TxUpdates[] = [];
  for (const [i, tx] of block.transactions.entries()) {
    const code = await validateTx(tx, i);
    codes.push(code);
  }
  async function validateTx(tx: Transaction, i: number): Promise<ValidationCode> {
    if (!shapes[i]) return ValidationCode.BAD_PAYLOAD;
    const txId = tx.proposal.txId;
    if (committedIds[i] || seen.has(txId)) return ValidationCode.DUPLICATE_TXID;
    seen.add(txId);
    const checked = checkTransaction(tx, encoded[i] as EncodedTransaction, ctx);
    if (checked.code !== ValidationCode.VALID) return checked.code;
    const rw = tx.payload.rwset;
    if ([...rw.writes, ...rw.metadataWrites].some((w) => policyChanged.has(w.key)))
      return ValidationCode.ENDORSEMENT_POLICY_FAILURE;
    let policies: Policy[];
    try {
      policies = await requiredPolicies(
        rw,
        async (key) => (await view.get(key))?.validationParameter,
        ctx.policy,
      );
    } catch {
      return ValidationCode.ENDORSEMENT_POLICY_FAILURE;
    }
    if (!policies.every((p) => satisfies(p, checked.signers)))
      return ValidationCode.ENDORSEMENT_POLICY_FAILURE;
    for (const read of rw.reads) {
      const current = await view.get(read.key);
      if (!sameVersion(read.version, current?.version ?? null))
        return ValidationCode.MVCC_READ_CONFLICT;
    }
    for (const r of rw.rangeReads) {
      if (await phantom(view, r)) return ValidationCode.PHANTOM_READ_CONFLICT;
    }
    const u = await txUpdates(rw, { block: n, tx: i }, txId, tx.proposal.timestamp, (key) =>
      view.get(key),
    );
    view.apply(u);
    updates.push(u);
    for (const m of rw.metadataWrites) policyChanged.add(m.key);
    return ValidationCode.VALID;
  }
  return { codes, updates, commitHash: commitHash(previousCommitHash, block, codes) };
}

/**
 * The chained commit hash: over the previous one, the block number, the validation codes and
 * the write sets of the valid transactions. Computable from blocks alone, so verification can
 * recompute it, and two nodes that validated a block differently disagree from that block on.
 */
export function commitHash(previous: string, block: Block, codes: ValidationCode[]): string {
  if (!sealedBlocks.has(block)) return computeCommitHash(previous, block, codes);
  // A sealed block is deeply frozen: the hash is a pure function of it, the previous hash and the
  // codes, and each node that computed the same codes from the same previous hash gets it once.
  const key = `${previous} ${codes.join(',')}`;
  let byInput = sealedCommitHashes.get(block);
  if (!byInput) {
    byInput = new Map();
    sealedCommitHashes.set(block, byInput);
  }
  let hash = byInput.get(key);
  if (hash === undefined) {
    hash = computeCommitHash(previous, block, codes);
    byInput.set(key, hash);
  }
  return hash;
}

/** Commit hashes of sealed blocks, by previous commit hash and validation codes. */
const sealedCommitHashes = new WeakMap<Block, Map<string, string>>();

function computeCommitHash(previous: string, block: Block, codes: ValidationCode[]): string {
  const writes = block.transactions.flatMap((tx, i) =>
    codes[i] === ValidationCode.VALID
      ? [
          {
            tx: i,
            writes: tx.payload.rwset.writes,
            metadataWrites: tx.payload.rwset.metadataWrites,
          },
        ]
      : [],
  );
  return sha256Hex(
    Buffer.concat([
      Buffer.from(previous, 'hex'),
      canonicalBytes({ block: block.header.number, codes, writes }),
    ]),
  );
}
