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
import { langFromEnv, translate, type CliKey, type Params } from './cli/i18n.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { firstRunMissing, type FirstRunGap } from './services/bootstrap.js';
import { isEntryPoint } from './services/entry.js';
import { openRuntime, type Runtime } from './services/runtime.js';

export async function startServer(config: GatewayConfig = loadConfig()) {
  const log = (line: string): void => void process.stdout.write(line + '\n');
  // The banner's language is the configuration's (LC_ALL, LC_MESSAGES, LANG or serve --lang).
  const say = (key: CliKey, params?: Params): void => log(translate(config.lang, key, params));
  checkDemoBinding(config);
  const runtime = await openRuntime(config, {
    follow: true,
    onIndexError: (err) => process.stderr.write(`index: ${(err as Error).message}\n`),
  });
  // Repairs what a crash between a ledger commit and the anchor book's write left behind.
  const reconciled = await runtime.reconcile();
  if (reconciled.recorded.length > 0 || reconciled.removed.length > 0)
    say('server.reconciled', {
      recorded: reconciled.recorded.length,
      removed: reconciled.removed.length,
    });
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
  const title = { engine: status.engine, nodes: status.nodes.length, height: status.height };
  if (demo) say('server.titleDemo', { ...title, network: runtime.network.name });
  else say('server.title', title);
  if (config.department) say('server.gateway', { department: config.department });
  const exchange = await startExchange(config, runtime, app, say);
  say('server.console', { url: base });
  say('server.api', { url: base });
  say('server.data', { dir: config.dataDir });
  if (demo) {
    say('server.demoTokens');
    for (const d of demo)
      log(
        `    ${`${d.department}/${d.user}`.padEnd(16)} ${d.roles.join(',').padEnd(20)} ${d.token}`,
      );
  }
  const missing = demo ? [] : await firstRunMissing(runtime);
  if (missing.length) {
    const words = missing.map((gap) => gapText(config.lang, gap));
    say('server.firstRun', { missing: words.join(config.lang === 'zh' ? '；' : '; ') });
    log(`    shulian init --data-dir ${config.dataDir}`);
    say('server.firstRunThen');
  }

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    say('server.stopping', { signal });
    await exchange?.close();
    await app.close();
    await runtime.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // The banner's last line once the signals are handled: whoever waits for it (a supervisor, a
  // test) may stop the server at once and have it close cleanly.
  log('');
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
  say: (key: CliKey, params?: Params) => void,
): Promise<ExchangeListener | undefined> {
  if (!runtime.exchangeTls || config.exchangePort === undefined || !config.department) return;
  const exchange = await listenExchange(app, {
    host: config.host,
    port: config.exchangePort,
    tls: runtime.exchangeTls,
  });
  say('server.exchange', {
    url: exchange.url,
    department: config.department,
    file: tlsCaCertificateFile(config.fabricDir, config.department),
  });
  return exchange;
}

/** What a first run still needs, in the banner's language. */
function gapText(lang: GatewayConfig['lang'], gap: FirstRunGap): string {
  if (gap.kind === 'calendar') return translate(lang, 'server.noCalendar', { year: gap.year });
  return gap.coordinator
    ? translate(lang, 'server.noCoordinatorAdmin')
    : translate(lang, 'server.noDepartmentAdmin', { department: gap.department });
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
  const lang = langFromEnv(process.env);
  Promise.resolve()
    .then(() =>
      startServer(
        loadConfig(process.env, {
          ...(values.demo ? { demo: true } : {}),
          ...(values.department ? { department: values.department } : {}),
        }),
      ),
    )
    .catch((err: unknown) => {
      const code = (err as { code?: unknown }).code;
      const reason = `${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` [${code}]` : ''}`;
      process.stderr.write(`${translate(lang, 'server.cannotStart', { reason })}\n`);
      process.exitCode = 1;
    });
}
