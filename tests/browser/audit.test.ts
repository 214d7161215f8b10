/**
 * The full-process audit (全流程审计) and the block explorer in Chromium against the real gateway
 * with its demo data: a supervisor sees every kind of act (not only downloads) with fields by
 * their catalogued names, filters them, exports them as CSV and reads the monthly and quarterly
 * figures; follows an act to its transaction, the transaction to its block and the block list page
 * by page; both languages, no sideways scrolling at 1,280 px.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startGateway, type Browser, type Gateway } from './harness.js';

interface Identity {
  department: string;
  user: string;
  roles: string[];
  token: string;
}

let gateway: Gateway;
let browser: Browser;
let page: Page;
let supervisor: Identity;

async function settled(p: Page): Promise<void> {
  const hash = new URL(p.url()).hash;
  await p.locator(`main[data-route="${hash}"] h1`).waitFor();
}

async function open(p: Page, route: string): Promise<void> {
  const target = `${gateway.url}/#/${route}`;
  if (p.url() === target) await p.reload();
  else await p.goto(target);
  await settled(p);
}

const overflowsHorizontally = (p: Page): Promise<boolean> =>
  p.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');

/** The rows of a table by its caption, header excluded. */
const rows = (p: Page, caption: string) =>
  p.getByRole('table', { name: caption, exact: true }).locator('tbody tr');

beforeAll(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  const response = await fetch(`${gateway.url}/api/v1/demo/identities`);
  const { items } = (await response.json()) as { items: Identity[] };
  supervisor = items.find((i) => i.roles.includes('supervisor'))!;
  page = await browser.newPage();
  await open(page, 'signin');
  await page.getByLabel('访问令牌').fill(supervisor.token);
  await page.locator('form').getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('full-process audit', () => {
  it('shows every kind of act with its actor, object and fields by their catalogued names', async () => {
    await open(page, 'audit');
    await page.getByRole('heading', { level: 1, name: '全流程审计' }).waitFor();
    const acts = rows(page, '全流程记录时间线');
    await acts.first().waitFor();
    const all = (await acts.allTextContents()).join('\n');
    for (const act of [
      '发布目录',
      '数据存证上链',
      '提交共享申请',
      '批准申请',
      '数据使用',
      '提出数据异议',
      '处理数据异议',
      '设置用户角色',
      '登记部门',
    ])
      expect(all, act).toContain(act);
    // psb's approval of health's request: who, what, and the fields granted by their names.
    const approval = acts.filter({ hasText: '批准申请' }).filter({ hasText: '人口基本信息' });
    await expect(approval.first().textContent()).resolves.toContain('市公安局');
    await expect(approval.first().textContent()).resolves.toContain('公民身份号码、姓名、出生日期');
    expect(await approval.first().textContent()).not.toContain('id_number');
    // The refused use is marked and says why in the reader's language.
    const refusal = page.locator('tr.refused').filter({ hasText: '数据使用' });
    await expect(refusal.first().textContent()).resolves.toContain('请求的信息项超出授权范围');
    await expect(refusal.first().textContent()).resolves.toContain('姓名、住址');
    await screenshot(page, 'audit-acts-zh');
    expect(await overflowsHorizontally(page)).toBe(false);
  });

  it('filters by act and outcome, then by department, and keeps the filters in the URL', async () => {
    await open(page, 'audit');
    await page.getByLabel('行为').selectOption({ label: '数据使用' });
    await page.getByLabel('结果').selectOption({ label: '拒绝' });
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/act=UseRecorded&outcome=DENIED/);
    await settled(page);
    const refused = rows(page, '全流程记录时间线');
    await refused.first().waitFor();
    const texts = await refused.allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const row of texts) expect(row).toMatch(/数据使用.*拒绝/);
    await page.getByLabel('部门').first().selectOption({ label: '市市场监督管理局' });
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/department=amr/);
    await settled(page);
    // amr made no refused use in the demo: nothing matches both.
    await page.getByText('暂无记录').first().waitFor();
  });

  it('exports the filtered acts as CSV', async () => {
    await open(page, 'audit?act=ShareRequestApproved');
    await rows(page, '全流程记录时间线').first().waitFor();
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe('shulian-acts.csv');
    const body = await readFile(await csv.path(), 'utf8');
    const [header, ...lines] = body.trim().split('\r\n');
    expect(header).toMatch(/^at,act,outcome,actorDepartment/);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toContain(',ShareRequestApproved,');
    expect(body).toContain('公民身份号码;姓名;出生日期');
  });

  it('counts acts per month and per quarter', async () => {
    await open(page, 'audit');
    const figures = rows(page, '各部门行为统计');
    await figures.first().waitFor();
    const monthly = await figures.allTextContents();
    expect(monthly.some((r) => /^\d{4}-\d{2}/.test(r) && r.includes('发布目录'))).toBe(true);
    await page.getByLabel('统计周期').selectOption({ label: '按季度' });
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/period=quarter/);
    await settled(page);
    const quarterly = await rows(page, '各部门行为统计').allTextContents();
    expect(quarterly.length).toBeGreaterThan(0);
    for (const row of quarterly) expect(row).toMatch(/^\d{4}-Q[1-4]/);
    await screenshot(page, 'audit-figures-zh');
  });
});

