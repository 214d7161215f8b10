/**
 * The `bench:ledger` workload, shared by bench:ledger (embedded network) and bench:fabric (both
 * engines and raw fabric-gateway): closed-loop clients, each anchoring dataset versions on its
 * own catalog entry (the key-level owner policy then requires the owner's peer plus one more),
 * measured for a fixed time after a warm-up.
 */

const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** A catalog entry a publisher creates once per client. */
export function catalogEntry(id: string): string {
  return JSON.stringify({
    id,
    name: '市场主体登记信息',
    classification: 'base',
    abstract: 'Registered market entities of the city, refreshed daily',
    format: 'text/csv',
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

/** The AnchorVersion argument of a client's `seq`-th version. */
export function anchor(catalogId: string, seq: number): string {
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

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export interface LoopResult {
  seconds: number;
  committedTx: number;
  committedTxPerSec: number;
  latencyMs: { p50: number; p99: number };
  failures: Record<string, number>;
}

/**
 * Runs `clients` closed loops of `step(client)` for `warmupMs` and then `seconds`; `onMeasure`
 * is called when measuring starts (to sample CPU counters) and its result handed back.
 * `classify` names a failure (counted), or rethrows what the benchmark must not survive.
 */
export async function closedLoop<C, M>(options: {
  clients: C[];
  seconds: number;
  warmupMs: number;
  step: (client: C) => Promise<void>;
  classify: (err: unknown) => string;
  onMeasure: () => M;
}): Promise<{ result: LoopResult; measured: M }> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let committed = 0;
  let measuring = false;
  const warmupEnd = performance.now() + options.warmupMs;
  const end = warmupEnd + options.seconds * 1000;
  const worker = async (client: C): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        await options.step(client);
        if (measuring) {
          committed += 1;
          latencies.push(performance.now() - started);
        }
      } catch (err) {
        const code = options.classify(err);
        if (measuring) failures[code] = (failures[code] ?? 0) + 1;
      }
    }
  };
  const runs = options.clients.map(worker);
  await new Promise((r) => setTimeout(r, Math.max(0, warmupEnd - performance.now())));
  const measured = options.onMeasure();
  const wallStart = performance.now();
  measuring = true;
  await Promise.all(runs);
  const wall = (performance.now() - wallStart) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const result: LoopResult = {
    seconds: Number(wall.toFixed(2)),
    committedTx: committed,
    committedTxPerSec: Number((committed / wall).toFixed(1)),
    latencyMs: {
      p50: Number(percentile(sorted, 50).toFixed(1)),
      p99: Number(percentile(sorted, 99).toFixed(1)),
    },
    failures,
  };
  return { result, measured };
}
