/**
 * Gateway-to-gateway exchange on Fabric (#15): three department gateways (coord, psb, health), each
 * a separate process (`node dist/gateway/src/server.js --department <id>`) from a copy of its own
 * department's folder, with its exchange listener, published in the on-chain directory by its
 * admin. psb anchors PSB-POP-001; health requests it, psb approves; health's clerk downloads
 * version 2 through health's own gateway and gets it projected to the granted fields, with the use
 * and the delivered digest on chain; refusals (no grant, another department's grant, a grant not
 * valid yet, over the use limit) are recorded as DENIED; a replayed signed request is refused,
 * also by psb's gateway restarted within the request's time window;
 * psb's gateway killed mid-stream is reported by health's gateway, which keeps no partial file,
 * and a download while psb is down is PROVIDER_UNREACHABLE with no use recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grant, RequestDecisionResult, UsageRecord } from '@shulian/chaincode/constants';
import { createTokenStore } from '../../gateway/src/auth/tokens.js';
import { DEMO_ENTRIES } from '../../gateway/src/demo/seed.js';
import { signRequest, type SignedRequest } from '../../gateway/src/exchange/signed-request.js';
import type { TlsPair } from '../../gateway/src/exchange/listener.js';
import { tlsCaCertificateFile } from '../../gateway/src/exchange/tls.js';
import { CertificateAuthority, type StoredIdentity } from '../../network/embedded/identity.js';
import { Wallet } from '../../network/embedded/material.js';
import { departmentMachine, fabricNetwork, prepareLedger } from './harness.js';

const DEPARTMENTS = ['coord', 'psb', 'health'] as const;
type Department = (typeof DEPARTMENTS)[number];

interface Gateway {
  id: Department;
  machine: string;
  data: string;
  api: string;
  exchangePort: number;
  process: ChildProcess | null;
  log: string[];
  tokens: Record<string, string>;
}

const gateways = {} as Record<Department, Gateway>;
const POP = DEMO_ENTRIES.find((e) => e.entry.id === 'PSB-POP-001')!.entry;
const GRANTED = ['id_number', 'name', 'birth_date'];
const BULK_MIB = 192;
let popGrant: Grant;
let bulkGrant: Grant;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** Starts a department's gateway as its own process; resolves once its exchange listens. */
function start(g: Gateway): Promise<void> {
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

async function stop(g: Gateway, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = g.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  json<T>(): T;
}

async function call(
  department: Department,
  user: string,
  method: string,
  url: string,
  body?: unknown,
  /** The media type of a streamed body (an upload: the entry's declared format). */
  type = 'application/octet-stream',
): Promise<Answer> {
  const g = gateways[department];
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

const ok = (a: Answer, status = 200): Answer => {
  expect(a.status, a.body.toString('utf8').slice(0, 500)).toBe(status);
  return a;
};

/** A CSV of people, as psb's population register would export it. */
const population = (rows: number, version: number): string =>
  [
    POP.fields.map((f) => f.name).join(','),
    ...Array.from(
      { length: rows },
      (_, i) =>
        `37010219900101${String(1000 + i)},居民${i},${i % 2 ? '男' : '女'},1990-01-01,济南市历下区${version}号院${i}`,
    ),
  ].join('\r\n') + '\r\n';

/** Requests `catalogId` as health's clerk and approves it as psb's clerk; answers the grant. */
async function grantToHealth(
  catalogId: string,
  fields: string[],
  approval: { useLimit: number | null },
  period = { from: today(), to: today(30) },
): Promise<Grant> {
  const request = ok(
    await call('health', 'clerk', 'POST', '/requests', {
      catalogId,
      fields,
      purpose: 'administrative_basis',
      scenario: '出生登记核验',
      period,
    }),
    201,
  ).json<{ data: RequestDecisionResult }>().data.request;
  const decision = ok(
    await call('psb', 'clerk', 'POST', `/requests/${request.id}/approve`, {
      ...approval,
      reason: '符合法定职责',
    }),
  ).json<{ data: RequestDecisionResult }>().data;
  return decision.grant!;
}

const today = (days = 0): string =>
  new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  const net = await fabricNetwork();
  await prepareLedger(net);
  for (const id of DEPARTMENTS) {
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
  }
  for (const id of DEPARTMENTS) {
    const g = gateways[id];
    await start(g);
    const tokens = createTokenStore(path.join(g.data, `gateway-${id}`, 'tokens.json'));
    g.tokens.admin = (
      await tokens.create({ department: id, user: 'admin', roles: ['admin'] })
    ).token;
    g.tokens.clerk = (
      await tokens.create({ department: id, user: 'clerk', roles: ['publisher', 'consumer'] })
    ).token;
    // Each department's admin publishes its gateway and its TLS CA's certificate.
    const tlsCertificate = await readFile(tlsCaCertificateFile(g.machine, id), 'utf8');
    ok(
      await call(id, 'admin', 'PUT', `/gateways/${id}`, {
        url: `https://127.0.0.1:${g.exchangePort}`,
        tlsCertificate,
      }),
    );
  }
  // psb's catalog: the population register (versions 1 and 2) and a bulk file to cut short.
  ok(await call('psb', 'clerk', 'POST', '/catalog', POP), 201);
  ok(
    await call('psb', 'clerk', 'POST', '/catalog', {
      ...POP,
      id: 'PSB-BULK-001',
      name: '人口信息批量导出',
      format: 'application/octet-stream',
    }),
    201,
  );
  for (const [version, query] of [
    [1, ''],
    [2, '?reason=' + encodeURIComponent('更正住址')],
  ] as const)
    ok(
      await call(
        'psb',
        'clerk',
        'POST',
        `/catalog/PSB-POP-001/versions${query}`,
        Readable.from([population(200, version)]),
        'text/csv',
      ),
      201,
    );
  const block = randomBytes(1 << 20);
  ok(
    await call(
      'psb',
      'clerk',
      'POST',
      '/catalog/PSB-BULK-001/versions',
      Readable.from(
        (function* () {
          for (let i = 0; i < BULK_MIB; i++) yield block;
        })(),
      ),
    ),
    201,
  );
  popGrant = await grantToHealth('PSB-POP-001', GRANTED, { useLimit: 2 });
  bulkGrant = await grantToHealth(
    'PSB-BULK-001',
    POP.fields.map((f) => f.name),
    { useLimit: null },
  );
}, 600_000);

