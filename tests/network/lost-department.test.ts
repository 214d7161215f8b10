/**
 * Losing one department's folder no longer stops the network: its keys come back from the
 * department's backup and its node is rebuilt from the orderer's log; without a backup the other
 * departments serve while its node is reported down (DEPARTMENT_MATERIAL_LOST), and repair brings
 * it back once the backup is put back. A foreign CA in its place is refused.
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddedNetwork } from '../../network/embedded/network.js';
import { openTestNetwork, tempDir } from './helpers.js';

const LOST = 'health';
let dir: string;
let cleanup: () => Promise<void>;
let net: EmbeddedNetwork | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('shulian-lost-'));
  net = await openTestNetwork(dir);
  const alice = await net.identity('coord', 'alice');
  for (let i = 0; i < 6; i++) await net.submit(alice, 'Put', [`key${i}`, `value-${i}`]);
  await net.settle();
  await net.close();
  net = undefined;
});
afterEach(async () => {
  await net?.close();
  await cleanup();
});

const departmentDir = (id: string): string => path.join(dir, 'departments', id);
const backup = (id: string): string => path.join(dir, 'key-backups', id);

async function expectWhole(n: EmbeddedNetwork): Promise<void> {
  await n.settle();
  const states = n.nodeStates();
  expect(
    states.every((s) => s.running && s.halted === undefined && s.height === n.orderer.height),
    JSON.stringify(states),
  ).toBe(true);
  expect(await n.verify()).toMatchObject({ ok: true, divergences: [] });
}

describe('a lost department folder', () => {
  it('is rebuilt from its key backup and the orderer log when the network opens', async () => {
    await rm(departmentDir(LOST), { recursive: true });
    net = await openTestNetwork(dir);
    await expectWhole(net);
    // The restored node endorses and commits with its old identity (the channel's CA).
    const clerk = await net.identity(LOST, 'clerk');
    const done = await net.submit(clerk, 'Put', ['after', 'restored']);
    expect(done.blockNumber).toBe(net.orderer.height - 1);
    await expectWhole(net);
  });

  it('without a backup, leaves that node down and named while the others serve; repair brings it back from the backup', async () => {
    const saved = path.join(dir, 'saved-backup');
    await cp(backup(LOST), saved, { recursive: true });
    await rm(departmentDir(LOST), { recursive: true });
    await rm(backup(LOST), { recursive: true });

    net = await openTestNetwork(dir);
    const down = net.nodeStates().find((s) => s.id === LOST);
    expect(down).toMatchObject({ running: false });
    expect(down?.halted).toMatch(/^DEPARTMENT_MATERIAL_LOST: .*no backup/);
    await expect(net.identity(LOST, 'clerk')).rejects.toMatchObject({
      code: 'DEPARTMENT_MATERIAL_LOST',
    });
    // The others serve: a write from another department commits.
    const alice = await net.identity('coord', 'alice');
    await net.submit(alice, 'Put', ['while-lost', 'v']);
    await expect(net.repairNode(LOST)).rejects.toMatchObject({ code: 'DEPARTMENT_MATERIAL_LOST' });

    await cp(saved, backup(LOST), { recursive: true });
    await net.repairNode(LOST);
    await expectWhole(net);
    await net.close();
    net = await openTestNetwork(dir);
    await expectWhole(net);
  });

  it("refuses a different CA in the lost department's place", async () => {
    await rm(departmentDir(LOST), { recursive: true });
    await rm(backup(LOST), { recursive: true });
    // Someone else's keys copied in: the channel recorded another CA for this department.
    await cp(path.join(departmentDir('amr'), 'msp'), path.join(departmentDir(LOST), 'msp'), {
      recursive: true,
    });
    await expect(openTestNetwork(dir)).rejects.toMatchObject({ code: 'CRYPTO_MATERIAL_MISMATCH' });
  });
});
