/**
 * Gateway-to-gateway exchange over real HTTPS with mutual TLS, without Fabric: psb's gateway (the
 * demo network's app read as psb, on an exchange listener with a certificate of psb's TLS CA) and
 * health's exchange client (its TLS certificate, health's users' keys). Health's clerk's use of
 * PSB-POP-001 is quoted, recorded on chain, then delivered once, byte for byte what the usage
 * record carries; plain HTTP, a TLS certificate other than the published one, tampered, expired,
 * replayed and foreign-MSP requests are refused; a DENIED use serves nothing; a provider that is
 * down is PROVIDER_UNREACHABLE; a delivery cut short or altered is refused with no file kept; a
 * grant expired (the gateways' clocks moved past its end) or revoked between the use and the
 * delivery is refused by the provider; a quote the provider's clock refuses is recorded DENIED.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TX, type Grant, type UsageRecord } from '@shulian/chaincode/constants';
import { TlsAuthority } from '../../network/fabric/material.js';
import { buildApp, type UndeclaredError } from '../../gateway/src/app.js';
import { GatewayError } from '../../gateway/src/errors.js';
import { createExchangeClient } from '../../gateway/src/exchange/client.js';
import { USE_CATCH_UP_MS } from '../../gateway/src/exchange/provider.js';
import { createDatasets } from '../../gateway/src/services/datasets.js';
import {
  listenExchange,
  type ExchangeListener,
  type TlsPair,
} from '../../gateway/src/exchange/listener.js';
import {
  signRequest,
  type ExchangeRequest,
  type SignedRequest,
} from '../../gateway/src/exchange/signed-request.js';
import type { RemoteProvider, RemoteUse } from '../../gateway/src/services/datasets.js';
import type { Delivery } from '../../gateway/src/services/delivery.js';
import { openFixture, type Fixture } from './fixture.js';

let fx: Fixture;
let dir: string;
let psbApp: FastifyInstance;
let listener: ExchangeListener;
let client: RemoteProvider;
let healthTls: TlsPair;
let amrTls: TlsPair;
let amrCa: string;
let grant: Grant;
const undeclared: UndeclaredError[] = [];
const clerk = { department: 'health', user: 'clerk' };

const authority = async (org: string) =>
  TlsAuthority.loadOrCreate(join(dir, `${org}-tlsca.json`), org);

beforeAll(async () => {
  fx = await openFixture();
  dir = await mkdtemp(join(tmpdir(), 'shulian-exchange-'));
  // psb's own gateway: the same ledger and store, read as psb.
  psbApp = await buildApp(
    { ...fx.runtime.context(), publicReader: { department: 'psb', user: 'gateway' } },
    { web: false, undeclaredError: (answer) => undeclared.push(answer) },
  );
  const psbCa = await authority('psb');
  listener = await listenExchange(psbApp, {
    host: '127.0.0.1',
    port: 0,
    tls: await psbCa.issue('gateway.psb', ['127.0.0.1']),
  });
  const healthCa = await authority('health');
  healthTls = await healthCa.issue('gateway.health', ['127.0.0.1']);
  const amr = await authority('amr');
  amrTls = await amr.issue('gateway.amr', ['127.0.0.1']);
  amrCa = amr.certificate;
  await publish('psb', listener.url, psbCa.certificate);
  await publish('health', 'https://127.0.0.1:9', healthCa.certificate);
  client = await createExchangeClient({
    chaincode: fx.runtime.chaincode,
    reader: { department: 'health', user: 'gateway' },
    identity: (caller) => fx.runtime.embedded!.identity(caller),
    tls: healthTls,
    incomingDir: join(dir, 'incoming'),
    now: Date.now,
    timeoutMs: 60_000,
  });
  const current = await fx.runtime.index.currentGrant('health', 'PSB-POP-001', Date.now());
  if (!current) throw new Error('the demo seed gives health a grant on PSB-POP-001');
  grant = current;
}, 120_000);

afterAll(async () => {
  await listener?.close();
  await psbApp?.close();
  await fx?.close();
  await rm(dir, { recursive: true, force: true });
  expect(undeclared.map((u) => `${u.operation} ${u.status} ${u.code}`)).toEqual([]);
});

const use = (): RemoteUse => ({
  catalogId: 'PSB-POP-001',
  version: 1,
  grantId: grant.id,
  fields: grant.fields,
  purpose: null,
});

/**
 * Records the use as health's clerk, as health's gateway does, with what the quote said; answers
 * it and what a delivery names of it (its id and the block it was committed in).
 */
