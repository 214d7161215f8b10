/**
 * Record-by-record anchoring of tabular datasets (CSV, JSON Lines).
 *
 * Each record becomes a JSON value with one canonical byte form (a CSV row becomes an object
 * keyed by the header, a JSON Lines row is re-encoded canonically), so a proof does not depend on
 * quoting, spacing or line endings.
 *
 * Leaves commit to each field separately, so a record proof can open some fields (value and field
 * salt) and give only the commitment of the others: a citizen's birth date proven without their
 * address. Field salts come from the provider's secret, never from anything a proof reveals, so a
 * withheld field of few possible values (a sex, a district) cannot be guessed from its commitment.
 * A record that is not a JSON object (a JSON Lines array or number) is committed as one value,
 * disclosed whole or not at all. Two versions of such leaves exist:
 *
 * - Version 3, what is anchored now (./leaves-v3.ts): salts from a block cipher keyed by the
 *   secret, commitments H(0x04 || salt || canonical(value)), and the leaf over the sorted names
 *   and the binary commitments. Its proofs say `version: 3`.
 * - Version 2: field `f` of record `i` is committed as H(0x02 || fieldSalt(i, f) ||
 *   canonical([f, value])), and the leaf is H(0x00 || salt(i) || 0xFF || canonical({ f:
 *   commitment })), salts from HMAC(secret, label || index [|| field]). Datasets anchored so keep
 *   issuing and verifying these proofs.
 *
 * Version 1 leaves, H(0x00 || salt(i) || canonical(record)), committed whole records; their
 * proofs (`RecordProof`) still verify. The 0xFF byte, which never occurs in UTF-8, keeps them
 * from being confused with version 2 leaves, and version 3 hashes start with bytes of their own.
 *
 * The provider re-issues a proof from the secret alone; the secret never goes on chain.
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
  canonicalOrder,
  feedLongString,
  LeafBatchV3,
  leafV3,
  LONG_VALUE,
  SALT_V3_BYTES,
  saltDeriverV3,
  valueCommitmentV3,
  type RecordScheme,
  type RecordValues,
} from './leaves-v3.js';
import {
  inclusionProof,
  MerkleRootBuilder,
  merkleRoot,
  verifyInclusion,
  type TreePosition,
} from './merkle.js';

export type { BlockCipher, RecordScheme } from './leaves-v3.js';

export type RecordFormat = 'csv' | 'jsonl';

/** The leaf version anchoring writes. */
export const LEAF_VERSION = 3;

const LEAF_PREFIX = Uint8Array.of(0x00);
const FIELD_PREFIX = Uint8Array.of(0x02);
const CLOSE_BRACKET = utf8(']');
/** Separates a version 2 leaf's salt from its commitments; not a byte of any UTF-8 text. */
const FIELDS_MARK = Uint8Array.of(0xff);
const SALT_LABEL = utf8('shulian/record-salt/v1');
const FIELD_SALT_LABEL = utf8('shulian/field-salt/v2');
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
 * A version 2 field's commitment; `field` is null for a record committed as one value. The
 * message is the canonical JSON of `[field, value]`; a long string value (a row of megabytes) is
 * fed in slices, so that it is not first joined into a second copy of itself.
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
    return feedLongString(h, value).update(CLOSE_BRACKET).digest();
  }
  return hashParts(hash, FIELD_PREFIX, salt, utf8(canonicalJson([field, value])));
}

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

/** A record's salts as a proof gives them: the record's, and each field's by name. */
interface RecordSalts {
  record: Uint8Array;
  field(name: string | null): Uint8Array;
}

/**
 * Salts of records under `scheme`, by index (version 3 salts by each name's canonical position);
 * the secret's derivers are built once, not per record.
 */
