/**
 * Uses counted against a grant or an authorisation, one key per allowed use.
 *
 * A count stored in the grant (or authorisation) record made every use write the same key, so
 * concurrent uses under one grant conflicted at validation (MVCC) and all but one were retried.
 * Each allowed use now writes its own key under the counted record's prefix, and nothing reads
 * the count unless a limit depends on it: uses under an unlimited grant never conflict. A use
 * under a limit counts the keys with a range read, which validation re-checks for phantoms, so
 * two uses racing for the last one cannot both commit: the limit holds exactly.
 */
import type { Context } from 'fabric-contract-api';
import { compositeKey } from './state.js';

/** What a use is counted against: the composite-key type of its per-use keys. */
export type UseCounter = 'grant~use' | 'authorisation~use';
export const GRANT_USES: UseCounter = 'grant~use';
export const AUTHORISATION_USES: UseCounter = 'authorisation~use';

/** Per-use keys only need to exist; Fabric treats an empty value as a delete. */
const PRESENT = Uint8Array.of(0);

/** Counts an allowed use against `id`. */
export async function countUse(
  ctx: Context,
  counter: UseCounter,
  id: string,
  useId: string,
): Promise<void> {
  await ctx.stub.putState(compositeKey(ctx, counter, [id, useId]), PRESENT);
}

/**
 * The uses counted against `id`, reading at most `atMost` keys (a limit only needs to know
 * whether it is reached; the range read is what validation re-checks).
 */
export async function countedUses(
  ctx: Context,
  counter: UseCounter,
  id: string,
  atMost = Number.POSITIVE_INFINITY,
): Promise<number> {
  const iterator = await ctx.stub.getStateByPartialCompositeKey(counter, [id]);
  let count = 0;
  try {
    while (count < atMost && !(await iterator.next()).done) count++;
  } finally {
    await iterator.close();
  }
  return count;
}

/**
 * A record with its uses as readers see them: those counted in the record itself (ledgers
 * written before per-use keys) plus its per-use keys. Rules use `countedUses` directly, and
 * only when a limit needs it.
 */
export async function withUses<T extends { id: string; useCount: number }>(
  ctx: Context,
  counter: UseCounter,
  entity: T,
): Promise<T> {
  return { ...entity, useCount: entity.useCount + (await countedUses(ctx, counter, entity.id)) };
}
