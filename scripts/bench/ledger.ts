/**
 * Ledger benchmark (`npm run bench:ledger`): the embedded network of departments.yaml (four
 * department nodes, OutOf(2) endorsement, an fsync per block at the orderer and at every node)
 * running the real chaincode. 64 concurrent clients anchor dataset versions, each on its own
 * catalog entry (the key-level owner policy then requires the owner's peer plus one more), for a
 * fixed time. Prints one JSON document: committed tx/s, latency percentiles, and the time split.
 *
 * Then the start-up time of a node whose ledger holds 1,000,000 transactions (see startup.ts).
 *
 * Environment: BENCH_SECONDS (default 20), BENCH_CLIENTS (64), BENCH_STARTUP_TXS (1000000, 0 skips).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { TX } from '@shulian/chaincode/constants';
import {
  departmentProfile,
  initLedgerConfig,
  loadNetworkConfig,
} from '../../network/embedded/config.js';
import { PHASES, phaseTotals, resetPhaseTotals } from '../../network/embedded/metrics.js';
import { EmbeddedNetwork } from '../../network/embedded/network.js';
import { LedgerError } from '../../network/embedded/errors.js';
import { measureStartup } from './ledger-startup.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
/** fsync every block at the orderer and each node (set BENCH_DURABLE=0 to see what fsync costs). */
const DURABLE = process.env.BENCH_DURABLE !== '0';
const STARTUP_TXS = Number(process.env.BENCH_STARTUP_TXS ?? 1_000_000);
/**
 * Closed-loop clients each keep one transaction in flight, so a block can never hold more than
 * CLIENTS transactions; cutting at half of that keeps two blocks in the pipeline (one being
 * endorsed while the previous one validates) instead of waiting out the interactive timeout.
 */
const BATCH = {
  maxMessageCount: Number(process.env.BENCH_BATCH_COUNT ?? Math.max(1, Math.floor(CLIENTS / 2))),
  timeoutMs: Number(process.env.BENCH_BATCH_TIMEOUT_MS ?? 20),
};

const hex = (n: number): string => n.toString(16).padStart(64, '0');

function catalogEntry(id: string): string {
  return JSON.stringify({
    id,
    name: '市场主体登记信息',
    classification: 'base',
    abstract: 'Registered market entities of the city, refreshed daily',
    format: 'table',
    fields: [
      { name: 'uscc', nameZh: '统一社会信用代码', type: 'string', sensitivity: 'internal' },
      { name: 'name', nameZh: '名称', type: 'string', sensitivity: 'public' },
      { name: 'legal_rep', nameZh: '法定代表人', type: 'string', sensitivity: 'sensitive' },
    ],
    shareType: 'unconditional',
    shareConditions: null,
    legalBasis: null,
    shareMethods: ['api'],
    openness: 'not_open',
    updateFrequency: 'daily',
    publishDate: '2026-01-05',
    relatedResources: [],
    sourceSystem: 'Registration system',
    scenarios: ['企业开办'],
  });
}

