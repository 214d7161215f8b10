/**
 * The digital safe (数字保险箱) in Chromium against the real gateway: a citizen generates a key in
 * the browser (non-extractable, kept in IndexedDB), public security's verifier binds it (through
 * the API, as the counter would), the citizen signs an authorisation for health in the page, a
 * query by health succeeds, the citizen revokes it in the page, the next query is refused, and the
 * safe's trail shows both, in Chinese and in English. Any console error fails the suite.
 *
 * Then an enterprise: its legal representative's key is bound by market regulation, the legal
 * representative delegates to an agent whose safe runs in another browser, the agent signs an
 * authorisation for health under the delegation, and revoking the delegation voids it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@shulian/chaincode/constants';
import {
  BIRTH_HEADER,
  birthRecordsEntry,
  birthRecordsRequest,
} from '../../gateway/src/demo/subjects.js';
import { launchBrowser, screenshot, startGateway, type Browser, type Gateway } from './harness.js';

interface Identity {
  department: string;
  user: string;
  roles: Role[];
  token: string;
}

const ENTRY = 'PSB-BIRTH-SAFE';
const CITIZEN_ID = '370102202601015678';
const BIRTHS = [
  BIRTH_HEADER,
  '370102202512310011,张一,2025-12-31,市妇幼保健院',
  `${CITIZEN_ID},李小明,2026-01-01,市第一人民医院`,
].join('\n');

const ENTERPRISE_ENTRY = 'AMR-ANNUAL-SAFE';
const ENTERPRISE_ID = '91370102MA3CX5P4AM';
const REPORTS = [
  'uscc,name,revenue,employees',
  `${ENTERPRISE_ID},济南示例科技有限公司,12800000,86`,
  '92370102MA3D2JX7PF,历下区某某餐饮店,950000,7',
].join('\n');

let gateway: Gateway;
let browser: Browser;
let page: Page;
let verifierToken: string;
let amrVerifierToken: string;
let psbClerk: Identity;
let amrClerk: Identity;
let healthClerk: Identity;

async function api<T>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; json: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function ok<T>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  contentType?: string,
): Promise<T> {
  const res = await api<T>(method, path, token, body, contentType);
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** Health's 在线查询 of the citizen's birth record under the authorisation. */
const query = (authorisationId: string) =>
  api<{ records: { record: Record<string, unknown> }[]; error?: { code: string } }>(
    'POST',
    '/subjects/records',
    healthClerk.token,
    {
      catalogId: ENTRY,
      identifier: CITIZEN_ID,
      authorisationId,
      purpose: 'data_verification',
    },
  );

async function openSafe(on: Page = page): Promise<void> {
  const target = `${gateway.url}/#/safe`;
  if (on.url() === target) await on.reload();
  else await on.goto(target);
  await on.locator('main[data-route="#/safe"] h1').waitFor();
}

/** A consent entry of market regulation's: revenue and employees are 企业敏感. */
function annualReportsEntry(id: string) {
  const field = (name: string, nameZh: string, type: string, consent: boolean) => ({
    name,
    nameZh,
    type,
    sensitivity: consent ? 'sensitive' : 'public',
    ...(consent ? { consent: 'enterprise' } : {}),
  });
  return {
    ...birthRecordsEntry(id),
    name: '企业年度报告信息',
    abstract: '企业年报中的营业收入、从业人数（企业敏感）',
    fields: [
      field('uscc', '统一社会信用代码', 'string', false),
      field('name', '企业名称', 'string', false),
      field('revenue', '营业收入', 'number', true),
      field('employees', '从业人数', 'integer', true),
    ],
    subjectField: 'uscc',
    scenarios: ['企业资质核验'],
  };
}

