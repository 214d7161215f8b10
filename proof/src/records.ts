/**
 * Record-by-record anchoring of tabular datasets (CSV, JSON Lines).
 *
 * Each record becomes a JSON value with one canonical byte form (a CSV row becomes an object
 * keyed by the header, a JSON Lines row is re-encoded canonically), so a proof does not depend on
 * quoting, spacing or line endings. Its leaf is H(0x00 || salt || canonical record): the salt
 * keeps sibling hashes in a proof from being matched against guessed records (a citizen's ID
 * number has little entropy). Salts come from HMAC(secret, index), so the provider re-issues a
 * proof from the secret alone; the secret never goes on chain.
 */
import type { Json } from '@shulian/chaincode/canonical';
import { canonicalJson } from '@shulian/chaincode/canonical';
import {
  bytesEqual,
  fromHex,
  hashParts,
  HASH_BYTES,
  hmacWithKey,
  isHex,
  toHex,
  utf8,
  type DigestAlgorithm,
  type HashFunction,
} from './hash.js';
import {
  inclusionProof,
  MerkleRootBuilder,
  merkleRoot,
  verifyInclusion,
  type TreePosition,
} from './merkle.js';

export type RecordFormat = 'csv' | 'jsonl';

const LEAF_PREFIX = Uint8Array.of(0x00);
const SALT_LABEL = utf8('shulian/record-salt/v1');

/** Salts of a dataset's records: salt(i) = HMAC(secret, label || uint64be(i)). */
export function saltDeriver(hash: HashFunction, secret: Uint8Array): (index: number) => Uint8Array {
  const mac = hmacWithKey(hash, secret);
  const message = new Uint8Array(SALT_LABEL.length + 8);
  message.set(SALT_LABEL);
  const view = new DataView(message.buffer);
  return (index) => {
    view.setBigUint64(SALT_LABEL.length, BigInt(index));
    return mac(message);
  };
}

export const deriveSalt = (hash: HashFunction, secret: Uint8Array, index: number): Uint8Array =>
  saltDeriver(hash, secret)(index);

export const recordLeaf = (hash: HashFunction, salt: Uint8Array, record: Json): Uint8Array =>
  hashParts(hash, LEAF_PREFIX, salt, utf8(canonicalJson(record)));

/**
 * Splits a byte stream into records, incrementally: bytes in, complete records out. A record may
 * span any number of pushes (quoted CSV fields may contain newlines).
 */
export class RecordParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private pending = '';
  private header: string[] | null = null;
  private line = 0;

  constructor(readonly format: RecordFormat) {}

  push(bytes: Uint8Array): Json[] {
    return this.parse(this.pending + this.decoder.decode(bytes, { stream: true }), false);
  }

  end(): Json[] {
    return this.parse(this.pending + this.decoder.decode(), true);
  }

  private parse(text: string, final: boolean): Json[] {
    const records: Json[] = [];
    let start = 0;
    for (;;) {
      const end = this.format === 'csv' ? csvRowEnd(text, start) : text.indexOf('\n', start);
      if (end < 0 && !final) break;
      const raw = text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
      this.line++;
      if (raw.trim() !== '') {
        const record = this.format === 'csv' ? this.csvRecord(raw) : this.jsonRecord(raw);
        if (record !== undefined) records.push(record);
      }
      if (end < 0) break;
      start = end + 1;
    }
    this.pending = final ? '' : text.slice(start);
    return records;
  }

  private jsonRecord(raw: string): Json {
    try {
      return JSON.parse(raw) as Json;
    } catch (error) {
      throw new SyntaxError(`line ${this.line}: ${(error as Error).message}`);
    }
  }

  /** The first row is the header; later rows become objects keyed by it. */
  private csvRecord(raw: string): Json | undefined {
    const fields = csvFields(raw, this.line);
    if (!this.header) {
      if (new Set(fields).size !== fields.length) {
        throw new SyntaxError(`line ${this.line}: duplicate column names`);
      }
      this.header = fields;
      return undefined;
    }
    if (fields.length !== this.header.length) {
      throw new SyntaxError(
        `line ${this.line}: ${fields.length} fields where the header has ${this.header.length}`,
      );
    }
    // fromEntries defines own properties, so a column named __proto__ stays a column.
    return Object.fromEntries(this.header.map((name, i) => [name, fields[i]!]));
  }
}

/** Index of the newline that ends the row starting at `start` (newlines in quotes don't), or -1. */
function csvRowEnd(text: string, start: number): number {
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) quoted = !quoted;
    else if (c === 0x0a && !quoted) return i;
  }
  return -1;
}

