import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitFile, FileCommitmentBuilder, verifyChunk } from '@shulian/proof/chunks';
import { toHex } from '@shulian/proof/hash';
import { inclusionProof, leafHash, merkleRoot } from '@shulian/proof/merkle';
import { nodeSha256, nodeSm3 } from '@shulian/proof/node';
import { sm3 } from '@shulian/proof/sm3';

function* pieces(data: Uint8Array, step: number): Iterable<Uint8Array> {
  for (let i = 0; i < data.length; i += step) yield data.subarray(i, i + step);
}

/** The definition, spelled out: split, hash each chunk as a leaf, take the RFC 6962 root. */
function expectedChunkRoot(data: Uint8Array, chunkSize: number): string {
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    leaves.push(leafHash(nodeSha256, data.subarray(i, i + chunkSize)));
  }
  return toHex(merkleRoot(nodeSha256, leaves));
}

describe('file commitment', () => {
  const data = randomBytes(10_000);

  it.each([1, 100, 999, 1000, 1001, 4096, 20_000])(
    'gives the plain digest and the chunk root, however the stream is split (piece %i)',
    async (step) => {
      const commitment = await commitFile(nodeSha256, pieces(data, step), 1000);
      expect(commitment).toEqual({
        digest: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') },
        chunkRoot: expectedChunkRoot(data, 1000),
        size: 10_000,
        chunkSize: 1000,
      });
    },
  );

  it('handles a last partial chunk and the empty file', async () => {
    const odd = data.subarray(0, 2500);
    expect((await commitFile(nodeSha256, pieces(odd, 333), 1000)).chunkRoot).toBe(
      expectedChunkRoot(odd, 1000),
    );
    const empty = new FileCommitmentBuilder(nodeSha256).finish();
    expect(empty.chunkRoot).toBe(createHash('sha256').digest('hex'));
    expect(empty.size).toBe(0);
  });

  it('uses SM3 throughout when asked, the pure and OpenSSL versions agreeing', async () => {
    const pure = await commitFile(sm3, pieces(data, 777), 1000);
    const openssl = await commitFile(nodeSm3, pieces(data, 4096), 1000);
    expect(pure).toEqual(openssl);
    expect(pure.digest).toEqual({
      algorithm: 'sm3',
      value: createHash('sm3').update(data).digest('hex'),
    });
  });

  it('rejects a chunk size that is not a positive integer', () => {
    expect(() => new FileCommitmentBuilder(nodeSha256, 0)).toThrow(RangeError);
  });
});

describe('chunk proofs', () => {
  const data = randomBytes(2500);
  const chunks = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)];
  const leaves = chunks.map((c) => leafHash(nodeSha256, c));
  const anchored = {
    chunkRoot: toHex(merkleRoot(nodeSha256, leaves)),
    chunkSize: 1000,
    size: 2500,
  };
  const flipped = (chunk: Uint8Array, at: number): Buffer => {
    const copy = Buffer.from(chunk);
    copy[at]! ^= 0xff;
    return copy;
  };
  const proofOf = (index: number) => ({
    index,
    path: inclusionProof(nodeSha256, leaves, index).map(toHex),
  });

  it('verifies every chunk, the short last one included', () => {
    chunks.forEach((chunk, i) => {
      expect(verifyChunk(nodeSha256, anchored, proofOf(i), chunk)).toEqual({ ok: true });
    });
  });

  it.each([
    // Flipped, not set: a random byte already 0 (one run in 256) would leave the chunk as it was.
    ['a changed byte', 1, () => flipped(chunks[1]!, 10), 'root'],
    ['another chunk', 1, () => chunks[0]!, 'root'],
    ['a short chunk', 0, () => chunks[0]!.subarray(1), 'expected 1000'],
    ['a padded last chunk', 2, () => data.subarray(1500), 'expected 500'],
    ['an index past the end', 3, () => chunks[2]!, 'outside'],
  ] as const)('rejects %s', (_, index, chunk, reason) => {
    const proof = { ...proofOf(Math.min(index, 2)), index };
    const check = verifyChunk(nodeSha256, anchored, proof, chunk());
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });

  it('rejects malformed hex without throwing', () => {
    const check = verifyChunk(
      nodeSha256,
      { ...anchored, chunkRoot: 'XYZ' },
      proofOf(0),
      chunks[0]!,
    );
    expect(check.ok).toBe(false);
  });
});
