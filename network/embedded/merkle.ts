/**
 * The block data tree: RFC 6962 over the canonical bytes of a block's transactions, always
 * SHA-256, in hex as block headers carry it. The tree itself is the proof module's, so the
 * orderer, the validators and an offline verifier compute one and the same thing.
 */
import {
  inclusionProof,
  leafHash,
  merkleRoot as rootOfLeafHashes,
  verifyInclusion,
} from '@shulian/proof/merkle';
import { nodeSha256 } from '@shulian/proof/node';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const leaves = (items: readonly Uint8Array[]): Uint8Array[] =>
  items.map((item) => leafHash(nodeSha256, item));

export const merkleRoot = (items: readonly Uint8Array[]): string =>
  hex(rootOfLeafHashes(nodeSha256, leaves(items)));

/** The audit path for item `index`: sibling hashes (hex) from the leaf to the root. */
export const inclusionPath = (items: readonly Uint8Array[], index: number): string[] =>
  inclusionProof(nodeSha256, leaves(items), index).map(hex);

/** Whether `item` at `index` of a `size`-item tree reaches `root` (hex) along `path` (hex). */
export const pathReachesRoot = (
  item: Uint8Array,
  index: number,
  size: number,
  path: readonly string[],
  root: string,
): boolean =>
  verifyInclusion(
    nodeSha256,
    index,
    size,
    leafHash(nodeSha256, item),
    path.map((h) => Buffer.from(h, 'hex')),
    Buffer.from(root, 'hex'),
  ).ok;
