/**
 * Verification of everything a node trusts, against the orderer-signed blocks rather than a
 * majority of nodes. One pass over the orderer's log checks its chain, data hashes and
 * signatures and re-validates each block into the verifier's own reference ledger (kept between
 * runs, so only new blocks are re-validated); each node is then judged on its own against that
 * reference: every stored block, its validation codes and commit hashes, and its state, key
 * history and transaction index at the height it had when verification began. Nodes are read
 * through LevelDB snapshots, so they go on committing meanwhile, and every comparison streams
 * both sides in key order: memory stays bounded whatever the ledger's size.
 */
import { canonicalJson } from '@shulian/chaincode/canonical';
import type { Block } from '@shulian/proof/formats/embedded';
import { applyBlock } from './node.js';
import type { Orderer } from './orderer.js';
import { GENESIS_TIP, type LedgerStore, type LedgerView, type StoredEntries } from './store.js';
import { compareKeys } from './state.js';
import {
  BlockError,
  checkBlock,
  commitHash,
  headerHash,
  type ValidationContext,
} from './validator.js';

/** The name divergences of the orderer's own log carry. */
export const ORDERER = 'orderer';

export interface NodeDivergence {
  node: string;
  height: number;
  key?: string;
  reason: string;
}

export interface VerifyProgress {
  /** `log`: the orderer's log is checked and re-validated; `nodes`: nodes are compared with it. */
  phase: 'log' | 'nodes';
  done: number;
  total: number;
}

/** A running node as verification reads it: its store and a view frozen at one height. */
export interface NodeUnderCheck {
  id: string;
  store: LedgerStore;
  view: LedgerView;
}

export interface LedgerVerification {
  divergences: NodeDivergence[];
  /** Node blocks compared with the reference, over all nodes. */
  checkedBlocks: number;
  /** How many blocks of the orderer's log verified, from block 0. */
  verifiedHeight: number;
  /** The reference ledger disagrees with the log (a rewritten or shortened log): rebuild it. */
  discardReference: boolean;
}

