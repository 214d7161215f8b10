/**
 * A ./record-leaves.ts thread: the leaves of the rows a hash thread hands it, replying once per
 * request, in order. It keeps the leaf writer of the last dataset it served (its salt key and the
 * column plans), since a stream's rows come in many requests.
 */
import { parentPort } from 'node:worker_threads';
import { bytesEqual, type DigestAlgorithm } from '@shulian/proof/hash';
import { anchoringScheme, nodeHashes } from '@shulian/proof/node';
import { RecordLeaves } from '@shulian/proof/records';
import type { LeavesReply, LeavesRequest } from './record-leaves.js';

/** Not the request itself: that would keep its rows (up to a slot of text) alive until the next. */
let last: { algorithm: DigestAlgorithm; secret: Uint8Array; leaves: RecordLeaves } | null = null;

function leavesFor(request: LeavesRequest): RecordLeaves {
  if (last?.algorithm !== request.algorithm || !bytesEqual(last.secret, request.secret))
    last = {
      algorithm: request.algorithm,
      secret: request.secret,
      leaves: new RecordLeaves(
        nodeHashes[request.algorithm],
        request.secret,
        anchoringScheme(request.algorithm),
      ),
    };
  return last.leaves;
}

parentPort?.on('message', (request: LeavesRequest) => {
  let reply: LeavesReply;
  try {
    const leaves = leavesFor(request).leavesOfRows(
      request.format,
      request.header,
      request.rows,
      request.first,
    );
    reply = { ok: true, leaves };
  } catch (error) {
    reply = { ok: false, message: (error as Error).message, syntax: error instanceof SyntaxError };
  }
  parentPort?.postMessage(reply, reply.ok ? [reply.leaves.buffer as ArrayBuffer] : []);
});
