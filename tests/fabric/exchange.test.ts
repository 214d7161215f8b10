/**
 * Gateway-to-gateway exchange on Fabric (#15): three department gateways (coord, psb, health), each
 * a separate process (`node dist/gateway/src/server.js --department <id>`) from a copy of its own
 * department's folder, with its exchange listener, published in the on-chain directory by its
 * admin (./gateways.ts). psb anchors PSB-POP-001; health requests it, psb approves; health's clerk
 * downloads version 2 through health's own gateway and gets it projected to the granted fields,
 * with the use and the delivered digest on chain; refusals (no grant, another department's grant,
 * a grant not valid yet, over the use limit, revoked, expired) are recorded as DENIED; a grant
 * revoked or expired after a use was recorded is refused by psb's gateway at the delivery; a
 * replayed signed request is refused, also by psb's gateway restarted within the request's time
 * window. Each console signs in its own department's users; health's
 * shows the channel's catalog, requests and audit, and its clerk downloads psb's data through it
 * (Chromium). psb's gateway killed mid-stream is reported by health's gateway, which keeps no
 * partial file, and a download while psb is down is PROVIDER_UNREACHABLE with no use recorded.
 *
 * Expiry: grant periods are whole CST days, so psb's and health's gateways run on a clock the test
 * moves (libfaketime, ./gateways.ts testClock) to an hour past the end of a grant that ends today;
 * the peers keep the real time and accept the moved transaction times within the suite's widened
 * time window (global-setup.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TX,
  type Grant,
  type RequestDecisionResult,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { createTokenStore } from '../../gateway/src/auth/tokens.js';
import { DEMO_ENTRIES } from '../../gateway/src/demo/seed.js';
import {
  signRequest,
  type ExchangeRequest,
  type SignedRequest,
} from '../../gateway/src/exchange/signed-request.js';
import type { TlsPair } from '../../gateway/src/exchange/listener.js';
import {
  openFabricLedger,
  type OpenedFabricLedger,
} from '../../gateway/src/ledger/fabric-profile.js';
import { createChaincode } from '../../gateway/src/services/chaincode.js';
import type { Caller } from '../../gateway/src/ledger/types.js';
import { CertificateAuthority, type StoredIdentity } from '../../network/embedded/identity.js';
import { Wallet } from '../../network/embedded/material.js';
import { launchBrowser, openRoute, screenshot, settled, type Browser } from '../browser/harness.js';
import {
  callGateway,
  closeGateways,
  ok,
  openGateways,
  startGateway,
  stopGateway,
  testClock,
  type DepartmentGateway,
  type TestClock,
} from './gateways.js';

const DEPARTMENTS = ['coord', 'psb', 'health'] as const;
type Department = (typeof DEPARTMENTS)[number];

let gateways: Record<Department, DepartmentGateway>;
/** psb's and health's gateways' clock (the consumer's and the provider's). */
let clock: TestClock;
let clockDir: string;
/** health's clerk's own ledger client: records a use by hand, as health's gateway would. */
let healthLedger: OpenedFabricLedger;
const POP = DEMO_ENTRIES.find((e) => e.entry.id === 'PSB-POP-001')!.entry;
const GRANTED = ['id_number', 'name', 'birth_date'];
const BULK_MIB = 192;
const HEALTH_CLERK: Caller = { department: 'health', user: 'clerk' };
let popGrant: Grant;
let bulkGrant: Grant;

const call = (
  department: Department,
  user: string,
  method: string,
  url: string,
  body?: unknown,
  type?: string,
) => callGateway(gateways[department], user, method, url, body, type);

/** A CSV of people, as psb's population register would export it. */
const population = (rows: number, version: number): string =>
  [
    POP.fields.map((f) => f.name).join(','),
    ...Array.from(
      { length: rows },
      (_, i) =>
        `37010219900101${String(1000 + i)},居民${i},${i % 2 ? '男' : '女'},1990-01-01,济南市历下区${version}号院${i}`,
    ),
  ].join('\r\n') + '\r\n';