interface Problem {
  height: number;
  key?: string;
  reason: string;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Verifies the orderer's log up to `logHeight` and every node in `nodes` against it, using and
 * extending `reference` (a ledger the verifier alone writes, rebuilt from verified blocks).
 */
export async function verifyLedgers(
  log: Orderer,
  logHeight: number,
  reference: LedgerStore,
  nodes: NodeUnderCheck[],
  ctx: ValidationContext,
  onProgress: (p: VerifyProgress) => void = () => undefined,
): Promise<LedgerVerification> {
  const divergences: NodeDivergence[] = [];
  const found = new Map<string, Problem>();
  const topNode = Math.max(0, ...nodes.map((n) => n.view.tip.height));
  const compareStateAt = async (height: number): Promise<void> => {
    for (const node of nodes.filter((n) => n.view.tip.height === height)) {
      const problem = await compareLedger(node.view, reference);
      if (problem) found.set(node.id, { height, ...problem });
    }
  };

  // The orderer's log, block by block, re-validated into the reference as far as nodes reach.
  let verifiedHeight = 0;
  let discardReference = false;
  const logProblem = (height: number, reason: string): void => {
    divergences.push({ node: ORDERER, height, reason });
  };
  if (reference.tip.height > logHeight) {
    logProblem(
      logHeight,
      `the orderer's log holds ${logHeight} blocks but ${reference.tip.height} were verified earlier: blocks were removed`,
    );
    discardReference = true;
  } else {
    let previous = GENESIS_TIP.blockHash;
    let n = 0;
    let broken = false;
    try {
      for await (const [at, value] of log.storedBlocks(logHeight)) {
        if (at !== n) {
          logProblem(n, `block ${n} is missing from the orderer's log`);
          broken = true;
          break;
        }
        const problem = checkLogBlock(value, n, previous, ctx);
        if (problem) {
          logProblem(n, problem);
          broken = true;
          break;
        }
        const block = value as Block;
        const hash = headerHash(block);
        const replay = await replayLogBlock(
          reference,
          block,
          hash,
          n < topNode,
          ctx,
          compareStateAt,
        );
        if (replay) {
          logProblem(n, replay.reason);
          discardReference ||= replay.discardReference;
          broken = true;
          break;
        }
        previous = hash;
        n += 1;
        onProgress({ phase: 'log', done: n, total: logHeight });
      }
    } catch (err) {
      logProblem(n, `the orderer's log is unreadable at block ${n}: ${describe(err)}`);
      broken = true;
    }
    if (!broken && n < logHeight) {
      logProblem(n, `block ${n} is missing from the orderer's log`);
      broken = true;
    }
    const tipProblem = broken ? undefined : await checkLogTip(log, logHeight, previous);
    if (tipProblem) logProblem(logHeight, tipProblem);
    verifiedHeight = n;
    if (!discardReference) await compareStateAt(reference.tip.height);
  }

  // Each node's blocks, against the reference, up to the lower of the two heights.
  let checkedBlocks = 0;
  const total = nodes.reduce((s, node) => s + Math.min(node.view.tip.height, verifiedHeight), 0);
  for (const node of nodes) {
    const blockProblem = await compareBlocks(node, reference, verifiedHeight, ctx, () => {
      checkedBlocks += 1;
      onProgress({ phase: 'nodes', done: checkedBlocks, total });
    });
    const problem = blockProblem ?? found.get(node.id);
    if (problem) divergences.push({ node: node.id, ...problem });
  }
  return { divergences, checkedBlocks, verifiedHeight, discardReference };
}

/**
 * Block `n` of the verified log against the reference: one the reference already holds must be
 * the same block; one below the nodes' top is re-validated into it (after comparing the nodes
 * that stopped at `n`). What is wrong, if anything, and whether the reference is to be discarded.
 */
async function replayLogBlock(
  reference: LedgerStore,
  block: Block,
  hash: string,
  belowNodes: boolean,
  ctx: ValidationContext,
  compareStateAt: (height: number) => Promise<void>,
): Promise<{ reason: string; discardReference: boolean } | undefined> {
  const n = block.header.number;
  if (n < reference.tip.height) {
    const earlier = await reference.blockRecord(n);
    if (earlier?.blockHash === hash) return undefined;
    return {
      reason: `block ${n} differs from the block verified earlier: the log was rewritten`,
      discardReference: true,
    };
  }
  if (!belowNodes) return undefined;
  await compareStateAt(n);
  try {
    await applyBlock(reference, block, ctx, false);
    return undefined;
  } catch (err) {
    return {
      reason: `block ${n} cannot be re-validated: ${describe(err)}`,
      discardReference: false,
    };
  }
}

/** Why the log's tip record does not cover its `logHeight` blocks ending in `previous`, if so. */
async function checkLogTip(
  log: Orderer,
  logHeight: number,
  previous: string,
): Promise<string | undefined> {
  const tip = (await log.storedTip()) as { height?: unknown; lastHash?: unknown } | undefined;
  if (!tip || typeof tip.height !== 'number' || tip.height < logHeight)
    return `the orderer's log tip does not cover its ${logHeight} blocks`;
  if (tip.height === logHeight && tip.lastHash !== previous)
    return "the orderer's log tip does not name its last block";
  return undefined;
}

/** Why a stored log entry is not block `n` chained to `previous`, if it is not. */
function checkLogBlock(
  value: unknown,
  n: number,
  previous: string,
  ctx: ValidationContext,
): string | undefined {
  try {
    const block = value as Block;
    if (block.header.number !== n) return `block ${n} is stored as number ${block.header.number}`;
    checkBlock(block, previous, ctx);
    return undefined;
  } catch (err) {
    return err instanceof BlockError ? err.message : `block ${n} is malformed: ${describe(err)}`;
  }
}

/**
 * A node's stored blocks against the reference: each must be the orderer's block (signature,
 * chain, data hash), with the validation codes and commit hash that re-validating it gives.
 */
async function compareBlocks(
  node: NodeUnderCheck,
  reference: LedgerStore,
  verifiedHeight: number,
  ctx: ValidationContext,
  checked: () => void,
): Promise<Problem | undefined> {
  const { tip } = node.view;
  let previousHash = GENESIS_TIP.blockHash;
  let previousCommit = GENESIS_TIP.commitHash;
  const upTo = Math.min(tip.height, verifiedHeight);
  for (let n = 0; n < upTo; n++) {
    const fail = (reason: string): Problem => ({ height: n, reason });
    let record;
    try {
      record = await node.store.blockRecord(n);
    } catch (err) {
      return fail(`block ${n} is unreadable: ${describe(err)}`);
    }
    if (!record) return fail(`block ${n} is missing`);
    try {
      if (record.block.header.number !== n)
        return fail(`block ${n} is stored under number ${record.block.header.number}`);
      checkBlock(record.block, previousHash, ctx);
    } catch (err) {
      return fail(describe(err));
    }
    const blockHash = headerHash(record.block);
    if (record.blockHash !== blockHash)
      return fail(`block ${n}: stored block hash does not match its header`);
    const recomputed = commitHash(previousCommit, record.block, record.codes);
    if (record.commitHash !== recomputed)
      return fail(
        `block ${n}: commit hash does not follow from the block and its validation codes`,
      );
    const expected = await reference.blockRecord(n);
    if (!expected) return fail(`block ${n} is not in the verified reference`);
    if (blockHash !== expected.blockHash)
      return fail(`block ${n} differs from the orderer's block ${n}`);
    if (canonicalJson(record.codes) !== canonicalJson(expected.codes))
      return fail(`block ${n}: validation codes differ from re-validating the orderer's block`);
    if (record.commitHash !== expected.commitHash)
      return fail(`block ${n}: commit hash differs from re-validating the orderer's block`);
    previousHash = blockHash;
    previousCommit = recomputed;
    checked();
  }
  if (upTo === tip.height && (tip.blockHash !== previousHash || tip.commitHash !== previousCommit))
    return { height: tip.height, reason: 'the recorded tip does not match the last block' };
  return undefined;
}

/** The separator of a history record's stored key: the state key comes before it. */
const historyOf = (stored: string): string => stored.slice(0, stored.lastIndexOf('\u0000'));

/**
 * A node's state, history and transaction index (its view) against the reference at the same
 * height: the first entry that is unexpected, different or missing, with its key.
 */
async function compareLedger(
  view: LedgerView,
  reference: LedgerStore,
): Promise<Omit<Problem, 'height'> | undefined> {
  const expected = reference.view();
  try {
    return (
      (await compareEntries(view.state, expected.state, (k) => k, {
        extra: 'state holds a key no valid transaction wrote',
        missing: 'state lacks a key the blocks wrote',
        differs: 'state value differs from the blocks',
        unreadable: 'state is unreadable',
      })) ??
      (await compareEntries(view.history, expected.history, historyOf, {
        extra: 'history entry that the blocks do not produce',
        missing: 'history entry missing: the blocks produce it',
        differs: 'history entry differs from the blocks',
        unreadable: 'history entry unreadable',
      })) ??
      (await compareEntries(view.txids, expected.txids, (k) => k, {
        extra: 'transaction index entry that the blocks do not produce',
        missing: 'transaction index entry missing: the blocks produce it',
        differs: 'transaction index entry differs from the blocks',
        unreadable: 'transaction index entry unreadable',
      }))
    );
  } finally {
    await Promise.all([view.close(), expected.close()]);
  }
}

/** Walks two key-ordered iterators side by side; the first difference is named. */
async function compareEntries(
  actual: StoredEntries,
  expected: StoredEntries,
  name: (stored: string) => string,
  says: { extra: string; missing: string; differs: string; unreadable: string },
): Promise<Omit<Problem, 'height'> | undefined> {
  const have = actual[Symbol.asyncIterator]();
  const want = expected[Symbol.asyncIterator]();
  let at = '';
  try {
    let a = await have.next();
    let b = await want.next();
    while (!a.done || !b.done) {
      if (a.done) return { key: name((b.value as [string, unknown])[0]), reason: says.missing };
      const [key, value] = a.value;
      at = key;
      const order = b.done ? -1 : compareKeys(key, b.value[0]);
      if (order < 0) return { key: name(key), reason: says.extra };
      if (order > 0) return { key: name((b.value as [string, unknown])[0]), reason: says.missing };
      if (canonicalJson(value) !== canonicalJson((b.value as [string, unknown])[1]))
        return { key: name(key), reason: says.differs };
      a = await have.next();
      b = await want.next();
    }
    return undefined;
  } catch (err) {
    return { key: at === '' ? '' : name(at), reason: `${says.unreadable}: ${describe(err)}` };
  } finally {
    await Promise.all([have.return?.(), want.return?.()]);
  }
}
