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
import { anchor, catalogEntry, closedLoop } from './workload.js';

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

    const startHeight = net.orderer.height;
    let heightStart = 0;
    let eluStart = performance.eventLoopUtilization();
    const { result: loop, measured: cpuStart } = await closedLoop({
      clients,
      seconds: SECONDS,
      warmupMs: 3000,
      step: async (c) => {
        await net.submit(c.publisher, TX.dataset.AnchorVersion, [anchor(c.catalogId, c.seq)]);
        c.seq += 1;
      },
      classify: (err) => {
        if (!(err instanceof LedgerError)) throw err;
        return err.code;
      },
      onMeasure: () => {
        resetPhaseTotals();
        eluStart = performance.eventLoopUtilization();
        heightStart = net.orderer.height;
        return process.cpuUsage();
      },
    });
    const cpu = process.cpuUsage(cpuStart);
    const elu = performance.eventLoopUtilization(eluStart);
    const committed = loop.committedTx;
    const phases = phaseTotals();
    const verified = await net.verify();
    return {
      nodes: config.departments.length,
      endorsementPolicy: config.chaincode.endorsementPolicy,
      endorsementsPerTx: 2,
      durable: DURABLE,
      batch: BATCH,
      clients: CLIENTS,
      seconds: loop.seconds,
      committedTx: committed,
      committedTxPerSec: loop.committedTxPerSec,
      latencyMs: loop.latencyMs,
      failures: loop.failures,
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
