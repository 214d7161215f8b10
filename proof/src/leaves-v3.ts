/**
 * Version 3 record leaves: the field-by-field commitments of version 2 (./records.ts) at a fraction
 * of the hashes, which is what bounds anchoring a table record by record.
 *
 * A version 2 leaf of an eight-field record takes nine HMACs for its salts and a leaf over the hex
 * JSON of the commitments: about 35 compressions of SHA-256. Version 3 keeps what a proof needs
 * (each field opened or withheld on its own, salts a verifier cannot guess, every name bound) and
 * drops the rest:
 *
 * - salt(i, j) = E_k(uint64be(i) || uint32be(j) || tag): one block of a block cipher per salt,
 *   16 bytes, the salts of a whole batch of records in one call. `k` is the first 16 bytes of
 *   HMAC(secret, "shulian/record-salt-key/v3"); E is AES-128 for SHA-256 datasets and SM4 for SM3
 *   ones (the national algorithms go together). Position j = 0 is the record's salt, j = 1..n its
 *   fields in canonical (UTF-16 code unit) order of their names; a record that is not a JSON
 *   object has one value at j = 1. `tag` is the first 4 bytes of H(canonical(sorted names)), so
 *   records of different columns never share a salt at the same index and position (the secret
 *   is the gateway's, not the dataset's: version 2 salted by name for the same reason). A block
 *   cipher keyed by the secret is a pseudorandom function of distinct blocks, as the HMAC was;
 *   the provider still re-derives every salt from the secret alone, and verifiers never need the
 *   cipher: a proof gives the salts of the fields it opens.
 * - commitment = H(0x04 || salt(i, j) || canonical(value)): the name is not repeated here, since
 *   the leaf binds each name to its commitment's place. Most values of a register then fit one
 *   block of SHA-256.
 * - leaf = H(0x03 || salt(i, 0) || canonical(names) || c1 || ... || cn): the sorted names as a
 *   canonical JSON array (`null` for a record that is not an object), then the 32-byte
 *   commitments in that order. The array is self-delimiting, so the names and the commitments
 *   cannot be regrouped. 0x03 and 0x04 are bytes no other hash of the record tree starts with
 *   (0x00 version 1 and 2 leaves, 0x01 tree nodes, 0x02 version 2 commitments), so no version 3
 *   leaf or commitment can pose as anything else.
 */
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import { hashParts, hmacWithKey, HASH_BYTES, utf8, type HashFunction } from './hash.js';
import { SHORT_MESSAGE_BYTES, sha256ShortInto } from './sha256-short.js';

export const LEAF_V3_BYTE = 0x03;
export const COMMITMENT_V3_BYTE = 0x04;
/** Salts of version 3 are one cipher block. */
export const SALT_V3_BYTES = 16;
const SALT_KEY_LABEL = utf8('shulian/record-salt-key/v3');
/** Above this many characters a value is encoded and hashed in slices, not copied whole. */
export const LONG_VALUE = 64 * 1024;

/**
 * Encrypts each 16-byte block of `blocks` on its own (ECB) under the 16-byte `key`; node:crypto's
 * AES-128 and SM4 in ./node.ts. Only salts are made with it: the provider's side, never a verifier's.
 */
export type BlockCipher = (key: Uint8Array, blocks: Uint8Array) => Uint8Array;

/** How a dataset's record leaves are made: version 2 (HMAC salts) or 3 (block-cipher salts). */
export type RecordScheme = { version: 2 } | { version: 3; cipher: BlockCipher };

/** The key of a dataset's version 3 salts. */
export const saltKeyV3 = (hash: HashFunction, secret: Uint8Array): Uint8Array =>
  hmacWithKey(hash, secret)(SALT_KEY_LABEL).slice(0, SALT_V3_BYTES);

/** The first 4 bytes of H(canonical(names)), names sorted (null: a record that is not an object). */
function namesTag(hash: HashFunction, encodedNames: Uint8Array): number {
  const digest = hashParts(hash, encodedNames);
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
}

/** Writes the block (index, position, tag) at `at`; the index is a safe integer. */
function setBlock(view: DataView, at: number, index: number, position: number, tag: number): void {
  view.setUint32(at, Math.floor(index / 0x1_0000_0000));
  view.setUint32(at + 4, index >>> 0);
  view.setUint32(at + 8, position);
  view.setUint32(at + 12, tag);
}

