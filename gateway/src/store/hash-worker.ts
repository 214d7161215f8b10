/**
 * A ./hash-threads.ts thread: keeps the streams it was given and hashes the regions of shared
 * memory it is pointed at, replying once per request, in order.
 */
import { parentPort } from 'node:worker_threads';
import { ChunkRootBuilder } from '@shulian/proof/chunks';
import { HASH_BYTES, toHex } from '@shulian/proof/hash';
import { MerkleRootBuilder } from '@shulian/proof/merkle';
import { anchoringScheme, nodeHashes } from '@shulian/proof/node';
import { RecordLeaves, RecordParser, RecordTooLargeError, type Rows } from '@shulian/proof/records';
import type { HashFault, HashJob, HashReply, HashRequest } from './hash-threads.js';
import { leavesThread } from './record-leaves.js';

/** What an update or finish answers besides ok: a records stream's leaves and commitment. */
type Answer = Omit<Extract<HashReply, { ok: true }>, 'ok'>;

interface Stream {
  bytes: Uint8Array;
  update(data: Uint8Array): Answer | void | Promise<Answer>;
  finish(): Answer | Promise<Answer>;
}

/** Below this many rows in one update, handing some to the other thread costs more than it saves. */
const SPLIT_ROWS = 256;
/** The other thread's share of a batch: this one also splits the rows and builds the tree. */
const HELPER_SHARE = 0.55;

/**
 * A batch with a row this long stays on this thread, whose heap is sized for the longest record;
 * the records thread's is sized for batches of ordinary rows.
 */
const LONG_ROW_CHARS = 1 << 20;
const holdsLongRow = (rows: Rows): boolean => rows.texts.some((t) => t.length > LONG_ROW_CHARS);

const sliceRows = (rows: Rows, from: number, to: number): Rows => ({
  texts: rows.texts.slice(from, to),
  lines: rows.lines.slice(from, to),
});

/**
 * A records stream: rows are split here and their leaves computed here and, where there is a
 * second core, on ./record-leaves.ts's thread; the leaves completed by each update travel back
 * with its reply, in record order.
 */
function recordsStream(job: Extract<HashJob, { kind: 'records' }>, bytes: Uint8Array): Stream {
  const hash = nodeHashes[job.algorithm];
  const parser = new RecordParser(job.format);
  const scheme = anchoringScheme(job.algorithm);
  const leaves = new RecordLeaves(hash, job.secret, scheme);
  const tree = new MerkleRootBuilder(hash);
  // The blocks go back as they are (each its own buffer, moved with the reply): joining them cost
  // a copy of every leaf, and as much garbage, on each side.
  let done: Uint8Array[] = [];
  const add = (block: Uint8Array): void => {
    // The tree keeps the leaf it was last given until the next one comes (../../../proof/src/
    // merkle.ts), and the block's buffer leaves this thread with the reply: that leaf is a copy.
    const last = block.length - HASH_BYTES;
    for (let at = 0; at < last; at += HASH_BYTES) tree.append(block.subarray(at, at + HASH_BYTES));
    if (last >= 0) tree.append(block.slice(last));
    if (block.length > 0) done.push(block);
  };
  const take = (): Uint8Array[] => {
    const out = done;
    done = [];
    return out;
  };
  async function commit(rows: Rows): Promise<void> {
    const { format, algorithm, secret } = job;
    const header = parser.columns;
    const first = tree.size;
    const count = rows.texts.length;
    const helper = count >= SPLIT_ROWS && !holdsLongRow(rows) ? leavesThread() : null;
    if (!helper) {
      add(leaves.leavesOfRows(format, header, rows, first));
      return;
    }
    const mine = Math.floor(count * (1 - HELPER_SHARE));
    const theirs = helper.leaves({
      algorithm,
      secret,
      format,
      header,
      rows: sliceRows(rows, mine, count),
      first: first + mine,
    });
    let local: Uint8Array;
    try {
      local = leaves.leavesOfRows(format, header, sliceRows(rows, 0, mine), first);
    } catch (error) {
      // The first bad row in order is the one reported; the other thread's answer is dropped.
      theirs.catch(() => undefined);
      throw error;
    }
    add(local);
    add(await theirs);
  }
  return {
    bytes,
    async update(data) {
      await commit(parser.pushRows(data));
      return { leaves: take() };
    },
    async finish() {
      await commit(parser.endRows());
      const root = toHex(tree.root());
      return {
        leaves: take(),
        records: { algorithm: hash.algorithm, root, count: tree.size, version: scheme.version },
        result: root,
      };
    },
  };
}

function start(job: HashJob, memory: SharedArrayBuffer): Stream {
  const hash = nodeHashes[job.algorithm];
  const bytes = new Uint8Array(memory);
  if (job.kind === 'records') return recordsStream(job, bytes);
  if (job.kind === 'chunks') {
    const tree = new ChunkRootBuilder(hash, job.chunkSize);
    return {
      bytes,
      update: (data) => void tree.update(data),
      finish: () => ({ result: tree.finish() }),
    };
  }
  const digest = hash.create();
  return {
    bytes,
    update: (data) => void digest.update(data),
    finish: () => ({ result: toHex(digest.digest()) }),
  };
}

const streams = new Map<number, Stream>();

async function handle(request: HashRequest): Promise<HashReply> {
  if (request.op === 'open') {
    streams.set(request.id, start(request.job, request.memory));
    return { ok: true };
  }
  if (request.op === 'close') {
    streams.delete(request.id);
    return { ok: true };
  }
  const stream = streams.get(request.id);
  if (!stream) return { ok: false, message: `no stream ${request.id}` };
  if (request.op === 'finish') {
    streams.delete(request.id);
    return { ok: true, ...(await stream.finish()) };
  }
  const { offset, length } = request;
  if (offset < 0 || length < 0 || offset + length > stream.bytes.length) {
    streams.delete(request.id);
    return { ok: false, message: `region ${offset}+${length} is outside the shared memory` };
  }
  return { ok: true, ...(await stream.update(stream.bytes.subarray(offset, offset + length))) };
}

/** The kind of failure, for the caller to rethrow as this thread's error would have been. */
function faultOf(error: unknown): HashFault | undefined {
  if (error instanceof RecordTooLargeError) return 'too-large';
  if (error instanceof SyntaxError) return 'syntax';
  if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return 'encoding';
  return undefined;
}

async function respond(request: HashRequest): Promise<void> {
  let reply: HashReply;
  try {
    reply = await handle(request);
  } catch (error) {
    streams.delete(request.id);
    const fault = faultOf(error);
    reply = { ok: false, message: (error as Error).message, ...(fault ? { fault } : {}) };
  }
  // Leaves are the thread's own, each block in a buffer of its own: moved, not copied.
  const leaves = reply.ok ? (reply.leaves ?? []) : [];
  parentPort?.postMessage(
    reply,
    leaves.map((block) => block.buffer as ArrayBuffer),
  );
}

// One request at a time, in the order received: each gets exactly one reply, in order, and a
// records update may wait for the other thread's leaves.
let queue = Promise.resolve();
parentPort?.on('message', (request: HashRequest) => {
  queue = queue.then(() => respond(request));
});
