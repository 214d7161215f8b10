/**
 * Regressions from fuzzing the gateway with Schemathesis against its own OpenAPI document
 * (`npm run test:contract`): each input that once answered 500, or that the server treated
 * differently from what the document says, stays fixed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
});
afterAll(async () => {
  await f?.close();
});

const codeOf = (r: { json<T>(): T }): string => r.json<{ error: { code: string } }>().error.code;

/** Invalid UTF-8: a lone continuation byte and a truncated two-byte sequence. */
const BAD_UTF8 = Buffer.from([0x80, 0xc3]);

describe('inputs that answered 500', () => {
  it('POST /verify/file without a body is an empty upload (400), not a TypeError', async () => {
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/verify/file?algorithm=sha256' });
    expect(r.statusCode).toBe(400);
    expect(codeOf(r)).toBe('EMPTY_UPLOAD');
  });

  it('POST /verify/file with an empty body is an empty upload too', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: '/api/v1/verify/file',
      headers: { 'content-type': 'application/octet-stream' },
      payload: '',
    });
    expect(r.statusCode).toBe(400);
    expect(codeOf(r)).toBe('EMPTY_UPLOAD');
  });

  it('a version upload without body or content type is EMPTY_UPLOAD and anchors nothing', async () => {
    const before = await f.height();
    const r = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/PSB-POP-001/versions',
      headers: f.auth('psb', 'clerk'),
    });
    expect(r.statusCode).toBe(400);
    expect(codeOf(r)).toBe('EMPTY_UPLOAD');
    expect(await f.height()).toBe(before);
  });

  it('a cursor that matches the pattern but names no key of the list is 400 on every list', async () => {
    for (const url of [
      '/api/v1/catalog/?cursor=WxZ',
      '/api/v1/catalog?cursor=WxZ',
      '/api/v1/grants?cursor=WxZ',
      '/api/v1/requests?cursor=WxZ',
      '/api/v1/objections?cursor=WxZ',
      '/api/v1/audit/usage?cursor=WxZ',
    ]) {
      const r = await f.app.inject({ method: 'GET', url, headers: f.auth('coord', 'auditor') });
      expect(r.statusCode, url).toBe(400);
      expect(codeOf(r), url).toBe('INVALID_CURSOR');
    }
  });

  it('a cursor the list returned still pages', async () => {
    const headers = f.auth('psb', 'clerk');
    const first = await f.app.inject({ method: 'GET', url: '/api/v1/catalog?limit=1', headers });
    const page = first.json<{ items: { id: string }[]; nextCursor: string | null }>();
    const cursor = page.nextCursor;
    expect(cursor).toBeTruthy();
    const next = await f.app.inject({
      method: 'GET',
      url: `/api/v1/catalog?limit=1&cursor=${cursor ?? ''}`,
      headers,
    });
    expect(next.statusCode).toBe(200);
    expect(next.json<{ items: { id: string }[] }>().items[0]?.id).not.toBe(page.items[0]?.id);
  });

  it('invalid UTF-8 in a CSV upload is refused as INVALID_ENCODING (400), not a store failure', async () => {
    const before = await f.height();
    const r = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/PSB-POP-001/versions',
      headers: { ...f.auth('psb', 'clerk'), 'content-type': 'text/csv' },
      payload: Buffer.concat([Buffer.from('name,id\nzhang,'), BAD_UTF8, Buffer.from('\n')]),
    });
    expect(r.statusCode).toBe(400);
    expect(codeOf(r)).toBe('INVALID_ENCODING');
    expect(await f.height()).toBe(before);
  });
});

