/**
 * The block files (network/embedded/block-file.ts) at every point a crash can leave them: a block
 * written and fsynced whose level batch never ran (kept, and indexed again: see also
 * tests/reliability/unindexed-block.test.ts, which kills a process at that point), a torn last
 * record, level naming more of the file than the disk kept, a level batch a power loss took below
 * the tip (the orderer's spans indexed again from its file, a node's ledger rebuilt from its own
 * file, each only where the file proves the chain), and a migration from the previous format
 * interrupted part-way. Each must come back at a consistent height with nothing committed lost,
 * or be refused naming the ledger and the block.
 */
import { open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalBytes, parseJson } from '@shulian/chaincode/canonical';
import { ValidationCode, type Block } from '@shulian/proof/formats/embedded';
import {
  BLOCK_FILE,
  BlockFile,
  spanEnd,
  type BlockSpan,
} from '../../network/embedded/block-file.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { blockKey, LedgerStore } from '../../network/embedded/store.js';
import {
  openSettledWithWarnings,
  warningsDuring,
  levelData,
  loseNodeBatch,
  openTestNetwork,
  tempDir,
} from './helpers.js';

const BLOCKS = 6;
const DEPARTMENTS = ['coord', 'psb', 'amr', 'health'];
const options = { batch: { maxMessageCount: 1, timeoutMs: 5 } };

const nodeLedger = (dir: string, id: string): string => path.join(dir, 'departments', id, 'ledger');
const ordererLog = (dir: string): string => path.join(dir, 'orderer', 'blocks');
const sizeOf = async (file: string): Promise<number> => (await stat(file)).size;

/** Appends bytes to a file, as a write the process died in the middle of would leave them. */
async function appendRaw(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'a');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Appends a whole, fsynced frame past the indexed end, as a crash before the level batch leaves it. */
async function appendFrame(dir: string, indexedEnd: number, bytes: Uint8Array): Promise<void> {
  const file = await BlockFile.open(dir, indexedEnd);
  try {
    await file.write([bytes], true);
  } finally {
    await file.close();
  }
}

/**
 * Turns a closed network's ledgers back into the previous format (whole blocks as JSON in level,
 * no block file) from block `from` on: from 0 a data dir as the previous version left it, above 0
 * one whose migration stopped after block `from - 1`.
 */
async function toPreviousFormat(dir: string, from = 0): Promise<void> {
  for (const id of DEPARTMENTS) {
    const location = nodeLedger(dir, id);
    const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
    const spans = db.sublevel<string, unknown>('spans', { valueEncoding: 'json' });
    const blocks = db.sublevel<string, unknown>('blocks', { valueEncoding: 'json' });
    const stored = (await spans.iterator().all()) as [string, BlockSpan & object][];
    const file = await BlockFile.open(
      location,
      spanEnd(stored[stored.length - 1]?.[1] as BlockSpan),
    );
    for (const [key, value] of stored.slice(from)) {
      const { o, l, ...record } = value as BlockSpan & Record<string, unknown>;
      const block = parseJson(await file.read({ o, l }, parseInt(key, 16)));
      await blocks.put(key, { block, ...record });
      await spans.del(key);
    }
    await file.close();
    await db.close();
    const kept = stored[from - 1]?.[1];
    await cutTo(path.join(location, BLOCK_FILE), kept ? spanEnd(kept) : 0);
  }
  const location = ordererLog(dir);
  const log = new Level<string, unknown>(location, { valueEncoding: 'json' });
  const stored = (await log.iterator({ gte: 's', lt: 't' }).all()) as [string, BlockSpan][];
  const file = await BlockFile.open(location, spanEnd(stored[stored.length - 1]?.[1] as BlockSpan));
  for (const [key, span] of stored.slice(from)) {
    const n = parseInt(key.slice(1), 16);
    await log.put(`b${blockKey(n)}`, parseJson(await file.read(span, n)));
    await log.del(key);
  }
  await file.close();
  await log.close();
  const kept = stored[from - 1]?.[1];
  await cutTo(path.join(location, BLOCK_FILE), kept ? spanEnd(kept) : 0);
}