/** Requests `catalogId` as health's clerk and approves it as psb's clerk; answers the grant. */
async function grantToHealth(
  catalogId: string,
  fields: string[],
  approval: { useLimit: number | null },
  period = { from: today(), to: today(30) },
): Promise<Grant> {
  const request = ok(
    await call('health', 'clerk', 'POST', '/requests', {
      catalogId,
      fields,
      purpose: 'administrative_basis',
      scenario: '出生登记核验',
      period,
    }),
    201,
  ).json<{ data: RequestDecisionResult }>().data.request;
  // psb's gateway reads and endorses on psb's peer, which receives health's block a moment later.
  const deadline = Date.now() + 30_000;
  while ((await call('psb', 'clerk', 'GET', `/requests/${request.id}`)).status === 404) {
    if (Date.now() > deadline) throw new Error(`psb's peer never showed ${request.id}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const decision = ok(
    await call('psb', 'clerk', 'POST', `/requests/${request.id}/approve`, {
      ...approval,
      reason: '符合法定职责',
    }),
  ).json<{ data: RequestDecisionResult }>().data;
  return decision.grant!;
}

const today = (days = 0): string =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  clockDir = await mkdtemp(path.join(tmpdir(), 'shulian-clock-'));
  clock = await testClock(clockDir);
  gateways = await openGateways(DEPARTMENTS, { clock, departments: ['psb', 'health'] });
  healthLedger = await openFabricLedger({
    fabricDir: gateways.health.machine,
    localDepartment: 'health',
    departmentOnly: true,
  });
  // psb's catalog: the population register (versions 1 and 2) and a bulk file to cut short.
  ok(await call('psb', 'clerk', 'POST', '/catalog', POP), 201);
  ok(
    await call('psb', 'clerk', 'POST', '/catalog', {
      ...POP,
      id: 'PSB-BULK-001',
      name: '人口信息批量导出',
      format: 'application/octet-stream',
    }),
    201,
  );
  for (const [version, query] of [
    [1, ''],
    [2, '?reason=' + encodeURIComponent('更正住址')],
  ] as const)
    ok(
      await call(
        'psb',
        'clerk',
        'POST',
        `/catalog/PSB-POP-001/versions${query}`,
        Readable.from([population(200, version)]),
        'text/csv',
      ),
      201,
    );
  const block = randomBytes(1 << 20);
  ok(
    await call(
      'psb',
      'clerk',
      'POST',
      '/catalog/PSB-BULK-001/versions',
      Readable.from(
        (function* () {
          for (let i = 0; i < BULK_MIB; i++) yield block;
        })(),
      ),
    ),
    201,
  );
  popGrant = await grantToHealth('PSB-POP-001', GRANTED, { useLimit: 2 });
  bulkGrant = await grantToHealth(
    'PSB-BULK-001',
    POP.fields.map((f) => f.name),
    { useLimit: null },
  );
}, 600_000);

afterAll(async () => {
  await healthLedger?.close();
  await closeGateways(gateways ?? {});
  if (clockDir) await rm(clockDir, { recursive: true, force: true });
});

/** A use as psb's gateway's index has it (it follows the channel: a block or two behind). */
async function providerSees(usageId: string): Promise<UsageRecord> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const use = ok(await call('psb', 'clerk', 'GET', '/audit/usage?catalogId=PSB-POP-001'))
      .json<{ items: UsageRecord[] }>()
      .items.find((u) => u.id === usageId);
    if (use) return use;
    if (Date.now() > deadline) throw new Error(`psb's index never showed ${usageId}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The committed usage record, read from the ledger through another department's gateway. */
async function onChain(txId: string): Promise<{ validationCode: string; blockNumber: number }> {
  return ok(await call('coord', 'admin', 'GET', `/ledger/transactions/${txId}`)).json<{
    validationCode: string;
    blockNumber: number;
  }>();
}

const incoming = (): Promise<string[]> =>
  readdir(path.join(gateways.health.data, 'gateway-health', 'incoming'));

/** A download through a department's gateway that is refused, recorded DENIED with `code` (VALID). */
async function refused(department: Department, url: string, code: string): Promise<UsageRecord> {
  const res = await call(department, 'clerk', 'GET', url);
  expect(res.status, res.body.toString('utf8')).toBe(403);
  const error = res.json<{
    error: { code: string; details: { usageId: string; txId: string; recorded: boolean } };
  }>().error;
  expect(error.code).toBe(code);
  expect(error.details.recorded).toBe(true);
  expect((await onChain(error.details.txId)).validationCode).toBe('VALID');
  const use = await providerSees(error.details.usageId);
  expect(use).toMatchObject({ outcome: 'DENIED', denialCode: code });
  return use;
}

/** health's clerk's signing identity, from health's wallet as health's gateway reads it. */
async function healthClerkIdentity() {
  const profile = JSON.parse(
    await readFile(
      path.join(gateways.health.machine, 'departments', 'health', 'connection.json'),
      'utf8',
    ),
  ) as { wallet: { dir: string; ca: string } };
  const wallet = new Wallet(
    profile.wallet.dir,
    await CertificateAuthority.fromStored(
      JSON.parse(await readFile(profile.wallet.ca, 'utf8')) as StoredIdentity,
    ),
  );
  return wallet.identity('clerk', 'client');
}

type ExchangeUse = Pick<
  ExchangeRequest,
  'kind' | 'catalogId' | 'version' | 'grantId' | 'fields' | 'usageId'
>;

/** A request to psb's exchange as health's gateway signs it for its clerk, at `at` (its clock). */
async function signedByHealthClerk(use: ExchangeUse, at = Date.now()): Promise<SignedRequest> {
  return signRequest(
    {
      ...use,
      provider: 'psb',
      consumer: HEALTH_CLERK,
      purpose: null,
      nonce: randomBytes(16).toString('hex'),
      issuedAt: new Date(at).toISOString(),
    },
    await healthClerkIdentity(),
  );
}

/** POSTs a signed request to psb's exchange listener as health's gateway does: with its TLS certificate. */
async function toPsbExchange(
  route: 'quote' | 'deliveries',
  signed: SignedRequest,
): Promise<{ status: number; text: string }> {
  const tls = JSON.parse(
    await readFile(path.join(gateways.health.data, 'gateway-health', 'exchange-tls.json'), 'utf8'),
  ) as TlsPair;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `https://127.0.0.1:${gateways.psb.exchangePort}/api/v1/exchange/${route}`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        cert: tls.certificate,
        key: tls.privateKey,
        headers: { 'content-type': 'application/json' },
      },
    );
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.end(JSON.stringify(signed));
  });
}

