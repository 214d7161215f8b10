/**
 * Demo mode is explicit (issue 11, hole 5): demo data, printed tokens and the identities endpoint
 * only in demo mode; the endpoint answers loopback clients only; demo mode refuses a public bind
 * address unless confirmed; demo tokens are never stored in plain text; only SHULIAN_HOST binds.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config.js';
import { startServer } from '../../gateway/src/server.js';
import { openFixture } from './fixture.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('demo mode', () => {
  it('binds only where SHULIAN_HOST says, and is off unless asked for', () => {
    const config = loadConfig({ HOST: '0.0.0.0' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.demo).toBe(false);
    expect(loadConfig({ SHULIAN_HOST: '::1', SHULIAN_DEMO: '1' })).toMatchObject({
      host: '::1',
      demo: true,
    });
  });

  it('refuses demo mode on a non-loopback address unless confirmed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shulian-demo-'));
    dirs.push(dir);
    await expect(
      startServer(loadConfig({}, { dataDir: dir, host: '0.0.0.0', port: 0, demo: true })),
    ).rejects.toThrow(/SHULIAN_DEMO_PUBLIC=1/);
  });

  it('serves the demo identities to loopback clients only', async () => {
    const f = await openFixture();
    try {
      const local = await f.app.inject('/api/v1/demo/identities');
      expect(local.statusCode).toBe(200);
      const remote = await f.app.inject({
        url: '/api/v1/demo/identities',
        remoteAddress: '203.0.113.7',
      });
      expect(remote.statusCode).toBe(403);
      expect(remote.body).not.toContain('sl_');
    } finally {
      await f.close();
    }
  }, 120_000);

  it('has no identities endpoint outside demo mode', async () => {
    const f = await openFixture({ seed: false });
    try {
      expect((await f.app.inject('/api/v1/demo/identities')).statusCode).toBe(404);
    } finally {
      await f.close();
    }
  }, 120_000);

  it('keeps no demo token in plain text and issues fresh ones on each demo start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shulian-demo-'));
    dirs.push(dir);
    const config = loadConfig({}, { dataDir: dir, port: 0, demo: true, logLevel: 'silent' });
    const first = await startServer(config);
    const tokens = first.demo!.map((d) => d.token);
    await first.close();
    const stored = await readFile(join(dir, 'gateway', 'demo.json'), 'utf8');
    for (const token of tokens) expect(stored).not.toContain(token);
    expect(stored).not.toContain('sl_');

    const second = await startServer(config);
    try {
      const fresh = second.demo!.map((d) => d.token);
      expect(fresh).toHaveLength(tokens.length);
      expect(fresh.some((t) => tokens.includes(t))).toBe(false);
      // The previous start's tokens no longer work.
      expect(await second.runtime.tokens.resolve(tokens[0]!)).toBeUndefined();
      expect(await second.runtime.tokens.resolve(fresh[0]!)).toBeDefined();
    } finally {
      await second.close();
    }
  }, 240_000);
});
