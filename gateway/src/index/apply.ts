/**
 * Block application: the level operations one committed block makes to the query index, and the
 * checkpoint that moves with them in the same batch (so a crash leaves the index at a block
 * boundary). Only what the events say is written; the chaincode's decisions (an answered update
 * requirement, a grant that came with an approval) arrive in its events, never re-derived here.
 */
import { parseJson } from '@shulian/chaincode/canonical';
import type { Grant, UsageRecord } from '@shulian/chaincode/constants';
import type { BlockEvent } from '../ledger/types.js';
import { actOf, type AuditAct } from './acts.js';
import {
  actCounterKey,
  counterKey,
  entitiesOf,
  entityId,
  entityKey,
  META_CHECKPOINT,
  secondaryKeys,
  type Decoded,
  type EntityType,
  type Stored,
} from './entities.js';

export interface Checkpoint {
  blockNumber: number;
  blockHash: string;
}

export type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

/** What applying a block writes, and the stored entities the in-memory lookups must learn. */
export interface BlockWrites {
  ops: BatchOp[];
  remembered: [EntityType, string][];
  checkpoint: Checkpoint;
}

/** The operations of one block, reading the index as it stood before it through `readRaw`. */
export async function blockWrites(
  block: BlockEvent,
  readRaw: (key: string) => Promise<string | undefined>,
): Promise<BlockWrites> {
  const batch = new BlockBatch(block.blockNumber, readRaw);
  for (const tx of block.transactions) {
    if (tx.validationCode !== 'VALID' || tx.event === null) continue;
    let payload: unknown;
    try {
      payload = parseJson(tx.event.payload);
    } catch {
      continue; // Not ours to judge: the ledger accepted it; an undecodable event indexes nothing.
    }
    for (const entity of entitiesOf(tx.event.name, payload)) await batch.write(entity, tx.txId);
    const act = actOf(tx, tx.event.name, payload);
    if (act) await batch.recordAct(act);
  }
  return batch.finish(block.blockHash);
}

class BlockBatch {
  private readonly ops: BatchOp[] = [];
  // Later events in the same block must see earlier ones (a request then its approval).
  private readonly overlay = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly remembered: [EntityType, string][] = [];

  constructor(
    private readonly blockNumber: number,
    private readonly readRaw: (key: string) => Promise<string | undefined>,
  ) {}

  private async read(k: string): Promise<string | undefined> {
    return this.overlay.get(k) ?? (await this.readRaw(k));
  }

  async write(entity: Decoded, txId: string): Promise<void> {
    if (entity.type === 'update') {
      await this.replaceRequirement(entity, txId);
    } else if (entity.type === 'usage') {
      await this.recordUse(entity.value, txId);
    } else {
      this.put(entity, txId);
    }
  }

  /** An act on the trail, counted in its acting department's month. */
  async recordAct(act: AuditAct): Promise<void> {
    this.put({ type: 'act', value: act }, act.id);
    await this.count(actCounterKey(act));
  }

  private async count(k: string): Promise<void> {
    const base = this.counters.get(k) ?? Number((await this.readRaw(k)) ?? '0');
    this.counters.set(k, base + 1);
  }

  finish(blockHash: string): BlockWrites {
    for (const [k, v] of this.counters) this.ops.push({ type: 'put', key: k, value: String(v) });
    const checkpoint: Checkpoint = { blockNumber: this.blockNumber, blockHash };
    this.ops.push({ type: 'put', key: META_CHECKPOINT, value: JSON.stringify(checkpoint) });
    return { ops: this.ops, remembered: this.remembered, checkpoint };
  }

  private put(entity: Decoded, txId: string): void {
    const id = entityId(entity);
    const k = entityKey(entity.type, id);
    const stored: Stored<unknown> = { v: entity.value, tx: txId, b: this.blockNumber };
    const value = JSON.stringify(stored);
    this.overlay.set(k, value);
    this.ops.push({ type: 'put', key: k, value });
    if (entity.type === 'catalog' || entity.type === 'version') {
      this.remembered.push([entity.type, value]);
    }
    for (const sk of secondaryKeys(entity.type, entity.value, id)) {
      this.ops.push({ type: 'put', key: sk, value: '' });
    }
  }

  /**
   * An entry's next requirement (or its answer) replaces the last one under the same id; the
   * last one's time keys would otherwise list the new requirement twice.
   */
  private async replaceRequirement(
    entity: Extract<Decoded, { type: 'update' }>,
    txId: string,
  ): Promise<void> {
    const id = entity.value.catalogId;
    const raw = await this.read(entityKey('update', id));
    if (raw !== undefined) {
      const previous = (JSON.parse(raw) as Stored<typeof entity.value>).v;
      const kept = secondaryKeys('update', entity.value, id);
      for (const k of secondaryKeys('update', previous, id)) {
        if (!kept.includes(k)) this.ops.push({ type: 'del', key: k });
      }
    }
    this.put(entity, txId);
  }

  /** A use is recorded once; the department counters and the grant's use count move with it. */
  private async recordUse(u: UsageRecord, txId: string): Promise<void> {
    if ((await this.read(entityKey('usage', u.id))) !== undefined) return;
    for (const k of [
      counterKey(u.provider, 'provider', u.outcome),
      counterKey(u.consumer.department, 'consumer', u.outcome),
    ])
      await this.count(k);
    this.put({ type: 'usage', value: u }, txId);
    await this.countUse(u, txId);
  }

  // UseRecorded carries the record only; the grant's use count moves with it on the ledger,
  // so the index moves its copy too rather than showing a stale count.
  private async countUse(u: UsageRecord, txId: string): Promise<void> {
    if (u.outcome !== 'ALLOWED' || u.grantId === null) return;
    const raw = await this.read(entityKey('grant', u.grantId));
    if (raw === undefined) return;
    const grant = JSON.parse(raw) as Stored<Grant>;
    this.put({ type: 'grant', value: { ...grant.v, useCount: grant.v.useCount + 1 } }, txId);
  }
}
