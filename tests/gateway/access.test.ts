/**
 * Access holes (issue 11), one regression test per hole, on the seeded demo gateway: every
 * disclosure goes through a grant and is recorded, refusals included, and an allowed use records
 * what it delivered.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '@shulian/chaincode/constants';
import { verifyBundle, type ProofBundle } from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import { disclosedRecord, type SelectiveRecordProof } from '@shulian/proof/records';
import { openFixture, writableMetadata, type Fixture } from './fixture.js';

let f: Fixture;
let nobody: string;
beforeAll(async () => {
  f = await openFixture();
  // A valid token whose user holds no role, on the ledger or in the token.
  nobody = (await f.runtime.tokens.create({ department: 'psb', user: 'nobody', roles: [] })).token;
}, 120_000);
afterAll(() => f.close());

type Who = [string, string] | 'nobody';
const headers = (who: Who) =>
  who === 'nobody' ? { authorization: `Bearer ${nobody}` } : f.auth(...who);
const get = (url: string, who: Who) => f.app.inject({ method: 'GET', url, headers: headers(who) });
const send = (method: 'POST' | 'PUT', url: string, payload: unknown, who: Who) =>
  f.app.inject({ method, url, headers: headers(who), payload: payload as object });
const upload = (url: string, body: string | Buffer, contentType: string, who: Who) =>
  f.app.inject({
    method: 'POST',
    url,
    headers: { ...headers(who), 'content-type': contentType },
    payload: body,
  });

type ErrorAnswer = { error: { code: string; details?: { usageId?: string } } };

/** The usage record a refusal or a delivery points at, as the audit trail shows it. */
async function usage(id: string): Promise<UsageRecord> {
  const trace = (await get('/api/v1/audit/usage?limit=200', ['coord', 'auditor'])).json<{
    items: UsageRecord[];
  }>();
  const found = trace.items.find((u) => u.id === id);
  if (!found) throw new Error(`usage ${id} is not in the audit trail`);
  return found;
}

async function refusedAndRecorded(
  res: Awaited<ReturnType<typeof get>>,
  code: string,
): Promise<UsageRecord> {
  const body = res.json<ErrorAnswer>();
  expect(body.error.code, res.body).toBe(code);
  expect(res.statusCode).toBe(403);
  const id = body.error.details?.usageId;
  expect(id, 'the refusal names its usage record').toMatch(/^USE-/);
  const u = await usage(id!);
  expect(u).toMatchObject({ outcome: 'DENIED', denialCode: code, bytes: 0, deliveredDigest: null });
  return u;
}

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** A grant id of the caller's department on an entry, from its grant list. */
async function grantOf(department: string, catalogId: string): Promise<string> {
  const grants = (await get(`/api/v1/grants?as=consumer`, [department, 'clerk'])).json<{
    items: { id: string; catalogId: string }[];
  }>();
  const grant = grants.items.find((g) => g.catalogId === catalogId);
  if (!grant) throw new Error(`${department} holds no grant on ${catalogId}`);
  return grant.id;
}

describe('record proofs are uses', () => {
  const proofUrl = '/api/v1/catalog/PSB-POP-001/versions/1/records/4/proof';

  it('refuses and records a record proof for a token without roles or without a grant', async () => {
    const noRoles = await refusedAndRecorded(await get(proofUrl, 'nobody'), 'FORBIDDEN_ROLE');
    expect(noRoles).toMatchObject({ action: 'prove', recordIndex: 4 });
    const noGrant = await refusedAndRecorded(
      await get(proofUrl, ['amr', 'clerk']),
      'GRANT_NOT_FOUND',
    );
    expect(noGrant).toMatchObject({ action: 'prove', recordIndex: 4, catalogId: 'PSB-POP-001' });
  });

  it('gives the owner a record proof and records it as a prove use with what was delivered', async () => {
    const res = await get(proofUrl, ['psb', 'clerk']);
    expect(res.statusCode).toBe(200);
    const bundle = res.json<{ subject: { proof: { index: number } } }>();
    expect(bundle.subject.proof.index).toBe(4);
    const u = await usage(String(res.headers['x-shulian-usage-id']));
    expect(u).toMatchObject({
      outcome: 'ALLOWED',
      action: 'prove',
      recordIndex: 4,
      bytes: Buffer.byteLength(res.body),
      deliveredDigest: { algorithm: 'sha256', value: sha256(res.body) },
    });
  });
});

