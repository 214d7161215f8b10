/**
 * World state as the transaction simulator and the validator see it: one reader interface
 * (committed state only), an in-memory implementation for the chaincode harness, and the pure
 * function that turns a valid transaction's read-write set into state and history updates, so the
 * harness and the department nodes apply writes by the same rules.
 */
import type { RwSet, Version } from '@shulian/proof/formats/embedded';
import { fromBase64 } from './crypto.js';

export interface StateEntry {
  value: Uint8Array;
  version: Version;
  /** Serialized SignaturePolicyEnvelope: the key-level endorsement policy, when set. */
  validationParameter?: Uint8Array;
}

export interface HistoryEntry {
  txId: string;
  /** The transaction's timestamp (client chosen, ms since the epoch), as Fabric reports it. */
  timestamp: number;
  isDelete: boolean;
  value: Uint8Array;
}

export interface KeyedEntry {
  key: string;
  entry: StateEntry;
}

/** Read access to committed state. Range keys are ordered by their UTF-8 bytes, as in LevelDB. */
export interface StateReader {
  get(key: string): Promise<StateEntry | undefined>;
  /** Keys in [startKey, endKey); an empty endKey means no upper bound. */
  range(startKey: string, endKey: string): AsyncIterable<KeyedEntry>;
  /** Every committed write of the key, newest first (Fabric 2.x order). */
  history(key: string): AsyncIterable<HistoryEntry>;
}

/** One key's new state after a transaction: an entry, or null when the key is deleted. */
export interface StateUpdate {
  key: string;
  entry: StateEntry | null;
}

export interface TxUpdates {
  state: StateUpdate[];
  history: { key: string; entry: HistoryEntry }[];
}

/**
 * The code point at `i` as UTF-8 encodes the string: a surrogate pair's, or U+FFFD for a lone
 * surrogate (which Buffer.from and TextEncoder replace with it).
 */
function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return 0xfffd;
}

/**
 * LevelDB's key order (bytewise UTF-8), which differs from JS string order for astral characters:
 * -1, 0 or 1, as Buffer.compare of the keys' UTF-8 bytes. UTF-8 orders as the code points it
 * encodes, so this compares code points and encodes nothing (the simulator sorts every read and
 * write set with it; two Buffers per comparison were most of that sort, #18).
 */
export function compareKeys(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  let i = 0;
  while (i < shorter && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  if (i === a.length && i === b.length) return 0;
  // Equal code units are equal code points up to i, but for a high surrogate just before it,
  // which may pair with what follows in one string and not in the other.
  const previous = i > 0 ? a.charCodeAt(i - 1) : 0;
  if (previous >= 0xd800 && previous <= 0xdbff) i -= 1;
  let j = i;
  while (i < a.length && j < b.length) {
    const x = codePointAt(a, i);
    const y = codePointAt(b, j);
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return i < a.length ? 1 : j < b.length ? -1 : 0;
}

/**
 * The updates a valid transaction makes, as Fabric applies them: value writes keep an existing
 * key-level policy, deletes drop it, a metadata write sets or clears it on an existing (or just
 * written) key and is ignored for a key that does not exist. `current` must see the effects of
 * earlier valid transactions of the same block.
 */
export async function txUpdates(
  rwset: RwSet,
  version: Version,
  txId: string,
  timestamp: number,
  current: (key: string) => Promise<StateEntry | undefined>,
): Promise<TxUpdates> {
  const next = new Map<string, StateEntry | null>();
  const history: TxUpdates['history'] = [];
  for (const w of rwset.writes) {
    if (w.isDelete || w.value === undefined) {
      next.set(w.key, null);
      history.push({
        key: w.key,
        entry: { txId, timestamp, isDelete: true, value: new Uint8Array() },
      });
      continue;
    }
    const value = fromBase64(w.value);
    const previous = await current(w.key);
    const entry: StateEntry = { value, version };
    if (previous?.validationParameter) entry.validationParameter = previous.validationParameter;
    next.set(w.key, entry);
    history.push({ key: w.key, entry: { txId, timestamp, isDelete: false, value } });
  }
  for (const m of rwset.metadataWrites) {
    const base = next.has(m.key) ? next.get(m.key) : await current(m.key);
    if (!base) continue;
    const entry: StateEntry = { value: base.value, version };
    if (m.validationParameter !== undefined)
      entry.validationParameter = fromBase64(m.validationParameter);
    next.set(m.key, entry);
  }
  return { state: [...next].map(([key, entry]) => ({ key, entry })), history };
}

function asAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = items[Symbol.iterator]();
      return { next: () => Promise.resolve(it.next()) };
    },
  };
}

/** Committed state held in memory: the chaincode harness's ledger. */
export class MemoryState implements StateReader {
  private readonly entries = new Map<string, StateEntry>();
  /** Sorted by compareKeys; kept incrementally so range reads need no sort. */
  private keys: string[] = [];
  private readonly histories = new Map<string, HistoryEntry[]>();

  get(key: string): Promise<StateEntry | undefined> {
    return Promise.resolve(this.entries.get(key));
  }

  range(startKey: string, endKey: string): AsyncIterable<KeyedEntry> {
    return asAsync(this.rangeSync(startKey, endKey));
  }

  history(key: string): AsyncIterable<HistoryEntry> {
    return asAsync([...(this.histories.get(key) ?? [])].reverse());
  }

  private *rangeSync(startKey: string, endKey: string): Iterable<KeyedEntry> {
    // Snapshot the key list: a range read must not observe commits that happen while it runs.
    const keys = this.keys;
    for (let i = this.lowerBound(startKey, keys); i < keys.length; i++) {
      const key = keys[i] as string;
      if (endKey !== '' && compareKeys(key, endKey) >= 0) return;
      const entry = this.entries.get(key);
      if (entry) yield { key, entry };
    }
  }

  apply(updates: TxUpdates): void {
    let keys = this.keys;
    for (const { key, entry } of updates.state) {
      const i = this.lowerBound(key, keys);
      const present = keys[i] === key;
      if (entry) {
        if (!present) keys = [...keys.slice(0, i), key, ...keys.slice(i)];
        this.entries.set(key, entry);
      } else if (present) {
        keys = [...keys.slice(0, i), ...keys.slice(i + 1)];
        this.entries.delete(key);
      }
    }
    this.keys = keys;
    for (const { key, entry } of updates.history) {
      const list = this.histories.get(key) ?? [];
      list.push(entry);
      this.histories.set(key, list);
    }
  }

  private lowerBound(key: string, keys: string[]): number {
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
