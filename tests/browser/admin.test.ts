/**
 * Administration in the console, in Chromium against the real gateway with its demo data: a
 * department's admin creates a user (roles on the ledger and a token in one step, the token shown
 * once), the user signs in with it and works; the admin takes the roles away and the user's header
 * says what is lacking; the admin revokes the tokens and the user is signed out. The coordinator's
 * admin publishes a calendar year with holidays and make-up days, suspends and reactivates a
 * department and requires a catalog update. A clerk has no administration page. A supervisor
 * opens the overdue requests of a department from the statistics page. Both languages.
 */
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
let identities: Identity[];

const who = (department: string, user: string): Identity => {
  const found = identities.find((i) => i.department === department && i.user === user);
  if (!found) throw new Error(`no demo identity ${department}/${user}`);
  return found;
};

async function api<T>(path: string, token: string): Promise<T> {
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Waits until the page of the current URL (not the previous one) is rendered. */
async function settled(page: Page): Promise<void> {
  const hash = new URL(page.url()).hash;
  await page.locator(`main[data-route="${hash}"] h1`).waitFor();
}

async function open(page: Page, route: string): Promise<void> {
  const target = `${gateway.url}/#/${route}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await settled(page);
}

/** Signs in with a token, as someone without the demo picker does. */
async function signInWithToken(page: Page, token: string): Promise<void> {
  await open(page, 'signin');
  await page.getByLabel('访问令牌').fill(token);
  await page.locator('form').getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
}

const overflowsHorizontally = (page: Page): Promise<boolean> =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');

beforeAll(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  const response = await fetch(`${gateway.url}/api/v1/demo/identities`);
  identities = ((await response.json()) as { items: Identity[] }).items;
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe("a department's admin", () => {
  it('creates a user with roles and a token in one step; takes roles away; revokes', async () => {
    const admin = await browser.newPage();
    await signInWithToken(admin, who('psb', 'admin').token);
    await admin.getByRole('link', { name: '管理' }).click();
    await settled(admin);
    await admin.getByRole('heading', { level: 1, name: '管理' }).waitFor();
    // The demo clerk is listed with the roles the ledger grants.
    const clerkRow = admin
      .getByRole('row')
      .filter({ has: admin.getByRole('cell', { name: 'clerk', exact: true }) });
    await expect(clerkRow.textContent()).resolves.toContain('数据使用');

    const create = admin.getByRole('form', { name: '新建用户' });
    await create.getByLabel('用户名').fill('zhaoliu');
    await create.getByLabel('备注（姓名）').fill('赵六');
    await create.getByRole('button', { name: '创建用户并签发令牌' }).click();
    await expect(create.getByRole('status').textContent()).resolves.toBe('请至少选择一个角色。');
    await create.getByLabel('数据使用').check();
    await create.getByRole('button', { name: '创建用户并签发令牌' }).click();
    await admin.getByText(/用户 zhaoliu 已创建，角色已上链（区块 \d+）/).waitFor();
    const token = (await admin.locator('.issued-token code').textContent())!.trim();
    expect(token).toMatch(/^sl_/);
    const row = () =>
      admin
        .getByRole('row')
        .filter({ has: admin.getByRole('cell', { name: 'zhaoliu', exact: true }) });
    await row().waitFor();
    await screenshot(admin, 'admin-users-zh');

    // The new user works at once: the ledger grants what the token names; no hint in the header.
    const user = await browser.newPage();
    await signInWithToken(user, token);
    await expect(user.locator('header .who').textContent()).resolves.toContain('数据使用');
    expect(await user.locator('header .account-hint').count()).toBe(0);

    // Roles taken away on the ledger: the header says what is lacking, in the user's words.
    await row().getByRole('group', { name: 'zhaoliu 的角色' }).getByLabel('数据使用').uncheck();
    await row().getByRole('button', { name: '保存角色' }).click();
    await row().getByText('令牌声明但链上未授予：数据使用').waitFor();
    await open(user, 'catalog');
    await expect(user.locator('header .account-hint').textContent()).resolves.toBe(
      '令牌所列角色 数据使用 未在链上授予：请本部门管理员设置',
    );
    await expect(user.locator('header .who').textContent()).resolves.not.toMatch(/·\s*$/);
    await screenshot(user, 'admin-user-lacks-zh');

    // Revoked (after a confirmation): the user's next page load sends them to sign in.
    await row().getByRole('button', { name: '吊销 zhaoliu 的全部令牌' }).click();
    const confirm = admin.getByRole('dialog');
    await confirm.getByText('确定吊销 zhaoliu 的全部令牌？吊销后立即失效。').waitFor();
    await confirm.getByRole('button', { name: '吊销全部令牌' }).click();
    await admin.getByText('已吊销 1 个令牌').waitFor();
    await user.reload();
    await user.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    expect(browser.errors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });

  it('is not offered to a clerk', async () => {
    const clerk = await browser.newPage();
    await signInWithToken(clerk, who('amr', 'clerk').token);
    expect(await clerk.getByRole('link', { name: '管理' }).count()).toBe(0);
    await open(clerk, 'admin');
    await clerk.getByText('只有部门管理员可以管理用户和令牌。').waitFor();
  });
});

describe("the coordinator's admin", () => {
  it('publishes a calendar year, suspends and reactivates a department, requires an update', async () => {
    const page = await browser.newPage();
    await signInWithToken(page, who('coord', 'admin').token);
    await open(page, 'admin?year=2031');
    await page.getByText('2031 年的工作日历尚未发布').waitFor();
    const calendar = page.getByRole('form', { name: '发布 2031 年日历' });
    await calendar.getByLabel(/法定节假日/).fill('2031-01-01\n2031-13-02\n2031-02-30');
    await calendar.getByRole('button', { name: '发布 2031 年日历' }).click();
    await calendar.getByText('日期须为 2031 年内的 YYYY-MM-DD：2031-13-02, 2031-02-30').waitFor();
    await calendar.getByLabel(/法定节假日/).fill('2031-01-01\n2031-01-23, 2031-01-24');
    await calendar.getByLabel(/调休上班日/).fill('2031-01-26');
    await calendar.getByRole('button', { name: '发布 2031 年日历' }).click();
    await calendar.getByText('2031 年日历已上链。').waitFor();
    const published = await api<{ holidays: string[]; workdays: string[] }>(
      '/calendar/2031',
      who('coord', 'admin').token,
    );
    expect(published).toMatchObject({
      holidays: ['2031-01-01', '2031-01-23', '2031-01-24'],
      workdays: ['2031-01-26'],
    });
    await open(page, 'admin?year=2031');
    await expect(page.getByLabel(/调休上班日/).inputValue()).resolves.toBe('2031-01-26');

    // Departments: health suspended, then reactivated.
    const health = () =>
      page
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: 'health', exact: true }) });
    await health()
      .getByRole('button', { name: /^暂停：/ })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: '暂停' }).click();
    await health().getByText('已暂停').waitFor();
    await health()
      .getByRole('button', { name: /^恢复：/ })
      .click();
    await health().getByText('正常').waitFor();

    // A catalog update required of another department's entry.
    const { items } = await api<{ items: { id: string; owner: string }[] }>(
      '/catalog?limit=50',
      who('coord', 'admin').token,
    );
    const entry = items.find((e) => e.owner !== 'coord')!;
    const require = page.getByRole('form', { name: '要求更新' });
    await require.getByLabel('资源代码').fill(entry.id);
    await require.getByLabel('要求更新的原因').fill('年度核查');
    await require.getByRole('button', { name: '要求更新' }).click();
    await page.getByRole('cell', { name: '年度核查', exact: true }).first().waitFor();
    await screenshot(page, 'admin-coordinator-zh');

    // The same page in English, within 1,280 px.
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
    await page.getByRole('heading', { name: 'Working-day calendar' }).waitFor();
    await page.getByRole('heading', { name: 'Departments' }).waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await screenshot(page, 'admin-coordinator-en');
    await page.getByRole('button', { name: /Switch to Chinese/ }).click();
  });
});

describe('a supervisor', () => {
  it("opens a department's overdue requests from the statistics page", async () => {
    const auditor = who('coord', 'auditor');
    const stats = await api<{ items: { department: string; overdueRequests: number }[] }>(
      '/stats',
      auditor.token,
    );
    const late = stats.items.find((s) => s.overdueRequests > 0);
    expect(late, 'the demo has an overdue request').toBeDefined();
    const page = await browser.newPage();
    await signInWithToken(page, auditor.token);
    await open(page, 'stats');
    await page
      .getByRole('link', { name: /^查看 .+ 的逾期申请$/ })
      .first()
      .click();
    await settled(page);
    expect(new URL(page.url()).hash).toBe(`#/requests?department=${late!.department}&overdue=1`);
    const rows = page.locator('main tr.overdue');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(late!.overdueRequests);
    await screenshot(page, 'supervisor-overdue-zh');
  });
});
