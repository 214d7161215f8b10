/**
 * A ledger's blocks (a node's, or the orderer's log) in one append-only file: each block's
 * canonical bytes, as ordered and signed, written once and fsynced, framed by their length and a
 * CRC-32 so a changed or torn byte is named rather than parsed. The file lives in the ledger's
 * level directory (LevelDB leaves files it did not create alone), so a ledger is still one folder
 * that repair and restore remove or replace whole.
 *
 * The block file is the ledger's one durable commit point, as a Fabric peer's block files are: a
 * block is committed once its frame is fsynced. Level indexes the file (each block's span, written
 * in the same batch as the tip and the state the block changes), and that batch is written
 * without an fsync of its own: it always follows the fsync of the frames it names, so level is
 * never ahead of the file, and after a crash it may be behind. Opening therefore reads the frames
 * past the last span level names: each whole frame whose CRC holds is a committed block whose
 * batch the crash took, and is kept (`unindexed`) for the ledger to index again (a node
 * re-validates it exactly as on first commit, ./node.ts; the orderer's log re-chains it). Each
 * write is fsynced before the next begins, so only the last frame can be torn: the first frame
 * that is cut short, empty or fails its CRC is the torn write, and it and whatever follows are cut
 * off, durably. A span past the file's end cannot come from a crash; reading that block fails,
 * naming it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { parseJson } from '@shulian/chaincode/canonical';
import { encodeHeader, type Block } from '@shulian/proof/formats/embedded';
import { sha256Hex } from './crypto.js';
import { syncDirectory } from './durable-file.js';

/** Name of the block file in a ledger's level directory. */
export const BLOCK_FILE = 'blocks.bin';

/** Where a block's frame starts in the file, and its payload's length. */
export interface BlockSpan {
  o: number;
  l: number;
}

/** A frame: payload length and CRC-32 of the payload, big-endian u32 each, then the payload. */
const FRAME_HEADER = 8;

/** The first byte past a block's frame. */
export const spanEnd = (span: BlockSpan): number => span.o + FRAME_HEADER + span.l;

/** Frame headers by block bytes: the orderer and four nodes write the same sealed bytes. */
const headers = new WeakMap<Uint8Array, Buffer>();
function frameHeader(bytes: Uint8Array): Buffer {
  let header = headers.get(bytes);
  if (!header) {
    header = Buffer.allocUnsafe(FRAME_HEADER);
    header.writeUInt32BE(bytes.length, 0);
    header.writeUInt32BE(crc32(bytes), 4);
    headers.set(bytes, header);
  }
  return header;
}

/** The payload of the frame at `at` if it is whole within `size` and its CRC holds. */
async function readFrame(
  handle: FileHandle,
  at: number,
  size: number,
): Promise<Buffer | undefined> {
  if (at + FRAME_HEADER > size) return undefined;
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  await handle.read(header, 0, FRAME_HEADER, at);
  const l = header.readUInt32BE(0);
  // A header of zeros (pages the crash never wrote) would pass as an empty frame: no block is.
  if (l === 0 || at + FRAME_HEADER + l > size) return undefined;
  const payload = Buffer.allocUnsafe(l);
  await handle.read(payload, 0, l, at + FRAME_HEADER);
  return crc32(payload) === header.readUInt32BE(4) ? payload : undefined;
}

/** The whole, CRC-checked frames from `from` to the file's end, up to the first that is not. */
async function wholeFrames(handle: FileHandle, from: number, size: number): Promise<BlockSpan[]> {
  const frames: BlockSpan[] = [];
  for (let at = from; ;) {
    const payload = await readFrame(handle, at, size);
    if (!payload) return frames;
    frames.push({ o: at, l: payload.length });
    at += FRAME_HEADER + payload.length;
  }
}

