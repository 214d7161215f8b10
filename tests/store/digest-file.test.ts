import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFile } from '../../gateway/src/store/digest-file.js';

const MIB = 1024 * 1024;
let dir: string;
const data = randomBytes(9 * MIB + 3);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-digest-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('digestFile', () => {
  // Around the 4 MiB read size, where the double buffering changes hands.
  it.each([0, 1, 4 * MIB - 1, 4 * MIB, 4 * MIB + 1, 8 * MIB, 9 * MIB + 3])(
    'matches a plain hash for %i bytes, with progress up to the size',
    async (size) => {
      const path = join(dir, `f${size}`);
      const bytes = data.subarray(0, size);
      await writeFile(path, bytes);
      const progress: number[] = [];
      const digest = await digestFile(path, 'sha256', (n) => progress.push(n));
      expect(digest).toEqual({
        algorithm: 'sha256',
        value: createHash('sha256').update(bytes).digest('hex'),
        size,
      });
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1) ?? 0).toBe(size);
    },
  );

  it('hashes with SM3 when asked', async () => {
    const path = join(dir, 'sm3');
    await writeFile(path, data.subarray(0, 5 * MIB));
    expect((await digestFile(path, 'sm3')).value).toBe(
      createHash('sm3')
        .update(data.subarray(0, 5 * MIB))
        .digest('hex'),
    );
  });

  it('rejects a missing file', async () => {
    await expect(digestFile(join(dir, 'missing'))).rejects.toThrow('ENOENT');
  });
});
