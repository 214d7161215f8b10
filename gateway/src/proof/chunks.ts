/**
 * File commitments: the whole-file digest (what `sha256sum` or `openssl dgst` prints, so anyone
 * can check a file without our tools) plus a Merkle root over fixed-size chunks, so a byte range
 * can later be proven without the rest of the file. One pass, constant memory.
 */
import { toHex, type DigestAlgorithm, type HashFunction, type IncrementalHash } from './hash.js';
import { leafHasher, MerkleRootBuilder } from './merkle.js';

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

export class FileCommitmentBuilder {
  private readonly file: IncrementalHash;
  private readonly chunks: MerkleRootBuilder;
  private chunk: IncrementalHash | null = null;
  private chunkFill = 0;
  private size = 0;

  constructor(
    private readonly hash: HashFunction,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunk size');
    this.file = hash.create();
    this.chunks = new MerkleRootBuilder(hash);
  }

  update(data: Uint8Array): void {
    this.file.update(data);
    this.size += data.length;
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(this.chunkSize - this.chunkFill, data.length - offset);
      this.chunk ??= leafHasher(this.hash);
      this.chunk.update(data.subarray(offset, offset + take));
      this.chunkFill += take;
      offset += take;
      if (this.chunkFill === this.chunkSize) this.closeChunk();
    }
  }

  finish(): FileCommitment {
    if (this.chunk) this.closeChunk();
    return {
      digest: { algorithm: this.hash.algorithm, value: toHex(this.file.digest()) },
      chunkRoot: toHex(this.chunks.root()),
      size: this.size,
      chunkSize: this.chunkSize,
    };
  }

  private closeChunk(): void {
    this.chunks.append(this.chunk!.digest());
    this.chunk = null;
    this.chunkFill = 0;
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
