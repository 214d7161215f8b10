/**
 * A second thread for the records of tabular uploads, used by the hash threads (./hash-worker.ts).
 *
 * A record's leaf costs a few dozen short hashes, so a table's records are bound by one core,
 * while the hash thread's other work (the file digest and chunk tree, native SHA-256) is light and
 * the event loop mostly waits on the socket. Rows are split on the hash thread (the row ends depend
 * on everything before them, quotes included), then part of each batch of rows goes to this thread
 * with the index of its first record, and both compute leaves at once. Its leaves come back in
 * order; the hash thread builds the one record tree. Started on first use, unreferenced while idle,
 * and only where there is a second core.
 */
import { availableParallelism } from 'node:os';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import type { RecordFormat, Rows } from '@shulian/proof/records';
import { orderedWorker, startWorker } from '../threads.js';

export interface LeavesRequest {
  algorithm: DigestAlgorithm;
  secret: Uint8Array;
  format: RecordFormat;
  header: readonly string[] | null;
  rows: Rows;
  /** the record index of the first row */
  first: number;
}

export type LeavesReply =
  { ok: true; leaves: Uint8Array } | { ok: false; message: string; syntax: boolean };

export interface LeavesThread {
  /**
   * The rows' leaves, 32 bytes each, in order.
   * @throws SyntaxError naming the line, when a row is not the format; Error when the thread failed
   */
  leaves(request: LeavesRequest): Promise<Uint8Array>;
}

function startLeavesThread(onGone: () => void): LeavesThread {
  const thread = orderedWorker<LeavesRequest, LeavesReply>(
    startWorker(import.meta.url, 'record-leaves-worker', {
      // Batches of rows under 1 Mi characters each (./hash-worker.ts keeps longer ones). The
      // young generation's limit yields to --max-semi-space-size where node is given it
      // (./hash-threads.ts).
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    }),
    (error) => ({
      ok: false,
      message: `record leaves thread failed: ${error.message}`,
      syntax: false,
    }),
    onGone,
  );
  return {
    async leaves(request) {
      const reply = await thread.ask(request);
      if (reply.ok) return reply.leaves;
      throw reply.syntax ? new SyntaxError(reply.message) : new Error(reply.message);
    },
  };
}

let thread: LeavesThread | null = null;

/** The process's (this hash thread's) records helper, or null on a single core. */
export function leavesThread(): LeavesThread | null {
  if (availableParallelism() < 2) return null;
  if (!thread) {
    const started = startLeavesThread(() => {
      if (thread === started) thread = null;
    });
    thread = started;
  }
  return thread;
}
