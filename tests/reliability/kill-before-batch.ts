/**
 * Preloaded (`--import`) into a crash test's child process: SIGKILLs the process at the moment one
 * ledger's level database is about to write the batch that indexes one block, that is after the
 * block's bytes were written and fsynced to its block file and before level knows of them, the
 * one point the block file's recovery exists for (network/embedded/block-file.ts). Configured by
 * SHULIAN_KILL_BEFORE_BATCH=<level location>:<block number>.
 */
import path from 'node:path';
import { Level } from 'level';
import { logSpanKey } from '../../network/embedded/orderer.js';
import { blockKey } from '../../network/embedded/store.js';

const setting = process.env.SHULIAN_KILL_BEFORE_BATCH ?? '';
const at = setting.lastIndexOf(':');
if (at < 0) throw new Error('SHULIAN_KILL_BEFORE_BATCH=<level location>:<block number>');
const location = path.resolve(setting.slice(0, at));
const n = Number(setting.slice(at + 1));
// A node's spans are in the sublevel 'spans'; the orderer's log keys them by logSpanKey.
const spanKeys = new Set([logSpanKey(n), `!spans!${blockKey(n)}`]);

type BatchFn = (this: { location: string }, ops: { key: unknown }[], ...rest: unknown[]) => unknown;
const proto = Level.prototype as unknown as { _batch: BatchFn };
const batch = proto._batch;
proto._batch = function (ops, ...rest) {
  if (path.resolve(this.location) === location && ops.some((o) => spanKeys.has(String(o.key))))
    process.kill(process.pid, 'SIGKILL');
  return batch.call(this, ops, ...rest);
};
