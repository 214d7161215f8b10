/**
 * Record-by-record anchoring of tabular datasets (CSV, JSON Lines).
 *
 * Each record becomes a JSON value with one canonical byte form (a CSV row becomes an object
 * keyed by the header, a JSON Lines row is re-encoded canonically), so a proof does not depend on
 * quoting, spacing or line endings.
 *
 * Leaves (version 2, what is anchored now) commit to each field separately: field `f` of record
 * `i` is committed as H(0x02 || fieldSalt(i, f) || canonical([f, value])), and the record's leaf
 * is H(0x00 || salt(i) || 0xFF || canonical({ f: commitment })). A record proof can therefore
 * open some fields (value and field salt) and give only the commitment of the others: a citizen's
 * birth date proven without their address. Field salts come from the provider's secret, never
 * from anything a proof reveals, so a withheld field of few possible values (a sex, a district)
 * cannot be guessed from its commitment. A record that is not a JSON object (a JSON Lines array
 * or number) is committed as one value, disclosed whole or not at all.
 *
 * Version 1 leaves, H(0x00 || salt(i) || canonical(record)), committed whole records; their
 * proofs (`RecordProof`) still verify. The 0xFF byte, which never occurs in UTF-8, keeps the two
 * from being confused: no version 1 record encodes to a version 2 leaf's bytes.
 *
 * Salts come from HMAC(secret, label || index [|| field]), so the provider re-issues a proof from
 * the secret alone; the secret never goes on chain.
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
import {
  FIELD_BYTE,
  FIELD_SALT_LABEL,
  FIELDS_MARK_BYTE,
  LEAF_BYTE,
  LeafWriter,
  LONG_VALUE,
  SALT_LABEL,
} from './leaf-writer.js';

export type RecordFormat = 'csv' | 'jsonl';

const LEAF_PREFIX = Uint8Array.of(LEAF_BYTE);
const FIELD_PREFIX = Uint8Array.of(FIELD_BYTE);
const CLOSE_BRACKET = utf8(']');
const FIELDS_MARK = Uint8Array.of(FIELDS_MARK_BYTE);
const FIELD_NAMES_KEPT = 1024;

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

/** A version 1 leaf: the whole record under one salt (verification of old proofs only). */
export const recordLeaf = (hash: HashFunction, salt: Uint8Array, record: Json): Uint8Array =>
  hashParts(hash, LEAF_PREFIX, salt, utf8(canonicalJson(record)));

/**
 * Salts of fields: fieldSalt(i, f) = HMAC(secret, label || uint64be(i) || utf8(f)); the salt of a
 * record that is not an object is fieldSalt(i, "").
 */
export function fieldSaltDeriver(
  hash: HashFunction,
  secret: Uint8Array,
): (index: number, field: string) => Uint8Array {
  const mac = hmacWithKey(hash, secret);
  const at = FIELD_SALT_LABEL.length;
  // One message per field name, its index bytes rewritten per call: a table's few columns are
  // salted once per record each. Bounded, as JSON Lines records may bring any number of names.
  const messages = new Map<string, { message: Uint8Array; view: DataView }>();
  return (index, field) => {
    let entry = messages.get(field);
    if (!entry) {
      if (messages.size >= FIELD_NAMES_KEPT) messages.clear();
      const name = utf8(field);
      const message = new Uint8Array(at + 8 + name.length);
      message.set(FIELD_SALT_LABEL);
      message.set(name, at + 8);
      entry = { message, view: new DataView(message.buffer) };
      messages.set(field, entry);
    }
    entry.view.setBigUint64(at, BigInt(index));
    return mac(entry.message);
  };
}

/**
 * A field's commitment; `field` is null for a record committed as one value. The message is the
 * canonical JSON of `[field, value]`; a long string value (a row of megabytes) is given as its own
 * part, so that it is encoded once instead of first joined into a second copy of itself.
 */
