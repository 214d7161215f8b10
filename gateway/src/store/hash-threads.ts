/**
 * Hashing on worker threads, over bytes in shared memory. An upload's file digest and its chunk
 * tree each cost a full pass of SHA-256 (or SM3) over the bytes; on the event loop, beside the
 * socket, they were the upload's bottleneck. Here each stream hash runs on a hash thread, reading
 * the bytes where the store put them (a SharedArrayBuffer), so nothing is copied per hash. A
 * tabular upload's records are parsed and committed there too: a few dozen short hashes per
 * record held the event loop for hundreds of milliseconds per megabyte. Where there is a second
 * core, a hash thread shares each batch of a table's rows with its own records thread
 * (./record-leaves.ts).
 *
 * Threads are process-wide, started on first use and unreferenced while idle, so they never keep
 * the process alive. A thread that dies fails exactly the streams it held; the next stream starts
 * a fresh one.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import {
  RecordTooLargeError,
  type RecordCommitment,
  type RecordFormat,
} from '@shulian/proof/records';
import { orderedWorker, startWorker, type OrderedWorker } from '../threads.js';

export type HashJob =
  | { kind: 'digest'; algorithm: DigestAlgorithm }
  | { kind: 'chunks'; algorithm: DigestAlgorithm; chunkSize: number }
  | { kind: 'records'; algorithm: DigestAlgorithm; format: RecordFormat; secret: Uint8Array };

/** Messages to a hash thread; each gets exactly one HashReply, in order. */
export type HashRequest =
  | { op: 'open'; id: number; job: HashJob; memory: SharedArrayBuffer }
  | { op: 'update'; id: number; offset: number; length: number }
  | { op: 'finish'; id: number }
  | { op: 'close'; id: number };

/**
 * `result` is the hex digest or chunk root, on `finish`; a records job answers each `update` with
 * the leaves of the records it completed (32 bytes each, in order, in blocks) and `finish` with
 * the last leaves and the commitment. A failure says whether the bytes were not the format (`syntax`), not
 * UTF-8 text (`encoding`) or held a record too long to anchor by record (`too-large`): the
 * upload's fault, not the thread's.
 */
export type HashFault = 'syntax' | 'encoding' | 'too-large';
export type HashReply =
  | { ok: true; result?: string; leaves?: Uint8Array[]; records?: RecordCommitment }
  | { ok: false; message: string; fault?: HashFault };

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

/**
 * A failed reply as the error the same failure would have thrown on this thread: the record
 * parser's SyntaxError or RecordTooLargeError, TextDecoder's encoding error, or a HashThreadError.
 */
/** The line a record parser's message names ("line 7: …"). */
const recordLine = (message: string): number => Number(/^line (\d+)/.exec(message)?.[1] ?? 0);

function replyError(reply: { message: string; fault?: HashFault }): Error {
  if (reply.fault === 'too-large') return new RecordTooLargeError(recordLine(reply.message));
  if (reply.fault === 'syntax') return new SyntaxError(reply.message);
  if (reply.fault === 'encoding')
    return Object.assign(new TypeError(reply.message), {
      code: 'ERR_ENCODING_INVALID_ENCODED_DATA',
    });
  return new HashThreadError(reply.message);
}

class HashThread {
  readonly worker: Worker;
  streams = 0;
  private readonly thread: OrderedWorker<HashRequest, HashReply>;

  constructor(onGone: (thread: HashThread) => void) {
    // Limits, not reservations: with 1 MiB chunks a thread allocates almost nothing, and a tiny
    // chunk size (millions of leaves) still fits.
    this.thread = orderedWorker<HashRequest, HashReply>(
      startWorker(import.meta.url, 'hash-worker', {
        // A record is held whole while it is committed, a few copies of it (the row as text, its
        // JSON, its bytes): 512 MiB lets the longest record anchored (MAX_RECORD_CHARS, 64 Mi
        // characters) through; at 128 MiB a 32 MiB row ended the thread and failed every upload on it.
        // The young generation's limit holds only where node runs without --max-semi-space-size:
        // V8 gives that flag's semi-space to every isolate, workers included, whatever their
        // resourceLimits, so under npm start (8 MiB) each thread has 16 MiB of young generation.
        // Smaller measured lower peak RSS and fewer records/s (README, performance).
        resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 },
      }),
      (error) => ({ ok: false, message: `hash thread failed: ${error.message}` }),
      () => onGone(this),
    );
    this.worker = this.thread.worker;
  }

  ask(request: HashRequest): Promise<HashReply> {
    return this.thread.ask(request);
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

type Done = Extract<HashReply, { ok: true }>;

async function expect(reply: Promise<HashReply>): Promise<Done> {
  const r = await reply;
  if (!r.ok) throw replyError(r);
  return r;
}

/**
 * Starts `job` over regions of `memory`, on the hash thread with the fewest streams. A records
 * job's leaves go to `onLeaves` as each update completes, in order.
 */
export function openStreamHash(
  memory: SharedArrayBuffer,
  job: HashJob,
  onLeaves?: (leaves: Uint8Array) => void,
): StreamHash {
  return openStream(memory, job, onLeaves).stream;
}

/**
 * Parses and commits the records of the bytes given, on a hash thread: each update's complete
 * records' leaves go to `onLeaves`, in order; `commitment()` resolves after `finish()`.
 */
export function openRecordStream(
  memory: SharedArrayBuffer,
  job: Extract<HashJob, { kind: 'records' }>,
  onLeaves: (leaves: Uint8Array) => void,
): StreamHash & { commitment(): RecordCommitment } {
  const { stream, last } = openStream(memory, job, onLeaves);
  return {
    ...stream,
    commitment() {
      const records = last()?.records;
      if (!records) throw new HashThreadError('the records stream is not finished');
      return records;
    },
  };
}

function openStream(
  memory: SharedArrayBuffer,
  job: HashJob,
  onLeaves?: (leaves: Uint8Array) => void,
): { stream: StreamHash; last: () => Done | undefined } {
  const thread = leastBusy();
  const id = nextId++;
  thread.streams++;
  const opened = expect(thread.ask({ op: 'open', id, job, memory }));
  let released = false;
  let finished: Done | undefined;
  const release = (): void => {
    if (!released) thread.streams--;
    released = true;
  };
  // Replies come in the order asked, so leaves reach onLeaves in record order.
  const ask = (request: HashRequest): Promise<Done> =>
    expect(thread.ask(request)).then((reply) => {
      for (const block of reply.leaves ?? []) onLeaves?.(block);
      return reply;
    });
  const stream: StreamHash = {
    async update(offset, length) {
      await Promise.all([opened, ask({ op: 'update', id, offset, length })]);
    },
    async finish() {
      try {
        await opened;
        finished = await ask({ op: 'finish', id });
        if (finished.result === undefined) throw new HashThreadError('hash thread gave no result');
        return finished.result;
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
  return { stream, last: () => finished };
}

/** Stops every hash thread; the next stream starts a fresh one. */
export async function stopHashThreads(): Promise<void> {
  await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
}