/**
 * The salts of record `index` with `names` (sorted; null for a record that is not an object), by
 * position j, one at a time: for proofs. The names' tag is hashed once per record. Anchoring
 * derives a batch's salts in one call.
 */
export function saltDeriverV3(
  hash: HashFunction,
  secret: Uint8Array,
  cipher: BlockCipher,
): (index: number, names: readonly string[] | null) => (position: number) => Uint8Array {
  const key = saltKeyV3(hash, secret);
  const block = new Uint8Array(SALT_V3_BYTES);
  const view = new DataView(block.buffer);
  return (index, names) => {
    const tag = namesTag(hash, utf8(canonicalJson(names)));
    return (position) => {
      setBlock(view, 0, index, position, tag);
      return cipher(key, block).slice(0, SALT_V3_BYTES);
    };
  };
}

const COMMITMENT_PREFIX = Uint8Array.of(COMMITMENT_V3_BYTE);
const LEAF_PREFIX = Uint8Array.of(LEAF_V3_BYTE);

/** H(0x04 || salt || canonical(value)); a long string is encoded and fed in slices. */
export function valueCommitmentV3(hash: HashFunction, salt: Uint8Array, value: Json): Uint8Array {
  if (typeof value !== 'string' || value.length <= LONG_VALUE)
    return hashParts(hash, COMMITMENT_PREFIX, salt, utf8(canonicalJson(value)));
  return feedLongString(hash.create().update(COMMITMENT_PREFIX).update(salt), value).digest();
}

/**
 * Feeds a long string's canonical JSON in slices rather than copied whole twice (as JSON, then as
 * UTF-8), which held a 32 MiB row three times over. JSON escapes character by character, so the
 * slices' encodings joined are the whole's, as long as no slice ends inside a surrogate pair.
 */
export function feedLongString<H extends { update(data: Uint8Array): H }>(h: H, value: string): H {
  h.update(QUOTE);
  for (let at = 0; at < value.length;) {
    let end = Math.min(value.length, at + LONG_VALUE);
    if (end < value.length && isHighSurrogate(value.charCodeAt(end - 1))) end--;
    h.update(utf8(canonicalJson(value.slice(at, end)).slice(1, -1)));
    at = end;
  }
  return h.update(QUOTE);
}
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const QUOTE = utf8('"');

/**
 * The leaf over a record's commitments: `names` in canonical order with their commitments in the
 * same order, or null and the one commitment of a record that is not an object.
 */
export function leafV3(
  hash: HashFunction,
  salt: Uint8Array,
  names: readonly string[] | null,
  commitments: readonly Uint8Array[],
): Uint8Array {
  return hashParts(hash, LEAF_PREFIX, salt, utf8(canonicalJson(names)), ...commitments);
}