describe('the server is as strict as its document', () => {
  it('does not read a boolean as a number (limit=true, /ledger/blocks/true)', async () => {
    const headers = f.auth('psb', 'clerk');
    for (const url of ['/api/v1/catalog?limit=true', '/api/v1/ledger/blocks/true']) {
      const r = await f.app.inject({ method: 'GET', url, headers });
      expect(r.statusCode, url).toBe(400);
      expect(codeOf(r), url).toBe('VALIDATION_FAILED');
    }
    const ok = await f.app.inject({ method: 'GET', url: '/api/v1/ledger/blocks/1', headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<{ blockNumber: number }>().blockNumber).toBe(1);
  });

  it('refuses invalid UTF-8 inside a JSON string (400) instead of storing U+FFFD', async () => {
    const before = await f.height();
    const body = Buffer.concat([
      Buffer.from('{"catalogId":"PSB-POP-001","fields":["name"],"purpose":"data_verification",'),
      Buffer.from('"scenario":"'),
      BAD_UTF8,
      Buffer.from('","period":{"from":"2026-01-01","to":"2026-12-31"}}'),
    ]);
    const r = await f.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers: { ...f.auth('health', 'clerk'), 'content-type': 'application/json' },
      payload: body,
    });
    expect(r.statusCode).toBe(400);
    expect(codeOf(r)).toBe('INVALID_ENCODING');
    expect(await f.height()).toBe(before);
  });

  it('answers an undeclared method on a known path 405 with Allow', async () => {
    for (const method of ['DELETE', 'PATCH', 'PUT'] as const) {
      const r = await f.app.inject({ method, url: '/api/v1/catalog' });
      expect(r.statusCode, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD, POST');
      expect(codeOf(r)).toBe('METHOD_NOT_ALLOWED');
    }
    const query = await f.app.inject({ method: 'QUERY' as 'GET', url: '/health' });
    expect(query.statusCode).toBe(405);
    expect(query.headers.allow).toBe('GET, HEAD');
    const unknown = await f.app.inject({ method: 'DELETE', url: '/api/v1/nothing-here' });
    expect(unknown.statusCode).toBe(404);
  });

  it('declares no security on the routes that answer without a token', async () => {
    const doc = (await f.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      security: unknown[];
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    }>();
    expect(doc.security).toEqual([{ bearer: [] }]);
    const op = (path: string, method = 'get') => doc.paths[path]?.[method];
    for (const [path, method] of [
      ['/health', 'get'],
      ['/ready', 'get'],
      ['/metrics', 'get'],
      ['/api/v1/departments', 'get'],
      ['/api/v1/ledger/trust', 'get'],
      ['/api/v1/verify/', 'get'],
      ['/api/v1/verify/file', 'post'],
      ['/api/v1/verify/record', 'post'],
      ['/api/v1/verify/bundle', 'post'],
      ['/api/v1/dcat/catalog.jsonld', 'get'],
    ] as const) {
      expect(op(path, method), `${method} ${path}`).toBeDefined();
      expect(op(path, method)?.security, `${method} ${path}`).toEqual([]);
      const anonymous = await f.app.inject({ method: 'GET', url: path });
      if (method === 'get') expect(anonymous.statusCode, path).not.toBe(401);
    }
    expect(op('/api/v1/catalog/')?.security).toBeUndefined();
  });

  it('documents 414 and 431 on every operation, and each non-JSON success under its media type', async () => {
    type Op = { responses: Record<string, { content?: Record<string, unknown> }> };
    const doc = (await f.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, Op>>;
    }>();
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(ops.length).toBeGreaterThan(50);
    for (const op of ops) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['414', '431']));
    }
    const csv = doc.paths['/api/v1/audit/usage.csv']?.get?.responses;
    expect(Object.keys(csv?.['200']?.content ?? {})).toEqual(['text/csv']);
    expect(Object.keys(csv?.['400']?.content ?? {})).toEqual(['application/json']);
    const content = doc.paths['/api/v1/catalog/{id}/versions/{version}/content']?.get?.responses;
    expect(Object.keys(content?.['200']?.content ?? {})).toContain('application/x-ndjson');
    const csvError = await f.app.inject({ method: 'GET', url: '/api/v1/audit/usage.csv?nope=1' });
    expect(csvError.headers['content-type']).toMatch(/^application\/json/);
  });
});
