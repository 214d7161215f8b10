/**
 * `npm run bench:fabric`: the bench:ledger workload (./workload.ts: closed-loop clients
 * anchoring dataset versions, 2 endorsements each) on both engines in one run:
 *   1. the embedded network (in this process), through the LedgerClient;
 *   2. a Fabric network started by network/fabric in a temporary folder (the batch settings
 *      below), through Shulian's Fabric LedgerClient (gateway/src/ledger/fabric.ts);
 *   3. the same Fabric network through raw @hyperledger/fabric-gateway calls (one connection per
 *      peer, one Gateway per client, `submitTransaction`), the ceiling the LedgerClient is
 *      measured against.
 * Fabric phases 2 and 3 alternate for `--rounds` rounds so that drift of a shared machine hits
 * both. For each: committed tx/s, p50/p99 latency, failures, and CPU-ms per committed
 * transaction per process group (peers, orderers, chaincode servers from /proc; the gateway/client
 * is this process). Prints one JSON document on stdout and a one-line summary on stderr.
 *
 * Flags: --seconds N (per measured phase, default 10), --clients N (64), --rounds N (1),
 * --batch-timeout MS (20), --batch-count N (32), --skip-embedded.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { TX } from '@shulian/chaincode/constants';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
  type NetworkConfig,
} from '../../network/embedded/config.js';
import {
  chaincodeServerPidFile,
  fabricDown,
  fabricUp,
  processes,
  type FabricNetwork,
} from '../../network/fabric/network.js';
import { createEmbeddedLedger } from '../../gateway/src/ledger/embedded.js';
import {
  openFabricLedger,
  type OpenedFabricLedger,
} from '../../gateway/src/ledger/fabric-profile.js';
import type { Caller, LedgerClient } from '../../gateway/src/ledger/types.js';
import { report } from './report.js';
import { anchor, catalogEntry, closedLoop, type LoopResult } from './workload.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '1' },
    'batch-timeout': { type: 'string', default: '20' },
    'batch-count': { type: 'string', default: '32' },
    'skip-embedded': { type: 'boolean', default: false },
  },
});
const positive = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const SECONDS = positive('seconds', flags.seconds);
const CLIENTS = positive('clients', flags.clients);
const ROUNDS = positive('rounds', flags.rounds);
const BATCH = {
  timeoutMs: positive('batch-timeout', flags['batch-timeout']),
  maxMessageCount: positive('batch-count', flags['batch-count']),
};
const WARMUP_MS = 2000;
const log = (line: string): void => void process.stderr.write(`${line}\n`);

interface Client {
  caller: Caller;
  catalogId: string;
  seq: number;
}

/** The workload's set-up through any LedgerClient: departments, publishers, one entry per client. */
async function prepare(ledger: LedgerClient, config: NetworkConfig): Promise<Client[]> {
  const coord: Caller = { department: config.coordinator, user: 'admin' };
  await ledger.submit(coord, TX.governance.InitLedger, [JSON.stringify(initLedgerConfig(config))]);
  for (const d of config.departments.filter((x) => x.id !== config.coordinator))
    await ledger.submit(coord, TX.governance.RegisterDepartment, [
      JSON.stringify(departmentProfile(d)),
    ]);
  for (const d of config.departments)
    await ledger.submit({ department: d.id, user: 'admin' }, TX.governance.SetUserRoles, [
      'publisher',
      '["publisher"]',
    ]);
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const d = config.departments[i % config.departments.length];
      if (!d) throw new Error('no departments');
      const client = {
        caller: { department: d.id, user: 'publisher' },
        catalogId: `market-entities-${i}`,
        seq: 0,
      };
      await ledger.submit(client.caller, TX.catalog.CreateEntry, [catalogEntry(client.catalogId)]);
      return client;
    }),
  );
}

const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : typeof code === 'number' ? `GRPC_${code}` : 'ERROR';
};

