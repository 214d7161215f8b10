/**
 * Ledger benchmark (`npm run bench:ledger`): the embedded network of departments.yaml (four
 * department nodes, OutOf(2) endorsement, an fsync per block at the orderer and at every node)
 * running the real chaincode. 64 concurrent clients anchor dataset versions, each on its own
 * catalog entry (the key-level owner policy then requires the owner's peer plus one more), for a
 * fixed time, in BENCH_RUNS windows after one warm-up. Prints one JSON document (each window's
 * committed tx/s, latency percentiles, time split, CPU-ms and bytes written per committed
 * transaction, and their medians) on stdout and a one-line summary on stderr.
 *
 * Then the start-up time of a node whose ledger holds 1,000,000 transactions (see startup.ts).
 *
 * Environment: BENCH_SECONDS (default 20), BENCH_RUNS (3), BENCH_CLIENTS (64), BENCH_STARTUP_TXS
 * (1000000, 0 skips), BENCH_VERIFY_MEMO (0: every signature check executed, as each node would on
 * its own machine).
 *
 * The nodes run in one process and by default share a memo of verified signatures (see
 * network/embedded/crypto.ts): of the 14 checks of a transaction, 11 are then answered by it. The
 * JSON says whether the memo was on (verifyMemo) and, per window, how many checks per transaction
 * were asked for and executed (signatureChecks); the summary line says memo on or off.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
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
import { setVerifyMemo, verifyCounts, verifyMemoEnabled } from '../../network/embedded/crypto.js';
import { measureStartup } from './ledger-startup.js';
import {
  cpuSince,
  findLibuvPool,
  machine,
  median,
  perUnit,
  report,
  sampleCpu,
  THREAD_GROUPS,
  type ThreadCpu,
} from './report.js';
import { anchor, catalogEntry, closedLoop, type LoopResult } from './workload.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
/** Measured windows, one after another on the same network; the first follows a 3 s warm-up. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
/** fsync every block at the orderer and each node (set BENCH_DURABLE=0 to see what fsync costs). */
const DURABLE = process.env.BENCH_DURABLE !== '0';
const STARTUP_TXS = Number(process.env.BENCH_STARTUP_TXS ?? 1_000_000);
if (process.env.BENCH_VERIFY_MEMO !== undefined)
  setVerifyMemo(process.env.BENCH_VERIFY_MEMO !== '0');
/**
 * Closed-loop clients each keep one transaction in flight, so a block can never hold more than
 * CLIENTS transactions; cutting at half of that keeps two blocks in the pipeline (one being
 * endorsed while the previous one validates) instead of waiting out the interactive timeout.
 */
const BATCH = {
  maxMessageCount: Number(process.env.BENCH_BATCH_COUNT ?? Math.max(1, Math.floor(CLIENTS / 2))),
  timeoutMs: Number(process.env.BENCH_BATCH_TIMEOUT_MS ?? 20),
};

/**
 * Bytes this process has handed to write(2) and friends (`wchar` of /proc/self/io): block files,
 * level's log and tables, compaction's rewrites. Not what reached the disk, which the page cache
 * and the filesystem decide, but the same for the same work, so the figure compares formats.
 */
function bytesWritten(): number {
  const line = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return line ? Number(line[1]) : 0;
}

type Run = LoopResult & {
  blocks: number;
  txPerBlock: number;
  processCpuSeconds: number;
  mainThreadUtilization: number;
  phaseMs: Record<string, number>;
  cpuMsPerTx: ReturnType<typeof perUnit>;
  threadCpu: ThreadCpu;
  loadAverage1m: number;
  signatureChecks: { perTx: number; executedPerTx: number };
  /** Bytes written by the process (see bytesWritten) per committed transaction. */
  bytesWrittenPerTx: number;
};