describe('block explorer', () => {
  it('opens an act’s transaction, its block, and pages through the blocks', async () => {
    await open(page, 'audit?act=ShareRequestApproved&catalogId=PSB-POP-001');
    await rows(page, '全流程记录时间线').first().locator('a.mono').click();
    await page.waitForURL(/#\/network\/tx\//);
    await settled(page);
    await page.getByRole('heading', { level: 1, name: '交易详情' }).waitFor();
    const detail = (await page.locator('main .details').textContent()) ?? '';
    expect(detail).toContain('sharing:ApproveRequest');
    expect(detail).toContain('有效');
    expect(detail).toContain('批准申请');
    expect(detail).toContain('人口基本信息');
    await page.getByText('ShareRequestApproved', { exact: true }).waitFor();
    await screenshot(page, 'explorer-tx-zh');

    await page.getByRole('link', { name: /^打开区块 \d+$/ }).click();
    await page.waitForURL(/#\/network\/block\/\d+/);
    await settled(page);
    const txs = page.getByRole('table', { name: /^区块 \d+ 的交易$/ }).locator('tbody tr');
    await expect(txs.first().textContent()).resolves.toContain('sharing:ApproveRequest');
    await expect(txs.first().textContent()).resolves.toContain('市公安局');
    await screenshot(page, 'explorer-block-zh');

    await page.getByRole('link', { name: '返回区块列表' }).click();
    await settled(page);
    const blocks = page.getByRole('table', { name: '区块', exact: true }).locator('tbody tr');
    await blocks.first().waitFor();
    expect(await blocks.count()).toBe(10);
    const heights = () =>
      page
        .getByRole('link', { name: /^打开区块 \d+$/ })
        .allTextContents()
        .then((labels) => labels.map(Number));
    const firstPage = await heights();
    // Newest first, one after the other, and the block just visited among them.
    expect(firstPage).toEqual([...firstPage].sort((a, b) => b - a));
    expect(firstPage[0]! - firstPage[9]!).toBe(9);
    await page.getByRole('link', { name: '更早的区块' }).click();
    await settled(page);
    const older = await heights();
    expect(older[0]).toBe(firstPage[9]! - 1);
    await page.getByRole('link', { name: '较新的区块' }).click();
    await settled(page);
    await page
      .getByRole('link', { name: /^打开区块 \d+$/ })
      .first()
      .waitFor();
  });

  it('reads in English without clipped labels or sideways scrolling', async () => {
    await open(page, 'audit');
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
    const acts = await rows(page, 'Timeline of acts').allTextContents();
    expect(acts.join('\n')).toContain('Request approved');
    expect(acts.join('\n')).not.toContain('批准申请');
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'audit-acts-en');
    await open(page, 'network');
    await page.getByRole('heading', { name: 'Blocks', exact: true }).waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'explorer-blocks-en');
    await page.getByRole('button', { name: /Switch to Chinese/ }).click();
    await page.getByRole('heading', { name: '区块', exact: true }).waitFor();
  });

  it('logged no console errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
