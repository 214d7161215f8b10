/**
 * Department mode (`shulian serve --department <id>`, SHULIAN_DEPARTMENT) is Fabric's: on the
 * embedded engine one gateway holds every department's keys, so the mode is refused before
 * anything is opened, as is a department the network does not have, each with its own code.
 * (The mode itself runs against a real Fabric network in tests/fabric/department.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayDir, loadConfig } from '../../gateway/src/config.js';
import { openRuntime } from '../../gateway/src/services/runtime.js';

const CLI = resolve(import.meta.dirname, '../../dist/gateway/src/cli.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-department-mode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('department mode is refused where it cannot hold', () => {
  it('on the embedded engine: DEPARTMENT_NEEDS_FABRIC, and nothing is created', async () => {
    const config = loadConfig({ SHULIAN_DEPARTMENT: 'psb', SHULIAN_DATA_DIR: dir });
    const refused = openRuntime(config, { follow: false });
    await expect(refused).rejects.toMatchObject({ code: 'DEPARTMENT_NEEDS_FABRIC' });
    await expect(refused).rejects.toThrow(/needs LEDGER=fabric/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a department the network does not have: UNKNOWN_DEPARTMENT naming the departments', async () => {
    const config = loadConfig({ LEDGER: 'fabric', SHULIAN_DATA_DIR: dir }, { department: 'tax' });
    const refused = openRuntime(config, { follow: false });
    await expect(refused).rejects.toMatchObject({ code: 'UNKNOWN_DEPARTMENT' });
    await expect(refused).rejects.toThrow(/no such department.*psb/);
  });

  it('`shulian serve --department psb` on the embedded engine exits 1 with the code', async () => {
    const run = await new Promise<{ code: number; err: string }>((done) =>
      execFile(
        process.execPath,
        [CLI, 'serve', '--department', 'psb'],
        {
          env: { PATH: process.env.PATH ?? '', SHULIAN_DATA_DIR: dir, SHULIAN_PORT: '0' },
          timeout: 60_000,
        },
        (error, _out, stderr) => done({ code: error ? Number(error.code) : 0, err: stderr }),
      ),
    );
    expect(run.code).toBe(1);
    expect(run.err).toContain('[DEPARTMENT_NEEDS_FABRIC]');
  });

  it('keeps a department gateway’s files apart from the shared gateway’s', () => {
    expect(gatewayDir({ dataDir: '/d' })).toBe(join('/d', 'gateway'));
    expect(gatewayDir({ dataDir: '/d', department: 'psb' })).toBe(join('/d', 'gateway-psb'));
  });
});
