/**
 * The off-chain dataset store: content-addressed by SHA-256, write-once, streaming. It knows
 * nothing of anchoring: which blobs a committed version covers, and so may be served and must never
 * be removed, is the anchor book's (services/datasets.ts), the one local record of it.
 *
 * Layout under `dir`:
 *   tmp/                      uploads in progress; emptied when the store opens
 *   blobs/<sha256>            file bytes
 *   blobs/<sha256>.leaves     salted record leaf hashes, 32 bytes each (record-anchored datasets)
 *   blobs/<sha256>.offsets, .levels, .subjects-<field>
 *                             record offsets, the record tree's levels, a column's index: built
 *                             when first needed, so one record's proof reads O(log n) nodes
 *                             (./record-index.ts)
 *   blobs/<sha256>.json       the commitment; written last, so its presence means "complete"
 *
 * A store written by an earlier gateway also has anchored/<sha256> files ({txId, at}, a second copy
 * of the anchor book): nothing reads them now, and they may be deleted. The anchor book is rebuilt
 * from the ledger by the start-up reconciliation, which enters every version whose blob is here.
 *
 * Bytes are hashed (on hash threads) and written (with O_DIRECT where possible) while they
 * arrive, in constant memory whatever the size: ./blob-writer.ts. Files are fsynced before they are
 * renamed into place, so a crash or an interrupted upload leaves at most a temporary file that is
 * never served.
 *
 * Nothing on disk is trusted when it is served: `get` checks that the blob exists with its
 * committed size before handing out a stream (so a caller can refuse before recording anything),
 * and a whole-blob stream is hashed as it flows, its last piece held back until the digest matches
 * the address, so a damaged blob ends in an error and is never delivered complete. `check` hashes a
 * blob against its address for verification; `list` and `remove` serve the start-up reconciliation
 * (reconcile in services/datasets.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import {
  chunkCount,
  chunkLeaves,
  DEFAULT_CHUNK_SIZE,
  type ChunkProof,
  type FileCommitment,
} from '@shulian/proof/chunks';
import { fromHex, isHex, HASH_BYTES, toHex, type DigestAlgorithm } from '@shulian/proof/hash';
import { anchoringScheme, nodeHashes } from '@shulian/proof/node';
import { streamedInclusionProof } from '@shulian/proof/merkle';
import {
  assembleRecordProof,
  type RecordCommitment,
  type RecordFormat,
  type RecordScheme,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import { writeBlob } from './blob-writer.js';
import {
  indexFileSuffixes,
  recordAt,
  RecordIndexDamaged,
  recordPosition,
  recordsWhere,
  type RecordFiles,
} from './record-index.js';
import { digestFile } from './digest-file.js';

export type StoreErrorCode =
  | 'INVALID_DIGEST'
  | 'BLOB_NOT_FOUND'
  | 'BLOB_TOO_LARGE'
  | 'DIGEST_MISMATCH'
  | 'COMMITMENT_CONFLICT'
  | 'RECORD_NOT_FOUND'
  | 'RECORD_LEAVES_DAMAGED'
  | 'CHUNK_NOT_FOUND'
  | 'BLOB_MISSING'
  | 'BLOB_DAMAGED';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface PutOptions {
  /** Digest and chunk-tree algorithm; the address is always SHA-256. Default sha256. */
  algorithm?: DigestAlgorithm;
  chunkSize?: number;
  /** Anchor record by record: parse as CSV or JSON Lines and build salted leaves in the same pass. */
  records?: { format: RecordFormat; secret: Uint8Array };
  /** Refuse (and discard) uploads larger than this many bytes. */
  maxBytes?: number;
  /** The digest the uploader claims; the upload is discarded when the bytes disagree. */
  expectDigest?: string;
}

export interface BlobInfo {
  /** hex SHA-256 of the bytes: the blob's address */
  sha256: string;
  commitment: FileCommitment;
  records: (RecordCommitment & { format: RecordFormat }) | null;
}

