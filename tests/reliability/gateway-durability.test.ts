/**
 * Durability of the gateway's acknowledgements: kill -9 keeps the page cache, so the crash test
 * would pass with fsync off. Here every level batch and file fsync is watched while anchors are
 * acknowledged over HTTP (201): each must be preceded by an orderer-log batch holding its block
 * and a commit of that block on the owner's node, each after an fsync of its block file (the
 * ledger's commit point, network/embedded/block-file.ts), and a synced anchor-book entry for the
 * version (its record and its blob's key, in one batch). The same check run on a gateway with
 * durability turned off must fail, or it would prove nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/src/app.js';
import { loadConfig } from '../../gateway/src/config.js';
import { openRuntime } from '../../gateway/src/services/runtime.js';
import { seedDemo } from '../../gateway/src/demo/seed.js';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { blockKey } from '../../network/embedded/store.js';
import { blockFileSyncedBefore, recordWrites } from './level-writes.js';

const ANCHORS = 6;

/** Anchors over HTTP; returns the acknowledgements that lacked a durable write before them. */
async function unsyncedAnchors(durable: boolean): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'shulian-gwdurable-'));
  const config = loadConfig({}, { dataDir: dir, logLevel: 'silent', rateLimit: 0 });
  const runtime = await openRuntime(config, { follow: true, durable, batchTimeoutMs: 5 });
  const demo = await seedDemo(runtime);
  const app = await buildApp(runtime.context({ demoIdentities: demo }), { web: false });
  const recorder = recordWrites();
  const missing: string[] = [];
  try {
    const token = demo.find((d) => d.department === 'health' && d.user === 'clerk')?.token;
    const headers = { authorization: `Bearer ${token ?? ''}` };
    for (let i = 0; i < ANCHORS; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/catalog/HLT-ORG-001/versions?reason=durability',
        headers: { ...headers, 'content-type': 'application/x-ndjson' },
        payload: `{"licence_no":"durable ${i}"}\n`,
      });
      expect(res.statusCode, res.body).toBe(201);
      const { data, tx } = res.json<{ data: { id: string }; tx: { blockNumber: number } }>();
      const before = recorder.writes.slice();
      const key = blockKey(tx.blockNumber);
      const log = join(dir, 'network', 'orderer');
      const node = join(dir, 'network', 'departments', 'health');
      const ordered = before.some(
        (w, i) =>
          w.location.startsWith(log) &&
          w.keys.includes(logSpanKey(tx.blockNumber)) &&
          blockFileSyncedBefore(before, i),
      );
      const committed = before.some(
        (w, i) =>
          w.location.startsWith(node) &&
          w.keys.some((k) => k.endsWith(`!spans!${key}`)) &&
          blockFileSyncedBefore(before, i),
      );
      // The version's record and its blob's key in one synced batch: the book's commit point,
      // after which the blob is served and kept (services/datasets.ts recordAnchor).
      const booked = before.some(
        (w) =>
          w.sync &&
          w.location.startsWith(join(dir, 'gateway', 'addresses')) &&
          w.keys.includes(`anchor:${data.id}`) &&
          w.keys.some((k) => k.startsWith('blob:') && k.endsWith(`:${data.id}`)),
      );
      if (!ordered || !committed || !booked)
        missing.push(`${data.id}: orderer ${ordered}, node ${committed}, anchor book ${booked}`);
    }
  } finally {
    recorder.stop();
    await app.close();
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
  return missing;
}

describe('durability: every acknowledged anchor follows its fsyncs', () => {
  it('the gateway as it runs (durable) syncs the log, the node and the anchor book first', async () => {
    expect(await unsyncedAnchors(true)).toEqual([]);
  });

  it('the check catches a gateway with durability turned off', async () => {
    expect((await unsyncedAnchors(false)).length).toBe(ANCHORS);
  });
});