/** RFC 4180 fields of one row. */
function csvFields(row: string, line: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (row[i] === '"') {
      i++;
      for (;;) {
        const close = row.indexOf('"', i);
        if (close < 0) throw new SyntaxError(`line ${line}: unterminated quoted field`);
        field += row.slice(i, close);
        i = close + 1;
        if (row[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < row.length && row[i] !== ',') {
        throw new SyntaxError(`line ${line}: text after a closing quote`);
      }
    } else {
      const comma = row.indexOf(',', i);
      field = row.slice(i, comma < 0 ? row.length : comma);
      if (field.includes('"'))
        throw new SyntaxError(`line ${line}: quote inside an unquoted field`);
      i = comma < 0 ? row.length : comma;
    }
    fields.push(field);
    if (i >= row.length) return fields;
    i++; // the comma
  }
}

export interface RecordCommitment {
  algorithm: DigestAlgorithm;
  /** hex Merkle root over the salted record leaves */
  root: string;
  count: number;
}

/**
 * Parses records as bytes arrive and folds their salted leaves into a root. `onLeaf` lets the
 * caller keep leaf hashes (32 bytes a record) to issue proofs later without re-reading the file.
 */
export class RecordCommitmentBuilder {
  private readonly parser: RecordParser;
  private readonly tree: MerkleRootBuilder;
  private readonly salt: (index: number) => Uint8Array;

  constructor(
    private readonly hash: HashFunction,
    format: RecordFormat,
    secret: Uint8Array,
    private readonly onLeaf?: (leaf: Uint8Array, index: number) => void,
  ) {
    this.parser = new RecordParser(format);
    this.tree = new MerkleRootBuilder(hash);
    this.salt = saltDeriver(hash, secret);
  }

  update(bytes: Uint8Array): void {
    this.add(this.parser.push(bytes));
  }

  finish(): RecordCommitment {
    this.add(this.parser.end());
    return { algorithm: this.hash.algorithm, root: toHex(this.tree.root()), count: this.tree.size };
  }

  private add(records: Json[]): void {
    for (const record of records) {
      const index = this.tree.size;
      const leaf = recordLeaf(this.hash, this.salt(index), record);
      this.onLeaf?.(leaf, index);
      this.tree.append(leaf);
    }
  }
}

/** Everything needed to check one record against a record root, and nothing about the others. */
export interface RecordProof {
  algorithm: DigestAlgorithm;
  record: Json;
  /** hex, 32 bytes */
  salt: string;
  index: number;
  count: number;
  /** hex audit path, leaf side first */
  path: string[];
  /** hex record root as anchored */
  root: string;
}

/**
 * Builds a record's proof from its tree position, refusing a record or secret that does not
 * reproduce the anchored leaf (a proof that could never verify).
 */
export function assembleRecordProof(
  hash: HashFunction,
  secret: Uint8Array,
  record: Json,
  position: TreePosition,
): RecordProof {
  const salt = deriveSalt(hash, secret, position.index);
  if (!bytesEqual(recordLeaf(hash, salt, record), position.leaf)) {
    throw new Error(`record ${position.index} does not match its anchored leaf`);
  }
  return {
    algorithm: hash.algorithm,
    record,
    salt: toHex(salt),
    index: position.index,
    count: position.count,
    path: position.path.map(toHex),
    root: toHex(position.root),
  };
}

/** A record's proof from all the leaves in memory. */
export function issueRecordProof(
  hash: HashFunction,
  secret: Uint8Array,
  leaves: readonly Uint8Array[],
  index: number,
  record: Json,
): RecordProof {
  const leaf = leaves[index];
  if (!leaf) throw new RangeError(`no record ${index} among ${leaves.length}`);
  return assembleRecordProof(hash, secret, record, {
    index,
    count: leaves.length,
    leaf,
    path: inclusionProof(hash, leaves, index),
    root: merkleRoot(hash, leaves),
  });
}

export type RecordCheck = { ok: true } | { ok: false; field: keyof RecordProof; reason: string };

/** Checks a record proof against its own root; the caller compares that root with the anchor. */
export function verifyRecordProof(hash: HashFunction, proof: RecordProof): RecordCheck {
  if (proof.algorithm !== hash.algorithm) {
    return {
      ok: false,
      field: 'algorithm',
      reason: `${proof.algorithm} proof, ${hash.algorithm} hash`,
    };
  }
  if (!isHex(proof.salt, HASH_BYTES))
    return { ok: false, field: 'salt', reason: 'not 32 hex bytes' };
  if (!isHex(proof.root, HASH_BYTES))
    return { ok: false, field: 'root', reason: 'not 32 hex bytes' };
  const bad = proof.path.findIndex((p) => !isHex(p, HASH_BYTES));
  if (bad >= 0) return { ok: false, field: 'path', reason: `path[${bad}] is not 32 hex bytes` };
  let leaf: Uint8Array;
  try {
    leaf = recordLeaf(hash, fromHex(proof.salt), proof.record);
  } catch (error) {
    return { ok: false, field: 'record', reason: (error as Error).message };
  }
  const check = verifyInclusion(
    hash,
    proof.index,
    proof.count,
    leaf,
    proof.path.map(fromHex),
    fromHex(proof.root),
  );
  return check.ok
    ? check
    : {
        ok: false,
        field: 'record',
        reason: `record, salt, index, count or path altered: ${check.reason}`,
      };
}
