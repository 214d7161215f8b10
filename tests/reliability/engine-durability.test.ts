/**
 * Durability of the engine's acknowledgements. kill -9 keeps the page cache, so the crash test
 * passes even with fsync off; a power loss would not. This test watches every LevelDB batch and
 * file fsync the engine makes and checks that each acknowledged transaction was preceded by the
 * fsyncs it needs: its block in the orderer's log, and the block's commit on the node that
 * answered, each a level batch naming the block's span after an fsync of the block file holding
 * it. The block file is the commit point: the batch itself needs no sync (a crash that takes it
 * leaves the block in the file, applied again on open: tests/reliability/unindexed-block.test.ts).
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { blockKey } from '../../network/embedded/store.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { openTestNetwork, tempDir } from '../network/helpers.js';
import { blockFileSyncedBefore, recordWrites } from './level-writes.js';

/**
 * Writes from four departments; for each acknowledgement, the writes recorded before it must
 * include an orderer-log batch holding its block and a commit of that block on the department's
 * node, each after an fsync of its block file. Returns the acknowledgements that lacked one.
 */
async function unsyncedAcknowledgements(net: EmbeddedNetwork, dir: string): Promise<string[]> {
  const recorder = recordWrites();
  const missing: string[] = [];
  try {
    const departments = ['coord', 'psb', 'amr', 'health'];
    const writers = await Promise.all(departments.map((d) => net.identity(d, `writer-${d}`)));
    await Promise.all(
      writers.map(async (identity, w) => {
        for (let seq = 0; seq < 6; seq++) {
          const r = await net.submit(identity, 'Put', [`w${w}-${seq}`, String(seq)]);
          const before = recorder.writes.slice();
          const key = blockKey(r.blockNumber);
          const log = path.join(dir, 'orderer');
          const node = path.join(dir, 'departments', identity.mspId);
          const orderered = before.some(
            (x, i) =>
              x.location.startsWith(log) &&
              x.keys.includes(logSpanKey(r.blockNumber)) &&
              blockFileSyncedBefore(before, i),
          );
          const committed = before.some(
            (x, i) =>
              x.location.startsWith(node) &&
              x.keys.some((k) => k.endsWith(`!spans!${key}`)) &&
              blockFileSyncedBefore(before, i),
          );
          if (!orderered || !committed)
            missing.push(
              `${r.txId} in block ${r.blockNumber}: orderer ${orderered}, node ${committed}`,
            );
        }
      }),
    );
  } finally {
    recorder.stop();
  }
  return missing;
}

describe('durability: every acknowledgement follows its fsyncs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('shulian-durability-')));
  afterEach(async () => {
    await net?.close();
    await cleanup();
  });

  it("the engine as the gateway opens it (durable) syncs the log's and the node's block files before acknowledging", async () => {
    net = await openTestNetwork(dir, {
      durable: true,
      batch: { timeoutMs: 5, maxMessageCount: 4 },
    });
    expect(await unsyncedAcknowledgements(net, dir)).toEqual([]);
  });

  it('the check catches acknowledgements made with fsync turned off', async () => {
    net = await openTestNetwork(dir, {
      durable: false,
      batch: { timeoutMs: 5, maxMessageCount: 4 },
    });
    expect((await unsyncedAcknowledgements(net, dir)).length).toBe(24);
  });
});