// ---------------------------------------------------------------------------------------------
// CPU per process group, from /proc (Linux): utime + stime of each recorded pid.

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * Read synchronously on purpose: an asynchronous read waits in libuv's thread pool behind the
 * clients' work, so "before" samples landed late in the measured window (first runs showed 0 for
 * the peers). These are a few tiny /proc files.
 */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function pidOf(pidFile: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

type Group = 'peers' | 'orderers' | 'chaincodeServers' | 'gatewayClient';

function sampleCpu(net: FabricNetwork): Record<Group, number> {
  const out: Record<Group, number> = {
    peers: 0,
    orderers: 0,
    chaincodeServers: 0,
    gatewayClient: 0,
  };
  for (const p of processes(net)) {
    // A chaincode entry's pid file is its supervisor's; the server is the supervised child.
    const pidFile =
      p.kind === 'chaincode' && p.department
        ? chaincodeServerPidFile(net.layout, p.department)
        : p.pidFile;
    const pid = pidOf(pidFile);
    if (pid === undefined) continue;
    const group: Group =
      p.kind === 'peer' ? 'peers' : p.kind === 'orderer' ? 'orderers' : 'chaincodeServers';
    out[group] += cpuMsOf(pid);
  }
  const self = process.cpuUsage();
  out.gatewayClient = (self.user + self.system) / 1000;
  return out;
}

const perTx = (
  before: Record<Group, number>,
  after: Record<Group, number>,
  committed: number,
): Record<Group | 'total', number> => {
  const groups = Object.keys(before) as Group[];
  const each = Object.fromEntries(
    groups.map((g) => [g, Number(((after[g] - before[g]) / Math.max(1, committed)).toFixed(2))]),
  ) as Record<Group, number>;
  const total = groups.reduce((sum, g) => sum + each[g], 0);
  return { ...each, total: Number(total.toFixed(2)) };
};

// ---------------------------------------------------------------------------------------------
// Phases

async function embeddedPhase(config: NetworkConfig): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-bench-embedded-'));
  const ledger = await createEmbeddedLedger({ dataDir, config, batch: BATCH });
  try {
    const clients = await prepare(ledger, config);
    const { result, measured } = await closedLoop({
      clients,
      seconds: SECONDS,
      warmupMs: WARMUP_MS,
      step: async (c) => {
        await ledger.submit(c.caller, TX.dataset.AnchorVersion, [anchor(c.catalogId, c.seq)]);
        c.seq += 1;
      },
      classify: codeOf,
      onMeasure: () => process.cpuUsage(),
    });
    const cpu = process.cpuUsage(measured);
    return {
      ...result,
      // Every node, the orderer and the chaincode run in this one process.
      cpuMsPerTx: {
        allInProcess: Number(
          ((cpu.user + cpu.system) / 1000 / Math.max(1, result.committedTx)).toFixed(2),
        ),
      },
    };
  } finally {
    await ledger.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Raw fabric-gateway: one Gateway per client on its department's peer, as an application would. */
async function rawContracts(
  ledger: OpenedFabricLedger,
  profileFile: string,
  clients: Client[],
): Promise<{ contracts: Map<Client, Contract>; close: () => void }> {
  const profile = JSON.parse(await readFile(profileFile, 'utf8')) as {
    channel: string;
    chaincode: string;
    peers: { mspId: string; endpoint: string; hostname: string; tlsCACert: string }[];
  };
  const connections = new Map<string, grpc.Client>();
  for (const p of profile.peers)
    connections.set(
      p.mspId,
      new grpc.Client(p.endpoint, grpc.credentials.createSsl(await readFile(p.tlsCACert)), {
        'grpc.ssl_target_name_override': p.hostname,
      }),
    );
  const gateways: Gateway[] = [];
  const contracts = new Map<Client, Contract>();
  for (const c of clients) {
    const id = await ledger.identity(c.caller);
    const gateway = connect({
      client: connections.get(c.caller.department) as grpc.Client,
      identity: { mspId: id.mspId, credentials: new TextEncoder().encode(id.certificate) },
      signer: signers.newPrivateKeySigner(id.privateKey),
      hash: hash.sha256,
    });
    gateways.push(gateway);
    contracts.set(c, gateway.getNetwork(profile.channel).getContract(profile.chaincode));
  }
  return {
    contracts,
    close: () => {
      for (const g of gateways) g.close();
      for (const c of connections.values()) c.close();
    },
  };
}

async function fabricPhase(
  net: FabricNetwork,
  clients: Client[],
  step: (c: Client) => Promise<void>,
): Promise<LoopResult & { cpuMsPerTx: Record<string, number> }> {
  const { result, measured } = await closedLoop({
    clients,
    seconds: SECONDS,
    warmupMs: WARMUP_MS,
    step,
    classify: codeOf,
    onMeasure: () => sampleCpu(net),
  });
  const after = sampleCpu(net);
  const before = measured;
  return { ...result, cpuMsPerTx: perTx(before, after, result.committedTx) };
}

/** Sums rounds: throughput over all measured time, latency percentiles as the worst round's. */
function combine(rounds: (LoopResult & { cpuMsPerTx: Record<string, number> })[]) {
  const committed = rounds.reduce((s, r) => s + r.committedTx, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const failures: Record<string, number> = {};
  for (const r of rounds)
    for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  const cpu: Record<string, number> = {};
  for (const r of rounds)
    for (const [k, v] of Object.entries(r.cpuMsPerTx))
      cpu[k] = (cpu[k] ?? 0) + (v * r.committedTx) / Math.max(1, committed);
  return {
    seconds: Number(seconds.toFixed(2)),
    committedTx: committed,
    committedTxPerSec: Number((committed / Math.max(0.001, seconds)).toFixed(1)),
    latencyMs: {
      p50: Math.max(...rounds.map((r) => r.latencyMs.p50)),
      p99: Math.max(...rounds.map((r) => r.latencyMs.p99)),
    },
    failures,
    cpuMsPerTx: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(v.toFixed(2))])),
    rounds: rounds.map((r) => ({ txPerSec: r.committedTxPerSec, p50: r.latencyMs.p50 })),
  };
}