async function cutTo(file: string, size: number): Promise<void> {
  if (size === 0) return rm(file);
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/** Writes a frame's payload at its span, with `crc` (the payload's own by default). */
async function writeFrame(
  file: string,
  span: BlockSpan,
  payload: Buffer,
  crc = crc32(payload),
): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc, 4);
    await handle.write(Buffer.concat([header, payload]), 0, 8 + payload.length, span.o);
  } finally {
    await handle.close();
  }
}

/**
 * Changes the block at `span` in place, keeping its length: its timestamp's last digit, with the
 * frame's CRC left as it was (`checksum`: a damaged frame) or recomputed (`chain`: a whole frame
 * of another block, to which the next one does not chain). Returns the original payload.
 */
async function rewriteFrame(
  file: string,
  span: BlockSpan,
  how: 'checksum' | 'chain',
): Promise<Buffer> {
  const handle = await open(file, 'r');
  const original = Buffer.alloc(span.l);
  try {
    await handle.read(original, 0, span.l, span.o + 8);
  } finally {
    await handle.close();
  }
  const text = original.toString('latin1');
  const at = /"timestamp":\d+/.exec(text);
  if (!at) throw new Error('no timestamp in the block');
  const digit = at.index + at[0].length - 1;
  const changed = Buffer.from(original);
  changed[digit] = 0x30 + ((Number(text[digit]) + 1) % 10);
  await writeFrame(file, span, changed, how === 'chain' ? crc32(changed) : crc32(original));
  return original;
}

describe('a block file', () => {
  it('writes more blocks in one call than one system call takes, and reads each back', async () => {
    const { dir, cleanup } = await tempDir('shulian-blockfile-');
    try {
      const file = await BlockFile.open(dir, 0);
      const blocks = Array.from({ length: 3000 }, (_, i) => Buffer.from(`{"block":${i}}`));
      const spans = await file.write(blocks, true);
      file.indexed(spans[spans.length - 1] as BlockSpan);
      for (const [i, span] of spans.entries())
        expect(Buffer.from(await file.read(span, i)).toString()).toBe(`{"block":${i}}`);
      expect(await sizeOf(path.join(dir, BLOCK_FILE))).toBe(spanEnd(spans[2999] as BlockSpan));
      await file.close();
    } finally {
      await cleanup();
    }
  });

  it('keeps whole frames past the indexed end, cuts a torn one and all after it, and takes kept blocks as they are', async () => {
    const { dir, cleanup } = await tempDir('shulian-blockfile-');
    try {
      const location = path.join(dir, BLOCK_FILE);
      const blocks = [0, 1, 2].map((i) => Buffer.from(`{"block":${i}}`));
      const first = await BlockFile.open(dir, 0);
      const spans = await first.write(blocks, true);
      await first.close();
      // A crash took the batch indexing blocks 1 and 2, and tore the write after them.
      const indexedEnd = spanEnd(spans[0] as BlockSpan);
      const torn = Buffer.alloc(8 + 4);
      torn.writeUInt32BE(4, 0);
      torn.writeUInt32BE(12345, 4);
      await appendRaw(location, torn);
      const file = await BlockFile.open(dir, indexedEnd);
      expect(file.unindexed).toEqual(spans.slice(1));
      expect(await sizeOf(location)).toBe(spanEnd(spans[2] as BlockSpan));
      // Another block in a kept block's place is refused; the same bytes are taken unwritten.
      await expect(file.write([Buffer.from('{"block":9}')], true)).rejects.toThrow(
        /holds another block at offset/,
      );
      expect(await file.write([blocks[1] as Buffer], true)).toEqual([spans[1]]);
      file.indexed(spans[1] as BlockSpan);
      expect(file.unindexed).toEqual([spans[2]]);
      // A new block goes past the last kept one; a failed batch's block is cut off again.
      const [next] = await file.write([blocks[2] as Buffer, Buffer.from('{"block":3}')], true);
      expect(next).toEqual(spans[2]);
      await file.discard();
      expect(await sizeOf(location)).toBe(spanEnd(spans[2] as BlockSpan));
      await file.close();
    } finally {
      await cleanup();
    }
  });
});

