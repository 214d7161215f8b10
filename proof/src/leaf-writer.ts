/**
 * Version 2 record leaves at anchoring speed (see ./records.ts for the scheme).
 *
 * Anchoring a table computes, for every record, one record salt, a salt and a commitment per
 * field, and the leaf over the commitments: a few dozen short hashes. Profiled on a register of
 * eight columns, the hashes were half the time and building their inputs the other half
 * (canonical JSON of `[field, value]`, hex strings, an object of commitments, its sorted
 * encoding, a UTF-8 copy of each). This writer produces the same bytes straight into buffers it
 * reuses: per field name, the salt's HMAC message (the record index rewritten in place) and the
 * canonical prefixes `["name",` and `"name":"`, kept for the names a run of records shares; hex
 * digits written as bytes. For SHA-256, messages of two blocks or less (salts, most commitments)
 * are hashed by ./sha256-short.ts rather than by a native call each. It needs a one-shot hash
 * (`digest`); the reference functions in ./records.ts stay the definition, and the tests hold
 * the two equal.
 */
import { canonicalJson, type Json } from '@shulian/chaincode/canonical';
import { hmacPads, hmacWithKey, type HashFunction } from './hash.js';
import { SHORT_MESSAGE_BYTES, sha256Short, shortHmacSha256 } from './sha256-short.js';

export const LEAF_BYTE = 0x00;
export const FIELD_BYTE = 0x02;
/** Separates a version 2 leaf's salt from its commitments; not a byte of any UTF-8 text. */
export const FIELDS_MARK_BYTE = 0xff;
const encoder = new TextEncoder();
export const SALT_LABEL = encoder.encode('shulian/record-salt/v1');
export const FIELD_SALT_LABEL = encoder.encode('shulian/field-salt/v2');
/** Above this many characters a value is encoded on its own (one call more for short ones). */
export const LONG_VALUE = 64 * 1024;

const SALT_BYTES = 32;
const HEX_DIGITS = encoder.encode('0123456789abcdef');
const QUOTE = 0x22;
const COMMA = 0x2c;

/** One field name's reusable bytes. */
interface FieldPlan {
  readonly name: string;
  /** FIELD_SALT_LABEL || uint64be(index) || utf8(name); the index is rewritten per record. */
  readonly saltMessage: Uint8Array;
  readonly saltView: DataView;
  /** `["name",` */
  readonly commitmentPrefix: Uint8Array;
  /** `"name":"` */
  readonly leafKey: Uint8Array;
}

/** The names of a record in its own order and in canonical (UTF-16 code unit) order. */
interface RecordPlan {
  readonly names: readonly string[];
  readonly fields: readonly FieldPlan[];
  /** indexes into `fields`, sorted by name */
  readonly sorted: readonly number[];
}

/** Writes uint64be(index) at `at`; indexes are safe integers, so two 32-bit halves suffice. */
function setIndex(view: DataView, at: number, index: number): void {
  view.setUint32(at, Math.floor(index / 0x1_0000_0000));
  view.setUint32(at + 4, index >>> 0);
}

export class LeafWriter {
  private readonly digest: (data: Uint8Array) => Uint8Array;
  /** HMAC(secret, ·) */
  private readonly mac: (message: Uint8Array) => Uint8Array;
  private readonly recordSaltMessage: Uint8Array;
  private readonly recordSaltView: DataView;
  private plan: RecordPlan | null = null;
  private buffer = new Uint8Array(4096);

  /** @throws TypeError when the hash has no one-shot form (use the reference functions). */
  constructor(hash: HashFunction, secret: Uint8Array) {
    const digest = hash.digest?.bind(hash);
    if (!digest) throw new TypeError(`${hash.algorithm} has no one-shot digest`);
    const native = hmacWithKey(hash, secret);
    if (hash.algorithm === 'sha256') {
      const { innerPad, outerPad } = hmacPads(hash, secret);
      const short = shortHmacSha256(innerPad, outerPad);
      this.digest = (data) =>
        data.length <= SHORT_MESSAGE_BYTES ? sha256Short(data) : digest(data);
      this.mac = (data) => (data.length <= SHORT_MESSAGE_BYTES ? short(data) : native(data));
    } else {
      this.digest = digest;
      this.mac = native;
    }
    this.recordSaltMessage = new Uint8Array(SALT_LABEL.length + 8);
    this.recordSaltMessage.set(SALT_LABEL);
    this.recordSaltView = new DataView(this.recordSaltMessage.buffer);
  }

