/**
 * `npm start`: the embedded network, the query index, the gateway API and the console on one
 * port. A first start seeds the demo departments' data (once: the marker is data/gateway/demo.json,
 * which keeps the demo tokens to print again); later starts reuse everything.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seedDemo } from './demo/seed.js';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { isEntryPoint } from './services/entry.js';
import { gatewayDir, openRuntime, type DemoIdentity, type Runtime } from './services/runtime.js';

async function demoIdentities(
  config: GatewayConfig,
  runtime: Runtime,
  log: (line: string) => void,
): Promise<DemoIdentity[] | undefined> {
  const marker = join(gatewayDir(config), 'demo.json');
  try {
    return (JSON.parse(await readFile(marker, 'utf8')) as { identities: DemoIdentity[] })
      .identities;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // Seed only a ledger that holds nothing but its initialisation: never mix demo data into a
  // network that someone already uses.
  const { height } = await runtime.ledger.status();
  if (
    !config.seedDemo ||
    height > 1 ||
    (await runtime.index.searchCatalog({}, { limit: 1 })).items.length > 0
  )
    return undefined;
  log('first start: seeding demo data (a few seconds)…');
  const identities = await seedDemo(runtime, (line) => log(`  ${line}`));
  await writeFile(
    marker,
    JSON.stringify({ seededAt: new Date().toISOString(), identities }, null, 2) + '\n',
    { mode: 0o600 },
  );
  return identities;
}

export async function startServer(config: GatewayConfig = loadConfig()) {
  const log = (line: string): void => void process.stdout.write(line + '\n');
  const runtime = await openRuntime(config, {
    follow: true,
    onIndexError: (err) => process.stderr.write(`index: ${(err as Error).message}\n`),
  });
  // Repairs what a crash between a ledger commit and the store's bookkeeping left behind.
  const reconciled = await runtime.reconcile();
  if (reconciled.marked.length > 0 || reconciled.removed.length > 0)
    log(
      `store: ${reconciled.marked.length} committed versions marked anchored, ` +
        `${reconciled.removed.length} blobs of failed anchors removed`,
    );
  const demo = await demoIdentities(config, runtime, log);
  const app = await buildApp(runtime.context(demo ? { demoIdentities: demo } : {}), {
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const status = await runtime.ledger.status();
  log('');
  log(
    `Shulian 数链 — ${runtime.network.name}: ${status.nodes.length} department nodes, height ${status.height}`,
  );
  log(`  console   ${base}/`);
  log(`  API       ${base}/api/v1   (OpenAPI UI: ${base}/docs)`);
  log(`  data      ${config.dataDir}`);
  if (demo) {
    log('  demo tokens (Authorization: Bearer <token>):');
    for (const d of demo)
      log(
        `    ${`${d.department}/${d.user}`.padEnd(16)} ${d.roles.join(',').padEnd(20)} ${d.token}`,
      );
  }
  log('');

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`${signal}: stopping`);
    await app.close();
    await runtime.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return { app, runtime, url: base, demo, close: () => shutdown('close') };
}

if (isEntryPoint(import.meta.url)) {
  startServer().catch((err: unknown) => {
    process.stderr.write(
      `shulian: cannot start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}
