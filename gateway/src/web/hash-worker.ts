/**
 * The verify page's hashing, off the main thread: a dedicated worker reads the file in slices and
 * feeds them to SM3 or SHA-256 compiled to WebAssembly (hash-wasm), several times faster than the
 * same hashes in JavaScript, so the page stays responsive and a large file hashes as fast as the
 * browser allows. Reading the next slice overlaps with hashing the current one. Where WebAssembly
 * is not allowed (a locked-down browser), the proof package's JavaScript hashes do the same work.
 *
 * Protocol (see hashing.ts): the page posts `{ file, algorithm }` once; the worker answers with
 * `{ done, total }` progress messages, then `{ digest }` or `{ error }`. Cancelling terminates it.
 */
import type { DigestAlgorithm } from '@shulian/proof/hash';
import { toHex } from '@shulian/proof/hash';
import { createSHA256, createSM3 } from 'hash-wasm';
import { HASHES } from './hashing-js.js';

export interface HashJob {
  file: Blob;
  algorithm: DigestAlgorithm;
}

export type HashReply = { done: number; total: number } | { digest: string } | { error: string };

/** 8 MiB: per-slice overhead is negligible next to hashing it, and progress still moves often. */
const SLICE_BYTES = 8 * 1024 * 1024;

interface Hasher {
  update(data: Uint8Array): void;
  hex(): string;
}

async function hasher(algorithm: DigestAlgorithm): Promise<Hasher> {
  try {
    const wasm = await (algorithm === 'sm3' ? createSM3() : createSHA256());
    wasm.init();
    return { update: (data) => void wasm.update(data), hex: () => wasm.digest('hex') };
  } catch {
    const js = HASHES[algorithm].create();
    return { update: (data) => void js.update(data), hex: () => toHex(js.digest()) };
  }
}

const reply = (message: HashReply): void => postMessage(message);

async function hash({ file, algorithm }: HashJob): Promise<string> {
  const state = await hasher(algorithm);
  const read = (offset: number): Promise<ArrayBuffer> =>
    file.slice(offset, Math.min(offset + SLICE_BYTES, file.size)).arrayBuffer();
  reply({ done: 0, total: file.size });
  let next = file.size > 0 ? read(0) : null;
  for (let offset = 0; next;) {
    const slice = await next;
    offset += slice.byteLength;
    next = offset < file.size ? read(offset) : null;
    state.update(new Uint8Array(slice));
    reply({ done: offset, total: file.size });
  }
  return state.hex();
}

addEventListener('message', (event: MessageEvent<HashJob>) => {
  hash(event.data).then(
    (digest) => reply({ digest }),
    (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
  );
});
