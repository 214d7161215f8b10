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

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** LevelDB's key order (bytewise UTF-8), which differs from JS string order for astral characters. */
export const compareKeys = (a: string, b: string): number => Buffer.compare(utf8(a), utf8(b));

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
