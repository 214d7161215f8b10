/**
 * The anchor book as the gateway's one local record of what was anchored (services/datasets.ts):
 * the store is content-addressed and knows nothing of it, so the datasets service serves only a blob
 * the book names and never removes one; a crash between the ledger commit and the book's write is
 * repaired by the reconciliation from the ledger before anything is removed; and a data directory
 * of an earlier gateway (anchor records without blob keys, the store's own anchored/ files) keeps
 * working.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { Level } from 'level';
import { TX, type DatasetVersion } from '@shulian/chaincode/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../gateway/src/ledger/types.js';
import { openFixture, type Fixture } from './fixture.js';

const PSB: Caller = { department: 'psb', user: 'clerk' };
const ENTRY = 'PSB-POP-001';
const csv = (rows: number): string =>
  'id_number\n' +
  Array.from({ length: rows }, () => randomBytes(9).toString('hex')).join('\n') +
  '\n';

/** An upload through the API: stored, anchored and entered in the book. */
async function uploaded(f: Fixture, body: string): Promise<DatasetVersion> {
  const res = await f.app.inject({
    method: 'POST',
    url: `/api/v1/catalog/${ENTRY}/versions?reason=anchor%20book%20test`,
    headers: { ...f.auth(PSB.department, PSB.user), 'content-type': 'text/csv' },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ data: DatasetVersion }>().data;
}

/**
 * What a crash between the ledger commit and the anchor book's write leaves: the blob complete in
 * the store, its version committed on the ledger, nothing in the book.
 */
async function committedUnbooked(f: Fixture, body: string): Promise<DatasetVersion> {
  const blob = await f.runtime.store.put(Readable.from([Buffer.from(body)]));
  const s = await f.runtime.chaincode.submit<DatasetVersion>(PSB, TX.dataset.AnchorVersion, [
    {
      catalogId: ENTRY,
      digest: blob.commitment.digest,
      chunkRoot: blob.commitment.chunkRoot,
      chunkSize: blob.commitment.chunkSize,
      size: blob.commitment.size,
      mediaType: 'text/csv',
      recordRoot: null,
      recordCount: null,
      reason: 'anchor book test',
    },
  ]);
  return s.value;
}

const get = (f: Fixture, url: string) =>
  f.app.inject({ method: 'GET', url, headers: f.auth(PSB.department, PSB.user) });
const download = (f: Fixture, v: DatasetVersion) =>
  get(f, `/api/v1/catalog/${v.catalogId}/versions/${v.version}/content`);

describe('the anchor book guards the store', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await openFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('never serves a blob no version in the book was anchored with; reconciliation enters it, then removes orphans after the grace period', async () => {
    const body = csv(10);
    const v = await committedUnbooked(f, body);
    const proofUrl = `/api/v1/catalog/${v.catalogId}/versions/${v.version}/proof`;
    const height = await f.height();
    const refused = await download(f, v);
    expect(refused.statusCode).toBe(404);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('BLOB_NOT_FOUND');
    expect(await f.height()).toBe(height);
    expect((await get(f, proofUrl)).statusCode).toBe(404);
    // An upload whose anchoring failed.
    const orphan = await f.runtime.store.put(Readable.from([Buffer.from(csv(5))]));

    const first = await f.runtime.reconcile();
    expect(first.recorded).toEqual([v.id]);
    expect(first.removed).toEqual([]);
    expect(await f.runtime.store.has(orphan.sha256)).toBe(true);
    const served = await download(f, v);
    expect(served.statusCode, served.body).toBe(200);
    expect(served.body).toBe(body);
    expect((await get(f, proofUrl)).statusCode).toBe(200);

    f.runtime.config.orphanGraceMs = 0;
    try {
      const second = await f.runtime.reconcile();
      expect(second.recorded).toEqual([]);
      expect(second.removed).toEqual([orphan.sha256]);
      expect(await f.runtime.store.has(orphan.sha256)).toBe(false);
      expect(await f.runtime.store.has(v.digest.value)).toBe(true);
    } finally {
      f.runtime.config.orphanGraceMs = 60 * 60 * 1000;
    }
  });

  it('keeps a blob anchored on chain whose book write a crash lost, even with no grace period', async () => {
    const body = csv(12);
    const v = await committedUnbooked(f, body);
    const orphan = await f.runtime.store.put(Readable.from([Buffer.from(csv(4))]));
    f.runtime.config.orphanGraceMs = 0;
    try {
      const report = await f.runtime.reconcile();
      expect(report.recorded).toEqual([v.id]);
      expect(report.removed).toEqual([orphan.sha256]);
    } finally {
      f.runtime.config.orphanGraceMs = 60 * 60 * 1000;
    }
    expect(await f.runtime.store.has(v.digest.value)).toBe(true);
    expect(await f.runtime.store.has(orphan.sha256)).toBe(false);
    expect((await download(f, v)).body).toBe(body);
  });

  it('enters a lost book write but removes no orphan when it runs while uploads are taken (disk space back)', async () => {
    const body = csv(11);
    const v = await committedUnbooked(f, body);
    const orphan = await f.runtime.store.put(Readable.from([Buffer.from(csv(3))]));
    f.runtime.config.orphanGraceMs = 0;
    try {
      const report = await f.runtime.reconcile({ keepOrphans: true });
      expect(report.recorded).toEqual([v.id]);
      expect(report.removed).toEqual([]);
    } finally {
      f.runtime.config.orphanGraceMs = 60 * 60 * 1000;
    }
    expect(await f.runtime.store.has(orphan.sha256)).toBe(true);
    expect((await download(f, v)).body).toBe(body);
    await f.runtime.store.remove(orphan.sha256); // the next tests count the fixture's orphans
  });

  it('never removes a blob a version was anchored with, whatever versions the ledger gives', async () => {
    const v = await uploaded(f, csv(8));
    const stored: string[] = [];
    for await (const blob of f.runtime.store.list()) stored.push(blob.sha256);
    // No version from the ledger at all: only the book keeps the blobs.
    const report = await f.runtime.datasets.reconcile([], { graceMs: 0, now: Date.now() + 1 });
    expect(report).toEqual({ recorded: [], absent: [], removed: [] });
    for (const sha256 of [...stored, v.digest.value])
      expect(await f.runtime.store.has(sha256)).toBe(true);
  });
});

