/**
 * A ledger's blocks (a node's, or the orderer's log) in one append-only file: each block's
 * canonical bytes, as ordered and signed, written once and fsynced, framed by their length and a
 * CRC-32 so a changed or torn byte is named rather than parsed. The file lives in the ledger's
 * level directory (LevelDB leaves files it did not create alone), so a ledger is still one folder
 * that repair and restore remove or replace whole.
 *
 * Where each block lies (its span) is kept in level, not in an index file: the span is written in
 * the same atomic batch as the tip and the state the block changes, so that batch stays the one
 * commit point, with no second file to fsync per block nor to reconcile with level after a
 * crash. A block is committed once its bytes are durable (fsynced first) and then its batch is:
 * bytes past the last span in level are a block whose batch never happened, or a torn write, and
 * opening truncates them. A span past the file's end cannot come from a crash (the bytes are
 * fsynced before the span is written); reading that block fails, naming it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
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

export class BlockFile {
  private constructor(
    private readonly handle: FileHandle,
    readonly location: string,
    /** End of the last committed block: where the next block is written. */
    private end: number,
  ) {}

  /**
   * Opens (or creates) the block file of the level database in `dir`, whose last committed block
   * ends at `committedEnd`: anything past it was never committed and is cut off (durably).
   */
  static async open(dir: string, committedEnd: number): Promise<BlockFile> {
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
      if (size > committedEnd) {
        await handle.truncate(committedEnd);
        await handle.sync();
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new BlockFile(handle, location, committedEnd);
  }

  /**
   * Writes blocks after the last committed one and, when `durable`, fsyncs them. They count as
   * committed only once the caller's level batch naming their spans succeeded and it called
   * `committed`; until then the next write goes to the same place.
   */
  async write(blocks: readonly Uint8Array[], durable: boolean): Promise<BlockSpan[]> {
    const spans: BlockSpan[] = [];
    const parts: Uint8Array[] = [];
    let at = this.end;
    for (const bytes of blocks) {
      parts.push(frameHeader(bytes), bytes);
      spans.push({ o: at, l: bytes.length });
      at += FRAME_HEADER + bytes.length;
    }
    // Header and bytes go out as they are, without a copy into one buffer.
    let written = (await this.handle.writev(parts, this.end)).bytesWritten;
    const total = at - this.end;
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
          this.end + written,
        );
        written += bytesWritten;
      }
    }
    if (durable) await this.handle.datasync();
    return spans;
  }

  /** Marks written blocks committed: their spans are durable in level. */
  committed(last: BlockSpan): void {
    this.end = spanEnd(last);
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

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Blocks moved from the previous format per level batch, so a large ledger's migration stays bounded. */
const MIGRATION_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Moves the blocks a ledger of the previous format kept as JSON in level into its block file:
 * `legacy` yields them in height order, `commit` writes their spans and deletes the legacy
 * entries in one batch. A crash part-way leaves some blocks moved and the rest still in level,
 * and the next open moves the rest (the file is cut back to the last span on open).
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
    file.committed(spans[spans.length - 1] as BlockSpan);
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
