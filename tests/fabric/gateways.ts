/**
 * Department gateways as separate processes on the Fabric test network (#15): each is
 * `node dist/gateway/src/server.js --department <id>` from a copy of its own department's folder,
 * with its own data folder and exchange listener, published in the on-chain directory by its
 * admin. Some can run on a clock the test moves (libfaketime), to reach a grant's end without
 * waiting for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { createTokenStore } from '../../gateway/src/auth/tokens.js';
import { tlsCaCertificateFile } from '../../gateway/src/exchange/tls.js';
import { departmentMachine, fabricNetwork, prepareLedger } from './harness.js';

export interface DepartmentGateway {
  id: string;
  /** The department's machine: a copy of its folder alone. */
  machine: string;
  data: string;
  /** http://127.0.0.1:port, where its console and API are. */
  api: string;
  exchangePort: number;
  process: ChildProcess | null;
  log: string[];
  /** Bearer tokens of its admin and its clerk (publisher and consumer). */
  tokens: Record<string, string>;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/**
 * A clock the test moves for the gateways started on it: Debian's libfaketime (package
 * `faketime`) preloaded into their Node processes, reading its offset from a file. Only the wall
 * clock moves (timers keep the real monotonic clock); what a gateway signs, the Fabric proposals'
 * timestamps (the chaincode's "now") and the exchange's signed requests, carries the moved time.
 * Fabric's peers are Go programs, which libfaketime does not reach: they keep the real time and
 * accept the moved one within their time window (tests/fabric/global-setup.ts widens it).
 */
export interface TestClock {
  /** The environment that puts a process on this clock. */
  env: Record<string, string>;
  /** Moves the clock to `offsetMs` from the real time (0: the real time). */
  set(offsetMs: number): Promise<void>;
}

/** libfaketime's multi-threaded build (Node runs threads), wherever Debian's multiarch put it. */
function libfaketime(): string {
  const found = readdirSync('/usr/lib')
    .map((dir) => path.join('/usr/lib', dir, 'faketime', 'libfaketimeMT.so.1'))
    .find((file) => existsSync(file));
  if (!found)
    throw new Error(
      'libfaketime is not installed (no /usr/lib/*/faketime/libfaketimeMT.so.1): the Fabric ' +
        'exchange test moves the gateways’ clocks past a grant’s end with it. Install Debian’s ' +
        'package: apt-get install faketime (.ci/run does).',
    );
  return found;
}

export async function testClock(dir: string): Promise<TestClock> {
  const preload = libfaketime();
  const file = path.join(dir, 'clock');
  const set = (offsetMs: number) => writeFile(file, `+${Math.round(offsetMs / 1000)}\n`);
  await set(0);
  return {
    env: {
      LD_PRELOAD: preload,
      FAKETIME_TIMESTAMP_FILE: file,
      // Re-read at most every second, so the test can move the clock of running gateways.
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    },
    set,
  };
}

/** Starts a department's gateway as its own process; resolves once its exchange listens. */
export function startGateway(
  g: DepartmentGateway,
  env: Record<string, string> = {},
): Promise<void> {
  const child = spawn(
    process.execPath,
    [path.resolve('dist/gateway/src/server.js'), '--department', g.id],
    {
      env: {
        PATH: process.env.PATH,
        LEDGER: 'fabric',
        SHULIAN_FABRIC_DIR: g.machine,
        SHULIAN_DATA_DIR: g.data,
        SHULIAN_HOST: '127.0.0.1',
        SHULIAN_PORT: new URL(g.api).port,
        SHULIAN_EXCHANGE_PORT: String(g.exchangePort),
        SHULIAN_LOG_LEVEL: 'warn',
        SHULIAN_RATE_LIMIT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  g.process = child;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      g.log.push(text);
      if (text.includes('  exchange  https://')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => g.log.push(c.toString()));
    child.once('exit', (code) =>
      reject(new Error(`${g.id}'s gateway exited (${code}):\n${g.log.join('')}`)),
    );
  });
}

export async function stopGateway(
  g: DepartmentGateway,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const child = g.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T>(): T;
}

/** A call to a gateway's API as one of its users (a token of its own store). */
export async function callGateway(
  g: DepartmentGateway,
  user: string,
  method: string,
  url: string,
  body?: unknown,
  /** The media type of a streamed body (an upload: the entry's declared format). */
  type = 'application/octet-stream',
): Promise<Answer> {
  const res = await fetch(`${g.api}/api/v1${url}`, {
    method,
    headers: {
      authorization: `Bearer ${g.tokens[user]}`,
      ...(body === undefined || body instanceof Readable
        ? {}
        : { 'content-type': 'application/json' }),
      ...(body instanceof Readable ? { 'content-type': type } : {}),
    },
    ...(body === undefined
      ? {}
      : body instanceof Readable
        ? { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' }
        : { body: JSON.stringify(body) }),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    body: bytes,
    json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
  };
}

export const ok = (a: Answer, status = 200): Answer => {
  expect(a.status, a.body.toString('utf8').slice(0, 500)).toBe(status);
  return a;
};

/**
 * The ledger prepared (tests/fabric/harness.ts) and a gateway started for each department, in
 * order, its admin and clerk given tokens, each admin publishing its gateway and its TLS CA's
 * certificate in the directory. Departments in `clock.departments` run on `clock.clock`.
 */
export async function openGateways<Id extends string>(
  ids: readonly Id[],
  clock?: { clock: TestClock; departments: readonly Id[] },
): Promise<Record<Id, DepartmentGateway>> {
  const net = await fabricNetwork();
  await prepareLedger(net);
  const gateways = {} as Record<Id, DepartmentGateway>;
  for (const id of ids)
    gateways[id] = {
      id,
      machine: await departmentMachine(net.layout.root, id),
      data: await mkdtemp(path.join(tmpdir(), `shulian-${id}-data-`)),
      api: `http://127.0.0.1:${await freePort()}`,
      exchangePort: await freePort(),
      process: null,
      log: [],
      tokens: {},
    };
  for (const id of ids) {
    const g = gateways[id];
    await startGateway(g, clock?.departments.includes(id) ? clock.clock.env : {});
    const tokens = createTokenStore(path.join(g.data, `gateway-${id}`, 'tokens.json'));
    g.tokens.admin = (
      await tokens.create({ department: id, user: 'admin', roles: ['admin'] })
    ).token;
    g.tokens.clerk = (
      await tokens.create({ department: id, user: 'clerk', roles: ['publisher', 'consumer'] })
    ).token;
    const tlsCertificate = await readFile(tlsCaCertificateFile(g.machine, id), 'utf8');
    ok(
      await callGateway(g, 'admin', 'PUT', `/gateways/${id}`, {
        url: `https://127.0.0.1:${g.exchangePort}`,
        tlsCertificate,
      }),
    );
  }
  return gateways;
}

/** Stops every gateway and removes its machine and data folders. */
export async function closeGateways(gateways: Partial<Record<string, DepartmentGateway>>) {
  const all = Object.values(gateways).filter((g) => g !== undefined);
  for (const g of all) await stopGateway(g);
  for (const g of all) {
    await rm(g.machine, { recursive: true, force: true });
    await rm(g.data, { recursive: true, force: true });
  }
}
