/**
 * A ./pool.ts worker: verifies each batch of bundles in order, signatures on this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { verifyBundle, type VerifyResult } from '@shulian/proof/bundle';
import { nodeProofCryptoSync } from '@shulian/proof/node';
import type { VerifyDone, VerifyJob } from './verify-pool.js';

const { trust } = workerData as { trust: unknown };

async function verifyJob({ bundleJson, held }: VerifyJob): Promise<VerifyResult> {
  let bundle: unknown;
  try {
    bundle = JSON.parse(bundleJson);
  } catch (error) {
    return {
      ok: false,
      failures: [{ check: 'bundle', message: `not JSON: ${(error as Error).message}` }],
    };
  }
  return verifyBundle(bundle, trust, nodeProofCryptoSync, held);
}

parentPort?.on('message', (jobs: VerifyJob[]) => {
  void (async () => {
    const done: VerifyDone[] = [];
    for (const job of jobs) done.push({ id: job.id, result: await verifyJob(job) });
    parentPort?.postMessage(done);
  })();
});
