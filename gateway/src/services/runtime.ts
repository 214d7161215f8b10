/**
 * The composition root shared by the server, the CLI's local commands and the tests: opens the
 * ledger (the embedded network, or with LEDGER=fabric a Fabric network from `npm run fabric:up`),
 * the query index (following the ledger), the dataset store, the token file and the services,
 * under one data directory:
 *
 *   data/network/          the embedded network (one directory per department, the orderer's)
 *   data/fabric/           a Fabric network's folder (network/fabric; SHULIAN_FABRIC_DIR)
 *   data/gateway/index/    query index (derived; `shulian index rebuild`)
 *   data/gateway/store/    off-chain dataset store
 *   data/gateway/tokens.json, record.key, addresses/, demo.json
 *   data/gateway/exchange-nonces/   signed exchange requests answered within their time window
 *
 * In department mode (`--department <id>`, Fabric only) the gateway files are under
 * data/gateway-<id>/ and the ledger is opened from that department's folder alone; reads that
 * need no particular user (the public directory, the ledger's configuration) are made as that
 * department's, not the coordinator's.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TX, type LedgerConfig, type Role } from '@shulian/chaincode/constants';
import {
  departmentProfile,
  loadNetworkConfig,
  type NetworkConfig,
} from '../../../network/embedded/config.js';
import { createTokenStore, type TokenStore } from '../auth/tokens.js';
import { checkDepartmentMode, ConfigError, gatewayDir, type GatewayConfig } from '../config.js';
import { createSubjects, type Subjects } from './subjects.js';
import { GatewayError } from '../errors.js';
import { openQueryIndex, type DepartmentStats, type QueryIndex } from '../index/query-index.js';
import { createEmbeddedLedger, type EmbeddedLedger } from '../ledger/embedded.js';
import { openFabricLedger } from '../ledger/fabric-profile.js';
import type { Caller, LedgerClient } from '../ledger/types.js';
import type { TrustFile } from '@shulian/proof/bundle';
import { createDatasetStore, type DatasetStore } from '../store/dataset-store.js';
import { createChaincode, type Chaincode } from './chaincode.js';
import { createExchangeClient } from '../exchange/client.js';
import type { TlsPair } from '../exchange/listener.js';
import { NonceBook } from '../exchange/nonce-book.js';
import type { RequestSigner } from '../exchange/signed-request.js';
import { exchangeTlsPair } from '../exchange/tls.js';
import {
  createDatasets,
  type Datasets,
  type ReconcileReport,
  type RemoteProvider,
} from './datasets.js';
import { createMetrics, type Metrics, type Sample } from './metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import { createStorageMonitor, type StorageMonitor } from './storage.js';

export interface DemoIdentity {
  department: string;
  user: string;
  roles: Role[];
  token: string;
  label?: string;
}

/**
 * What every route plugin receives: the ledger, the index, the store and the other services,
 * built once by the runtime below (or a test) and passed to buildApp.
 */
export interface GatewayContext {
  config: GatewayConfig;
  ledger: LedgerClient;
  chaincode: Chaincode;
  tokens: TokenStore;
  index: QueryIndex;
  metrics: Metrics;
  datasets: Datasets;
  /** Pseudonyms of data subjects (the key stays in this gateway). */
  subjects: Subjects;
  /** Free space under the data directory: a full disk makes the gateway unready, writes 507. */
  storage: StorageMonitor;
  /** Department CA certificates and orderer keys that proof bundles verify against. */
  trust: TrustFile;
  /** The coordinator department (from the ledger's configuration). */
  coordinator: string;
  /** The identity public reads (department directory) are evaluated as: the coordinator's gateway. */
  publicReader: Caller;
  /** The network's departments (departments.yaml): a token of any other identifies nobody. */
  members: readonly string[];
  /** Demo sign-in identities; present only when the gateway seeded the demo data. */
  demoIdentities?: DemoIdentity[];
  /** The nonces of other gateways' signed requests this one answered (replays are refused). */
  exchangeNonces: NonceBook;
  /** The clock for overdue checks; injectable so tests can move time. */
  now(): number;
}

