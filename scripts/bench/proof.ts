/**
 * Offline proof verification throughput: full verifyBundle (schema, anchor, record proof,
 * transaction ids, Merkle path, client + endorser + orderer ECDSA signatures, certificate chains)
 * on the committed vector bundles with node:crypto, each bundle parsed from its JSON text.
 * Certificate-chain results and parsed keys are cached (as a verifier of many bundles from one
 * network would); every signature is checked every time. Three shapes:
 *   - sequential: one bundle at a time on the main thread (signatures in libuv's pool);
 *   - concurrentN: N bundles in flight on the main thread (signatures in libuv's pool);
 *   - poolN: N bundles in flight through VerifierPool, one worker thread per core (the target).
 * Prints one JSON document on stdout and a one-line summary on stderr.
 * Each figure comes with CPU-µs per bundle (process CPU, all threads), which holds on a machine
 * shared with other work where bundles/s does not, and the load average around it.
 *
 *   npx tsx scripts/bench/proof.ts [--seconds 5] [--concurrency 16] [--pool-in-flight 64]
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  verifyBundle,
  type ProofBundle,
  type TrustFile,
  type VerifyResult,
} from '@shulian/proof/bundle';
import { nodeProofCrypto } from '@shulian/proof/node';
import { VerifierPool } from '../../gateway/src/services/verify-pool.js';
import { report } from './report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    'pool-in-flight': { type: 'string', default: '64' },
  },
});
/** The committed vectors, found from the source tree or from a build under dist/. */
function readVectors(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const candidate = new URL('tests/vectors/bundle-v1.json', dir);
    if (existsSync(candidate)) return readFileSync(candidate, 'utf8');
  }
  throw new Error('tests/vectors/bundle-v1.json not found above this script');
}

const vectors = JSON.parse(readVectors()) as {
  trust: TrustFile;
  bundles: Record<'file' | 'record', ProofBundle>;
};

interface Figure {
  perSecond: number;
  /** Process CPU (every thread) per bundle: what a bundle costs when cores are shared. */
  cpuMicros: number;
  meanMicros: number;
  /** 1-minute load average before and after. */
  load: [number, number];
}

const load = (): number => Math.round(loadavg()[0]! * 100) / 100;

/** `verify` runs `inFlight` at a time for the configured seconds. */
async function measure(verify: () => Promise<VerifyResult>, inFlight: number): Promise<Figure> {
  const once = async (): Promise<void> => {
    const result = await verify();
    if (!result.ok) throw new Error(JSON.stringify(result.failures));
  };
  for (let i = 0; i < 500; i++) await once();
  const loadBefore = load();
  const until = performance.now() + Number(values.seconds) * 1000;
  let count = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await once();
        count++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    perSecond: Math.round(count / elapsed),
    cpuMicros: Math.round((cpu.user + cpu.system) / count),
    meanMicros: Math.round(((elapsed * inFlight) / count) * 1e6),
    load: [loadBefore, load()],
  };
}

const concurrency = Number(values.concurrency);
const poolInFlight = Number(values['pool-in-flight']);
const trustText = JSON.stringify(vectors.trust);
const pool = new VerifierPool({ trust: vectors.trust });
const figures: Record<string, Record<string, Figure>> = {};
for (const kind of ['file', 'record'] as const) {
  // Fresh parses each time: a verifier receives bundles as JSON text.
  const text = JSON.stringify(vectors.bundles[kind]);
  const onMainThread = (): Promise<VerifyResult> =>
    verifyBundle(JSON.parse(text), JSON.parse(trustText), nodeProofCrypto);
  figures[kind] = {
    sequential: await measure(onMainThread, 1),
    [`concurrent${concurrency}`]: await measure(onMainThread, concurrency),
    [`pool${poolInFlight}`]: await measure(() => pool.verify(text), poolInFlight),
  };
}
await pool.close();
const best = Math.min(
  ...['file', 'record'].map((kind) => figures[kind]![`pool${poolInFlight}`]!.perSecond),
);
const pooled = (kind: 'file' | 'record'): Figure => figures[kind]![`pool${poolInFlight}`]!;
report(
  {
    bench: 'proof-verify',
    node: process.version,
    cpus: availableParallelism(),
    signaturesPerBundle: 4,
    fileBundle: figures.file,
    recordBundle: figures.record,
    target: 5000,
    meetsTarget: best >= 5000,
  },
  `bench:proof: ${poolInFlight} in flight on the verifier pool: file bundles ${pooled('file').perSecond}/s ` +
    `(${pooled('file').cpuMicros} CPU-µs each), record bundles ${pooled('record').perSecond}/s ` +
    `(${pooled('record').cpuMicros} CPU-µs each); target 5000/s ${best >= 5000 ? 'met' : 'NOT met'}; ` +
    `${availableParallelism()} cores, load ${pooled('file').load[0]}->${pooled('record').load[1]}`,
);
