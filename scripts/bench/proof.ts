/**
 * Offline proof verification throughput: full verifyBundle (schema, anchor, record proof,
 * transaction ids, Merkle path, client + endorser + orderer ECDSA signatures, certificate chains)
 * on the committed vector bundles with node:crypto, one verification at a time on one thread.
 * Certificate-chain results are cached by the node crypto (as a verifier of many bundles from one
 * network would); every signature is checked every time. Signature checks run in libuv's thread
 * pool, so a verifier with several bundles in flight uses every core: measured with one bundle at
 * a time and with `--concurrency` in flight.
 *
 *   npx tsx scripts/bench/proof.ts [--seconds 5] [--concurrency 16]
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { verifyBundle, type ProofBundle, type TrustFile } from '../../gateway/src/proof/bundle.js';
import { nodeProofCrypto } from '../../gateway/src/proof/node.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
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

async function measure(
  bundle: ProofBundle,
  inFlight: number,
): Promise<{ perSecond: number; meanMicros: number; perCpuSecond: number }> {
  // Fresh parses each time: a verifier receives bundles as JSON text.
  const text = JSON.stringify(bundle);
  const trust = JSON.stringify(vectors.trust);
  const once = async (): Promise<void> => {
    const result = await verifyBundle(JSON.parse(text), JSON.parse(trust), nodeProofCrypto);
    if (!result.ok) throw new Error(JSON.stringify(result.failures));
  };
  for (let i = 0; i < 200; i++) await once();
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
    // Process CPU time (event loop and thread pool): what a bundle costs when cores are shared.
    perCpuSecond: Math.round(count / ((cpu.user + cpu.system) / 1e6)),
    perSecond: Math.round(count / elapsed),
    meanMicros: Math.round(((elapsed * inFlight) / count) * 1e6),
  };
}

const concurrency = Number(values.concurrency);
const results = {
  file: { sequential: await measure(vectors.bundles.file, 1) },
  record: { sequential: await measure(vectors.bundles.record, 1) },
};
const concurrent = {
  file: await measure(vectors.bundles.file, concurrency),
  record: await measure(vectors.bundles.record, concurrency),
};
const best = Math.min(concurrent.file.perSecond, concurrent.record.perSecond);
console.log(
  JSON.stringify(
    {
      bench: 'proof-verify',
      node: process.version,
      cpus: availableParallelism(),
      signaturesPerBundle: 4,
      fileBundle: { ...results.file, [`concurrent${concurrency}`]: concurrent.file },
      recordBundle: { ...results.record, [`concurrent${concurrency}`]: concurrent.record },
      target: 5000,
      meetsTarget: best >= 5000,
    },
    null,
    2,
  ),
);
