/**
 * Operating the ledger through the gateway: a damaged department node is named by verify and
 * rebuilt from the orderer's blocks by `POST /ledger/nodes/:department/repair` (the coordinator's
 * admin only), and a verification under way reports how far it is at `GET /ledger/verify/progress`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
});
afterAll(async () => {
  await f?.close();
});

const verify = () =>
  f.app.inject({ method: 'POST', url: '/api/v1/ledger/verify', headers: f.auth('coord', 'admin') });
const progress = () =>
  f.app.inject({
    method: 'GET',
    url: '/api/v1/ledger/verify/progress',
    headers: f.auth('coord', 'admin'),
  });
const repair = (department: string, who: [string, string] = ['coord', 'admin']) =>
  f.app.inject({
    method: 'POST',
    url: `/api/v1/ledger/nodes/${department}/repair`,
    headers: f.auth(...who),
  });

describe('node repair over HTTP', () => {
  it('rebuilds a node whose stored state was altered, after verify named it', async () => {
    const store = f.runtime.ledger.network.node('amr').ledger();
    let key: string | undefined;
    for await (const entry of store.range('', '')) {
      key = entry.key;
      break;
    }
    if (key === undefined) throw new Error('amr holds no state');
    const stored = (await store.rawState(key)) as Record<string, unknown>;
    await store.putRawState(key, { ...stored, v: Buffer.from('forged').toString('base64') });
    const res = await verify();
    const named = res.json<{ ok: boolean; divergences: { node: string }[] }>();
    expect(named.ok).toBe(false);
    expect(named.divergences.map((d) => d.node)).toContain('amr');

    expect((await repair('amr', ['amr', 'clerk'])).statusCode).toBe(403);
    const repaired = await repair('amr');
    expect(repaired.statusCode, repaired.body).toBe(200);
    const height = await f.height();
    expect(repaired.json()).toMatchObject({ id: 'amr', running: true, height });
    expect((await verify()).json()).toMatchObject({ ok: true, divergences: [] });
  });

  it('answers 404 for a department the network does not have', async () => {
    const res = await repair('nosuch');
    expect(res.statusCode, res.body).toBe(404);
  });
});

describe('verify progress', () => {
  it('says nothing runs, then follows a verification under way, then nothing again', async () => {
    expect((await progress()).json()).toMatchObject({ running: false, phase: null });
    let finished = false;
    const run = verify().finally(() => (finished = true));
    const seen: { running: boolean; phase: string | null; startedAt: string | null }[] = [];
    while (!finished) {
      seen.push((await progress()).json());
      await new Promise((r) => setTimeout(r, 2));
    }
    const during = seen.filter((p) => p.running);
    expect(during.length, JSON.stringify(seen)).toBeGreaterThan(0);
    for (const p of during) {
      expect(p.phase).toMatch(/^(ledger:log|ledger:nodes|index|store)$/);
      expect(Date.parse(p.startedAt ?? '')).not.toBeNaN();
    }
    expect((await run).json()).toMatchObject({ ok: true });
    expect((await progress()).json()).toMatchObject({ running: false });
    expect(
      (
        await f.app.inject({
          method: 'GET',
          url: '/api/v1/ledger/verify/progress',
          headers: f.auth('amr', 'clerk'),
        })
      ).statusCode,
    ).toBe(403);
  });
});
