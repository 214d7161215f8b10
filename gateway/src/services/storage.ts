/**
 * Free space under the data directory, watched so that a full disk is reported and refused
 * cleanly instead of failing writes half way: below `minFreeBytes` the gateway is not ready and
 * API writes answer 507 INSUFFICIENT_STORAGE before they touch the store or the ledger. When
 * space returns, `onRecovered` runs (the runtime reconciles the store with the ledger, entering in
 * the anchor book versions whose commit raced the full disk) and everything resumes without a
 * restart.
 */
import { statfs } from 'node:fs/promises';

export interface StorageState {
  /** Bytes available to this process under the data directory. */
  freeBytes: number;
  minFreeBytes: number;
  full: boolean;
}

export interface StorageMonitor {
  /** The state at most `maxAgeMs` old (a statfs per request would be wasted work). */
  state(maxAgeMs?: number): Promise<StorageState>;
  /** Stops watching; waits for a reconciliation under way. */
  close(): Promise<void>;
}

/** How often free space is looked at while nobody asks. */
const POLL_MS = 2_000;

export function createStorageMonitor(
  dir: string,
  minFreeBytes: number,
  onRecovered: () => Promise<unknown>,
  onError: (err: unknown) => void = () => undefined,
): StorageMonitor {
  let last: { at: number; state: StorageState } | undefined;
  let checking: Promise<StorageState> | undefined;
  let recovering: Promise<unknown> = Promise.resolve();

  const check = (): Promise<StorageState> =>
    (checking ??= (async () => {
      const fs = await statfs(dir);
      const freeBytes = Number(fs.bavail) * Number(fs.bsize);
      const state = { freeBytes, minFreeBytes, full: freeBytes < minFreeBytes };
      const wasFull = last?.state.full === true;
      last = { at: Date.now(), state };
      if (wasFull && !state.full)
        recovering = recovering.then(onRecovered).catch((err: unknown) => onError(err));
      return state;
    })().finally(() => {
      checking = undefined;
    }));

  const timer = setInterval(() => void check().catch(onError), POLL_MS);
  timer.unref();

  return {
    state(maxAgeMs = 1_000) {
      if (last && Date.now() - last.at <= maxAgeMs) return Promise.resolve(last.state);
      return check();
    },
    async close() {
      clearInterval(timer);
      await recovering;
    },
  };
}
