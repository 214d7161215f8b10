/**
 * Hashing on worker threads, over bytes in shared memory. An upload's file digest and its chunk
 * tree each cost a full pass of SHA-256 (or SM3) over the bytes; on the event loop, beside the
 * socket, they were the upload's bottleneck. Here each stream hash runs on a hash thread, reading
 * the bytes where the store put them (a SharedArrayBuffer), so nothing is copied per hash.
 *
 * Threads are process-wide, started on first use and unreferenced while idle, so they never keep
 * the process alive. A thread that dies fails exactly the streams it held; the next stream starts
 * a fresh one.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import { startWorker } from '../threads.js';

export type HashJob =
  | { kind: 'digest'; algorithm: DigestAlgorithm }
  | { kind: 'chunks'; algorithm: DigestAlgorithm; chunkSize: number };

/** Messages to a hash thread; each gets exactly one HashReply, in order. */
export type HashRequest =
  | { op: 'open'; id: number; job: HashJob; memory: SharedArrayBuffer }
  | { op: 'update'; id: number; offset: number; length: number }
  | { op: 'finish'; id: number }
  | { op: 'close'; id: number };

/** `result` is the hex digest or chunk root, on `finish`. */
export type HashReply = { ok: true; result?: string } | { ok: false; message: string };

/** One hash over a stream of regions of a shared memory, computed on a hash thread. */
export interface StreamHash {
  /** Resolves once the region has been hashed, so the caller may reuse it. */
  update(offset: number, length: number): Promise<void>;
  /** The hex digest (or chunk root) of every region given, in order. */
  finish(): Promise<string>;
  /** Forgets the stream (after a failure); never rejects. */
  close(): Promise<void>;
}

export class HashThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HashThreadError';
  }
}

class HashThread {
  readonly worker: Worker;
  streams = 0;
  private readonly waiting: ((reply: HashReply) => void)[] = [];
  private failure: Error | null = null;

  constructor(onGone: (thread: HashThread) => void) {
    // Limits, not reservations: with 1 MiB chunks a thread allocates almost nothing, and a tiny
    // chunk size (millions of leaves) still fits.
    this.worker = startWorker(import.meta.url, 'hash-worker', {
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 },
    });
    this.worker.unref();
    this.worker.on('message', (reply: HashReply) => {
      this.waiting.shift()?.(reply);
      // An idle thread must not keep the process alive.
      if (this.waiting.length === 0) this.worker.unref();
    });
    const gone = (error: Error): void => {
      this.failure ??= error;
      onGone(this);
      for (const resolve of this.waiting.splice(0)) resolve(this.failed());
    };
    this.worker.on('error', gone);
    this.worker.on('exit', (code) => gone(new Error(`exited with code ${code}`)));
  }

  ask(request: HashRequest): Promise<HashReply> {
    if (this.failure) return Promise.resolve(this.failed());
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.ref();
      this.worker.postMessage(request);
    });
  }

  private failed(): HashReply {
    return { ok: false, message: `hash thread failed: ${this.failure?.message ?? 'unknown'}` };
  }
}

const threads: HashThread[] = [];
let nextId = 0;

/**
 * One core stays with the event loop (socket, disk, record parsing); an upload's two hashes share
 * the rest, two threads at most. On two cores that is one thread for both hashes, which measured
 * faster than two threads fighting the socket for the same cores.
 */
const threadLimit = (): number => Math.max(1, Math.min(2, availableParallelism() - 1));

function leastBusy(): HashThread {
  if (threads.length < threadLimit()) {
    const thread = new HashThread((gone) => {
      const at = threads.indexOf(gone);
      if (at >= 0) threads.splice(at, 1);
    });
    threads.push(thread);
    return thread;
  }
  return threads.reduce((a, b) => (b.streams < a.streams ? b : a));
}

async function expect(reply: Promise<HashReply>): Promise<string | undefined> {
  const r = await reply;
  if (!r.ok) throw new HashThreadError(r.message);
  return r.result;
}

/** Starts `job` over regions of `memory`, on the hash thread with the fewest streams. */
export function openStreamHash(memory: SharedArrayBuffer, job: HashJob): StreamHash {
  const thread = leastBusy();
  const id = nextId++;
  thread.streams++;
  const opened = expect(thread.ask({ op: 'open', id, job, memory }));
  let released = false;
  const release = (): void => {
    if (!released) thread.streams--;
    released = true;
  };
  return {
    async update(offset, length) {
      await Promise.all([opened, expect(thread.ask({ op: 'update', id, offset, length }))]);
    },
    async finish() {
      try {
        await opened;
        const result = await expect(thread.ask({ op: 'finish', id }));
        if (result === undefined) throw new HashThreadError('hash thread gave no result');
        return result;
      } finally {
        release();
      }
    },
    async close() {
      if (released) return;
      release();
      await thread.ask({ op: 'close', id });
    },
  };
}

/** Stops every hash thread; the next stream starts a fresh one. */
export async function stopHashThreads(): Promise<void> {
  await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
}