afterAll(async () => {
  for (const id of DEPARTMENTS) if (gateways[id]) await stop(gateways[id]);
  for (const id of DEPARTMENTS) {
    if (!gateways[id]) continue;
    await rm(gateways[id].machine, { recursive: true, force: true });
    await rm(gateways[id].data, { recursive: true, force: true });
  }
});

/** A use as psb's gateway's index has it (it follows the channel: a block or two behind). */
async function providerSees(usageId: string): Promise<UsageRecord> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const use = ok(await call('psb', 'clerk', 'GET', '/audit/usage?catalogId=PSB-POP-001'))
      .json<{ items: UsageRecord[] }>()
      .items.find((u) => u.id === usageId);
    if (use) return use;
    if (Date.now() > deadline) throw new Error(`psb's index never showed ${usageId}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The committed usage record, read from the ledger through another department's gateway. */
async function onChain(txId: string): Promise<{ validationCode: string; blockNumber: number }> {
  return ok(await call('coord', 'admin', 'GET', `/ledger/transactions/${txId}`)).json<{
    validationCode: string;
    blockNumber: number;
  }>();
}

const incoming = (): Promise<string[]> =>
  readdir(path.join(gateways.health.data, 'gateway-health', 'incoming'));

describe('gateway-to-gateway exchange on Fabric (three department gateways)', () => {
  it('health downloads PSB-POP-001 version 2 through its own gateway, projected, the use and digest on chain', async () => {
    const res = ok(
      await call(
        'health',
        'clerk',
        'GET',
        `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      ),
    );
    const text = res.body.toString('utf8');
    expect(text.split('\r\n')[0]).toBe(GRANTED.join(','));
    expect(text).not.toContain('济南市历下区');
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(201);
    const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    expect(res.headers.get('x-shulian-delivered-digest')).toBe(digest);
    const usageId = res.headers.get('x-shulian-usage-id')!;
    // The usage record as psb (the provider party) reads it from the ledger.
    expect(await providerSees(usageId)).toMatchObject({
      outcome: 'ALLOWED',
      consumer: { department: 'health', user: 'clerk' },
      provider: 'psb',
      grantId: popGrant.id,
      datasetVersion: 2,
      fields: GRANTED,
      bytes: res.body.length,
      deliveredDigest: { algorithm: 'sha256', value: digest.slice(7) },
    });
    // What was delivered under which grant, provable by the consumer.
    const receipt = ok(await call('health', 'clerk', 'GET', `/audit/usage/${usageId}/receipt`));
    expect(receipt.body.toString('utf8')).toContain(digest.slice(7));
    expect(await incoming()).toEqual([]);
  });

  it('refusals are recorded as DENIED: no grant, another department’s grant, not yet valid, over the use limit', async () => {
    const refused = async (department: Department, url: string, code: string) => {
      const res = await call(department, 'clerk', 'GET', url);
      expect(res.status, res.body.toString('utf8')).toBe(403);
      const error = res.json<{
        error: { code: string; details: { usageId: string; txId: string; recorded: boolean } };
      }>().error;
      expect(error.code).toBe(code);
      expect(error.details.recorded).toBe(true);
      expect((await onChain(error.details.txId)).validationCode).toBe('VALID');
      expect(await providerSees(error.details.usageId)).toMatchObject({
        outcome: 'DENIED',
        denialCode: code,
      });
    };
    // The coordinator's clerk holds no grant on PSB-POP-001, and cannot use health's.
    await refused('coord', '/catalog/PSB-POP-001/versions/2/content', 'GRANT_NOT_FOUND');
    await refused(
      'coord',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      'GRANT_NOT_HOLDER',
    );
    // A grant whose period starts next week (expiry needs the day to end: Fabric refuses
    // backdated transactions, so the clock cannot be moved).
    const later = await grantToHealth(
      'PSB-POP-001',
      GRANTED,
      { useLimit: null },
      {
        from: today(7),
        to: today(30),
      },
    );
    await refused(
      'health',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${later.id}`,
      'GRANT_NOT_YET_VALID',
    );
    // Two uses allowed: the second is, the third is over the limit.
    ok(
      await call(
        'health',
        'clerk',
        'GET',
        `/catalog/PSB-POP-001/versions/1/content?grantId=${popGrant.id}`,
      ),
    );
    await refused(
      'health',
      `/catalog/PSB-POP-001/versions/2/content?grantId=${popGrant.id}`,
      'USE_LIMIT_REACHED',
    );
  });

  it('a replayed signed request is refused by psb’s gateway, also after a restart', async () => {
    const health = gateways.health;
    const profile = JSON.parse(
      await readFile(path.join(health.machine, 'departments', 'health', 'connection.json'), 'utf8'),
    ) as { wallet: { dir: string; ca: string } };
    const wallet = new Wallet(
      profile.wallet.dir,
      await CertificateAuthority.fromStored(
        JSON.parse(await readFile(profile.wallet.ca, 'utf8')) as StoredIdentity,
      ),
    );
    const signed = signRequest(
      {
        kind: 'quote',
        provider: 'psb',
        consumer: { department: 'health', user: 'clerk' },
        catalogId: 'PSB-BULK-001',
        version: 1,
        grantId: bulkGrant.id,
        fields: null,
        purpose: null,
        usageId: null,
        nonce: randomBytes(16).toString('hex'),
        issuedAt: new Date().toISOString(),
      },
      await wallet.identity('clerk', 'client'),
    );
    // Sent as health's gateway sends it: over mutual TLS with health's exchange certificate.
    const tls = JSON.parse(
      await readFile(path.join(health.data, 'gateway-health', 'exchange-tls.json'), 'utf8'),
    ) as TlsPair;
    const first = await exchangePost('psb', signed, tls);
    expect(first.status, first.text).toBe(200);
    const replayed = async () => {
      const replay = await exchangePost('psb', signed, tls);
      expect([replay.status, JSON.parse(replay.text)]).toMatchObject([
        409,
        { error: { code: 'EXCHANGE_REQUEST_REPLAYED' } },
      ]);
    };
    await replayed();
    // psb's gateway restarted within the request's time window remembers the nonce.
    await stop(gateways.psb);
    await start(gateways.psb);
    await replayed();
  });

  it('psb’s gateway killed mid-stream: health’s gateway reports it and keeps no partial file; psb down: PROVIDER_UNREACHABLE, nothing recorded', async () => {
    const download = call(
      'health',
      'clerk',
      'GET',
      `/catalog/PSB-BULK-001/versions/1/content?grantId=${bulkGrant.id}`,
    );
    // The delivery has begun once health's gateway writes it to incoming/.
    const deadline = Date.now() + 120_000;
    while ((await incoming()).length === 0) {
      if (Date.now() > deadline) throw new Error('the delivery never began');
      await new Promise((r) => setTimeout(r, 10));
    }
    await stop(gateways.psb, 'SIGKILL');
    const res = await download;
    expect(res.status, res.body.toString('utf8')).toBe(502);
    const error = res.json<{ error: { code: string; details: { usageId: string } } }>().error;
    expect(error.code).toBe('DELIVERY_INCOMPLETE');
    expect(error.details.usageId).toMatch(/^USE-/);
    expect(await incoming()).toEqual([]);

    const down = await call(
      'health',
      'clerk',
      'GET',
      `/catalog/PSB-BULK-001/versions/1/content?grantId=${bulkGrant.id}`,
    );
    expect(down.status).toBe(502);
    const unreachable = down.json<{ error: { code: string; details: Record<string, unknown> } }>()
      .error;
    expect(unreachable.code).toBe('PROVIDER_UNREACHABLE');
    // Refused before the use was recorded: no usage id, nothing on the ledger.
    expect(unreachable.details).not.toHaveProperty('usageId');
    expect(await incoming()).toEqual([]);
  });
});

/** POSTs a signed request to a department's exchange listener with a TLS client certificate. */
function exchangePost(
  department: Department,
  signed: SignedRequest,
  tls: TlsPair,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `https://127.0.0.1:${gateways[department].exchangePort}/api/v1/exchange/quote`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        cert: tls.certificate,
        key: tls.privateKey,
        headers: { 'content-type': 'application/json' },
      },
    );
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.end(JSON.stringify(signed));
  });
}
