/**
 * The server: the embedded network, the query index, the gateway API and the console on one
 * port. In demo mode (`npm start` passes `--demo`) a first start seeds the demo departments' data
 * and every demo start prints fresh demo tokens (./demo/mode.ts); without it, nothing is seeded
 * and no token is printed or served.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkDemoBinding, startDemo } from './demo/mode.js';
import { buildApp } from './app.js';
import type { FastifyInstance } from 'fastify';
import { listenExchange, type ExchangeListener } from './exchange/listener.js';
import { tlsCaCertificateFile } from './exchange/tls.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { firstRunMissing } from './services/bootstrap.js';
import { isEntryPoint } from './services/entry.js';
import { openRuntime, type Runtime } from './services/runtime.js';

export async function startServer(config: GatewayConfig = loadConfig()) {
  const log = (line: string): void => void process.stdout.write(line + '\n');
  checkDemoBinding(config);
  const runtime = await openRuntime(config, {
    follow: true,
    onIndexError: (err) => process.stderr.write(`index: ${(err as Error).message}\n`),
  });
  // Repairs what a crash between a ledger commit and the anchor book's write left behind.
  const reconciled = await runtime.reconcile();
  if (reconciled.recorded.length > 0 || reconciled.removed.length > 0)
    log(
      `store: ${reconciled.recorded.length} committed versions entered in the anchor book, ` +
        `${reconciled.removed.length} blobs of failed anchors removed`,
    );
  const demo = config.demo ? await startDemo(config, runtime, log) : undefined;
  const logs = nonBlockingStdout();
  runtime.metrics.gauge('log_lines_dropped', 'log lines dropped (stdout full or failing)', () =>
    Promise.resolve(logs.dropped()),
  );
  const app = await buildApp(runtime.context(demo ? { demoIdentities: demo } : {}), {
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: logs.stream },
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const status = await runtime.ledger.status();
  log('');
  // The network file's name is the demo's ("shulian-demo"); outside demo mode it is not shown.
  log(
    `Shulian 数链 — ${demo ? `${runtime.network.name} (demo data) ` : ''}on ${status.engine}: ${status.nodes.length} department nodes, height ${status.height}`,
  );
  if (config.department)
    log(`  gateway   ${config.department}'s own (signs in ${config.department}'s users only)`);
  const exchange = await startExchange(config, runtime, app, log);
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
  const missing = demo ? [] : await firstRunMissing(runtime);
  if (missing.length) {
    log(`  first run: ${missing.join('; ')}. Stop the server (Ctrl-C), then run once`);
    log(`    shulian init --data-dir ${config.dataDir}`);
    log(
      "  it publishes the bundled calendars, registers the departments of the network file and prints the coordinator's admin token once; start the server again and sign in with it.",
    );
  }
  log('');

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log(`${signal}: stopping`);
    await exchange?.close();
    await app.close();
    await runtime.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return {
    app,
    runtime,
    url: base,
    exchangeUrl: exchange?.url,
    demo,
    close: () => shutdown('close'),
  };
}

/**
 * Department mode with SHULIAN_EXCHANGE_PORT: the listener where other departments' gateways
 * fetch this department's data, and what its admin publishes in the directory.
 */
async function startExchange(
  config: GatewayConfig,
  runtime: Runtime,
  app: FastifyInstance,
  log: (line: string) => void,
): Promise<ExchangeListener | undefined> {
  if (!runtime.exchangeTls || config.exchangePort === undefined || !config.department) return;
  const exchange = await listenExchange(app, {
    host: config.host,
    port: config.exchangePort,
    tls: runtime.exchangeTls,
  });
  log(
    `  exchange  ${exchange.url}   (publish: PUT /api/v1/gateways/${config.department} with this url and ${tlsCaCertificateFile(config.fabricDir, config.department)})`,
  );
  return exchange;
}

/**
 * Request logs as one write per line to stdout, done at once or dropped and counted: a log file
 * on a full disk, or a reader that stopped reading, must never block the server or make it
 * buffer lines without bound.
 */
function nonBlockingStdout(): { stream: { write(line: string): void }; dropped(): number } {
  let dropped = 0;
  return {
    stream: {
      write(line) {
        try {
          writeSync(1, line);
        } catch {
          dropped += 1;
        }
      },
    },
    dropped: () => dropped,
  };
}

if (isEntryPoint(import.meta.url)) {
  // `npm start` passes --demo; `npm run serve -- --department psb` is a department's own gateway.
  const { values } = parseArgs({
    options: { demo: { type: 'boolean' }, department: { type: 'string' } },
  });
  startServer(
    loadConfig(process.env, {
      ...(values.demo ? { demo: true } : {}),
      ...(values.department ? { department: values.department } : {}),
    }),
  ).catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(
      `shulian: cannot start: ${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
    );
    process.exitCode = 1;
  });
}
