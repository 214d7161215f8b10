/**
 * Connection hygiene on a listening gateway: slow clients that never finish their headers are cut
 * after the header timeout and cannot pin the server, the connection cap refuses what is beyond
 * it, and one client's requests beyond its rate are answered 429 RATE_LIMITED while the health
 * routes and other work keep answering.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let base: string;
let port: number;
beforeAll(async () => {
  f = await openFixture({
    seed: false,
    overrides: { headersTimeoutMs: 500, maxConnections: 40, rateLimit: 30 },
  });
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(base).port);
});
afterAll(async () => {
  await f?.close();
});

/** A client that opens a request and sends its headers one byte at a time, slowly. */
function slowClient(): { socket: Socket; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  const text = 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(1000);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.writable) socket.write(text[i++ % text.length]!);
  }, 100);
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  return { socket, closed };
}

describe('connection hygiene', () => {
  it('cuts clients that dribble their headers, and keeps answering meanwhile', async () => {
    const slow = Array.from({ length: 30 }, slowClient);
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    const lifetimes = await Promise.all(slow.map((s) => s.closed));
    // Cut by the server within the header timeout plus Node's checking period, not held open.
    for (const ms of lifetimes) expect(ms).toBeLessThan(5_000);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('refuses connections beyond the cap and recovers when they close', async () => {
    const held = Array.from({ length: 60 }, slowClient);
    await new Promise((r) => setTimeout(r, 200));
    // At least the ones beyond the cap were refused at once.
    const early = await Promise.race([
      Promise.all(held.map((h) => h.closed)).then(() => 'all'),
      new Promise((r) => setTimeout(() => r('some'), 300)),
    ]);
    expect(early).toBe('some');
    expect(held.filter((h) => h.socket.destroyed).length).toBeGreaterThanOrEqual(20);
    await Promise.all(held.map((h) => h.closed));
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('answers 429 RATE_LIMITED beyond the per-client rate, never on health routes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++)
      statuses.push((await fetch(`${base}/api/v1/verify?digest=${'0'.repeat(64)}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    const limited = await fetch(`${base}/api/v1/verify?digest=${'0'.repeat(64)}`);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});
