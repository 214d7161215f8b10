/**
 * Browser test harness: the real gateway as `npm start` runs it (the built server on the embedded
 * network, demo data seeded) in a temporary data directory, and Debian's Chromium driven through
 * playwright-core with a fresh profile. Pages record console errors and uncaught exceptions so a
 * test can insist there were none; screenshots go to test-artifacts/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-artifacts/screenshots');
const SERVER = join(ROOT, 'dist/gateway/src/server.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Background services off so a test run makes no traffic beyond the loopback gateway. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface Gateway {
  url: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built gateway with demo data in a fresh data directory and waits until it is ready;
 * `demo: false` starts it as `npm run serve` does (no demo data, no demo sign-in), as a
 * department's own gateway runs.
 */
export async function startGateway({ demo = true }: { demo?: boolean } = {}): Promise<Gateway> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
  if (!existsSync(join(ROOT, 'dist/web/index.html')))
    throw new Error('dist/web is missing: run `npm run build` first');
  const dataDir = await mkdtemp(join(tmpdir(), 'shulian-browser-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    cwd: ROOT,
    env: {
      ...process.env,
      SHULIAN_HOST: '127.0.0.1',
      SHULIAN_DEMO: demo ? '1' : '0',
      SHULIAN_PORT: String(port),
      SHULIAN_DATA_DIR: dataDir,
      SHULIAN_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`gateway exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const ready = await fetch(`${url}/ready`);
      if (ready.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gateway not ready after 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => output, stop };
}

export interface Browser {
  context: BrowserContext;
  /** A new tab, whose console errors and uncaught exceptions are collected in `errors`. */
  newPage(): Promise<Page>;
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = await mkdtemp(join(tmpdir(), 'shulian-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  // Ledger writes commit in well under a second here; a step stuck for 15 s is a failure.
  context.setDefaultTimeout(15_000);
  const errors: string[] = [];
  return {
    context,
    errors,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error')
          errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the page of the current URL (not the previous one) is rendered. */
export async function settled(page: Page): Promise<void> {
  const hash = new URL(page.url()).hash;
  await page.locator(`main[data-route="${hash}"] h1`).waitFor();
}

/** Opens a console route of the gateway at `base` (reloaded when already shown) and waits for it. */
export async function openRoute(page: Page, base: string, route: string): Promise<void> {
  const target = `${base}/#/${route}`;
  if (page.url() === target) await page.reload();
  else await page.goto(target);
  await settled(page);
}

/** A full-page screenshot named for the step, for people to look at after the run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * What does not fit the window, in words: the page scrolling sideways, and any element of the
 * header or the page's content reaching past the content's edges (a table wider than its card,
 * which would scroll inside it with columns out of sight; a filter row spilling out of its
 * panel). Empty when everything fits.
 */
export const layoutProblems = (page: Page): Promise<string[]> =>
  page.evaluate<string[]>(`(() => {
    const problems = [];
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth + 1) problems.push('the page is ' + width + ' px wide');
    const name = (el) => {
      const classes = typeof el.className === 'string' ? el.className.trim() : '';
      const label = (el.textContent || '').trim().slice(0, 30);
      return el.tagName.toLowerCase() + (classes ? '.' + classes.split(/\\s+/).join('.') : '') +
        (label ? ' "' + label + '"' : '');
    };
    const within = (root, box) => {
      // The outermost element that spills is the one to name, not each of its descendants.
      const spilled = new Set();
      for (const el of root.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || el.closest('caption, dialog')) continue;
        if (r.right <= box.right + 1 && r.left >= box.left - 1) continue;
        spilled.add(el);
        if (!spilled.has(el.parentElement))
          problems.push(name(el) + ' spans ' + Math.round(r.left) + '–' + Math.round(r.right) +
            ' px, outside ' + Math.round(box.left) + '–' + Math.round(box.right) + ' px');
      }
    };
    within(document.querySelector('header'), { left: 0, right: window.innerWidth });
    within(document.querySelector('main'), document.querySelector('main').getBoundingClientRect());
    return problems.slice(0, 8);
  })()`);
