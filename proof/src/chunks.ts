/**
 * File commitments: the whole-file digest (what `sha256sum` or `openssl dgst` prints, so anyone
 * can check a file without our tools) plus a Merkle root over fixed-size chunks, so a byte range
 * can later be proven without the rest of the file. One pass, constant memory.
 */
import {
  fromHex,
  HASH_BYTES,
  isHex,
  toHex,
  type DigestAlgorithm,
  type HashFunction,
  type IncrementalHash,
} from './hash.js';
import {
  leafHash,
  leafHasher,
  MerkleRootBuilder,
  verifyInclusion,
  type InclusionCheck,
} from './merkle.js';

/** 1 MiB: a 1 GiB file has 1,024 leaves and a 10-hash range proof. */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export interface Digest {
  algorithm: DigestAlgorithm;
  /** lower-case hex */
  value: string;
}

export interface FileCommitment {
  digest: Digest;
  /** hex RFC 6962 root over the chunks (leaf = H(0x00 || chunk bytes)); H("") for an empty file. */
  chunkRoot: string;
  size: number;
  chunkSize: number;
}

/** Cuts a byte stream into fixed-size chunks and hashes each as a leaf, holding no chunk. */
class ChunkLeafHasher {
  private chunk: IncrementalHash | null = null;
  private fill = 0;

  constructor(
    private readonly hash: HashFunction,
    private readonly chunkSize: number,
  ) {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunk size');
  }

  /** Leaf hashes of the chunks that `data` completes. */
  update(data: Uint8Array): Uint8Array[] {
    const leaves: Uint8Array[] = [];
    for (let offset = 0; offset < data.length;) {
      const take = Math.min(this.chunkSize - this.fill, data.length - offset);
      this.chunk ??= leafHasher(this.hash);
      this.chunk.update(data.subarray(offset, offset + take));
      this.fill += take;
      offset += take;
      if (this.fill === this.chunkSize) leaves.push(this.close());
    }
    return leaves;
  }

  /** The last, short chunk's leaf, if any. */
  finish(): Uint8Array[] {
    return this.chunk ? [this.close()] : [];
  }

  private close(): Uint8Array {
    const leaf = this.chunk!.digest();
    this.chunk = null;
    this.fill = 0;
    return leaf;
  }
}

/** The chunk Merkle root of a byte stream fed in pieces of any size; the file digest is separate. */
export class ChunkRootBuilder {
  private readonly leaves: ChunkLeafHasher;
  private readonly tree: MerkleRootBuilder;

  constructor(hash: HashFunction, chunkSize = DEFAULT_CHUNK_SIZE) {
    this.leaves = new ChunkLeafHasher(hash, chunkSize);
    this.tree = new MerkleRootBuilder(hash);
  }

  update(data: Uint8Array): void {
    for (const leaf of this.leaves.update(data)) this.tree.append(leaf);
  }

  /** hex root */
  finish(): string {
    for (const leaf of this.leaves.finish()) this.tree.append(leaf);
    return toHex(this.tree.root());
  }
}

export class FileCommitmentBuilder {
  private readonly file: IncrementalHash;
  private readonly chunks: ChunkRootBuilder;
  private size = 0;

  constructor(
    private readonly hash: HashFunction,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    this.file = hash.create();
    this.chunks = new ChunkRootBuilder(hash, chunkSize);
  }

  update(data: Uint8Array): void {
    this.file.update(data);
    this.size += data.length;
    this.chunks.update(data);
  }

  finish(): FileCommitment {
    return {
      digest: { algorithm: this.hash.algorithm, value: toHex(this.file.digest()) },
      chunkRoot: this.chunks.finish(),
      size: this.size,
      chunkSize: this.chunkSize,
    };
  }
}

export async function commitFile(
  hash: HashFunction,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<FileCommitment> {
  const builder = new FileCommitmentBuilder(hash, chunkSize);
  for await (const data of source) builder.update(data);
  return builder.finish();
}

/** The chunk leaf hashes of a byte stream, in order. */
export async function* chunkLeaves(
  hash: HashFunction,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  chunkSize: number,
): AsyncIterable<Uint8Array> {
  const leaves = new ChunkLeafHasher(hash, chunkSize);
  for await (const data of source) yield* leaves.update(data);
  yield* leaves.finish();
}

export const chunkCount = (size: number, chunkSize: number): number => Math.ceil(size / chunkSize);

/** Proof that one chunk of an anchored file is intact: its index and audit path (hex). */
export interface ChunkProof {
  index: number;
  path: string[];
}

/**
 * Checks chunk `proof.index` (bytes [index·chunkSize, …) of the file) against the anchored chunk
 * root. The length is checked too: every chunk is full except the last. Never throws.
 */
export function verifyChunk(
  hash: HashFunction,
  anchored: Pick<FileCommitment, 'chunkRoot' | 'chunkSize' | 'size'>,
  proof: ChunkProof,
  chunk: Uint8Array,
): InclusionCheck {
  const count = chunkCount(anchored.size, anchored.chunkSize);
  const { index } = proof;
  const expected =
    index === count - 1 ? anchored.size - index * anchored.chunkSize : anchored.chunkSize;
  if (Number.isSafeInteger(index) && index >= 0 && index < count && chunk.length !== expected) {
    return { ok: false, reason: `chunk ${index} has ${chunk.length} bytes, expected ${expected}` };
  }
  if (!isHex(anchored.chunkRoot, HASH_BYTES) || !proof.path.every((p) => isHex(p, HASH_BYTES))) {
    return { ok: false, reason: 'root and path must be 32-byte lower-case hex' };
  }
  return verifyInclusion(
    hash,
    index,
    count,
    leafHash(hash, chunk),
    proof.path.map(fromHex),
    fromHex(anchored.chunkRoot),
  );
}
