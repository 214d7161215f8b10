/**
 * The off-chain dataset store: content-addressed by SHA-256, write-once, streaming.
 *
 * Layout under `dir`:
 *   tmp/                      uploads in progress; emptied when the store opens
 *   blobs/<sha256>            file bytes
 *   blobs/<sha256>.leaves     salted record leaf hashes, 32 bytes each (record-anchored datasets)
 *   blobs/<sha256>.json       the commitment; written last, so its presence means "complete"
 *   anchored/<sha256>         {txId, at}: written after the ledger confirms; only then is it served
 *
 * Bytes are hashed (on hash threads) and written (with O_DIRECT where possible) while they
 * arrive, in constant memory whatever the size: ./blob-writer.ts. Files are fsynced before they are
 * renamed into place, so a crash or an interrupted upload leaves at most a temporary file that is
 * never served.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Json } from '@shulian/chaincode/canonical';
import {
  chunkCount,
  chunkLeaves,
  DEFAULT_CHUNK_SIZE,
  type ChunkProof,
  type FileCommitment,
} from '@shulian/proof/chunks';
import { isHex, HASH_BYTES, toHex, type DigestAlgorithm } from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';
import { streamedInclusionProof, type TreePosition } from '@shulian/proof/merkle';
import {
  assembleRecordProof,
  RecordCommitmentBuilder,
  RecordParser,
  type RecordCommitment,
  type RecordFormat,
  type RecordProof,
} from '@shulian/proof/records';
import { writeBlob } from './blob-writer.js';

export type StoreErrorCode =
  | 'INVALID_DIGEST'
  | 'BLOB_NOT_FOUND'
  | 'BLOB_NOT_ANCHORED'
  | 'BLOB_TOO_LARGE'
  | 'DIGEST_MISMATCH'
  | 'COMMITMENT_CONFLICT'
  | 'RECORD_NOT_FOUND'
  | 'RECORD_LEAVES_DAMAGED'
  | 'CHUNK_NOT_FOUND'
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
  /** Set once the ledger confirmed an anchoring transaction. */
  anchored: { txId: string; at: string } | null;
}

export interface DatasetStore {
  put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options?: PutOptions,
  ): Promise<BlobInfo>;
  /** Whether a complete blob exists, anchored or not. */
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<BlobInfo | null>;
  /** The bytes (optionally a range, inclusive end), only for anchored blobs. */
  get(sha256: string, range?: { start?: number; end?: number }): Promise<Readable>;
  markAnchored(sha256: string, txId: string): Promise<BlobInfo>;
  /** The audit path of chunk `index` (for verifying a range download against the chunk root). */
  chunkProof(sha256: string, index: number): Promise<ChunkProof>;
  /** Re-issues the proof of record `index` from the stored leaves and the dataset secret. */
  recordProof(sha256: string, index: number, secret: Uint8Array): Promise<RecordProof>;
}

/** Path safety: only 64 lower-case hex characters ever reach a file name. */
function checkDigest(sha256: string): void {
  if (!isHex(sha256, HASH_BYTES)) {
    throw new StoreError('INVALID_DIGEST', 'a digest is 64 lower-case hex characters');
  }
}