describe('block files: every crash point comes back consistent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork | undefined;
  const txIds: string[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('shulian-blockfile-'));
    net = await openTestNetwork(dir, options);
    const alice = await net.identity('coord', 'alice');
    txIds.length = 0;
    for (let i = 0; i < BLOCKS; i++)
      txIds.push((await net.submit(alice, 'Put', [`key${i}`, `value-${i}`])).txId);
    await net.settle();
  });
  afterEach(async () => {
    await net?.close();
    net = undefined;
    await cleanup();
  });

  /**
   * Reopens the network; every transaction acknowledged before is there, valid, the next block is
   * block `height`, and it verifies.
   */
  const reopenAndCheck = async (height = BLOCKS): Promise<EmbeddedNetwork> => {
    net = await openTestNetwork(dir, options);
    await net.settle();
    for (const txId of txIds) {
      const { record, index } = await net.findTransaction(txId);
      expect(record.codes[index]).toBe(ValidationCode.VALID);
    }
    const alice = await net.identity('coord', 'alice');
    const next = await net.submit(alice, 'Put', ['after', 'restart']);
    expect(next.blockNumber).toBe(height);
    await net.settle();
    expect((await net.verify()).divergences).toEqual([]);
    return net;
  };

  it('stores the canonical bytes of each block, written once by the orderer for every ledger', async () => {
    const live = net as EmbeddedNetwork;
    const block = (await live.orderer.block(BLOCKS - 1)) as Block;
    const span = (await live.orderer.blockSpan(BLOCKS - 1)) as BlockSpan;
    expect(span.l).toBe(canonicalBytes(structuredClone(block)).length);
    const stored = await live.orderer.storedBlock(BLOCKS - 1);
    expect(canonicalBytes(stored)).toEqual(canonicalBytes(structuredClone(block)));
    for (const id of DEPARTMENTS)
      expect(
        await live
          .node(id)
          .ledger()
          .blockSpan(BLOCKS - 1),
      ).toEqual(span);
  });

  it("a whole frame past a node's tip that is not its next block halts the node, and repair restores it", async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live
      .node('amr')
      .ledger()
      .blockSpan(BLOCKS - 1)) as BlockSpan;
    const again = canonicalBytes(await live.orderer.storedBlock(BLOCKS - 1));
    await live.close();
    await appendFrame(nodeLedger(dir, 'amr'), spanEnd(span), again);
    net = await openTestNetwork(dir, options);
    expect(net.nodeStates().find((s) => s.id === 'amr')?.halted).toMatch(
      new RegExp(`expected block ${BLOCKS}, got ${BLOCKS - 1}`),
    );
    await net.repairNode('amr');
    await net.settle();
    await net.close();
    const reopened = await reopenAndCheck();
    expect((await reopened.node('amr').ledger().blockSpan(BLOCKS))?.o).toBe(spanEnd(span));
  });

  it("a whole frame past the orderer's tip that is not its next block is refused, naming it", async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live.orderer.blockSpan(BLOCKS - 1)) as BlockSpan;
    const last = canonicalBytes(await live.orderer.storedBlock(BLOCKS - 1));
    await live.close();
    net = undefined;
    await appendFrame(ordererLog(dir), spanEnd(span), last);
    const err = await openTestNetwork(dir, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORDERER_LOG_CORRUPT' });
    expect((err as Error).message).toMatch(
      new RegExp(`past block ${BLOCKS - 1}, a block that is not block ${BLOCKS} chained to it`),
    );
  });

  it('a failed level batch after the block file write is cut off the file: nothing is committed, across a restart', async () => {
    const live = net as EmbeddedNetwork;
    const db = (live.orderer as unknown as { db: { batch: (...args: unknown[]) => unknown } }).db;
    const batch = db.batch.bind(db);
    db.batch = () => Promise.reject(new Error('injected: the process dies here'));
    const alice = await live.identity('coord', 'alice');
    await expect(live.submit(alice, 'Put', ['lost', 'x'])).rejects.toMatchObject({
      code: 'ORDERER_WRITE_FAILED',
    });
    db.batch = batch;
    expect(live.orderer.height).toBe(BLOCKS);
    await live.close();
    await reopenAndCheck();
  });

  it("a node's level batch lost below the tip (a power loss) is rebuilt from the node's own block file, to the state of its peers", async () => {
    const live = net as EmbeddedNetwork;
    const alice = await live.identity('coord', 'alice');
    // A later block writes key2 again: block 2 applied alone over it would put the old value back.
    await live.submit(alice, 'Put', ['key2', 'later']);
    await live.settle();
    const file = path.join(nodeLedger(dir, 'amr'), BLOCK_FILE);
    const fileSize = await sizeOf(file);
    await live.close();
    expect(await loseNodeBatch(nodeLedger(dir, 'amr'), 2)).toBeGreaterThanOrEqual(3);
    const warnings = await openSettledWithWarnings(dir, options);
    net = warnings.result;
    const states = net.nodeStates();
    expect(states.find((s) => s.id === 'amr')?.halted).toBeUndefined();
    expect(new Set(states.map((s) => `${s.height}/${s.commitHash}`))).toEqual(
      new Set([`${BLOCKS + 1}/${states[0]?.commitHash}`]),
    );
    expect(await levelData(net.node('amr'))).toEqual(await levelData(net.node('psb')));
    // The block file was replayed as it is, not written again.
    expect(await sizeOf(file)).toBe(fileSize);
    expect(warnings.seen).toContainEqual({
      code: 'SHULIAN_NODE_REBUILDING',
      message: expect.stringMatching(
        new RegExp(
          `^node amr: the commit of one of blocks 0 to ${BLOCKS} is missing below the tip .*\\(${BLOCKS + 1} blocks to validate`,
        ),
      ) as unknown,
    });
    expect(warnings.seen).toContainEqual({
      code: 'SHULIAN_NODE_REPAIRED',
      message: expect.stringMatching(/^node amr was repaired: .*missing below the tip/) as unknown,
    });
    await net.close();
    await reopenAndCheck(BLOCKS + 1);
    expect(await levelData(net.node('amr'))).toEqual(await levelData(net.node('psb')));
  });

  it('a rebuild interrupted once recorded or once level is cleared resumes on the next open; one that does not come back to the tip it replaces halts', async () => {
    await (net as EmbeddedNetwork).close();
    const amr = nodeLedger(dir, 'amr');
    await loseNodeBatch(amr, 2);
    // The process died right after recording the rebuild, before clearing anything.
    const lost = await LedgerStore.open(amr);
    const tip = lost.tip;
    await lost.markRebuild('a test: the rebuild was recorded');
    await lost.close();
    // Then after clearing level, before replaying a block.
    const cleared = await LedgerStore.open(amr);
    expect(cleared.tip.height).toBe(0);
    expect(cleared.unindexed).toBe(BLOCKS);
    expect(cleared.rebuilding).toEqual({
      tip,
      reason: 'a test: the rebuild was recorded',
      cleared: true,
    });
    await cleared.close();
    const warnings = await openSettledWithWarnings(dir, options);
    net = warnings.result;
    const rebuilt = net.nodeStates().find((s) => s.id === 'amr');
    expect(rebuilt?.halted).toBeUndefined();
    expect(rebuilt).toMatchObject({ height: BLOCKS, commitHash: tip.commitHash });
    expect(await levelData(net.node('amr'))).toEqual(await levelData(net.node('psb')));
    expect(warnings.seen).toContainEqual({
      code: 'SHULIAN_NODE_REPAIRED',
      message: `node amr was repaired: a test: the rebuild was recorded; its ledger was rebuilt from its own block file, ${BLOCKS} blocks validated and applied again to the commit hash it had`,
    });
    await net.close();
    net = undefined;
    // A rebuild must reach the commit hash of the ledger it replaces, or the node halts there.
    const db = new Level<string, unknown>(amr, { valueEncoding: 'json' });
    await db.sublevel<string, unknown>('meta', { valueEncoding: 'json' }).put('rebuild', {
      tip: { ...tip, commitHash: 'f'.repeat(64) },
      reason: 'a test',
      cleared: false,
    });
    await db.close();
    net = await openTestNetwork(dir, options);
    expect(net.nodeStates().find((s) => s.id === 'amr')).toMatchObject({
      height: BLOCKS - 1,
      halted: expect.stringMatching(
        new RegExp(
          `^rebuilding from its block file, block ${BLOCKS - 1} was validated to commit hash ${tip.commitHash}, but the ledger it replaces had f{64}`,
        ),
      ) as unknown,
    });
    await net.repairNode('amr');
    await net.settle();
    await net.close();
    await reopenAndCheck();
  });

  it("an orderer's span lost below the tip (a power loss) is indexed again from its block file", async () => {
    const live = net as EmbeddedNetwork;
    const lost = [1, 2, BLOCKS - 1];
    const spans = await Promise.all(lost.map((n) => live.orderer.blockSpan(n)));
    await live.close();
    net = undefined;
    const log = new Level<string, unknown>(ordererLog(dir), { valueEncoding: 'json' });
    await log.batch(lost.map((n) => ({ type: 'del', key: logSpanKey(n) })));
    await log.close();
    const warnings = await warningsDuring(() => openTestNetwork(dir, options));
    const reopened = warnings.result;
    net = reopened;
    expect(reopened.orderer.height).toBe(BLOCKS);
    expect(await Promise.all(lost.map((n) => reopened.orderer.blockSpan(n)))).toEqual(spans);
    expect(warnings.seen).toEqual([
      {
        code: 'SHULIAN_ORDERER_REPAIRED',
        message: expect.stringMatching(
          new RegExp(`index of block\\(s\\) ${lost.join(', ')} was missing below the tip`),
        ) as unknown,
      },
    ]);
    await net.close();
    await reopenAndCheck();
  });

  it("a span lost below the orderer's tip is not indexed again from a frame that fails its checksum or does not chain", async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live.orderer.blockSpan(3)) as BlockSpan;
    await live.close();
    net = undefined;
    const log = new Level<string, unknown>(ordererLog(dir), { valueEncoding: 'json' });
    await log.del(logSpanKey(2));
    await log.close();
    const file = path.join(ordererLog(dir), BLOCK_FILE);
    const original = await rewriteFrame(file, span, 'checksum');
    let err = await openTestNetwork(dir, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORDERER_LOG_CORRUPT' });
    expect((err as Error).message).toMatch(new RegExp(`is damaged at offset ${span.o}`));
    await rewriteFrame(file, span, 'chain');
    err = await openTestNetwork(dir, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORDERER_LOG_CORRUPT' });
    expect((err as Error).message).toMatch(
      /past block 3, a block that is not block 4 chained to it/,
    );
    // Nothing was indexed from the file that did not prove it; put right, it does.
    await writeFrame(file, span, original);
    await reopenAndCheck();
  });

  it("a node's lost level batch is not rebuilt from a frame that fails its checksum or does not chain: the node halts, its ledger as it was", async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live.node('amr').ledger().blockSpan(3)) as BlockSpan;
    const last = await live
      .node('amr')
      .ledger()
      .blockSpan(BLOCKS - 1);
    await live.close();
    for (const id of ['amr', 'health']) await loseNodeBatch(nodeLedger(dir, id), 2);
    await rewriteFrame(path.join(nodeLedger(dir, 'amr'), BLOCK_FILE), span, 'checksum');
    await rewriteFrame(path.join(nodeLedger(dir, 'health'), BLOCK_FILE), span, 'chain');
    net = await openTestNetwork(dir, options);
    const lost = `^start-up check: the commit of one of blocks 0 to ${BLOCKS - 1} is missing below the tip .*, and the block file cannot rebuild the node: the block file \\S+ `;
    const states = net.nodeStates();
    expect(states.find((s) => s.id === 'amr')?.halted).toMatch(
      new RegExp(`${lost}is damaged at offset ${span.o}`),
    );
    expect(states.find((s) => s.id === 'health')?.halted).toMatch(
      new RegExp(`${lost}holds, past block 3, a block that is not block 4 chained to it`),
    );
    for (const id of ['amr', 'health']) {
      expect(states.find((s) => s.id === id)?.height).toBe(BLOCKS);
      expect(
        await net
          .node(id)
          .ledger()
          .blockSpan(BLOCKS - 1),
      ).toEqual(last);
    }
    // Repair (from the orderer's log) brings both back.
    for (const id of ['amr', 'health']) await net.repairNode(id);
    await net.settle();
    await net.close();
    await reopenAndCheck();
  });

  it('a torn last record in every block file is cut off on open', async () => {
    const live = net as EmbeddedNetwork;
    const torn = canonicalBytes(await live.orderer.storedBlock(2)).subarray(0, 100);
    await live.close();
    for (const location of [...DEPARTMENTS.map((id) => nodeLedger(dir, id)), ordererLog(dir)]) {
      // A frame header promising more bytes than were written, then part of a block.
      const header = Buffer.alloc(8);
      header.writeUInt32BE(5000, 0);
      await appendRaw(path.join(location, BLOCK_FILE), Buffer.concat([header, torn]));
    }
    await reopenAndCheck();
  });

  it('a node whose block file lost committed blocks halts naming the block, and repair restores it', async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live
      .node('health')
      .ledger()
      .blockSpan(BLOCKS - 1)) as BlockSpan;
    await live.close();
    await cutTo(path.join(nodeLedger(dir, 'health'), BLOCK_FILE), span.o + 20);
    net = await openTestNetwork(dir, options);
    const health = net.nodeStates().find((s) => s.id === 'health');
    expect(health?.halted).toMatch(
      new RegExp(`block ${BLOCKS - 1} is cut short in the block file`),
    );
    await net.repairNode('health');
    await net.settle();
    await net.close();
    await reopenAndCheck();
  });

  it('an orderer whose block file lost committed blocks is refused, naming the block', async () => {
    const live = net as EmbeddedNetwork;
    const span = (await live.orderer.blockSpan(BLOCKS - 1)) as BlockSpan;
    await live.close();
    net = undefined;
    await cutTo(path.join(ordererLog(dir), BLOCK_FILE), span.o + 20);
    const err = await openTestNetwork(dir, options).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORDERER_LOG_CORRUPT' });
    expect((err as Error).message).toMatch(
      new RegExp(`block ${BLOCKS - 1} is cut short in the block file`),
    );
  });

  it('a data dir of the previous format (blocks as JSON in level) is migrated on open', async () => {
    await (net as EmbeddedNetwork).close();
    await toPreviousFormat(dir);
    await reopenAndCheck();
    await (net as EmbeddedNetwork).close();
    net = undefined;
    // Nothing of the previous format is left behind.
    const log = new Level<string, unknown>(ordererLog(dir), { valueEncoding: 'json' });
    expect(await log.keys({ gte: 'b', lt: 'c' }).all()).toEqual([]);
    expect(await log.get(logSpanKey(BLOCKS))).toBeDefined();
    await log.close();
    for (const id of DEPARTMENTS) {
      const db = new Level<string, unknown>(nodeLedger(dir, id), { valueEncoding: 'json' });
      const blocks = db.sublevel<string, unknown>('blocks', { valueEncoding: 'json' });
      expect(await blocks.keys().all()).toEqual([]);
      await db.close();
    }
  });

  it('a migration interrupted part-way (torn tail included) resumes on the next open', async () => {
    await (net as EmbeddedNetwork).close();
    await toPreviousFormat(dir, 3);
    for (const location of [...DEPARTMENTS.map((id) => nodeLedger(dir, id)), ordererLog(dir)])
      await appendRaw(path.join(location, BLOCK_FILE), Buffer.from('torn by the crash'));
    await reopenAndCheck();
  });
});
