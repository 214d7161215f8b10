/**
 * The open catalog is public, as open-data portals (CKAN) are: without a token the catalog search,
 * an entry and the DCAT-AP feed answer with the active entries marked 开放 (open) only; any other
 * entry answers exactly as an unknown id does (401), and every other route stays behind sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

interface Entry {
  id: string;
  openness: string;
  status: string;
}

let fx: Fixture;
let all: Entry[];

beforeAll(async () => {
  fx = await openFixture();
  const member = await fx.app.inject({
    url: '/api/v1/catalog?limit=200',
    headers: fx.auth('coord', 'admin'),
  });
  all = member.json<{ items: Entry[] }>().items;
}, 120_000);
afterAll(async () => fx?.close());

describe('the open catalog without a token', () => {
  it('lists the open entries only, with every filter', async () => {
    const open = all.filter((e) => e.openness === 'open' && e.status === 'active');
    expect(open.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(open.length);
    const anonymous = await fx.app.inject('/api/v1/catalog?limit=200');
    expect(anonymous.statusCode, anonymous.body).toBe(200);
    const ids = anonymous.json<{ items: Entry[] }>().items.map((e) => e.id);
    expect(ids.sort()).toEqual(open.map((e) => e.id).sort());
    // Asking for more does not widen it: a status filter cannot reach retired or closed entries.
    const retired = await fx.app.inject('/api/v1/catalog?status=retired');
    for (const e of retired.json<{ items: Entry[] }>().items)
      expect(e).toMatchObject({ openness: 'open', status: 'active' });
    const closed = all.find((e) => e.openness !== 'open')!;
    const byText = await fx.app.inject(`/api/v1/catalog?q=${encodeURIComponent(closed.id)}`);
    expect(byText.json<{ items: Entry[] }>().items).toEqual([]);
    const level = await fx.app.inject('/api/v1/catalog?level=city');
    expect(level.statusCode, level.body).toBe(200);
    for (const e of level.json<{ items: Entry[] }>().items) expect(e.openness).toBe('open');
  });

  it('answers an open entry, and any other id exactly as an unknown one', async () => {
    const open = all.find((e) => e.openness === 'open' && e.status === 'active')!;
    const entry = await fx.app.inject(`/api/v1/catalog/${open.id}`);
    expect(entry.statusCode).toBe(200);
    expect(entry.json<Entry>().id).toBe(open.id);
    const closed = all.find((e) => e.openness !== 'open')!;
    const hidden = await fx.app.inject(`/api/v1/catalog/${closed.id}`);
    const unknown = await fx.app.inject('/api/v1/catalog/NO-SUCH-001');
    expect(hidden.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(hidden.body).toBe(unknown.body);
    expect(hidden.body).not.toContain(closed.id);
    // Signed in, the same entry reads as before.
    const member = await fx.app.inject({
      url: `/api/v1/catalog/${closed.id}`,
      headers: fx.auth('amr', 'clerk'),
    });
    expect(member.statusCode).toBe(200);
  });

  it('publishes the DCAT-AP feed of the open entries, and nothing else opens', async () => {
    const feed = await fx.app.inject('/api/v1/dcat/catalog.jsonld');
    expect(feed.statusCode).toBe(200);
    for (const closed of all.filter((e) => e.openness !== 'open'))
      expect(feed.body).not.toContain(`/catalog/${closed.id}`);
    const open = all.find((e) => e.openness === 'open')!;
    for (const url of [
      `/api/v1/catalog/${open.id}/versions`,
      `/api/v1/catalog/${open.id}/history`,
      `/api/v1/catalog/${open.id}/versions/1/content`,
      '/api/v1/catalog-updates',
      '/api/v1/requests',
      '/api/v1/grants',
      '/api/v1/audit/usage',
      '/api/v1/stats',
      '/api/v1/me',
    ]) {
      const r = await fx.app.inject(url);
      expect(r.statusCode, url).toBe(401);
    }
  });
});