/** Appends 32-byte leaves to a file in 64 KiB writes. */
class LeafWriter {
  private buffer = new Uint8Array(64 * 1024);
  private fill = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: FileHandle) {}

  add(leaf: Uint8Array): void {
    this.buffer.set(leaf, this.fill);
    this.fill += leaf.length;
    if (this.fill === this.buffer.length) this.flush();
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
    this.pending = this.pending.then(() => this.file.write(full));
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

export async function createDatasetStore(options: DatasetStoreOptions): Promise<DatasetStore> {
  const tmpDir = join(options.dir, 'tmp');
  const blobDir = join(options.dir, 'blobs');
  const anchoredDir = join(options.dir, 'anchored');
  // Leftovers of interrupted uploads are garbage by construction.
  await rm(tmpDir, { recursive: true, force: true });
  await Promise.all([tmpDir, blobDir, anchoredDir].map((d) => mkdir(d, { recursive: true })));

  const blobPath = (sha256: string): string => join(blobDir, sha256);

  async function syncDir(dir: string): Promise<void> {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function writeDurably(path: string, data: string): Promise<void> {
    const tmp = join(tmpDir, randomUUID());
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

  async function statBlob(sha256: string): Promise<BlobInfo | null> {
    checkDigest(sha256);
    const info = await readJson<Omit<BlobInfo, 'anchored'>>(`${blobPath(sha256)}.json`);
    if (!info) return null;
    const anchored = await readJson<BlobInfo['anchored']>(join(anchoredDir, sha256));
    return { ...info, anchored };
  }

  async function requireBlob(sha256: string): Promise<BlobInfo> {
    const info = await statBlob(sha256);
    if (!info) throw new StoreError('BLOB_NOT_FOUND', `no blob ${sha256}`);
    return info;
  }

  async function put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: PutOptions = {},
  ): Promise<BlobInfo> {
    const algorithm = opts.algorithm ?? 'sha256';
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const id = randomUUID();
    const tmpBlob = join(tmpDir, id);
    const tmpLeaves = join(tmpDir, `${id}.leaves`);
    const leafFile = opts.records ? await open(tmpLeaves, 'wx') : null;
    const leaves = leafFile ? new LeafWriter(leafFile) : null;
    const records =
      opts.records && leaves
        ? new RecordCommitmentBuilder(
            nodeHashes[algorithm],
            opts.records.format,
            opts.records.secret,
            (l) => leaves.add(l),
          )
        : null;
    let received = 0;
    // Records are parsed here, on the event loop, as the pieces arrive; the bytes are hashed and
    // written by ./blob-writer.ts.
    const onPiece = (data: Uint8Array): void => {
      received += data.length;
      if (received > maxBytes) {
        throw new StoreError('BLOB_TOO_LARGE', `upload exceeds ${maxBytes} bytes`);
      }
      records?.update(data);
    };
    try {
      const written = await writeBlob(source, tmpBlob, {
        algorithm,
        chunkSize,
        directIo: options.directIo ?? true,
        onPiece,
      });
      const commitment: FileCommitment = {
        digest: { algorithm, value: written.digest },
        chunkRoot: written.chunkRoot,
        size: written.size,
        chunkSize,
      };
      const recordCommitment =
        records && opts.records ? { ...records.finish(), format: opts.records.format } : null;
      const sha256 = written.address;
      if (opts.expectDigest !== undefined && opts.expectDigest !== commitment.digest.value) {
        throw new StoreError('DIGEST_MISMATCH', `received ${commitment.digest.value}`);
      }
      await leaves?.close();
      const info: Omit<BlobInfo, 'anchored'> = { sha256, commitment, records: recordCommitment };
      const existing = await statBlob(sha256);
      if (existing) {
        // Write-once: the same bytes again are fine; a different commitment over them is not.
        const stored = { sha256, commitment: existing.commitment, records: existing.records };
        if (JSON.stringify(stored) !== JSON.stringify(info)) {
          throw new StoreError(
            'COMMITMENT_CONFLICT',
            `blob ${sha256} is stored with another commitment`,
          );
        }
        return existing;
      }
      await rename(tmpBlob, blobPath(sha256));
      if (leafFile) await rename(tmpLeaves, `${blobPath(sha256)}.leaves`);
      await writeDurably(`${blobPath(sha256)}.json`, JSON.stringify(info));
      await syncDir(blobDir);
      return { ...info, anchored: null };
    } finally {
      await leafFile?.close();
      await rm(tmpBlob, { force: true });
      await rm(tmpLeaves, { force: true });
    }
  }

  return {
    put,

    has: async (sha256) => (await statBlob(sha256)) !== null,

    stat: statBlob,

    async get(sha256, range = {}) {
      const info = await requireBlob(sha256);
      if (!info.anchored)
        throw new StoreError('BLOB_NOT_ANCHORED', `blob ${sha256} is not anchored`);
      return createReadStream(blobPath(sha256), { ...range, highWaterMark: 1024 * 1024 });
    },

    async markAnchored(sha256, txId) {
      const info = await requireBlob(sha256);
      if (info.anchored) return info;
      const anchored = { txId, at: new Date().toISOString() };
      await writeDurably(join(anchoredDir, sha256), JSON.stringify(anchored));
      await syncDir(anchoredDir);
      return { ...info, anchored };
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
      const { algorithm, format } = info.records;
      const parser = new RecordParser(format);
      let seen = 0;
      const find = (records: Json[]): Json | undefined => {
        const found = records[index - seen];
        seen += records.length;
        return found;
      };
      let record: Json | undefined;
      for await (const data of createReadStream(blobPath(sha256)) as AsyncIterable<Uint8Array>) {
        record = find(parser.push(data));
        if (record !== undefined) break;
      }
      record ??= find(parser.end());
      if (record !== undefined) {
        const hash = nodeHashes[algorithm];
        const leaves = readLeaves(`${blobPath(sha256)}.leaves`);
        let position: TreePosition;
        try {
          position = await streamedInclusionProof(hash, leaves, info.records.count, index);
        } catch (error) {
          if (error instanceof StoreError) throw error;
          throw new StoreError(
            'RECORD_LEAVES_DAMAGED',
            `leaves of ${sha256}: ${(error as Error).message}`,
          );
        }
        // A damaged leaves file would give a proof that cannot verify: refuse it here.
        if (toHex(position.root) !== info.records.root) {
          throw new StoreError(
            'RECORD_LEAVES_DAMAGED',
            `leaves of ${sha256} do not give its record root`,
          );
        }
        return assembleRecordProof(hash, secret, record, position);
      }
      throw new StoreError('RECORD_NOT_FOUND', `blob ${sha256} ends before record ${index}`);
    },
  };
}
