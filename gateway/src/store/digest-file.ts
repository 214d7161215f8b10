/**
 * Whole-file digest as fast as the disk and OpenSSL allow: what `shulian verify <file>` runs.
 * Two buffers alternate so the next read (libuv thread pool) overlaps hashing the current block
 * (main thread); 4 MiB reads keep per-call overhead negligible. Memory is the two buffers.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Digest } from '@shulian/proof/chunks';
import type { DigestAlgorithm } from '@shulian/proof/hash';

const BLOCK = 4 * 1024 * 1024;

export async function digestFile(
  path: string,
  algorithm: DigestAlgorithm = 'sha256',
  onProgress?: (bytes: number) => void,
): Promise<Digest & { size: number }> {
  const file = await open(path, 'r');
  try {
    const hash = createHash(algorithm);
    const buffers = [Buffer.allocUnsafe(BLOCK), Buffer.allocUnsafe(BLOCK)] as const;
    let current = 0;
    let size = 0;
    let pending = file.read(buffers[0], 0, BLOCK, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const ready = buffers[current]!;
      current ^= 1;
      pending = file.read(buffers[current]!, 0, BLOCK, null);
      hash.update(ready.subarray(0, bytesRead));
      size += bytesRead;
      onProgress?.(size);
    }
    return { algorithm, value: hash.digest('hex'), size };
  } finally {
    await file.close();
  }
}
