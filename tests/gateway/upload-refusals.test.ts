/**
 * What the chaincode would refuse after a whole upload is refused before its body is read: the
 * test sends the headers of a 64 MB upload and only its first kilobyte, so an answer can only
 * come from a check that did not wait for the rest (a server that read first would wait for ever).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let port: number;
beforeAll(async () => {
  f = await openFixture();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  port = (f.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await f?.close();
});

/** Sends the start of a large upload and resolves with the answer, without sending the rest. */
function startUpload(
  path: string,
  who: [string, string],
): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: {
          ...f.auth(...who),
          'content-type': 'text/csv',
          'content-length': String(64 * 1024 * 1024),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          req.destroy();
          const parsed = JSON.parse(body) as { error?: { code?: string } };
          resolve({ status: res.statusCode ?? 0, code: parsed.error?.code });
        });
      },
    );
    req.on('error', reject);
    req.write('id_number,name,birth_date,address\r\n'.padEnd(1024, 'x'));
  });
}

describe('uploads refused before the body is read', () => {
  it('without the reason a new version needs', async () => {
    expect(await startUpload('/api/v1/catalog/PSB-POP-001/versions', ['psb', 'clerk'])).toEqual({
      status: 400,
      code: 'REASON_REQUIRED',
    });
  });

  it("to another department's entry", async () => {
    expect(
      await startUpload('/api/v1/catalog/PSB-POP-001/versions?reason=x', ['amr', 'clerk']),
    ).toEqual({ status: 403, code: 'NOT_OWNER' });
  });

  it('to a retired entry', async () => {
    const retired = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/HLT-ORG-001/retire',
      headers: f.auth('health', 'clerk'),
      payload: { reason: '机构信息并入统一的医疗机构库' },
    });
    expect(retired.statusCode, retired.body).toBe(200);
    expect(
      await startUpload('/api/v1/catalog/HLT-ORG-001/versions?reason=x', ['health', 'clerk']),
    ).toEqual({ status: 409, code: 'CATALOG_RETIRED' });
  });
});