/** Names in canonical JSON's key order (UTF-16 code units), the order of a leaf's commitments. */
export const canonicalOrder = (names: readonly string[]): string[] =>
  [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** A record's values as the batch writer takes them: by name (an object) or one value. */
export type RecordValues =
  { names: readonly string[]; values: readonly Json[] } | { names: null; values: readonly [Json] };

/** One list of names' reusable parts: canonical order and the leaf's names bytes. */
interface NamesPlan {
  readonly names: readonly string[] | null;
  /** indexes into `names`, in canonical order */
  readonly sorted: readonly number[];
  /** canonical JSON of the sorted names (or `null`) */
  readonly encoded: Uint8Array;
  /** namesTag of `encoded` */
  readonly tag: number;
}

/**
 * Version 3 leaves of batches of records at anchoring speed: every salt of a batch from one cipher
 * call, commitments hashed where they are written and straight into the leaf's message, the leaf
 * into the output, with buffers reused, and SHA-256 messages of up to two blocks hashed by
 * ./sha256-short.ts instead of a native call each. The reference functions above stay the
 * definition; the tests hold the two equal.
 */
export class LeafBatchV3 {
  private readonly key: Uint8Array;
  /** `length` bytes of `message` hashed into `out` at `at`; `message` may be overwritten past them. */
  private readonly hashInto: (
    message: Uint8Array,
    length: number,
    out: Uint8Array,
    at: number,
  ) => void;
  private readonly nullPlan: NamesPlan;
  private plan: NamesPlan;
  /** A commitment's message, then a leaf's: grown as needed, never below two blocks. */
  private scratch = new Uint8Array(4096);
  private leafMessage = new Uint8Array(4096);

  constructor(
    private readonly hash: HashFunction,
    secret: Uint8Array,
    private readonly cipher: BlockCipher,
  ) {
    this.key = saltKeyV3(hash, secret);
    const encoded = utf8('null');
    this.nullPlan = { names: null, sorted: [0], encoded, tag: namesTag(hash, encoded) };
    this.plan = this.nullPlan;
    const native = hash.digest?.bind(hash) ?? ((data: Uint8Array) => hashParts(hash, data));
    const nativeInto = (message: Uint8Array, length: number, out: Uint8Array, at: number) =>
      out.set(native(message.subarray(0, length)), at);
    this.hashInto =
      hash.algorithm === 'sha256'
        ? (message, length, out, at) =>
            length <= SHORT_MESSAGE_BYTES
              ? sha256ShortInto(message, length, out, at)
              : nativeInto(message, length, out, at)
        : nativeInto;
  }

  /** The leaves of `records`, numbered from `first`: 32 bytes each, in order. */
  leaves(first: number, records: readonly RecordValues[]): Uint8Array {
    const plans = records.map((record) => this.planFor(record.names));
    let blocks = 0;
    for (const plan of plans) blocks += plan.sorted.length + 1;
    const input = new Uint8Array(blocks * SALT_V3_BYTES);
    const view = new DataView(input.buffer);
    let at = 0;
    plans.forEach((plan, r) => {
      for (let j = 0; j <= plan.sorted.length; j++, at += SALT_V3_BYTES)
        setBlock(view, at, first + r, j, plan.tag);
    });
    const salts = this.cipher(this.key, input);
    const out = new Uint8Array(records.length * HASH_BYTES);
    let salt = 0;
    records.forEach((record, r) => {
      const plan = plans[r]!;
      this.leaf(plan, record, salts, salt, out, r * HASH_BYTES);
      salt += (plan.sorted.length + 1) * SALT_V3_BYTES;
    });
    return out;
  }

  /** One leaf into `out` at `to`; `salts` holds its record salt at `at`, then its fields'. */
  private leaf(
    plan: NamesPlan,
    record: RecordValues,
    salts: Uint8Array,
    at: number,
    out: Uint8Array,
    to: number,
  ): void {
    const n = plan.sorted.length;
    const head = 1 + SALT_V3_BYTES + plan.encoded.length;
    const length = head + n * HASH_BYTES;
    if (length > this.leafMessage.length)
      this.leafMessage = new Uint8Array(Math.max(length, 2 * this.leafMessage.length));
    const message = this.leafMessage;
    message[0] = LEAF_V3_BYTE;
    copySalt(salts, at, message, 1);
    message.set(plan.encoded, 1 + SALT_V3_BYTES);
    for (let k = 0; k < n; k++) {
      const value = record.values[plan.sorted[k]!]!;
      this.commitment(salts, at + (k + 1) * SALT_V3_BYTES, value, message, head + k * HASH_BYTES);
    }
    this.hashInto(message, length, out, to);
  }

  /** A value's commitment into `out` at `to`; its salt is in `salts` at `at`. */
  private commitment(
    salts: Uint8Array,
    at: number,
    value: Json,
    out: Uint8Array,
    to: number,
  ): void {
    if (typeof value === 'string' && value.length > LONG_VALUE) {
      out.set(valueCommitmentV3(this.hash, salts.slice(at, at + SALT_V3_BYTES), value), to);
      return;
    }
    const text = typeof value === 'string' ? value : canonicalJson(value);
    // A string is escaped here (at most 6 bytes a character, as \u001f), anything else was.
    const room = 1 + SALT_V3_BYTES + 6 * text.length + 2;
    if (room > this.scratch.length)
      this.scratch = new Uint8Array(Math.max(room, 2 * this.scratch.length));
    const scratch = this.scratch;
    scratch[0] = COMMITMENT_V3_BYTE;
    copySalt(salts, at, scratch, 1);
    const start = 1 + SALT_V3_BYTES;
    const end =
      typeof value === 'string'
        ? writeJsonString(text, scratch, start)
        : writeUtf8(text, scratch, start);
    this.hashInto(scratch, end, out, to);
  }

  /** The plan of the previous record when its names are the same (a table's rows), else a new one. */
  private planFor(names: readonly string[] | null): NamesPlan {
    const last = this.plan;
    if (names === last.names) return last;
    if (names === null) return (this.plan = this.nullPlan);
    if (last.names?.length === names.length && last.names.every((n, i) => n === names[i]))
      return last;
    const sorted = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
    const encoded = utf8(canonicalJson(sorted.map((i) => names[i]!)));
    this.plan = { names, sorted, encoded, tag: namesTag(this.hash, encoded) };
    return this.plan;
  }
}

const HEX = utf8('0123456789abcdef');
const BACKSLASH = 0x5c;
/** JSON.stringify's two-character escapes of control characters, by code (0 for \u00XX). */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62; // b
SHORT_ESCAPES[0x09] = 0x74; // t
SHORT_ESCAPES[0x0a] = 0x6e; // n
SHORT_ESCAPES[0x0c] = 0x66; // f
SHORT_ESCAPES[0x0d] = 0x72; // r

/** Writes \uXXXX (lower-case hex) for `code` at `at`; returns the end. */
function writeUnicodeEscape(code: number, out: Uint8Array, at: number): number {
  out[at++] = BACKSLASH;
  out[at++] = 0x75; // u
  out[at++] = HEX[code >> 12]!;
  out[at++] = HEX[(code >> 8) & 15]!;
  out[at++] = HEX[(code >> 4) & 15]!;
  out[at++] = HEX[code & 15]!;
  return at;
}

/**
 * Writes JSON.stringify(text) as UTF-8 into `out` from `at` (room for 6 bytes a character and
 * the quotes), returning where it ends: the canonical form of a string value, without building it
 * as a string first. A lone surrogate is escaped, as JSON.stringify does.
 */
export function writeJsonString(text: string, out: Uint8Array, at: number): number {
  out[at++] = 0x22;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x80) {
      if (c === 0x22 || c === BACKSLASH) out[at++] = BACKSLASH;
      out[at++] = c;
    } else if (c < 0x20) {
      const short = SHORT_ESCAPES[c]!;
      if (short) {
        out[at++] = BACKSLASH;
        out[at++] = short;
      } else at = writeUnicodeEscape(c, out, at);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        at = writeCodePoint(0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00), out, at);
        i++;
      } else at = writeUnicodeEscape(c, out, at);
    } else at = writeCodePoint(c, out, at);
  }
  out[at++] = 0x22;
  return at;
}

