/**
 * A real gateway for tests: the embedded network, index, store and services in a temporary data
 * directory, seeded with the demo data, behind buildApp (driven with app.inject).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { seedDemo } from '../../gateway/src/demo/seed.js';
import { buildApp, type UndeclaredError } from '../../gateway/src/app.js';
import { loadConfig, type GatewayConfig } from '../../gateway/src/config.js';
import {
  openRuntime,
  type DemoIdentity,
  type Runtime,
} from '../../gateway/src/services/runtime.js';

export interface Fixture {
  app: FastifyInstance;
  runtime: Runtime;
  demo: DemoIdentity[];
  token(department: string, user: string): string;
  auth(department: string, user: string): { authorization: string };
  height(): Promise<number>;
  close(): Promise<void>;
}

export async function openFixture(
  options: {
    seed?: boolean;
    bodyLimit?: number;
    overrides?: Partial<GatewayConfig>;
    /** An empty directory to keep the data in (default: a new temporary one). */
    dataDir?: string;
  } = {},
): Promise<Fixture> {
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'shulian-gw-')));
  const config = loadConfig(
    {},
    {
      dataDir: dir,
      logLevel: 'silent',
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
      // Suites fire hundreds of requests a minute from one address; limits have their own test.
      rateLimit: 0,
      ...options.overrides,
    },
  );
  const runtime = await openRuntime(config, { follow: true, durable: false, batchTimeoutMs: 5 });
  const demo = options.seed === false ? [] : await seedDemo(runtime);
  // Every error a suite provokes is checked against the codes its operation declares (and so
  // the OpenAPI document): an undeclared one fails the suite when it closes its fixture.
  const undeclared: UndeclaredError[] = [];
  const app = await buildApp(
    runtime.context(options.seed === false ? {} : { demoIdentities: demo }),
    { web: false, undeclaredError: (answer) => undeclared.push(answer) },
  );
  await app.ready();
  const token = (department: string, user: string): string => {
    const found = demo.find((d) => d.department === department && d.user === user);
    if (!found) throw new Error(`no demo identity ${department}/${user}`);
    return found.token;
  };
  return {
    app,
    runtime,
    demo,
    token,
    auth: (department, user) => ({ authorization: `Bearer ${token(department, user)}` }),
    height: async () => (await runtime.ledger.status()).height,
    async close() {
      await app.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
      if (undeclared.length > 0)
        throw new Error(
          `error codes answered that their operation does not declare (gateway/src/routes, ` +
            `responses(ok, errors)):\n${[...new Set(undeclared.map((u) => `${u.operation} ${u.status} ${u.code}`))].join('\n')}`,
        );
    },
  };
}

/** The fields of a catalog entry the chaincode sets itself, which a create or update never sends. */
const GENERATED_ENTRY_FIELDS = [
  'id',
  'owner',
  'version',
  'status',
  'changeReason',
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
];

/** An entry's writable metadata: everything the chaincode does not set itself. */
export function writableMetadata(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entry).filter(([k]) => !GENERATED_ENTRY_FIELDS.includes(k)),
  );
}