function anchor(catalogId: string, seq: number): string {
  return JSON.stringify({
    catalogId,
    digest: { algorithm: 'sha256', value: hex(seq * 3 + 1) },
    chunkRoot: hex(seq * 3 + 2),
    chunkSize: 1_048_576,
    size: 52_428_800 + seq,
    mediaType: 'text/csv',
    recordRoot: hex(seq * 3 + 3),
    recordCount: 120_000,
    reason: seq === 0 ? null : `daily refresh ${seq}`,
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function throughput(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'shulian-bench-'));
  const config = await loadNetworkConfig();
  const net = await EmbeddedNetwork.open({ dataDir, config, durable: DURABLE, batch: BATCH });
  try {
    const coordAdmin = await net.identity(config.coordinator, 'admin', 'admin');
    await net.submit(coordAdmin, TX.governance.InitLedger, [
      JSON.stringify(initLedgerConfig(config)),
    ]);
    const departments = config.departments.filter((d) => d.id !== config.coordinator);
    for (const d of departments)
      await net.submit(coordAdmin, TX.governance.RegisterDepartment, [
        JSON.stringify(departmentProfile(d)),
      ]);
    const publishers = await Promise.all(
      config.departments.map(async (d) => {
        const admin = await net.identity(d.id, 'admin', 'admin');
        await net.submit(admin, TX.governance.SetUserRoles, ['publisher', '["publisher"]']);
        return net.identity(d.id, 'publisher');
      }),
    );
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const publisher = publishers[i % publishers.length];
        if (!publisher) throw new Error('no publisher');
        const catalogId = `market-entities-${i}`;
        await net.submit(publisher, TX.catalog.CreateEntry, [catalogEntry(catalogId)]);
        return { publisher, catalogId, seq: 0 };
      }),
    );

    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    let committed = 0;
    let measuring = false;
    const startHeight = net.orderer.height;
    const deadline = { warmupEnd: 0, end: 0 };
    const worker = async (c: (typeof clients)[number]): Promise<void> => {
      while (performance.now() < deadline.end) {
        const started = performance.now();
        try {
          await net.submit(c.publisher, TX.dataset.AnchorVersion, [anchor(c.catalogId, c.seq)]);
          c.seq += 1;
          if (measuring) {
            committed += 1;
            latencies.push(performance.now() - started);
          }
        } catch (err) {
          const code = err instanceof LedgerError ? err.code : 'ERROR';
          if (measuring) failures[code] = (failures[code] ?? 0) + 1;
          if (!(err instanceof LedgerError)) throw err;
        }
      }
    };
    const now = performance.now();
    deadline.warmupEnd = now + 3000;
    deadline.end = deadline.warmupEnd + SECONDS * 1000;
    const runs = clients.map(worker);
    await new Promise((r) => setTimeout(r, deadline.warmupEnd - performance.now()));
    resetPhaseTotals();
    const cpuStart = process.cpuUsage();
    const eluStart = performance.eventLoopUtilization();
    const wallStart = performance.now();
    const heightStart = net.orderer.height;
    measuring = true;
    await Promise.all(runs);
    const wall = (performance.now() - wallStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const elu = performance.eventLoopUtilization(eluStart);
    const sorted = latencies.sort((a, b) => a - b);
    const phases = phaseTotals();
    const verified = await net.verify();
    return {
      nodes: config.departments.length,
      endorsementPolicy: config.chaincode.endorsementPolicy,
      endorsementsPerTx: 2,
      durable: DURABLE,
      batch: BATCH,
      clients: CLIENTS,
      seconds: Number(wall.toFixed(2)),
      committedTx: committed,
      committedTxPerSec: Number((committed / wall).toFixed(1)),
      latencyMs: {
        p50: Number(percentile(sorted, 50).toFixed(1)),
        p99: Number(percentile(sorted, 99).toFixed(1)),
      },
      failures,
      blocks: net.orderer.height - heightStart,
      txPerBlock: Number((committed / Math.max(1, net.orderer.height - heightStart)).toFixed(1)),
      setupBlocks: startHeight,
      processCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      cpuCores: cpus().length,
      // Share of wall time the JavaScript thread was busy: near 1 means CPU-bound on one core.
      mainThreadUtilization: Number(elu.utilization.toFixed(2)),
      // sign and verify are exact CPU time; simulate and commit are wall time of async work
      // (simulate includes level reads, commit the fsync'd batch) and overlap across clients.
      phaseMs: Object.fromEntries(PHASES.map((p) => [p, Math.round(phases[p])])),
      verify: { ok: verified.ok, checkedBlocks: verified.checkedBlocks },
    };
  } finally {
    await net.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const result: Record<string, unknown> = {
  benchmark: 'ledger',
  engine: 'embedded',
  node: process.version,
  throughput: await throughput(),
};
if (STARTUP_TXS > 0) result.startup = await measureStartup(STARTUP_TXS);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
