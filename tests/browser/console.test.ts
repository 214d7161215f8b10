/**
 * The console end to end in Chromium against the real gateway with its demo data: sign in, search
 * the catalog, anchor a file as the owner and verify it in the browser, request access as a
 * consumer, approve as the provider, download within the grant, trace the download as a
 * supervisor, switch language. Every page is screenshotted; any console error fails the suite.
 *
 * The demo's content (departments, users, entries) is discovered through the API rather than
 * hard-coded, so the suite follows the demo as it changes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry, Role } from '@shulian/chaincode/constants';
import {
  launchBrowser,
  layoutProblems,
  ROOT,
  screenshot,
  startGateway,
  type Browser,
  type Gateway,
} from './harness.js';

interface Identity {
  department: string;
  user: string;
  roles: Role[];
  token: string;
}

let gateway: Gateway;
let browser: Browser;
let files: string;
/** A file large enough that hashing it takes a visible while (MiB). */
const LARGE_MIB = 128;
let consumer: Identity;
let provider: Identity;
let supervisor: Identity;
let entry: CatalogEntry;
let consumerPage: Page;
interface Refusal {
  who: Identity;
  catalogId: string;
}
let identities: Identity[];
/** A download that must be refused, when the demo offers one. */
let refused: Refusal | undefined;
const expectedErrors: RegExp[] = [];
let providerPage: Page;
/** The entry the owner published in the browser; later steps require and make updates to it. */
let published: string;

/** The coordinator's administrator: whichever admin the ledger calls the coordinator. */
async function coordinatorAdmin(): Promise<Identity> {
  for (const i of identities.filter((x) => x.roles.includes('admin'))) {
    if ((await apiGet<{ isCoordinator: boolean }>('/me', i.token)).isCoordinator) return i;
  }
  throw new Error('the demo has no coordinator administrator');
}

async function apiGet<T>(path: string, token?: string): Promise<T> {
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Controls without a label (or aria-label) on the current page: must be none. */
const unlabelledControls = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]'))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 120))`);

/** True when the page scrolls sideways (a layout that does not fit the window). */
const overflowsHorizontally = (page: Page): Promise<boolean> =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1');

/** Waits until the page of the current URL (not the previous one) is rendered. */
async function settled(page: Page): Promise<void> {
  const hash = new URL(page.url()).hash;
  await page.locator(`main[data-route="${hash}"] h1`).waitFor();
}

/** Navigates within the console and waits for the page. */
async function open(page: Page, route: string): Promise<void> {
  const target = `${gateway.url}/#/${route}`;
  // Going to the URL already shown changes nothing; reload so the page shows fresh data.
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await settled(page);
}

/** Signs in through the demo picker on the sign-in page (rows name the department). */
async function signIn(page: Page, who: Identity): Promise<void> {
  await open(page, 'signin');
  await page
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: who.user, exact: true }) })
    .filter({ has: page.getByRole('cell', { name: await departmentName(who.department) }) })
    .getByRole('button')
    .click();
  await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
}

const departmentNames = new Map<string, string>();
async function departmentName(id: string): Promise<string> {
  if (departmentNames.size === 0) {
    const { items } = await apiGet<{ items: { id: string; nameZh: string }[] }>(
      '/departments',
      consumer.token,
    );
    for (const d of items) departmentNames.set(d.id, d.nameZh);
  }
  return departmentNames.get(id) ?? id;
}

/**
 * A consumer and a conditional entry of another department, with a version, that the consumer
 * holds no grant for: a download there must be refused.
 */
async function ungranted(identities: readonly Identity[]): Promise<Refusal | undefined> {
  for (const who of identities.filter((i) => i.roles.includes('consumer'))) {
    const grants = await apiGet<{ items: { catalogId: string }[] }>(
      '/grants?as=consumer',
      who.token,
    );
    const granted = new Set(grants.items.map((g) => g.catalogId));
    const { items } = await apiGet<{ items: CatalogEntry[] }>(
      '/catalog?shareType=conditional',
      who.token,
    );
    for (const e of items) {
      if (e.owner === who.department || granted.has(e.id)) continue;
      const versions = await apiGet<{ items: unknown[] }>(
        `/catalog/${encodeURIComponent(e.id)}/versions`,
        who.token,
      );
      if (versions.items.length > 0) return { who, catalogId: e.id };
    }
  }
  return undefined;
}

beforeAll(async () => {
  gateway = await startGateway();
  files = await mkdtemp(join(tmpdir(), 'shulian-browser-files-'));
  ({ items: identities } = await apiGet<{ items: Identity[] }>('/demo/identities'));
  const find = (test: (i: Identity) => boolean, what: string): Identity => {
    const found = identities.find(test);
    if (!found) throw new Error(`the demo has no ${what}: ${JSON.stringify(identities)}`);
    return found;
  };
  supervisor = find((i) => i.roles.includes('supervisor'), 'supervisor');
  const consumers = identities.filter((i) => i.roles.includes('consumer'));
  // A conditional entry owned by a department that has a publisher, requested by another department.
  const candidates = new Map<string, CatalogEntry>();
  for (const c of consumers) {
    const { items } = await apiGet<{ items: CatalogEntry[] }>(
      '/catalog?shareType=conditional',
      c.token,
    );
    for (const e of items)
      if (e.owner !== c.department) candidates.set(`${c.department}/${e.id}`, e);
  }
  for (const [key, e] of candidates) {
    const c = consumers.find((i) => key.startsWith(`${i.department}/`));
    const p = identities.find((i) => i.department === e.owner && i.roles.includes('publisher'));
    if (c && p) {
      consumer = c;
      provider = p;
      entry = e;
      break;
    }
  }
  if (!entry)
    throw new Error('the demo has no conditional entry with a publisher and a consumer elsewhere');
  browser = await launchBrowser();
  consumerPage = await browser.newPage();
  providerPage = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});

