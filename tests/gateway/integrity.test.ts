/**
 * What the gateway serves is what the ledger anchored: proofs per version (one blob, many
 * versions), downloads checked against the anchored digest while they stream, missing or truncated
 * blobs refused before a use is recorded, and verify naming a damaged blob's file or a tampered index
 * key. The store's reconciliation with the ledger at start is ./anchor-book.test.ts's.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetVersion } from '@shulian/chaincode/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let base: string;
beforeAll(async () => {
  f = await openFixture();
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await f?.close();
});

type Who = [string, string];
const PSB: Who = ['psb', 'clerk'];
const get = (url: string, who: Who = ['health', 'clerk']) =>
  f.app.inject({ method: 'GET', url, headers: f.auth(...who) });
const upload = (entry: string, body: string, who: Who = PSB) =>
  f.app.inject({
    method: 'POST',
    url: `/api/v1/catalog/${entry}/versions?reason=integrity%20test`,
    headers: { ...f.auth(...who), 'content-type': 'text/csv' },
    payload: body,
  });
const blobFile = (sha256: string): string =>
  join(f.runtime.config.dataDir, 'gateway', 'store', 'blobs', sha256);

async function verifyBundle(bundle: unknown, digest?: unknown): Promise<boolean> {
  const res = await f.app.inject({
    method: 'POST',
    url: '/api/v1/verify/bundle',
    payload: digest ? { bundle, digest } : { bundle },
  });
  return res.json<{ ok: boolean }>().ok;
}

async function uploaded(entry: string, body: string): Promise<DatasetVersion> {
  const res = await upload(entry, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ data: DatasetVersion }>().data;
}

async function ledgerVerify(): Promise<{
  ok: boolean;
  divergences: { node: string; key?: string; file?: string; reason: string }[];
}> {
  const res = await f.app.inject({
    method: 'POST',
    url: '/api/v1/ledger/verify',
    headers: f.auth('coord', 'admin'),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const csv = (rows: number, width = 9): string =>
  'id_number\n' +
  Array.from({ length: rows }, () => randomBytes(width).toString('hex')).join('\n') +
  '\n';

describe('proofs are per version', () => {
  it('serves a proof for a version whose bytes were anchored before (HLT-ORG-001 v2 on the demo data)', async () => {
    const res = await get('/api/v1/catalog/HLT-ORG-001/versions/2/proof');
    expect(res.statusCode, res.body).toBe(200);
    const v1 = (await get('/api/v1/catalog/HLT-ORG-001/versions/1')).json<DatasetVersion>();
    const v2 = (await get('/api/v1/catalog/HLT-ORG-001/versions/2')).json<DatasetVersion>();
    expect(v2.digest).toEqual(v1.digest);
    expect(await verifyBundle(res.json(), v2.digest)).toBe(true);
    expect(res.json<{ anchor: { key: string } }>().anchor.key).toContain('2');
  });

  it('anchors 4 concurrent uploads of the same bytes to different entries, each with its own proof', async () => {
    const body = csv(50);
    const targets: [string, Who][] = [
      ['PSB-POP-001', PSB],
      ['PSB-CRIM-001', PSB],
      ['AMR-ENT-001', ['amr', 'clerk']],
      ['HLT-BIRTH-001', ['health', 'clerk']],
    ];
    const results = await Promise.all(targets.map(([entry, who]) => upload(entry, body, who)));
    for (const r of results) expect(r.statusCode, r.body).toBe(201);
    const versions = results.map((r) => r.json<{ data: DatasetVersion }>().data);
    expect(new Set(versions.map((v) => v.id)).size).toBe(4);
    for (const v of versions) {
      const proof = await get(`/api/v1/catalog/${v.catalogId}/versions/${v.version}/proof`);
      expect(proof.statusCode, proof.body).toBe(200);
      expect(await verifyBundle(proof.json(), v.digest)).toBe(true);
    }
  });
});

describe('downloads are checked against the anchored digest', () => {
  const content = (v: DatasetVersion) =>
    `/api/v1/catalog/${v.catalogId}/versions/${v.version}/content`;

  it('sends Content-Length and the anchored bytes of an intact blob', async () => {
    const body = csv(20);
    const v = await uploaded('PSB-POP-001', body);
    const res = await fetch(base + content(v), { headers: f.auth(...PSB) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    expect(await res.text()).toBe(body);
  });

  it('aborts the download of a blob with a flipped byte, never delivering it whole', async () => {
    // Larger than one read, so the response has started when the digest turns out wrong.
    const body = csv(10_000, 128);
    const v = await uploaded('PSB-POP-001', body);
    const file = blobFile(v.digest.value);
    const bytes = await readFile(file);
    bytes[bytes.length - 5]! ^= 0x01;
    await writeFile(file, bytes);
    try {
      const delivered = async () =>
        (await f.runtime.metrics.render()).match(
          /downloads_delivered_total\{projected="false"\} (\d+)/,
        )?.[1];
      const before = await delivered();
      const res = await fetch(base + content(v), { headers: f.auth(...PSB) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      await expect(res.text()).rejects.toThrow();
      expect(await f.runtime.metrics.render()).toMatch(
        /download_failures_total\{code="BLOB_DAMAGED"\} 1/,
      );
      expect(await delivered()).toBe(before);
      const report = await ledgerVerify();
      expect(report.ok).toBe(false);
      expect(report.divergences).toContainEqual(
        expect.objectContaining({ node: 'store', key: v.id, file }),
      );
    } finally {
      await writeFile(file, body);
    }
    expect((await ledgerVerify()).ok).toBe(true);
  });

  it.each([
    ['truncated', 'BLOB_DAMAGED', (file: string) => truncate(file, 10)],
    ['lengthened', 'BLOB_DAMAGED', (file: string) => appendFile(file, 'x')],
    ['deleted', 'BLOB_MISSING', (file: string) => rm(file)],
  ])(
    'refuses a %s blob with %s before any use is recorded, and verify names its file',
    async (_what, code, tamper) => {
      const body = csv(30);
      const v = await uploaded('PSB-CRIM-001', body);
      const file = blobFile(v.digest.value);
      await tamper(file);
      try {
        const height = await f.height();
        const res = await get(content(v), PSB);
        expect(res.statusCode).toBe(500);
        expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
        expect(await f.height()).toBe(height);
        const report = await ledgerVerify();
        expect(report.divergences).toContainEqual(
          expect.objectContaining({ node: 'store', key: v.id, file }),
        );
      } finally {
        await writeFile(file, body);
      }
      expect((await ledgerVerify()).ok).toBe(true);
    },
  );
});