export class BlockFile {
  /** The first of `kept` not indexed yet: indexing drops spans from the front, in O(1) each. */
  private head = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly location: string,
    /** End of the last block level names (indexes). */
    private end: number,
    /**
     * Whole frames past `end` found at open, from `head` on: blocks fsynced before a crash took
     * their batch (all of a ledger's blocks while it is rebuilt from its file).
     */
    private kept: BlockSpan[],
  ) {}

  /**
   * Opens (or creates) the block file of the level database in `dir`, whose last indexed block
   * ends at `indexedEnd`. Whole frames past it are kept (`unindexed`); from the first torn one on,
   * the file is cut off (durably).
   */
  static async open(dir: string, indexedEnd: number): Promise<BlockFile> {
    const location = path.join(dir, BLOCK_FILE);
    let handle: FileHandle;
    try {
      handle = await open(location, constants.O_RDWR);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
      handle = await open(location, constants.O_RDWR | constants.O_CREAT, 0o644);
      await syncDirectory(dir);
    }
    try {
      const { size } = await handle.stat();
      const kept = await wholeFrames(handle, indexedEnd, size);
      const whole = kept.length > 0 ? spanEnd(kept[kept.length - 1] as BlockSpan) : indexedEnd;
      if (size > whole) {
        await handle.truncate(whole);
        await handle.sync();
      }
      return new BlockFile(handle, location, indexedEnd, kept);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /**
   * Blocks durable in the file that level does not index yet (a crash came between the block's
   * fsync and its batch), in order; the next blocks indexed must be these.
   */
  get unindexed(): readonly BlockSpan[] {
    return this.kept.slice(this.head);
  }

  /** How many blocks `unindexed` holds, and the first of them: per block, without a copy. */
  get unindexedCount(): number {
    return this.kept.length - this.head;
  }

  get firstUnindexed(): BlockSpan | undefined {
    return this.kept[this.head];
  }

  /**
   * Writes blocks after the last indexed one and, when `durable`, fsyncs them: from then on they
   * are committed. The next write goes past them only once the caller's level batch naming their
   * spans succeeded and it called `indexed`; if the batch failed it calls `discard`. Blocks the
   * file already holds unindexed are not written again: each must be the block given for its
   * place, byte for byte, or the write is refused.
   */
  async write(blocks: readonly Uint8Array[], durable: boolean): Promise<BlockSpan[]> {
    const spans: BlockSpan[] = [];
    const fresh = blocks.slice(this.unindexedCount);
    for (const [i, bytes] of blocks.slice(0, this.unindexedCount).entries()) {
      const span = this.kept[this.head + i] as BlockSpan;
      const stored = Buffer.allocUnsafe(span.l);
      await this.handle.read(stored, 0, span.l, span.o + FRAME_HEADER);
      if (span.l !== bytes.length || !stored.equals(bytes))
        throw new Error(
          `the block file ${this.location} holds another block at offset ${span.o} than the one written there now`,
        );
      spans.push(span);
    }
    if (fresh.length === 0) return spans;
    const start = this.next;
    const parts: Uint8Array[] = [];
    let at = start;
    for (const bytes of fresh) {
      parts.push(frameHeader(bytes), bytes);
      spans.push({ o: at, l: bytes.length });
      at += FRAME_HEADER + bytes.length;
    }
    // Header and bytes go out as they are, without a copy into one buffer.
    let written = (await this.handle.writev(parts, start)).bytesWritten;
    const total = at - start;
    if (written < total) {
      // A short write (more buffers than one call takes, a disk filling up) is continued; on a
      // full disk the next write reports ENOSPC.
      const rest = Buffer.concat(parts).subarray(written);
      while (written < total) {
        const offset = written - (total - rest.length);
        const { bytesWritten } = await this.handle.write(
          rest,
          offset,
          rest.length - offset,
          start + written,
        );
        written += bytesWritten;
      }
    }
    if (durable) await this.handle.datasync();
    return spans;
  }

  /** Where the next block is written: past the last indexed block, or the last one kept. */
  private get next(): number {
    return this.unindexedCount > 0
      ? spanEnd(this.kept[this.kept.length - 1] as BlockSpan)
      : this.end;
  }

  /** Marks written blocks indexed: their spans are in level. */
  indexed(last: BlockSpan): void {
    this.end = spanEnd(last);
    while (this.head < this.kept.length && (this.kept[this.head] as BlockSpan).o < this.end)
      this.head += 1;
    if (this.head === this.kept.length) {
      this.kept = [];
      this.head = 0;
    }
  }

  /**
   * Cuts off, durably, blocks written whose level batch then failed: they were never
   * acknowledged, and must not come back as committed on the next open.
   */
  async discard(): Promise<void> {
    await this.handle.truncate(this.next);
    await this.handle.datasync();
  }

  /** Block `n`'s canonical bytes, checked against its frame; throws naming the block otherwise. */
  async read(span: BlockSpan, n: number): Promise<Uint8Array> {
    const frame = Buffer.allocUnsafe(FRAME_HEADER + span.l);
    const { bytesRead } = await this.handle.read(frame, 0, frame.length, span.o);
    if (bytesRead < frame.length)
      throw new Error(
        `block ${n} is cut short in the block file ${this.location} (${bytesRead} of ${frame.length} bytes at offset ${span.o})`,
      );
    const payload = frame.subarray(FRAME_HEADER);
    if (frame.readUInt32BE(0) !== span.l || frame.readUInt32BE(4) !== crc32(payload))
      throw new Error(
        `block ${n} is damaged in the block file ${this.location} (its length or checksum does not match, at offset ${span.o})`,
      );
    return payload;
  }

  /**
   * Every frame from offset `from` (a frame's start) to the last one the file holds, with its
   * payload. Each was written whole and fsynced before the next, so one that is not whole or
   * fails its CRC is damage, not a torn write: it throws, naming its offset.
   */
  async *frames(from: number): AsyncGenerator<{ span: BlockSpan; bytes: Buffer }> {
    const end = this.next;
    for (let at = from; at < end;) {
      const bytes = await readFrame(this.handle, at, end);
      if (!bytes)
        throw new Error(
          `the block file ${this.location} is damaged at offset ${at} (a frame cut short or failing its checksum, below its last block)`,
        );
      yield { span: { o: at, l: bytes.length }, bytes };
      at += FRAME_HEADER + bytes.length;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Where a walk of a block file's chain begins: the frame at `offset` is to be block `number`. */
export interface ChainStart {
  offset: number;
  number: number;
  /** The header hash of block `number - 1` (ZERO_HASH for block 0). */
  previousHash: string;
}

/**
 * The blocks `file` holds from `start` to its last frame, each proven the next of one chain: a
 * whole frame whose CRC holds, the next number, and its predecessor's header hash. Throws at the
 * first that is not, naming it. Signatures are the caller's to check (the chain carries them to
 * whatever block the caller already trusts: a tip, or the orderer's own check of the last).
 */
export async function* chainedBlocks(
  file: BlockFile,
  start: ChainStart,
): AsyncGenerator<{ n: number; span: BlockSpan; block: Block; hash: string }> {
  let n = start.number;
  let previous = start.previousHash;
  for await (const { span, bytes } of file.frames(start.offset)) {
    const block = parseJson(bytes) as Partial<Block>;
    if (block.header?.number !== n || block.header.previousHash !== previous)
      throw new Error(
        `the block file ${file.location} holds, past block ${n - 1}, a block that is not block ${n} chained to it (at offset ${span.o})`,
      );
    const hash = sha256Hex(encodeHeader(block.header));
    yield { n, span, block: block as Block, hash };
    previous = hash;
    n += 1;
  }
}

/** Blocks moved from the previous format per level batch, so a large ledger's migration stays bounded. */
const MIGRATION_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Moves the blocks a ledger of the previous format kept as JSON in level into its block file:
 * `legacy` yields them in height order, `commit` writes their spans and deletes the legacy
 * entries in one batch. A crash part-way leaves some blocks moved and the rest still in level,
 * and the next open moves the rest: the frames of the chunk whose batch the crash took are found
 * again past the last span, and writing the same blocks again takes them as they are.
 */
export async function migrateBlocks<T>(
  file: BlockFile,
  legacy: AsyncIterable<[string, T]>,
  encode: (value: T) => Uint8Array,
  commit: (moved: { key: string; value: T; span: BlockSpan }[]) => Promise<void>,
): Promise<void> {
  let chunk: { key: string; value: T; bytes: Uint8Array }[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const spans = await file.write(
      chunk.map((c) => c.bytes),
      true,
    );
    await commit(
      chunk.map((c, i) => ({ key: c.key, value: c.value, span: spans[i] as BlockSpan })),
    );
    file.indexed(spans[spans.length - 1] as BlockSpan);
    chunk = [];
    bytes = 0;
  };
  for await (const [key, value] of legacy) {
    const encoded = encode(value);
    chunk.push({ key, value, bytes: encoded });
    bytes += encoded.length;
    if (bytes >= MIGRATION_BATCH_BYTES) await flush();
  }
  await flush();
}