async function recordUse(
  delivery: Delivery,
  fields = grant.fields,
): Promise<{ usage: UsageRecord; named: { usageId: string; blockNumber: number } }> {
  const s = await fx.runtime.chaincode.submit<UsageRecord>(clerk, TX.usage.RecordUse, [
    {
      grantId: grant.id,
      catalogId: 'PSB-POP-001',
      datasetVersion: 1,
      action: 'download',
      fields,
      purpose: null,
      bytes: delivery.bytes,
      deliveredDigest: delivery.digest,
    },
  ]);
  return { usage: s.value, named: { usageId: s.value.id, blockNumber: s.blockNumber } };
}

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
};

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (err: { code?: string; details?: { code?: string } }) =>
      err.code === 'PROVIDER_REFUSED' ? `PROVIDER_REFUSED:${err.details?.code}` : err.code,
  );

/** A signed request as health's gateway makes it, for the raw calls below. */
async function signedBy(
  caller: { department: string; user: string },
  over: Partial<ExchangeRequest> = {},
): Promise<SignedRequest> {
  return signRequest(
    {
      kind: 'quote',
      provider: 'psb',
      consumer: caller,
      ...use(),
      usageId: null,
      nonce: randomBytes(16).toString('hex'),
      issuedAt: new Date().toISOString(),
      ...over,
    },
    await fx.runtime.embedded!.identity(caller),
  );
}