async function throughput() {
  await findLibuvPool();
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

    /** One measured window: what it committed, how fast, and the CPU it took by thread. */
    const measure = async (warmupMs: number): Promise<Run> => {
      let heightStart = 0;
      let writtenStart = 0;
      let eluStart = performance.eventLoopUtilization();
      const { result: loop, measured: cpuStart } = await closedLoop({
        clients,
        seconds: SECONDS,
        warmupMs,
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
          verifyCounts(true);
          eluStart = performance.eventLoopUtilization();
          heightStart = net.orderer.height;
          writtenStart = bytesWritten();
          return sampleCpu();
        },
      });
      const cpu = cpuSince(cpuStart);
      const written = bytesWritten() - writtenStart;
      const elu = performance.eventLoopUtilization(eluStart);
      const committed = loop.committedTx;
      const phases = phaseTotals();
      const checks = verifyCounts();
      return {
        ...loop,
        blocks: net.orderer.height - heightStart,
        txPerBlock: Number((committed / Math.max(1, net.orderer.height - heightStart)).toFixed(1)),
        processCpuSeconds: Number((cpu.processMs / 1000).toFixed(2)),
        // Share of wall time the JavaScript thread was busy: near 1 means CPU-bound on one core.
        mainThreadUtilization: Number(elu.utilization.toFixed(2)),
        // sign and verify are exact CPU time; simulate and commit are wall time of async work
        // (simulate includes level reads, commit the fsync'd batch) and overlap across clients.
        phaseMs: Object.fromEntries(PHASES.map((p) => [p, Math.round(phases[p])])),
        cpuMsPerTx: perUnit(cpu, committed),
        threadCpu: cpu,
        loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
        // Signature checks per committed transaction: asked for, and executed (not from the memo).
        signatureChecks: {
          perTx: Number((checks.calls / Math.max(1, committed)).toFixed(2)),
          executedPerTx: Number((checks.executed / Math.max(1, committed)).toFixed(2)),
        },
        bytesWrittenPerTx: Math.round(written / Math.max(1, committed)),
      };
    };

    const startHeight = net.orderer.height;
    const runs: Run[] = [];
    // Each later window gets 1 s for the clients' pipeline to fill again.
    for (let r = 0; r < RUNS; r++) runs.push(await measure(r === 0 ? 3000 : 1000));
    const verified = await net.verify();
    const mid = (pick: (run: Run) => number): number => median(runs.map(pick));
    const groups = [...new Set(runs.flatMap((run) => Object.keys(run.cpuMsPerTx.byThread)))];
    return {
      nodes: config.departments.length,
      endorsementPolicy: config.chaincode.endorsementPolicy,
      endorsementsPerTx: 2,
      durable: DURABLE,
      batch: BATCH,
      clients: CLIENTS,
      setupBlocks: startHeight,
      // Whether the nodes shared the verified-signature memo (BENCH_VERIFY_MEMO=0: they did not).
      verifyMemo: verifyMemoEnabled(),
      seconds: SECONDS,
      runs: runs.length,
      ...machine(),
      // Medians over the windows; each window's figures are in `windows`.
      median: {
        committedTxPerSec: mid((run) => run.committedTxPerSec),
        latencyMs: { p50: mid((run) => run.latencyMs.p50), p99: mid((run) => run.latencyMs.p99) },
        cpuMsPerTx: {
          total: mid((run) => run.cpuMsPerTx.total),
          byThread: Object.fromEntries(
            groups.map((g) => [g, mid((run) => run.cpuMsPerTx.byThread[g] ?? 0)]),
          ),
          processTotal: mid((run) => run.cpuMsPerTx.processTotal),
        },
        bytesWrittenPerTx: mid((run) => run.bytesWrittenPerTx),
      },
      windows: runs,
      threadGroups: THREAD_GROUPS,
      verify: { ok: verified.ok, checkedBlocks: verified.checkedBlocks },
    };
  } finally {
    await net.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const loadStart = loadavg()[0] ?? 0;
const measured = await throughput();
const result: Record<string, unknown> = {
  benchmark: 'ledger',
  engine: 'embedded',
  node: process.version,
  throughput: measured,
};
if (STARTUP_TXS > 0) result.startup = await measureStartup(STARTUP_TXS);
const mid = measured.median;
const threads = Object.entries(mid.cpuMsPerTx.byThread)
  .map(([g, ms]) => `${g} ${ms.toFixed(2)}`)
  .join(', ');
report(
  result,
  `bench:ledger: median of ${measured.runs} x ${SECONDS} s: ${mid.committedTxPerSec} tx/s, ` +
    `p50 ${mid.latencyMs.p50} ms, p99 ${mid.latencyMs.p99} ms, ` +
    `${mid.cpuMsPerTx.total.toFixed(2)} CPU-ms/tx (${threads}), ` +
    `${(mid.bytesWrittenPerTx / 1024).toFixed(1)} KiB written/tx; ` +
    `${measured.nodes} nodes, ${measured.endorsementsPerTx} endorsements, durable ${DURABLE}, ` +
    `verify memo ${measured.verifyMemo ? 'on' : 'off'}; ` +
    `verify ${measured.verify.ok ? 'ok' : 'FAILED'}; ${measured.cpus}-core machine, ` +
    `load ${loadStart.toFixed(2)}->${(loadavg()[0] ?? 0).toFixed(2)}` +
    (result.startup ? '; start-up figures in the JSON' : ''),
);
