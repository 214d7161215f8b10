/**
 * The full story over real HTTP against a started server (`node dist/gateway/src/server.js`, the
 * build `npm test` makes first) and the real CLI: register departments, anchor, verify offline,
 * request, approve, download (and verify the projected file against its delivery receipt), trace,
 * object, correct; with the failure paths along the way.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { code, IDENTITIES, startGateway, type Gateway } from './gateway.js';

let gateway: Gateway;
let dir: string;
let base: string;
let tokens: Record<string, string>;
const cli: Gateway['cli'] = (args) => gateway.cli(args);
const api: Gateway['api'] = (...args) => gateway.api(...args);

beforeAll(async () => {
  gateway = await startGateway(IDENTITIES);
  ({ dir, base, tokens } = gateway);
}, 90_000);

afterAll(() => gateway?.close());

// CLI calls start a node process each; on a loaded CI machine a step can take tens of seconds.
describe('the Shulian story over HTTP', { timeout: 120_000 }, () => {
  const csv =
    [
      'id_number,name,birth_date,address',
      '130682199001011234,王伟,1990-01-01,北城区1号',
      '130682198505052345,李娜,1985-05-05,南城区2号',
    ].join('\n') + '\n';
  let datasetFile: string;
  let requestId: string;
  let objectionId: string;

  it('registers departments and roles (coordinator only)', async () => {
    const calendar = await api('coordAdmin', 'PUT', '/api/v1/calendar/2026', {
      holidays: [
        '2026-01-01',
        '2026-10-01',
        '2026-10-02',
        '2026-10-05',
        '2026-10-06',
        '2026-10-07',
      ],
      workdays: ['2026-01-04', '2026-09-20', '2026-10-10'],
    });
    expect(calendar.status).toBe(200);
    for (const [id, nameZh, nameEn] of [
      ['psb', '市公安局', 'Public Security'],
      ['health', '市卫生健康委员会', 'Health Commission'],
    ]) {
      const r = await api('coordAdmin', 'POST', '/api/v1/departments', {
        id,
        nameZh,
        nameEn,
        level: 'city',
        parent: 'coord',
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const refused = await api('psbAdmin', 'POST', '/api/v1/departments', {
      id: 'amr',
      nameZh: '市场监管局',
      nameEn: 'AMR',
      level: 'city',
      parent: 'coord',
    });
    expect(refused.status).toBe(403);
    expect(code(refused)).toBe('NOT_COORDINATOR');
    expect(
      (
        await api('psbAdmin', 'PUT', '/api/v1/departments/psb/users/clerk/roles', {
          roles: ['publisher'],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api('healthAdmin', 'PUT', '/api/v1/departments/health/users/clerk/roles', {
          roles: ['consumer'],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await api('coordAdmin', 'PUT', '/api/v1/departments/coord/users/auditor/roles', {
          roles: ['supervisor'],
        })
      ).status,
    ).toBe(200);
    const crossDepartment = await api(
      'psbAdmin',
      'PUT',
      '/api/v1/departments/health/users/clerk/roles',
      { roles: ['publisher'] },
    );
    expect(crossDepartment.status).toBe(403);
  });

  it('publishes a catalog entry; refuses 不予共享 without a legal basis', async () => {
    const entry = {
      id: 'PSB-POP-9',
      name: '人口基本信息',
      classification: 'base',
      abstract: '户籍人口基本信息',
      format: 'text/csv',
      fields: [
        { name: 'id_number', type: 'string', sensitivity: 'sensitive' },
        { name: 'name', type: 'string', sensitivity: 'internal' },
        { name: 'birth_date', type: 'date', sensitivity: 'sensitive' },
        { name: 'address', type: 'string', sensitivity: 'sensitive' },
      ],
      shareType: 'conditional',
      shareConditions: '按字段申请',
      shareMethods: ['file'],
      openness: 'not_open',
      updateFrequency: 'daily',
      publishDate: '2026-01-05',
    };
    const noBasis = await api('psb', 'POST', '/api/v1/catalog', {
      ...entry,
      id: 'PSB-SECRET-9',
      shareType: 'not_shared',
    });
    expect(noBasis.status).toBe(400);
    expect(code(noBasis)).toBe('LEGAL_BASIS_REQUIRED');
    const created = await api('psb', 'POST', '/api/v1/catalog', entry);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  });

  it('anchors a dataset with the CLI; a non-owner cannot', async () => {
    datasetFile = join(dir, 'population.csv');
    await writeFile(datasetFile, csv);
    const anchorAs = (token: string) =>
      cli([
        'anchor',
        datasetFile,
        '--catalog',
        'PSB-POP-9',
        '--url',
        base,
        '--token',
        token,
        '--json',
      ]);
    const anchored = await anchorAs(tokens.psb!);
    expect(anchored.code, anchored.out + anchored.err).toBe(0);
    expect((JSON.parse(anchored.out) as { data: { version: number } }).data.version).toBe(1);
    const foreign = await anchorAs(tokens.health!);
    expect(foreign.code).toBe(1);
    expect((JSON.parse(foreign.out) as { error: { code: string } }).error.code).toBe('NOT_OWNER');
  });

  it('verifies the file offline against a proof bundle and the trust file; a changed byte fails', async () => {
    const proof = join(dir, 'proof.json');
    const trust = join(dir, 'trust.json');
    expect(
      (
        await cli([
          'proof',
          '--catalog',
          'PSB-POP-9',
          '--version',
          '1',
          '--out',
          proof,
          '--url',
          base,
          '--token',
          tokens.health!,
        ])
      ).code,
    ).toBe(0);
    expect((await cli(['trust', 'export', '--out', trust, '--url', base])).code).toBe(0);
    // Offline from here: the server is not asked (no --url), stopping it would not matter.
    const ok = await cli(['verify', datasetFile, '--proof', proof, '--trust', trust, '--json']);
    expect(ok.code, ok.out).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, offline: true });
    const tampered = join(dir, 'tampered.csv');
    await writeFile(tampered, csv.replace('王伟', '王五'));
    const bad = await cli(['verify', tampered, '--proof', proof, '--trust', trust]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/NOT VERIFIED/);
    // The block header's data hash, in the bundle of either ledger format (embedded or fabric).
    const bundle = JSON.parse(await readFile(proof, 'utf8')) as
      | { ledger?: undefined; block: { header: { dataHash: string } } }
      | { ledger: 'fabric'; fabric: { header: { dataHash: string } } };
    (bundle.ledger === 'fabric' ? bundle.fabric : bundle.block).header.dataHash = '0'.repeat(64);
    await writeFile(proof, JSON.stringify(bundle));
    expect((await cli(['verify', datasetFile, '--proof', proof, '--trust', trust])).code).toBe(1);
    const online = await cli(['verify', datasetFile, '--url', base, '--json']);
    expect(JSON.parse(online.out)).toMatchObject({ ok: true });
  });

  it('requests data; a download before approval is refused and recorded', async () => {
    const created = await api<{ data: { request: { id: string; status: string } } }>(
      'health',
      'POST',
      '/api/v1/requests',
      {
        catalogId: 'PSB-POP-9',
        fields: ['id_number', 'name'],
        purpose: 'data_verification',
        scenario: '出生登记核验父母身份',
        period: { from: '2026-01-01', to: '2026-12-31' },
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.data.request.status).toBe('pending');
    requestId = created.body.data.request.id;
    const inbox = await api<{ items: { id: string }[] }>(
      'psb',
      'GET',
      '/api/v1/requests?box=inbox',
    );
    expect(inbox.body.items.map((r) => r.id)).toContain(requestId);
    const early = await api('health', 'GET', '/api/v1/catalog/PSB-POP-9/versions/1/content');
    expect(early.status).toBe(403);
    expect(code(early)).toBe('GRANT_NOT_FOUND');
  });

  it('approves (provider only) and downloads projected to the granted fields', async () => {
    const wrong = await api('health', 'POST', `/api/v1/requests/${requestId}/approve`, {});
    expect(wrong.status).toBe(403);
    const approved = await api<{ data: { grant: { id: string } } }>(
      'psb',
      'POST',
      `/api/v1/requests/${requestId}/approve`,
      { reason: '依法核验' },
    );
    expect(approved.status).toBe(200);
    const download = await fetch(`${base}/api/v1/catalog/PSB-POP-9/versions/1/content`, {
      headers: { authorization: `Bearer ${tokens.health}` },
    });
    expect(download.status).toBe(200);
    const projected = Buffer.from(await download.arrayBuffer());
    expect(projected.toString('utf8').split('\r\n').slice(0, 2)).toEqual([
      'id_number,name',
      '130682199001011234,王伟',
    ]);
    // The consumer's proof of lawful use: the projected file, anchored nowhere, checked offline
    // against its use's delivery receipt, which names the grant, purpose and fields.
    const projectedFile = join(dir, 'projected.csv');
    await writeFile(projectedFile, projected);
    const receipt = join(dir, 'projected.receipt.json');
    const useId = download.headers.get('x-shulian-usage-id')!;
    const fetched = await cli([
      'proof',
      '--usage',
      useId,
      '--out',
      receipt,
      '--url',
      base,
      '--token',
      tokens.health!,
    ]);
    expect(fetched.code, fetched.err).toBe(0);
    const trust = join(dir, 'receipt-trust.json');
    expect((await cli(['trust', 'export', '--out', trust, '--url', base])).code).toBe(0);
    const checked = await cli([
      'verify',
      projectedFile,
      '--delivery',
      receipt,
      '--trust',
      trust,
      '--json',
    ]);
    expect(checked.code, checked.out).toBe(0);
    expect(JSON.parse(checked.out)).toMatchObject({
      ok: true,
      delivery: {
        id: useId,
        grantId: approved.body.data.grant.id,
        purpose: 'data_verification',
        fields: ['id_number', 'name'],
        consumer: { department: 'health', user: 'clerk' },
      },
    });
    await writeFile(projectedFile, Buffer.concat([projected, Buffer.from('\r\n')]));
    const altered = await cli(['verify', projectedFile, '--delivery', receipt, '--trust', trust]);
    expect(altered.code).toBe(1);
    const tooMuch = await api(
      'health',
      'GET',
      '/api/v1/catalog/PSB-POP-9/versions/1/content?fields=name,address',
    );
    expect(tooMuch.status).toBe(403);
    expect(code(tooMuch)).toBe('FIELDS_NOT_GRANTED');
  });

  it('traces every use, refused ones included; departments see only their own', async () => {
    const trace = await cli([
      'trace',
      '--catalog',
      'PSB-POP-9',
      '--url',
      base,
      '--token',
      tokens.auditor!,
      '--json',
    ]);
    expect(trace.code).toBe(0);
    const outcomes = (
      JSON.parse(trace.out) as { items: { outcome: string; denialCode: string | null }[] }
    ).items.map((u) => u.denialCode ?? u.outcome);
    expect(outcomes).toEqual(['FIELDS_NOT_GRANTED', 'ALLOWED', 'GRANT_NOT_FOUND']);
    const foreign = await api('health', 'GET', '/api/v1/audit/usage?provider=psb');
    expect(foreign.status).toBe(403);
  });

  it('objects to a value; the provider corrects it with a new version', async () => {
    const own = await api('psb', 'POST', '/api/v1/objections', {
      catalogId: 'PSB-POP-9',
      version: 1,
      description: 'x',
      recordRefs: ['1'],
    });
    expect(own.status).toBe(403);
    const raised = await api<{ data: { id: string; status: string } }>(
      'health',
      'POST',
      '/api/v1/objections',
      {
        catalogId: 'PSB-POP-9',
        version: 1,
        description: '李娜出生日期与出生医学证明不符',
        recordRefs: ['1'],
        fields: ['birth_date'],
      },
    );
    expect(raised.status).toBe(201);
    objectionId = raised.body.data.id;
    const premature = await api('psb', 'POST', `/api/v1/objections/${objectionId}/resolve`, {
      resolution: 'corrected',
      correctedVersion: 2,
    });
    expect(premature.status).toBe(404);
    expect(code(premature)).toBe('DATASET_VERSION_NOT_FOUND');
    await writeFile(datasetFile, csv.replace('1985-05-05', '1985-06-05'));
    const v2 = await cli([
      'anchor',
      datasetFile,
      '--catalog',
      'PSB-POP-9',
      '--reason',
      `corrects ${objectionId}`,
      '--url',
      base,
      '--token',
      tokens.psb!,
      '--json',
    ]);
    expect(v2.code, v2.out).toBe(0);
    const resolved = await api<{
      data: { status: string; resolution: { correctedVersion: number } };
    }>('psb', 'POST', `/api/v1/objections/${objectionId}/resolve`, {
      resolution: 'corrected',
      correctedVersion: 2,
      reason: '已按出生医学证明更正',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.data).toMatchObject({
      status: 'corrected',
      resolution: { correctedVersion: 2 },
    });
    const versions = await api<{ items: { version: number; reason: string | null }[] }>(
      'health',
      'GET',
      '/api/v1/catalog/PSB-POP-9/versions',
    );
    expect(versions.body.items.map((v) => v.version)).toEqual([1, 2]);
  });

  it('serves the public directory and no demo identities outside demo mode', async () => {
    const departments = (await (await fetch(`${base}/api/v1/departments`)).json()) as {
      items: { id: string }[];
    };
    expect(departments.items.map((d) => d.id).sort()).toEqual(['coord', 'health', 'psb']);
    // Outside demo mode the endpoint does not exist: no demo tokens are handed out.
    expect((await fetch(`${base}/api/v1/demo/identities`)).status).toBe(404);
  });

  it('keeps every node in agreement', async () => {
    const verified = await api<{ ok: boolean }>('auditor', 'POST', '/api/v1/ledger/verify');
    expect(verified.body.ok).toBe(true);
    const status = await api<{ agreement: boolean; nodes: unknown[] }>(
      'auditor',
      'GET',
      '/api/v1/ledger/status',
    );
    expect(status.body.agreement).toBe(true);
  });

  it('issues and revokes tokens with the CLI while the server runs; revoked ones stop at once', async () => {
    const issue = async (name: string, user: string) => {
      const r = await cli([
        'tokens',
        'create',
        '--department',
        'health',
        '--user',
        user,
        '--role',
        'consumer',
        '--json',
      ]);
      expect(r.code, r.err).toBe(0);
      const issued = JSON.parse(r.out) as { token: string; tokenId: string };
      tokens[name] = issued.token;
      return issued.tokenId;
    };
    const me = async (who: string) => (await api(who, 'GET', '/api/v1/me')).status;
    const first = await issue('temp1', 'temp');
    await issue('temp2', 'temp');
    await issue('temp3', 'other');
    for (const who of ['temp1', 'temp2', 'temp3']) expect(await me(who)).toBe(200);

    const byId = await cli(['tokens', 'revoke', first, '--json']);
    expect(byId.code, byId.err).toBe(0);
    expect((JSON.parse(byId.out) as { revoked: { tokenId: string }[] }).revoked).toEqual([
      expect.objectContaining({ tokenId: first }),
    ]);
    expect(await me('temp1')).toBe(401);
    expect(await me('temp2')).toBe(200);

    const byUser = await cli(['tokens', 'revoke', '--user', 'temp', '--department', 'health']);
    expect(byUser.code, byUser.err).toBe(0);
    expect(await me('temp2')).toBe(401);
    expect(await me('temp3')).toBe(200);

    expect((await cli(['tokens', 'revoke', first])).code).toBe(1); // nothing left to revoke
    expect((await cli(['tokens', 'revoke', first, '--user', 'other'])).code).toBe(2);
  });

  it('rebuilds the query index from block 0 once the server is stopped', async () => {
    const busy = await cli(['index', 'rebuild', '--json']);
    expect(busy.code).toBe(1);
    expect((JSON.parse(busy.out) as { error: { code: string } }).error.code).toBe('CONFLICT');
    const exited = new Promise((r) => gateway.server.once('exit', r));
    gateway.server.kill('SIGTERM');
    await exited;
    const rebuilt = await cli(['index', 'rebuild', '--json']);
    expect(rebuilt.code, rebuilt.out + rebuilt.err).toBe(0);
    expect(
      (JSON.parse(rebuilt.out) as { checkpoint: { blockNumber: number } }).checkpoint.blockNumber,
    ).toBeGreaterThan(10);
  });
});
