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

  it('keeps other nodes running while one node is deleted and rebuilt', async () => {
    await net.repairNode('coord');
    await net.submit(alice, 'Put', ['after', 'repair']);
    await net.settle();
    expect((await net.verify()).ok).toBe(true);
    expect(new Set(net.nodeStates().map((s) => s.commitHash)).size).toBe(1);
  });
});
