/**
 * Liveness of the embedded engine: a node that cannot get a block halts and says so, a write
 * waits for its own department's node only and never past its deadline, and a failed write of
 * the orderer's log acknowledges nothing after it and leaves no hole.
 */
import path from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalBytes, parseJson } from '@shulian/chaincode/canonical';
import { BlockFile, spanEnd, type BlockSpan } from '../../network/embedded/block-file.js';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { LEVEL_SYNC_BLOCKS } from '../../network/embedded/store.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { openTestNetwork, tempDir } from './helpers.js';

/** The orderer's log database, for fault injection (private to the orderer). */
const ordererDb = (net: EmbeddedNetwork): { batch: (...args: unknown[]) => Promise<void> } =>
  (net.orderer as unknown as { db: { batch: (...args: unknown[]) => Promise<void> } }).db;

describe('liveness', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork | undefined;

  beforeEach(async () => ({ dir, cleanup } = await tempDir('shulian-liveness-')));
  afterEach(async () => {
    await net?.close();
    net = undefined;
    await cleanup();
  });

  it('a node missing a block of the orderer log halts, is reported, and writes still return', async () => {
    net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    const alice = await net.identity('coord', 'alice');
    await net.submit(alice, 'Put', ['a', '1']);
    await net.stopNode('health');
    // Enough blocks that block 2 lies before the log's tail: the start-up check reads its last
    // blocks, and opening indexes again from the block file a span lost among the last
    // LEVEL_SYNC_BLOCKS (a power loss), which a span deleted below them cannot be.
    const later = LEVEL_SYNC_BLOCKS + 2;
    for (let i = 0; i < later; i++) await net.submit(alice, 'Put', [`k${i}`, 'v']);
    await net.settle();
    await net.close();
    // Block 2 disappears from the orderer's log; health has not committed it yet.
    const log = new Level<string, unknown>(path.join(dir, 'orderer', 'blocks'), {
      valueEncoding: 'json',
    });
    await log.del(logSpanKey(2));
    await log.close();

    net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    const health = net.nodeStates().find((s) => s.id === 'health');
    expect(health).toMatchObject({ running: true, height: 2 });
    expect(health?.halted).toMatch(/block 2 is missing from the orderer's log/);
    // A write by the halted node's department is answered by another node, promptly.
    const bob = await net.identity('health', 'bob');
    const started = performance.now();
    await expect(net.submit(bob, 'Put', ['after', 'halt'])).resolves.toMatchObject({
      blockNumber: later + 1,
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    const report = await net.verify();
    expect(report.ok).toBe(false);
    expect(report.divergences).toContainEqual(
      expect.objectContaining({ node: 'orderer', height: 2 }),
    );
    expect(report.divergences).toContainEqual(expect.objectContaining({ node: 'health' }));
  });

  it('a write whose department node is behind fails with COMMIT_TIMEOUT within its deadline; others are not held up', async () => {
    net = await openTestNetwork(dir, { commitTimeoutMs: 300 });
    const network = net;
    const alice = await network.identity('coord', 'alice');
    const bob = await network.identity('health', 'bob');
    await network.submit(alice, 'Put', ['a', '1']);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // health commits nothing until released: a node stuck behind, not halted.
    const paused = network.node('health').withCommitsPaused(() => held);
    try {
      const started = performance.now();
      const err = await network.submit(bob, 'Put', ['b', '2']).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(err).toMatchObject({ code: 'COMMIT_TIMEOUT' });
      expect((err as Error).message).toMatch(/node health has not committed block 1 within 300 ms/);
      // Another department's write returns as soon as its own node has committed it.
      await expect(network.submit(alice, 'Put', ['c', '3'])).resolves.toMatchObject({
        blockNumber: 2,
      });
      // A read through the stuck node would miss acknowledged writes: refused, within the deadline.
      await expect(network.evaluate(bob, 'Get', ['c'])).rejects.toMatchObject({
        code: 'NODE_BEHIND',
      });
    } finally {
      release();
      await paused;
    }
    await network.settle();
    expect(Buffer.from(await network.evaluate(bob, 'Get', ['b'])).toString()).toBe('2');
  });

  it('a failed orderer-log write acknowledges no later block and leaves no hole', async () => {
    net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    const network = net;
    const alice = await network.identity('coord', 'alice');
    await network.submit(alice, 'Put', ['a', '0']);
    const db = ordererDb(network);
    const batch = db.batch.bind(db);
    let failures = 1;
    db.batch = async (...args: unknown[]) => {
      // Slow enough that the blocks after it are cut and queued before it fails.
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (failures-- > 0) throw new Error('EIO: injected write failure');
      return batch(...args);
    };
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => network.submit(alice, 'Put', [`k${i}`, String(i)])),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The failed block and every block cut behind it are refused, none acknowledged.
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'ORDERER_WRITE_FAILED' });
    const acknowledged = results.filter((r) => r.status === 'fulfilled');
    // Ordering resumes at the log's tip: the next blocks follow block 0 without a gap.
    const next = await network.submit(alice, 'Put', ['after', 'failure']);
    expect(next.blockNumber).toBe(1 + acknowledged.length);
    await network.settle();
    for (let n = 0; n < network.orderer.height; n++)
      expect((await network.orderer.block(n))?.header.number).toBe(n);
    expect((await network.verify()).ok).toBe(true);
  });

  it('close releases every lock, also after an orderer-log write failed', async () => {
    net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    const alice = await net.identity('coord', 'alice');
    ordererDb(net).batch = () => Promise.reject(new Error('ENOSPC: injected'));
    await expect(net.submit(alice, 'Put', ['k', 'v'])).rejects.toMatchObject({
      code: 'ORDERER_WRITE_FAILED',
    });
    await net.close();
    net = await openTestNetwork(dir);
    expect(net.orderer.height).toBe(0);
  });

  it('the start-up check halts a node whose tip does not hold up, before it serves', async () => {
    net = await openTestNetwork(dir);
    const alice = await net.identity('coord', 'alice');
    for (let i = 0; i < 3; i++) await net.submit(alice, 'Put', [`k${i}`, 'v']);
    await net.settle();
    await net.close();
    const db = new Level<string, unknown>(path.join(dir, 'departments', 'amr', 'ledger'), {
      valueEncoding: 'json',
    });
    const meta = db.sublevel<string, Record<string, unknown>>('meta', { valueEncoding: 'json' });
    const tip = await meta.get('tip');
    await meta.put('tip', { ...tip, commitHash: '0'.repeat(64) });
    await db.close();
    net = await openTestNetwork(dir);
    const amr = net.nodeStates().find((s) => s.id === 'amr');
    expect(amr?.halted).toMatch(/^start-up check: the recorded tip does not match block \d+/);
    expect(net.nodeStates().filter((s) => s.halted !== undefined)).toHaveLength(1);
  });

  it('the start-up check refuses an orderer log whose last block was altered', async () => {
    net = await openTestNetwork(dir);
    const alice = await net.identity('coord', 'alice');
    for (let i = 0; i < 3; i++) await net.submit(alice, 'Put', [`k${i}`, 'v']);
    const last = net.orderer.height - 1;
    await net.close();
    net = undefined;
    // Rewritten as a forger with the disk would: appended to the block file, its span moved there.
    const logDir = path.join(dir, 'orderer', 'blocks');
    const log = new Level<string, BlockSpan>(logDir, { valueEncoding: 'json' });
    const span = await log.get(logSpanKey(last));
    if (!span) throw new Error(`no block ${last}`);
    const file = await BlockFile.open(logDir, spanEnd(span));
    const block = parseJson(await file.read(span, last)) as { header: { timestamp: number } };
    block.header.timestamp += 1;
    const [forged] = await file.write([canonicalBytes(block)], true);
    await file.close();
    await log.put(logSpanKey(last), forged as BlockSpan);
    await log.close();
    const err = await openTestNetwork(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORDERER_LOG_CORRUPT' });
    expect((err as Error).message).toMatch(new RegExp(`block ${last} is not the block`));
  });
});
