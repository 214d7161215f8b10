/**
 * Delivery receipts in the console (issue 11), in Chromium against the real gateway with its demo
 * data: the consumer downloads its use's receipt from the audit trail, drops the projected file it
 * received and the receipt on the verify page, and reads to whom, under which grant and purpose and
 * when the file was delivered, in Chinese and in English; a changed file fails.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  layoutProblems,
  screenshot,
  startGateway,
  type Browser,
  type Gateway,
} from './harness.js';

interface Identity {
  department: string;
  user: string;
  token: string;
}

let gateway: Gateway;
let browser: Browser;
let page: Page;
let files: string;
/** health/clerk's download of PSB-POP-001, projected to the three granted fields. */
let delivered: Buffer;
let useId: string;

async function open(p: Page, route: string): Promise<void> {
  const target = `${gateway.url}/#/${route}`;
  if (p.url() === target) await p.reload();
  else await p.goto(target);
  await p.locator(`main[data-route="${new URL(p.url()).hash}"] h1`).waitFor();
}

beforeAll(async () => {
  gateway = await startGateway();
  browser = await launchBrowser();
  files = await mkdtemp(join(tmpdir(), 'shulian-receipts-'));
  const { items } = (await (await fetch(`${gateway.url}/api/v1/demo/identities`)).json()) as {
    items: Identity[];
  };
  const consumer = items.find((i) => i.department === 'health' && i.user === 'clerk')!;
  const res = await fetch(`${gateway.url}/api/v1/catalog/PSB-POP-001/versions/1/content`, {
    headers: { authorization: `Bearer ${consumer.token}` },
  });
  expect(res.status).toBe(200);
  delivered = Buffer.from(await res.arrayBuffer());
  useId = res.headers.get('x-shulian-usage-id')!;
  page = await browser.newPage();
  await open(page, 'signin');
  await page.getByLabel('访问令牌').fill(consumer.token);
  await page.locator('form').getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: '政务数据资源目录' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});

describe('delivery receipts in the console', () => {
  let receipt: string;

  it('gives the consumer its use’s receipt from the audit trail', async () => {
    await open(page, 'audit?view=uses');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `下载使用记录 ${useId} 的交付回执` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${useId}.receipt.json`);
    receipt = join(files, download.suggestedFilename());
    await download.saveAs(receipt);
    const bundle = JSON.parse(await readFile(receipt, 'utf8')) as {
      subject: { kind: string; size: number };
    };
    expect(bundle.subject).toMatchObject({ kind: 'delivery', size: delivered.length });
    // The receipt button beside each delivered digest does not push the trail sideways.
    expect(await layoutProblems(page)).toEqual([]);
    await screenshot(page, 'receipt-audit-uses');
  });

  it('verifies the projected file against it and says under which grant, purpose and time', async () => {
    const use = (
      JSON.parse(await readFile(receipt, 'utf8')) as {
        anchor: { value: { grantId: string } };
      }
    ).anchor.value;
    await open(page, 'verify');
    await page.locator('#verify-file').setInputFiles({
      name: 'population.csv',
      mimeType: 'text/csv',
      buffer: delivered,
    });
    // A projected file is anchored nowhere; the page says where to check it instead.
    await page.getByText('请用其交付回执在下方核验').waitFor();
    const proofBox = page.getByLabel('证明内容 (JSON)');
    await page.getByLabel('证明文件', { exact: true }).setInputFiles(receipt);
    await expect.poll(() => proofBox.inputValue()).toContain('"delivery"');
    await page.getByRole('button', { name: '核验证明' }).click();
    await page.getByText('交付回执有效').waitFor();
    await page.getByText('已与上面计算的文件 population.csv 的摘要比对').waitFor();
    const shown = (await page.locator('dl.details').last().textContent()) ?? '';
    expect(shown).toContain('交付给');
    expect(shown).toContain('clerk');
    expect(shown).toContain(use.grantId);
    expect(shown).toContain('PSB-POP-001');
    expect(shown).toMatch(/交付时间\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    await screenshot(page, 'receipt-verified-zh');

    // One changed byte in the file: the receipt no longer vouches for it.
    const altered = Buffer.from(delivered);
    altered.writeUInt8(altered.readUInt8(10) ^ 1, 10);
    await page.locator('#verify-file').setInputFiles({
      name: 'population.csv',
      mimeType: 'text/csv',
      buffer: altered,
    });
    await page.getByText('账本上没有与此摘要一致的数据版本').waitFor();
    await page.getByRole('button', { name: '核验证明' }).click();
    await page.getByText(/证明无效：(有 1|\d+) 项检查未通过/).waitFor();
    expect(await page.getByText('交付回执有效').count()).toBe(0);
  });

  it('says the same in English', async () => {
    await page.getByRole('button', { name: /Switch to English/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Verify data' }).waitFor();
    await page.locator('#verify-file').setInputFiles({
      name: 'population.csv',
      mimeType: 'text/csv',
      buffer: delivered,
    });
    await page.getByText('check it against its delivery receipt below').waitFor();
    await page.getByLabel('Proof file', { exact: true }).setInputFiles(receipt);
    await page.getByRole('button', { name: 'Verify the proof' }).click();
    await page.getByText('The delivery receipt is valid').waitFor();
    const shown = (await page.locator('dl.details').last().textContent()) ?? '';
    expect(shown).toContain('Delivered to');
    expect(shown).toContain('Under grant');
    expect(shown).not.toMatch(/[\u3400-\u9fff]/);
    await screenshot(page, 'receipt-verified-en');
    expect(browser.errors).toEqual([]);
  });
});
