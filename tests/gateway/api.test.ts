/**
 * The API through app.inject on a real embedded network seeded with the demo data: reads from
 * the index and the ledger, chaincode codes kept across the boundary, downloads, proofs, exports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/src/app.js';
import { fromLedgerError } from '../../gateway/src/errors.js';
import { openFixture, writableMetadata, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
});
afterAll(async () => {
  await f?.close();
});

const get = (url: string, who: [string, string] = ['health', 'clerk']) =>
  f.app.inject({ method: 'GET', url, headers: f.auth(...who) });
const post = (url: string, payload: unknown, who: [string, string]) =>
  f.app.inject({ method: 'POST', url, headers: f.auth(...who), payload: payload as object });

/** An entry's writable metadata: everything the chaincode does not set itself. */
async function metadataOf(id: string): Promise<Record<string, unknown>> {
  return writableMetadata((await get(`/api/v1/catalog/${id}`)).json<Record<string, unknown>>());
}

describe('errors', () => {
  it('keeps the chaincode code found anywhere in a ledger message', () => {
    const err = fromLedgerError(
      new Error('endorsement failed on psb: [GRANT_EXPIRED] grant G-1 ended on 2026-01-01'),
    );
    expect(err.code).toBe('GRANT_EXPIRED');
    expect(err.statusCode).toBe(403);
    expect(err.message).toBe('grant G-1 ended on 2026-01-01');
    expect(fromLedgerError(new Error('socket hang up')).code).toBe('LEDGER_ERROR');
    expect(fromLedgerError(new Error('[NOT_A_CODE_WE_KNOW] x')).code).toBe('LEDGER_ERROR');
  });
});

describe('health, docs, metrics', () => {
  it('serves liveness, readiness, metrics and the OpenAPI document', async () => {
    expect((await f.app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = (await f.app.inject('/ready')).json<{ ready: boolean; agreement: boolean }>();
    expect(ready.ready).toBe(true);
    expect(ready.agreement).toBe(true);
    const metrics = await f.app.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/shulian_ledger_height \d+/);
    expect(metrics.body).toMatch(/shulian_http_request_duration_seconds_bucket/);
    const doc = (await f.app.inject('/docs/json')).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/catalog/', '/api/v1/audit/usage', '/api/v1/verify/']),
    );
  });
});

