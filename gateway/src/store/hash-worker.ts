/**
 * A ./hash-threads.ts thread: keeps the streams it was given and hashes the regions of shared
 * memory it is pointed at, replying once per request, in order.
 */
import { parentPort } from 'node:worker_threads';
import { ChunkRootBuilder } from '@shulian/proof/chunks';
import { toHex } from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';
import type { HashJob, HashReply, HashRequest } from './hash-threads.js';

interface Stream {
  bytes: Uint8Array;
  update(data: Uint8Array): void;
  finish(): string;
}

function start(job: HashJob, memory: SharedArrayBuffer): Stream {
  const hash = nodeHashes[job.algorithm];
  const bytes = new Uint8Array(memory);
  if (job.kind === 'chunks') {
    const tree = new ChunkRootBuilder(hash, job.chunkSize);
    return { bytes, update: (data) => tree.update(data), finish: () => tree.finish() };
  }
  const digest = hash.create();
  return {
    bytes,
    update: (data) => void digest.update(data),
    finish: () => toHex(digest.digest()),
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
    return { ok: true, result: stream.finish() };
  }
  const { offset, length } = request;
  if (offset < 0 || length < 0 || offset + length > stream.bytes.length) {
    streams.delete(request.id);
    return { ok: false, message: `region ${offset}+${length} is outside the shared memory` };
  }
  stream.update(stream.bytes.subarray(offset, offset + length));
  return { ok: true };
}

parentPort?.on('message', (request: HashRequest) => {
  let reply: HashReply;
  try {
    reply = handle(request);
  } catch (error) {
    streams.delete(request.id);
    reply = { ok: false, message: (error as Error).message };
  }
  parentPort?.postMessage(reply);
});
