/**
 * Gateway configuration: defaults, then environment variables. One place so that the server,
 * the CLI and the tests agree on where data lives.
 */
import { join, resolve } from 'node:path';
import { langFromEnv, type Lang } from './cli/i18n.js';

export interface GatewayConfig {
  host: string;
  port: number;
  /** Root of everything the gateway and the embedded network write (gitignored `data/`). */
  dataDir: string;
  /** The network description that drives the embedded nodes; default: the repository's network/departments.yaml. */
  networkFile?: string;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit: number;
  /** Largest dataset upload accepted, in bytes. */
  uploadLimit: number;
  /** Largest request header block, in bytes; beyond it the client gets 431. */
  maxHeaderSize: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Demo mode (`--demo`, `SHULIAN_DEMO=1`; `npm start` sets it): seed demo data on a first start,
   * print demo tokens, serve the demo identities to loopback clients.
   */
  demo: boolean;
  /** Confirms demo mode on a non-loopback address (`SHULIAN_DEMO_PUBLIC=1`). */
  demoPublic: boolean;
  /** Stored blobs that no anchored version uses are removed at start once this old, ms. */
  orphanGraceMs: number;
  /** Connection hygiene: a client that sends its headers slower than this is cut, ms. */
  headersTimeoutMs: number;
  /** Longest time to receive a whole request, body included (uploads), ms; 0 = none. */
  requestTimeoutMs: number;
  /** A socket idle this long (no bytes either way) is closed, ms. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** Open connections at most; beyond, new connections are refused. */
  maxConnections: number;
  /** API requests per minute per client address; 0 = no limit. */
  rateLimit: number;
  /**
   * Below this many free bytes under the data directory the gateway is not ready and API writes
   * answer 507 INSUFFICIENT_STORAGE, so a full disk never fails a write half way.
   */
  minFreeBytes: number;
  /** Which ledger engine: the in-process network (default) or a Fabric network from `fabric:up`. */
  ledger: 'embedded' | 'fabric';
  /** The Fabric network's folder (connection profiles per department); default data/fabric. */
  fabricDir: string;
  /**
   * Department mode (`shulian serve --department <id>`, `SHULIAN_DEPARTMENT`; Fabric only): this
   * gateway is that department's alone. It reads only `<fabricDir>/departments/<id>/` (its users'
   * keys, its own CA to issue them, its peer), signs in only that department's users, and keeps
   * its index, store and tokens in `<dataDir>/gateway-<id>/`. Without it, one gateway serves every
   * department (the embedded engine's only way, and Fabric's single-machine way).
   */
  department?: string;
  /**
   * Department mode: the port of the exchange listener (`SHULIAN_EXCHANGE_PORT`), HTTPS with
   * mutual TLS, where other departments' gateways fetch this department's data; its URL is what
   * the department's admin publishes in the gateway directory. Unset: no listener (this gateway
   * still fetches from others').
   */
  exchangePort?: number;
  /** Host names, beyond 127.0.0.1 and localhost, that the exchange certificate names (`SHULIAN_EXCHANGE_HOSTS`, comma-separated). */
  exchangeHosts: string[];
  /**
   * The language of the server's own lines on stdout (its start-up banner, the first-run advice),
   * chosen as the command line chooses: the first set of LC_ALL, LC_MESSAGES and LANG, zh* Chinese
   * and anything else English (cli/i18n.ts); `shulian serve --lang` overrides it. Request logs and
   * API answers are not affected.
   */
  lang: Lang;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const DEFAULT_CONFIG: GatewayConfig = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: resolve('data'),
  bodyLimit: 1024 * 1024,
  uploadLimit: 64 * 1024 ** 3,
  maxHeaderSize: 16 * 1024,
  logLevel: 'info',
  demo: false,
  demoPublic: false,
  orphanGraceMs: 60 * 60 * 1000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60 * 60 * 1000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 2_048,
  rateLimit: 1_200,
  minFreeBytes: 16 * 1024 * 1024,
  ledger: 'embedded',
  fabricDir: resolve('data', 'fabric'),
  exchangeHosts: [],
  lang: 'en',
};

/** `SHULIAN_*` integer settings: variable, config key, bounds. */
const INTEGERS: [string, keyof GatewayConfig, number, number][] = [
  ['SHULIAN_HEADERS_TIMEOUT_MS', 'headersTimeoutMs', 100, 600_000],
  ['SHULIAN_REQUEST_TIMEOUT_MS', 'requestTimeoutMs', 0, 2 ** 31 - 1],
  ['SHULIAN_IDLE_TIMEOUT_MS', 'idleTimeoutMs', 100, 2 ** 31 - 1],
  ['SHULIAN_KEEP_ALIVE_TIMEOUT_MS', 'keepAliveTimeoutMs', 100, 600_000],
  ['SHULIAN_MAX_CONNECTIONS', 'maxConnections', 1, 1_000_000],
  ['SHULIAN_RATE_LIMIT', 'rateLimit', 0, 1_000_000_000],
  ['SHULIAN_MIN_FREE_BYTES', 'minFreeBytes', 0, Number.MAX_SAFE_INTEGER],
];

/**
 * Why a configuration cannot start: CONFIG_INVALID for a malformed value; DEPARTMENT_NEEDS_FABRIC
 * when department mode is asked of the embedded engine (one gateway holds every department's
 * keys there, so a department-only gateway would promise a custody it cannot give);
 * UNKNOWN_DEPARTMENT when the department is not in the network or has no folder in the Fabric
 * network's directory.
 */
