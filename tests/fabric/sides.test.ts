/**
 * One organisation's side of a laid-out Fabric network (`fabric:up|down|status --org <id>`), as
 * a department's operator runs it on its own machine: psb's side is stopped in the network's
 * folder while the other departments keep running and committing; psb's machine, a folder
 * holding only network.json, the public channel/ and departments/psb/ (no other organisation's
 * folder, so no other organisation's key to read), starts psb's peer and chaincode server,
 * which catch up with the channel, endorse and commit psb's admin's transaction; psb's gateway
 * (`shulian serve --department psb`) runs on it; another department's side cannot be started
 * there; stopping psb's side leaves the others running. The coordinator's side names the
 * ordering organisation's orderers with its own peer.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import { loadConfig } from '../../gateway/src/config.js';
import { startServer } from '../../gateway/src/server.js';
import {
  fabricStatus,
  openNetwork,
  peerHeight,
  type FabricNetwork,
} from '../../network/fabric/network.js';
import { custodyViolations } from './custody.js';
import { fabricCommand, fabricCommandIn, fabricNetwork, invoke, prepareLedger } from './harness.js';

let net: FabricNetwork;
let machine: FabricNetwork;
let data: string;
/** The channel's height once psb's admin committed through psb's peer on psb's machine. */
let height: number;

/** Names of the processes that are not running, in the network's folder. */
const stopped = async (): Promise<string[]> =>
  (await fabricStatus(net)).filter((r) => !r.running).map((r) => r.name);

/** Waits until psb's peer (as `at` has it) is at coord's height with the same block. */
async function caughtUp(at: FabricNetwork): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const [psb, coord] = await Promise.all([
      peerHeight(at, 'psb').catch(() => undefined),
      peerHeight(net, 'coord'),
    ]);
    if (psb && psb.height === coord.height && psb.blockHash === coord.blockHash) return psb.height;
    if (Date.now() > deadline)
      throw new Error(`psb's peer at ${psb?.height ?? '?'}, coord's at ${coord.height}`);
    await sleep(250);
  }
}

/** A transaction of `department`'s admin, endorsed without psb, commits. */
const othersCommit = (department: string, endorsers: string[]) =>
  invoke(
    net,
    department,
    'admin',
    TX.governance.SetUserRoles,
    ['clerk', ['publisher', 'consumer']],
    {
      endorsers,
    },
  );

beforeAll(async () => {
  net = await fabricNetwork();
  await prepareLedger(net);
  data = await mkdtemp(path.join(tmpdir(), 'shulian-psb-side-data-'));
});

afterAll(async () => {
  // psb's side back in the network's folder for the files that follow.
  if (machine) await fabricCommandIn(machine.layout.root, 'down', '--org', 'psb');
  await fabricCommand('up', '--org', 'psb');
  if (machine) await rm(machine.layout.root, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

describe('one organisation’s side (fabric:up|down|status --org)', () => {
  it('fabric:down --org psb stops psb’s peer and chaincode server only; the others commit without them', async () => {
    const out = await fabricCommand('down', '--org', 'psb');
    expect(out).toContain('stopped chaincode psb');
    expect(out).toContain('stopped peer psb');
    expect(await stopped()).toEqual(['peer psb', 'chaincode psb']);
    await othersCommit('amr', ['amr', 'coord']);
  });

  it('psb’s machine (network.json, channel/, departments/psb/ only) starts psb’s side, which catches up, endorses and commits', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'shulian-psb-side-'));
    await cp(net.layout.stateFile, path.join(root, 'network.json'));
    await cp(net.layout.channelDir, path.join(root, 'channel'), { recursive: true });
    await mkdir(path.join(root, 'departments'));
    await cp(net.layout.departmentDir('psb'), path.join(root, 'departments', 'psb'), {
      recursive: true,
    });
    machine = (await openNetwork({ dir: root }))!;
    expect((await readdir(root)).sort()).toEqual(['channel', 'departments', 'network.json']);
    expect(await readdir(path.join(root, 'departments'))).toEqual(['psb']);
    expect((await custodyViolations(root, net.state.ordererOrg)).violations).toEqual([]);

    const out = await fabricCommandIn(root, 'up', '--org', 'psb');
    expect(out).toContain(
      `psb 市公安局 / Municipal Public Security Bureau: peer psb, chaincode psb running; connection profile ${machine.layout.connectionProfile('psb')}`,
    );
    // The connection profile names files of this machine's folder only.
    const profile = await readFile(machine.layout.connectionProfile('psb'), 'utf8');
    expect(profile).toContain(root);
    expect(profile).not.toContain(net.layout.root + path.sep);
    const status = JSON.parse(await fabricCommandIn(root, 'status', '--org', 'psb', '--json')) as {
      name: string;
      running: boolean;
    }[];
    expect(status.map((r) => [r.name, r.running])).toEqual([
      ['peer psb', true],
      ['chaincode psb', true],
    ]);
    // The block amr committed while psb was down reaches psb's peer from the orderers.
    await caughtUp(machine);
    // psb's admin, with the machine's files only, through psb's peer and coord's.
    await invoke(
      machine,
      'psb',
      'admin',
      TX.governance.SetUserRoles,
      ['side-check', ['consumer']],
      {
        endorsers: ['psb', 'coord'],
      },
    );
    height = await caughtUp(machine);
  });

  it('psb’s gateway (serve --department psb) runs on psb’s machine against the peer it started', async () => {
    const server = await startServer(
      loadConfig(
        {},
        {
          ledger: 'fabric',
          fabricDir: machine.layout.root,
          department: 'psb',
          dataDir: data,
          port: 0,
          logLevel: 'silent',
        },
      ),
    );
    try {
      const status = await server.runtime.ledger.status();
      expect(status.nodes.map((n) => n.id)).toEqual(['psb']);
      expect(status.height).toBeGreaterThanOrEqual(height);
    } finally {
      await server.close();
    }
  });

  it('another department’s side cannot be started from psb’s machine: its material is not there', async () => {
    const refused = await fabricCommandIn(machine.layout.root, 'up', '--org', 'amr').then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toContain(
      `peer amr: ${path.join(machine.layout.peerDir('amr'), 'msp')} is missing; this folder does not hold amr’s material`,
    );
    expect(await readdir(path.join(machine.layout.root, 'departments'))).toEqual(['psb']);
  });

  it('fabric:down --org psb on psb’s machine stops psb’s side and leaves the others running', async () => {
    const out = await fabricCommandIn(machine.layout.root, 'down', '--org', 'psb');
    expect(out).toContain('stopped peer psb');
    expect(await stopped()).toEqual(['peer psb', 'chaincode psb']);
    await othersCommit('coord', ['coord', 'health']);
    // And back in the laid-out folder, as the files that follow expect it.
    await fabricCommand('up', '--org', 'psb');
    expect(await stopped()).toEqual([]);
    await caughtUp(net);
  });

  it('the coordinator’s side, orderers included (--org orderer --org coord), is started where it runs', async () => {
    const out = await fabricCommand('up', '--org', 'orderer', '--org', 'coord');
    expect(out).toContain(
      'orderer 排序服务 / Ordering service: orderer orderer0, orderer orderer1, orderer orderer2 running',
    );
    expect(out).toContain(
      'coord 市行政审批局（大数据中心） / Municipal Administrative Approval Bureau (Big Data Center): peer coord, chaincode coord running',
    );
    const unknown = await fabricCommand('up', '--org', 'tax').then(
      () => '',
      (err: { stderr: string }) => err.stderr,
    );
    expect(unknown).toContain('tax is not an organisation of this network');
  });
});