export interface Runtime {
  config: GatewayConfig;
  network: NetworkConfig;
  ledger: LedgerClient;
  /** The embedded network's admin surface, when that is the engine. */
  embedded?: EmbeddedLedger;
  chaincode: Chaincode;
  index: QueryIndex;
  store: DatasetStore;
  datasets: Datasets;
  exchangeNonces: NonceBook;
  tokens: TokenStore;
  metrics: Metrics;
  storage: StorageMonitor;
  trust: TrustFile;
  coordinator: string;
  /** The coordinator's administrator, who initialises the ledger and registers departments. */
  coordinatorAdmin: { department: string; user: string };
  /**
   * This gateway's own department's administrator: the coordinator's, or in department mode the
   * department's (the only admin whose key this gateway holds).
   */
  homeAdmin: { department: string; user: string };
  /** Department mode: this gateway's TLS certificate for the exchange listener and its requests. */
  exchangeTls?: TlsPair;
  exportTrust(): TrustFile;
  /**
   * Once the index has caught up with the ledger, brings the anchor book and the store in line with
   * it: versions committed but not in the book are entered, blobs never anchored are removed after
   * the grace period unless `keepOrphans` (while uploads may be under way: see below).
   */
  reconcile(options?: { keepOrphans?: boolean }): Promise<ReconcileReport>;
  context(extra?: { demoIdentities?: DemoIdentity[]; now?: () => number }): GatewayContext;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Follow the ledger's blocks into the index (the server does; `index rebuild` does not). */
  follow: boolean;
  /** fsync every block (default true; tests turn it off for speed). */
  durable?: boolean;
  /** Orderer batch timeout override, ms (tests use short ones). */
  batchTimeoutMs?: number;
  onIndexError?: (err: unknown) => void;
  /** Failures of the reconciliation that follows a full disk's recovery. */
  onStorageError?: (err: unknown) => void;
}