function recordSaltsOf(
  hash: HashFunction,
  secret: Uint8Array,
  scheme: RecordScheme,
): (index: number, record: Json) => RecordSalts {
  if (scheme.version === 2) {
    const salt = saltDeriver(hash, secret);
    const fieldSalt = fieldSaltDeriver(hash, secret);
    return (index) => ({
      record: salt(index),
      field: (name) => fieldSalt(index, name ?? ''),
    });
  }
  const saltsOf = saltDeriverV3(hash, secret, scheme.cipher);
  return (index, record) => {
    const names = isObject(record) ? canonicalOrder(Object.keys(record)) : null;
    const positions = new Map<string, number>(names?.map((name, k) => [name, k + 1]) ?? []);
    const salt = saltsOf(index, names);
    return { record: salt(0), field: (name) => salt(positions.get(name ?? '') ?? 1) };
  };
}

/** Every field of a record opened: its value and field salt. */
function openRecord(salts: RecordSalts, record: Json): RecordDisclosure {
  if (!isObject(record)) return { value: { value: record, salt: toHex(salts.field(null)) } };
  const fields: Record<string, FieldProof> = {};
  for (const [name, value] of Object.entries(record)) {
    setOwn(fields, name, { value, salt: toHex(salts.field(name)) });
  }
  return { fields };
}

/** The commitment of one field as a proof gives it: computed when opened, as given when not. */
function commitmentOf(
  hash: HashFunction,
  version: 2 | 3,
  field: string | null,
  proof: FieldProof,
): string {
  if ('commitment' in proof) return proof.commitment;
  const salt = fromHex(proof.salt);
  return toHex(
    version === 3
      ? valueCommitmentV3(hash, salt, proof.value)
      : fieldCommitment(hash, salt, field, proof.value),
  );
}