export function fieldCommitment(
  hash: HashFunction,
  salt: Uint8Array,
  field: string | null,
  value: Json,
): Uint8Array {
  if (typeof value === 'string' && value.length > LONG_VALUE) {
    const h = hash.create().update(FIELD_PREFIX).update(salt);
    h.update(utf8(`[${canonicalJson(field)},`));
    // Encoded and fed in slices rather than copied whole twice (as JSON, then as UTF-8), which
    // held a 32 MiB row three times over. JSON escapes character by character, so the slices'
    // encodings joined are the whole's, as long as no slice ends inside a surrogate pair.
    h.update(QUOTE);
    for (let at = 0; at < value.length;) {
      let end = Math.min(value.length, at + LONG_VALUE);
      if (end < value.length && isHighSurrogate(value.charCodeAt(end - 1))) end--;
      h.update(utf8(canonicalJson(value.slice(at, end)).slice(1, -1)));
      at = end;
    }
    return h.update(QUOTE).update(CLOSE_BRACKET).digest();
  }
  return hashParts(hash, FIELD_PREFIX, salt, utf8(canonicalJson([field, value])));
}
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const QUOTE = utf8('"');

/** A version 2 leaf from the record's field commitments (hex), or its one value commitment. */
export const fieldsLeaf = (
  hash: HashFunction,
  salt: Uint8Array,
  commitments: Record<string, string> | string,
): Uint8Array => hashParts(hash, LEAF_PREFIX, salt, FIELDS_MARK, utf8(canonicalJson(commitments)));

/** Sets an own property, so a field named __proto__ stays a field. */
function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const isObject = (record: Json): record is { [key: string]: Json } =>
  record !== null && typeof record === 'object' && !Array.isArray(record);

/** Every field of record `index` opened: its value and field salt. */
function openRecord(
  fieldSalt: (index: number, field: string) => Uint8Array,
  index: number,
  record: Json,
): RecordDisclosure {
  if (!isObject(record)) return { value: { value: record, salt: toHex(fieldSalt(index, '')) } };
  const fields: Record<string, FieldProof> = {};
  for (const [name, value] of Object.entries(record)) {
    setOwn(fields, name, { value, salt: toHex(fieldSalt(index, name)) });
  }
  return { fields };
}

/** The commitment of one field as a proof gives it: computed when opened, as given when not. */
function commitmentOf(hash: HashFunction, field: string | null, proof: FieldProof): string {
  return 'commitment' in proof
    ? proof.commitment
    : toHex(fieldCommitment(hash, fromHex(proof.salt), field, proof.value));
}

/** The version 2 leaf a disclosure leads to. */
export function disclosureLeaf(
  hash: HashFunction,
  salt: Uint8Array,
  disclosure: RecordDisclosure,
): Uint8Array {
  if ('value' in disclosure)
    return fieldsLeaf(hash, salt, commitmentOf(hash, null, disclosure.value));
  const commitments: Record<string, string> = {};
  for (const [name, proof] of Object.entries(disclosure.fields)) {
    setOwn(commitments, name, commitmentOf(hash, name, proof));
  }
  return fieldsLeaf(hash, salt, commitments);
}

/**
 * Splits a byte stream into records, incrementally: bytes in, complete records out. A record may
 * span any number of pushes (quoted CSV fields may contain newlines).
 */
/**
 * The longest record (row or line) anchored record by record, in characters of text. Parsing and
 * committing a record holds a few copies of it; a longer one is refused, with its line, before it
 * is held whole (the file can still be anchored as one value: `records=false`).
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** A record longer than MAX_RECORD_CHARS: the upload's limit, not a fault of its format. */
export class RecordTooLargeError extends RangeError {
  constructor(readonly line: number) {
    super(
      `line ${line}: a record of more than ${MAX_RECORD_CHARS / 1024 / 1024} MiB of text cannot be anchored record by record`,
    );
    this.name = 'RecordTooLargeError';
  }
}