/** A secret of this installation (record salts, subject pseudonyms), created once with mode 0600. */
async function secretKey(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = randomBytes(32);
    await writeFile(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/** The level databases refuse a second process; say so instead of showing a lock error. */
function lockHint(err: unknown, what: string): never {
  const code = (err as { code?: string; cause?: { code?: string } }).code;
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  if (code === 'LEVEL_DATABASE_NOT_OPEN' || cause === 'LEVEL_LOCKED') {
    throw new GatewayError(
      'CONFLICT',
      `${what} is in use by another process (is the server running? stop it first)`,
      { cause: err },
    );
  }
  throw err;
}

export async function openRuntime(
  config: GatewayConfig,
  options: RuntimeOptions,
): Promise<Runtime> {
  const network = await loadNetworkConfig(config.networkFile);
  checkDepartmentMode(
    config,
    network.departments.map((d) => d.id),
  );
  let ledger: LedgerClient & {
    trust: TrustFile;
    identity(caller: Caller): Promise<RequestSigner>;
  };
  let embedded: EmbeddedLedger | undefined;
  if (config.ledger === 'fabric') {
    ledger = await openFabricLedger({
      fabricDir: config.fabricDir,
      localDepartment: config.department ?? network.coordinator,
      departmentOnly: config.department !== undefined,
    }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'UNKNOWN_DEPARTMENT')
        throw new ConfigError((err as Error).message, 'UNKNOWN_DEPARTMENT');
      throw err;
    });
  } else {
    embedded = await createEmbeddedLedger({
      dataDir: join(config.dataDir, 'network'),
      config: network,
      ...(options.durable === undefined ? {} : { durable: options.durable }),
      ...(options.batchTimeoutMs === undefined
        ? {}
        : { batch: { timeoutMs: options.batchTimeoutMs } }),
    }).catch((err: unknown) => lockHint(err, 'the ledger'));
    ledger = embedded;
  }
  const dir = gatewayDir(config);
  await mkdir(dir, { recursive: true });
  const index = await openQueryIndex(join(dir, 'index')).catch((err: unknown) =>
    lockHint(err, 'the query index'),
  );
  const store = await createDatasetStore({ dir: join(dir, 'store') });
  const chaincode = createChaincode(ledger);
  // The gateway's own department: every department in one gateway reads as the coordinator.
  const home = config.department ?? network.coordinator;
  const { exchangeTls, remote } = await departmentExchange(config, {
    dir,
    home,
    chaincode,
    identity: (caller) => ledger.identity(caller),
  });
  const datasets = await createDatasets({
    ...(remote ? { remote } : {}),
    chaincode,
    ledger,
    store,
    addressBook: join(dir, 'addresses'),
    recordSecret: await secretKey(join(dir, 'record.key')),
  });
  const exchangeNonces = await NonceBook.open(join(dir, 'exchange-nonces')).catch((err: unknown) =>
    lockHint(err, 'the exchange nonce book'),
  );
  const subjects = createSubjects(await secretKey(join(dir, 'subject.key')));
  const tokens = createTokenStore(join(dir, 'tokens.json'));
  const metrics = createMetrics();
  // A write that raced the disk filling up may be on the ledger but not yet in the anchor book:
  // once space returns, the same reconciliation as at start brings them in line. It removes
  // nothing: uploads are taken meanwhile, and one that stores the very bytes of an old orphan
  // could see them removed between its store write and its book write. Orphans wait for a start.
  const storage = createStorageMonitor(
    config.dataDir,
    config.minFreeBytes,
    () => runtime.reconcile({ keepOrphans: true }),
    options.onStorageError,
  );
  // The network's trust bundle is the proof module's trust file format.
  const trust: TrustFile = ledger.trust;
  const coordinator = network.coordinator;
  const coordinatorAdmin = { department: coordinator, user: 'admin' };
  const homeAdmin = { department: home, user: 'admin' };
  await initialise(chaincode, network, homeAdmin);

  const abort = new AbortController();
  const following = options.follow
    ? index.follow(ledger, abort.signal, options.onIndexError, (block) => {
        for (const tx of block.transactions)
          metrics.increment(
            'ledger_transactions_total',
            'transactions committed since the gateway started, by validation code',
            { code: tx.validationCode },
          );
      })
    : Promise.resolve();

  registerLedgerMetrics(metrics, { ledger, index, storage, departments: network.departments });
  const stopProcessMetrics = registerProcessMetrics(metrics);

  const runtime: Runtime = {
    config,
    network,
    ledger,
    ...(embedded ? { embedded } : {}),
    chaincode,
    index,
    store,
    datasets,
    exchangeNonces,
    tokens,
    metrics,
    storage,
    trust,
    coordinator,
    coordinatorAdmin,
    homeAdmin,
    ...(exchangeTls ? { exchangeTls } : {}),
    exportTrust: () => trust,
    async reconcile({ keepOrphans = false } = {}) {
      const { height } = await ledger.status();
      if (options.follow) await index.waitFor(height - 1, 120_000);
      // Without the whole ledger in the index, a blob that looks unused may belong to a version
      // not indexed yet: nothing is removed then.
      const caughtUp = ((await index.checkpoint())?.blockNumber ?? -1) >= height - 1;
      return datasets.reconcile(index.allVersions(), {
        graceMs: caughtUp && !keepOrphans ? config.orphanGraceMs : Number.POSITIVE_INFINITY,
        now: Date.now(),
      });
    },
    context: (extra = {}) => ({
      config,
      ledger,
      chaincode,
      tokens,
      index,
      metrics,
      datasets,
      exchangeNonces,
      subjects,
      storage,
      trust,
      coordinator,
      publicReader: { department: home, user: 'gateway' },
      members: network.departments.map((d) => d.id),
      now: extra.now ?? Date.now,
      ...(extra.demoIdentities ? { demoIdentities: extra.demoIdentities } : {}),
    }),
    async close() {
      abort.abort();
      stopProcessMetrics();
      await storage.close();
      await following;
      await datasets.close();
      await exchangeNonces.close();
      await index.close();
      await ledger.close();
    },
  };
  return runtime;
}

/**
 * Department mode: this gateway's TLS certificate for the exchange, and the client its users'
 * downloads of other departments' versions go through (gateway/src/exchange). Nothing otherwise:
 * one gateway for every department serves every version from its own store.
 */