/** UTF-8 of a code point of 0x80 or more (not a surrogate) at `at`; returns the end. */
function writeCodePoint(c: number, out: Uint8Array, at: number): number {
  if (c < 0x800) {
    out[at++] = 0xc0 | (c >> 6);
  } else if (c < 0x10000) {
    out[at++] = 0xe0 | (c >> 12);
    out[at++] = 0x80 | ((c >> 6) & 0x3f);
  } else {
    out[at++] = 0xf0 | (c >> 18);
    out[at++] = 0x80 | ((c >> 12) & 0x3f);
    out[at++] = 0x80 | ((c >> 6) & 0x3f);
  }
  out[at++] = 0x80 | (c & 0x3f);
  return at;
}

/**
 * Writes `text` as UTF-8 into `out` from `at` (room for 3 bytes a character), returning where it
 * ends: TextEncoder's bytes, a lone surrogate as U+FFFD included. A field's text is a few dozen
 * characters, for which TextEncoder's call and the subarray it writes into cost more than this
 * loop.
 */
export function writeUtf8(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out[at++] = c;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        at = writeCodePoint(0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00), out, at);
        i++;
      } else at = writeCodePoint(0xfffd, out, at);
    } else at = writeCodePoint(c, out, at);
  }
  return at;
}

/** Copies a salt byte by byte: cheaper than a subarray of the cipher's Buffer per field. */
function copySalt(salts: Uint8Array, at: number, to: Uint8Array, offset: number): void {
  for (let b = 0; b < SALT_V3_BYTES; b++) to[offset + b] = salts[at + b]!;
}