export class RecordParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  /**
   * The text of a row not ended yet, as it arrived, and (for CSV) whether its end is inside
   * quotes. Each piece is scanned once, when it arrives: a row that spans many pushes costs time
   * linear in its length, not a rescan of everything before it on every push.
   */
  private partial: string[] = [];
  private partialChars = 0;
  private quoted = false;
  private header: string[] | null = null;
  private line = 0;

  constructor(readonly format: RecordFormat) {}

  /** The CSV header, once its row has arrived (null for JSON Lines). */
  get columns(): readonly string[] | null {
    return this.header;
  }

  push(bytes: Uint8Array): Json[] {
    return this.toRecords(this.pushRows(bytes));
  }

  end(): Json[] {
    return this.toRecords(this.endRows());
  }

  /**
   * The rows the bytes complete, as text, for converting elsewhere (another thread) with
   * `recordOfRow`: blank lines and CSV's header (see `columns`) are taken out here.
   */
  pushRows(bytes: Uint8Array): Rows {
    return this.feed(this.decoder.decode(bytes, { stream: true }), false);
  }

  endRows(): Rows {
    return this.feed(this.decoder.decode(), true);
  }

  private toRecords(rows: Rows): Json[] {
    return rows.texts.map((text, i) => recordOfRow(this.format, this.header, text, rows.lines[i]!));
  }

  private feed(text: string, final: boolean): Rows {
    const rows: Rows = { texts: [], lines: [] };
    let start = 0;
    for (let end = this.rowEnd(text, 0); end >= 0; end = this.rowEnd(text, start)) {
      this.keep(text.slice(start, end));
      this.row(rows);
      start = end + 1;
    }
    if (start < text.length) this.keep(text.slice(start));
    if (final && this.partial.length > 0) this.row(rows);
    return rows;
  }

  /** Adds a piece to the current row, refusing a row past MAX_RECORD_CHARS before joining it. */
  private keep(piece: string): void {
    this.partialChars += piece.length;
    if (this.partialChars > MAX_RECORD_CHARS) throw new RecordTooLargeError(this.line + 1);
    this.partial.push(piece);
  }

  /** Index of the newline in `text` from `from` that ends the current row (not one in quotes), or -1. */
  private rowEnd(text: string, from: number): number {
    if (this.format === 'jsonl') return text.indexOf('\n', from);
    // Every quote toggles; the row ends at the first newline outside quotes. Found with indexOf
    // (native scans), each position found once: a long row costs one pass, not one per quote.
    let quoted = this.quoted;
    let newline = -2;
    for (let i = from; ;) {
      const quote = text.indexOf('"', i);
      if (!quoted) {
        if (newline < i && newline !== -1) newline = text.indexOf('\n', i);
        if (newline >= 0 && (quote < 0 || newline < quote)) {
          this.quoted = false;
          return newline;
        }
      }
      if (quote < 0) {
        this.quoted = quoted;
        return -1;
      }
      quoted = !quoted;
      i = quote + 1;
    }
  }

  /** Ends the current row: kept unless blank; CSV's first row becomes the header. */
  private row(rows: Rows): void {
    const joined = this.partial.length === 1 ? this.partial[0]! : this.partial.join('');
    this.partial = [];
    this.partialChars = 0;
    const raw = joined.endsWith('\r') ? joined.slice(0, -1) : joined;
    this.line++;
    if (raw.trim() === '') return;
    if (this.format === 'csv' && !this.header) {
      const fields = csvFields(raw, this.line);
      if (new Set(fields).size !== fields.length) {
        throw new SyntaxError(`line ${this.line}: duplicate column names`);
      }
      this.header = fields;
      return;
    }
    rows.texts.push(raw);
    rows.lines.push(this.line);
  }
}

/** Rows of text (line endings taken off) and the line each is on, counting from 1. */
export interface Rows {
  texts: string[];
  lines: number[];
}

/**
 * The record a row holds: a JSON Lines row parsed, a CSV row an object keyed by the header.
 * @throws SyntaxError naming the line, when the row is not the format
 */