/** The leaf a disclosure leads to, under leaf `version`. */
export function disclosureLeaf(
  hash: HashFunction,
  salt: Uint8Array,
  disclosure: RecordDisclosure,
  version: 2 | 3 = 2,
): Uint8Array {
  if (version === 3) {
    if ('value' in disclosure)
      return leafV3(hash, salt, null, [fromHex(commitmentOf(hash, 3, null, disclosure.value))]);
    const { fields } = disclosure;
    const names = canonicalOrder(Object.keys(fields));
    const commitments = names.map((name) => fromHex(commitmentOf(hash, 3, name, fields[name]!)));
    return leafV3(hash, salt, names, commitments);
  }
  if ('value' in disclosure)
    return fieldsLeaf(hash, salt, commitmentOf(hash, 2, null, disclosure.value));
  const commitments: Record<string, string> = {};
  for (const [name, proof] of Object.entries(disclosure.fields)) {
    setOwn(commitments, name, commitmentOf(hash, 2, name, proof));
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
  const names = requireHeader(header, line);
  const fields = csvRow(names, raw, line);
  // fromEntries defines own properties, so a column named __proto__ stays a column.
  return Object.fromEntries(names.map((name, i) => [name, fields[i]!]));
}

function requireHeader(header: readonly string[] | null, line: number): readonly string[] {
  if (!header) throw new SyntaxError(`line ${line}: a row before the header`);
  return header;
}

/** A CSV row's fields, as many as the header's. */
function csvRow(header: readonly string[], raw: string, line: number): string[] {
  const fields = csvFields(raw, line);
  if (fields.length !== header.length) {
    throw new SyntaxError(
      `line ${line}: ${fields.length} fields where the header has ${header.length}`,
    );
  }
  return fields;
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
  /** how the leaves were made: version 2 or 3 */
  version: 2 | 3;
}

/**
 * Leaves of records by index under a scheme: version 3 through ./leaves-v3.ts's batch writer (one
 * cipher call per batch, no record objects for CSV rows), version 2 through the reference
 * functions (datasets anchored before version 3, and tests). Anchoring computes one for every
 * record; proofs use the disclosure.
 */
export class RecordLeaves {
  private readonly batch: LeafBatchV3 | null;
  private readonly saltsOf: (index: number, record: Json) => RecordSalts;

  constructor(
    private readonly hash: HashFunction,
    secret: Uint8Array,
    scheme: RecordScheme,
  ) {
    this.batch = scheme.version === 3 ? new LeafBatchV3(hash, secret, scheme.cipher) : null;
    this.saltsOf = recordSaltsOf(hash, secret, scheme);
  }

  /** The leaves of `records` numbered from `first`, 32 bytes each. */
  leavesOf(first: number, records: readonly Json[]): Uint8Array {
    if (this.batch) return this.batch.leaves(first, records.map(valuesOf));
    const out = new Uint8Array(records.length * HASH_BYTES);
    records.forEach((record, i) => {
      const salts = this.saltsOf(first + i, record);
      out.set(disclosureLeaf(this.hash, salts.record, openRecord(salts, record)), i * HASH_BYTES);
    });
    return out;
  }

  /**
   * The leaves of rows (from RecordParser.pushRows) numbered from `first`, 32 bytes each.
   * @throws SyntaxError naming the line, when a row is not the format
   */
  leavesOfRows(
    format: RecordFormat,
    header: readonly string[] | null,
    rows: Rows,
    first: number,
  ): Uint8Array {
    const { texts, lines } = rows;
    const { batch } = this;
    if (!batch)
      return this.leavesOf(
        first,
        texts.map((text, i) => recordOfRow(format, header, text, lines[i]!)),
      );
    // Rows are turned into values a slice at a time: a whole slot's rows (thousands) held as
    // values at once cost the gateway 10-30 MiB of peak RSS, and one cipher call per slice of
    // BATCH_ROWS costs next to nothing more.
    const out = new Uint8Array(texts.length * HASH_BYTES);
    for (let from = 0; from < texts.length; from += BATCH_ROWS) {
      const to = Math.min(texts.length, from + BATCH_ROWS);
      const values: RecordValues[] = [];
      for (let i = from; i < to; i++)
        values.push(valuesOfRow(format, header, texts[i]!, lines[i]!));
      out.set(batch.leaves(first + from, values), from * HASH_BYTES);
    }
    return out;
  }
}

/** Rows whose salts one cipher call derives. */
const BATCH_ROWS = 512;

/** A record's values by name, or its one value. */
function valuesOf(record: Json): RecordValues {
  if (!isObject(record)) return { names: null, values: [record] };
  const names = Object.keys(record);
  return { names, values: names.map((name) => record[name]!) };
}

/** recordOfRow's record as values: a CSV row's fields under the header, without an object. */
function valuesOfRow(
  format: RecordFormat,
  header: readonly string[] | null,
  raw: string,
  line: number,
): RecordValues {
  if (format === 'jsonl') return valuesOf(recordOfRow(format, header, raw, line));
  const names = requireHeader(header, line);
  return { names, values: csvRow(names, raw, line) };
}

/**
 * Parses records as bytes arrive and folds their leaves into a root. `onLeaf` lets the caller keep
 * leaf hashes (32 bytes a record) to issue proofs later without re-reading the file.
 */
export class RecordCommitmentBuilder {
  private readonly parser: RecordParser;
  private readonly tree: MerkleRootBuilder;
  private readonly leaves: RecordLeaves;

  constructor(
    private readonly hash: HashFunction,
    private readonly format: RecordFormat,
    secret: Uint8Array,
    private readonly scheme: RecordScheme,
    private readonly onLeaf?: (leaf: Uint8Array, index: number) => void,
  ) {
    this.parser = new RecordParser(format);
    this.tree = new MerkleRootBuilder(hash);
    this.leaves = new RecordLeaves(hash, secret, scheme);
  }

  update(bytes: Uint8Array): void {
    this.add(this.parser.pushRows(bytes));
  }

  finish(): RecordCommitment {
    this.add(this.parser.endRows());
    return {
      algorithm: this.hash.algorithm,
      root: toHex(this.tree.root()),
      count: this.tree.size,
      version: this.scheme.version,
    };
  }

  private add(rows: Rows): void {
    const first = this.tree.size;
    const leaves = this.leaves.leavesOfRows(this.format, this.parser.columns, rows, first);
    for (let i = 0; i < rows.texts.length; i++) {
      const leaf = leaves.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
      this.onLeaf?.(leaf, first + i);
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
 * A field-by-field record proof: where the leaf sits, its salt, and each field opened or withheld.
 * It says nothing about the other records, nor about the withheld fields but their names.
 */
export type SelectiveRecordProof = {
  /** 3 for a version 3 leaf (./leaves-v3.ts); absent for version 2 */
  version?: 3;
  algorithm: DigestAlgorithm;
  /** hex record salt: 16 bytes in version 3, 32 in version 2 */
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
  scheme: RecordScheme,
  record: Json,
  position: TreePosition,
): SelectiveRecordProof {
  const salts = recordSaltsOf(hash, secret, scheme)(position.index, record);
  const disclosure = openRecord(salts, record);
  if (!bytesEqual(disclosureLeaf(hash, salts.record, disclosure, scheme.version), position.leaf)) {
    throw new Error(`record ${position.index} does not match its anchored leaf`);
  }
  return {
    ...(scheme.version === 3 ? { version: 3 as const } : {}),
    algorithm: hash.algorithm,
    salt: toHex(salts.record),
    index: position.index,
    count: position.count,
    path: position.path.map(toHex),
    root: toHex(position.root),
    ...disclosure,
  };
}

/** A record's proof from all the leaves in memory, every field opened. */
export function issueRecordProof(
  hash: HashFunction,
  secret: Uint8Array,
  scheme: RecordScheme,
  leaves: readonly Uint8Array[],
  index: number,
  record: Json,
): SelectiveRecordProof {
  const leaf = leaves[index];
  if (!leaf) throw new RangeError(`no record ${index} among ${leaves.length}`);
  return assembleRecordProof(hash, secret, scheme, record, {
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
  const version = proof.version ?? 2;
  const base = {
    ...(proof.version ? { version: proof.version } : {}),
    algorithm,
    salt,
    index,
    count,
    path,
    root,
  };
  if ('value' in proof) {
    return { ...base, value: { commitment: commitmentOf(hash, version, null, proof.value) } };
  }
  const keep = new Set(fields);
  const projected: Record<string, FieldProof> = {};
  for (const [name, field] of Object.entries(proof.fields)) {
    setOwn(
      projected,
      name,
      keep.has(name) ? field : { commitment: commitmentOf(hash, version, name, field) },
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
 * Checks a field-by-field record proof (leaf version 2 or 3) against its own root; the caller
 * compares that root with the anchor. `field` names what failed under the proof (`fields.<name>.salt`), or `leaf` when the
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
  if (proof.version !== undefined && proof.version !== 3)
    return { ok: false, field: 'version', reason: `no leaf version ${String(proof.version)}` };
  const version = proof.version ?? 2;
  const hexOf =
    (bytes: number) =>
    (at: string, text: string): SelectiveRecordCheck =>
      isHex(text, bytes)
        ? { ok: true }
        : { ok: false, field: at, reason: `not ${bytes} hex bytes` };
  const hex32 = hexOf(HASH_BYTES);
  const saltHex = hexOf(version === 3 ? SALT_V3_BYTES : HASH_BYTES);
  const opened: [string, FieldProof][] =
    'value' in proof
      ? [['value', proof.value]]
      : Object.entries(proof.fields).map(([n, f]) => [`fields.${n}`, f]);
  for (const check of [
    saltHex('salt', proof.salt),
    hex32('root', proof.root),
    ...proof.path.map((p, i) => hex32(`path[${i}]`, p)),
    ...opened.map(([at, f]) =>
      'commitment' in f ? hex32(`${at}.commitment`, f.commitment) : saltHex(`${at}.salt`, f.salt),
    ),
  ]) {
    if (!check.ok) return check;
  }
  return includes(
    hash,
    proof,
    () => disclosureLeaf(hash, fromHex(proof.salt), proof, version),
    'leaf',
    'a field value, salt or commitment, the record salt, index, count or path altered',
  );
}