/** The use of PSB-POP-001 version 2 health's clerk asks for under `grant`. */
const popUse = (grant: Grant, kind: ExchangeUse['kind'], usageId: string | null = null) => ({
  kind,
  catalogId: 'PSB-POP-001',
  version: 2,
  grantId: grant.id,
  fields: GRANTED,
  usageId,
});

/**
 * The first two steps of a download through health's gateway, taken by hand so that the grant can
 * change before the third: psb's gateway quotes the use, and health's clerk records it on chain
 * with the quoted delivery (ALLOWED, nothing delivered yet).
 */
async function recordedUndelivered(grant: Grant): Promise<UsageRecord> {
  const quote = await toPsbExchange('quote', await signedByHealthClerk(popUse(grant, 'quote')));
  expect(quote.status, quote.text).toBe(200);
  const delivery = (
    JSON.parse(quote.text) as { data: { bytes: number; digest: { algorithm: string } } }
  ).data;
  const recorded = await createChaincode(healthLedger).submit<UsageRecord>(
    HEALTH_CLERK,
    TX.usage.RecordUse,
    [
      {
        grantId: grant.id,
        catalogId: 'PSB-POP-001',
        datasetVersion: 2,
        action: 'download',
        fields: GRANTED,
        purpose: null,
        bytes: delivery.bytes,
        deliveredDigest: delivery.digest,
      },
    ],
  );
  expect(recorded.value).toMatchObject({ outcome: 'ALLOWED', bytes: delivery.bytes });
  return recorded.value;
}

/** psb's gateway refuses to deliver `use` to health's (403 with `code`), asked at `at`. */
async function deliveryRefused(
  grant: Grant,
  use: UsageRecord,
  code: string,
  at = Date.now(),
): Promise<void> {
  const res = await toPsbExchange(
    'deliveries',
    await signedByHealthClerk(popUse(grant, 'deliver', use.id), at),
  );
  expect([res.status, JSON.parse(res.text)]).toMatchObject([403, { error: { code } }]);
}

/** Moves psb's and health's clocks to `offsetMs` from the real time; resolves once both show it. */
async function moveClocks(offsetMs: number): Promise<void> {
  await clock.set(offsetMs);
  const deadline = Date.now() + 30_000;
  for (const id of ['psb', 'health'] as const)
    for (;;) {
      // The Date header of any answer is the gateway's own clock (to the second).
      const date = (await fetch(`${gateways[id].api}/ready`)).headers.get('date');
      if (Math.abs(Date.parse(date ?? '') - (Date.now() + offsetMs)) < 3_000) break;
      if (Date.now() > deadline) throw new Error(`${id}'s gateway's clock did not move: ${date}`);
      await new Promise((r) => setTimeout(r, 200));
    }
}

