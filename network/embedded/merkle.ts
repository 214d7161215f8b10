/**
 * RFC 6962 Merkle trees over transaction bytes: leaf = H(0x00 || data), node = H(0x01 || l || r),
 * the split at the largest power of two below n. Domain separation keeps a leaf from posing as a
 * node. Inclusion paths are RFC 6962 audit paths (siblings from the leaf up).
 */
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);
/** RFC 6962: the hash of an empty tree is the hash of the empty string. */
const EMPTY_ROOT = createHash('sha256').digest();

export const leafHash = (data: Uint8Array): Buffer =>
  createHash('sha256').update(LEAF).update(data).digest();
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer =>
  createHash('sha256').update(NODE).update(left).update(right).digest();

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function root(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return nodeHash(root(leaves.slice(0, k)), root(leaves.slice(k)));
}

export const merkleRoot = (items: Uint8Array[]): string =>
  root(items.map(leafHash)).toString('hex');

/** The audit path for item `index`: sibling hashes (hex) from the leaf to the root. */
export function inclusionPath(items: Uint8Array[], index: number): string[] {
  if (index < 0 || index >= items.length)
    throw new RangeError(`leaf ${index} outside a tree of ${items.length}`);
  const path = (leaves: Buffer[], i: number): Buffer[] => {
    if (leaves.length <= 1) return [];
    const k = split(leaves.length);
    return i < k
      ? [...path(leaves.slice(0, k), i), root(leaves.slice(k))]
      : [...path(leaves.slice(k), i - k), root(leaves.slice(0, k))];
  };
  return path(items.map(leafHash), index).map((h) => h.toString('hex'));
}

/** Recomputes the root from one item and its audit path (RFC 9162 §2.1.3.2). */
export function rootFromPath(
  item: Uint8Array,
  index: number,
  size: number,
  path: string[],
): string {
  if (index < 0 || index >= size) throw new RangeError(`leaf ${index} outside a tree of ${size}`);
  let fn = index;
  let sn = size - 1;
  let r = leafHash(item);
  for (const hex of path) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) throw new RangeError('inclusion path is longer than the tree');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn !== 0) throw new RangeError('inclusion path is shorter than the tree');
  return r.toString('hex');
}
