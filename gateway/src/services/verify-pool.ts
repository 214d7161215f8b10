/**
 * Verifies many bundles against one trust file on every core: each worker thread runs the whole
 * `verifyBundle` with signatures checked synchronously (./verify-worker.ts). Node-only.
 *
 * Whole bundles rather than single signatures go to the workers, so the third of the work that is
 * not signatures (parsing, schema, canonical encoding, hashing) leaves the main thread too; a
 * bundle travels as its JSON text, one string copy, parsed once in the worker. Jobs asked for in
 * one event-loop turn go out as one message per worker.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads.js';
import type { HeldSubject, VerifyResult } from '@shulian/proof/bundle';

export interface VerifyJob {
  id: number;
  bundleJson: string;
  held: HeldSubject | undefined;
}

export interface VerifyDone {
  id: number;
  result: VerifyResult;
}

export interface VerifierPoolOptions {
  /** Every job's trust file, as `verifyBundle` takes it: checked against its schema each time. */
  trust: unknown;
  /** Worker threads; one per core by default. */
  threads?: number;
}

/** A worker and the jobs it holds, so a crash fails exactly those. */
interface Slot {
  worker: Worker;
  inFlight: Map<number, (result: VerifyResult) => void>;
}

export class VerifierPool {
  private readonly slots: Slot[];
  private queue: { job: VerifyJob; resolve: (result: VerifyResult) => void }[] = [];
  private nextId = 0;
  private lastError: Error | undefined;

  constructor(private readonly options: VerifierPoolOptions) {
    const threads = options.threads ?? availableParallelism();
    this.slots = Array.from({ length: Math.max(1, threads) }, () => this.spawn());
  }

  /**
   * `verifyBundle(JSON.parse(bundleJson), trust, node:crypto, held)` on a worker; text that is
   * not JSON fails the `bundle` check. Like `verifyBundle`, never rejects.
   */
  verify(bundleJson: string, held?: HeldSubject): Promise<VerifyResult> {
    return new Promise((resolve) => {
      if (this.queue.length === 0) queueMicrotask(() => this.dispatch());
      this.queue.push({ job: { id: this.nextId++, bundleJson, held }, resolve });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private failure(): VerifyResult {
    const message = `verifier thread failed: ${this.lastError?.message ?? 'no threads'}`;
    return { ok: false, failures: [{ check: 'verifier', message }] };
  }

  /** Shares the turn's jobs among workers, fewest jobs in hand first. */
  private dispatch(): void {
    const queue = this.queue;
    this.queue = [];
    if (this.slots.length === 0) {
      for (const { resolve } of queue) resolve(this.failure());
      return;
    }
    const batches = new Map<Slot, VerifyJob[]>();
    for (const { job, resolve } of queue) {
      const slot = this.slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      slot.inFlight.set(job.id, resolve);
      let batch = batches.get(slot);
      if (!batch) batches.set(slot, (batch = []));
      batch.push(job);
    }
    for (const [slot, batch] of batches) {
      slot.worker.ref();
      slot.worker.postMessage(batch);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(import.meta.url, 'verify-worker', {
      workerData: { trust: this.options.trust },
    });
    const slot: Slot = { worker, inFlight: new Map() };
    worker.unref();
    worker.on('message', (done: VerifyDone[]) => {
      for (const { id, result } of done) {
        slot.inFlight.get(id)?.(result);
        slot.inFlight.delete(id);
      }
      // An idle pool must not keep the process alive.
      if (slot.inFlight.size === 0) worker.unref();
    });
    // A worker that fails is gone: its jobs fail, later ones go to the others. No respawn, so a
    // worker that cannot start does not loop; with none left, jobs fail at once.
    worker.on('error', (error) => {
      this.lastError = error;
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const resolve of slot.inFlight.values()) resolve(this.failure());
    });
    return slot;
  }
}