export interface DatasetStore {
  put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options?: PutOptions,
  ): Promise<BlobInfo>;
  /** Whether a complete blob exists. */
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<BlobInfo | null>;
  /**
   * The bytes of a complete blob (optionally a range, inclusive end). Refuses a blob whose file is
   * gone (BLOB_MISSING) or has another size than committed (BLOB_DAMAGED) before any byte flows;
   * a whole blob is checked against its address while it streams (BLOB_DAMAGED). Whether the
   * bytes may be served at all (a committed version covers them) is the caller's to ask first.
   */
  get(sha256: string, range?: { start?: number; end?: number }): Promise<Readable>;
  /** Hashes the stored file against its address and committed size; null when it is intact. */
  check(sha256: string): Promise<BlobDamage | null>;
  /** Every complete blob, with the time its commitment was written. */
  list(): AsyncIterable<BlobInfo & { storedAt: number }>;
  /**
   * Deletes a blob and the files kept beside it (BLOB_NOT_FOUND when it is not complete). The
   * caller decides that nothing needs it: the datasets service removes only blobs that no version
   * was anchored with.
   */
  remove(sha256: string): Promise<void>;
  /** The audit path of chunk `index` (for verifying a range download against the chunk root). */
  chunkProof(sha256: string, index: number): Promise<ChunkProof>;
  /**
   * Re-issues the proof of record `index`, every field opened, from the stored leaves and the
   * dataset secret; the caller limits it to the fields a consumer may see (projectRecordProof).
   */
  recordProof(sha256: string, index: number, secret: Uint8Array): Promise<SelectiveRecordProof>;
  /**
   * The records of a record-anchored blob whose column `field` is `value` (trimmed, as text),
   * through an index of that column built the first time it is asked for (./record-index.ts).
   */
  recordsWhere(
    sha256: string,
    field: string,
    value: string,
  ): Promise<{ index: number; record: Record<string, Json> }[]>;
}

/** What is wrong with a stored blob, naming its file. */
export interface BlobDamage {
  sha256: string;
  file: string;
  problem: 'missing' | 'size' | 'digest';
  message: string;
}

/**
 * Passes a blob's bytes through while hashing them, holding the latest piece back until the next
 * one arrives, and the last until the digest and size match: a damaged blob's stream ends in an
 * error before its final bytes, so no reader ever receives it whole.
 */
class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;
  private seen = 0;

  constructor(
    private readonly sha256: string,
    private readonly size: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) {
      done(
        new StoreError(
          'BLOB_DAMAGED',
          `blob ${this.sha256} is longer than its ${this.size} committed bytes`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    done(null, previous ?? undefined);
  }

  override _flush(done: TransformCallback): void {
    const digest = this.hash.digest('hex');
    if (this.seen !== this.size || digest !== this.sha256) {
      done(
        new StoreError(
          'BLOB_DAMAGED',
          this.seen !== this.size
            ? `blob ${this.sha256} ended after ${this.seen} of ${this.size} bytes`
            : `blob ${this.sha256} no longer hashes to its address (got ${digest})`,
        ),
      );
      return;
    }
    done(null, this.held ?? undefined);
  }
}

/** Path safety: only 64 lower-case hex characters ever reach a file name. */
function checkDigest(sha256: string): void {
  if (!isHex(sha256, HASH_BYTES)) {
    throw new StoreError('INVALID_DIGEST', 'a digest is 64 lower-case hex characters');
  }
}

/**
 * Appends 32-byte leaves in the order given: a block of at least 64 KiB (a hash thread's reply
 * brings the leaves of a 1 MiB slot, thousands of records) is written as it is, smaller ones
 * gathered into 64 KiB writes.
 */
class LeafWriter {
  private buffer = new Uint8Array(64 * 1024);
  private fill = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: FileHandle) {}

  add(leaves: Uint8Array): void {
    if (leaves.length >= this.buffer.length) {
      // Not copied: the block is this writer's (moved here from the hash thread).
      this.flush();
      this.write(leaves);
      return;
    }
    for (let at = 0; at < leaves.length;) {
      const take = Math.min(this.buffer.length - this.fill, leaves.length - at);
      this.buffer.set(leaves.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      if (this.fill === this.buffer.length) this.flush();
    }
  }

  async close(): Promise<void> {
    this.flush();
    await this.pending;
    await this.file.sync();
  }

  private flush(): void {
    if (this.fill === 0) return;
    const full = this.buffer.subarray(0, this.fill);
    this.buffer = new Uint8Array(this.buffer.length);
    this.fill = 0;
    this.write(full);
  }

  private write(bytes: Uint8Array): void {
    this.pending = this.pending.then(() => this.file.write(bytes));
  }
}

/** The 32-byte leaves of a leaves file, in order, reading 1 MiB at a time. */
async function* readLeaves(path: string): AsyncIterable<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const data of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Uint8Array>) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, data]) : data;
    const whole = bytes.length - (bytes.length % HASH_BYTES);
    for (let i = 0; i < whole; i += HASH_BYTES) yield bytes.subarray(i, i + HASH_BYTES);
    carry = bytes.subarray(whole);
  }
  if (carry.length > 0) {
    throw new StoreError('RECORD_LEAVES_DAMAGED', `${path} is not a whole number of leaves`);
  }
}

