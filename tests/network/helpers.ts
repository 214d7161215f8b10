import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { loadNetworkConfig, type NetworkConfig } from '../../network/embedded/config.js';
import { EmbeddedNetwork, type NetworkOptions } from '../../network/embedded/network.js';
import type { DepartmentNode } from '../../network/embedded/node.js';
import { blockKey } from '../../network/embedded/store.js';
import { TestContract } from './fixtures/test-contract.js';

export async function tempDir(
  prefix = 'shulian-net-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A network of the departments in departments.yaml running the test contract. */
export async function openTestNetwork(
  dataDir: string,
  overrides: Partial<NetworkOptions> = {},
  config?: NetworkConfig,
): Promise<EmbeddedNetwork> {
  return EmbeddedNetwork.open({
    dataDir,
    config: config ?? (await loadNetworkConfig()),
    chaincode: { contracts: [TestContract] },
    durable: false,
    batch: { timeoutMs: 5 },
    ...overrides,
  });
}

/**
 * Takes block `n`'s level batch from a closed node's ledger, as a power loss that kept later
 * batches would: what LedgerStore.commit wrote for it but the tip (later batches wrote theirs).
 * A state entry counts as block `n`'s if its version is still `n`'s; a key a later block wrote
 * again keeps the later write, as it would. Returns how many entries were taken.
 */
export async function loseNodeBatch(location: string, n: number): Promise<number> {
  const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
  try {
    const ofBlock: Record<string, (key: string, value: unknown) => boolean> = {
      state: (_, value) => (value as { b: number }).b === n,
      // A history key ends in its block (12 hex digits) and transaction (6).
      history: (key) => key.slice(-18, -6) === blockKey(n),
      txids: (_, value) => (value as { block: number }).block === n,
      spans: (key) => key === blockKey(n),
    };
    const sub = (name: string) => db.sublevel<string, unknown>(name, { valueEncoding: 'json' });
    const ops: { type: 'del'; sublevel: ReturnType<typeof sub>; key: string }[] = [];
    for (const [name, test] of Object.entries(ofBlock)) {
      const sublevel = sub(name);
      for await (const [key, value] of sublevel.iterator())
        if (test(key, value)) ops.push({ type: 'del', sublevel, key });
    }
    await db.batch(ops);
    return ops.length;
  } finally {
    await db.close();
  }
}

/** A running node's state, history and transaction index, entry by entry in key order. */
export async function levelData(node: DepartmentNode): Promise<unknown[][]> {
  const view = node.ledger().view();
  try {
    const data: unknown[][] = [];
    for (const entries of [view.state, view.history, view.txids]) {
      const all: unknown[] = [];
      for await (const entry of entries) all.push(entry);
      data.push(all);
    }
    return data;
  } finally {
    await view.close();
  }
}

/** `action`'s result and the process warnings emitted while it ran, with their codes. */
export async function warningsDuring<T>(
  action: () => Promise<T>,
): Promise<{ result: T; seen: { code?: string; message: string }[] }> {
  const seen: { code?: string; message: string }[] = [];
  const listener = (warning: Error & { code?: string }): void => {
    seen.push({ code: warning.code, message: warning.message });
  };
  process.on('warning', listener);
  try {
    return { result: await action(), seen };
  } finally {
    process.off('warning', listener);
  }
}

/** Opens the test network and waits for every node to settle, collecting the warnings. */
export async function openSettledWithWarnings(
  dataDir: string,
  overrides: Partial<NetworkOptions> = {},
): Promise<{ result: EmbeddedNetwork; seen: { code?: string; message: string }[] }> {
  return warningsDuring(async () => {
    const opened = await openTestNetwork(dataDir, overrides);
    await opened.settle();
    return opened;
  });
}
