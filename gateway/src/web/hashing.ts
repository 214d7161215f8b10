/**
 * Hashing in the browser: the file is read in slices and fed to an incremental hash, so memory
 * stays flat whatever the file size and a progress bar can follow. Nothing is uploaded; only the
 * hex digest leaves this module.
 */
import { browserSha256 } from '@shulian/proof/browser';
import type { DigestAlgorithm, HashFunction } from '@shulian/proof/hash';
import { toHex } from '@shulian/proof/hash';
import { sm3 } from '@shulian/proof/sm3';

/** @noble/hashes' SHA-256 and the pure SM3, as the proof modules use them in browsers. */
export const HASHES: Readonly<Record<DigestAlgorithm, HashFunction>> = {
  sha256: browserSha256,
  sm3,
};

/** 4 MiB: large enough that per-slice overhead is negligible, small enough for smooth progress. */
const SLICE_BYTES = 4 * 1024 * 1024;

export async function hashFile(
  file: Blob,
  algorithm: DigestAlgorithm,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const state = HASHES[algorithm].create();
  onProgress(0, file.size);
  for (let offset = 0; offset < file.size; offset += SLICE_BYTES) {
    signal?.throwIfAborted();
    const end = Math.min(offset + SLICE_BYTES, file.size);
    state.update(new Uint8Array(await file.slice(offset, end).arrayBuffer()));
    onProgress(end, file.size);
  }
  return toHex(state.digest());
}
