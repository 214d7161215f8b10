/**
 * Offline verification for `shulian verify --proof`: hash the file locally and check the bundle
 * against the trust file with the proof module. Nothing here opens a socket.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Json } from '@shulian/chaincode/canonical';
import { verifyBundle, type HeldSubject, type VerifyResult } from '@shulian/proof/bundle';
import type { Digest } from '@shulian/proof/chunks';
import type { DigestAlgorithm } from '@shulian/proof/hash';
import { nodeProofCrypto } from '@shulian/proof/node';
import { digestFile } from '../store/digest-file.js';
import { CliError } from './client.js';
import type { Progress } from './progress.js';

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      'FILE_NOT_READABLE',
      `cannot read ${what} ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError('INVALID_JSON', `${what} ${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Hashes a file as `shulian verify` does (the store's digestFile), drawing progress. */
export async function hashFile(
  path: string,
  algorithm: DigestAlgorithm,
  progress: Progress,
): Promise<Digest & { size: number }> {
  let seen = 0;
  const digest = await digestFile(path, algorithm, (total) => {
    progress.advance(total - seen);
    seen = total;
  });
  progress.done();
  return digest;
}

/** The digest algorithm the bundle's anchor uses, so the file is hashed once, the right way. */
export function bundleAlgorithm(bundle: unknown): DigestAlgorithm {
  const algorithm = (bundle as { anchor?: { value?: { digest?: { algorithm?: unknown } } } })
    ?.anchor?.value?.digest?.algorithm;
  return algorithm === 'sm3' ? 'sm3' : 'sha256';
}

export type HeldInput =
  | { kind: 'file'; path: string }
  | { kind: 'digest'; digest: Digest }
  | { kind: 'record'; record: Json }
  | { kind: 'none' };

export async function verifyOffline(
  bundlePath: string,
  trustPath: string,
  held: HeldInput,
  progress: (total: number) => Progress,
): Promise<VerifyResult & { subject: string }> {
  const [bundle, trust] = await Promise.all([
    readJsonFile(bundlePath, 'proof bundle'),
    readJsonFile(trustPath, 'trust file'),
  ]);
  let subject: HeldSubject | undefined;
  let described: string;
  switch (held.kind) {
    case 'file': {
      const { size } = await stat(held.path);
      const digest = await hashFile(held.path, bundleAlgorithm(bundle), progress(size));
      subject = {
        kind: 'file',
        digest: { algorithm: digest.algorithm, value: digest.value },
        size: digest.size,
      };
      described = `${held.path} (${digest.algorithm} ${digest.value})`;
      break;
    }
    case 'digest':
      subject = { kind: 'file', digest: held.digest };
      described = `${held.digest.algorithm} ${held.digest.value}`;
      break;
    case 'record':
      subject = { kind: 'record', record: held.record };
      described = 'record';
      break;
    case 'none':
      subject = undefined;
      described = 'bundle only';
      break;
  }
  return { ...(await verifyBundle(bundle, trust, nodeProofCrypto, subject)), subject: described };
}
