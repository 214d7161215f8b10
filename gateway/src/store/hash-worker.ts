/**
 * A ./hash-threads.ts thread: keeps the streams it was given and hashes the regions of shared
 * memory it is pointed at, replying once per request, in order.
 */
import { parentPort } from 'node:worker_threads';
import { ChunkRootBuilder } from '@shulian/proof/chunks';
import { toHex } from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';
import { RecordCommitmentBuilder, RecordTooLargeError } from '@shulian/proof/records';
import type { HashFault, HashJob, HashReply, HashRequest } from './hash-threads.js';

/** What an update or finish answers besides ok: a records stream's leaves and commitment. */
type Answer = Omit<Extract<HashReply, { ok: true }>, 'ok'>;

interface Stream {
  bytes: Uint8Array;
  update(data: Uint8Array): Answer | void;
  finish(): Answer;
}

/** A records stream: the leaves completed by each update travel back with its reply. */
function recordsStream(job: Extract<HashJob, { kind: 'records' }>, bytes: Uint8Array): Stream {
  let leaves: Uint8Array[] = [];
  const builder = new RecordCommitmentBuilder(
    nodeHashes[job.algorithm],
    job.format,
    job.secret,
    (leaf) => leaves.push(leaf),
  );
  const take = (): Uint8Array => {
    const out = new Uint8Array(leaves.length * 32);
    leaves.forEach((leaf, i) => out.set(leaf, i * 32));
    leaves = [];
    return out;
  };
  return {
    bytes,
    update(data) {
      builder.update(data);
      return { leaves: take() };
    },
    finish() {
      const records = builder.finish();
      return { leaves: take(), records, result: records.root };
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

function handle(request: HashRequest): HashReply {
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
    return { ok: true, ...stream.finish() };
  }
  const { offset, length } = request;
  if (offset < 0 || length < 0 || offset + length > stream.bytes.length) {
    streams.delete(request.id);
    return { ok: false, message: `region ${offset}+${length} is outside the shared memory` };
  }
  return { ok: true, ...stream.update(stream.bytes.subarray(offset, offset + length)) };
}

/** The kind of failure, for the caller to rethrow as this thread's error would have been. */
function faultOf(error: unknown): HashFault | undefined {
  if (error instanceof RecordTooLargeError) return 'too-large';
  if (error instanceof SyntaxError) return 'syntax';
  if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return 'encoding';
  return undefined;
}

parentPort?.on('message', (request: HashRequest) => {
  let reply: HashReply;
  try {
    reply = handle(request);
  } catch (error) {
    streams.delete(request.id);
    const fault = faultOf(error);
    reply = { ok: false, message: (error as Error).message, ...(fault ? { fault } : {}) };
  }
  // Leaves are the thread's own: moved, not copied.
  const leaves = reply.ok ? reply.leaves : undefined;
  parentPort?.postMessage(reply, leaves ? [leaves.buffer as ArrayBuffer] : []);
});