describe('selective disclosure of fields', () => {
  it('gives a grantee limited to some fields a record proof that discloses only them and verifies offline', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/records/4/proof', [
      'health',
      'clerk',
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const granted = ['id_number', 'name', 'birth_date'];
    expect(res.headers['x-shulian-fields']).toBe(granted.join(','));
    const bundle = res.json<ProofBundle>();
    expect(bundle.version).toBe(2);
    const { record, withheld } = disclosedRecord(
      (bundle.subject as { proof: SelectiveRecordProof }).proof,
    );
    expect(Object.keys(record as object).sort()).toEqual([...granted].sort());
    expect(withheld.length).toBeGreaterThan(0);
    // The owner's proof of the same record shows what the grantee's withholds.
    const full = (
      await get('/api/v1/catalog/PSB-POP-001/versions/1/records/4/proof', ['psb', 'clerk'])
    ).json<ProofBundle>();
    const whole = disclosedRecord((full.subject as { proof: SelectiveRecordProof }).proof);
    expect(whole.withheld).toEqual([]);
    for (const field of withheld) {
      const value = (whole.record as Record<string, string>)[field]!;
      expect(value).not.toBe('');
      expect(res.body).not.toContain(JSON.stringify(value));
    }
    const trust = (await get('/api/v1/ledger/trust', ['health', 'clerk'])).json<unknown>();
    expect(
      await verifyBundle(bundle, trust, nodeProofCrypto, { kind: 'record', record }),
    ).toMatchObject({ ok: true });
    const u = await usage(String(res.headers['x-shulian-usage-id']));
    expect(u).toMatchObject({
      outcome: 'ALLOWED',
      action: 'prove',
      recordIndex: 4,
      fields: granted,
      deliveredDigest: { algorithm: 'sha256', value: sha256(res.body) },
    });
  });
});

describe('projection or refusal', () => {
  it('refuses and records a field-limited grant on data that cannot be projected', async () => {
    const entry = (await get('/api/v1/catalog/PSB-POP-001', ['psb', 'clerk'])).json<
      Record<string, unknown>
    >();
    const created = await send(
      'POST',
      '/api/v1/catalog',
      {
        ...writableMetadata(entry),
        id: 'PSB-SCAN-001',
        name: '户籍档案扫描件',
        format: 'application/octet-stream',
        shareType: 'unconditional',
        legalBasis: null,
      },
      ['psb', 'clerk'],
    );
    expect(created.statusCode, created.body).toBe(201);
    const anchored = await upload(
      '/api/v1/catalog/PSB-SCAN-001/versions',
      Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0x01, 0x02, 0x03]),
      'application/octet-stream',
      ['psb', 'clerk'],
    );
    expect(anchored.statusCode, anchored.body).toBe(201);
    const today = new Date().toISOString().slice(0, 10);
    const asked = await send(
      'POST',
      '/api/v1/requests',
      {
        catalogId: 'PSB-SCAN-001',
        fields: ['name'],
        purpose: 'work_reference',
        scenario: '核对姓名',
        period: { from: today, to: '2099-12-31' },
      },
      ['amr', 'clerk'],
    );
    expect(asked.statusCode, asked.body).toBe(201);
    const res = await get('/api/v1/catalog/PSB-SCAN-001/versions/1/content', ['amr', 'clerk']);
    const u = await refusedAndRecorded(res, 'FIELDS_NOT_PROJECTABLE');
    expect(u.fields).toEqual(['name']);
    expect(res.body).not.toContain('PDF');
  });
});

describe('uploads are what they declare', () => {
  const refused = async (
    url: string,
    body: string | Buffer,
    contentType: string,
    who: Who,
    code = 'FORMAT_MISMATCH',
  ) => {
    // With its reason, so that only the bytes can be what is refused.
    const res = await upload(
      `${url}${url.includes('?') ? '&' : '?'}reason=format-check`,
      body,
      contentType,
      who,
    );
    expect(res.json<ErrorAnswer>().error.code, res.body).toBe(code);
    expect(res.statusCode).toBe(code === 'FORMAT_MISMATCH' ? 400 : res.statusCode);
  };

  it('refuses CSV that does not parse, anchored by record or not, and anchors nothing', async () => {
    const url = '/api/v1/catalog/AMR-ENT-001/versions';
    const before = (await get(url, ['amr', 'clerk'])).json<{ items: unknown[] }>().items.length;
    const ragged = 'credit_code,name\n91110000,甲公司,多余\n';
    await refused(url, ragged, 'text/csv', ['amr', 'clerk']);
    await refused(`${url}?records=false`, ragged, 'text/csv', ['amr', 'clerk']);
    await refused(`${url}?records=false`, 'a,b\n"open,2\n', 'text/csv', ['amr', 'clerk']);
    const after = (await get(url, ['amr', 'clerk'])).json<{ items: unknown[] }>().items.length;
    expect(after).toBe(before);
  });

  it('refuses invalid JSON Lines', async () => {
    await refused(
      '/api/v1/catalog/HLT-ORG-001/versions',
      '{"licence_no":"1"}\n{not json}\n',
      'application/x-ndjson',
      ['health', 'clerk'],
    );
  });
});

