/**
 * Verification of node ledgers. A node is checked against itself: every stored block must carry
 * the orderer's signature, chain to its predecessor and match its data hash; every commit hash
 * must follow from the blocks and the node's validation codes; and the state must equal what the
 * valid writes of those blocks produce. Nodes are then compared height by height, and the first
 * height at which a node leaves the majority is named.
 */
import { canonicalJson } from '@shulian/chaincode/canonical';
import { ValidationCode } from '@shulian/proof/formats/embedded';
import { toBase64 } from './crypto.js';
import {
  GENESIS_TIP,
  historyKey,
  storedHistory,
  txIndexEntries,
  type LedgerStore,
} from './store.js';
import { compareKeys, txUpdates, type StateEntry } from './state.js';
import {
  BlockError,
  checkBlock,
  commitHash,
  headerHash,
  type ValidationContext,
} from './validator.js';

export interface NodeDivergence {
  node: string;
  height: number;
  key?: string;
  reason: string;
}

export interface NodeVerification {
  node: string;
  checkedBlocks: number;
  divergences: NodeDivergence[];
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const entryText = (e: StateEntry | undefined): string =>
  e
    ? canonicalJson({
        v: toBase64(e.value),
        version: e.version,
        p: e.validationParameter ? toBase64(e.validationParameter) : null,
      })
    : 'absent';

export async function verifyNode(
  node: string,
  store: LedgerStore,
  ctx: ValidationContext,
): Promise<NodeVerification> {
  const tip = store.tip;
  let previousHash = GENESIS_TIP.blockHash;
  let previousCommit = GENESIS_TIP.commitHash;
  const expected = new Map<string, StateEntry>();
  // History records and index entries as the blocks produce them, by their stored key.
  const expectedHistory = new Map<string, string>();
  const expectedTxIds = new Map<string, string>();
  const fail = (height: number, reason: string, key?: string): NodeVerification => ({
    node,
    checkedBlocks: height,
    divergences: [key === undefined ? { node, height, reason } : { node, height, key, reason }],
  });
  for (let n = 0; n < tip.height; n++) {
    let record;
    try {
      record = await store.blockRecord(n);
    } catch (err) {
      return fail(n, `block ${n} is unreadable: ${describe(err)}`);
    }
    if (!record) return fail(n, `block ${n} is missing`);
    try {
      if (record.block.header.number !== n)
        throw new BlockError(
          `block ${n} is stored under number ${record.block.header.number}`,
          'BAD_BLOCK',
        );
      checkBlock(record.block, previousHash, ctx);
    } catch (err) {
      return fail(n, describe(err));
    }
    const blockHash = headerHash(record.block);
    if (record.blockHash !== blockHash)
      return fail(n, `block ${n}: stored block hash does not match its header`);
    const recomputed = commitHash(previousCommit, record.block, record.codes);
    if (record.commitHash !== recomputed)
      return fail(
        n,
        `block ${n}: commit hash does not follow from the block and its validation codes`,
      );
    for (const [i, tx] of record.block.transactions.entries()) {
      if (record.codes[i] !== ValidationCode.VALID) continue;
      const u = await txUpdates(
        tx.payload.rwset,
        { block: n, tx: i },
        tx.proposal.txId,
        tx.proposal.timestamp,
        (key) => Promise.resolve(expected.get(key)),
      );
      for (const { key, entry } of u.state) {
        if (entry) expected.set(key, entry);
        else expected.delete(key);
      }
      for (const { key, entry } of u.history)
        expectedHistory.set(
          historyKey(key, { block: n, tx: i }),
          canonicalJson(storedHistory(entry)),
        );
    }
    for (const [txId, at] of txIndexEntries(record)) expectedTxIds.set(txId, canonicalJson(at));
    previousHash = blockHash;
    previousCommit = recomputed;
  }
  if (tip.blockHash !== previousHash || tip.commitHash !== previousCommit)
    return fail(tip.height, 'the recorded tip does not match the last block');
  // State: both sides in key order; the first difference is named.
  const wanted = [...expected.keys()].sort(compareKeys);
  let i = 0;
  try {
    for await (const { key, entry } of store.range('', '')) {
      const want = wanted[i];
      if (want === undefined || compareKeys(key, want) < 0)
        return fail(tip.height, 'state holds a key no valid transaction wrote', key);
      if (compareKeys(key, want) > 0)
        return fail(tip.height, 'state lacks a key the blocks wrote', want);
      if (entryText(entry) !== entryText(expected.get(want)))
        return fail(tip.height, 'state value differs from the blocks', key);
      i++;
    }
  } catch (err) {
    return fail(tip.height, `state is unreadable: ${describe(err)}`, wanted[i]);
  }
  if (i < wanted.length) return fail(tip.height, 'state lacks a key the blocks wrote', wanted[i]);
  const historyOf = (stored: string): string => stored.slice(0, stored.lastIndexOf('\u0000'));
  const index =
    (await compareIndex(store, 'history', 'history entry', expectedHistory, historyOf)) ??
    (await compareIndex(store, 'txids', 'transaction index entry', expectedTxIds, (k) => k));
  if (index) return fail(tip.height, index.reason, index.key);
  return { node, checkedBlocks: tip.height, divergences: [] };
}

/**
 * Compares a stored index with what the blocks produce: the first stored entry that is
 * unexpected or different, else the first expected one that is missing. `name` maps a stored
 * key to the key a divergence names (a history record names its state key).
 */
async function compareIndex(
  store: LedgerStore,
  part: 'history' | 'txids',
  what: string,
  expected: Map<string, string>,
  name: (stored: string) => string,
): Promise<{ key: string; reason: string } | undefined> {
  const remaining = new Map(expected);
  let at: string | undefined;
  try {
    for await (const [key, value] of store.indexEntries(part)) {
      at = key;
      const want = remaining.get(key);
      if (want === undefined)
        return { key: name(key), reason: `${what} that the blocks do not produce` };
      if (canonicalJson(value) !== want)
        return { key: name(key), reason: `${what} differs from the blocks` };
      remaining.delete(key);
    }
  } catch (err) {
    return {
      key: at === undefined ? '' : name(at),
      reason: `${what} unreadable: ${describe(err)}`,
    };
  }
  const [missing] = remaining.keys();
  return missing === undefined
    ? undefined
    : { key: name(missing), reason: `${what} missing: the blocks produce it` };
}

/** Compares nodes' block and commit hashes height by height against the majority. */
export async function compareNodes(
  nodes: { id: string; store: LedgerStore }[],
): Promise<NodeDivergence[]> {
  const divergences: NodeDivergence[] = [];
  const diverged = new Set<string>();
  const maxHeight = Math.max(0, ...nodes.map((n) => n.store.tip.height));
  for (let h = 0; h < maxHeight && diverged.size < nodes.length; h++) {
    const views = await Promise.all(
      nodes
        .filter((n) => !diverged.has(n.id) && n.store.tip.height > h)
        .map(async (n) => {
          const r = await n.store.blockRecord(h);
          return { id: n.id, value: r ? `${r.blockHash}/${r.commitHash}` : 'missing' };
        }),
    );
    const counts = new Map<string, number>();
    for (const v of views) counts.set(v.value, (counts.get(v.value) ?? 0) + 1);
    const majority = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const v of views) {
      if (v.value === majority) continue;
      diverged.add(v.id);
      divergences.push({
        node: v.id,
        height: h,
        reason: `block ${h}: block or commit hash differs from the majority of nodes`,
      });
    }
  }
  return divergences;
}