export type ConfigErrorCode = 'CONFIG_INVALID' | 'DEPARTMENT_NEEDS_FABRIC' | 'UNKNOWN_DEPARTMENT';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly code: ConfigErrorCode = 'CONFIG_INVALID',
  ) {
    super(message);
  }
}

/**
 * The gateway's own files (index, store, tokens, secrets): `<dataDir>/gateway`, or in department
 * mode `<dataDir>/gateway-<id>`, so two departments' gateways never share a store even when they
 * are given the same data directory.
 */
export const gatewayDir = (config: Pick<GatewayConfig, 'dataDir' | 'department'>): string =>
  join(
    config.dataDir,
    config.department === undefined ? 'gateway' : `gateway-${config.department}`,
  );

/**
 * Department mode's preconditions, checked before anything is opened: Fabric, a department of
 * the network, and no demo seeding (the demo writes as every department).
 */
export function checkDepartmentMode(config: GatewayConfig, departments: readonly string[]): void {
  const id = config.department;
  if (id === undefined) return;
  if (config.ledger !== 'fabric')
    throw new ConfigError(
      `--department ${id} (SHULIAN_DEPARTMENT) needs LEDGER=fabric: on the embedded engine one gateway serves every department and holds their keys`,
      'DEPARTMENT_NEEDS_FABRIC',
    );
  if (!departments.includes(id))
    throw new ConfigError(
      `--department ${id}: no such department in the network (departments: ${departments.join(', ')})`,
      'UNKNOWN_DEPARTMENT',
    );
  if (config.demo)
    throw new ConfigError(
      `--department ${id} cannot seed the demo: the demo writes as every department`,
    );
}

function integer(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * Configuration from `SHULIAN_*` variables (and PORT, as hosting platforms set it). The bind
 * address is `SHULIAN_HOST` only: a generic HOST set for something else must not expose the gateway.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  const config: GatewayConfig = { ...DEFAULT_CONFIG, lang: langFromEnv(env) };
  if (env.SHULIAN_HOST) config.host = env.SHULIAN_HOST;
  const port = env.SHULIAN_PORT ?? env.PORT;
  if (port) config.port = integer('SHULIAN_PORT', port, 0, 65535);
  if (env.SHULIAN_DATA_DIR) config.dataDir = resolve(env.SHULIAN_DATA_DIR);
  if (env.SHULIAN_NETWORK) config.networkFile = resolve(env.SHULIAN_NETWORK);
  if (env.SHULIAN_BODY_LIMIT)
    config.bodyLimit = integer('SHULIAN_BODY_LIMIT', env.SHULIAN_BODY_LIMIT, 1024, 2 ** 30);
  if (env.SHULIAN_UPLOAD_LIMIT) {
    config.uploadLimit = integer(
      'SHULIAN_UPLOAD_LIMIT',
      env.SHULIAN_UPLOAD_LIMIT,
      1,
      Number.MAX_SAFE_INTEGER,
    );
  }
  if (env.SHULIAN_LOG_LEVEL) {
    const level = env.SHULIAN_LOG_LEVEL as GatewayConfig['logLevel'];
    if (!LOG_LEVELS.includes(level))
      throw new ConfigError(`SHULIAN_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
    config.logLevel = level;
  }
  if (env.SHULIAN_ORPHAN_GRACE_SECONDS)
    config.orphanGraceMs =
      integer('SHULIAN_ORPHAN_GRACE_SECONDS', env.SHULIAN_ORPHAN_GRACE_SECONDS, 0, 365 * 86_400) *
      1000;
  for (const [name, field, min, max] of INTEGERS) {
    const raw = env[name];
    if (raw) (config as unknown as Record<string, number>)[field] = integer(name, raw, min, max);
  }
  const yes = (v: string | undefined): boolean => v === '1' || v === 'true';
  if (yes(env.SHULIAN_DEMO)) config.demo = true;
  if (yes(env.SHULIAN_DEMO_PUBLIC)) config.demoPublic = true;
  Object.assign(config, ledgerConfig(env));
  if (env.SHULIAN_EXCHANGE_PORT)
    config.exchangePort = integer('SHULIAN_EXCHANGE_PORT', env.SHULIAN_EXCHANGE_PORT, 0, 65535);
  if (env.SHULIAN_EXCHANGE_HOSTS)
    config.exchangeHosts = env.SHULIAN_EXCHANGE_HOSTS.split(',')
      .map((h) => h.trim())
      .filter(Boolean);
  return { ...config, ...overrides };
}

/** The engine's settings: LEDGER, and for Fabric its folder and the gateway's own department. */
function ledgerConfig(
  env: NodeJS.ProcessEnv,
): Partial<Pick<GatewayConfig, 'ledger' | 'fabricDir' | 'department'>> {
  const out: Partial<Pick<GatewayConfig, 'ledger' | 'fabricDir' | 'department'>> = {};
  if (env.LEDGER) {
    if (env.LEDGER !== 'embedded' && env.LEDGER !== 'fabric')
      throw new ConfigError(`LEDGER must be embedded or fabric, got ${JSON.stringify(env.LEDGER)}`);
    out.ledger = env.LEDGER;
  }
  if (env.SHULIAN_FABRIC_DIR) out.fabricDir = resolve(env.SHULIAN_FABRIC_DIR);
  if (env.SHULIAN_DEPARTMENT) out.department = env.SHULIAN_DEPARTMENT;
  return out;
}
