/**
 * The nonces of the signed requests a provider's gateway answered within the time window (#15),
 * kept in `<gateway dir>/exchange-nonces/` so that a gateway restarted within the window (a
 * deployment, a crash, kill -9) still refuses a replayed request with EXCHANGE_REQUEST_REPLAYED.
 * In memory the book would forget them on restart, and a replayed quote or delivery request
 * signed minutes ago would be answered again.
 *
 * A level database, like the gateway's other local books (the anchor book, the query index),
 * rather than an append-only file: each new nonce is one synced batch, which LevelDB's
 * write-ahead log makes atomic and checksummed (a write torn by a crash is dropped on open, never
 * read back half), expired nonces are deleted in the same batch instead of rewriting a file, and
 * the database's lock refuses a second gateway on the same folder as it does for the index.
 *
 * The order is what makes it hold across a crash: the nonce is checked and claimed in memory at
 * once (two concurrent requests with one nonce: the second is a replay), then written with fsync,
 * and only then is the request served. A crash before the write completes leaves a nonce that
 * was never answered, which a retry may use; a crash after it cannot make the book forget it.
 *
 * Expired nonces are found through a min-heap ordered by expiry, not by scanning the book: a
 * request pops only the nonces that have expired (each is pushed once and popped once) and pays
 * O(log n) for its own push, so a provider holding the window's many nonces answers each request
 * with the same work as one holding a few (the scan it replaces visited every nonce per request).
 */
import { Level } from 'level';

/** A nonce and until when it is kept, in the expiry heap. */
interface Expiry {
  until: number;
  nonce: string;
}

/**
 * A binary min-heap of expiries (earliest first). `visits` counts the entries each operation
 * looks at, so a test can show the work per request does not grow with the book.
 */
class ExpiryHeap {
  private readonly items: Expiry[] = [];
  visits = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): Expiry | undefined {
    this.visits++;
    return this.items[0];
  }

  push(entry: Expiry): void {
    const { items } = this;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      this.visits++;
      const parent = (i - 1) >> 1;
      if (items[parent]!.until <= entry.until) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Expiry | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      this.visits++;
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.until < items[left]!.until ? right : left;
      if (last.until <= items[child]!.until) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

export class NonceBook {
  /** Expired nonces taken out of memory whose deletion from disk has not been written yet. */
  private unswept: string[] = [];

  private constructor(
    private readonly db: Level<string, string>,
    /** nonce -> until when it is kept (ms); the database's content, loaded on open. */
    private readonly seen: Map<string, number>,
    /** The same nonces by expiry; an entry whose nonce `seen` no longer keeps until then is stale. */
    private readonly expiries: ExpiryHeap,
  ) {}

  /** Opens the book in `location`, dropping the nonces that expired before `now`. */
  static async open(location: string, now = Date.now()): Promise<NonceBook> {
    const db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const seen = new Map<string, number>();
    const expiries = new ExpiryHeap();
    const expired: string[] = [];
    for await (const [nonce, until] of db.iterator()) {
      const expires = Number(until);
      if (expires < now) expired.push(nonce);
      else {
        seen.set(nonce, expires);
        expiries.push({ until: expires, nonce });
      }
    }
    if (expired.length > 0)
      await db.batch(
        expired.map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      );
    expiries.visits = 0;
    return new NonceBook(db, seen, expiries);
  }

  /**
   * How many entries of the expiry index the book has looked at since it was opened: per request,
   * O(log n) for its own nonce plus one per expired nonce it removes, never the whole book.
   */
  get visits(): number {
    return this.expiries.visits;
  }

  /**
   * Records the nonce until `expires` and resolves once that is on disk; false when it was
   * already there. The nonces expired at `now` are deleted in the same write.
   */
  async remember(nonce: string, expires: number, now: number): Promise<boolean> {
    const expired = this.unswept;
    this.unswept = [];
    for (let next = this.expiries.peek(); next && next.until < now; next = this.expiries.peek()) {
      this.expiries.pop();
      // Stale when the nonce was dropped (its write failed) or kept again until another time.
      if (this.seen.get(next.nonce) === next.until) {
        this.seen.delete(next.nonce);
        expired.push(next.nonce);
      }
    }
    if (this.seen.has(nonce)) {
      this.unswept = expired;
      return false;
    }
    this.seen.set(nonce, expires);
    try {
      await this.db.batch(
        [
          // Deletions first: an expired nonce used again is put back, not deleted after.
          ...expired.map((key) => ({ type: 'del' as const, key })),
          { type: 'put', key: nonce, value: String(expires) },
        ],
        { sync: true },
      );
    } catch (err) {
      // Not on disk, so not answered: the request fails and may be sent again. The expired
      // nonces are deleted with the next write (or on the next open).
      this.seen.delete(nonce);
      this.unswept.push(...expired);
      throw err;
    }
    this.expiries.push({ until: expires, nonce });
    return true;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
