/**
 * Verification of the query index against the ledger: the index is derived data, so the truth is
 * a fresh replay of the ledger's blocks into a scratch index up to the live index's checkpoint,
 * compared entry by entry. A usage record deleted from the index (so missing from supervisors'
 * audit trail), an edited entry or an invented one is named by its key.
 */
import { rm } from 'node:fs/promises';
import type { DatasetVersion } from '@shulian/chaincode/constants';
import type { Divergence, LedgerClient } from '../ledger/types.js';
import { openQueryIndex, type Indexed, type QueryIndex } from './query-index.js';

/** Divergences named at most; beyond it the count is reported. */
const MAX_NAMED = 100;
/** The live index keeps following the ledger; comparisons that raced a block are retried. */
const ATTEMPTS = 5;

async function compare(
  live: QueryIndex,
  reference: QueryIndex,
  height: number,
): Promise<Divergence[]> {
  const found: Divergence[] = [];
  let more = 0;
  const report = (key: string, reason: string): void => {
    if (found.length < MAX_NAMED) found.push({ node: 'index', height, key, reason });
    else more++;
  };
  const a = live.entries()[Symbol.asyncIterator]();
  const b = reference.entries()[Symbol.asyncIterator]();
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    if (!x.done && (y.done || x.value[0] < y.value[0])) {
      report(x.value[0], 'in the index but not derived from the ledger');
      x = await a.next();
    } else if (!y.done && (x.done || y.value[0] < x.value[0])) {
      report(y.value[0], 'derived from the ledger but missing from the index');
      y = await b.next();
    } else if (!x.done && !y.done) {
      if (x.value[1] !== y.value[1]) report(x.value[0], 'differs from what the ledger gives');
      x = await a.next();
      y = await b.next();
    }
  }
  if (more > 0) found.push({ node: 'index', height, reason: `${more} more index entries differ` });
  return found;
}

export interface IndexVerification {
  divergences: Divergence[];
  /** The anchored versions as the ledger gives them (not as the index claims). */
  versions: Indexed<DatasetVersion>[];
}

/**
 * Replays the ledger into `scratchDir` (removed afterwards) and compares it with `live`. The
 * scratch index is extended, not rebuilt, when the live index moved on during a comparison.
 */
export async function verifyIndex(
  live: QueryIndex,
  ledger: LedgerClient,
  scratchDir: string,
): Promise<IndexVerification> {
  await rm(scratchDir, { recursive: true, force: true });
  const reference = await openQueryIndex(scratchDir);
  try {
    let divergences: Divergence[] = [];
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const target = (await live.checkpoint())?.blockNumber ?? -1;
      for (let n = ((await reference.checkpoint())?.blockNumber ?? -1) + 1; n <= target; n++)
        await reference.applyBlock(await ledger.getBlockEvent(n));
      divergences = await compare(live, reference, target);
      if (((await live.checkpoint())?.blockNumber ?? -1) === target) break;
    }
    return { divergences, versions: reference.allVersions() };
  } finally {
    await reference.close();
    await rm(scratchDir, { recursive: true, force: true });
  }
}