describe('catalog and departments', () => {
  it('lists departments from the ledger and answers who the caller is', async () => {
    const deps = (await get('/api/v1/departments')).json<{ items: { id: string }[] }>();
    expect(deps.items.map((d) => d.id).sort()).toEqual(['amr', 'coord', 'health', 'psb']);
    const me = (await get('/api/v1/me')).json<{
      department: string;
      roles: string[];
      isCoordinator: boolean;
    }>();
    expect(me).toMatchObject({ department: 'health', isCoordinator: false });
    expect(me.roles).toEqual(expect.arrayContaining(['publisher', 'consumer']));
  });

  it('searches and filters the catalog with pagination', async () => {
    const all = (await get('/api/v1/catalog?limit=2')).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(all.items).toHaveLength(2);
    const next = (await get(`/api/v1/catalog?limit=10&cursor=${all.nextCursor!}`)).json<{
      items: { id: string }[];
    }>();
    expect(next.items).toHaveLength(3);
    const notShared = (await get('/api/v1/catalog?shareType=not_shared')).json<{
      items: { id: string; legalBasis: string }[];
    }>();
    expect(notShared.items.map((c) => c.id)).toEqual(['PSB-CRIM-001']);
    expect(notShared.items[0]!.legalBasis).toMatch(/刑事诉讼法/);
    const important = (await get('/api/v1/catalog?sensitivity=important')).json<{
      items: unknown[];
    }>();
    expect(important.items).toHaveLength(1);
    const byText = (
      await get(`/api/v1/catalog?q=${encodeURIComponent('出生')}&owner=health`)
    ).json<{ items: { id: string }[] }>();
    expect(byText.items.map((c) => c.id)).toEqual(['HLT-BIRTH-001']);
    expect(
      (await get('/api/v1/catalog?level=city&updateFrequency=monthly')).json<{ items: unknown[] }>()
        .items,
    ).toHaveLength(1);
  });

  it('keeps chaincode error codes: not found, wrong owner, missing legal basis', async () => {
    const missing = await get('/api/v1/catalog/NOPE-1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('CATALOG_NOT_FOUND');

    const metadata = await metadataOf('PSB-POP-001');
    const notOwner = await f.app.inject({
      method: 'PUT',
      url: '/api/v1/catalog/PSB-POP-001',
      headers: f.auth('health', 'clerk'),
      payload: { ...metadata, changeReason: 'takeover' },
    });
    expect(notOwner.statusCode).toBe(403);
    expect(notOwner.json<{ error: { code: string } }>().error.code).toBe('NOT_OWNER');

    const noBasis = await post(
      '/api/v1/catalog',
      { ...metadata, id: 'PSB-SECRET-2', shareType: 'not_shared', legalBasis: null },
      ['psb', 'clerk'],
    );
    expect(noBasis.statusCode).toBe(400);
    expect(noBasis.json<{ error: { code: string } }>().error.code).toBe('LEGAL_BASIS_REQUIRED');

    const updated = await f.app.inject({
      method: 'PUT',
      url: '/api/v1/catalog/PSB-POP-001',
      headers: f.auth('psb', 'clerk'),
      payload: { ...metadata, changeReason: '职责调整：增加户籍类别说明' },
    });
    expect(updated.statusCode).toBe(200);
    const history = (await get('/api/v1/catalog/PSB-POP-001/history')).json<{
      items: { value: { version: number } }[];
    }>();
    expect(history.items.map((h) => h.value.version).sort()).toEqual([1, 2]);
  });
});

describe('catalog update requirements', () => {
  it('the coordinator requires an update; the owner answers it by updating', async () => {
    const refused = await post('/api/v1/catalog/PSB-CRIM-001/require-update', { reason: 'x' }, [
      'psb',
      'admin',
    ]);
    expect(refused.statusCode).toBe(403);
    const required = await post(
      '/api/v1/catalog/PSB-CRIM-001/require-update',
      { reason: '《刑事诉讼法》修订，请核对法律依据' },
      ['coord', 'admin'],
    );
    expect(required.statusCode, required.body).toBe(201);
    expect(required.json<{ data: { status: string; overdue: boolean } }>().data).toMatchObject({
      status: 'open',
      overdue: false,
    });
    type Listed = { items: { catalogId: string; status: string; overdue: boolean }[] };
    const listed = async (query: string, app = f.app) =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/catalog-updates?${query}`,
          headers: f.auth('health', 'clerk'),
        })
      ).json<Listed>().items;
    expect(await listed('owner=psb&status=open')).toEqual([
      expect.objectContaining({ catalogId: 'PSB-CRIM-001', status: 'open', overdue: false }),
    ]);
    expect(await listed('status=open&overdue=true')).toEqual([]);
    // The same index read 30 days later, past the 15 working days: overdue in lists and stats.
    const later = await buildApp(f.runtime.context({ now: () => Date.now() + 30 * 86_400_000 }), {
      web: false,
    });
    try {
      expect(await listed('status=open&overdue=true', later)).toEqual([
        expect.objectContaining({ catalogId: 'PSB-CRIM-001', overdue: true }),
      ]);
      const stats = await later.inject({
        method: 'GET',
        url: '/api/v1/stats/psb',
        headers: f.auth('health', 'clerk'),
      });
      expect(stats.json<{ overdueCatalogUpdates: number }>().overdueCatalogUpdates).toBe(1);
    } finally {
      await later.close();
    }
    const metadata = await metadataOf('PSB-CRIM-001');
    const updated = await f.app.inject({
      method: 'PUT',
      url: '/api/v1/catalog/PSB-CRIM-001',
      headers: f.auth('psb', 'clerk'),
      payload: { ...metadata, changeReason: '已核对法律依据' },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    const answered = (await get('/api/v1/catalog/PSB-CRIM-001/update-requirement')).json<{
      status: string;
      answer: { version: number };
    }>();
    expect(answered).toMatchObject({ status: 'updated', answer: { version: 2 } });
    // The index takes the closed requirement from the entry's CatalogEntryUpdated event.
    expect(await listed('owner=psb&status=open')).toEqual([]);
    expect(await listed('owner=psb')).toEqual([
      expect.objectContaining({ catalogId: 'PSB-CRIM-001', status: 'updated', overdue: false }),
    ]);
    expect(await listed('owner=amr')).toEqual([]);
    expect(await listed('catalogId=PSB-CRIM-001&status=updated')).toHaveLength(1);
    expect(await listed('catalogId=PSB-CRIM-001&status=open')).toEqual([]);
    expect(await listed('catalogId=AMR-ENT-001')).toEqual([]);
    // A later requirement replaces the answered one in lists, as it does on chain.
    const again = await post(
      '/api/v1/catalog/PSB-CRIM-001/require-update',
      { reason: '机构改革，职责调整' },
      ['coord', 'admin'],
    );
    expect(again.statusCode, again.body).toBe(201);
    expect(await listed('owner=psb')).toEqual([
      expect.objectContaining({ catalogId: 'PSB-CRIM-001', status: 'open' }),
    ]);
  });
});

describe('requests, grants, objections, stats', () => {
  it('shows inbox and outbox with overdue flags', async () => {
    const inbox = (await get('/api/v1/requests?box=inbox')).json<{
      items: { catalogId: string; overdue: boolean }[];
    }>();
    expect(inbox.items.find((r) => r.catalogId === 'HLT-BIRTH-001')?.overdue).toBe(true);
    const outbox = (await get('/api/v1/requests?box=outbox&status=approved')).json<{
      items: { status: string }[];
    }>();
    expect(outbox.items.every((r) => r.status === 'approved')).toBe(true);
    const foreign = await get('/api/v1/requests?box=inbox&department=psb');
    expect(foreign.statusCode).toBe(403);
    const supervised = await get('/api/v1/requests?box=inbox&department=psb', ['coord', 'auditor']);
    expect(supervised.statusCode).toBe(200);
  });

  it('creates, withdraws and refuses invalid transitions with the chaincode code', async () => {
    const created = await post(
      '/api/v1/requests',
      {
        catalogId: 'HLT-BIRTH-001',
        fields: ['cert_no'],
        purpose: 'work_reference',
        scenario: 'test',
        period: { from: '2026-11-01', to: '2026-12-31' },
      },
      ['psb', 'clerk'],
    );
    expect(created.statusCode).toBe(201);
    const id = created.json<{ data: { request: { id: string; status: string } } }>().data.request
      .id;
    const withdrawn = await post(
      `/api/v1/requests/${id}/withdraw`,
      { reason: 'no longer needed' },
      ['psb', 'clerk'],
    );
    expect(withdrawn.json<{ data: { request: { status: string } } }>().data.request.status).toBe(
      'withdrawn',
    );
    const again = await post(`/api/v1/requests/${id}/approve`, {}, ['health', 'clerk']);
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('INVALID_STATE');
  });

  it('lists grants and objections and computes statistics', async () => {
    const grants = (await get('/api/v1/grants')).json<{
      items: { catalogId: string; useCount: number }[];
    }>();
    expect(
      grants.items.find((g) => g.catalogId === 'PSB-POP-001')?.useCount,
    ).toBeGreaterThanOrEqual(1);
    const objections = (
      await get('/api/v1/objections?as=provider&department=amr', ['coord', 'auditor'])
    ).json<{ items: { status: string }[] }>();
    expect(objections.items.map((o) => o.status)).toEqual(['open']);
    const stats = (await get('/api/v1/stats/health', ['coord', 'auditor'])).json<{
      overdueRequests: number;
      qualityRate: number;
    }>();
    expect(stats.overdueRequests).toBe(1);
    expect(stats.qualityRate).toBeLessThan(1);
  });
});

describe('datasets, downloads and proofs', () => {
  it('streams a download projected to the granted fields, after recording the use', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content');
    expect(res.statusCode).toBe(200);
    const [header, first] = res.body.split('\r\n');
    expect(header).toBe('id_number,name,birth_date');
    expect(first!.split(',')).toHaveLength(3);
    expect(res.headers['x-shulian-usage-id']).toMatch(/^USE-/);
  });

  it('refuses a download outside the grant with 403 and records the refusal', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content?fields=name,address');
    expect(res.statusCode).toBe(403);
    const body = res.json<{ error: { code: string; details: { usageId: string } } }>();
    expect(body.error.code).toBe('FIELDS_NOT_GRANTED');
    const trace = (
      await get('/api/v1/audit/usage?catalogId=PSB-POP-001&outcome=DENIED', ['coord', 'auditor'])
    ).json<{ items: { id: string }[] }>();
    expect(trace.items.map((u) => u.id)).toContain(body.error.details.usageId);
  });

  it('serves a proof bundle that verifies, and a record proof', async () => {
    const bundle = (await get('/api/v1/catalog/AMR-ENT-001/versions/1/proof')).json<{
      subject: { digest: { value: string } };
    }>();
    const ok = await f.app.inject({
      method: 'POST',
      url: '/api/v1/verify/bundle',
      payload: { bundle },
    });
    expect(ok.json()).toMatchObject({ ok: true });
    const tampered = JSON.parse(
      JSON.stringify(bundle).replace(/"size":\d+/, '"size":1'),
    ) as unknown;
    const bad = (
      await f.app.inject({
        method: 'POST',
        url: '/api/v1/verify/bundle',
        payload: { bundle: tampered },
      })
    ).json<{ ok: boolean; failures: unknown[] }>();
    expect(bad.ok).toBe(false);
    expect(bad.failures.length).toBeGreaterThan(0);
    const byDigest = (
      await f.app.inject(`/api/v1/verify?digest=${bundle.subject.digest.value}`)
    ).json<{ matches: { catalogId: string }[] }>();
    expect(byDigest.matches.map((m) => m.catalogId)).toEqual(['AMR-ENT-001']);

    const recordBundle = (
      await get('/api/v1/catalog/AMR-ENT-001/versions/1/records/3/proof', ['amr', 'clerk'])
    ).json<{ subject: { proof: unknown } }>();
    const record = (
      await f.app.inject({
        method: 'POST',
        url: '/api/v1/verify/record',
        payload: { proof: recordBundle.subject.proof },
      })
    ).json<{ ok: boolean }>();
    expect(record.ok).toBe(true);
  });

  it('verifies an uploaded file by streaming hash, without storing it', async () => {
    const content = await get('/api/v1/catalog/HLT-ORG-001/versions/2/content', [
      'health',
      'clerk',
    ]);
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/verify/file',
      headers: { 'content-type': 'application/octet-stream' },
      payload: content.rawPayload,
    });
    expect(res.json<{ matches: { version: number }[] }>().matches.length).toBeGreaterThan(0);
    const other = await f.app.inject({
      method: 'POST',
      url: '/api/v1/verify/file',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b\n1,2\n',
    });
    expect(other.json<{ matches: unknown[] }>().matches).toEqual([]);
  });
});

describe('uploads', () => {
  const upload = (url: string, payload: string, who: [string, string], type = 'text/csv') =>
    f.app.inject({
      method: 'POST',
      url,
      headers: { ...f.auth(...who), 'content-type': type },
      payload,
    });

  it('anchors an SM3 version end to end: upload, verify by SM3 digest, download, proof', async () => {
    const csv =
      'credit_code,name,legal_rep,capital,established,status\n91130682MA1,甲公司,乙,10,2020-01-01,存续\n';
    const res = await upload(
      '/api/v1/catalog/AMR-ENT-001/versions?algorithm=sm3&reason=sm3%20test',
      csv,
      ['amr', 'clerk'],
    );
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json<{
      data: { version: number; digest: { algorithm: string; value: string }; recordCount: number };
    }>().data;
    expect(version.digest.algorithm).toBe('sm3');
    expect(version.recordCount).toBe(1);
    const found = (
      await f.app.inject(`/api/v1/verify?algorithm=sm3&digest=${version.digest.value}`)
    ).json<{ matches: { version: number }[] }>();
    expect(found.matches.map((m) => m.version)).toEqual([version.version]);
    const content = await get(`/api/v1/catalog/AMR-ENT-001/versions/${version.version}/content`, [
      'amr',
      'clerk',
    ]);
    expect(content.body).toBe(csv);
    const bundle = (
      await get(`/api/v1/catalog/AMR-ENT-001/versions/${version.version}/proof`)
    ).json<unknown>();
    const checked = await f.app.inject({
      method: 'POST',
      url: '/api/v1/verify/bundle',
      payload: { bundle, digest: version.digest },
    });
    expect(checked.json<unknown>()).toMatchObject({ ok: true });
  });

  it('refuses empty, foreign and oversized uploads without anchoring', async () => {
    const before = await f.height();
    const empty = await upload(
      '/api/v1/catalog/HLT-ORG-001/versions',
      '',
      ['health', 'clerk'],
      'application/x-ndjson',
    );
    expect(empty.statusCode).toBe(400);
    const foreign = await upload('/api/v1/catalog/HLT-ORG-001/versions', 'a,b\n1,2\n', [
      'psb',
      'clerk',
    ]);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('NOT_OWNER');
    const oversized = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/HLT-ORG-001/versions',
      headers: {
        ...f.auth('health', 'clerk'),
        'content-type': 'application/octet-stream',
        'content-length': String(2 ** 40),
      },
      payload: 'x',
    });
    expect(oversized.statusCode).toBe(413);
    const badCsv = await upload('/api/v1/catalog/HLT-BIRTH-001/versions', 'a,b\n1,2,3\n', [
      'health',
      'clerk',
    ]);
    expect(badCsv.statusCode).toBe(400);
    expect(await f.height()).toBe(before);
  });
});

describe('audit exports, DCAT, ledger', () => {
  it('exports the trail as CSV and PROV-JSON', async () => {
    const csv = await get('/api/v1/audit/usage.csv?catalogId=PSB-POP-001', ['psb', 'clerk']);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toMatch(/^at,id,outcome,action/);
    expect(csv.body).toMatch(/DENIED/);
    const prov = (
      await get('/api/v1/audit/prov?catalogId=PSB-POP-001', ['coord', 'auditor'])
    ).json<{ activity: Record<string, unknown>; used: Record<string, unknown> }>();
    // Every use, the refused ones too, is linked to the dataset it targeted.
    const targeted = new Set(
      Object.values(prov.used).map((u) => (u as { 'prov:activity': string })['prov:activity']),
    );
    expect(Object.keys(prov.activity).every((a) => targeted.has(a))).toBe(true);
    const forbidden = await get('/api/v1/audit/usage?catalogId=PSB-POP-001', ['amr', 'clerk']);
    expect(forbidden.statusCode).toBe(403);
  });

  it('exports the catalog as DCAT-AP JSON-LD', async () => {
    const res = await get('/api/v1/dcat/catalog.jsonld');
    expect(res.headers['content-type']).toMatch(/application\/ld\+json/);
    const doc = res.json<{
      '@type': string;
      'dcat:dataset': { 'dct:identifier': string; 'dcat:distribution': unknown[] }[];
    }>();
    expect(doc['@type']).toBe('dcat:Catalog');
    expect(
      doc['dcat:dataset'].find((d) => d['dct:identifier'] === 'HLT-BIRTH-001')?.[
        'dcat:distribution'
      ],
    ).toHaveLength(1);
  });

  it('shows nodes, blocks, transactions and verifies the ledger', async () => {
    const status = (await get('/api/v1/ledger/status')).json<{
      nodes: unknown[];
      agreement: boolean;
      height: number;
    }>();
    expect(status.nodes).toHaveLength(4);
    expect(status.agreement).toBe(true);
    const blocks = (await get('/api/v1/ledger/blocks?limit=3')).json<{
      items: { blockNumber: number }[];
    }>();
    expect(blocks.items.map((b) => b.blockNumber)).toEqual([
      status.height - 1,
      status.height - 2,
      status.height - 3,
    ]);
    const block = (await get(`/api/v1/ledger/blocks/${status.height - 1}`)).json<{
      transactions: { txId: string }[];
    }>();
    const tx = await get(`/api/v1/ledger/transactions/${block.transactions[0]!.txId}`);
    expect(tx.statusCode).toBe(200);
    expect((await get(`/api/v1/ledger/blocks/${status.height + 10}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/ledger/transactions/${'0'.repeat(64)}`)).statusCode).toBe(404);
    const verified = (await post('/api/v1/ledger/verify', undefined, ['coord', 'auditor'])).json<{
      ok: boolean;
    }>();
    expect(verified.ok).toBe(true);
  });
});
