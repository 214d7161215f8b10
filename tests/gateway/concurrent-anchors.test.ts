/**
 * Concurrent anchors to one entry over HTTP: each anchor re-sets the entry's head key and its
 * endorsement policy, so only one of a block's anchors can win. The others must be a retryable
 * 409 CONFLICT (never 502 LEDGER_ERROR), and resubmitting them lands every version, each with its
 * own number, proof and downloadable bytes.
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

const WRITERS = 6;
const jsonl = (i: number) =>
  `${JSON.stringify({ licence_no: `C${i}`, name: `并发${i}`, address: `北城区${i}号` })}\n`;
const anchor = (i: number) =>
  f.app.inject({
    method: 'POST',
    url: '/api/v1/catalog/HLT-ORG-001/versions?reason=concurrent%20anchor',
    headers: { ...f.auth('health', 'clerk'), 'content-type': 'application/x-ndjson' },
    payload: jsonl(i),
  });

describe('concurrent anchors to one entry over HTTP', () => {
  it('answer 201 or a retryable 409 CONFLICT, and retries land every version', async () => {
    const statuses: number[] = [];
    const versions = new Map<number, number>();
    let pending = Array.from({ length: WRITERS }, (_, i) => i);
    for (let round = 0; pending.length > 0 && round < 10; round++) {
      const results = await Promise.all(pending.map(async (i) => ({ i, res: await anchor(i) })));
      pending = [];
      for (const { i, res } of results) {
        statuses.push(res.statusCode);
        if (res.statusCode === 201) {
          versions.set(i, res.json<{ data: { version: number } }>().data.version);
          continue;
        }
        expect(res.statusCode, res.body).toBe(409);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('CONFLICT');
        pending.push(i);
      }
    }
    expect(pending).toEqual([]);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    // One number per version, none reused.
    expect(new Set(versions.values()).size).toBe(WRITERS);
    for (const [i, version] of versions) {
      const content = await f.app.inject({
        method: 'GET',
        url: `/api/v1/catalog/HLT-ORG-001/versions/${version}/content`,
        headers: f.auth('health', 'clerk'),
      });
      expect(content.statusCode, content.body).toBe(200);
      expect(content.body).toBe(jsonl(i));
      const proof = await f.app.inject({
        method: 'GET',
        url: `/api/v1/catalog/HLT-ORG-001/versions/${version}/proof`,
        headers: f.auth('health', 'clerk'),
      });
      expect(proof.statusCode, proof.body).toBe(200);
    }
  });
});