export function recordOfRow(
  format: RecordFormat,
  header: readonly string[] | null,
  raw: string,
  line: number,
): Json {
  if (format === 'jsonl') {
    try {
      return JSON.parse(raw) as Json;
    } catch (error) {
      throw new SyntaxError(`line ${line}: ${(error as Error).message}`);
    }
  }
  if (!header) throw new SyntaxError(`line ${line}: a row before the header`);
  const fields = csvFields(raw, line);
  if (fields.length !== header.length) {
    throw new SyntaxError(
      `line ${line}: ${fields.length} fields where the header has ${header.length}`,
    );
  }
  // fromEntries defines own properties, so a column named __proto__ stays a column.
  return Object.fromEntries(header.map((name, i) => [name, fields[i]!]));
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
 * Version 2 leaves of records by index: `disclosureLeaf(openRecord(...))` without building the
 * disclosure (no salt to hex and back, no property descriptors), through ./leaf-writer.ts when the
 * hash has a one-shot form. Anchoring computes one for every record; proofs use the disclosure.
 */
export class RecordLeaves {
  private readonly salt: (index: number) => Uint8Array;
  private readonly fieldSalt: (index: number, field: string) => Uint8Array;
  private readonly writer: LeafWriter | null;

  constructor(
    private readonly hash: HashFunction,
    secret: Uint8Array,
  ) {
    this.salt = saltDeriver(hash, secret);
    this.fieldSalt = fieldSaltDeriver(hash, secret);
    this.writer = hash.digest ? new LeafWriter(hash, secret) : null;
  }

  leafOf(index: number, record: Json): Uint8Array {
    const fast = this.writer?.leaf(index, record);
    if (fast) return fast;
    const { hash, fieldSalt } = this;
    if (!isObject(record))
      return fieldsLeaf(
        hash,
        this.salt(index),
        toHex(fieldCommitment(hash, fieldSalt(index, ''), null, record)),
      );
    // A prototype-less object keeps a field named __proto__ a field.
    const commitments = Object.create(null) as Record<string, string>;
    for (const name of Object.keys(record)) {
      const value = record[name]!;
      commitments[name] = toHex(fieldCommitment(hash, fieldSalt(index, name), name, value));
    }
    return fieldsLeaf(hash, this.salt(index), commitments);
  }

  /** The leaves of rows (from RecordParser.pushRows) numbered from `first`, 32 bytes each. */
  leavesOfRows(
    format: RecordFormat,
    header: readonly string[] | null,
    rows: Rows,
    first: number,
  ): Uint8Array {
    const out = new Uint8Array(rows.texts.length * HASH_BYTES);
    rows.texts.forEach((text, i) => {
      const record = recordOfRow(format, header, text, rows.lines[i]!);
      out.set(this.leafOf(first + i, record), i * HASH_BYTES);
    });
    return out;
  }
}

/**
 * Parses records as bytes arrive and folds their version 2 leaves into a root. `onLeaf` lets the
 * caller keep leaf hashes (32 bytes a record) to issue proofs later without re-reading the file.
 */
export class RecordCommitmentBuilder {
  private readonly parser: RecordParser;
  private readonly tree: MerkleRootBuilder;
  private readonly leaves: RecordLeaves;

  constructor(
    private readonly hash: HashFunction,
    format: RecordFormat,
    secret: Uint8Array,
    private readonly onLeaf?: (leaf: Uint8Array, index: number) => void,
  ) {
    this.parser = new RecordParser(format);
    this.tree = new MerkleRootBuilder(hash);
    this.leaves = new RecordLeaves(hash, secret);
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
      const leaf = this.leaves.leafOf(index, record);
      this.onLeaf?.(leaf, index);
      this.tree.append(leaf);
    }
  }
}

/** A version 1 record proof: the whole record, checked against a root of version 1 leaves. */
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

/** One field as a proof gives it: opened (value and field salt) or withheld (commitment only). */
export type FieldProof = { value: Json; salt: string } | { commitment: string };

/** A record's fields by name, or, for a record that is not an object, its one value. */
export type RecordDisclosure = { fields: Record<string, FieldProof> } | { value: FieldProof };

/**
 * A version 2 record proof: where the leaf sits, its salt, and each field opened or withheld. It
 * says nothing about the other records, nor about the withheld fields but their names.
 */
export type SelectiveRecordProof = {
  algorithm: DigestAlgorithm;
  /** hex record salt, 32 bytes */
  salt: string;
  index: number;
  count: number;
  /** hex audit path, leaf side first */
  path: string[];
  /** hex record root as anchored */
  root: string;
} & RecordDisclosure;

/**
 * Builds a record's proof from its tree position with every field opened, refusing a record or
 * secret that does not reproduce the anchored leaf (a proof that could never verify). Limit it
 * to the fields a consumer may see with `projectRecordProof`.
 */
export function assembleRecordProof(
  hash: HashFunction,
  secret: Uint8Array,
  record: Json,
  position: TreePosition,
): SelectiveRecordProof {
  const salt = deriveSalt(hash, secret, position.index);
  const disclosure = openRecord(fieldSaltDeriver(hash, secret), position.index, record);
  if (!bytesEqual(disclosureLeaf(hash, salt, disclosure), position.leaf)) {
    throw new Error(`record ${position.index} does not match its anchored leaf`);
  }
  return {
    algorithm: hash.algorithm,
    salt: toHex(salt),
    index: position.index,
    count: position.count,
    path: position.path.map(toHex),
    root: toHex(position.root),
    ...disclosure,
  };
}

