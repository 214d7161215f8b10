/**
 * A file system that refuses O_DIRECT (as tmpfs did before Linux 6.6, and FUSE file systems may):
 * the open fails with EINVAL after creating the file, and the writer must fall back to buffered
 * writes. Simulated by failing such opens, since the machine's own file systems all take it.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commitFile } from '@shulian/proof/chunks';
import { nodeSha256 } from '@shulian/proof/node';
import { writeBlob } from '../../gateway/src/store/blob-writer.js';

const refusal = vi.hoisted(() => ({ code: 'EINVAL' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (path, flags, mode) => {
    if (typeof flags === 'number' && (flags & constants.O_DIRECT) !== 0) {
      await actual.writeFile(path, '');
      throw Object.assign(new Error(`${refusal.code}: open ${String(path)}`), {
        code: refusal.code,
      });
    }
    return actual.open(path, flags, mode);
  };
  return { ...actual, open };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-fallback-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('blob writer on a file system without O_DIRECT', () => {
  const MIB = 1024 * 1024;
  const data = randomBytes(2 * MIB + 3);

  it('falls back to buffered writes, with the same bytes and commitment', async () => {
    refusal.code = 'EINVAL';
    const target = join(dir, 'a');
    const written = await writeBlob([data], target, { algorithm: 'sha256', chunkSize: MIB });
    const expected = await commitFile(nodeSha256, [data], MIB);
    expect(written).toMatchObject({
      direct: false,
      size: data.length,
      digest: expected.digest.value,
      chunkRoot: expected.chunkRoot,
    });
    expect((await readFile(target)).equals(data)).toBe(true);
  });

  it('reports any other failure to open instead of hiding it', async () => {
    refusal.code = 'EACCES';
    await expect(
      writeBlob([data], join(dir, 'b'), { algorithm: 'sha256', chunkSize: MIB }),
    ).rejects.toMatchObject({ code: 'EACCES' });
  });
});
