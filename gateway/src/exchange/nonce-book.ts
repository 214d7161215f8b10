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
 */
import { Level } from 'level';

export class NonceBook {
  private constructor(
    private readonly db: Level<string, string>,
    /** nonce -> until when it is kept (ms); the database's content, loaded on open. */
    private readonly seen: Map<string, number>,
  ) {}

  /** Opens the book in `location`, dropping the nonces that expired before `now`. */
  static async open(location: string, now = Date.now()): Promise<NonceBook> {
    const db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const seen = new Map<string, number>();
    const expired: string[] = [];
    for await (const [nonce, until] of db.iterator()) {
      const expires = Number(until);
      if (expires < now) expired.push(nonce);
      else seen.set(nonce, expires);
    }
    if (expired.length > 0)
      await db.batch(
        expired.map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      );
    return new NonceBook(db, seen);
  }

  /**
   * Records the nonce until `expires` and resolves once that is on disk; false when it was
   * already there. The nonces expired at `now` are deleted in the same write.
   */
  async remember(nonce: string, expires: number, now: number): Promise<boolean> {
    const expired: string[] = [];
    for (const [n, until] of this.seen)
      if (until < now) {
        this.seen.delete(n);
        expired.push(n);
      }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, expires);
    try {
      await this.db.batch(
        [
          { type: 'put', key: nonce, value: String(expires) },
          ...expired.map((key) => ({ type: 'del' as const, key })),
        ],
        { sync: true },
      );
    } catch (err) {
      // Not on disk, so not answered: the request fails and may be sent again.
      this.seen.delete(nonce);
      throw err;
    }
    return true;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