describe('every refusal is recorded, with one code per reason', () => {
  it("records a download with another department's grant", async () => {
    const healthGrant = await grantOf('health', 'PSB-POP-001');
    await refusedAndRecorded(
      await get(`/api/v1/catalog/PSB-POP-001/versions/1/content?grantId=${healthGrant}`, [
        'amr',
        'clerk',
      ]),
      'GRANT_NOT_HOLDER',
    );
  });

  it('records a download with an unknown grant', async () => {
    await refusedAndRecorded(
      await get('/api/v1/catalog/PSB-POP-001/versions/1/content?grantId=GRANT-404', [
        'amr',
        'clerk',
      ]),
      'GRANT_NOT_FOUND',
    );
  });
});

describe('delivery receipts', () => {
  it('records the bytes and digest of a projected download, as served', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['health', 'clerk']);
    expect(res.statusCode).toBe(200);
    expect(res.body.split('\r\n')[0]).toBe('id_number,name,birth_date');
    const body = res.rawPayload;
    expect(Number(res.headers['content-length'])).toBe(body.length);
    const u = await usage(String(res.headers['x-shulian-usage-id']));
    expect(u).toMatchObject({
      outcome: 'ALLOWED',
      fields: ['id_number', 'name', 'birth_date'],
      bytes: body.length,
      deliveredDigest: { algorithm: 'sha256', value: sha256(body) },
    });
  });

  it('records the anchored digest for a whole-file download', async () => {
    const res = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['psb', 'clerk']);
    expect(res.statusCode).toBe(200);
    const version = (await get('/api/v1/catalog/PSB-POP-001/versions/1', ['psb', 'clerk'])).json<{
      digest: { value: string };
      size: number;
    }>();
    expect(sha256(res.rawPayload)).toBe(version.digest.value);
    const u = await usage(String(res.headers['x-shulian-usage-id']));
    expect(u).toMatchObject({ bytes: version.size, deliveredDigest: version.digest });
  });
});

describe('downloads', () => {
  it('sends nosniff and Content-Length, and serves what is not a data format as opaque bytes', async () => {
    const csv = await get('/api/v1/catalog/PSB-POP-001/versions/1/content', ['psb', 'clerk']);
    expect(csv.headers['x-content-type-options']).toBe('nosniff');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const scan = await get('/api/v1/catalog/PSB-SCAN-001/versions/1/content', ['psb', 'clerk']);
    expect(scan.statusCode).toBe(200);
    expect(scan.headers['content-type']).toBe('application/octet-stream');
    expect(scan.headers['x-content-type-options']).toBe('nosniff');
    expect(scan.headers['content-length']).toBe('8');
  });
});

describe('grants and requests as the provider and the overseers see them', () => {
  it('names the provider’s unconditional-sharing rule as grantor of an automatic grant', async () => {
    const grants = (await get('/api/v1/grants?as=consumer', ['psb', 'clerk'])).json<{
      items: {
        catalogId: string;
        automatic: boolean;
        grantedBy: { department: string; user: string };
      }[];
    }>();
    const automatic = grants.items.find((g) => g.catalogId === 'AMR-ENT-001');
    expect(automatic).toMatchObject({
      automatic: true,
      grantedBy: { department: 'amr', user: 'rule:unconditional' },
    });
    const requests = (await get('/api/v1/requests', ['psb', 'clerk'])).json<{
      items: { catalogId: string; decision: { by: { department: string } } | null }[];
    }>();
    expect(requests.items.find((r) => r.catalogId === 'AMR-ENT-001')?.decision?.by).toEqual({
      department: 'amr',
      user: 'rule:unconditional',
    });
  });

  it('shows supervisors and the coordinator every department’s requests', async () => {
    const everyone = (await get('/api/v1/requests', ['psb', 'clerk'])).json<{ items: unknown[] }>();
    expect(everyone.items.length).toBeGreaterThan(0);
    for (const who of [
      ['coord', 'auditor'],
      ['coord', 'admin'],
    ] as const) {
      const seen = (await get('/api/v1/requests', [...who])).json<{
        items: { requester: { department: string } }[];
      }>();
      expect(new Set(seen.items.map((r) => r.requester.department))).toEqual(
        new Set(['health', 'psb', 'amr']),
      );
    }
    const own = (await get('/api/v1/requests', ['amr', 'clerk'])).json<{
      items: { requester: { department: string } }[];
    }>();
    expect(new Set(own.items.map((r) => r.requester.department))).toEqual(new Set(['amr']));
  });

  it('lets only the coordinator’s admin and supervisors verify the ledger', async () => {
    for (const who of [['psb', 'clerk'], ['psb', 'admin'], 'nobody'] as const) {
      const res = await send(
        'POST',
        '/api/v1/ledger/verify',
        undefined,
        who === 'nobody' ? who : [...who],
      );
      expect(res.statusCode).toBe(403);
      expect(res.json<ErrorAnswer>().error.code).toBe('FORBIDDEN');
    }
  });
});