export interface DatasetStoreOptions {
  dir: string;
  /** Write uploads with O_DIRECT where the file system allows it (default true). */
  directIo?: boolean;
}

/** Where a store keeps its files, and how it writes them. */
interface Layout {
  tmpDir: string;
  blobDir: string;
  directIo: boolean;
  blobPath(sha256: string): string;
}

/** Runs a read through the record index, answering damage as the store's own error. */
async function indexed<T>(sha256: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof RecordIndexDamaged)
      throw new StoreError('RECORD_LEAVES_DAMAGED', `${sha256}: ${error.message}`);
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(layout: Layout, path: string, data: string): Promise<void> {
  const tmp = join(layout.tmpDir, randomUUID());
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readBlobInfo(layout: Layout, sha256: string): Promise<BlobInfo | null> {
  checkDigest(sha256);
  const info = await readJson<StoredBlobInfo>(`${layout.blobPath(sha256)}.json`);
  // Blobs stored before leaf version 3 say no version: theirs is 2.
  if (!info) return null;
  const { records, ...rest } = info;
  return { ...rest, records: records ? { ...records, version: records.version ?? 2 } : null };
}

/** A blob's info as stored: records anchored before leaf version 3 have no `version`. */
type StoredBlobInfo = Omit<BlobInfo, 'records'> & {
  records: (Omit<NonNullable<BlobInfo['records']>, 'version'> & { version?: 2 | 3 }) | null;
};

/**
 * Whether `existing`, stored for the same bytes, stands for `info`: the same commitment, or the
 * same records committed in another leaf version (an earlier gateway's version 2, whose leaves,
 * root and proofs stay valid: anchoring the same bytes again does not change what was anchored).
 */
function sameCommitment(existing: BlobInfo, info: BlobInfo): boolean {
  const otherVersion =
    existing.records && info.records && existing.records.version !== info.records.version;
  const view = ({ sha256, commitment, records }: BlobInfo): string =>
    canonicalJson({
      sha256,
      commitment,
      records: records && otherVersion ? { ...records, root: null, version: null } : records,
    });
  return view(existing) === view(info);
}

async function requireBlobInfo(layout: Layout, sha256: string): Promise<BlobInfo> {
  const info = await readBlobInfo(layout, sha256);
  if (!info) throw new StoreError('BLOB_NOT_FOUND', `no blob ${sha256}`);
  return info;
}

async function putBlob(
  layout: Layout,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: PutOptions = {},
): Promise<BlobInfo> {
  const algorithm = opts.algorithm ?? 'sha256';
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const id = randomUUID();
  const tmpBlob = join(layout.tmpDir, id);
  const tmpLeaves = join(layout.tmpDir, `${id}.leaves`);
  const leafFile = opts.records ? await open(tmpLeaves, 'wx') : null;
  const leaves = leafFile ? new LeafWriter(leafFile) : null;
  let received = 0;
  // Records are parsed and committed on a hash thread (./blob-writer.ts), their leaves written
  // here as they come back.
  const onPiece = (data: Uint8Array): void => {
    received += data.length;
    if (received > maxBytes) {
      throw new StoreError('BLOB_TOO_LARGE', `upload exceeds ${maxBytes} bytes`);
    }
  };
  try {
    const written = await writeBlob(source, tmpBlob, {
      algorithm,
      chunkSize,
      directIo: layout.directIo,
      onPiece,
      ...(opts.records && leaves
        ? {
            records: {
              format: opts.records.format,
              secret: opts.records.secret,
              onLeaves: (l: Uint8Array) => leaves.add(l),
            },
          }
        : {}),
    });
    const commitment: FileCommitment = {
      digest: { algorithm, value: written.digest },
      chunkRoot: written.chunkRoot,
      size: written.size,
      chunkSize,
    };
    const recordCommitment =
      written.records && opts.records ? { ...written.records, format: opts.records.format } : null;
    const sha256 = written.address;
    if (opts.expectDigest !== undefined && opts.expectDigest !== commitment.digest.value) {
      throw new StoreError('DIGEST_MISMATCH', `received ${commitment.digest.value}`);
    }
    await leaves?.close();
    const info: BlobInfo = { sha256, commitment, records: recordCommitment };
    const existing = await readBlobInfo(layout, sha256);
    if (existing) {
      // Write-once: the same bytes again are fine; a different commitment over them is not.
      if (!sameCommitment(existing, info)) {
        throw new StoreError(
          'COMMITMENT_CONFLICT',
          `blob ${sha256} is stored with another commitment`,
        );
      }
      return existing;
    }
    await rename(tmpBlob, layout.blobPath(sha256));
    if (leafFile) await rename(tmpLeaves, `${layout.blobPath(sha256)}.leaves`);
    await writeDurably(layout, `${layout.blobPath(sha256)}.json`, JSON.stringify(info));
    await syncDir(layout.blobDir);
    return info;
  } finally {
    await leafFile?.close();
    await rm(tmpBlob, { force: true });
    await rm(tmpLeaves, { force: true });
  }
}

/** The blob file's size, or null when it is gone. */
async function fileSize(layout: Layout, sha256: string): Promise<number | null> {
  try {
    return (await stat(layout.blobPath(sha256))).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function checkBlob(layout: Layout, sha256: string): Promise<BlobDamage | null> {
  const info = await readBlobInfo(layout, sha256);
  if (!info) {
    const json = `${layout.blobPath(sha256)}.json`;
    return { sha256, file: json, problem: 'missing', message: `${json} is missing` };
  }
  const { commitment } = info;
  const file = layout.blobPath(sha256);
  const size = await fileSize(layout, sha256);
  if (size === null) return { sha256, file, problem: 'missing', message: `${file} is missing` };
  if (size !== commitment.size)
    return {
      sha256,
      file,
      problem: 'size',
      message: `${file} has ${size} bytes; ${commitment.size} were committed`,
    };
  const { value } = await digestFile(file, 'sha256');
  return value === sha256
    ? null
    : { sha256, file, problem: 'digest', message: `${file} hashes to ${value}, not its address` };
}

export async function createDatasetStore(options: DatasetStoreOptions): Promise<DatasetStore> {
  const tmpDir = join(options.dir, 'tmp');
  const blobDir = join(options.dir, 'blobs');
  const blobPath = (sha256: string): string => join(blobDir, sha256);
  const layout: Layout = {
    tmpDir,
    blobDir,
    directIo: options.directIo ?? true,
    blobPath,
  };
  const statBlob = (sha256: string): Promise<BlobInfo | null> => readBlobInfo(layout, sha256);
  const requireBlob = (sha256: string): Promise<BlobInfo> => requireBlobInfo(layout, sha256);
  // Leftovers of interrupted uploads are garbage by construction.
  await rm(tmpDir, { recursive: true, force: true });
  await Promise.all([tmpDir, blobDir].map((d) => mkdir(d, { recursive: true })));

  const recordFiles = (sha256: string, records: NonNullable<BlobInfo['records']>): RecordFiles => ({
    blob: blobPath(sha256),
    format: records.format,
    count: records.count,
    hash: nodeHashes[records.algorithm],
    root: fromHex(records.root),
    tmpDir,
  });

  return {
    put: (source, opts) => putBlob(layout, source, opts),

    has: async (sha256) => (await statBlob(sha256)) !== null,

    stat: statBlob,

    async get(sha256, range = {}) {
      const info = await requireBlob(sha256);
      // Checked before any byte flows, so the caller refuses before it records a use.
      const size = await fileSize(layout, sha256);
      if (size === null)
        throw new StoreError(
          'BLOB_MISSING',
          `the file of blob ${sha256} is missing from the store`,
        );
      if (size !== info.commitment.size)
        throw new StoreError(
          'BLOB_DAMAGED',
          `the file of blob ${sha256} has ${size} bytes; ${info.commitment.size} were committed`,
        );
      const bytes = createReadStream(blobPath(sha256), { ...range, highWaterMark: 1024 * 1024 });
      if (range.start !== undefined || range.end !== undefined) return bytes;
      const verified = new VerifyingStream(sha256, size);
      bytes.on('error', (error) => verified.destroy(error));
      verified.on('close', () => bytes.destroy());
      return bytes.pipe(verified);
    },

    check: (sha256) => checkBlob(layout, sha256),

    async *list() {
      for (const name of await readdir(blobDir)) {
        if (!name.endsWith('.json')) continue;
        const sha256 = name.slice(0, -'.json'.length);
        if (!isHex(sha256, HASH_BYTES)) continue;
        const info = await statBlob(sha256);
        if (!info) continue;
        const storedAt = await stat(join(blobDir, name)).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        );
        yield { ...info, storedAt };
      }
    },

    async remove(sha256) {
      await requireBlob(sha256);
      // The commitment goes first: without it the blob is incomplete and never served.
      await rm(`${blobPath(sha256)}.json`, { force: true });
      await rm(`${blobPath(sha256)}.leaves`, { force: true });
      const kept = indexFileSuffixes();
      for (const name of await readdir(blobDir))
        if (name.startsWith(sha256) && kept.test(name))
          await rm(join(blobDir, name), { force: true });
      await rm(blobPath(sha256), { force: true });
      await syncDir(blobDir);
    },

    async chunkProof(sha256, index) {
      const { commitment } = await requireBlob(sha256);
      const count = chunkCount(commitment.size, commitment.chunkSize);
      if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
        throw new StoreError('CHUNK_NOT_FOUND', `blob ${sha256} has no chunk ${index}`);
      }
      const hash = nodeHashes[commitment.digest.algorithm];
      const bytes = createReadStream(blobPath(sha256), { highWaterMark: 1024 * 1024 });
      const leaves = chunkLeaves(hash, bytes as AsyncIterable<Uint8Array>, commitment.chunkSize);
      const position = await streamedInclusionProof(hash, leaves, count, index);
      if (toHex(position.root) !== commitment.chunkRoot) {
        throw new StoreError('BLOB_DAMAGED', `blob ${sha256} no longer gives its chunk root`);
      }
      return { index, path: position.path.map(toHex) };
    },

    async recordProof(sha256, index, secret) {
      const info = await requireBlob(sha256);
      if (
        !info.records ||
        !Number.isSafeInteger(index) ||
        index < 0 ||
        index >= info.records.count
      ) {
        throw new StoreError('RECORD_NOT_FOUND', `blob ${sha256} has no record ${index}`);
      }
      const files = recordFiles(sha256, info.records);
      const leavesPath = `${blobPath(sha256)}.leaves`;
      // One after the other: a failed proof leaves no index build running behind its answer.
      const [record, position] = await indexed(sha256, async () => [
        await recordAt(files, index),
        await recordPosition(files, leavesPath, () => readLeaves(leavesPath), index),
      ]);
      try {
        const scheme: RecordScheme =
          info.records.version === 3 ? anchoringScheme(info.records.algorithm) : { version: 2 };
        return assembleRecordProof(files.hash, secret, scheme, record, position);
      } catch (error) {
        // Also what leaves written before field-by-field commitments (version 1) give.
        throw new StoreError(
          'RECORD_LEAVES_DAMAGED',
          `leaves of ${sha256}: ${(error as Error).message} (field-by-field leaves of version ${info.records.version} expected)`,
        );
      }
    },

    async recordsWhere(sha256, field, value) {
      const info = await requireBlob(sha256);
      if (!info.records) return [];
      const files = recordFiles(sha256, info.records);
      return indexed(sha256, () => recordsWhere(files, field, value));
    },
  };
}
