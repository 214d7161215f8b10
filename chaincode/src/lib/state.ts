/**
 * The one way contracts touch world state: every value is written as canonical JSON and read
 * back through its validator; every entity declares its key and secondary indexes once, and
 * the indexes follow each write (so a status change moves the entity between status lists).
 */
import type { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { DEFAULT_PAGE_SIZE, ErrorCode, MAX_PAGE_SIZE, type EventName } from '../constants.js';
import type { HistoryItem, Page } from '../model/types.js';
import { SchemaError, type Check } from '../model/schema.js';
import { canonicalBytes, canonicalJson, isPlainJson, parseJson } from './canonical.js';
import { ChaincodeError } from './errors.js';

type StateIterator = Awaited<ReturnType<Context['stub']['getStateByPartialCompositeKey']>>;

/** Index keys only need to exist; Fabric treats an empty value as a delete. */
const INDEX_VALUE = Uint8Array.of(0);

export interface EntityKind<T> {
  /** Composite-key object type of the primary record. */
  type: string;
  label: string;
  check: Check<T>;
  notFound: ErrorCode;
  /** Attributes of the primary key, and how many there are. */
  keyOf(entity: T): string[];
  keyLength: number;
  /** Secondary indexes: name → leading attributes (the primary key attributes follow). */
  indexes: Record<string, (entity: T) => string[]>;
  /**
   * How read transactions (pages, readAsParty) show the entity when some of it is derived from
   * other keys (uses counted one key per use); rules read the stored value.
   */
  present?: (ctx: Context, entity: T) => Promise<T>;
}

export function compositeKey(ctx: Context, type: string, attributes: string[]): string {
  return ctx.stub.createCompositeKey(type, attributes);
}

function decode<T>(check: Check<T>, bytes: Uint8Array, key: string): T {
  try {
    return check(parseJson(bytes), '');
  } catch (error) {
    const why =
      error instanceof SchemaError || error instanceof SyntaxError ? error.message : String(error);
    throw new ChaincodeError(
      ErrorCode.CORRUPT_STATE,
      `stored value at ${JSON.stringify(key)} is invalid: ${why}`,
    );
  }
}

export async function readValue<T>(ctx: Context, key: string, check: Check<T>): Promise<T | null> {
  const bytes = await ctx.stub.getState(key);
  return bytes.length === 0 ? null : decode(check, bytes, key);
}

export async function writeValue<T>(
  ctx: Context,
  key: string,
  check: Check<T>,
  value: T,
): Promise<void> {
  const bytes = canonicalBytes(value);
  // Validate on the way out too: a rule bug must not put a malformed record on every node.
  // A plain JSON value reads back as an equal value, so checking it as it is passes exactly
  // when checking the bytes read back would; anything else, and any failure (for its message),
  // is checked as read back.
  if (!(isPlainJson(value) && passes(check, value))) decode(check, bytes, key);
  await ctx.stub.putState(key, bytes);
}

function passes<T>(check: Check<T>, value: T): boolean {
  try {
    check(value, '');
    return true;
  } catch {
    return false;
  }
}

export async function find<T>(ctx: Context, kind: EntityKind<T>, id: string[]): Promise<T | null> {
  return readValue(ctx, compositeKey(ctx, kind.type, id), kind.check);
}

/**
 * An entity's key as a person reads it: versions are stored zero-padded so keys sort, but a
 * message says "AMR-ENT-001 v99", not "AMR-ENT-001/0000000099".
 */
function described(id: string[]): string {
  return id.map((part) => (/^\d{10}$/.test(part) ? `v${Number(part)}` : part)).join(' ');
}

export async function get<T>(ctx: Context, kind: EntityKind<T>, id: string[]): Promise<T> {
  const entity = await find(ctx, kind, id);
  if (!entity)
    throw new ChaincodeError(kind.notFound, `${kind.label} ${described(id)} does not exist`);
  return entity;
}

export async function exists<T>(ctx: Context, kind: EntityKind<T>, id: string[]): Promise<boolean> {
  return (await ctx.stub.getState(compositeKey(ctx, kind.type, id))).length > 0;
}

function indexType<T>(kind: EntityKind<T>, name: string): string {
  return `${kind.type}~${name}`;
}

/** Writes an entity and moves its index entries from `previous` (null when new) to `entity`. */
export async function put<T>(
  ctx: Context,
  kind: EntityKind<T>,
  entity: T,
  previous: T | null,
): Promise<string> {
  const id = kind.keyOf(entity);
  const key = compositeKey(ctx, kind.type, id);
  await writeValue(ctx, key, kind.check, entity);
  for (const [name, attributesOf] of Object.entries(kind.indexes)) {
    const next = compositeKey(ctx, indexType(kind, name), [...attributesOf(entity), ...id]);
    if (previous) {
      const before = compositeKey(ctx, indexType(kind, name), [
        ...attributesOf(previous),
        ...kind.keyOf(previous),
      ]);
      if (before === next) continue;
      await ctx.stub.deleteState(before);
    }
    await ctx.stub.putState(next, INDEX_VALUE);
  }
  return key;
}

/**
 * Each owner's key-level policy, serialised once: fabric-shim's getPolicy() builds a
 * google-protobuf SignaturePolicyEnvelope on every call (about 10 µs in the embedded network, and
 * AnchorVersion restricts two keys per endorsement, #18), and the bytes depend on the MSP id
 * alone. Owners are the channel's organisations, a handful.
 */
const ownerPolicies = new Map<string, Uint8Array>();

/**
 * Names the owner's organisation as the only endorser of a key (state-based endorsement), so
 * on Fabric another department cannot change it even with a modified chaincode.
 */
export async function restrictToOwner(ctx: Context, key: string, ownerMsp: string): Promise<void> {
  let policy = ownerPolicies.get(ownerMsp);
  if (!policy) {
    const built = new KeyEndorsementPolicy();
    built.addOrgs('MEMBER', ownerMsp);
    policy = built.getPolicy();
    ownerPolicies.set(ownerMsp, policy);
  }
  // A copy per write: the stub keeps what it is given.
  await ctx.stub.setStateValidationParameter(key, policy.slice());
}

export function emit(ctx: Context, name: EventName, payload: unknown): void {
  ctx.stub.setEvent(name, canonicalBytes(payload));
}

/** Transactions return canonical JSON so every endorser returns identical bytes. */
export function reply(value: unknown): string {
  return canonicalJson(value);
}

export function parsePageSize(value: string): number {
  if (value === '') return DEFAULT_PAGE_SIZE;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new ChaincodeError(
      ErrorCode.INVALID_ARGUMENT,
      `pageSize must be an integer between 1 and ${MAX_PAGE_SIZE}`,
    );
  }
  return size;
}