/** Until health's peer, which health's gateway reads, has the grant revoked. */
async function healthSeesRevoked(grant: Grant): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (
    ok(await call('health', 'clerk', 'GET', `/grants/${grant.id}`)).json<Grant>().revocation ===
    null
  ) {
    if (Date.now() > deadline) throw new Error(`health's peer never showed ${grant.id} revoked`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('gateway-to-gateway exchange on Fabric (three department gateways)', () => {
  it('health downloads PSB-POP-001 version 2 through its own gateway, projected, the use and digest on chain', async () => {
    const res = ok(
      await call(
        'health',
        'clerk',
        'GET',
        `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      ),
    );
    const text = res.body.toString('utf8');
    expect(text.split('\r\n')[0]).toBe(GRANTED.join(','));
    expect(text).not.toContain('济南市历下区');
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(201);
    const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    expect(res.headers.get('x-shulian-delivered-digest')).toBe(digest);
    const usageId = res.headers.get('x-shulian-usage-id')!;
    // The usage record as psb (the provider party) reads it from the ledger.
    expect(await providerSees(usageId)).toMatchObject({
      outcome: 'ALLOWED',
      consumer: { department: 'health', user: 'clerk' },
      provider: 'psb',
      grantId: popGrant.id,
      datasetVersion: 2,
      fields: GRANTED,
      bytes: res.body.length,
      deliveredDigest: { algorithm: 'sha256', value: digest.slice(7) },
    });
    // What was delivered under which grant, provable by the consumer.
    const receipt = ok(await call('health', 'clerk', 'GET', `/audit/usage/${usageId}/receipt`));
    expect(receipt.body.toString('utf8')).toContain(digest.slice(7));
    expect(await incoming()).toEqual([]);
  });

  it('refusals are recorded as DENIED: no grant, another department’s grant, not yet valid, over the use limit', async () => {
    // The coordinator's clerk holds no grant on PSB-POP-001, and cannot use health's.
    await refused('coord', '/catalog/PSB-POP-001/versions/2/content', 'GRANT_NOT_FOUND');
    await refused(
      'coord',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      'GRANT_NOT_HOLDER',
    );
    // A grant whose period starts next week.
    const later = await grantToHealth(
      'PSB-POP-001',
      GRANTED,
      { useLimit: null },
      {
        from: today(7),
        to: today(30),
      },
    );
    await refused(
      'health',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${later.id}`,
      'GRANT_NOT_YET_VALID',
    );
    // Two uses allowed: the second is, the third is over the limit.
    ok(
      await call(
        'health',
        'clerk',
        'GET',
        `/catalog/PSB-POP-001/versions/1/content?grantId=${popGrant.id}`,
      ),
    );
    await refused(
      'health',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      'USE_LIMIT_REACHED',
    );
  });

  it('a grant revoked at psb: health’s download is recorded DENIED, and psb’s gateway refuses to deliver a use recorded before', async () => {
    const grant = await grantToHealth('PSB-POP-001', GRANTED, { useLimit: null });
    const pending = await recordedUndelivered(grant);
    ok(
      await call('psb', 'clerk', 'POST', `/grants/${grant.id}/revoke`, {
        reason: '核查发现超出授权用途使用，撤销授权',
      }),
    );
    await healthSeesRevoked(grant);
    await refused(
      'health',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${grant.id}`,
      'GRANT_REVOKED',
    );
    await deliveryRefused(grant, pending, 'GRANT_REVOKED');
    expect(await incoming()).toEqual([]);
  });

  it('a grant that ended: on clocks an hour past its end, health’s download is recorded DENIED at that time, and psb’s gateway refuses to deliver a use recorded before', async () => {
    const grant = await grantToHealth(
      'PSB-POP-001',
      GRANTED,
      { useLimit: null },
      { from: today(), to: today() },
    );
    const url = `/catalog/PSB-POP-001/versions/2/content?grantId=${grant.id}`;
    // Today it is live: downloaded as usual, and a use recorded for a delivery asked for later.
    ok(await call('health', 'clerk', 'GET', url));
    const pending = await recordedUndelivered(grant);
    const end = Date.parse(grant.validTo);
    const offset = end + 3_600_000 - Date.now();
    await moveClocks(offset);
    try {
      const denied = await refused('health', url, 'GRANT_EXPIRED');
      // Judged at the moved time: the chaincode's "now" is the proposal's timestamp, which
      // health's gateway signed with its clock; the peers kept the real time.
      expect(Date.parse(denied.at)).toBeGreaterThan(end);
      await deliveryRefused(grant, pending, 'GRANT_EXPIRED', Date.now() + offset);
      const quote = await toPsbExchange(
        'quote',
        await signedByHealthClerk(popUse(grant, 'quote'), Date.now() + offset),
      );
      expect([quote.status, JSON.parse(quote.text)]).toMatchObject([
        403,
        { error: { code: 'GRANT_EXPIRED' } },
      ]);
    } finally {
      await moveClocks(0);
    }
    expect(await incoming()).toEqual([]);
  });

  it('a replayed signed request is refused by psb’s gateway, also after a restart', async () => {
    const signed = await signedByHealthClerk({
      kind: 'quote',
      catalogId: 'PSB-BULK-001',
      version: 1,
      grantId: bulkGrant.id,
      fields: null,
      usageId: null,
    });
    const first = await toPsbExchange('quote', signed);
    expect(first.status, first.text).toBe(200);
    const replayed = async () => {
      const replay = await toPsbExchange('quote', signed);
      expect([replay.status, JSON.parse(replay.text)]).toMatchObject([
        409,
        { error: { code: 'EXCHANGE_REQUEST_REPLAYED' } },
      ]);
    };
    await replayed();
    // psb's gateway restarted within the request's time window remembers the nonce.
    await stopGateway(gateways.psb);
    await startGateway(gateways.psb, clock.env);
    await replayed();
  });
});

describe('each department’s console on its own gateway (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  /** Every URL health's console asked for. */
  const requested: string[] = [];
  /** The use under which health's clerk downloaded through the console. */
  let usageId: string;

  /** Until the requests table `caption` shows health's request for PSB-POP-001 with `words`. */
  const approvedByPsb = (caption: string, words: string[]) =>
    words
      .reduce(
        (rows, word) => rows.filter({ hasText: word }),
        page
          .getByRole('table', { name: caption })
          .getByRole('row')
          .filter({ hasText: 'PSB-POP-001' }),
      )
      .first()
      .waitFor();

  beforeAll(async () => {
    // Health's newest live grant on PSB-POP-001, which the console's download goes under.
    await grantToHealth('PSB-POP-001', GRANTED, { useLimit: null });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('request', (r) => requested.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('health’s console signs in health’s users only', async () => {
    const health = gateways.health;
    await page.goto(health.api);
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    // A department's gateway offers no list of users to pick from, its own or others'.
    expect(await page.getByRole('table', { name: '演示用户' }).count()).toBe(0);
    // psb's clerk's token (psb's gateway's), and a psb token planted in health's token file, are refused.
    const planted = await createTokenStore(
      path.join(health.data, 'gateway-health', 'tokens.json'),
    ).create({ department: 'psb', user: 'clerk', roles: ['publisher', 'consumer'] });
    for (const token of [gateways.psb.tokens.clerk!, planted.token]) {
      await page.getByLabel('访问令牌').fill(token);
      const [me] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${health.api}/api/v1/me`),
        page.locator('form').getByRole('button', { name: '登录', exact: true }).click(),
      ]);
      expect(me.status()).toBe(401);
      await expect
        .poll(() => page.locator('form .form-status.error').textContent())
        .toBe('令牌无效或已失效，请重新登录。');
    }
    await page.getByLabel('访问令牌').fill(health.tokens.clerk!);
    await page.locator('form').getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
    const who = (await page.locator('header .who').textContent()) ?? '';
    expect(who).toContain('市卫生健康委员会');
    expect(who).toContain('clerk');
    await screenshot(page, 'fabric-01-health-signed-in');
  });

  it('the catalog and the requests are the channel’s: psb’s entries, health’s approved request', async () => {
    const health = gateways.health;
    await openRoute(page, health.api, 'catalog');
    await page.getByRole('link', { name: POP.name, exact: true }).waitFor();
    await page.getByRole('link', { name: '人口信息批量导出', exact: true }).waitFor();
    await openRoute(page, health.api, 'requests');
    await approvedByPsb('我部门提出的申请', ['市公安局', '已同意']);
    await screenshot(page, 'fabric-02-health-requests');
  });

  it('health’s clerk downloads PSB-POP-001 through health’s console, projected to the grant', async () => {
    const health = gateways.health;
    await openRoute(page, health.api, 'catalog/PSB-POP-001');
    const [download, answer] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForResponse((r) => r.url().startsWith(`${health.api}/api/v1/catalog/PSB-POP-001/`)),
      page.getByRole('button', { name: '下载版本 2 的数据', exact: true }).click(),
    ]);
    const bytes = await readFile(await download.path());
    const text = bytes.toString('utf8');
    expect(text.split('\r\n')[0]).toBe(GRANTED.join(','));
    expect(text).not.toContain('济南市历下区');
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(201);
    await page.getByText(/已下载/).waitFor();
    usageId = (await answer.allHeaders())['x-shulian-usage-id'] ?? '';
    expect(usageId).toMatch(/^USE-/);
    // The console asked its own gateway only: where psb's gateway is, health's gateway knows.
    expect(requested.filter((url) => !url.startsWith(`${health.api}/`))).toEqual([]);
    await screenshot(page, 'fabric-03-health-downloaded');
  });

  it('in English too; and the audit at health shows the use, in both languages', async () => {
    const health = gateways.health;
    await openRoute(page, health.api, 'requests');
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Share requests' }).waitFor();
    await approvedByPsb("My department's requests", [
      'Municipal Public Security Bureau',
      'Approved',
    ]);
    // A supervisor of health's, made by health's admin through health's gateway (the role on
    // chain, the token in health's store), signs in at health's console in the browser's language.
    const supervisor = ok(
      await call('health', 'admin', 'POST', '/departments/health/users', {
        user: 'inspector',
        roles: ['supervisor'],
      }),
      201,
    ).json<{ token: string }>();
    const audit = await browser.newPage();
    await openRoute(audit, health.api, 'signin');
    await audit.getByLabel('Access token').fill(supervisor.token);
    await audit.locator('form').getByRole('button', { name: 'Sign in', exact: true }).click();
    await audit
      .getByRole('heading', { level: 1, name: 'Government data resource catalog' })
      .waitFor();
    await openRoute(audit, health.api, 'audit?view=uses&catalogId=PSB-POP-001');
    // The row of the console's download, named by its receipt's button.
    const use = (table: string) =>
      audit.getByRole('table', { name: table }).getByRole('row', { name: new RegExp(usageId) });
    await expect(use('Usage timeline').textContent()).resolves.toMatch(
      /Municipal Health Commission · clerk.*Download.*Allowed/,
    );
    await screenshot(audit, 'fabric-04-health-audit-english');
    await audit.getByRole('button', { name: /Switch to Chinese/ }).click();
    await settled(audit);
    await expect(use('使用记录时间线').textContent()).resolves.toMatch(
      /市卫生健康委员会 · clerk.*下载.*允许/,
    );
    await screenshot(audit, 'fabric-05-health-audit');
    await audit.close();
    // Only the refused sign-ins' 401s, which the browser logs for any failed fetch; a department's
    // gateway runs no demo, and its console does not ask for the demo users.
    expect(browser.errors.filter((e) => !/status of 401 .*\/api\/v1\/me\)$/.test(e))).toEqual([]);
  });
});