/** A record's proof from all the version 2 leaves in memory, every field opened. */
export function issueRecordProof(
  hash: HashFunction,
  secret: Uint8Array,
  leaves: readonly Uint8Array[],
  index: number,
  record: Json,
): SelectiveRecordProof {
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

/**
 * The same proof revealing only `fields`: every other opened field is replaced by its commitment
 * (a record that is not an object is withheld whole, as a projected download gives `{}` for it).
 * It still verifies against the same root; projecting again can only withhold more.
 */
export function projectRecordProof(
  hash: HashFunction,
  proof: SelectiveRecordProof,
  fields: readonly string[],
): SelectiveRecordProof {
  const { algorithm, salt, index, count, path, root } = proof;
  const base = { algorithm, salt, index, count, path, root };
  if ('value' in proof) {
    return { ...base, value: { commitment: commitmentOf(hash, null, proof.value) } };
  }
  const keep = new Set(fields);
  const projected: Record<string, FieldProof> = {};
  for (const [name, field] of Object.entries(proof.fields)) {
    setOwn(
      projected,
      name,
      keep.has(name) ? field : { commitment: commitmentOf(hash, name, field) },
    );
  }
  return { ...base, fields: projected };
}

/**
 * What a proof discloses, as the consumer received it: the opened fields as one object (a
 * projected row), or the record's value; `withheld` names the fields given only as commitments.
 */
export function disclosedRecord(proof: SelectiveRecordProof): { record: Json; withheld: string[] } {
  if ('value' in proof) {
    return 'commitment' in proof.value
      ? { record: {}, withheld: [''] }
      : { record: proof.value.value, withheld: [] };
  }
  const record: Record<string, Json> = {};
  const withheld: string[] = [];
  for (const [name, field] of Object.entries(proof.fields)) {
    if ('commitment' in field) withheld.push(name);
    else setOwn(record, name, field.value);
  }
  return { record, withheld };
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
  return includes(
    hash,
    proof,
    () => recordLeaf(hash, fromHex(proof.salt), proof.record),
    'record',
    'record, salt, index, count or path altered',
  );
}

/**
 * Whether the leaf `leafOf` builds is at `proof.index` of the tree with `proof.root`; a leaf that
 * cannot be built, or a path that does not lead to the root, fails on `field`.
 */
function includes<F extends string>(
  hash: HashFunction,
  proof: { index: number; count: number; path: readonly string[]; root: string },
  leafOf: () => Uint8Array,
  field: F,
  altered: string,
): { ok: true } | { ok: false; field: F; reason: string } {
  let leaf: Uint8Array;
  try {
    leaf = leafOf();
  } catch (error) {
    return { ok: false, field, reason: (error as Error).message };
  }
  const path = proof.path.map(fromHex);
  const check = verifyInclusion(hash, proof.index, proof.count, leaf, path, fromHex(proof.root));
  return check.ok ? { ok: true } : { ok: false, field, reason: `${altered}: ${check.reason}` };
}

export type SelectiveRecordCheck = { ok: true } | { ok: false; field: string; reason: string };

/**
 * Checks a version 2 record proof against its own root; the caller compares that root with the
 * anchor. `field` names what failed under the proof (`fields.<name>.salt`), or `leaf` when the
 * opened values, commitments, salts, index, count and path together do not lead to the root.
 */
export function verifySelectiveRecordProof(
  hash: HashFunction,
  proof: SelectiveRecordProof,
): SelectiveRecordCheck {
  if (proof.algorithm !== hash.algorithm) {
    return {
      ok: false,
      field: 'algorithm',
      reason: `${proof.algorithm} proof, ${hash.algorithm} hash`,
    };
  }
  const hex32 = (at: string, text: string): SelectiveRecordCheck =>
    isHex(text, HASH_BYTES) ? { ok: true } : { ok: false, field: at, reason: 'not 32 hex bytes' };
  const opened: [string, FieldProof][] =
    'value' in proof
      ? [['value', proof.value]]
      : Object.entries(proof.fields).map(([n, f]) => [`fields.${n}`, f]);
  for (const check of [
    hex32('salt', proof.salt),
    hex32('root', proof.root),
    ...proof.path.map((p, i) => hex32(`path[${i}]`, p)),
    ...opened.map(([at, f]) =>
      'commitment' in f ? hex32(`${at}.commitment`, f.commitment) : hex32(`${at}.salt`, f.salt),
    ),
  ]) {
    if (!check.ok) return check;
  }
  return includes(
    hash,
    proof,
    () => disclosureLeaf(hash, fromHex(proof.salt), proof),
    'leaf',
    'a field value, salt or commitment, the record salt, index, count or path altered',
  );
}
