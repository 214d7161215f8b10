/**
 * Durability tests' witness: records, in order, every batch any level database in this process
 * writes (its location, keys and whether it was synced), so a test can check that an
 * acknowledgement was preceded by the fsyncs it needs. kill -9 keeps the page cache; this is how
 * a missing fsync shows without pulling the power.
 */
import { Level } from 'level';

export interface Write {
  location: string;
  keys: string[];
  sync: boolean;
}

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
  proto._batch = function (ops, options, cb) {
    writes.push({
      location: this.location,
      keys: ops.map((o) => String(o.key)),
      sync: options.sync === true,
    });
    return original.call(this, ops, options, cb);
  };
  return { writes, stop: () => (proto._batch = original) };
}