/** POSTs to psb's exchange listener with a TLS client certificate. */
function post(
  path: string,
  body: object,
  tls: TlsPair | null = healthTls,
): Promise<{ status: number; json: { error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${listener.url}/api/v1/exchange/${path}`, {
      method: 'POST',
      rejectUnauthorized: false,
      ...(tls ? { cert: tls.certificate, key: tls.privateKey } : {}),
      headers: { 'content-type': 'application/json' },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      // A delivery answers its bytes, everything else JSON.
      const json = res.headers['content-type']?.startsWith('application/json') === true;
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          json: JSON.parse(json ? text : '{}') as { error?: { code: string } },
        }),
      );
    });
    req.end(JSON.stringify(body));
  });
}

describe('a delivery waits for its use’s block on the provider’s ledger', () => {
  /** Settles `p` within `ms` or answers 'pending'. */
  const within = (p: Promise<unknown>, ms: number) =>
    Promise.race([
      p.then(() => 'settled'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
    ]);

  it('waitForHeight: already reached at once, reached once the block commits, NODE_BEHIND past the bound', async () => {
    const ledger = fx.runtime.ledger;
    const { height } = await ledger.status();
    expect(await within(ledger.waitForHeight('psb', height, 50), 1_000)).toBe('settled');
    const waiting = ledger.waitForHeight('psb', height + 1, 30_000);
    expect(await within(waiting, 100)).toBe('pending');
    await recordUse(await client.quote(clerk, 'psb', use())); // commits block `height`
    await waiting;
    const started = Date.now();
    await expect(ledger.waitForHeight('psb', height + 1_000, 200)).rejects.toMatchObject({
      code: 'NODE_BEHIND',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a delivery naming the next block is answered once that block commits', async () => {
    const delivery = await client.quote(clerk, 'psb', use());
    const { named } = await recordUse(delivery);
    const answer = post(
      'deliveries',
      await signedBy(clerk, { kind: 'deliver', ...named, blockNumber: named.blockNumber + 1 }),
    );
    expect(await within(answer, 100)).toBe('pending');
    await recordUse(delivery); // another use: block blockNumber + 1
    expect((await answer).status).toBe(200);
  });

  it('a block the provider’s ledger does not reach within the bound is 503 USE_BLOCK_NOT_REACHED, the use still deliverable', async () => {
    const delivery = await client.quote(clerk, 'psb', use());
    const { named } = await recordUse(delivery);
    const started = Date.now();
    const r = await post(
      'deliveries',
      await signedBy(clerk, { kind: 'deliver', ...named, blockNumber: named.blockNumber + 1_000 }),
    );
    expect(r.status).toBe(503);
    expect(r.json.error?.code).toBe('USE_BLOCK_NOT_REACHED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(USE_CATCH_UP_MS - 50);
    const bytes = await readAll(await client.fetch(clerk, 'psb', { ...use(), ...named }, delivery));
    expect(bytes.length).toBe(delivery.bytes);
  }, 20_000);

  it('a consumer gateway that sends no block number is still served (the use read again)', async () => {
    const { named } = await recordUse(await client.quote(clerk, 'psb', use()));
    const r = await post(
      'deliveries',
      await signedBy(clerk, { kind: 'deliver', usageId: named.usageId }),
    );
    expect(r.status).toBe(200);
  });

  it('the block number is signed and checked: altered, negative, or on a quote, refused', async () => {
    const { named } = await recordUse(await client.quote(clerk, 'psb', use()));
    const signed = await signedBy(clerk, { kind: 'deliver', ...named });
    const altered = { ...signed, request: { ...signed.request, blockNumber: 0 } };
    expect((await post('deliveries', altered)).json.error?.code).toBe('EXCHANGE_SIGNATURE_INVALID');
    const negative = await post(
      'deliveries',
      await signedBy(clerk, { kind: 'deliver', ...named, blockNumber: -1 }),
    );
    expect([negative.status, negative.json.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const quote = await post('quote', await signedBy(clerk, { blockNumber: named.blockNumber }));
    expect([quote.status, quote.json.error?.code]).toEqual([400, 'BAD_REQUEST']);
  });
});

describe('gateway-to-gateway exchange (mutual TLS, signed requests)', () => {
  it('quote, use recorded by the consumer, delivery once: the bytes are the recorded delivery', async () => {
    const delivery = await client.quote(clerk, 'psb', use());
    const { usage, named } = await recordUse(delivery);
    expect(usage.outcome).toBe('ALLOWED');
    const bytes = await readAll(await client.fetch(clerk, 'psb', { ...use(), ...named }, delivery));
    expect(bytes.length).toBe(delivery.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(delivery.digest.value);
    // Projected to the granted fields: the CSV header names them and nothing else.
    expect(bytes.toString('utf8').split('\r\n')[0]).toBe(grant.fields.join(','));
    expect(await readdir(join(dir, 'incoming'))).toEqual([]);
    // One use, one delivery.
    expect(await codeOf(client.fetch(clerk, 'psb', { ...use(), ...named }, delivery))).toBe(
      'PROVIDER_REFUSED:USE_ALREADY_DELIVERED',
    );
  });

  it('plain HTTP (no TLS certificate) is refused', async () => {
    const r = await psbApp.inject({
      method: 'POST',
      url: '/api/v1/exchange/quote',
      payload: await signedBy(clerk),
    });
    expect(r.statusCode).toBe(401);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('EXCHANGE_SIGNATURE_INVALID');
  });

  it('a TLS certificate other than the one its department published is refused', async () => {
    expect((await post('quote', await signedBy(clerk), amrTls)).json.error?.code).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
    expect((await post('quote', await signedBy(clerk), null)).json.error?.code).toBe(
      'EXCHANGE_SIGNATURE_INVALID',
    );
  });

  it('tampered, expired, replayed and foreign-MSP requests are refused', async () => {
    const signed = await signedBy(clerk);
    const first = await post('quote', signed);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const replay = await post('quote', signed);
    expect([replay.status, replay.json.error?.code]).toEqual([409, 'EXCHANGE_REQUEST_REPLAYED']);
    const fresh = await signedBy(clerk);
    const tampered = { ...fresh, request: { ...fresh.request, fields: null } };
    expect((await post('quote', tampered)).json.error?.code).toBe('EXCHANGE_SIGNATURE_INVALID');
    const old = await signedBy(clerk, { issuedAt: new Date(Date.now() - 3_600_000).toISOString() });
    expect((await post('quote', old)).json.error?.code).toBe('EXCHANGE_REQUEST_EXPIRED');
    const outsider = {
      ...fresh,
      request: { ...fresh.request, consumer: { department: 'tax', user: 'clerk' } },
    };
    expect((await post('quote', outsider)).json.error?.code).toBe('EXCHANGE_UNKNOWN_MSP');
  });

  it('a user of a department that published no gateway is refused', async () => {
    // amr's clerk, signing for itself over health's TLS: amr's pin is unknown.
    const r = await post('quote', await signedBy({ department: 'amr', user: 'clerk' }));
    expect(r.json.error?.code).toBe('EXCHANGE_SIGNATURE_INVALID');
  });

  it('a DENIED use serves nothing', async () => {
    const delivery = await client.quote(clerk, 'psb', use());
    // A field outside the grant: the chaincode records the use DENIED.
    const denied = await recordUse(delivery, [...grant.fields, 'address']);
    expect(denied.usage.outcome).toBe('DENIED');
    expect(await codeOf(client.fetch(clerk, 'psb', { ...use(), ...denied.named }, delivery))).toBe(
      'PROVIDER_REFUSED:FORBIDDEN',
    );
  });

  it('a provider that is down, or not in the directory, is PROVIDER_UNREACHABLE', async () => {
    expect(await codeOf(client.quote(clerk, 'amr', use()))).toBe('PROVIDER_UNREACHABLE');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await publish('amr', `https://127.0.0.1:${port}`, amrCa);
    expect(await codeOf(client.quote(clerk, 'amr', use()))).toBe('PROVIDER_UNREACHABLE');
  });

  it('a delivery cut short or altered is refused and no partial file is kept', async () => {
    const expected = Buffer.from('id,name\r\n1,张三\r\n2,李四\r\n');
    const delivery: Delivery = {
      bytes: expected.length,
      digest: { algorithm: 'sha256', value: createHash('sha256').update(expected).digest('hex') },
    };
    for (const [serve, code] of [
      [
        (res: ServerResponse) => res.end(Buffer.from(expected).fill(0x41, 10, 12)),
        'DELIVERY_MISMATCH',
      ],
      [
        (res: ServerResponse) => {
          res.write(expected.subarray(0, 10));
          setTimeout(() => res.socket?.destroy(), 50);
        },
        'DELIVERY_INCOMPLETE',
      ],
    ] as const) {
      const fake: Server = createServer(
        { cert: amrTls.certificate, key: amrTls.privateKey },
        (req, res) => {
          req.resume();
          res.writeHead(200, { 'content-length': expected.length });
          serve(res);
        },
      );
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
      await publish('amr', `https://127.0.0.1:${(fake.address() as AddressInfo).port}`, amrCa);
      expect(
        await codeOf(
          client.fetch(clerk, 'amr', { ...use(), usageId: 'USE-X', blockNumber: 0 }, delivery),
        ),
      ).toBe(code);
      expect(await readdir(join(dir, 'incoming'))).toEqual([]);
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
  });

  it('a grant expired between the recorded use and the delivery is refused by the provider', async () => {
    const delivery = await client.quote(clerk, 'psb', use());
    const { usage, named } = await recordUse(delivery);
    expect(usage.outcome).toBe('ALLOWED');
    // The same gateways a day after the grant's end: psb's clock, and health's, which signs.
    const later = Date.parse(grant.validTo) + 86_400_000;
    const laterApp = await buildApp(
      {
        ...fx.runtime.context({ now: () => later }),
        publicReader: { department: 'psb', user: 'gateway' },
      },
      { web: false, undeclaredError: (answer) => undeclared.push(answer) },
    );
    const laterListener = await listenExchange(laterApp, {
      host: '127.0.0.1',
      port: 0,
      tls: await (await authority('psb')).issue('gateway.psb', ['127.0.0.1']),
    });
    try {
      await publish('psb', laterListener.url, (await authority('psb')).certificate);
      const laterClient = await createExchangeClient({
        chaincode: fx.runtime.chaincode,
        reader: { department: 'health', user: 'gateway' },
        identity: (caller) => fx.runtime.embedded!.identity(caller),
        tls: healthTls,
        incomingDir: join(dir, 'incoming'),
        now: () => later,
      });
      expect(await codeOf(laterClient.fetch(clerk, 'psb', { ...use(), ...named }, delivery))).toBe(
        'GRANT_EXPIRED',
      );
      expect(await codeOf(laterClient.quote(clerk, 'psb', use()))).toBe('GRANT_EXPIRED');
    } finally {
      await publish('psb', listener.url, (await authority('psb')).certificate);
      await laterListener.close();
      await laterApp.close();
    }
    expect(await readdir(join(dir, 'incoming'))).toEqual([]);
  });

  it('a department gateway’s download of another department’s version goes through the exchange', async () => {
    const consumerSide = await healthDatasets(client);
    try {
      const opened = await consumerSide.open(clerk, 'PSB-POP-001', 1, {
        grantId: grant.id,
        fields: null,
        purpose: null,
      });
      const bytes = await readAll(opened.stream);
      expect(opened.usage).toMatchObject({
        outcome: 'ALLOWED',
        consumer: clerk,
        provider: 'psb',
        bytes: bytes.length,
        deliveredDigest: { value: createHash('sha256').update(bytes).digest('hex') },
      });
      expect(opened.projected).toBe(true);
      expect(bytes.toString('utf8').split('\r\n')[0]).toBe(grant.fields.join(','));
      expect(await readdir(join(dir, 'incoming'))).toEqual([]);
    } finally {
      await consumerSide.close();
    }
  });

  it('a download whose quote the owner’s clock refuses is recorded DENIED, as every refused use', async () => {
    // psb's gateway with its clock ten minutes ahead: health's signed request is outside its window.
    const ahead = () => Date.now() + 10 * 60_000;
    const aheadApp = await buildApp(
      {
        ...fx.runtime.context({ now: ahead }),
        publicReader: { department: 'psb', user: 'gateway' },
      },
      { web: false, undeclaredError: (answer) => undeclared.push(answer) },
    );
    const aheadListener = await listenExchange(aheadApp, {
      host: '127.0.0.1',
      port: 0,
      tls: await (await authority('psb')).issue('gateway.psb', ['127.0.0.1']),
    });
    const consumerSide = await healthDatasets(client);
    try {
      await publish('psb', aheadListener.url, (await authority('psb')).certificate);
      const error = await consumerSide
        .open(clerk, 'PSB-POP-001', 1, { grantId: grant.id, fields: null, purpose: null })
        .then(
          () => undefined,
          (err: { code: string; statusCode: number; details: Record<string, unknown> }) => err,
        );
      expect(error).toMatchObject({
        code: 'PROVIDER_REFUSED',
        statusCode: 502,
        details: { provider: 'psb', code: 'EXCHANGE_REQUEST_EXPIRED', recorded: true },
      });
      const usage = await fx.runtime.chaincode.evaluate<UsageRecord>(clerk, TX.usage.GetUse, [
        String(error!.details.usageId),
      ]);
      expect(usage).toMatchObject({
        outcome: 'DENIED',
        denialCode: 'PROVIDER_REFUSED',
        consumer: clerk,
        provider: 'psb',
        grantId: grant.id,
        bytes: 0,
        deliveredDigest: null,
      });
      expect(usage.denialMessage).toMatch(
        /^psb’s gateway refused the use: EXCHANGE_REQUEST_EXPIRED: the request was signed at /,
      );
      expect(await readdir(join(dir, 'incoming'))).toEqual([]);
    } finally {
      await consumerSide.close();
      await publish('psb', listener.url, (await authority('psb')).certificate);
      await aheadListener.close();
      await aheadApp.close();
    }
  });

  it('a quote refused on the grant as the owner reads it is recorded with its code; an unreachable owner records nothing', async () => {
    /** Every use health's clerk has on the ledger (the lists answer pages). */
    const uses = async (): Promise<number> => {
      let total = 0;
      let bookmark = '';
      do {
        const page = await fx.runtime.chaincode.evaluate<{ count: number; bookmark: string }>(
          clerk,
          TX.usage.ListUsesByConsumer,
          ['health', '1000', bookmark],
        );
        total += page.count;
        bookmark = page.count > 0 ? page.bookmark : '';
      } while (bookmark);
      return total;
    };
    // What the exchange client answers when psb's gateway reads the grant as expired (its clock
    // past the grant's end while health's ledger check, on its own clock, still allowed the use).
    const refusing: RemoteProvider = {
      quote: () =>
        Promise.reject(
          new GatewayError('GRANT_EXPIRED', `psb’s gateway refused: grant ${grant.id} expired`, {
            status: 403,
            details: { provider: 'psb', message: `grant ${grant.id} expired` },
          }),
        ),
      fetch: (...args) => client.fetch(...args),
    };
    const consumerSide = await healthDatasets(refusing);
    try {
      const error = await consumerSide
        .open(clerk, 'PSB-POP-001', 1, { grantId: grant.id, fields: null, purpose: null })
        .then(
          () => undefined,
          (err: { code: string; statusCode: number; details: Record<string, unknown> }) => err,
        );
      expect(error).toMatchObject({ code: 'GRANT_EXPIRED', statusCode: 403 });
      expect(
        await fx.runtime.chaincode.evaluate<UsageRecord>(clerk, TX.usage.GetUse, [
          String(error!.details.usageId),
        ]),
      ).toMatchObject({
        outcome: 'DENIED',
        denialCode: 'GRANT_EXPIRED',
        denialMessage: `psb’s gateway refused the use: grant ${grant.id} expired`,
      });
    } finally {
      await consumerSide.close();
    }
    // Another gateway's words are taken as a reason the ledger accepts (no control characters).
    const garbled = await healthDatasets({
      quote: () =>
        Promise.reject(
          new GatewayError('PROVIDER_REFUSED', 'psb’s gateway refused with X', {
            details: {
              provider: 'psb',
              code: 'EXCHANGE_SIGNATURE_INVALID',
              status: 401,
              message: 'bad\u0001signature\u001b[31m',
            },
          }),
        ),
      fetch: (...args) => client.fetch(...args),
    });
    try {
      const error = await garbled
        .open(clerk, 'PSB-POP-001', 1, { grantId: grant.id, fields: null, purpose: null })
        .then(
          () => undefined,
          (err: { code: string; details: Record<string, unknown> }) => err,
        );
      expect(error).toMatchObject({ code: 'PROVIDER_REFUSED', details: { recorded: true } });
      expect(
        await fx.runtime.chaincode.evaluate<UsageRecord>(clerk, TX.usage.GetUse, [
          String(error!.details.usageId),
        ]),
      ).toMatchObject({
        denialCode: 'PROVIDER_REFUSED',
        denialMessage:
          'psb’s gateway refused the use: EXCHANGE_SIGNATURE_INVALID: bad signature [31m',
      });
    } finally {
      await garbled.close();
    }
    // An owner that cannot be reached refused nothing: no use is recorded.
    const before = await uses();
    expect(before).toBeGreaterThan(0);
    const unreachable = await healthDatasets({
      quote: () => Promise.reject(new GatewayError('PROVIDER_UNREACHABLE', 'psb is down')),
      fetch: (...args) => client.fetch(...args),
    });
    try {
      await expect(
        unreachable.open(clerk, 'PSB-POP-001', 1, {
          grantId: grant.id,
          fields: null,
          purpose: null,
        }),
      ).rejects.toMatchObject({ code: 'PROVIDER_UNREACHABLE' });
    } finally {
      await unreachable.close();
    }
    expect(await uses()).toBe(before);
  });

  it('a grant revoked between the recorded use and the delivery is refused by the provider, and the refusal recorded', async () => {
    // psb revokes the grant just after health's gateway recorded the use, before the delivery.
    const revokingFirst: RemoteProvider = {
      quote: (...args) => client.quote(...args),
      async fetch(...args) {
        const revoked = await fx.app.inject({
          method: 'POST',
          url: `/api/v1/grants/${grant.id}/revoke`,
          headers: fx.auth('psb', 'clerk'),
          payload: { reason: '核查发现超出授权用途使用，撤销授权' },
        });
        expect(revoked.statusCode, revoked.body).toBe(200);
        return client.fetch(...args);
      },
    };
    const consumerSide = await healthDatasets(revokingFirst);
    try {
      const error = await consumerSide
        .open(clerk, 'PSB-POP-001', 1, { grantId: grant.id, fields: null, purpose: null })
        .then(
          () => undefined,
          (err: { code: string; details: { usageId: string; undelivered: string } }) => err,
        );
      expect(error?.code).toBe('GRANT_REVOKED');
      const read = (id: string) =>
        fx.runtime.chaincode.evaluate<UsageRecord>(clerk, TX.usage.GetUse, [id]);
      // The use recorded before the delivery stays ALLOWED, with nothing delivered; the
      // refusal is on the ledger as DENIED with its reason, as a local download's would be.
      expect(await read(error!.details.undelivered)).toMatchObject({ outcome: 'ALLOWED' });
      expect(await read(error!.details.usageId)).toMatchObject({
        outcome: 'DENIED',
        denialCode: 'GRANT_REVOKED',
      });
      expect(await readdir(join(dir, 'incoming'))).toEqual([]);
    } finally {
      await consumerSide.close();
    }
  });
});

/** The dataset service as health's own gateway runs it: other departments' versions come from `provider`. */
async function healthDatasets(provider: RemoteProvider) {
  return createDatasets({
    chaincode: fx.runtime.chaincode,
    ledger: fx.runtime.ledger,
    store: fx.runtime.store,
    addressBook: await mkdtemp(join(dir, 'health-addresses-')),
    recordSecret: randomBytes(32),
    remote: { home: 'health', provider },
  });
}

/** The department's admin publishes its gateway (a ledger transaction, as PUT /gateways/{id}). */
async function publish(department: string, url: string, tlsCertificate: string): Promise<void> {
  await fx.runtime.chaincode.submit({ department, user: 'admin' }, TX.governance.PublishGateway, [
    { url, tlsCertificate },
  ]);
}
