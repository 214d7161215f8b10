/**
 * Durability tests' witness: records, in order, every batch any level database in this process
 * writes (its location, keys and whether it was synced) and every fsync of a file (its path, no
 * keys), so a test can check that an acknowledgement was preceded by the fsyncs it needs. kill -9
 * keeps the page cache; this is how a missing fsync shows without pulling the power.
 */
import { readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { BLOCK_FILE } from '../../network/embedded/block-file.js';

export interface Write {
  location: string;
  keys: string[];
  sync: boolean;
}

/** FileHandle is not exported; its prototype is taken from a handle. */
const handle = await open(fileURLToPath(import.meta.url), 'r');
const fileProto = Object.getPrototypeOf(handle) as {
  sync: (this: { fd: number }) => Promise<void>;
  datasync: (this: { fd: number }) => Promise<void>;
};
await handle.close();

type BatchFn = (
  this: { location: string },
  ops: { key: string }[],
  options: { sync?: boolean },
  cb: unknown,
) => unknown;
const proto = Level.prototype as unknown as { _batch: BatchFn };

export function recordWrites(): { writes: Write[]; stop: () => void } {
  const writes: Write[] = [];
  const original = proto._batch;
  const { sync, datasync } = fileProto;
  const synced = (fd: number): void => {
    writes.push({ location: readlinkSync(`/proc/self/fd/${fd}`), keys: [], sync: true });
  };
  fileProto.sync = function () {
    synced(this.fd);
    return sync.call(this);
  };
  fileProto.datasync = function () {
    synced(this.fd);
    return datasync.call(this);
  };
  proto._batch = function (ops, options, cb) {
    writes.push({
      location: this.location,
      keys: ops.map((o) => String(o.key)),
      sync: options.sync === true,
    });
    return original.call(this, ops, options, cb);
  };
  return {
    writes,
    stop: () => {
      proto._batch = original;
      Object.assign(fileProto, { sync, datasync });
    },
  };
}

/**
 * Whether the batch `writes[i]` was preceded, since its database's previous batch, by an fsync of
 * that database's block file: the block it commits was durable before the batch that names it.
 */
export function blockFileSyncedBefore(writes: Write[], i: number): boolean {
  const { location } = writes[i] as Write;
  const file = path.resolve(location, BLOCK_FILE);
  for (let j = i - 1; j >= 0; j--) {
    const w = writes[j] as Write;
    if (w.location === location) return false;
    if (w.sync && w.location === file) return true;
  }
  return false;
}
