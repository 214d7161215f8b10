/**
 * The sign-in page asks for the demo identities only where the gateway serves them. A gateway
 * without the demo (a department's own gateway on Fabric, `npm run serve`) has no
 * /demo/identities: the console must not request it (a 404 in the browser's console) and shows the
 * token form alone, with no error. A demo gateway offers its demo users to this machine's browser.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openRoute, startGateway, type Browser, type Gateway } from './harness.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Opens the sign-in page on `gateway`; answers the page and the paths it requested. */
async function signInPage(gateway: Gateway): Promise<{ page: Page; requested: string[] }> {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await openRoute(page, gateway.url, 'signin');
  await page.getByLabel('访问令牌').waitFor();
  // Whatever the page asks for while it settles.
  await page.waitForLoadState('networkidle');
  return { page, requested };
}

describe('the sign-in page on a gateway without the demo', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway({ demo: false });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('does not ask for the demo identities and shows no error', async () => {
    browser.errors.length = 0;
    const { page, requested } = await signInPage(gateway);
    expect(requested.filter((path) => path.includes('/demo/'))).toEqual([]);
    expect(await page.getByRole('table', { name: '演示用户' }).count()).toBe(0);
    expect(await page.locator('.error, [role="alert"]').count()).toBe(0);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});

describe('the sign-in page on a demo gateway', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('offers the demo users to a browser on the gateway’s machine', async () => {
    browser.errors.length = 0;
    const { page, requested } = await signInPage(gateway);
    expect(requested).toContain('/api/v1/demo/identities');
    await page.getByRole('table', { name: '演示用户' }).getByRole('row').nth(1).waitFor();
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
