/**
 * The token file shared by the server and the CLI: two stores over one file stand for the two
 * processes. A token the CLI issues or revokes takes effect in the server's store at its next lookup.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenStore } from '../../gateway/src/auth/tokens.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-tokens-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('token store', () => {
  it('sees tokens issued and revoked by another process without a restart', async () => {
    const file = join(dir, 'tokens.json');
    const server = createTokenStore(file);
    const cli = createTokenStore(file);
    const a = await cli.create({ department: 'psb', user: 'clerk', roles: ['publisher'] });
    const b = await cli.create({ department: 'psb', user: 'clerk', roles: ['consumer'] });
    const c = await cli.create({ department: 'amr', user: 'clerk', roles: ['consumer'] });
    for (const t of [a, b, c]) expect(await server.resolve(t.token)).toEqual(t.principal);

    expect(await cli.revoke({ tokenId: a.principal.tokenId })).toEqual([a.principal]);
    expect(await server.resolve(a.token)).toBeUndefined();
    expect(await server.resolve(b.token)).toEqual(b.principal);

    expect(await cli.revoke({ user: 'clerk', department: 'psb' })).toEqual([b.principal]);
    expect(await server.resolve(b.token)).toBeUndefined();
    expect(await server.resolve(c.token)).toEqual(c.principal);
    expect(await cli.revoke({ tokenId: a.principal.tokenId })).toEqual([]);

    // Without a department, every department's user of that name.
    expect(await cli.revoke({ user: 'clerk' })).toEqual([c.principal]);
    expect(await server.list()).toEqual([]);
  });

  it('loses no token and undoes no revocation with 4 concurrent writer processes', async () => {
    const file = join(dir, 'concurrent.json');
    const writer = fileURLToPath(new URL('./fixtures/token-writer.ts', import.meta.url));
    const runs = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', writer, file, name, '20']),
      ),
    );
    const results = runs.map((r) => JSON.parse(r.stdout) as { kept: string[]; revoked: string[] });
    const store = createTokenStore(file);
    for (const { kept, revoked } of results) {
      expect(kept).toHaveLength(10);
      for (const token of kept) expect(await store.resolve(token)).toBeDefined();
      for (const token of revoked) expect(await store.resolve(token)).toBeUndefined();
    }
    expect(await store.list()).toHaveLength(40);
    // No lock and no temporary file left behind; the file is the owner's only.
    expect((await readdir(dir)).filter((n) => n.startsWith('concurrent.json'))).toEqual([
      'concurrent.json',
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('takes over a lock left by a process that died', async () => {
    const file = join(dir, 'stale.json');
    // Pid 2^22 + 1 is above Linux's pid_max: no such process.
    await writeFile(`${file}.lock`, String(2 ** 22 + 1));
    const store = createTokenStore(file);
    const issued = await store.create({ department: 'psb', user: 'x', roles: ['consumer'] });
    expect(await createTokenStore(file).resolve(issued.token)).toEqual(issued.principal);
  });
});
