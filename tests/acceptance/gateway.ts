/**
 * The acceptance suites' gateway: a started server (`node dist/gateway/src/server.js`, the build
 * `npm test` makes first) in a data directory of its own, the real CLI run against that directory,
 * and HTTP calls with the tokens the CLI issued. On Fabric (tests/fabric/engine/acceptance-setup.ts)
 * the environment points the server and the CLI at the suite's network, which the files share.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const SERVER = join(ROOT, 'dist/gateway/src/server.js');
const CLI = join(ROOT, 'dist/gateway/src/cli.js');

/** A token to issue before the server starts: [name in `tokens`, department, user, role]. */
export type Identity = readonly [name: string, department: string, user: string, role: string];

/** The suites' people: the coordinator's admin and auditor, psb's and health's admin and clerk. */
export const IDENTITIES: readonly Identity[] = [
  ['coordAdmin', 'coord', 'admin', 'admin'],
  ['auditor', 'coord', 'auditor', 'supervisor'],
  ['psbAdmin', 'psb', 'admin', 'admin'],
  ['psb', 'psb', 'clerk', 'publisher'],
  ['healthAdmin', 'health', 'admin', 'admin'],
  ['health', 'health', 'clerk', 'consumer'],
];

export interface Answer<T> {
  status: number;
  body: T;
}

export interface Gateway {
  dir: string;
  base: string;
  /** Bearer tokens by the names the identities gave them; a suite may add its own. */
  tokens: Record<string, string>;
  server: ChildProcess;
  cli(args: string[]): Promise<{ code: number; out: string; err: string }>;
  api<T = unknown>(who: string, method: string, path: string, body?: unknown): Promise<Answer<T>>;
  /** Stops the server if it runs and removes the data directory. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}

export const code = (r: { body: unknown }): string | undefined =>
  (r.body as { error?: { code?: string } }).error?.code;

/** Issues the identities' tokens with the CLI, then starts the server and waits until ready. */
export async function startGateway(identities: readonly Identity[]): Promise<Gateway> {
  const dir = await mkdtemp(join(tmpdir(), 'shulian-acceptance-'));
  const env = () => ({ ...process.env, SHULIAN_DATA_DIR: dir, SHULIAN_LOG_LEVEL: 'warn' });
  const tokens: Record<string, string> = {};
  const cli: Gateway['cli'] = async (args) => {
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { env: env(), cwd: dir });
      return { code: 0, out: stdout, err: stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };
  for (const [name, department, user, role] of identities) {
    const r = await cli([
      'tokens',
      'create',
      '--department',
      department,
      '--user',
      user,
      '--role',
      role,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    tokens[name] = (JSON.parse(r.out) as { token: string }).token;
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn('node', [SERVER], {
    env: { ...env(), SHULIAN_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || server.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const api: Gateway['api'] = async <T>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(tokens[who] === undefined ? {} : { authorization: `Bearer ${tokens[who]}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: (text && res.headers.get('content-type')?.includes('json')
        ? JSON.parse(text)
        : text) as T,
    };
  };
  return {
    dir,
    base,
    tokens,
    server,
    cli,
    api,
    async close() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