describe('psb’s gateway down', () => {
  it('psb’s gateway killed mid-stream: health’s gateway reports it and keeps no partial file; psb down: PROVIDER_UNREACHABLE, nothing recorded', async () => {
    const download = call(
      'health',
      'clerk',
      'GET',
      `/catalog/PSB-BULK-001/versions/1/content?grantId=${bulkGrant.id}`,
    );
    // The delivery has begun once health's gateway writes it to incoming/.
    const deadline = Date.now() + 120_000;
    while ((await incoming()).length === 0) {
      if (Date.now() > deadline) throw new Error('the delivery never began');
      await new Promise((r) => setTimeout(r, 10));
    }
    await stopGateway(gateways.psb, 'SIGKILL');
    const res = await download;
    expect(res.status, res.body.toString('utf8')).toBe(502);
    const error = res.json<{ error: { code: string; details: { usageId: string } } }>().error;
    expect(error.code).toBe('DELIVERY_INCOMPLETE');
    expect(error.details.usageId).toMatch(/^USE-/);
    expect(await incoming()).toEqual([]);

    const down = await call(
      'health',
      'clerk',
      'GET',
      `/catalog/PSB-BULK-001/versions/1/content?grantId=${bulkGrant.id}`,
    );
    expect(down.status).toBe(502);
    const unreachable = down.json<{ error: { code: string; details: Record<string, unknown> } }>()
      .error;
    expect(unreachable.code).toBe('PROVIDER_UNREACHABLE');
    // Refused before the use was recorded: no usage id, nothing on the ledger.
    expect(unreachable.details).not.toHaveProperty('usageId');
    expect(await incoming()).toEqual([]);
  });
});
