/**
 * Files kept beside a record-anchored blob so that one record, the records of one subject and a
 * record's proof are found without reading the whole version (a query by subject against a
 * million records read and re-hashed all of them, twice):
 *
 *   <sha256>.offsets            where each record's row starts (float64 each, then the file size)
 *   <sha256>.levels             the record tree's levels above the leaves: level k holds the roots
 *                               of the aligned perfect subtrees of 2^k leaves, k = 1, 2, …
 *   <sha256>.subjects-<field>   the records by a column's value (a 32-bit hash of the value and
 *                               the record index in each uint64, sorted); candidates are checked
 *                               against the record itself, so a hash collision costs one read
 *
 * Each is built once, the first time it is needed, from the blob and its leaves file, written to
 * the store's tmp directory and renamed into place; none is trusted: a record read through the
 * offsets must parse as one record, and a proof's path must lead from the stored leaf to the
 * committed root, else the store answers RECORD_LEAVES_DAMAGED.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Json } from '@shulian/chaincode/canonical';
import { bytesEqual, HASH_BYTES, type HashFunction } from '@shulian/proof/hash';
import {
  auditPathRanges,
  nodeHash,
  verifyInclusion,
  type TreePosition,
} from '@shulian/proof/merkle';
import { RecordParser, type RecordFormat } from '@shulian/proof/records';

/** A record-anchored blob as the index reads it. */
export interface RecordFiles {
  /** Path of the blob's bytes; the other files are named after it. */
  blob: string;
  format: RecordFormat;
  count: number;
  hash: HashFunction;
  root: Uint8Array;
  /** Where partial files are written before they are renamed into place. */
  tmpDir: string;
}

/** Thrown when a kept file disagrees with the blob or the commitment (mapped by the store). */
export class RecordIndexDamaged extends Error {}

const NODES_PER_YIELD = 1 << 15;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every file this module may keep for `blob`, for removing them with it. */
export function indexFileSuffixes(): RegExp {
  return /\.(offsets|levels|subjects-[0-9a-f]{16})$/;
}

// One build per file at a time, however many queries ask for it.
const building = new Map<string, Promise<void>>();

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Runs `build` for `path` once at a time, however many readers ask for it meanwhile. */
async function once(path: string, build: () => Promise<void>): Promise<void> {
  let pending = building.get(path);
  if (!pending) {
    pending = build().finally(() => building.delete(path));
    building.set(path, pending);
  }
  await pending;
}

