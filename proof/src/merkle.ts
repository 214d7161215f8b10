/**
 * RFC 6962 (and RFC 9162 §2.1) Merkle trees with domain separation: a leaf is H(0x00 || data)
 * and an interior node H(0x01 || left || right), so no leaf can pose as a subtree. The tree over
 * n leaves splits at the largest power of two below n, exactly as Certificate Transparency and
 * transparency-dev/merkle do, so their vectors apply and their verifiers interoperate.
 *
 * Functions take leaf hashes, not data: transaction, chunk and salted-record trees differ only
 * in how a leaf hash is made.
 */
import { bytesEqual, hashParts, type HashFunction, type IncrementalHash } from './hash.js';

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

export const leafHash = (hash: HashFunction, data: Uint8Array): Uint8Array =>
  hashParts(hash, LEAF_PREFIX, data);

/** Starts a leaf hash whose data arrives in pieces (a file chunk). */
export function leafHasher(hash: HashFunction): IncrementalHash {
  return hash.create().update(LEAF_PREFIX);
}

export const nodeHash = (hash: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array =>
  hashParts(hash, NODE_PREFIX, left, right);

/**
 * Computes the root over leaf hashes appended one at a time, holding O(log n) hashes: the
 * perfect subtrees of the binary decomposition of n, which the RFC's split folds right to left.
 */
export class MerkleRootBuilder {
  private readonly stack: { hash: Uint8Array; leaves: number }[] = [];
  private count = 0;

  constructor(private readonly hash: HashFunction) {}

  get size(): number {
    return this.count;
  }

  append(leaf: Uint8Array): void {
    let node = { hash: leaf, leaves: 1 };
    for (let top = this.stack.at(-1); top?.leaves === node.leaves; top = this.stack.at(-1)) {
      this.stack.pop();
      node = { hash: nodeHash(this.hash, top.hash, node.hash), leaves: node.leaves * 2 };
    }
    this.stack.push(node);
    this.count++;
  }

  /** The root of the leaves so far; the empty tree's root is H(""), as in RFC 6962. */
  root(): Uint8Array {
    let i = this.stack.length - 1;
    if (i < 0) return hashParts(this.hash);
    let root = this.stack[i]!.hash;
    while (--i >= 0) root = nodeHash(this.hash, this.stack[i]!.hash, root);
    return root;
  }
}

export function merkleRoot(hash: HashFunction, leaves: readonly Uint8Array[]): Uint8Array {
  const builder = new MerkleRootBuilder(hash);
  for (const leaf of leaves) builder.append(leaf);
  return builder.root();
}

/** Largest power of two strictly below n (n ≥ 2). Arithmetic, not bit operations: n may exceed 2^31. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The leaf ranges [start, end) whose subtree roots make the audit path of `index` in a tree of
 * `size`, leaf side first. Separate from hashing so a path can be built from leaves held anywhere
 * (the store streams them from disk).
 */
export function auditPathRanges(size: number, index: number): [number, number][] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} outside a tree of ${size}`);
  }
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  // Walk down from the root, remembering siblings, then reverse so the path starts at the leaf.
  while (hi - lo > 1) {
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      ranges.push([mid, hi]);
      hi = mid;
    } else {
      ranges.push([lo, mid]);
      lo = mid;
    }
  }
  return ranges.reverse();
}

/** The RFC 6962 audit path PATH(index, leaves), leaf side first. */
export function inclusionProof(
  hash: HashFunction,
  leaves: readonly Uint8Array[],
  index: number,
): Uint8Array[] {
  return auditPathRanges(leaves.length, index).map(([start, end]) =>
    merkleRoot(hash, leaves.slice(start, end)),
  );
}

/** A leaf's position in a tree, with its audit path and the tree's root. */
export interface TreePosition {
  index: number;
  count: number;
  leaf: Uint8Array;
  path: Uint8Array[];
  root: Uint8Array;
}

/**
 * The audit path of `index` from leaves that stream by once, in O(log n) memory: each path
 * element is the root of one leaf range, built as that range passes. The whole root is rebuilt
 * too, so the caller can compare it with the root it expects.
 */
export async function streamedInclusionProof(
  hash: HashFunction,
  leaves: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  count: number,
  index: number,
): Promise<TreePosition> {
  const ranges = auditPathRanges(count, index);
  const builders = ranges.map(() => new MerkleRootBuilder(hash));
  const whole = new MerkleRootBuilder(hash);
  let leaf: Uint8Array | undefined;
  for await (const l of leaves) {
    const i = whole.size;
    if (i === index) leaf = l;
    const range = ranges.findIndex(([start, end]) => i >= start && i < end);
    if (range >= 0) builders[range]!.append(l);
    whole.append(l);
  }
  if (!leaf || whole.size !== count) {
    throw new RangeError(`expected ${count} leaves, got ${whole.size}`);
  }
  return { index, count, leaf, path: builders.map((b) => b.root()), root: whole.root() };
}

export type InclusionCheck = { ok: true } | { ok: false; reason: string };

/**
 * RFC 9162 §2.1.3.2: recompute the root from a leaf hash and its audit path. Never throws.
 */
export function verifyInclusion(
  hash: HashFunction,
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): InclusionCheck {
  if (!Number.isSafeInteger(size) || size < 1) return { ok: false, reason: `tree size ${size}` };
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    return { ok: false, reason: `leaf index ${index} outside a tree of ${size}` };
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const sibling of path) {
    if (sn === 0) return { ok: false, reason: `path longer than a tree of ${size} needs` };
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(hash, sibling, r);
      // A right-edge node with no right sibling at this level: climb until it is a right child.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(hash, r, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { ok: false, reason: `path shorter than a tree of ${size} needs` };
  return bytesEqual(r, root)
    ? { ok: true }
    : { ok: false, reason: 'path does not lead to the root' };
}
