/**
 * Writes an upload to a file and commits to it (file digest, chunk tree) as it arrives, in
 * constant memory, with the hashing off the event loop.
 *
 * Bytes from the socket are copied once, into a ring of four 1 MiB slots of shared memory. A full
 * slot goes at the same time to the disk and to the hash threads (./hash-threads.ts: the file
 * digest, the chunk tree, the SHA-256 address when the dataset's algorithm is another, and the
 * records of a tabular upload, parsed and committed), and is
 * reused when all of them are done; with every slot busy the socket waits, so memory never fills.
 * The event loop is left with the socket and the copy: on two cores one hash thread takes both
 * passes, on more cores each pass gets its own.
 *
 * The file is opened with O_DIRECT where the file system allows it: the page-cache copy and its
 * write-back cost as much CPU as a hash, on a machine whose cores are already busy with the
 * socket and the hashes, and a durable store would flush those pages at the end anyway. Direct
 * I/O needs memory, offsets and lengths aligned to the device's blocks: the ring is WebAssembly
 * shared memory, which V8 maps page-aligned, every slot starts at a multiple of 1 MiB, and the
 * last, short slot is written rounded up to a block and the file then truncated to its size.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import type { RecordCommitment, RecordFormat } from '@shulian/proof/records';
import { openRecordStream, openStreamHash } from './hash-threads.js';

const SLOT_BYTES = 1 << 20;
const SLOTS = 4;
const WASM_PAGE_BYTES = 64 * 1024;
/** Covers every logical block size Linux supports for direct I/O (512 to 4096 bytes). */
const DIRECT_ALIGN = 4096;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

export interface WrittenBlob {
  size: number;
  /** hex, in the dataset's algorithm */
  digest: string;
  /** hex chunk-tree root, in the dataset's algorithm */
  chunkRoot: string;
  /** hex SHA-256: the store's address (the digest itself when the algorithm is sha256) */
  address: string;
  /** whether the bytes went to disk with O_DIRECT */
  direct: boolean;
  /** the record commitment, when the bytes were anchored record by record */
  records: RecordCommitment | null;
}

export interface WriteBlobOptions {
  algorithm: DigestAlgorithm;
  chunkSize: number;
  /** Try O_DIRECT (default true); buffered writes when false or when the file system refuses. */
  directIo?: boolean;
  /** Sees every piece as it arrives, before it is stored; throwing aborts the write. */
  onPiece?: (piece: Uint8Array) => void;
  /**
   * Parse the bytes as records of `format` and commit to them, on a hash thread like the other
   * hashes; each record's 32-byte leaf goes to `onLeaves`, in order, several at a time, in blocks
   * that are the callee's to keep (nothing else holds them).
   */
  records?: { format: RecordFormat; secret: Uint8Array; onLeaves: (leaves: Uint8Array) => void };
}

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number; shared: true }): {
    buffer: SharedArrayBuffer;
  };
}
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } })
  .WebAssembly;

/** Rings of finished uploads, kept for the next ones (a new ring costs a mapping and page faults). */
const spareRings: SharedArrayBuffer[] = [];
const SPARE_RINGS = 2;

function takeRing(): SharedArrayBuffer {
  const pages = (SLOTS * SLOT_BYTES) / WASM_PAGE_BYTES;
  return spareRings.pop() ?? new Memory({ initial: pages, maximum: pages, shared: true }).buffer;
}