describe('web console', () => {
  it('signs in a demo user from the sign-in page', async () => {
    await consumerPage.goto(gateway.url);
    await consumerPage.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    expect(await consumerPage.locator('html').getAttribute('lang')).toBe('zh-CN');
    // Departments by their names, not their ids, and no label mixing the two languages.
    const rows = consumerPage.getByRole('table', { name: '演示用户' }).getByRole('row');
    await expect(rows.nth(1).getByRole('cell').first().textContent()).resolves.toBe(
      await departmentName(identities[0]!.department),
    );
    const signInText = (await consumerPage.locator('main').textContent()) ?? '';
    expect(signInText).not.toMatch(/coordinator admin|监督 \/ supervisor/);
    await screenshot(consumerPage, '01-signin');
    // Verifying needs no account: a citizen can check a file signed out.
    await consumerPage.getByRole('link', { name: '核验' }).click();
    await settled(consumerPage);
    await consumerPage.locator('#verify-file').setInputFiles({
      name: 'certificate.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.7 not anchored'),
    });
    await consumerPage.getByText('账本上没有与此摘要一致的数据版本').waitFor();
    // A token the gateway does not know is refused in Chinese, without the code or its English.
    await open(consumerPage, 'signin');
    expectedErrors.push(/status of 401 .*\/api\/v1\/me\)$/);
    await consumerPage.getByLabel('访问令牌').fill('sl_not-a-real-token');
    await consumerPage.locator('form').getByRole('button', { name: '登录', exact: true }).click();
    const refusal = consumerPage.locator('form .form-status.error');
    await expect.poll(() => refusal.textContent()).toBe('令牌无效或已失效，请重新登录。');
    await signIn(consumerPage, consumer);
    const who = (await consumerPage.locator('header .who').textContent()) ?? '';
    expect(who).toContain(consumer.user);
    expect(who).toContain(await departmentName(consumer.department));
    expect(who).not.toContain(` ${consumer.department} `);
  });

  it('searches the catalog', async () => {
    await screenshot(consumerPage, '02-catalog');
    await consumerPage.getByLabel('搜索').fill(entry.name);
    await consumerPage.getByRole('button', { name: '筛选' }).click();
    await consumerPage.waitForURL(/q=/);
    await settled(consumerPage);
    const link = consumerPage.getByRole('link', { name: entry.name, exact: true });
    await link.waitFor();
    await consumerPage.getByLabel('共享类型').selectOption('conditional');
    await consumerPage.getByRole('button', { name: '筛选' }).click();
    await consumerPage.waitForURL(/shareType=conditional/);
    await settled(consumerPage);
    await link.waitFor();
    await screenshot(consumerPage, '03-catalog-search');
    await link.click();
    await consumerPage.getByRole('heading', { level: 1, name: entry.name }).waitFor();
    await consumerPage.getByRole('heading', { name: '信息项' }).waitFor();
    await screenshot(consumerPage, '04-entry');
    expect(await unlabelledControls(consumerPage)).toEqual([]);
  });

  it('publishes and edits a catalog entry as the owner', async () => {
    await signIn(providerPage, provider);
    await providerPage.getByRole('link', { name: '发布资源' }).click();
    await providerPage.getByRole('heading', { level: 1, name: '发布数据资源' }).waitFor();
    const code = `WEB-${Date.now().toString(36).toUpperCase()}`;
    published = code;
    await providerPage.getByLabel('资源代码').fill(code);
    await providerPage.getByLabel('资源名称').fill('浏览器测试资源');
    await providerPage.getByLabel('资源摘要').fill('用于验证控制台发布与编辑流程的资源。');
    await providerPage.getByLabel('共享条件').fill('仅限测试使用');
    await providerPage.getByLabel('字段名').fill('record_no');
    await providerPage.getByLabel('中文名称').fill('记录编号');
    expect(await unlabelledControls(providerPage)).toEqual([]);
    await screenshot(providerPage, '04b-publish');
    await providerPage.getByRole('button', { name: '发布', exact: true }).click();
    await providerPage.getByRole('heading', { level: 1, name: '浏览器测试资源' }).waitFor();

    await providerPage.getByRole('link', { name: '编辑' }).click();
    await providerPage.getByLabel('资源名称').fill('浏览器测试资源（修订）');
    await providerPage.getByRole('button', { name: '添加信息项' }).click();
    await providerPage.getByLabel('字段名').last().fill('issued_on');
    await providerPage.getByLabel('数据类型').last().selectOption('date');
    await providerPage.getByLabel('变更原因').fill('增加签发日期');
    await providerPage.getByRole('button', { name: '保存新版本' }).click();
    await providerPage.getByRole('heading', { level: 1, name: '浏览器测试资源（修订）' }).waitFor();
    const history = providerPage.getByRole('table', { name: '变更历史' });
    await history.getByRole('row').filter({ hasText: '增加签发日期' }).waitFor();
    expect(await history.getByRole('row').count()).toBe(3);
  });

  it('the coordinator requires an update; the owner sees its deadline and answers it', async () => {
    const page = await browser.newPage();
    await signIn(page, await coordinatorAdmin());
    await open(page, `catalog/${published}`);
    const requirement = page.getByRole('region', { name: '目录更新要求' });
    await requirement.getByLabel('要求更新的原因').fill('职责调整，请更新信息项');
    await requirement.getByRole('button', { name: '要求更新' }).click();
    await requirement.getByText('待更新', { exact: true }).waitFor();
    // Open already: the coordinator cannot require it twice, so the form is gone.
    expect(await requirement.getByRole('button', { name: '要求更新' }).count()).toBe(0);
    await screenshot(page, '04c-update-required');
    await page.close();

    await open(providerPage, 'requests');
    const due = providerPage
      .getByRole('table', { name: '待我部门更新的目录资源' })
      .getByRole('row')
      .filter({ hasText: published });
    await due.filter({ hasText: '职责调整，请更新信息项' }).waitFor();
    expect(await due.locator('time').count()).toBe(2); // required at, and the deadline
    await screenshot(providerPage, '04d-updates-due');

    await due.getByRole('link', { name: published }).click();
    await settled(providerPage);
    const owed = providerPage.getByRole('region', { name: '目录更新要求' });
    await owed.getByText('待更新', { exact: true }).waitFor();
    await providerPage.getByRole('link', { name: '编辑' }).click();
    await providerPage.getByLabel('变更原因').fill('按要求更新信息项说明');
    await providerPage.getByRole('button', { name: '保存新版本' }).click();
    await providerPage.getByRole('heading', { level: 1, name: '浏览器测试资源（修订）' }).waitFor();
    const answered = providerPage.getByRole('region', { name: '目录更新要求' });
    await answered.getByText('已更新', { exact: true }).waitFor();
    await answered.getByText('第 3 版').waitFor();

    await open(providerPage, 'requests');
    expect(await providerPage.getByRole('table', { name: '待我部门更新的目录资源' }).count()).toBe(
      0,
    );
  });

  it('anchors files as the owner and verifies them in the browser (SM3 and SHA-256)', async () => {
    await open(providerPage, `catalog/${encodeURIComponent(entry.id)}`);
    const header = entry.fields.map((f) => f.name).join(',');
    const anchor = async (
      name: string,
      algorithm: 'sm3' | 'sha256',
      rows: number,
    ): Promise<string> => {
      const path = join(files, name);
      const lines = Array.from({ length: rows }, (_, n) =>
        entry.fields.map((f) => `${f.name}-${n}`).join(','),
      );
      await writeFile(path, [header, ...lines].join('\n') + '\n');
      // The file chooser speaks the console's language (not the browser's "Choose File"), opens
      // the system's picker, and names the file chosen.
      const choose = providerPage.getByRole('button', { name: '为“数据文件”选择文件' });
      await expect(choose.textContent()).resolves.toBe('选择文件…');
      await providerPage.getByText('尚未选择文件').waitFor();
      const [picker] = await Promise.all([
        providerPage.waitForEvent('filechooser'),
        choose.click(),
      ]);
      await picker.setFiles({ name, mimeType: 'text/csv', buffer: await readFile(path) });
      await providerPage.locator('.file-name').filter({ hasText: name }).waitFor();
      await providerPage.getByLabel('摘要算法').selectOption(algorithm);
      await providerPage.getByLabel('版本说明').fill(`browser test ${algorithm}`);
      await providerPage.getByRole('button', { name: '上传并上链' }).click();
      await providerPage.getByRole('cell', { name: `browser test ${algorithm}` }).waitFor();
      return path;
    };
    // SHA-256 last: later steps use the newest version with the default algorithm.
    const sm3File = await anchor('dataset-sm3.csv', 'sm3', 2);
    const csv = await anchor('dataset.csv', 'sha256', 3);
    await screenshot(providerPage, '05-entry-owner');

    await open(consumerPage, 'verify');
    await consumerPage.getByLabel('摘要算法').selectOption('sm3');
    await consumerPage.locator('#verify-file').setInputFiles(sm3File);
    await consumerPage.getByText('文件与登记版本一致').waitFor();
    await consumerPage.getByLabel('摘要算法').selectOption('sha256');
    await open(consumerPage, 'verify');
    await consumerPage.locator('#verify-file').setInputFiles(csv);
    await consumerPage.getByText('文件与登记版本一致').waitFor();
    const match = consumerPage.getByRole('table').getByRole('row').nth(1);
    await expect(match.textContent()).resolves.toContain(await departmentName(entry.owner));
    // <progress> reflects its value as an attribute: the whole file was hashed.
    expect(await consumerPage.locator('#verify-progress').getAttribute('value')).toBe('1');
    await screenshot(consumerPage, '06-verify');

    // A file nobody anchored.
    await consumerPage.locator('#verify-file').setInputFiles({
      name: 'other.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not anchored'),
    });
    await consumerPage.getByText('账本上没有与此摘要一致的数据版本').waitFor();
    expect(await unlabelledControls(consumerPage)).toEqual([]);
  });

  it('verifies proof bundles of a file and of one record in the browser', async () => {
    const save = async (page: Page, click: () => Promise<void>): Promise<string> => {
      const [download] = await Promise.all([page.waitForEvent('download'), click()]);
      const path = join(files, download.suggestedFilename());
      await download.saveAs(path);
      return path;
    };
    await open(providerPage, `catalog/${encodeURIComponent(entry.id)}`);
    const fileProof = await save(providerPage, () =>
      providerPage
        .getByRole('button', { name: /下载版本 \d+ 的证明文件/ })
        .last()
        .click(),
    );
    const recordProof = await save(providerPage, () =>
      providerPage.getByRole('button', { name: '下载记录证明' }).click(),
    );

    // The consumer hashes the file again, then checks its bundle with it as the subject.
    await open(consumerPage, 'verify');
    await consumerPage.locator('#verify-file').setInputFiles(join(files, 'dataset.csv'));
    await consumerPage.getByText('文件与登记版本一致').waitFor();
    const proofBox = consumerPage.getByLabel('证明内容 (JSON)');
    await consumerPage.getByLabel('证明文件', { exact: true }).setInputFiles(fileProof);
    await expect.poll(() => proofBox.inputValue()).toContain('shulian-proof');
    await consumerPage.getByRole('button', { name: '核验证明' }).click();
    await consumerPage.getByText('证明有效').waitFor();
    await consumerPage.getByText('已与上面计算的文件 dataset.csv 的摘要比对').waitFor();
    await screenshot(consumerPage, '06b-verify-bundle');

    // Another file: neither the file's green result nor the bundle's stays while it is hashed.
    const large = join(files, 'large.bin');
    await writeFile(large, Buffer.alloc(LARGE_MIB * 1024 * 1024, 7));
    const started = Date.now();
    await consumerPage.locator('#verify-file').setInputFiles(large);
    await consumerPage.getByText('正在计算 large.bin 的摘要').waitFor();
    expect(await consumerPage.getByText('文件与登记版本一致').count()).toBe(0);
    expect(await consumerPage.getByText('证明有效').count()).toBe(0);
    // The page stays responsive while the worker hashes: the proof box can be typed in.
    await proofBox.fill('{}');
    await consumerPage.getByText('账本上没有与此摘要一致的数据版本').waitFor({ timeout: 120_000 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`hashed ${LARGE_MIB} MiB with SHA-256 in the browser in ${seconds.toFixed(1)} s`);
    expect(await consumerPage.locator('#verify-progress').getAttribute('value')).toBe('1');
    // The bundle is checked against the file hashed now, not the one before.
    await consumerPage.locator('#verify-file').setInputFiles(join(files, 'dataset.csv'));
    await consumerPage.getByText('文件与登记版本一致').waitFor();
    await proofBox.fill(await readFile(fileProof, 'utf8'));

    // One changed byte in the bundle fails it, saying what failed.
    const tampered = JSON.parse(await readFile(fileProof, 'utf8')) as {
      block: { header: { timestamp: number } };
    };
    tampered.block.header.timestamp += 1;
    await proofBox.fill(JSON.stringify(tampered));
    await consumerPage.getByRole('button', { name: '核验证明' }).click();
    await consumerPage.getByText(/证明无效：(有 1|\d+) 项检查未通过/).waitFor();
    // Each failed check said in Chinese (with its path in the bundle), not the verifier's English.
    const failures = consumerPage.locator('ul.failures');
    const failed = await failures.locator('li').allTextContents();
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) {
      expect(line).toMatch(
        /^(记录证明推不出|你持有的文件|证明中的登记内容|签名无效|交易或区块的证据|证明文件格式)/,
      );
      expect(line).not.toMatch(/[a-z]{3,} [a-z]{3,}/);
    }
    await screenshot(consumerPage, '06d-verify-bundle-tampered');

    await consumerPage.getByLabel('证明文件', { exact: true }).setInputFiles(recordProof);
    await expect.poll(() => proofBox.inputValue()).toContain('"record"');
    await consumerPage.getByRole('button', { name: '核验证明' }).click();
    await consumerPage.getByText('证明有效').waitFor();
    await screenshot(consumerPage, '06c-verify-record');

    // Signed out, with no trust file chosen: the trust file comes from the public route.
    const visitor = await browser.newPage();
    await visitor.goto(`${gateway.url}/#/verify`);
    await settled(visitor);
    await visitor.getByLabel('证明文件', { exact: true }).setInputFiles(recordProof);
    await expect
      .poll(() => visitor.getByLabel('证明内容 (JSON)').inputValue())
      .toContain('"record"');
    await visitor.getByRole('button', { name: '核验证明' }).click();
    await visitor.getByText('证明有效').waitFor();
    await visitor.close();
  });

  it('creates a request as the consumer, asking only for the fields ticked', async () => {
    await open(consumerPage, `catalog/${encodeURIComponent(entry.id)}`);
    await consumerPage.getByRole('link', { name: '申请共享' }).click();
    await consumerPage.getByRole('heading', { name: '新建共享申请' }).waitFor();
    const boxes = consumerPage.getByRole('group', { name: '信息项' }).getByRole('checkbox');
    // The minimum necessary: nothing is ticked until the requester asks for it.
    expect(await boxes.count()).toBe(entry.fields.length);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(false);
    await consumerPage.getByLabel('用途').selectOption('administrative_basis');
    await consumerPage.getByLabel('应用场景').fill('浏览器测试：企业开办联合审查');
    // Days are typed and shown as YYYY-MM-DD, not in the browser's locale, with a calendar of the
    // console's own (weeks from Monday); a day that does not exist is refused in Chinese.
    const from = consumerPage.getByLabel('使用起始日', { exact: true });
    const today = await from.inputValue();
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await from.getAttribute('type')).toBe('text');
    await from.fill('2031/2/3');
    await from.blur();
    await expect(from.inputValue()).resolves.toBe('2031-02-03');
    await consumerPage.getByRole('button', { name: '为“使用起始日”从日历中选择日期' }).click();
    const calendar = consumerPage.getByRole('group', { name: '“使用起始日”的日历' });
    await calendar.getByText('2031-02', { exact: true }).waitFor();
    await expect(calendar.getByRole('columnheader').first().textContent()).resolves.toBe('一');
    await screenshot(consumerPage, '07a-request-calendar');
    await calendar.getByRole('button', { name: '下个月' }).click();
    // The month is drawn anew with focus kept on the arrow, so it can be pressed again.
    await expect(
      consumerPage.evaluate<string>("document.activeElement.getAttribute('aria-label')"),
    ).resolves.toBe('下个月');
    await calendar.getByRole('button', { name: '选择 2031-03-14' }).click();
    await expect(from.inputValue()).resolves.toBe('2031-03-14');
    await calendar.waitFor({ state: 'hidden' });
    // A press elsewhere closes it without choosing.
    await consumerPage.getByRole('button', { name: '为“使用起始日”从日历中选择日期' }).click();
    await calendar.waitFor();
    await consumerPage.getByRole('heading', { name: '新建共享申请' }).click();
    await calendar.waitFor({ state: 'hidden' });
    await expect(from.inputValue()).resolves.toBe('2031-03-14');
    await from.fill('2031-02-30');
    await expect(
      from.evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage),
    ).resolves.toBe('请按 YYYY-MM-DD 填写一个存在的日期，如 2026-03-01');
    await from.fill(today);
    await consumerPage.getByRole('button', { name: '提交申请' }).click();
    await consumerPage.getByText('请至少勾选一个信息项').waitFor();
    // Fields are shown by their catalogued Chinese names.
    for (const f of entry.fields) await consumerPage.getByLabel(f.nameZh ?? f.name).check();
    await screenshot(consumerPage, '07-request-new');
    expect(await unlabelledControls(consumerPage)).toEqual([]);
    await consumerPage.getByRole('button', { name: '提交申请' }).click();
    await consumerPage.waitForURL(/#\/requests\?sent=/);
    await settled(consumerPage);
    // Said at once: submitted, to whom, answered by when.
    await consumerPage
      .getByRole('status')
      .filter({ hasText: `申请已提交，等待${await departmentName(entry.owner)}答复` })
      .waitFor();
    const outbox = consumerPage.getByRole('table', { name: '我部门提出的申请' });
    const row = outbox
      .getByRole('row')
      .filter({ hasText: entry.id })
      .filter({ hasText: '待答复' })
      .filter({ hasText: '浏览器测试：企业开办联合审查' }); // the scenario, in the outbox too
    await row.first().waitFor();
    const first = entry.fields[0];
    if (first?.nameZh) await expect(row.first().textContent()).resolves.toContain(first.nameZh);
    await screenshot(consumerPage, '08-requests-outbox');
  });

  it('approves it as the provider, narrowing fields and period after confirming', async () => {
    await open(providerPage, 'requests');
    const inbox = providerPage.getByRole('table', { name: '待我部门答复的申请' });
    // The inbox lists only what awaits the department's answer.
    await expect(inbox.textContent()).resolves.not.toMatch(/已同意|已拒绝|已撤回/);
    const row = inbox.getByRole('row').filter({ hasText: '浏览器测试：企业开办联合审查' });
    await row.waitFor();
    await screenshot(providerPage, '09-requests-inbox');
    const dialog = providerPage.getByRole('dialog', { name: '请确认' });

    // Rejecting asks first; cancelling records nothing.
    await row.getByRole('textbox', { name: '答复意见' }).fill('暂不同意');
    await row.getByRole('button', { name: '拒绝' }).click();
    await dialog.getByText('拒绝').first().waitFor();
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.filter({ hasText: '待答复' }).waitFor();

    // Approve less than asked: the last field dropped (when there are two or more) and 30 days.
    const validTo = new Date(Date.now() + (8 * 3600 + 30 * 86400) * 1000)
      .toISOString()
      .slice(0, 10);
    await row.getByText('调整授权范围').click();
    const dropped = entry.fields.length > 1 ? entry.fields[entry.fields.length - 1] : undefined;
    if (dropped) await row.getByLabel(dropped.nameZh ?? dropped.name).uncheck();
    await row.getByLabel('授权截止日', { exact: true }).fill(validTo);
    await row.getByRole('textbox', { name: '答复意见' }).fill('同意，限行政审批使用');
    await row.getByRole('button', { name: '同意' }).click();
    await dialog.getByText(`有效期至 ${validTo}`).waitFor();
    await screenshot(providerPage, '09a-approve-confirm');
    await dialog.getByRole('button', { name: '同意' }).click();
    await providerPage
      .getByRole('table', { name: '我部门已答复的申请' })
      .getByRole('row')
      .filter({ hasText: '浏览器测试：企业开办联合审查' })
      .filter({ hasText: '已同意' })
      .waitFor();
    expect(await unlabelledControls(providerPage)).toEqual([]);

    // The grant is what the provider chose, not what was asked.
    const { items } = await apiGet<{
      items: { catalogId: string; fields: string[]; validTo: string }[];
    }>('/grants?as=consumer', consumer.token);
    const grant = items.find((g) => g.catalogId === entry.id && g.validTo.startsWith(validTo));
    expect(grant, JSON.stringify(items)).toBeDefined();
    expect(grant?.fields).toEqual(entry.fields.filter((f) => f !== dropped).map((f) => f.name));
  });

  it('escalates a pending request to the coordinator, who decides it', async () => {
    await open(providerPage, 'requests');
    const pending = providerPage
      .getByRole('table', { name: '待我部门答复的申请' })
      .getByRole('row')
      .filter({ hasText: '待答复' });
    if ((await pending.count()) === 0) return; // the demo left nothing else pending
    const row = pending.first();
    await row.getByRole('textbox').fill('浏览器测试：双方对共享范围有分歧');
    await row.getByRole('button', { name: '提请协调' }).click();
    // Escalated, it waits for the coordinator, not for the department.
    await providerPage
      .getByRole('table', { name: '我部门已答复的申请' })
      .getByRole('row')
      .filter({ hasText: '提请协调：浏览器测试' })
      .waitFor();

    const page = await browser.newPage();
    await signIn(page, await coordinatorAdmin());
    await open(page, 'requests');
    const escalations = page.getByRole('table', { name: /提请协调的申请/ });
    const escalated = escalations.getByRole('row').filter({ hasText: '提请协调：浏览器测试' });
    await escalated.waitFor();
    await screenshot(page, '09b-escalations');
    await escalated.getByRole('textbox', { name: '答复意见' }).fill('超出申请用途，不予共享');
    await escalated.getByRole('button', { name: '拒绝' }).click();
    const dialog = page.getByRole('dialog', { name: '请确认' });
    await dialog.getByText('超出申请用途，不予共享').waitFor();
    await dialog.getByRole('button', { name: '拒绝' }).click();
    await escalations
      .getByRole('row')
      .filter({ hasText: '提请协调：浏览器测试' })
      .waitFor({ state: 'detached' });
    await page.close();
  });

  it('downloads within the grant as the consumer', async () => {
    await open(consumerPage, 'grants');
    await consumerPage
      .getByRole('table', { name: '授权' })
      .getByRole('row')
      .filter({ hasText: entry.id })
      .first()
      .waitFor();
    await screenshot(consumerPage, '10-grants');
    await open(consumerPage, `catalog/${encodeURIComponent(entry.id)}`);
    const [download] = await Promise.all([
      consumerPage.waitForEvent('download'),
      consumerPage
        .getByRole('button', { name: /下载版本 \d+ 的数据/ })
        .last()
        .click(),
    ]);
    const saved = join(ROOT, 'test-artifacts/downloads', download.suggestedFilename());
    await mkdir(join(ROOT, 'test-artifacts/downloads'), { recursive: true });
    await download.saveAs(saved);
    expect((await readFile(saved, 'utf8')).split('\n')[0]).toContain(entry.fields[0]?.name ?? '');
    await consumerPage.getByText(/已下载/).waitFor();

    // Outside any grant a download is refused, recorded on chain and explained.
    refused = await ungranted(identities);
    if (refused) {
      const { who, catalogId } = refused;
      expectedErrors.push(
        new RegExp(`status of 403 .*/catalog/${catalogId}/versions/\\d+/content\\)$`),
      );
      const page = await browser.newPage();
      await signIn(page, who);
      await open(page, `catalog/${encodeURIComponent(catalogId)}`);
      await page
        .getByRole('button', { name: /下载版本 \d+ 的数据/ })
        .last()
        .click();
      // Said in the user's language from the refusal's code, without the ledger's English.
      const alert = page.getByRole('alert').filter({ hasText: /授权|无权/ });
      await alert.waitFor();
      await expect(alert.textContent()).resolves.not.toMatch(/[A-Za-z]{4,}/);
      await screenshot(page, '10b-download-refused');
      await page.close();
    }
  });

  it('raises a data objection as the consumer and resolves it as the provider', async () => {
    await open(consumerPage, `catalog/${encodeURIComponent(entry.id)}`);
    await consumerPage
      .getByRole('link', { name: /对版本 \d+ 的数据提出异议/ })
      .last()
      .click();
    await consumerPage.getByRole('heading', { name: '提出数据异议' }).waitFor();
    expect(await consumerPage.getByLabel('数据资源', { exact: true }).inputValue()).toBe(entry.id);
    await consumerPage.getByLabel('异议内容').fill('浏览器测试：第 1 行出生日期与纸质证明不一致');
    await consumerPage.getByLabel('涉及记录').fill('1');
    await consumerPage.getByRole('button', { name: '提交异议' }).click();
    const objections = consumerPage.getByRole('table', { name: '数据异议' });
    await objections
      .getByRole('row')
      .filter({ hasText: '浏览器测试：第 1 行' })
      .filter({ hasText: '待处理' })
      .waitFor();

    await open(providerPage, 'grants');
    const row = providerPage
      .getByRole('table', { name: '数据异议' })
      .getByRole('row')
      .filter({ hasText: '浏览器测试：第 1 行' });
    await screenshot(providerPage, '10c-objections');
    await row.getByLabel(/处理说明/).fill('经核实与出生医学证明存根一致，数据无误');
    await row.getByRole('button', { name: '驳回' }).click();
    await providerPage
      .getByRole('table', { name: '数据异议' })
      .getByRole('row')
      .filter({ hasText: '浏览器测试：第 1 行' })
      .filter({ hasText: '已驳回' })
      .waitFor();
  });

  it('shows the download in the audit trail to a supervisor', async () => {
    // A real deployment has no demo picker: the supervisor pastes a token and lands on the page asked for.
    const page = await browser.newPage();
    await page.goto(`${gateway.url}/#/audit`);
    await page.waitForURL(/#\/signin\?next=audit/);
    await page.getByLabel('访问令牌').fill(supervisor.token);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL(/#\/audit$/);
    await settled(page);
    // The page opens on every act; the uses have a view of their own.
    await page
      .getByRole('navigation', { name: '审计视图' })
      .getByRole('link', { name: '使用记录' })
      .click();
    await page.waitForURL(/view=uses/);
    await settled(page);
    await page.getByLabel('数据资源').fill(entry.id);
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/catalogId=/);
    await settled(page);
    const use = page
      .getByRole('table', { name: '使用记录时间线' })
      .getByRole('row')
      .filter({ hasText: `${await departmentName(consumer.department)} · ${consumer.user}` })
      .filter({ hasText: '下载' })
      .filter({ hasText: '允许' });
    await use.first().waitFor();
    await screenshot(page, '11-audit');
    if (refused) {
      await page.getByLabel('数据资源').fill(refused.catalogId);
      await page.getByRole('button', { name: '筛选' }).click();
      const row = page
        .locator('tr.refused')
        .filter({ hasText: await departmentName(refused.who.department) });
      await row.first().waitFor();
      await expect(row.first().textContent()).resolves.toContain('拒绝');
      await screenshot(page, '11b-audit-refused');
    }
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const [prov] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出 PROV-JSON' }).click(),
    ]);
    const provPath = join(files, prov.suggestedFilename());
    await prov.saveAs(provPath);
    expect(JSON.parse(await readFile(provPath, 'utf8'))).toHaveProperty('activity');

    await open(page, 'stats');
    await page.locator('ul.chart').first().waitFor();
    await screenshot(page, '12-stats');
    // The coordinator's admin publishes its gateway in the directory; the network page lists it.
    const admin = await coordinatorAdmin();
    const trust = await apiGet<{ departments: Record<string, { caCertificate: string }> }>(
      '/ledger/trust',
    );
    const publication = await fetch(`${gateway.url}/api/v1/gateways/${admin.department}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: 'https://gw.coord.example:8443',
        tlsCertificate: trust.departments[admin.department]?.caCertificate,
      }),
    });
    expect(publication.status, await publication.text()).toBe(200);
    await open(page, 'network');
    await page.getByRole('heading', { name: '部门网关目录' }).waitFor();
    await page.getByText('https://gw.coord.example:8443').waitFor();
    await page.getByRole('button', { name: '校验全部节点' }).click();
    await page.getByText('校验通过').waitFor();
    await screenshot(page, '13-network');
    expect(await overflowsHorizontally(page)).toBe(false);
    await page.close();
  });

  it('loads long lists page by page (catalog, and grants merged from both sides)', async () => {
    /** Clicks "load more" until the list is whole; returns its rows, header excluded. */
    const loadAll = async (page: Page, list: string): Promise<number> => {
      const table = page.getByRole('table', { name: list, exact: true });
      const more = page.getByRole('button', { name: `加载更多：${list}` });
      let clicks = 0;
      while (await more.isVisible()) {
        const before = await table.getByRole('row').count();
        await more.click();
        await expect.poll(() => table.getByRole('row').count()).toBeGreaterThan(before);
        clicks++;
      }
      expect(clicks).toBeGreaterThan(0); // the page size was small enough to need more pages
      return (await table.getByRole('row').count()) - 1;
    };

    const catalog = await apiGet<{ items: CatalogEntry[] }>('/catalog?limit=1000', consumer.token);
    await open(consumerPage, 'catalog?limit=2');
    expect(
      await consumerPage.getByRole('table', { name: '资源列表' }).getByRole('row').count(),
    ).toBe(3);
    await screenshot(consumerPage, '12-load-more');
    expect(await loadAll(consumerPage, '资源列表')).toBe(catalog.items.length);
    await consumerPage.getByText(`共 ${catalog.items.length} 条资源`).waitFor();

    const ids = new Set<string>();
    for (const as of ['consumer', 'provider']) {
      const { items } = await apiGet<{ items: { id: string }[] }>(
        `/grants?as=${as}&limit=1000`,
        consumer.token,
      );
      for (const g of items) ids.add(g.id);
    }
    await open(consumerPage, 'grants?limit=1');
    expect(await loadAll(consumerPage, '授权')).toBe(ids.size);
  });

  it('switches to English and back', async () => {
    await open(consumerPage, 'requests');
    await consumerPage.getByRole('button', { name: /Switch to English/ }).click();
    await consumerPage.getByRole('heading', { level: 1, name: 'Share requests' }).waitFor();
    expect(await consumerPage.locator('html').getAttribute('lang')).toBe('en');
    const chrome = (await consumerPage.locator('header nav').textContent()) ?? '';
    expect(chrome).not.toMatch(/[\u3400-\u9fff]/);
    await screenshot(consumerPage, '14-requests-english');
    await open(consumerPage, `catalog/${encodeURIComponent(entry.id)}`);
    await consumerPage.getByRole('heading', { name: 'Information items' }).waitFor();
    await screenshot(consumerPage, '15-entry-english');
    // The choice is remembered across reloads.
    await consumerPage.reload();
    await consumerPage.getByRole('heading', { name: 'Information items' }).waitFor();
    await consumerPage.getByRole('button', { name: /Switch to Chinese/ }).click();
    await consumerPage.getByRole('heading', { name: '信息项' }).waitFor();
  });

  it('fits a smaller laptop screen and works from the keyboard', async () => {
    await consumerPage.setViewportSize({ width: 1024, height: 768 });
    for (const route of [
      'catalog',
      `catalog/${encodeURIComponent(entry.id)}`,
      'verify',
      'requests',
      'grants',
      'stats',
      'network',
    ]) {
      await open(consumerPage, route);
      expect(await overflowsHorizontally(consumerPage), route).toBe(false);
    }
    await screenshot(consumerPage, '16-network-1024');
    // On a fresh load the skip link is the first stop and moves focus to the content.
    await consumerPage.reload();
    await consumerPage.locator('main h1').waitFor();
    await consumerPage.keyboard.press('Tab');
    await expect(consumerPage.evaluate<string>('document.activeElement.className')).resolves.toBe(
      'skip',
    );
    await consumerPage.keyboard.press('Enter');
    await expect(consumerPage.evaluate<string>('document.activeElement.id')).resolves.toBe('main');
    await consumerPage.setViewportSize({ width: 1280, height: 800 });
  });

  it('fits every page in 1,280 px, in Chinese and in English, for every kind of user', async () => {
    const { items: blocks } = await apiGet<{ items: { blockNumber: number; txCount: number }[] }>(
      '/ledger/blocks?limit=10',
      supervisor.token,
    );
    const block = blocks.find((b) => b.txCount > 0);
    if (!block) throw new Error('no block with transactions among the last ten');
    const { transactions } = await apiGet<{ transactions: { txId: string }[] }>(
      `/ledger/blocks/${block.blockNumber}`,
      supervisor.token,
    );
    const entryRoute = `catalog/${encodeURIComponent(entry.id)}`;
    // Each page as the user who sees the most of it: forms, inline reason boxes, file pickers.
    const tours: [string, Identity | null, string[]][] = [
      ['visitor', null, ['signin', 'catalog', 'verify', 'safe']],
      ['supervisor', supervisor, ['catalog', entryRoute, 'requests', 'grants', 'audit']],
      ['supervisor', supervisor, ['audit?view=uses', 'stats', 'network']],
      [
        'supervisor',
        supervisor,
        [
          `network/block/${block.blockNumber}`,
          `network/tx/${encodeURIComponent(transactions[0]!.txId)}`,
        ],
      ],
      ['provider', provider, [entryRoute, `${entryRoute}/edit`, 'catalog/new', 'requests']],
      ['provider', provider, ['grants']],
      ['consumer', consumer, [`requests?new=${encodeURIComponent(entry.id)}`, 'grants']],
      ['coordinator', await coordinatorAdmin(), ['admin', 'requests']],
    ];
    const problems: string[] = [];
    for (const [who, identity, routes] of tours) {
      const page = await browser.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      if (identity) await signIn(page, identity);
      else await open(page, 'signin');
      for (const lang of ['zh', 'en']) {
        // The language is the browser's stored choice, read when the console loads.
        await page.evaluate(`localStorage.setItem('shulian.lang', '${lang}')`);
        for (const route of routes) {
          await page.goto(`${gateway.url}/#/${route}`);
          await page.reload();
          await settled(page);
          for (const problem of await layoutProblems(page))
            problems.push(`${lang} ${route} (${who}): ${problem}`);
          // Controls and columns are named in words: no entry codes or hex ids; in Chinese no
          // field codes and no English phrase (a user's name may be part of a label). In English
          // a field is named by its code: the catalog gives fields Chinese names only.
          const labels = await page.locator('main :is(label, legend, th)').allTextContents();
          // People are named with their department's name, not as user@department-id.
          expect(await page.locator('main').textContent(), route).not.toMatch(
            /\b[a-z]+@(coord|psb|amr|health)\b/,
          );
          // Reasons the chaincode writes itself are said in the reader's language.
          if (lang === 'zh')
            expect(await page.locator('main').textContent(), route).not.toMatch(
              /unconditional entry|granted on request|ended without a decision/,
            );
          for (const label of labels) {
            if (/[A-Z]{2,}-[A-Z0-9]+-\d{3}|\b[0-9a-f]{12,}\b/.test(label))
              problems.push(`${lang} ${route} (${who}): a label with an id: "${label}"`);
            if (lang === 'zh' && /\b[a-z]+_[a-z_]+\b|[a-z]{3,}[ ,:]+[a-z]{3,}/i.test(label))
              problems.push(`${lang} ${route} (${who}): English in a Chinese label: "${label}"`);
          }
          const name = route.replace(/[0-9a-f]{16,}/g, 'id').replace(/\W+/g, '-');
          await screenshot(page, `20-${who}-${name}-${lang}`);
        }
      }
      await page.evaluate(`localStorage.setItem('shulian.lang', 'zh')`);
      await page.close();
    }
    expect(problems).toEqual([]);
  });

  it('logged no console errors', () => {
    // Only the refused download's 403, which the browser logs for any failed fetch, is expected.
    expect(
      browser.errors.filter((e) => !expectedErrors.some((pattern) => pattern.test(e))),
    ).toEqual([]);
  });
});