describe('a data directory of an earlier gateway', () => {
  it('is carried over by the reconciliation: its versions entered from the ledger, served and kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shulian-gw-'));
    const earlier = await openFixture({ dataDir: dir });
    const body = csv(6);
    let v: DatasetVersion;
    try {
      v = await uploaded(earlier, body);
    } finally {
      await earlier.app.close();
      await earlier.runtime.close();
    }
    // What the earlier gateway wrote: anchor records but no blob keys in the book, and the store's
    // own anchored/<sha256> files.
    const book = new Level<string, string>(join(dir, 'gateway', 'addresses'), {
      valueEncoding: 'utf8',
    });
    const blobKeys = await book.keys({ gte: 'blob:', lt: 'blob:\uffff' }).all();
    expect(blobKeys.length).toBeGreaterThan(0);
    await book.batch(blobKeys.map((key) => ({ type: 'del' as const, key })));
    const { txId } = JSON.parse(await book.get(`anchor:${v.id}`)) as { txId: string };
    await book.close();
    const anchoredDir = join(dir, 'gateway', 'store', 'anchored');
    await mkdir(anchoredDir);
    await writeFile(join(anchoredDir, v.digest.value), JSON.stringify({ txId, at: v.anchoredAt }));

    const later = await openFixture({
      dataDir: dir,
      seed: false,
      overrides: { orphanGraceMs: 0 },
    });
    try {
      const open = () =>
        later.runtime.datasets.open(PSB, v.catalogId, v.version, {
          grantId: null,
          fields: null,
          purpose: null,
        });
      // Not in the book yet: not served (the server reconciles before it listens).
      await expect(open()).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
      const report = await later.runtime.reconcile();
      expect(report.recorded).toContain(v.id);
      expect(report.removed).toEqual([]);
      expect(await text((await open()).stream)).toBe(body);
      const again = await later.runtime.reconcile();
      expect(again).toMatchObject({ recorded: [], removed: [] });
    } finally {
      await later.close();
    }
  });
});
