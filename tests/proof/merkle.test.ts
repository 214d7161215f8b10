import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@shulian/proof/hash';
import {
  inclusionProof,
  leafHash,
  MerkleRootBuilder,
  merkleRoot,
  streamedInclusionProof,
  verifyInclusion,
} from '@shulian/proof/merkle';
import { nodeSha256 } from '@shulian/proof/node';

// The Certificate Transparency / transparency-dev reference tree (merkle_tree_test.cc).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// [leaf index (0-based), tree size, audit path]
const PROOFS: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

const h = nodeSha256;
const leafHashes = LEAVES.map((leaf) => leafHash(h, leaf));

describe('RFC 6962 Merkle tree', () => {
  it('hashes the empty tree to H("")', () => {
    expect(toHex(merkleRoot(h, []))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it.each(ROOTS.map((root, i) => [i + 1, root] as const))(
    'root of the first %i leaves',
    (n, root) => {
      expect(toHex(merkleRoot(h, leafHashes.slice(0, n)))).toBe(root);
    },
  );

  it('builds the same root incrementally as in one go, at every size', () => {
    const builder = new MerkleRootBuilder(h);
    const many = Array.from({ length: 70 }, (_, i) => leafHash(h, Uint8Array.of(i)));
    many.forEach((leaf, i) => {
      builder.append(leaf);
      expect(builder.size).toBe(i + 1);
      expect(toHex(builder.root())).toBe(toHex(merkleRoot(h, many.slice(0, i + 1))));
    });
  });

  it.each(PROOFS)('generates and verifies the reference proof for leaf %i of %i', (i, n, want) => {
    const leaves = leafHashes.slice(0, n);
    const path = inclusionProof(h, leaves, i);
    expect(path.map(toHex)).toEqual(want);
    expect(verifyInclusion(h, i, n, leaves[i]!, path, fromHex(ROOTS[n - 1]!))).toEqual({
      ok: true,
    });
  });

  it('proves every leaf of every tree up to 33 leaves', () => {
    const many = Array.from({ length: 33 }, (_, i) => leafHash(h, Uint8Array.of(i, 7)));
    for (let n = 1; n <= many.length; n++) {
      const leaves = many.slice(0, n);
      const root = merkleRoot(h, leaves);
      for (let i = 0; i < n; i++) {
        const check = verifyInclusion(h, i, n, leaves[i]!, inclusionProof(h, leaves, i), root);
        expect(check, `leaf ${i} of ${n}`).toEqual({ ok: true });
      }
    }
  });

  it('builds the same path from leaves streaming by once', async () => {
    const many = Array.from({ length: 21 }, (_, i) => leafHash(h, Uint8Array.of(i, 9)));
    for (let n = 1; n <= many.length; n++) {
      const leaves = many.slice(0, n);
      for (let i = 0; i < n; i++) {
        const position = await streamedInclusionProof(h, leaves, n, i);
        expect(position.path.map(toHex)).toEqual(inclusionProof(h, leaves, i).map(toHex));
        expect(toHex(position.root)).toBe(toHex(merkleRoot(h, leaves)));
        expect(position.leaf).toBe(leaves[i]);
      }
    }
    await expect(streamedInclusionProof(h, many.slice(0, 5), 6, 1)).rejects.toThrow('expected 6');
  });

  describe('rejects', () => {
    const [i, n, want] = PROOFS[2]!;
    const path = want.map(fromHex);
    const root = fromHex(ROOTS[n - 1]!);
    const leaf = leafHashes[i]!;
    const flip = (bytes: Uint8Array): Uint8Array => {
      const out = bytes.slice();
      out[0]! ^= 1;
      return out;
    };
    const cases: [string, () => ReturnType<typeof verifyInclusion>, string][] = [
      ['a wrong leaf', () => verifyInclusion(h, i, n, leafHashes[i - 1]!, path, root), 'root'],
      [
        'the raw data instead of its leaf hash',
        () => verifyInclusion(h, i, n, LEAVES[i]!, path, root),
        'root',
      ],
      ['a wrong root', () => verifyInclusion(h, i, n, leaf, path, flip(root)), 'root'],
      [
        'a changed sibling',
        () => verifyInclusion(h, i, n, leaf, [path[0]!, flip(path[1]!), path[2]!], root),
        'root',
      ],
      ['a wrong index', () => verifyInclusion(h, i - 1, n, leaf, path, root), 'root'],
      // Sizes whose tree has the same shape at this leaf give the same root; pick one that doesn't.
      ['a wrong size', () => verifyInclusion(h, i, n - 2, leaf, path, root), 'longer'],
      ['a truncated path', () => verifyInclusion(h, i, n, leaf, path.slice(0, 2), root), 'shorter'],
      ['an extended path', () => verifyInclusion(h, i, n, leaf, [...path, root], root), 'longer'],
      ['an empty path', () => verifyInclusion(h, i, n, leaf, [], root), 'shorter'],
      [
        'swapped siblings',
        () => verifyInclusion(h, i, n, leaf, [path[1]!, path[0]!, path[2]!], root),
        'root',
      ],
      ['an index past the end', () => verifyInclusion(h, n, n, leaf, path, root), 'outside'],
      ['a negative index', () => verifyInclusion(h, -1, n, leaf, path, root), 'outside'],
      ['a fractional index', () => verifyInclusion(h, 0.5, n, leaf, path, root), 'outside'],
      ['size zero', () => verifyInclusion(h, 0, 0, leaf, [], root), 'size'],
      [
        'the root itself as a leaf of a one-leaf tree',
        () => verifyInclusion(h, 0, 1, root, [], fromHex(ROOTS[0]!)),
        'root',
      ],
    ];
    it.each(cases)('%s', (_, run, reason) => {
      const check = run();
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toContain(reason);
    });
  });

  it('refuses to build a proof for a leaf outside the tree', () => {
    expect(() => inclusionProof(h, leafHashes, 8)).toThrow(RangeError);
  });
});