  /** salt(i) as ./records.ts's saltDeriver gives it. */
  recordSalt(index: number): Uint8Array {
    setIndex(this.recordSaltView, SALT_LABEL.length, index);
    return this.mac(this.recordSaltMessage);
  }

  /**
   * The version 2 leaf of record `index`, or null for a record this writer leaves to the
   * reference functions: one that is not an object, or holds a value longer than LONG_VALUE.
   */
  leaf(index: number, record: Json): Uint8Array | null {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return null;
    const names = Object.keys(record);
    const values: string[] = new Array<string>(names.length);
    for (let i = 0; i < names.length; i++) {
      const value = record[names[i]!]!;
      if (typeof value === 'string' && value.length > LONG_VALUE) return null;
      values[i] = typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value);
    }
    const plan = this.planFor(names);
    const commitments = plan.fields.map((field, i) => this.commitment(index, field, values[i]!));
    return this.leafOver(index, plan, commitments);
  }

  /** H(0x02 || fieldSalt(i, f) || `["name",` || value || `]`). */
  private commitment(index: number, field: FieldPlan, value: string): Uint8Array {
    setIndex(field.saltView, FIELD_SALT_LABEL.length, index);
    const salt = this.mac(field.saltMessage);
    const prefix = field.commitmentPrefix;
    const buffer = this.room(1 + SALT_BYTES + prefix.length + 3 * value.length + 1);
    buffer[0] = FIELD_BYTE;
    buffer.set(salt, 1);
    buffer.set(prefix, 1 + SALT_BYTES);
    let at = 1 + SALT_BYTES + prefix.length;
    at += encoder.encodeInto(value, buffer.subarray(at)).written;
    buffer[at++] = 0x5d; // ]
    return this.digest(buffer.subarray(0, at));
  }

  /** H(0x00 || salt(i) || 0xFF || canonical({ name: hex(commitment) })). */
  private leafOver(index: number, plan: RecordPlan, commitments: Uint8Array[]): Uint8Array {
    let size = 1 + SALT_BYTES + 1 + 2;
    for (const field of plan.fields) size += field.leafKey.length + 2 * SALT_BYTES + 2;
    const buffer = this.room(size);
    buffer[0] = LEAF_BYTE;
    buffer.set(this.recordSalt(index), 1);
    buffer[1 + SALT_BYTES] = FIELDS_MARK_BYTE;
    let at = 2 + SALT_BYTES;
    buffer[at++] = 0x7b; // {
    for (let k = 0; k < plan.sorted.length; k++) {
      const i = plan.sorted[k]!;
      if (k > 0) buffer[at++] = COMMA;
      buffer.set(plan.fields[i]!.leafKey, at);
      at += plan.fields[i]!.leafKey.length;
      for (const byte of commitments[i]!) {
        buffer[at++] = HEX_DIGITS[byte >> 4]!;
        buffer[at++] = HEX_DIGITS[byte & 15]!;
      }
      buffer[at++] = QUOTE;
    }
    buffer[at++] = 0x7d; // }
    return this.digest(buffer.subarray(0, at));
  }

  /** The scratch buffer, grown to at least `bytes`. */
  private room(bytes: number): Uint8Array {
    if (bytes > this.buffer.length)
      this.buffer = new Uint8Array(Math.max(bytes, 2 * this.buffer.length));
    return this.buffer;
  }

  /** The plan of the previous record when the names are the same (a table's rows), else a new one. */
  private planFor(names: readonly string[]): RecordPlan {
    const last = this.plan;
    if (last && last.names.length === names.length && last.names.every((n, i) => n === names[i]))
      return last;
    const fields = names.map((name) => this.fieldPlan(name));
    const sorted = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
    this.plan = { names: [...names], fields, sorted };
    return this.plan;
  }

  private fieldPlan(name: string): FieldPlan {
    const encoded = encoder.encode(name);
    const saltMessage = new Uint8Array(FIELD_SALT_LABEL.length + 8 + encoded.length);
    saltMessage.set(FIELD_SALT_LABEL);
    saltMessage.set(encoded, FIELD_SALT_LABEL.length + 8);
    const json = JSON.stringify(name);
    return {
      name,
      saltMessage,
      saltView: new DataView(saltMessage.buffer),
      commitmentPrefix: encoder.encode(`[${json},`),
      leafKey: encoder.encode(`${json}:"`),
    };
  }
}