beforeAll(async () => {
  gateway = await startGateway();
  const { items } = await ok<{ items: Identity[] }>('GET', '/demo/identities', null);
  const find = (department: string, role: Role): Identity => {
    const found = items.find((i) => i.department === department && i.roles.includes(role));
    if (!found) throw new Error(`the demo has no ${role} in ${department}`);
    return found;
  };
  psbClerk = find('psb', 'publisher');
  amrClerk = find('amr', 'publisher');
  healthClerk = find('health', 'consumer');
  verifierToken = (
    await ok<{ token: string }>('POST', '/departments/psb/users', find('psb', 'admin').token, {
      user: 'vera',
      roles: ['verifier'],
    })
  ).token;
  await ok('POST', '/catalog', psbClerk.token, birthRecordsEntry(ENTRY));
  await ok('POST', `/catalog/${ENTRY}/versions`, psbClerk.token, BIRTHS, 'text/csv');
  const request = await ok<{ data: { request: { id: string } } }>(
    'POST',
    '/requests',
    healthClerk.token,
    birthRecordsRequest(ENTRY),
  );
  await ok('POST', `/requests/${request.data.request.id}/approve`, psbClerk.token, {
    reason: null,
  });
  amrVerifierToken = (
    await ok<{ token: string }>('POST', '/departments/amr/users', find('amr', 'admin').token, {
      user: 'vera',
      roles: ['verifier'],
    })
  ).token;
  await ok('POST', '/catalog', amrClerk.token, annualReportsEntry(ENTERPRISE_ENTRY));
  await ok('POST', `/catalog/${ENTERPRISE_ENTRY}/versions`, amrClerk.token, REPORTS, 'text/csv');
  const enterpriseRequest = await ok<{ data: { request: { id: string } } }>(
    'POST',
    '/requests',
    healthClerk.token,
    {
      ...birthRecordsRequest(ENTERPRISE_ENTRY),
      fields: ['uscc', 'name', 'revenue', 'employees'],
      scenario: '公共场所卫生许可：核验企业规模',
    },
  );
  await ok('POST', `/requests/${enterpriseRequest.data.request.id}/approve`, amrClerk.token, {
    reason: null,
  });
  browser = await launchBrowser();
  page = await browser.newPage();
}, 240_000);

afterAll(async () => {
  await repBrowser?.close();
  await agentBrowser?.close();
  await browser?.close();
  await gateway?.stop();
});

let repBrowser: Browser | undefined;
let agentBrowser: Browser | undefined;