async function openFile(
  path: string,
  tryDirect: boolean,
): Promise<{ handle: FileHandle; direct: boolean }> {
  // O_DIRECT is Linux's (undefined elsewhere); tmpfs and some others refuse it with EINVAL.
  const direct = constants.O_DIRECT;
  if (tryDirect && direct) {
    try {
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | direct;
      return { handle: await open(path, flags, 0o644), direct: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
    }
  }
  // Not exclusive: a refused O_DIRECT open may already have created the (randomly named) file.
  return { handle: await open(path, 'w'), direct: false };
}

/** The streams one upload feeds from the ring, each on a hash thread. */
function openHashes(memory: SharedArrayBuffer, options: WriteBlobOptions) {
  const { algorithm, chunkSize } = options;
  const digest = openStreamHash(memory, { kind: 'digest', algorithm });
  const chunks = openStreamHash(memory, { kind: 'chunks', algorithm, chunkSize });
  // The address is SHA-256 whatever the dataset's algorithm; with sha256 the digest is it.
  const address =
    algorithm === 'sha256' ? null : openStreamHash(memory, { kind: 'digest', algorithm: 'sha256' });
  const wanted = options.records;
  const records = wanted
    ? openRecordStream(
        memory,
        { kind: 'records', algorithm, format: wanted.format, secret: wanted.secret },
        wanted.onLeaves,
      )
    : null;
  const hashes = [digest, chunks, ...(address ? [address] : []), ...(records ? [records] : [])];
  return { digest, chunks, address, records, hashes };
}

/**
 * Streams `source` into a new file at `path`, fsynced before this resolves. On any failure the
 * file is left for the caller to remove, and nothing is still writing from the ring.
 */
export async function writeBlob(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  path: string,
  options: WriteBlobOptions,
): Promise<WrittenBlob> {
  const memory = takeRing();
  // A Buffer view for the copy in: see below.
  const ring = Buffer.from(memory);
  const { handle, direct } = await openFile(path, options.directIo ?? true);
  const { digest, chunks, address, records, hashes } = openHashes(memory, options);

  const free = Array.from({ length: SLOTS }, (_, i) => i);
  const inFlight = new Set<Promise<void>>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;

  let size = 0;
  let slot = -1;
  let fill = 0;

  /** Sends the current slot's `fill` bytes to the disk and the hash threads. */
  const flush = (): void => {
    const start = slot * SLOT_BYTES;
    const length = fill;
    const taken = slot;
    const done = Promise.all([
      handle.write(ring, start, direct ? roundUp(length, DIRECT_ALIGN) : length, size - length),
      ...hashes.map((h) => h.update(start, length)),
    ]).then(
      () => void free.push(taken),
      (error: unknown) =>
        void (failure ??= error instanceof Error ? error : new Error(String(error))),
    );
    const tracked = done.finally(() => {
      inFlight.delete(tracked);
      wake?.();
      wake = null;
    });
    inFlight.add(tracked);
    slot = -1;
    fill = 0;
  };

  const check = (): void => {
    if (failure !== null) throw failure;
  };

  try {
    for await (const piece of source) {
      options.onPiece?.(piece);
      for (let offset = 0; offset < piece.length;) {
        if (slot < 0) {
          while (free.length === 0 && failure === null) await new Promise<void>((r) => (wake = r));
          check();
          slot = free.shift()!;
        }
        const take = Math.min(SLOT_BYTES - fill, piece.length - offset);
        // Not ring.set(): V8 copies into shared memory a word at a time with atomic stores, which
        // cost as much as the socket; Buffer#fill with a Buffer value is one memcpy.
        const at = slot * SLOT_BYTES + fill;
        ring.fill(piece.subarray(offset, offset + take), at, at + take);
        fill += take;
        size += take;
        offset += take;
        if (fill === SLOT_BYTES) flush();
      }
    }
    if (fill > 0) flush();
    while (inFlight.size > 0) await Promise.all(inFlight);
    check();
    const [digestHex, chunkRoot, addressHex] = await Promise.all([
      digest.finish(),
      chunks.finish(),
      address?.finish(),
      records?.finish(),
    ]);
    if (direct && size % DIRECT_ALIGN !== 0) await handle.truncate(size);
    await handle.sync();
    return {
      size,
      digest: digestHex,
      chunkRoot,
      address: addressHex ?? digestHex,
      direct,
      records: records ? records.commitment() : null,
    };
  } finally {
    // Writes and hashes still in flight read the ring and use the file: let them end first.
    await Promise.allSettled(inFlight);
    await Promise.all(hashes.map((h) => h.close()));
    await handle.close();
    if (spareRings.length < SPARE_RINGS) spareRings.push(memory);
  }
}