/** Keeps `bytes` at `path` (through a temporary file) unless it exists. */
async function keep(path: string, tmpDir: string, bytes: Uint8Array): Promise<void> {
  if (await exists(path)) return;
  const tmp = join(tmpDir, `${randomUUID()}.index`);
  try {
    await writeAll(tmp, [bytes]);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function writeAll(tmp: string, parts: Uint8Array[]): Promise<void> {
  const file = await open(tmp, 'wx');
  try {
    for (const part of parts) await file.write(part);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function readExactly(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new RecordIndexDamaged(`short read at ${position}`);
  return buffer;
}

/** The index key of a column value: FNV-1a over its UTF-16 code units, as the query compares it. */
function valueHash(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The value a query by subject compares: a string or number column, trimmed (else none). */
export function subjectValue(record: Json, field: string): string | null {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return null;
  const value = (record as Record<string, Json>)[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : null;
}

/**
 * Reads the blob once, row by row at the byte level (a newline ends a row unless inside CSV
 * quotes, as RecordParser decides), handing each record and where its row starts to `onRecord`.
 */
async function scanRecords(
  files: RecordFiles,
  onRecord: (index: number, record: Json, start: number) => void,
): Promise<number> {
  const parser = new RecordParser(files.format);
  const csv = files.format === 'csv';
  let index = 0;
  let rowStart = 0;
  let position = 0;
  let quoted = false;
  const take = (records: Json[]): void => {
    for (const record of records) onRecord(index++, record, rowStart);
  };
  for await (const data of createReadStream(files.blob, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Uint8Array>) {
    let from = 0;
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (csv && c === 0x22) quoted = !quoted;
      else if (c === 0x0a && !quoted) {
        take(parser.push(data.subarray(from, i + 1)));
        from = i + 1;
        rowStart = position + i + 1;
      }
    }
    if (from < data.length) take(parser.push(data.subarray(from)));
    position += data.length;
    await yieldToLoop();
  }
  take(parser.end());
  return position;
}

function offsetsPath(files: RecordFiles): string {
  return `${files.blob}.offsets`;
}

function subjectsPath(files: RecordFiles, field: string): string {
  return `${files.blob}.subjects-${createHash('sha256').update(field).digest('hex').slice(0, 16)}`;
}

/** Builds the offsets (if missing) and the index of `field` (if any) in one pass over the blob. */
async function buildIndexes(files: RecordFiles, field: string | null): Promise<void> {
  const offsets = new Float64Array(files.count + 1);
  const keys = new BigUint64Array(files.count);
  let seen = 0;
  const size = await scanRecords(files, (index, record, start) => {
    if (index >= files.count) throw new RecordIndexDamaged(`more than ${files.count} records`);
    offsets[index] = start;
    const value = field === null ? null : subjectValue(record, field);
    // Records without the column get the key of no value: never a candidate of a lookup but
    // kept so the index has one entry per record.
    keys[index] = (BigInt(value === null ? 0 : valueHash(value)) << 32n) | BigInt(index);
    seen = index + 1;
  });
  if (seen !== files.count) {
    throw new RecordIndexDamaged(`the blob has ${seen} records; ${files.count} were committed`);
  }
  offsets[files.count] = size;
  await keep(offsetsPath(files), files.tmpDir, new Uint8Array(offsets.buffer));
  if (field === null) return;
  keys.sort();
  await keep(subjectsPath(files, field), files.tmpDir, new Uint8Array(keys.buffer));
}

async function withFile<T>(path: string, use: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, 'r');
  try {
    return await use(file);
  } finally {
    await file.close();
  }
}

/** Record `index`, read through the offsets: the rows before the first record, then its own. */
async function readRecord(
  files: RecordFiles,
  offsets: FileHandle,
  blob: FileHandle,
  index: number,
) {
  const bounds = await readExactly(offsets, 16, index * 8);
  const start = bounds.readDoubleLE(0);
  const end = bounds.readDoubleLE(8);
  const first = index === 0 ? start : (await readExactly(offsets, 8, 0)).readDoubleLE(0);
  const parser = new RecordParser(files.format);
  const before = parser.push(await readExactly(blob, first, 0));
  const records = [...parser.push(await readExactly(blob, end - start, start)), ...parser.end()];
  if (before.length !== 0 || records.length !== 1) {
    throw new RecordIndexDamaged(`record ${index} is not where the offsets say`);
  }
  return records[0]!;
}

/** The records whose `field` is `value` (trimmed, as text), in order, with their indexes. */
export async function recordsWhere(
  files: RecordFiles,
  field: string,
  value: string,
): Promise<{ index: number; record: Record<string, Json> }[]> {
  const path = subjectsPath(files, field);
  if (!(await exists(path))) await once(path, () => buildIndexes(files, field));
  const wanted = BigInt(valueHash(value));
  const indexes = await withFile(path, async (keys) => {
    const entry = async (i: number) => (await readExactly(keys, 8, i * 8)).readBigUInt64LE(0);
    let lo = 0;
    let hi = files.count;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await entry(mid)) >> 32n < wanted) lo = mid + 1;
      else hi = mid;
    }
    const found: number[] = [];
    for (let i = lo; i < files.count; i++) {
      const key = await entry(i);
      if (key >> 32n !== wanted) break;
      found.push(Number(key & 0xffffffffn));
    }
    return found;
  });
  if (indexes.length === 0) return [];
  return withFile(offsetsPath(files), (offsets) =>
    withFile(files.blob, async (blob) => {
      const matches: { index: number; record: Record<string, Json> }[] = [];
      for (const index of indexes) {
        const record = await readRecord(files, offsets, blob, index);
        if (subjectValue(record, field) === value)
          matches.push({ index, record: record as Record<string, Json> });
      }
      return matches;
    }),
  );
}

/** Record `index` alone, through the offsets (built first if missing). */
export async function recordAt(files: RecordFiles, index: number): Promise<Json> {
  const offsets = offsetsPath(files);
  if (!(await exists(offsets))) await once(offsets, () => buildIndexes(files, null));
  return withFile(offsetsPath(files), (offsets) =>
    withFile(files.blob, (blob) => readRecord(files, offsets, blob, index)),
  );
}

/** Where level k ≥ 1 starts in the levels file, in nodes. */
function levelBase(count: number, level: number): number {
  let base = 0;
  for (let k = 1; k < level; k++) base += Math.floor(count / 2 ** k);
  return base;
}

/** Builds the levels from the leaves, yielding to the event loop every few thousand nodes. */
async function buildLevels(
  files: RecordFiles,
  leaves: AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const { count, hash } = files;
  let total = 0;
  for (let k = 1; 2 ** k <= count; k++) total += Math.floor(count / 2 ** k);
  const nodes = Buffer.alloc(total * HASH_BYTES);
  const put = (at: number, node: Uint8Array) => nodes.set(node, at * HASH_BYTES);
  const at = (i: number) => nodes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  let left: Uint8Array | null = null;
  let lastLeaf: Uint8Array | null = null;
  let i = 0;
  for await (const leaf of leaves) {
    if (i % 2 === 0) left = Uint8Array.from(leaf);
    else put(i >> 1, nodeHash(hash, left!, leaf));
    lastLeaf = i % 2 === 0 ? left : null;
    if (++i % NODES_PER_YIELD === 0) await yieldToLoop();
  }
  if (i !== count) throw new RecordIndexDamaged(`${i} leaves where ${count} were committed`);
  for (let k = 2; 2 ** k <= count; k++) {
    const below = levelBase(count, k - 1);
    const base = levelBase(count, k);
    const width = Math.floor(count / 2 ** k);
    for (let j = 0; j < width; j++) {
      put(base + j, nodeHash(hash, at(below + 2 * j), at(below + 2 * j + 1)));
      if (j % NODES_PER_YIELD === NODES_PER_YIELD - 1) await yieldToLoop();
    }
  }
  // Levels from damaged leaves are never kept: their root must be the committed one.
  const built = await rangeRoot(hash, 0, count, (level, j) =>
    Promise.resolve(level === 0 ? lastLeaf! : at(levelBase(count, level) + j)),
  );
  if (!bytesEqual(built, files.root)) {
    throw new RecordIndexDamaged('the leaves do not give the committed record root');
  }
  return nodes;
}

/**
 * The root of leaves [start, end) from stored nodes (`node(level, j)`: the root of the aligned
 * perfect subtree j of 2^level leaves): its aligned perfect subtrees, folded right to left as
 * the RFC 6962 split does. An audit path's ranges start aligned, so this reads O(log n) nodes.
 */
async function rangeRoot(
  hash: HashFunction,
  start: number,
  end: number,
  node: (level: number, j: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (let at = start; at < end;) {
    let size = 1;
    while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
    pieces.push(await node(Math.log2(size), at / size));
    at += size;
  }
  let folded = pieces.pop()!;
  while (pieces.length > 0) folded = nodeHash(hash, pieces.pop()!, folded);
  return folded;
}

/**
 * Record `index`'s place in the tree: its leaf and audit path, read from the leaves and the
 * levels (O(log n) nodes), checked against the committed root.
 */
export async function recordPosition(
  files: RecordFiles,
  leavesPath: string,
  leaves: () => AsyncIterable<Uint8Array>,
  index: number,
): Promise<TreePosition> {
  const { count, hash, root } = files;
  const levelsPath = `${files.blob}.levels`;
  if ((await stat(leavesPath)).size !== count * HASH_BYTES) {
    throw new RecordIndexDamaged(`${leavesPath} does not hold ${count} leaves`);
  }
  if (!(await exists(levelsPath)))
    await once(levelsPath, async () => {
      await keep(levelsPath, files.tmpDir, await buildLevels(files, leaves()));
    });
  return withFile(leavesPath, (leafFile) =>
    withFile(levelsPath, async (levels) => {
      const node = async (level: number, j: number): Promise<Uint8Array> =>
        level === 0
          ? readExactly(leafFile, HASH_BYTES, j * HASH_BYTES)
          : readExactly(levels, HASH_BYTES, (levelBase(count, level) + j) * HASH_BYTES);
      const leaf = await node(0, index);
      const path: Uint8Array[] = [];
      for (const [start, end] of auditPathRanges(count, index))
        path.push(await rangeRoot(hash, start, end, node));
      const checked = verifyInclusion(hash, index, count, leaf, path, root);
      if (!checked.ok) throw new RecordIndexDamaged(`record ${index}: ${checked.reason}`);
      return { index, count, leaf, path, root };
    }),
  );
}
