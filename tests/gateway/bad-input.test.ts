/**
 * Every class of bad input gets a 4xx with `{error: {code, message}}`, never a 5xx, and writes
 * nothing to the ledger.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture({ bodyLimit: 4096 });
});
afterAll(async () => {
  await f?.close();
});

const validRequest = {
  catalogId: 'PSB-POP-001',
  fields: ['name'],
  purpose: 'data_verification',
  scenario: 'test',
  period: { from: '2026-01-01', to: '2026-12-31' },
};

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
  status: number;
  code: string;
}

function cases(): Case[] {
  const json = { 'content-type': 'application/json', ...f.auth('health', 'clerk') };
  return [
    {
      name: 'malformed JSON',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: '{"catalogId": ',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'empty JSON body',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: '',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'wrong type',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: JSON.stringify({ ...validRequest, fields: 'name' }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'number given as string',
      method: 'POST',
      url: '/api/v1/objections',
      headers: json,
      payload: JSON.stringify({
        catalogId: 'AMR-ENT-001',
        version: '1',
        description: 'x',
        recordRefs: ['1'],
      }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown field',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: JSON.stringify({ ...validRequest, admin: true }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'bad enum value',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: JSON.stringify({ ...validRequest, purpose: 'curiosity' }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'oversized body',
      method: 'POST',
      url: '/api/v1/requests',
      headers: json,
      payload: JSON.stringify({ ...validRequest, scenario: 'x'.repeat(10_000) }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'wrong content type',
      method: 'POST',
      url: '/api/v1/requests',
      headers: { 'content-type': 'text/plain', ...f.auth('health', 'clerk') },
      payload: 'hello',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'path traversal in id',
      method: 'GET',
      url: '/api/v1/catalog/..%2F..%2Fetc%2Fpasswd',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'dot-dot id',
      method: 'GET',
      url: '/api/v1/catalog/a..b',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'NUL in id',
      method: 'GET',
      url: '/api/v1/requests/abc%00def',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'control character in id',
      method: 'GET',
      url: '/api/v1/grants/abc%0Adef',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'over-long id',
      method: 'GET',
      url: `/api/v1/catalog/${'a'.repeat(300)}`,
      headers: json,
      status: 414,
      code: 'URI_TOO_LONG',
    },
    {
      name: 'bad query type',
      method: 'GET',
      url: '/api/v1/catalog?limit=lots',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'limit out of range',
      method: 'GET',
      url: '/api/v1/catalog?limit=100000',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown query parameter',
      method: 'GET',
      url: '/api/v1/catalog?drop=table',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'bad cursor',
      method: 'GET',
      url: '/api/v1/requests?cursor=%7B%7D',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'bad digest',
      method: 'GET',
      url: '/api/v1/verify?digest=XYZ',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'bad version number',
      method: 'GET',
      url: '/api/v1/catalog/PSB-POP-001/versions/-1',
      headers: json,
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'no token',
      method: 'GET',
      url: '/api/v1/requests',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'malformed authorization',
      method: 'GET',
      url: '/api/v1/requests',
      headers: { authorization: 'Basic abc' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'unknown token',
      method: 'GET',
      url: '/api/v1/requests',
      headers: { authorization: 'Bearer sl_nope' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'bad URL encoding',
      method: 'GET',
      url: '/api/v1/catalog/%E0%A4%A',
      headers: json,
      status: 400,
      code: 'BAD_REQUEST',
    },
    {
      name: 'unknown route',
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: json,
      status: 404,
      code: 'ROUTE_NOT_FOUND',
    },
    {
      name: 'from after to',
      method: 'GET',
      url: '/api/v1/audit/usage?from=2026-02-01&to=2026-01-01',
      headers: f.auth('coord', 'auditor'),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
  ];
}

describe('bad input', () => {
  it('is answered 4xx with a code and writes nothing', async () => {
    const before = await f.height();
    for (const c of cases()) {
      const res = await f.app.inject({
        method: c.method,
        url: c.url,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      });
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(c.status);
      const body = res.json<{ error: { code: string; message: string } }>();
      expect(body.error.code, c.name).toBe(c.code);
      expect(body.error.message.length, c.name).toBeGreaterThan(0);
    }
    expect(await f.height()).toBe(before);
  });

  it('answers huge headers with 431 and our error shape, on a real socket', async () => {
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = f.app.server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/health', headers: { 'x-big': 'a'.repeat(64 * 1024) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(answer.status).toBe(431);
    expect((JSON.parse(answer.body) as { error: { code: string } }).error.code).toBe(
      'HEADERS_TOO_LARGE',
    );
  });
});
