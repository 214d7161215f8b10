/**
 * Writes an upload to a file and commits to it (file digest, chunk tree) as it arrives, in
 * constant memory, keeping both cores busy.
 *
 * Bytes from the socket are copied once, into a ring of four 1 MiB slots. A full slot goes at the
 * same time to the disk and to the hashes, and is reused when both are done; with every slot busy
 * the socket waits, so memory never fills.
 *
 * Work is spread without another isolate: the file digest, an incremental hash that must see the
 * slots in order, runs on the event loop, while each 1 MiB chunk's leaf is a one-shot SHA-256
 * that WebCrypto runs on the libuv thread pool, beside the disk writes. (A worker thread for the
 * chunk tree was as fast and cost 11 MB of RSS for its isolate.) SM3, which WebCrypto lacks, and
 * chunk sizes other than the slot's build the chunk tree on the event loop: correct, slower.
 *
 * The file is opened with O_DIRECT where the file system allows it: the page-cache copy and its
 * write-back cost as much CPU as a hash, on a machine whose cores are already busy with the
 * socket and the hashes, and a durable store would flush those pages at the end anyway. Direct
 * I/O needs memory, offsets and lengths aligned to the device's blocks, hence the layout: the ring
 * is WebAssembly memory, which V8 maps page-aligned; slot i starts at i·(1 MiB + 4 KiB) + 4 KiB,
 * so every slot starts on a page and is preceded by a 4 KiB gap that is never written. The gap's
 * last byte is the 0x00 leaf prefix of RFC 6962, so a chunk's leaf hash reads [start − 1, end)
 * without a copy. The last, short slot is written rounded up to a block and the file then
 * truncated to its size.
 */
import { webcrypto } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ChunkRootBuilder, DEFAULT_CHUNK_SIZE } from '../proof/chunks.js';
import { toHex, type DigestAlgorithm } from '../proof/hash.js';
import { MerkleRootBuilder } from '../proof/merkle.js';
import { nodeHashes, nodeSha256 } from '../proof/node.js';

/** A slot is one chunk of the default size, so the default chunk tree takes one digest per slot. */
const SLOT_BYTES = DEFAULT_CHUNK_SIZE;
const GAP_BYTES = 4096;
const STRIDE = SLOT_BYTES + GAP_BYTES;
const SLOTS = 4;
const WASM_PAGE_BYTES = 64 * 1024;
/** Covers every logical block size Linux supports for direct I/O (512 to 4096 bytes). */
const DIRECT_ALIGN = 4096;

const slotStart = (slot: number): number => slot * STRIDE + GAP_BYTES;
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
}

export interface WriteBlobOptions {
  algorithm: DigestAlgorithm;
  chunkSize: number;
  /** Try O_DIRECT (default true); buffered writes when false or when the file system refuses. */
  directIo?: boolean;
  /** Sees every piece as it arrives, before it is stored; throwing aborts the write. */
  onPiece?: (piece: Uint8Array) => void;
}

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number }): { buffer: ArrayBuffer };
}
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } })
  .WebAssembly;

/** Rings of finished uploads, kept for the next ones (a new ring costs a mapping and page faults). */
const spareRings: Buffer[] = [];
const SPARE_RINGS = 2;

function takeRing(): Buffer {
  const pages = Math.ceil((SLOTS * STRIDE) / WASM_PAGE_BYTES);
  return spareRings.pop() ?? Buffer.from(new Memory({ initial: pages, maximum: pages }).buffer);
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

/** The chunk tree, fed slot by slot; `add` resolves when the slot's bytes are no longer needed. */
interface ChunkTree {
  add(start: number, length: number): Promise<void>;
  root(): Promise<string>;
}

function chunkTree(ring: Buffer, algorithm: DigestAlgorithm, chunkSize: number): ChunkTree {
  if (algorithm === 'sha256' && chunkSize === SLOT_BYTES) {
    const tree = new MerkleRootBuilder(nodeSha256);
    let appended: Promise<void> = Promise.resolve();
    return {
      add(start, length) {
        const leaf = webcrypto.subtle.digest('SHA-256', ring.subarray(start - 1, start + length));
        // Leaves finish in any order on the pool; the tree takes them in file order.
        appended = Promise.all([leaf, appended]).then(([l]) => tree.append(new Uint8Array(l)));
        return appended;
      },
      root: async () => {
        await appended;
        return toHex(tree.root());
      },
    };
  }
  const builder = new ChunkRootBuilder(nodeHashes[algorithm], chunkSize);
  return {
    add(start, length) {
      builder.update(ring.subarray(start, start + length));
      return Promise.resolve();
    },
    root: () => Promise.resolve(builder.finish()),
  };
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
  const { algorithm } = options;
  const ring = takeRing();
  const { handle, direct } = await openFile(path, options.directIo ?? true);
  const file = nodeHashes[algorithm].create();
  // The address is SHA-256 whatever the dataset's algorithm; with sha256 the digest is it.
  const address = algorithm === 'sha256' ? null : nodeSha256.create();
  const chunks = chunkTree(ring, algorithm, options.chunkSize);

  const free = Array.from({ length: SLOTS }, (_, i) => i);
  const inFlight = new Set<Promise<void>>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;

  let size = 0;
  let slot = -1;
  let fill = 0;

  /** Hashes the current slot's `fill` bytes and sends them to the disk and the chunk tree. */
  const flush = (): void => {
    const start = slotStart(slot);
    const length = fill;
    const taken = slot;
    const view = ring.subarray(start, start + length);
    file.update(view);
    address?.update(view);
    const done = Promise.all([
      handle.write(ring, start, direct ? roundUp(length, DIRECT_ALIGN) : length, size - length),
      chunks.add(start, length),
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
        ring.set(piece.subarray(offset, offset + take), slotStart(slot) + fill);
        fill += take;
        size += take;
        offset += take;
        if (fill === SLOT_BYTES) flush();
      }
    }
    if (fill > 0) flush();
    while (inFlight.size > 0) await Promise.all(inFlight);
    check();
    const digest = toHex(file.digest());
    const chunkRoot = await chunks.root();
    if (direct && size % DIRECT_ALIGN !== 0) await handle.truncate(size);
    await handle.sync();
    return { size, digest, chunkRoot, address: address ? toHex(address.digest()) : digest, direct };
  } finally {
    // Writes still in flight read the ring and use the file: let them end first.
    await Promise.allSettled(inFlight);
    await handle.close();
    if (spareRings.length < SPARE_RINGS) spareRings.push(ring);
  }
}
