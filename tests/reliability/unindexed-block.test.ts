/**
 * A process killed between a block file's fsync and the level batch that indexes the block
 * (tests/reliability/kill-before-batch.ts kills it exactly there): the block is committed, and
 * on the next open a node validates and applies it again from its own block file, without
 * writing it twice, to the same state as every other node; the orderer indexes it again and
 * serves it. Nothing acknowledged is lost and everything verifies. The same kill, at a batch of
 * the replay a node runs to rebuild its ledger from its own block file (after a power loss took
 * a level batch below its tip), leaves a rebuild that the next open takes up where it stopped.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationCode } from '@shulian/proof/formats/embedded';
import {
  BLOCK_FILE,
  BlockFile,
  spanEnd,
  type BlockSpan,
} from '../../network/embedded/block-file.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { blockKey, LEVEL_SYNC_BLOCKS, LedgerStore } from '../../network/embedded/store.js';
import {
  openSettledWithWarnings,
  levelData,
  loseNodeBatch,
  openTestNetwork,
  tempDir,
} from '../network/helpers.js';
import { recordWrites } from './level-writes.js';

const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
const KILLER = fileURLToPath(new URL('./kill-before-batch.ts', import.meta.url));
/** The block whose level batch the kill takes: a few blocks into the write load. */
const BLOCK = 5;

/** Runs the writer until it is killed before `location`'s batch for `block`; its acknowledgements. */
function writeUntilKilled(dataDir: string, location: string, block = BLOCK): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', KILLER, WRITER, dataDir, '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SHULIAN_KILL_BEFORE_BATCH: `${location}:${block}` },
      },
    );
    const acked: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ACK ')) acked.push(line.slice(4));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`writer exited on its own (${String(code)}): ${stderr}`));
    });
  });
}

describe('a crash between a block file fsync and its level batch', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('shulian-unindexed-')));
  afterEach(async () => {
    await net?.close();
    net = undefined;
    await cleanup();
  });

  /** Every acknowledged transaction is valid, all nodes agree at the log's height, and it verifies. */
  async function expectWhole(live: EmbeddedNetwork, acked: string[]): Promise<void> {
    await live.settle();
    for (const txId of acked) {
      const { record, index } = await live.findTransaction(txId);
      expect(record.codes[index], txId).toBe(ValidationCode.VALID);
    }
    const states = live.nodeStates();
    expect(states.every((s) => s.halted === undefined)).toBe(true);
    expect(new Set(states.map((s) => `${s.height}/${s.commitHash}`)).size).toBe(1);
    expect(states[0]?.height).toBe(live.orderer.height);
    expect((await live.verify()).divergences).toEqual([]);
  }

  it('a node applies the block again from its own block file, to the same state as the others', async () => {
    const ledger = path.join(dir, 'departments', 'amr', 'ledger');
    const acked = await writeUntilKilled(dir, ledger);
    // As the kill left it: level at BLOCK, the block whole in the file past it.
    const crashed = await LedgerStore.open(ledger);
    expect(crashed.tip.height).toBe(BLOCK);
    expect(crashed.unindexed).toBe(1);
    expect((await crashed.unindexedBlock())?.header.number).toBe(BLOCK);
    await crashed.close();

    const recorder = recordWrites();
    try {
      net = await openTestNetwork(dir, { durable: true });
      await net.settle();
    } finally {
      recorder.stop();
    }
    // Indexed from the file as the crash left it, not cut off and written again: no fsync of the
    // node's block file came before the batch that indexes the block.
    const file = path.resolve(ledger, BLOCK_FILE);
    const indexed = recorder.writes.findIndex(
      (w) => w.location === ledger && w.keys.includes(`!spans!${blockKey(BLOCK)}`),
    );
    expect(indexed).toBeGreaterThanOrEqual(0);
    expect(recorder.writes.slice(0, indexed).filter((w) => w.location === file)).toEqual([]);
    await expectWhole(net, acked);
    const records = await Promise.all(
      net.nodes.map(async (n) => (await n.ledger().blockRecord(BLOCK))?.commitHash),
    );
    expect(new Set(records).size).toBe(1);
  });

  it('the orderer indexes the block again and the nodes commit it', async () => {
    const log = path.join(dir, 'orderer', 'blocks');
    const acked = await writeUntilKilled(dir, log);
    // As the kill left it: the log's tip at BLOCK, the block whole in its file past it.
    const db = new Level<string, unknown>(log, { valueEncoding: 'json' });
    expect(((await db.get('tip')) as { height: number }).height).toBe(BLOCK);
    const last = (await db.get(logSpanKey(BLOCK - 1))) as BlockSpan;
    await db.close();
    const file = await BlockFile.open(log, spanEnd(last));
    expect(file.unindexed).toHaveLength(1);
    await file.close();

    net = await openTestNetwork(dir, { durable: true });
    expect(net.orderer.height).toBe(BLOCK + 1);
    await expectWhole(net, acked);
    const alice = await net.identity('coord', 'alice');
    expect((await net.submit(alice, 'Put', ['after', 'restart'])).blockNumber).toBe(BLOCK + 1);
    await expectWhole(net, acked);
  });

  it('a node killed part-way through rebuilding its ledger from its block file goes on at the next open, to the state of its peers', async () => {
    // More blocks than LEVEL_SYNC_BLOCKS, so the lost batch lies above a synced one.
    const height = LEVEL_SYNC_BLOCKS + 16;
    const options = { durable: true, batch: { maxMessageCount: 1, timeoutMs: 5 } };
    net = await openTestNetwork(dir, options);
    const alice = await net.identity('coord', 'alice');
    const acked: string[] = [];
    for (let i = 0; i < height; i++)
      acked.push((await net.submit(alice, 'Put', [`k${i % 10}`, `v${i}`])).txId);
    await net.settle();
    await net.close();
    net = undefined;
    const ledger = path.join(dir, 'departments', 'amr', 'ledger');
    // A power loss took block height - 3's batch and kept the later ones'.
    expect(await loseNodeBatch(ledger, height - 3)).toBeGreaterThanOrEqual(3);
    // The writer's open starts the rebuild; it is killed before the replay's batch for block 40.
    expect(await writeUntilKilled(dir, ledger, 40)).toEqual([]);
    const killed = await LedgerStore.open(ledger);
    expect(killed.tip.height).toBe(40);
    expect(killed.unindexed).toBe(height - 40);
    expect(killed.rebuilding).toMatchObject({ tip: { height }, cleared: true });
    await killed.close();

    const warnings = await openSettledWithWarnings(dir, options);
    net = warnings.result;
    expect(warnings.seen.map((w) => w.code)).toEqual([
      'SHULIAN_NODE_REBUILDING',
      'SHULIAN_NODE_REPAIRED',
    ]);
    expect(warnings.seen[0]?.message).toBe(
      `node amr rebuilding its ledger from its own block file: 41 of ${height} blocks applied`,
    );
    await expectWhole(net, acked);
    expect(await levelData(net.node('amr'))).toEqual(await levelData(net.node('psb')));
    expect((await net.submit(alice, 'Put', ['after', 'rebuild'])).blockNumber).toBe(height);
    await expectWhole(net, acked);
  });
});
