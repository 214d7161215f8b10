/**
 * Roles in one place: a department's admin creates a user (ledger roles and token in one action),
 * sees what each user's tokens claim that the ledger does not grant, and revokes; `/me` says what
 * the caller lacks instead of leaving a FORBIDDEN_ROLE unexplained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let fx: Fixture;

beforeAll(async () => {
  fx = await openFixture();
}, 120_000);
afterAll(async () => fx?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('department users', () => {
  it('creates a user with ledger roles and a working token in one action', async () => {
    const created = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/departments/psb/users',
      headers: fx.auth('psb', 'admin'),
      payload: { user: 'zhangsan', roles: ['consumer'], label: '张三' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json<{ token: string; roles: string[]; user: string }>();
    expect(body).toMatchObject({ user: 'zhangsan', roles: ['consumer'] });
    const me = await fx.app.inject({ url: '/api/v1/me', headers: bearer(body.token) });
    expect(me.json()).toMatchObject({
      department: 'psb',
      user: 'zhangsan',
      roles: ['consumer'],
      tokenRoles: ['consumer'],
      lacks: [],
    });
  });

  it("refuses another department's users and callers who are not admins", async () => {
    const foreign = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/departments/amr/users',
      headers: fx.auth('psb', 'admin'),
      payload: { user: 'lisi', roles: ['consumer'] },
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN_DEPARTMENT');
    const clerk = await fx.app.inject({
      method: 'POST',
      url: '/api/v1/departments/psb/users',
      headers: fx.auth('psb', 'clerk'),
      payload: { user: 'lisi', roles: ['consumer'] },
    });
    expect(clerk.json<{ error: { code: string } }>().error.code).toBe('FORBIDDEN_ROLE');
  });

  it('says what a token claims that the ledger does not grant, in the list and in /me', async () => {
    // A token issued on its own (as `shulian tokens create` does) with a role never set on chain.
    const issued = await fx.runtime.tokens.create({
      department: 'psb',
      user: 'wangwu',
      roles: ['publisher'],
    });
    const me = await fx.app.inject({ url: '/api/v1/me', headers: bearer(issued.token) });
    expect(me.json()).toMatchObject({ roles: [], tokenRoles: ['publisher'], lacks: ['publisher'] });
    const list = await fx.app.inject({
      url: '/api/v1/departments/psb/users',
      headers: fx.auth('psb', 'admin'),
    });
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json<{ items: { user: string; roles: string[]; lacks: string[] }[] }>()
      .items;
    expect(items.find((u) => u.user === 'wangwu')).toMatchObject({
      roles: [],
      lacks: ['publisher'],
    });
    const clerk = items.find((u) => u.user === 'clerk');
    expect([...clerk!.roles].sort()).toEqual(['consumer', 'publisher']);
    expect(clerk!.lacks).toEqual([]);
  });

  it("revokes a user's tokens, refused at once", async () => {
    const issued = await fx.runtime.tokens.create({
      department: 'psb',
      user: 'zhaoliu',
      roles: ['consumer'],
    });
    const revoked = await fx.app.inject({
      method: 'DELETE',
      url: '/api/v1/departments/psb/users/zhaoliu/tokens',
      headers: fx.auth('psb', 'admin'),
    });
    expect(revoked.json()).toEqual({ revoked: [issued.principal.tokenId] });
    const me = await fx.app.inject({ url: '/api/v1/me', headers: bearer(issued.token) });
    expect(me.statusCode).toBe(401);
  });

  it('refuses a token of a department the network does not have as unauthenticated, not 502', async () => {
    const issued = await fx.runtime.tokens.create({
      department: 'nosuch',
      user: 'zhangsan',
      roles: ['consumer'],
    });
    const me = await fx.app.inject({ url: '/api/v1/me', headers: bearer(issued.token) });
    expect(me.statusCode).toBe(401);
    const { error } = me.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toContain('nosuch, which is not in this network');
  });
});
