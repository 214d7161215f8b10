/**
 * Hashing a file in the browser, in a worker (hash-worker.ts) so the page stays responsive: the
 * file is read in slices there and fed to an incremental hash, so memory stays flat whatever the
 * file size and a progress bar can follow. Nothing is uploaded; only the hex digest comes back.
 */
import type { DigestAlgorithm } from '@shulian/proof/hash';
import type { HashJob, HashReply } from './hash-worker.js';

/** The worker's built file name, content-hashed; set by scripts/build-web.ts. */
declare const HASH_WORKER_URL: string;

/** Hashes `file`; aborting `signal` stops the worker at once and rejects with its reason. */
export function hashFile(
  file: Blob,
  algorithm: DigestAlgorithm,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const worker = new Worker(HASH_WORKER_URL, { type: 'module' });
    const stop = (): void => {
      worker.terminate();
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', stop, { once: true });
    const finish = (): void => {
      worker.terminate();
      signal?.removeEventListener('abort', stop);
    };
    worker.addEventListener('message', (event: MessageEvent<HashReply>) => {
      const message = event.data;
      if ('done' in message) onProgress(message.done, message.total);
      else {
        finish();
        if ('digest' in message) resolve(message.digest);
        else reject(new Error(message.error));
      }
    });
    worker.addEventListener('error', (event) => {
      finish();
      reject(new Error(event.message));
    });
    worker.postMessage({ file, algorithm } satisfies HashJob);
  });
}
