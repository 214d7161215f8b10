/**
 * The query index is derived data and is not trusted: usage entries deleted from it (a use
 * vanishing from the supervisors' audit trail), an entry edited and an entry invented are each
 * named by `POST /ledger/verify` (node `index`, the key), and `shulian index rebuild` restores the
 * trail. The index's level database is tampered with while the gateway is stopped, as someone
 * with access to the data directory would.
 */
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/src/app.js';
import { openRuntime } from '../../gateway/src/services/runtime.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
});
afterAll(async () => {
  await f?.close();
});

interface Usage {
  id: string;
  catalogId: string;
}
const SEP = '\u0000';

const trail = async (): Promise<string[]> => {
  const res = await f.app.inject({
    method: 'GET',
    url: '/api/v1/audit/usage?catalogId=PSB-POP-001&limit=100',
    headers: f.auth('coord', 'auditor'),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: Usage[] }>().items.map((u) => u.id);
};
const verify = async () => {
  const res = await f.app.inject({
    method: 'POST',
    url: '/api/v1/ledger/verify',
    headers: f.auth('coord', 'admin'),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ ok: boolean; divergences: { node: string; key?: string; reason: string }[] }>();
};

/** Stops the gateway, lets `tamper` edit the index database, and starts it again. */
async function whileStopped(tamper: (db: Level<string, string>) => Promise<void>): Promise<void> {
  const config = f.runtime.config;
  await f.app.close();
  await f.runtime.close();
  const db = new Level<string, string>(join(config.dataDir, 'gateway', 'index'));
  await db.open();
  try {
    await tamper(db);
  } finally {
    await db.close();
  }
  f.runtime = await openRuntime(config, { follow: true, durable: false, batchTimeoutMs: 5 });
  f.app = await buildApp(f.runtime.context({ demoIdentities: f.demo }), { web: false });
  await f.app.ready();
}

describe('a tampered query index', () => {
  it('is named key by key by verify, and index rebuild restores the audit trail', async () => {
    // A recorded use of PSB-POP-001 to hide.
    const download = await f.app.inject({
      method: 'GET',
      url: '/api/v1/catalog/PSB-POP-001/versions/1/content',
      headers: f.auth('health', 'clerk'),
    });
    expect(download.statusCode).toBe(200);
    const hidden = String(download.headers['x-shulian-usage-id']);
    await f.runtime.index.waitFor((await f.height()) - 1);
    expect(await trail()).toContain(hidden);

    const removed: string[] = [];
    let edited = '';
    const invented = `e${SEP}usage${SEP}USE-INVENTED`;
    await whileStopped(async (db) => {
      for await (const [k] of db.iterator()) if (k.split(SEP).at(-1) === hidden) removed.push(k);
      for await (const [k, v] of db.iterator({ gte: `e${SEP}catalog${SEP}` })) {
        if (!k.startsWith(`e${SEP}catalog${SEP}`)) break;
        edited = k;
        // The entry claims another owner department.
        const stored = JSON.parse(v) as { v: { owner: string } };
        stored.v.owner = stored.v.owner === 'psb' ? 'amr' : 'psb';
        await db.put(k, JSON.stringify(stored));
        break;
      }
      await db.batch([
        ...removed.map((k) => ({ type: 'del' as const, key: k })),
        {
          type: 'put' as const,
          key: invented,
          value: JSON.stringify({ v: { id: 'USE-INVENTED' }, tx: '', b: 0 }),
        },
      ]);
    });
    expect(removed.length).toBeGreaterThan(1);
    expect(edited).not.toBe('');
    // What the tampering does to users: the use is gone from the supervisors' trail.
    expect(await trail()).not.toContain(hidden);

    const report = await verify();
    expect(report.ok).toBe(false);
    const named = report.divergences.filter((d) => d.node === 'index');
    for (const k of removed)
      expect(named).toContainEqual(
        expect.objectContaining({
          key: k,
          reason: 'derived from the ledger but missing from the index',
        }),
      );
    expect(named).toContainEqual(
      expect.objectContaining({ key: edited, reason: 'differs from what the ledger gives' }),
    );
    expect(named).toContainEqual(
      expect.objectContaining({
        key: invented,
        reason: 'in the index but not derived from the ledger',
      }),
    );

    await f.runtime.index.rebuild(f.runtime.ledger);
    expect(await trail()).toContain(hidden);
    expect(await verify()).toMatchObject({ ok: true, divergences: [] });
  });
});
