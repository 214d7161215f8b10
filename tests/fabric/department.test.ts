/**
 * A department's own gateway on Fabric (`shulian serve --department psb`): started from a copy of
 * psb's folder alone, as psb's machine would hold it (no other department's folder, no orderer's,
 * no coordinator's), it signs users in to psb only, signs for no other department, talks to psb's
 * peer only, keeps its files in <data>/gateway-psb/, and still follows the whole channel.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TX } from '@shulian/chaincode/constants';
import { loadConfig } from '../../gateway/src/config.js';
import { startServer } from '../../gateway/src/server.js';
import { custodyViolations } from './custody.js';
import { departmentMachine, fabricNetwork, prepareLedger } from './harness.js';

type Server = Awaited<ReturnType<typeof startServer>>;

let machine: string;
let data: string;
let server: Server;

const gatewayConfig = (fabricDir: string, department: string) =>
  loadConfig(
    {},
    {
      ledger: 'fabric',
      fabricDir,
      department,
      dataDir: data,
      port: 0,
      logLevel: 'silent',
    },
  );

beforeAll(async () => {
  const net = await fabricNetwork();
  await prepareLedger(net);
  machine = await departmentMachine(net.layout.root, 'psb');
  data = await mkdtemp(path.join(tmpdir(), 'shulian-psb-data-'));
  server = await startServer(gatewayConfig(machine, 'psb'));
});

afterAll(async () => {
  await server?.close();
  await rm(machine, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

describe('a department’s own gateway on Fabric (--department psb)', () => {
  it('runs from psb’s folder alone, which holds no other organisation’s private key', async () => {
    expect(await readdir(path.join(machine, 'departments'))).toEqual(['psb']);
    const net = await fabricNetwork();
    expect((await custodyViolations(machine, net.state.ordererOrg)).violations).toEqual([]);
    expect((await stat(path.join(data, 'gateway-psb', 'store'))).isDirectory()).toBe(true);
    await expect(stat(path.join(data, 'gateway'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('talks to psb’s peer only, and its index follows every department’s blocks', async () => {
    const status = await server.runtime.ledger.status();
    expect(status.nodes.map((n) => n.id)).toEqual(['psb']);
    await server.runtime.index.waitFor(status.height - 1, 60_000);
    expect((await server.runtime.index.checkpoint())?.blockNumber).toBe(status.height - 1);
    // The departments the coordinator registered (blocks psb's gateway did not write) are indexed.
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/departments' });
    expect(res.statusCode).toBe(200);
    const ids = res.json<{ items: { id: string }[] }>().items.map((d) => d.id);
    expect(ids).toEqual(expect.arrayContaining(['coord', 'psb', 'amr', 'health']));
  });

  it('signs in psb’s users and refuses another department’s token', async () => {
    const psb = await server.runtime.tokens.create({
      department: 'psb',
      user: 'clerk',
      roles: ['publisher', 'consumer'],
    });
    const me = await server.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${psb.token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ department: 'psb', user: 'clerk' });

    // A token of health's planted in psb's token file (a copied file) does not make psb sign as health.
    const health = await server.runtime.tokens.create({
      department: 'health',
      user: 'clerk',
      roles: ['consumer'],
    });
    const refused = await server.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${health.token}` },
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('signs in psb');
  });

  it('holds no key to sign as another department', async () => {
    await expect(
      server.runtime.chaincode.evaluate(
        { department: 'health', user: 'admin' },
        TX.governance.WhoAmI,
        [],
      ),
    ).rejects.toThrow(/no wallet for department health/);
    const mine = await server.runtime.chaincode.evaluate<{ department: string }>(
      { department: 'psb', user: 'clerk' },
      TX.governance.WhoAmI,
      [],
    );
    expect(mine.department).toBe('psb');
  });

  it('refuses a department whose folder is not on this machine (UNKNOWN_DEPARTMENT)', async () => {
    await expect(startServer(gatewayConfig(machine, 'health'))).rejects.toMatchObject({
      code: 'UNKNOWN_DEPARTMENT',
    });
  });
});