describe('the digital safe', () => {
  let subject: string;
  let authorisationId: string;

  it('generates a non-extractable key in the browser and shows the public key to bind', async () => {
    await openSafe();
    await page.getByRole('heading', { level: 1, name: '数字保险箱' }).waitFor();
    await page.getByRole('button', { name: '生成密钥' }).click();
    const publicKey = page.getByLabel('公钥（交柜台绑定）', { exact: true });
    await publicKey.waitFor();
    const spki = await publicKey.inputValue();
    expect(spki).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // The private key in IndexedDB is a CryptoKey that refuses export.
    const stored = await page.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open('shulian-safe');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('keys').objectStore('keys').get('subject');
        get.onsuccess = async () => {
          const key = get.result.keyPair.privateKey;
          let exported = true;
          try { await crypto.subtle.exportKey('pkcs8', key); } catch { exported = false; }
          resolve({ extractable: key.extractable, exported, type: key.type, curve: key.algorithm.namedCurve });
        };
      };
    })`);
    expect(stored).toEqual({
      extractable: false,
      exported: false,
      type: 'private',
      curve: 'P-256',
    });
    await screenshot(page, 'safe-key');

    // At the counter: public security's verifier binds the key after the identity check.
    const binding = await ok<{ data: { subject: string; publicKey: string } }>(
      'POST',
      '/subjects/bindings',
      verifierToken,
      { kind: 'person', identifier: CITIZEN_ID, publicKey: spki },
    );
    subject = binding.data.subject;
    expect(subject).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(binding)).not.toContain(CITIZEN_ID);

    await page.getByLabel('匿名标识', { exact: true }).fill(subject);
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByText('已绑定（第 1 版）').waitFor();
  });

  it('signs an authorisation that the consumer can use', async () => {
    const form = page.locator('form', {
      has: page.getByRole('button', { name: '签名并提交授权' }),
    });
    await form.getByLabel('使用部门', { exact: true }).selectOption('health');
    await form.getByLabel('数据资源', { exact: true }).fill(ENTRY);
    await form.getByLabel('信息项', { exact: true }).fill('child_name, birth_date');
    await form.getByLabel('办理事项', { exact: true }).fill('户口登记时核验出生医学证明');
    await form.getByLabel('可用次数', { exact: true }).fill('5');
    await form.getByRole('button', { name: '签名并提交授权' }).click();
    const row = page.getByRole('row').filter({ hasText: ENTRY }).first();
    await row.getByText('有效').waitFor();
    authorisationId = (await row.locator('code').first().innerText()).trim();
    expect(authorisationId).toMatch(/^AUTH-[0-9a-f]{64}$/);

    const allowed = await query(authorisationId);
    expect(allowed.status, JSON.stringify(allowed.json)).toBe(200);
    // Only the citizen's row; the consent fields because the citizen authorised them.
    expect(allowed.json.records.map((r) => r.record)).toEqual([
      {
        id_number: CITIZEN_ID,
        child_name: '李小明',
        birth_date: '2026-01-01',
        hospital: '市第一人民医院',
      },
    ]);
    await openSafe();
    await page
      .getByRole('table', { name: '我的授权' })
      .getByRole('cell', { name: '1 / 5', exact: true })
      .waitFor();
  });

  it('revokes it in the safe, after which the consumer is refused', async () => {
    await page.getByRole('button', { name: `撤销授权 ${authorisationId.slice(0, 13)}` }).click();
    await page.getByRole('table', { name: '我的授权' }).getByText('已撤销').waitFor();
    const refused = await query(authorisationId);
    expect(refused.status).toBe(403);
    expect(refused.json.error?.code).toBe('AUTHORISATION_REVOKED');
  });

  it('shows the allowed use and the refusal in the subject’s trail, in both languages', async () => {
    await openSafe();
    const trail = page.getByRole('table', { name: '我的数据使用记录' });
    await trail.waitFor();
    const rows = trail.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const refusedRow = rows.filter({ hasText: '拒绝' });
    // Why, in the subject's language, from the refusal's code.
    await refusedRow.getByText('数据主体已撤销该授权。').waitFor();
    await rows.filter({ hasText: '允许' }).getByText(authorisationId).waitFor();
    await page.getByText('共 2 次使用，其中 1 次被拒绝').waitFor();
    await screenshot(page, 'safe-trail-zh');

    await page.getByRole('button', { name: '切换到英文 (Switch to English)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Digital safe' }).waitFor();
    const english = page.getByRole('table', { name: 'Uses of my data' });
    await english
      .locator('tbody tr')
      .filter({ hasText: 'Refused' })
      .getByText('The data subject revoked this authorisation.')
      .waitFor();
    await english.locator('tbody tr').filter({ hasText: 'Allowed' }).waitFor();
    await page.getByRole('table', { name: 'My authorisations' }).getByText('Revoked').waitFor();
    await screenshot(page, 'safe-trail-en');
    expect(browser.errors).toEqual([]);
  });
});

describe('an enterprise’s digital safe: legal representative and agent', () => {
  let legalRep: Page;
  let agent: Page;
  let delegationId: string;
  let authorisationId: string;

  const queryEnterprise = () =>
    api<{ records: { record: Record<string, unknown> }[]; error?: { code: string } }>(
      'POST',
      '/subjects/records',
      healthClerk.token,
      {
        catalogId: ENTERPRISE_ENTRY,
        identifier: ENTERPRISE_ID,
        authorisationId,
        purpose: 'data_verification',
      },
    );
  /** A key generated in `on`'s safe for `holder`; answers the public key it shows. */
  async function generate(on: Page, holder: string, publicKeyLabel: string): Promise<string> {
    await openSafe(on);
    await on.getByLabel('密钥持有人', { exact: true }).selectOption({ label: holder });
    await on.getByRole('button', { name: '生成密钥' }).click();
    const publicKey = on.getByLabel(publicKeyLabel, { exact: true });
    await publicKey.waitFor();
    return publicKey.inputValue();
  }

  it('binds the legal representative’s key and generates the agent’s in another browser', async () => {
    // The person's safe of the first suite shares this browser; the enterprise gets its own.
    repBrowser = await launchBrowser();
    legalRep = await repBrowser.newPage();
    agentBrowser = await launchBrowser();
    agent = await agentBrowser.newPage();
    const spki = await generate(legalRep, '企业法定代表人', '公钥（交柜台绑定）');
    const binding = await ok<{ data: { subject: string } }>(
      'POST',
      '/subjects/bindings',
      amrVerifierToken,
      { kind: 'enterprise', identifier: ENTERPRISE_ID, publicKey: spki },
    );
    await legalRep.getByLabel('匿名标识', { exact: true }).fill(binding.data.subject);
    await legalRep.getByRole('button', { name: '保存' }).click();
    await legalRep.getByText('已绑定（第 1 版）').waitFor();
    await legalRep.getByRole('heading', { name: '委托经办人' }).waitFor();

    const agentKey = await generate(agent, '企业经办人', '公钥（交企业法定代表人签署委托）');
    expect(agentKey).not.toBe(spki);
    const form = legalRep.locator('form', {
      has: legalRep.getByRole('button', { name: '签署委托' }),
    });
    await form.getByLabel('经办人公钥', { exact: true }).fill(agentKey);
    await form.getByLabel('可授权的数据资源', { exact: true }).fill(ENTERPRISE_ENTRY);
    await form.getByRole('button', { name: '签署委托' }).click();
    const row = legalRep.getByRole('table', { name: '企业的经办人委托' }).locator('tbody tr');
    await row.getByText('有效').waitFor();
    delegationId = (await row.locator('code').first().innerText()).trim();
    expect(delegationId).toMatch(/^DLG-[0-9a-f]{64}$/);
    await screenshot(legalRep, 'safe-enterprise-delegation');
  });

  it('lets the agent sign an authorisation for health under the delegation', async () => {
    await agent.getByLabel('委托编号', { exact: true }).fill(delegationId);
    await agent.getByRole('button', { name: '保存' }).click();
    await agent.getByRole('heading', { name: '我所依据的委托' }).waitFor();
    const form = agent.locator('form', {
      has: agent.getByRole('button', { name: '签名并提交授权' }),
    });
    await form.getByLabel('使用部门', { exact: true }).selectOption('health');
    await form.getByLabel('数据资源', { exact: true }).fill(ENTERPRISE_ENTRY);
    await form.getByLabel('信息项', { exact: true }).fill('revenue, employees');
    await form.getByLabel('办理事项', { exact: true }).fill('公共场所卫生许可证核发');
    await form.getByLabel('可用次数', { exact: true }).fill('3');
    await form.getByRole('button', { name: '签名并提交授权' }).click();
    const row = agent.getByRole('row').filter({ hasText: ENTERPRISE_ENTRY }).first();
    await row.getByText('有效').waitFor();
    authorisationId = (await row.locator('code').first().innerText()).trim();
    const allowed = await queryEnterprise();
    expect(allowed.status, JSON.stringify(allowed.json)).toBe(200);
    expect(allowed.json.records.map((r) => r.record.uscc)).toEqual([ENTERPRISE_ID]);
    await screenshot(agent, 'safe-enterprise-agent');
  });

  it('revokes the delegation in the legal representative’s safe, voiding the agent’s authorisation, in both languages', async () => {
    await openSafe(legalRep);
    await legalRep.getByRole('button', { name: `撤销委托 ${delegationId.slice(0, 12)}` }).click();
    await legalRep.getByRole('table', { name: '企业的经办人委托' }).getByText('已撤销').waitFor();
    const refused = await queryEnterprise();
    expect(refused.status).toBe(403);
    expect(refused.json.error?.code).toBe('AUTHORISATION_DELEGATION_REVOKED');

    await openSafe(agent);
    await agent.getByText('该委托已撤销、失效、尚未生效或已到期', { exact: false }).waitFor();
    await agent.getByRole('button', { name: '切换到英文 (Switch to English)' }).click();
    await agent.getByRole('heading', { name: 'The delegation I sign under' }).waitFor();
    await agent.getByText('Revoked', { exact: true }).waitFor();

    await openSafe(legalRep);
    const trail = legalRep.getByRole('table', { name: '我的数据使用记录' });
    await trail
      .locator('tbody tr')
      .filter({ hasText: '拒绝' })
      .getByText('该授权由经办人签署，企业已撤销其委托，授权失效。')
      .waitFor();
    await legalRep.getByRole('button', { name: '切换到英文 (Switch to English)' }).click();
    await legalRep
      .getByRole('table', { name: 'The enterprise’s delegations' })
      .getByText('Revoked')
      .waitFor();
    await screenshot(legalRep, 'safe-enterprise-en');
    expect(repBrowser?.errors).toEqual([]);
    expect(agentBrowser?.errors).toEqual([]);
  });
});

describe('consent fields in the catalog editor', () => {
  it('keeps an entry’s 个人敏感 fields and subject column when its owner edits it', async () => {
    const editor = await browser.newPage();
    await editor.goto(`${gateway.url}/#/signin`);
    // The first suite left this browser in English.
    await editor.evaluate(`localStorage.setItem('shulian.lang', 'zh')`);
    await editor.reload();
    await editor.getByLabel('访问令牌').fill(psbClerk.token);
    await editor.locator('form').getByRole('button', { name: '登录', exact: true }).click();
    await editor.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
    await editor.goto(`${gateway.url}/#/catalog/${ENTRY}/edit`);
    const subjectField = editor.getByLabel('主体标识信息项', { exact: true });
    await subjectField.waitFor();
    expect(await subjectField.inputValue()).toBe('id_number');
    const consents: string[] = [];
    for (const select of await editor.locator('select[name="fieldConsent"]').all())
      consents.push(await select.inputValue());
    expect(consents).toEqual(['', 'person', 'person', '']);
    await editor.getByLabel('变更原因', { exact: true }).fill('补充签发机构说明');
    await editor.getByRole('button', { name: '保存新版本' }).click();
    await editor.getByRole('table', { name: '信息项' }).getByText('个人敏感').first().waitFor();
    const entry = await ok<{
      version: number;
      subjectField: string | null;
      fields: { name: string; consent?: string }[];
    }>('GET', `/catalog/${ENTRY}`, psbClerk.token);
    expect(entry.version).toBe(2);
    expect(entry.subjectField).toBe('id_number');
    expect(entry.fields.filter((f) => f.consent).map((f) => [f.name, f.consent])).toEqual([
      ['child_name', 'person'],
      ['birth_date', 'person'],
    ]);
    await editor.close();
    expect(browser.errors).toEqual([]);
  });
});
