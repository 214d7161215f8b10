/**
 * The engine's tamper matrix: each kind of stored data a node or the orderer trusts is altered,
 * and verification must name the place (node, height, key). Nodes are judged against the
 * orderer-signed blocks, not by majority: forged nodes are named however many agree.
 */
import { open } from 'node:fs/promises';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Block } from '@shulian/proof/formats/embedded';
import { encodeHeader, encodeTransaction } from '@shulian/proof/formats/embedded';
import { signWith } from '../../network/embedded/identity.js';
import { merkleRoot } from '../../network/embedded/merkle.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import type { BlockRecord } from '../../network/embedded/store.js';
import { headerHash } from '../../network/embedded/validator.js';
import { openTestNetwork, tempDir } from './helpers.js';

const BLOCKS = 8;
const sublevelOf = (db: Level<string, unknown>, part: string) =>
  db.sublevel<string, unknown>(part, { valueEncoding: 'json' });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Flips one bit of the byte in the middle of a block's bytes in a block file, as bit rot would. */
async function flipMiddleByte(file: string, span: { o: number; l: number } | undefined) {
  if (!span) throw new Error('no such block');
  const at = span.o + 8 + Math.floor(span.l / 2);
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = (byte[0] as number) ^ 0x01;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

describe('tamper matrix: verify names the place', () => {
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('shulian-tamper-'));
    net = await openTestNetwork(dir, { batch: { maxMessageCount: 1, timeoutMs: 5 } });
    const alice = await net.identity('coord', 'alice');
    for (let i = 0; i < BLOCKS; i++) await net.submit(alice, 'Put', [`key${i}`, `value-${i}`]);
    await net.settle();
    // A first run leaves a checkpoint, as an operator's earlier verification would.
    expect((await net.verify()).ok).toBe(true);
  });
  afterEach(async () => {
    await net.close();
    await cleanup();
  });

  /** Rewrites one sublevel entry of a stopped node's database, then restarts the node. */
  const tamperStopped = async (
    id: string,
    part: string,
    change: (db: ReturnType<typeof sublevelOf>) => Promise<void>,
  ): Promise<void> => {
    const node = net.node(id);
    await node.stop();
    const db = new Level<string, unknown>(node.location, { valueEncoding: 'json' });
    await change(sublevelOf(db, part));
    await db.close();
    await node.start();
  };
  const forgeValue = async (id: string, key: string, value: string): Promise<void> => {
    const store = net.node(id).ledger();
    const stored = (await store.rawState(key)) as Record<string, unknown>;
    await store.putRawState(key, { ...stored, v: b64(value) });
  };
  const storedBlock = async (n: number): Promise<Block> =>
    structuredClone((await net.orderer.storedBlock(n)) as Block);

  it('a state value', async () => {
    await forgeValue('amr', 'key3', 'forged');
    expect((await net.verify()).divergences).toEqual([
      { node: 'amr', height: BLOCKS, key: 'key3', reason: 'state value differs from the blocks' },
    ]);
  });

  it('a state key (renamed)', async () => {
    await tamperStopped('psb', 'state', async (state) => {
      const value = await state.get('key5');
      await state.batch([
        { type: 'del', key: 'key5' },
        { type: 'put', key: 'key5x', value },
      ]);
    });
    expect((await net.verify()).divergences).toEqual([
      {
        node: 'psb',
        height: BLOCKS,
        // The first difference in key order: key5 is gone before key5x appears.
        key: 'key5',
        reason: 'state lacks a key the blocks wrote',
      },
    ]);
  });

  it('a block record', async () => {
    const store = net.node('health').ledger();
    const record = structuredClone((await store.blockRecord(2)) as BlockRecord);
    const write = record.block.transactions[0]?.payload.rwset.writes[0];
    if (!write) throw new Error('block 2 has no write');
    write.value = b64('forged');
    await store.putRawBlock(2, record);
    const [d, ...rest] = (await net.verify()).divergences;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ node: 'health', height: 2 });
    expect(d?.reason).toMatch(/dataHash/);
  });

  it("a byte flipped in a node's block file", async () => {
    const store = net.node('psb').ledger();
    await flipMiddleByte(store.blockFile, await store.blockSpan(3));
    const [d, ...rest] = (await net.verify()).divergences;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ node: 'psb', height: 3 });
    expect(d?.reason).toMatch(/block 3 is damaged in the block file/);
  });

  it('a validation code, with the commit hash recomputed to match', async () => {
    const store = net.node('coord').ledger();
    const record = (await store.blockRecord(BLOCKS - 1)) as BlockRecord;
    // A forger who also fixes the commit chain is still caught by re-validating the block.
    const { commitHash } = await import('../../network/embedded/validator.js');
    const previous = ((await store.blockRecord(BLOCKS - 2)) as BlockRecord).commitHash;
    const codes = record.codes.map(() => 'MVCC_READ_CONFLICT' as const);
    const forged = { ...record, codes, commitHash: commitHash(previous, record.block, codes) };
    await store.putRawBlock(BLOCKS - 1, forged);
    const [d] = (await net.verify()).divergences;
    expect(d).toMatchObject({ node: 'coord', height: BLOCKS - 1 });
    expect(d?.reason).toMatch(/validation codes differ from re-validating the orderer's block/);
  });

  it('a history entry', async () => {
    let at = '';
    await tamperStopped('amr', 'history', async (history) => {
      const [first] = await history.iterator({ limit: 1 }).all();
      if (!first) throw new Error('no history');
      at = String(first[0]);
      await history.put(at, { ...(first[1] as object), v: b64('forged') });
    });
    expect((await net.verify()).divergences).toEqual([
      {
        node: 'amr',
        height: BLOCKS,
        key: at.slice(0, at.indexOf('\u0000')),
        reason: 'history entry differs from the blocks',
      },
    ]);
  });

  it('a transaction index entry (deleted)', async () => {
    let txId = '';
    await tamperStopped('psb', 'txids', async (txids) => {
      const [first] = await txids.iterator({ limit: 1 }).all();
      if (!first) throw new Error('no index entry');
      txId = String(first[0]);
      await txids.del(txId);
    });
    expect((await net.verify()).divergences).toEqual([
      {
        node: 'psb',
        height: BLOCKS,
        key: txId,
        reason: 'transaction index entry missing: the blocks produce it',
      },
    ]);
  });

  it("an orderer block's write value edited", async () => {
    const block = await storedBlock(5);
    const write = block.transactions[0]?.payload.rwset.writes[0];
    if (!write) throw new Error('block 5 has no write');
    write.value = b64('forged');
    await net.orderer.tamperLog([{ type: 'put', n: 5, block }]);
    const [d, ...rest] = (await net.verify()).divergences;
    expect(d).toMatchObject({ node: 'orderer', height: 5 });
    expect(d?.reason).toMatch(/dataHash does not match/);
    // The nodes hold the signed block: none of them is blamed.
    expect(rest).toEqual([]);
  });

  it("a byte flipped in the orderer's block file", async () => {
    await flipMiddleByte(net.orderer.blockFile, await net.orderer.blockSpan(4));
    const [d, ...rest] = (await net.verify()).divergences;
    expect(d).toMatchObject({ node: 'orderer', height: 4 });
    expect(d?.reason).toMatch(/block 4 is damaged in the block file/);
    expect(rest).toEqual([]);
  });

  it('an orderer block deleted with the tip kept', async () => {
    await net.orderer.tamperLog([{ type: 'del', n: 3 }]);
    expect((await net.verify()).divergences).toEqual([
      { node: 'orderer', height: 3, reason: "block 3 is missing from the orderer's log" },
    ]);
  });

  it('the last orderer block deleted with the tip kept', async () => {
    await net.orderer.tamperLog([{ type: 'del', n: BLOCKS - 1 }]);
    expect((await net.verify()).divergences).toEqual([
      {
        node: 'orderer',
        height: BLOCKS - 1,
        reason: `block ${BLOCKS - 1} is missing from the orderer's log`,
      },
    ]);
  });

  it('orderer blocks reordered', async () => {
    const [b1, b2] = [await storedBlock(1), await storedBlock(2)];
    await net.orderer.tamperLog([
      { type: 'put', n: 1, block: b2 },
      { type: 'put', n: 2, block: b1 },
    ]);
    expect((await net.verify()).divergences).toEqual([
      { node: 'orderer', height: 1, reason: 'block 1 is stored as number 2' },
    ]);
  });

  it('an orderer block rewritten and re-signed with the orderer key after a verification', async () => {
    const n = BLOCKS - 1;
    const block = await storedBlock(n);
    const write = block.transactions[0]?.payload.rwset.writes[0];
    if (!write) throw new Error('no write');
    write.value = b64('forged');
    block.header.dataHash = merkleRoot(block.transactions.map(encodeTransaction));
    block.ordererSignature.signature = signWith(net.orderer.signer, encodeHeader(block.header));
    await net.orderer.tamperLog([
      { type: 'put', n, block },
      { type: 'tip', tip: { height: BLOCKS, lastHash: headerHash(block) } },
    ]);
    const [d] = (await net.verify()).divergences;
    expect(d).toEqual({
      node: 'orderer',
      height: n,
      reason: `block ${n} differs from the block verified earlier: the log was rewritten`,
    });
  });

  it('three of four nodes forged consistently: the three are named, not the honest one', async () => {
    for (const id of ['psb', 'amr', 'health']) await forgeValue(id, 'key2', 'forged');
    const named = (await net.verify()).divergences.map((d) => `${d.node}:${d.key}`).sort();
    expect(named).toEqual(['amr:key2', 'health:key2', 'psb:key2']);
  });

  it('two against two: the verdict names the forged pair whichever pair it is', async () => {
    for (const forged of [
      ['coord', 'psb'],
      ['amr', 'health'],
    ]) {
      for (const id of forged) await forgeValue(id, 'key1', 'forged');
      const named = (await net.verify()).divergences.map((d) => d.node).sort();
      expect(named).toEqual([...forged].sort());
      for (const id of forged) await net.repairNode(id);
      await net.settle();
    }
    expect((await net.verify()).ok).toBe(true);
  });

  it('a node left behind is named, compared up to its height', async () => {
    const alice = await net.identity('coord', 'alice');
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const paused = net.node('amr').withCommitsPaused(() => held);
    try {
      for (let i = 0; i < 4; i++) await net.submit(alice, 'Put', [`late${i}`, 'v']);
      const { divergences } = await net.verify();
      expect(divergences).toEqual([
        {
          node: 'amr',
          height: BLOCKS,
          reason: `behind: at height ${BLOCKS} while the orderer's log holds ${BLOCKS + 4} verified blocks`,
        },
      ]);
    } finally {
      release();
      await paused;
    }
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
  });
});