async function main(): Promise<void> {
  const load = { start: loadavg().map((x) => Number(x.toFixed(2))), end: [] as number[] };
  const baseConfig = await loadNetworkConfig();
  const config: NetworkConfig = {
    ...baseConfig,
    orderer: {
      ...baseConfig.orderer,
      batch: { ...baseConfig.orderer.batch, ...BATCH },
      fabricBatch: { ...baseConfig.orderer.fabricBatch, ...BATCH },
    },
  };
  const embedded = flags['skip-embedded'] ? undefined : await embeddedPhase(config);
  if (embedded) log(`embedded: ${String(embedded.committedTxPerSec)} tx/s`);

  const dir = await mkdtemp(path.join(tmpdir(), 'shulian-bench-fabric-'));
  // fabric:up reads the batch settings from a departments.yaml: a copy with this run's values
  // (in both the embedded and the Fabric section).
  const yaml = (await readFile(path.resolve('network/departments.yaml'), 'utf8'))
    .replace(/^(\s*batchTimeout:).*$/gm, `$1 ${BATCH.timeoutMs}ms`)
    .replace(/^(\s*maxMessageCount:).*$/gm, `$1 ${BATCH.maxMessageCount}`);
  const configFile = path.join(dir, 'departments.yaml');
  await writeFile(configFile, yaml);
  let ledger: OpenedFabricLedger | undefined;
  try {
    const started = performance.now();
    const net = await fabricUp({ dir: path.join(dir, 'network'), configFile, log });
    const upSeconds = (performance.now() - started) / 1000;
    ledger = await openFabricLedger({
      fabricDir: net.layout.root,
      localDepartment: config.coordinator,
    });
    const clients = await prepare(ledger, config);
    const raw = await rawContracts(
      ledger,
      path.join(net.layout.root, 'departments', config.coordinator, 'connection.json'),
      clients,
    );
    const shulianRounds = [];
    const rawRounds = [];
    const open = ledger;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order so neither side always runs on the larger ledger.
        const order = round % 2 === 0 ? ['shulian', 'raw'] : ['raw', 'shulian'];
        for (const which of order) {
          if (which === 'shulian')
            shulianRounds.push(
              await fabricPhase(net, clients, async (c) => {
                await open.submit(c.caller, TX.dataset.AnchorVersion, [anchor(c.catalogId, c.seq)]);
                c.seq += 1;
              }),
            );
          else
            rawRounds.push(
              await fabricPhase(net, clients, async (c) => {
                const contract = raw.contracts.get(c) as Contract;
                await contract.submitTransaction(
                  TX.dataset.AnchorVersion,
                  anchor(c.catalogId, c.seq),
                );
                c.seq += 1;
              }),
            );
          const phase = (which === 'shulian' ? shulianRounds : rawRounds).at(-1);
          log(`fabric ${which}: ${String(phase?.committedTxPerSec)} tx/s`);
        }
      }
    } finally {
      raw.close();
    }
    const verified = await ledger.verify();
    const shulian = combine(shulianRounds);
    const rawResult = combine(rawRounds);
    load.end = loadavg().map((x) => Number(x.toFixed(2)));
    const embeddedTps = embedded ? Number(embedded.committedTxPerSec) : null;
    const result = {
      benchmark: 'fabric',
      node: process.version,
      machine: {
        cpuCores: cpus().length,
        loadAverage: load,
        note:
          'shared: up to 5 engineers run builds and tests on this machine at the same time; ' +
          'figures vary from run to run with their load',
      },
      workload: {
        operation: TX.dataset.AnchorVersion,
        clients: CLIENTS,
        endorsementsPerTx: 2,
        secondsPerPhase: SECONDS,
        rounds: ROUNDS,
        batch: BATCH,
      },
      embedded: embedded ?? null,
      fabric: {
        network: {
          peers: net.state.peers.length,
          orderers: net.state.orderers.length,
          upSeconds: Number(upSeconds.toFixed(1)),
        },
        shulianLedgerClient: shulian,
        rawFabricGateway: rawResult,
        verify: { ok: verified.ok, checkedBlocks: verified.checkedBlocks },
      },
      ratios: {
        embeddedOverFabric:
          embeddedTps === null
            ? null
            : Number((embeddedTps / Math.max(0.1, shulian.committedTxPerSec)).toFixed(2)),
        shulianOverRawFabricGateway: Number(
          (shulian.committedTxPerSec / Math.max(0.1, rawResult.committedTxPerSec)).toFixed(2),
        ),
        shulianTarget: 0.9,
      },
    };
    report(
      result,
      `bench:fabric: embedded ${embeddedTps ?? '-'} tx/s; Fabric ${shulian.committedTxPerSec} tx/s ` +
        `(p50 ${shulian.latencyMs.p50} ms, p99 ${shulian.latencyMs.p99} ms, ${shulian.cpuMsPerTx.total} CPU-ms/tx); ` +
        `embedded/Fabric ${result.ratios.embeddedOverFabric ?? '-'}x; LedgerClient/raw fabric-gateway ` +
        `${result.ratios.shulianOverRawFabricGateway}x (target >= 0.9); batch ${BATCH.timeoutMs} ms/${BATCH.maxMessageCount}; ` +
        `shared ${cpus().length}-core machine, load ${load.start[0]}->${load.end[0]}`,
    );
  } finally {
    await ledger?.close();
    await fabricDown({ dir: path.join(dir, 'network'), wipe: true });
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
