/**
 * Verification of everything the gateway serves from: the ledger's own check (every node's chain
 * and state, the engine's), then the query index against a replay of the ledger, then the store's
 * blobs against the digests the ledger anchored. Each finding names its place: a node and height,
 * an index key, or a blob's file.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { QueryIndex } from '../index/query-index.js';
import { verifyIndex } from '../index/verify-index.js';
import type { Divergence, LedgerClient, VerifyReport } from '../ledger/types.js';
import type { Datasets } from './datasets.js';

export interface GatewayDivergence extends Divergence {
  /** The damaged file, for findings in the dataset store. */
  file?: string;
}

export interface GatewayVerifyReport extends VerifyReport {
  divergences: GatewayDivergence[];
}

export type VerifyPhase = 'ledger' | 'index' | 'store';

export async function verifyGateway(deps: {
  ledger: LedgerClient;
  index: QueryIndex;
  datasets: Datasets;
  /** Where the scratch replay of the index is built (removed afterwards). */
  workDir: string;
  /** Told as each part starts: the ledger, the query index, the store. */
  onPhase?: (phase: VerifyPhase) => void;
}): Promise<GatewayVerifyReport> {
  deps.onPhase?.('ledger');
  const ledger = await deps.ledger.verify();
  deps.onPhase?.('index');
  const index = await verifyIndex(
    deps.index,
    deps.ledger,
    join(deps.workDir, `verify-index-${randomUUID()}`),
  );
  deps.onPhase?.('store');
  // The versions come from the replay, so a version deleted from the index is still checked.
  const store = (await deps.datasets.verifyStore(index.versions)).map((f): GatewayDivergence => ({
    node: 'store',
    height: f.blockNumber,
    key: f.version,
    file: f.file,
    reason: f.reason,
  }));
  const divergences = [...ledger.divergences, ...index.divergences, ...store];
  return { ok: divergences.length === 0, checkedBlocks: ledger.checkedBlocks, divergences };
}