/** Where to look: the whole kind, or one of its indexes under leading attributes. */
export interface Selection {
  index: string | null;
  prefix: string[];
}

/** One page of an entity kind, read through the primary keys or one of its indexes. */
export async function list<T>(
  ctx: Context,
  kind: EntityKind<T>,
  selection: Selection,
  pageSize: string,
  bookmark: string,
): Promise<Page<T>> {
  const size = parsePageSize(pageSize);
  // Fabric's shim leaves the metadata out when the peer's is empty (an empty page with no
  // bookmark serialises to no bytes), whatever its types say: such a page has no next one.
  const { iterator, metadata } = (await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    selectionType(kind, selection),
    selection.prefix,
    size,
    bookmark,
  )) as { iterator: StateIterator; metadata?: { bookmark: string } };
  const stored = await collect(ctx, kind, selection, iterator);
  const { present } = kind;
  const items = present ? await Promise.all(stored.map((e) => present(ctx, e))) : stored;
  return { items, bookmark: metadata?.bookmark ?? '', count: items.length };
}

/** Everything under a selection, for the few rules that must look inside a submit transaction. */
export async function scan<T>(
  ctx: Context,
  kind: EntityKind<T>,
  selection: Selection,
): Promise<T[]> {
  const iterator = await ctx.stub.getStateByPartialCompositeKey(
    selectionType(kind, selection),
    selection.prefix,
  );
  return collect(ctx, kind, selection, iterator);
}

function selectionType<T>(kind: EntityKind<T>, selection: Selection): string {
  return selection.index === null ? kind.type : indexType(kind, selection.index);
}

async function collect<T>(
  ctx: Context,
  kind: EntityKind<T>,
  selection: Selection,
  iterator: StateIterator,
): Promise<T[]> {
  const items: T[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const { key, value } = next.value;
      if (selection.index === null) {
        items.push(decode(kind.check, value, key));
      } else {
        // Index keys end with the primary key's attributes.
        const { attributes } = ctx.stub.splitCompositeKey(key);
        items.push(await get(ctx, kind, attributes.slice(attributes.length - kind.keyLength)));
      }
    }
  } finally {
    await iterator.close();
  }
  return items;
}

export async function history<T>(
  ctx: Context,
  kind: EntityKind<T>,
  id: string[],
): Promise<HistoryItem<T>[]> {
  const key = compositeKey(ctx, kind.type, id);
  if (!(await exists(ctx, kind, id))) {
    throw new ChaincodeError(kind.notFound, `${kind.label} ${described(id)} does not exist`);
  }
  const iterator = await ctx.stub.getHistoryForKey(key);
  const items: HistoryItem<T>[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const modification = next.value;
      items.push({
        txId: modification.txId,
        timestamp: new Date(timestampMs(modification.timestamp)).toISOString(),
        isDelete: modification.isDelete,
        value: modification.isDelete ? null : decode(kind.check, modification.value, key),
      });
    }
  } finally {
    await iterator.close();
  }
  return items;
}

/** Fabric timestamps carry seconds as a protobuf Long; String() works for Long, number and bigint. */
export function timestampMs(timestamp: { seconds: unknown; nanos: number }): number {
  return Number(String(timestamp.seconds)) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}
