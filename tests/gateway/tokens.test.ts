/**
 * The token file shared by the server and the CLI: two stores over one file stand for the two
 * processes. A token the CLI issues or revokes takes effect in the server's store at its next lookup.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
