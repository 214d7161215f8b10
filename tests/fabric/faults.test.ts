/**
 * Faults on a real Fabric network, recovered by the project's own commands: a chaincode server
 * killed is restarted by its supervisor and the next transaction commits; with one of the three
 * Raft orderers stopped transactions still commit; a peer stopped under write load and started
 * again by `fabric:up` catches up to the same height, block hash and commit hash as the others.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import {
  chaincodeServerPidFile,
  fabricStatus,
  peerHeight,
  processes,
  type FabricNetwork,
} from '../../network/fabric/network.js';
import { isRunning, portFree, readPid, stopRecorded } from '../../network/fabric/processes.js';
import { openFabricLedger } from '../../gateway/src/ledger/fabric-profile.js';
import { fabricCommand, fabricNetwork, invoke, prepareLedger, query } from './harness.js';

/** A cheap write that never conflicts with another: the coordinator admin sets a user's roles. */
const write = (net: FabricNetwork, user: string, orderer = 0) =>
  invoke(net, net.config.coordinator, 'admin', TX.governance.SetUserRoles, [user, ['consumer']], {
    endorsers: [net.config.coordinator, 'psb'],
    orderer,
  });

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function allRunning(net: FabricNetwork): Promise<boolean> {
  return (await fabricStatus(net)).every((s) => s.running);
}

describe('faults on Fabric', () => {
  let net: FabricNetwork;

  beforeAll(async () => {
    net = await fabricNetwork();
    await prepareLedger(net);
  });

  it('a killed chaincode server is restarted by its supervisor and the next transaction commits', async () => {
    const pidFile = chaincodeServerPidFile(net.layout, 'psb');
    const before = await readPid(pidFile);
    expect(isRunning(before)).toBe(true);
    process.kill(before!.pid, 'SIGKILL');
    const port = net.state.peers.find((p) => p.department === 'psb')!.chaincodeServerPort;
    const after = await until('a new chaincode server', async () => {
      const r = await readPid(pidFile);
      return r && r.pid !== before!.pid && isRunning(r) && !(await portFree(port)) ? r : undefined;
    });
    expect(after.pid).not.toBe(before!.pid);
    // psb's peer endorses, so it must reach the new server.
    await write(net, 'after-chaincode-kill');
    expect(
      (
        await query<{ roles: string[] }>(net, 'coord', 'admin', TX.governance.GetUserRoles, [
          'coord',
          'after-chaincode-kill',
        ])
      ).roles,
    ).toEqual(['consumer']);
    expect(await allRunning(net)).toBe(true);
  });

  it('with one of three orderers stopped, transactions still commit; fabric:up restarts it', async () => {
    const orderer0 = processes(net).find((p) => p.name === 'orderer orderer0')!;
    expect(await stopRecorded(orderer0.pidFile)).toBe(true);
    try {
      // Raft may need a few seconds to elect a new leader if orderer0 led.
      await until(
        'a commit through orderer1',
        () => write(net, 'orderer-down', 1).then(() => true),
        90_000,
      );
      await write(net, 'orderer-down-2', 2);
    } finally {
      await fabricCommand('up');
    }
    expect(await allRunning(net)).toBe(true);
    // The restarted orderer0 answers SERVICE_UNAVAILABLE ("no Raft leader") until it has caught
    // up with the cluster and learned the leader; then it orders again.
    await until(
      'a commit through the restarted orderer0',
      () => write(net, 'orderer-back', 0).then(() => true),
      90_000,
    );
  });

  it('a peer stopped under write load and restarted catches up to the same block hash and commit hash', async () => {
    let stop = false;
    let committed = 0;
    const failures: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        await write(net, `load-${w}-${i}`, 1).then(
          () => committed++,
          (err: unknown) => failures.push(String(err)),
        );
      }
    };
    const load = Promise.all([worker(0), worker(1)]);
    try {
      await until('load running', () => Promise.resolve(committed >= 3 ? true : undefined));
      const amr = processes(net).find((p) => p.name === 'peer amr')!;
      expect(await stopRecorded(amr.pidFile)).toBe(true);
      const whileDown = committed;
      await until(
        'commits while amr is down',
        () => Promise.resolve(committed >= whileDown + 8 ? true : undefined),
        90_000,
      );
      await fabricCommand('up');
      await until(
        'more commits after the restart',
        () => Promise.resolve(committed >= whileDown + 12 ? true : undefined),
        90_000,
      );
    } finally {
      stop = true;
      await load;
    }
    expect(failures).toEqual([]);
    const target = await peerHeight(net, 'coord');
    const heights = await until(
      'amr catching up',
      async () => {
        const all = await Promise.all(net.config.departments.map((d) => peerHeight(net, d.id)));
        return all.every((h) => h.height === target.height) ? all : undefined;
      },
      120_000,
    );
    for (const h of heights) expect(h).toEqual(target);
    // The state each peer committed, not only the blocks: the gateway's status reads every peer's
    // commit hash from its last block's metadata.
    const ledger = await openFabricLedger({
      fabricDir: inject('fabricDir'),
      localDepartment: net.config.coordinator,
    });
    try {
      const status = await ledger.status();
      const commitHashes = new Set(status.nodes.map((n) => n.commitHash));
      expect(status.nodes).toHaveLength(net.config.departments.length);
      for (const n of status.nodes) expect(n.height).toBe(target.height);
      expect([...commitHashes]).toHaveLength(1);
      expect([...commitHashes][0]).toMatch(/^[0-9a-f]{64}$/);
      expect(status.agreement).toBe(true);
    } finally {
      await ledger.close();
    }
  });
});
