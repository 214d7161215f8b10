/**
 * Delivery receipts: what a use delivered, measured. A usage record carries the bytes delivered
 * and their digest, so a consumer can later prove which file it received under which grant.
 *
 * The use is recorded on chain before anything is served (a refusal must never follow bytes), so
 * the digest of a projected file is known before it is streamed: the projection is a pure function
 * of the anchored bytes and the field list, so it is computed once to measure it (nothing is
 * written to disk: a projected copy of personal data lying in a temporary directory would be a
 * liability of its own), recorded, then computed again while streaming and checked against the
 * recorded digest. Should the two ever differ, the stream fails instead of ending, so the consumer
 * never holds a complete file that its receipt does not match.
 */
import { Transform, type Readable } from 'node:stream';
import type { Digest, DigestAlgorithm } from '@shulian/chaincode/constants';
import { toHex } from '@shulian/proof/hash';
import { nodeHashes } from '@shulian/proof/node';

export interface Delivery {
  bytes: number;
  digest: Digest;
}

const asBytes = (chunk: Buffer | string): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;

/** Reads a stream to its end, counting and hashing; the bytes are discarded. */
export async function measure(stream: Readable, algorithm: DigestAlgorithm): Promise<Delivery> {
  const hash = nodeHashes[algorithm].create();
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const data = asBytes(chunk);
    hash.update(data);
    bytes += data.length;
  }
  return { bytes, digest: { algorithm, value: toHex(hash.digest()) } };
}

/** Passes bytes through and fails at the end unless they are exactly the recorded delivery. */
export function deliveredAs(expected: Delivery): Transform {
  const hash = nodeHashes[expected.digest.algorithm].create();
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const data = asBytes(chunk);
      hash.update(data);
      bytes += data.length;
      callback(null, data);
    },
    flush(callback) {
      const value = toHex(hash.digest());
      if (bytes === expected.bytes && value === expected.digest.value) callback();
      else
        callback(
          new Error(
            `delivered ${bytes} bytes with digest ${value}; the usage record says ${expected.bytes} bytes, ${expected.digest.value}`,
          ),
        );
    },
  });
}
