import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFile } from '@shulian/proof/chunks';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import { nodeHashes, nodeSha256 } from '@shulian/proof/node';
import { writeBlob } from '../../gateway/src/store/blob-writer.js';
import {
  HashThreadError,
  openStreamHash,
  stopHashThreads,
} from '../../gateway/src/store/hash-threads.js';

const MIB = 1024 * 1024;
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Irregular pieces, as a socket gives them. */
async function* pieces(data: Uint8Array): AsyncIterable<Uint8Array> {
  const sizes = [1, 65_536, 7, 300_001, 4096, 1_000_003];
  for (let i = 0, k = 0; i < data.length; k++) {
    const step = sizes[k % sizes.length]!;
    yield await Promise.resolve(data.subarray(i, i + step));
    i += step;
  }
}

async function* failingAfter(data: Uint8Array, bytes: number): AsyncIterable<Uint8Array> {
  yield* pieces(data.subarray(0, bytes));
  throw new Error('connection reset');
}

let dir: string;
let n = 0;
const path = (): string => join(dir, `blob-${n++}`);

/** Whether the file system of `where` takes O_DIRECT: then the writer must use it when asked. */
async function takesDirectIo(where: string): Promise<boolean> {
  if (!constants.O_DIRECT) return false;
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT;
    await (await open(join(where, 'probe'), flags)).close();
    return true;
  } catch {
    return false;
  }
}

/** The system temporary directory, and tmpfs where there is one (which may refuse O_DIRECT). */
const FILE_SYSTEMS = [tmpdir(), ...(existsSync('/dev/shm') ? ['/dev/shm'] : [])];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-writer-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('blob writer', () => {
  // Around every boundary: the direct-I/O block (4096), the ring slot (1 MiB), the ring (8 MiB).
  const sizes = [0, 1, 4095, 4096, 4097, MIB - 1, MIB, MIB + 1, 8 * MIB + 12_345];
  const data = randomBytes(9 * MIB);

  describe.each([true, false])('O_DIRECT tried: %s', (directIo) => {
    it.each(sizes)('writes %i bytes exactly, with the single-thread commitment', async (size) => {
      const bytes = data.subarray(0, size);
      const target = path();
      const written = await writeBlob(pieces(bytes), target, {
        algorithm: 'sha256',
        chunkSize: MIB,
        directIo,
      });
      const expected = await commitFile(nodeSha256, [bytes], MIB);
      expect(written).toMatchObject({
        size,
        digest: expected.digest.value,
        chunkRoot: expected.chunkRoot,
        address: sha256(bytes),
      });
      const stored = await readFile(target);
      expect(stored.length).toBe(size);
      expect(stored.equals(bytes)).toBe(true);
    });
  });

  it.each(FILE_SYSTEMS)(
    'uses O_DIRECT where the file system of %s takes it, and not when told not to',
    async (root) => {
      const where = await mkdtemp(join(root, 'shulian-direct-'));
      try {
        const bytes = data.subarray(0, 3 * MIB + 5);
        const options = { algorithm: 'sha256', chunkSize: MIB } as const;
        const direct = await writeBlob(pieces(bytes), join(where, 'a'), options);
        expect(direct.direct).toBe(await takesDirectIo(where));
        expect((await readFile(join(where, 'a'))).equals(bytes)).toBe(true);
        const buffered = await writeBlob(pieces(bytes), join(where, 'b'), {
          ...options,
          directIo: false,
        });
        expect(buffered.direct).toBe(false);
        expect((await readFile(join(where, 'b'))).equals(bytes)).toBe(true);
      } finally {
        await rm(where, { recursive: true, force: true });
      }
    },
  );

  it.each([
    ['sha256', MIB],
    ['sm3', MIB],
    ['sm3', 4096],
    ['sm3', 10],
    ['sha256', 10],
    ['sha256', 3 * MIB],
  ] as [DigestAlgorithm, number][])(
    'computes %s digests and chunk trees of %i-byte chunks, addressed by sha256',
    async (algorithm, chunkSize) => {
      const bytes = data.subarray(0, 2 * MIB + 777);
      const written = await writeBlob(pieces(bytes), path(), { algorithm, chunkSize });
      const hash = nodeHashes[algorithm];
      const expected = await commitFile(hash, [bytes], chunkSize);
      expect(written.digest).toBe(expected.digest.value);
      expect(written.chunkRoot).toBe(expected.chunkRoot);
      expect(written.address).toBe(sha256(bytes));
    },
  );

  it('keeps concurrent uploads apart', async () => {
    const slices = [0, 1, 2].map((i) => data.subarray(i * MIB, i * MIB + 3 * MIB + i));
    const written = await Promise.all(
      slices.map((bytes) =>
        writeBlob(pieces(bytes), path(), { algorithm: 'sha256', chunkSize: 4096 }),
      ),
    );
    for (const [i, bytes] of slices.entries()) {
      expect(written[i]!.digest).toBe(sha256(bytes));
      expect(written[i]!.chunkRoot).toBe((await commitFile(nodeSha256, [bytes], 4096)).chunkRoot);
    }
  });

  it('fails with the source, and the next upload is unaffected', async () => {
    const bytes = data.subarray(0, 5 * MIB);
    await expect(
      writeBlob(failingAfter(bytes, 3 * MIB + 1), path(), { algorithm: 'sha256', chunkSize: MIB }),
    ).rejects.toThrow('connection reset');
    const written = await writeBlob(pieces(bytes), path(), { algorithm: 'sha256', chunkSize: MIB });
    expect(written.digest).toBe(sha256(bytes));
  });

  it('stops when a piece is refused (the size limit), before storing it', async () => {
    let seen = 0;
    const target = path();
    const refusal = writeBlob(pieces(data.subarray(0, 4 * MIB)), target, {
      algorithm: 'sha256',
      chunkSize: MIB,
      onPiece: (piece) => {
        seen += piece.length;
        if (seen > 2 * MIB) throw new RangeError('too large');
      },
    });
    await expect(refusal).rejects.toThrow(RangeError);
    expect((await readFile(target)).length).toBeLessThanOrEqual(2 * MIB);
  });

  it('fails the upload when its hash thread dies, and starts a fresh one for the next', async () => {
    const bytes = data.subarray(0, 8 * MIB);
    let killed = false;
    const dying = writeBlob(pieces(bytes), path(), {
      algorithm: 'sha256',
      chunkSize: MIB,
      onPiece: () => {
        if (!killed) void stopHashThreads();
        killed = true;
      },
    });
    await expect(dying).rejects.toThrow(HashThreadError);
    const written = await writeBlob(pieces(bytes), path(), { algorithm: 'sha256', chunkSize: MIB });
    expect(written.digest).toBe(sha256(bytes));
  });
});

describe('hash threads', () => {
  it('refuse a region outside the shared memory, naming it', async () => {
    const hash = openStreamHash(new SharedArrayBuffer(1024), {
      kind: 'digest',
      algorithm: 'sha256',
    });
    await expect(hash.update(1000, 100)).rejects.toThrow('region 1000+100 is outside');
    await hash.close();
  });

  it('refuse a chunk size that is not a positive integer', async () => {
    const memory = new SharedArrayBuffer(1024);
    const hash = openStreamHash(memory, { kind: 'chunks', algorithm: 'sha256', chunkSize: 0 });
    await expect(hash.finish()).rejects.toThrow('chunk size');
    await hash.close();
  });
});
