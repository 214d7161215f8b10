/**
 * The static plugin that serves the console: the right types and caching for hashed assets and
 * the page, the page's content security policy, gzip, conditional requests, and nothing served
 * that is not a built file.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from '../../gateway/src/routes/web.js';

let root: string;
let app: FastifyInstance;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shulian-web-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(root, 'app-ABCD2345.js'), 'console.log(1);'.repeat(100));
  await writeFile(join(root, 'notes.txt'), 'not a console asset');
  app = Fastify();
  await app.register(webRoutes, { root });
});

afterAll(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

describe('web routes', () => {
  it('serves the page uncached with a strict content security policy', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('caches hashed assets for good and gzips them when asked', async () => {
    const plain = await app.inject({ method: 'GET', url: '/app-ABCD2345.js' });
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const gzipped = await app.inject({
      method: 'GET',
      url: '/app-ABCD2345.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(plain.body);
    expect(gzipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ method: 'GET', url: '/' });
    const again = await app.inject({
      method: 'GET',
      url: '/',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves only built assets', async () => {
    for (const url of ['/notes.txt', '/../package.json', '/%2e%2e/package.json', '/missing.js']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });

  it('tells the console whether the demo sign-in is served: demo mode, to this machine only', async () => {
    const demoRoot = await mkdtemp(join(tmpdir(), 'shulian-web-demo-'));
    await writeFile(
      join(demoRoot, 'index.html'),
      '<!doctype html><meta name="shulian-demo" content="%DEMO%" /><title>t</title>',
    );
    const meta = (body: string) => /name="shulian-demo" content="(\w+)"/.exec(body)?.[1];
    for (const demo of [true, false]) {
      const served = Fastify();
      await served.register(webRoutes, { root: demoRoot, demo });
      for (const url of ['/', '/index.html']) {
        const local = await served.inject({ method: 'GET', url, remoteAddress: '127.0.0.1' });
        const remote = await served.inject({ method: 'GET', url, remoteAddress: '192.0.2.7' });
        expect([meta(local.body), meta(remote.body)], `demo ${demo} ${url}`).toEqual(
          demo ? ['on', 'off'] : ['off', 'off'],
        );
        // Each page its own tag: a cached "off" page is not revalidated as the "on" one.
        if (demo) expect(local.headers.etag).not.toBe(remote.headers.etag);
      }
      await served.close();
    }
    await rm(demoRoot, { recursive: true, force: true });
  });

  it('explains how to build the console when it is missing', async () => {
    const bare = Fastify();
    await bare.register(webRoutes, { root: join(root, 'nowhere') });
    const res = await bare.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await bare.close();
  });
});
