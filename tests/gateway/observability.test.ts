/**
 * What an operator reads: `/metrics` carries the process (CPU, memory, open files, event-loop
 * delay, GC), the ledger (height per node, transactions by validation code), the work that is
 * late (overdue requests, objections and catalog updates per department) and the bytes moved up
 * and down; the request log has readable times, and a client hanging up mid-upload is one info
 * line, not an error with a stack trace.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../gateway/src/app.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
beforeAll(async () => {
  f = await openFixture();
});
afterAll(async () => {
  await f?.close();
});

/** The value of one series in the exposition text, or undefined when it is absent. */
const series = (text: string, name: string, labels = ''): number | undefined => {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`shulian_${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};
const metrics = async (): Promise<string> => (await f.app.inject('/metrics')).body;

describe('/metrics', () => {
  it('reports the process: CPU by mode, memory, open files, event-loop delay and GC', async () => {
    const text = await metrics();
    expect(text).toMatch(/^# TYPE shulian_process_cpu_seconds_total counter$/m);
    expect(series(text, 'process_cpu_seconds_total', 'mode="user"')).toBeGreaterThan(0);
    expect(series(text, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(series(text, 'nodejs_heap_bytes', 'kind="used"')).toBeGreaterThan(0);
    expect(series(text, 'process_open_fds')).toBeGreaterThan(3);
    expect(series(text, 'nodejs_eventloop_delay_seconds', 'quantile="0.99"')).toBeGreaterThan(0);
    // Seeding the demo data allocates enough for the young generation to be collected.
    expect(text).toMatch(/^shulian_nodejs_gc_runs_total\{kind="minor"\} [1-9]/m);
    expect(text).toMatch(/^# TYPE shulian_nodejs_gc_duration_seconds_total counter$/m);
  });

  it('reports every node height and the transactions by validation code', async () => {
    const height = await f.height();
    await f.runtime.index.waitFor(height - 1);
    const text = await metrics();
    for (const department of ['coord', 'psb', 'amr', 'health'])
      expect(series(text, 'ledger_node_height', `department="${department}"`)).toBe(height);
    expect(series(text, 'ledger_transactions_total', 'code="VALID"')).toBeGreaterThanOrEqual(
      height - 1,
    );
  });

  it('reports the overdue work of each department', async () => {
    const text = await metrics();
    // The demo's overdue share request is addressed to health (see the statistics test).
    expect(series(text, 'requests_overdue', 'department="health"')).toBe(1);
    expect(series(text, 'requests_overdue', 'department="psb"')).toBe(0);
    expect(series(text, 'objections_overdue', 'department="amr"')).toBeDefined();
    expect(series(text, 'catalog_updates_overdue', 'department="coord"')).toBeDefined();
  });

  it('counts the bytes of downloads delivered whole', async () => {
    const before = series(await metrics(), 'downloaded_bytes_total', 'projected="true"') ?? 0;
    const res = await f.app.inject({
      url: '/api/v1/catalog/PSB-POP-001/versions/1/content',
      headers: f.auth('health', 'clerk'),
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = series(await metrics(), 'downloaded_bytes_total', 'projected="true"');
    expect(after).toBe(before + res.rawPayload.length);
  });

  it('counts the bytes of uploads anchored', async () => {
    const before = series(await metrics(), 'uploaded_bytes_total') ?? 0;
    const body = 'id_number,name,birth_date,address\r\n110101199001010011,张三,1990-01-01,北京\r\n';
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/v1/catalog/PSB-POP-001/versions?reason=metrics',
      headers: { ...f.auth('psb', 'clerk'), 'content-type': 'text/csv' },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(series(await metrics(), 'uploaded_bytes_total')).toBe(before + Buffer.byteLength(body));
  });
});

describe('request log', () => {
  it('has ISO 8601 times and logs a client hanging up mid-upload as one info line', async () => {
    const lines: string[] = [];
    const app = await buildApp(f.runtime.context({ demoIdentities: f.demo }), {
      web: false,
      logger: { level: 'info', stream: { write: (line) => void lines.push(line) } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      await new Promise<void>((resolve) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/catalog/PSB-POP-001/versions?reason=monthly',
          headers: {
            ...f.auth('psb', 'clerk'),
            'content-type': 'text/csv',
            'content-length': String(10_000_000),
          },
        });
        req.on('error', () => resolve());
        req.write('id_number,name,birth_date,address\r\n');
        // Hang up once the server has started reading the body.
        setTimeout(() => req.destroy(), 300);
      });
      await waitUntil(() => lines.some((l) => l.includes('"statusCode"') || l.includes('closed')));
      const logged = lines.map(
        (l) => JSON.parse(l) as { level: number; time: string; msg: string },
      );
      for (const line of logged)
        expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(logged.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines.join('\n')).not.toMatch(/"stack"/);
    } finally {
      await app.close();
    }
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error('timed out waiting for the log line');
    await new Promise((r) => setTimeout(r, 50));
  }
}
