import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SigningIdentity } from '../../network/embedded/identity.js';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import type { BlockRecord } from '../../network/embedded/store.js';
import { openTestNetwork, tempDir } from './helpers.js';

/** Flips one character of a string (staying within the base64/hex alphabet so JSON stays valid). */
const flip = (s: string, at: number): string =>
  s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);

describe('verify and repair', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let net: EmbeddedNetwork;
  let alice: SigningIdentity;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    net = await openTestNetwork(dir);
    alice = await net.identity('coord', 'alice');
    for (let i = 0; i < 6; i++) await net.submit(alice, 'Put', [`key${i}`, `value-${i}`]);
    await net.settle();
  });
  afterEach(async () => {
    await net.close();
    await cleanup();
  });

  /** Rewrites the first entry of one part of a stopped node's database, then restarts it. */
  const tamperStopped = async (
    id: string,
    part: 'history' | 'txids',
    change: (value: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<string> => {
    const node = net.node(id);
    await node.stop();
    const db = new Level<string, unknown>(node.location, { valueEncoding: 'json' });
    const sub = db.sublevel<string, Record<string, unknown>>(part, { valueEncoding: 'json' });
    const [first] = await sub.iterator({ limit: 1 }).all();
    if (!first) throw new Error(`no ${part} entry`);
    await sub.put(first[0], change(first[1]));
    await db.close();
    await node.start();
    return first[0];
  };

  const hashes = (): Record<string, string> =>
    Object.fromEntries(net.nodeStates().map((s) => [s.id, `${s.height}/${s.commitHash}`]));

  it('verifies a healthy network', async () => {
    const report = await net.verify();
    expect(report.ok).toBe(true);
    expect(report.checkedBlocks).toBe(net.orderer.height * net.nodes.length);
  });

  it('names the node and key whose state value was corrupted, and repair restores it', async () => {
    const store = net.node('amr').ledger();
    const stored = (await store.rawState('key3')) as { v: string };
    await store.putRawState('key3', { ...stored, v: flip(stored.v, 2) });
    const before = hashes();
    const report = await net.verify();
    expect(report.ok).toBe(false);
    expect(report.divergences).toEqual([
      {
        node: 'amr',
        height: net.orderer.height,
        key: 'key3',
        reason: 'state value differs from the blocks',
      },
    ]);
    await net.repairNode('amr');
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
    expect(hashes()).toEqual(before);
    expect(Buffer.from((await net.node('amr').ledger().get('key3'))?.value ?? []).toString()).toBe(
      'value-3',
    );
  });

  it('names the node and height of a corrupted block, and repair restores agreement', async () => {
    const store = net.node('psb').ledger();
    const record = (await store.blockRecord(2)) as BlockRecord;
    const tx = record.block.transactions[0];
    if (!tx) throw new Error('block 2 is empty');
    const tampered = structuredClone(record);
    const ttx = tampered.block.transactions[0];
    if (!ttx) throw new Error('unreachable');
    ttx.clientSignature = flip(tx.clientSignature, 10);
    await store.putRawBlock(2, tampered);
    const untouched = { coord: hashes().coord, amr: hashes().amr, health: hashes().health };
    const report = await net.verify();
    expect(report.ok).toBe(false);
    expect(report.divergences).toHaveLength(1);
    expect(report.divergences[0]).toMatchObject({ node: 'psb', height: 2 });
    expect(report.divergences[0]?.reason).toMatch(/dataHash/);
    await net.repairNode('psb');
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
    const after = hashes();
    expect({ coord: after.coord, amr: after.amr, health: after.health }).toEqual(untouched);
    expect(after.psb).toBe(after.coord);
  });

  it('names a node whose commit hash chain disagrees', async () => {
    const store = net.node('health').ledger();
    const record = (await store.blockRecord(4)) as BlockRecord;
    await store.putRawBlock(4, { ...record, codes: record.codes.map(() => 'MVCC_READ_CONFLICT') });
    const report = await net.verify();
    expect(report.divergences[0]).toMatchObject({ node: 'health', height: 4 });
    expect(report.divergences[0]?.reason).toMatch(/commit hash/);
  });

  it('names the node and key whose history entry was corrupted, and repair restores it', async () => {
    const before = hashes();
    const at = await tamperStopped('amr', 'history', (h) => ({ ...h, v: flip(h.v as string, 2) }));
    const report = await net.verify();
    expect(report.divergences).toEqual([
      {
        node: 'amr',
        height: net.orderer.height,
        key: at.slice(0, at.indexOf('\u0000')),
        reason: 'history entry differs from the blocks',
      },
    ]);
    await net.repairNode('amr');
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
    expect(hashes()).toEqual(before);
  });

  it('names the node whose transaction index was corrupted', async () => {
    const txId = await tamperStopped('coord', 'txids', (t) => ({ ...t, code: 'VALID', index: 7 }));
    const report = await net.verify();
    expect(report.divergences).toEqual([
      {
        node: 'coord',
        height: net.orderer.height,
        key: txId,
        reason: 'transaction index entry differs from the blocks',
      },
    ]);
  });

  it('names a node that halted: its stored ledger is sound but it no longer commits', async () => {
    const node = net.node('health');
    node.halted = new Error('block 6: orderer signature does not verify');
    const report = await net.verify();
    expect(report.divergences).toEqual([
      {
        node: 'health',
        height: node.tip.height,
        reason: 'halted: block 6: orderer signature does not verify',
      },
    ]);
    await net.repairNode('health');
    expect((await net.verify()).ok).toBe(true);
  });

  it('keeps other nodes running while one node is deleted and rebuilt', async () => {
    await net.repairNode('coord');
    await net.submit(alice, 'Put', ['after', 'repair']);
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
    expect(new Set(net.nodeStates().map((s) => s.commitHash)).size).toBe(1);
  });
});
