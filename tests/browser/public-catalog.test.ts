/**
 * The open catalog signed out, in Chromium against the real gateway with its demo data: the
 * catalog page lists the 开放 (open) entries only and says so, an open entry shows its description
 * and fields, any other entry sends the visitor to sign in, and the pages behind sign-in are not
 * offered. Both languages.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startGateway, type Browser, type Gateway } from './harness.js';

interface Entry {
  id: string;
  name: string;
  openness: string;
  status: string;
}

let gateway: Gateway;
let browser: Browser;
let entries: Entry[];

async function settled(page: Page): Promise<void> {
  const hash = new URL(page.url()).hash;
  await page.locator(`main[data-route="${hash}"] h1`).waitFor();
}

beforeAll(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  const identities = (
    (await (await fetch(`${gateway.url}/api/v1/demo/identities`)).json()) as {
      items: { department: string; user: string; token: string }[];
    }
  ).items;
  const admin = identities.find((i) => i.department === 'coord' && i.user === 'admin')!;
  const response = await fetch(`${gateway.url}/api/v1/catalog?limit=200`, {
    headers: { authorization: `Bearer ${admin.token}` },
  });
  entries = ((await response.json()) as { items: Entry[] }).items;
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
});

describe('the open catalog, signed out', () => {
  it('lists the open entries only, shows one, and keeps the rest behind sign-in', async () => {
    const open = entries.filter((e) => e.openness === 'open' && e.status === 'active');
    const closed = entries.find((e) => e.openness !== 'open')!;
    expect(open.length).toBeGreaterThan(0);
    const page = await browser.newPage();
    await page.goto(`${gateway.url}/#/catalog`);
    await settled(page);
    await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
    await page.getByText('未登录时只显示开放的目录条目').waitFor();
    const rows = page.locator('main table tbody tr');
    await expect(rows.count()).resolves.toBe(open.length);
    const listed = await page.locator('main table tbody tr td:nth-child(2)').allTextContents();
    expect(listed.sort()).toEqual(open.map((e) => e.id).sort());
    expect(listed).not.toContain(closed.id);
    // Only the public pages are offered.
    const nav = await page.getByRole('navigation').getByRole('link').allTextContents();
    expect(nav).not.toContain('共享申请');
    expect(nav).not.toContain('审计');
    await screenshot(page, 'public-catalog-zh');

    await page.getByRole('link', { name: open[0]!.name }).click();
    await settled(page);
    await page.getByRole('heading', { level: 2, name: '信息项' }).waitFor();
    expect(await page.getByRole('heading', { level: 2, name: '数据版本与存证' }).count()).toBe(0);
    await screenshot(page, 'public-entry-zh');

    // Any other entry (or editing) asks to sign in first.
    await page.goto(`${gateway.url}/#/catalog/${encodeURIComponent(closed.id)}`);
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();
    await page.goto(`${gateway.url}/#/catalog/new`);
    await page.getByRole('heading', { level: 1, name: '登录' }).waitFor();

    await page.goto(`${gateway.url}/#/catalog`);
    await settled(page);
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await page.getByText('Signed out, only open (开放) catalog entries are shown').waitFor();
    await screenshot(page, 'public-catalog-en');
    await page.getByRole('button', { name: /Switch to Chinese/ }).click();
    // The only errors are the refused entry's 401s, which sent the visitor to sign in.
    expect(browser.errors.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