async function departmentExchange(
  config: GatewayConfig,
  deps: {
    dir: string;
    home: string;
    chaincode: Chaincode;
    identity(caller: Caller): Promise<RequestSigner>;
  },
): Promise<{ exchangeTls?: TlsPair; remote?: { home: string; provider: RemoteProvider } }> {
  if (config.department === undefined) return {};
  const exchangeTls = await exchangeTlsPair({
    fabricDir: config.fabricDir,
    department: config.department,
    gatewayDir: deps.dir,
    hosts: config.exchangeHosts,
  });
  const provider = await createExchangeClient({
    chaincode: deps.chaincode,
    reader: { department: deps.home, user: 'gateway' },
    identity: (caller) => deps.identity(caller),
    tls: exchangeTls,
    incomingDir: join(deps.dir, 'incoming'),
    now: Date.now,
  });
  return { exchangeTls, remote: { home: deps.home, provider } };
}

/**
 * First start of a network: the coordinator's admin initialises the ledger (once, ever). Another
 * department's own gateway (department mode) cannot, and says to start the coordinator's first.
 */
async function initialise(
  chaincode: Chaincode,
  network: NetworkConfig,
  admin: { department: string; user: string },
): Promise<void> {
  try {
    await chaincode.evaluate<LedgerConfig>(admin, TX.governance.GetConfig, []);
    return;
  } catch (err) {
    // A coordinator whose key material is lost cannot ask; the channel (hence the ledger's
    // initialisation) predates the loss, and the gateway serves without it until it is repaired.
    if ((err as { code?: string }).code === 'DEPARTMENT_MATERIAL_LOST') return;
    if ((err as { code?: string }).code !== 'NOT_INITIALIZED') throw err;
    if (admin.department !== network.coordinator)
      throw new GatewayError(
        'NOT_READY',
        `the ledger is not initialised yet: start the coordinator ${network.coordinator}'s gateway first`,
        { cause: err },
      );
  }
  const c = network.departments.find((d) => d.id === network.coordinator);
  if (!c)
    throw new Error(`coordinator ${network.coordinator} is not among the network's departments`);
  await chaincode.submit(admin, TX.governance.InitLedger, [
    {
      coordinator: { ...departmentProfile(c), parent: null },
      deadlines: network.deadlines,
    },
  ]);
}

/** The ledger's, the index's and the store's gauges, and the overdue work per department. */
function registerLedgerMetrics(
  metrics: Metrics,
  deps: {
    ledger: LedgerClient;
    index: QueryIndex;
    storage: StorageMonitor;
    departments: readonly { id: string }[];
  },
): void {
  const { ledger, index, storage, departments } = deps;
  metrics.gauge(
    'ledger_height',
    'blocks on the ledger',
    async () => (await ledger.status()).height,
  );
  metrics.gauge(
    'index_block',
    'last block in the query index',
    async () => (await index.checkpoint())?.blockNumber ?? -1,
  );
  metrics.gauge('ledger_agreement', '1 when every running node agrees', async () =>
    (await ledger.status()).agreement ? 1 : 0,
  );
  metrics.gauge(
    'storage_free_bytes',
    'bytes free under the data directory (writes answer 507 below SHULIAN_MIN_FREE_BYTES)',
    async () => (await storage.state()).freeBytes,
  );
  metrics.gauge('ledger_node_height', 'blocks on each department node', async () =>
    (await ledger.status()).nodes.map((n) => ({ labels: { department: n.id }, value: n.height })),
  );
  const overdue = async (pick: (s: DepartmentStats) => number): Promise<Sample[]> => {
    const now = Date.now();
    return Promise.all(
      departments.map(async ({ id }) => ({
        labels: { department: id },
        value: pick(await index.stats(id, now)),
      })),
    );
  };
  metrics.gauge(
    'requests_overdue',
    'share requests past their working-day deadline without an answer, by providing department',
    () => overdue((s) => s.overdueRequests),
  );
  metrics.gauge(
    'objections_overdue',
    'quality objections past their deadline without a correction, by department',
    () => overdue((s) => s.overdueObjections),
  );
  metrics.gauge(
    'catalog_updates_overdue',
    'catalog update requirements open past their deadline, by department',
    () => overdue((s) => s.overdueCatalogUpdates),
  );
  metrics.gauge(
    'ledger_nodes_halted',
    'running nodes that stopped committing (a block they could not get or accept)',
    async () => (await ledger.status()).nodes.filter((n) => n.halted !== undefined).length,
  );
}
