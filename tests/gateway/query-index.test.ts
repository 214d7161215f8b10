import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import {
  EVENTS,
  type Grant,
  type ShareRequest,
  type UsageRecord,
} from '@shulian/chaincode/constants';
import { openQueryIndex, type QueryIndex } from '../../gateway/src/index/query-index.js';
import type { BlockEvent, CommittedTransaction } from '../../gateway/src/ledger/types.js';

let dir: string;
let index: QueryIndex;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shulian-index-'));
  index = await openQueryIndex(join(dir, 'index'));
});
afterEach(async () => {
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

let txCounter = 0;
function tx(name: string, payload: unknown, validationCode = 'VALID'): CommittedTransaction {
  txCounter++;
  return {
    txId: txCounter.toString(16).padStart(64, '0'),
    index: 0,
    validationCode,
    timestamp: Date.now(),
    creator: { department: 'psb', user: 'clerk' },
    fcn: 'x',
    event: { name, payload: canonicalBytes(payload) },
  };
}
const block = (n: number, ...transactions: CommittedTransaction[]): BlockEvent => ({
  blockNumber: n,
  blockHash: n.toString(16).padStart(64, '0'),
  transactions: transactions.map((t, i) => ({ ...t, index: i })),
});

const actor = { department: 'health', user: 'doc' };
const request = (
  id: string,
  createdAt: string,
  status: ShareRequest['status'] = 'pending',
): ShareRequest => ({
  id,
  catalogId: 'PSB-POP',
  provider: 'psb',
  requester: actor,
  fields: ['name'],
  purpose: 'data_verification',
  scenario: 's',
  period: { from: '2026-01-01', to: '2026-12-31' },
  emergency: false,
  status,
  createdAt,
  deadline: '2026-01-15T00:00:00.000Z',
  deadlineProvisional: false,
  deadlineUnpublishedYears: [],
  escalation: null,
  decision: null,
  grantId: null,
  automatic: false,
});
const grant: Grant = {
  id: 'G1',
  requestId: 'R1',
  catalogId: 'PSB-POP',
  provider: 'psb',
  consumer: 'health',
  fields: ['name'],
  purpose: 'data_verification',
  validFrom: '2026-01-01',
  validTo: '2026-12-31',
  useLimit: null,
  useCount: 0,
  automatic: false,
  grantedAt: '2026-01-02T00:00:00.000Z',
  grantedBy: { department: 'psb', user: 'boss' },
  revocation: null,
};
const use = (id: string, at: string, outcome: UsageRecord['outcome'] = 'ALLOWED'): UsageRecord => ({
  id,
  grantId: 'G1',
  catalogId: 'PSB-POP',
  provider: 'psb',
  consumer: actor,
  datasetVersion: 1,
  action: 'download',
  recordIndex: null,
  fields: ['name'],
  bytes: 10,
  deliveredDigest: null,
  purpose: 'data_verification',
  outcome,
  denialCode: outcome === 'DENIED' ? 'FIELDS_NOT_GRANTED' : null,
  denialMessage: null,
  subject: null,
  authorisationId: null,
  at,
});

describe('query index', () => {
  it('applies blocks in order, moves the checkpoint, and refuses gaps', async () => {
    expect(await index.checkpoint()).toBeNull();
    await index.applyBlock(
      block(
        0,
        tx(EVENTS.ShareRequestCreated, {
          request: request('R1', '2026-01-01T00:00:00Z'),
          grant: null,
        }),
      ),
    );
    expect((await index.checkpoint())?.blockNumber).toBe(0);
    await expect(index.applyBlock(block(2))).rejects.toThrow(/expected block 1/);
    // A replayed block is ignored, not applied twice.
    await index.applyBlock(
      block(
        0,
        tx(EVENTS.ShareRequestCreated, {
          request: request('R9', '2026-01-01T00:00:00Z'),
          grant: null,
        }),
      ),
    );
    expect(await index.get('request', 'R9')).toBeUndefined();
  });

  it('ignores invalid transactions and keeps the latest state of an entity', async () => {
    await index.applyBlock(
      block(
        0,
        tx(EVENTS.ShareRequestCreated, {
          request: request('R1', '2026-01-01T00:00:00Z'),
          grant: null,
        }),
        tx(EVENTS.ShareRequestApproved, {
          request: { ...request('R1', '2026-01-01T00:00:00Z'), status: 'approved', grantId: 'G1' },
          grant,
        }),
        tx(
          EVENTS.ShareRequestCreated,
          { request: request('R2', '2026-01-02T00:00:00Z'), grant: null },
          'MVCC_READ_CONFLICT',
        ),
      ),
    );
    expect((await index.get('request', 'R1'))?.status).toBe('approved');
    expect(await index.get('request', 'R2')).toBeUndefined();
    const inbox = await index.requests({ by: 'provider', department: 'psb' }, { limit: 10 });
    expect(inbox.items.map((r) => r.id)).toEqual(['R1']);
    expect(
      (await index.grants({ by: 'consumer', department: 'health' }, { limit: 10 })).items[0]?.id,
    ).toBe('G1');
  });

  it('pages usage newest first within a window, with outcome filter and counters', async () => {
    const txs = [
      tx(EVENTS.ShareRequestApproved, { request: request('R1', '2026-01-01T00:00:00Z'), grant }),
    ];
    for (let i = 0; i < 25; i++) {
      txs.push(
        tx(
          EVENTS.UseRecorded,
          use(
            `U${i}`,
            new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
            i % 5 === 0 ? 'DENIED' : 'ALLOWED',
          ),
        ),
      );
    }
    await index.applyBlock(block(0, ...txs));
    const first = await index.usage({ scope: { by: 'catalog', catalogId: 'PSB-POP' }, limit: 10 });
    expect(first.items.map((u) => u.id).slice(0, 2)).toEqual(['U24', 'U23']);
    expect(first.nextCursor).not.toBeNull();
    const second = await index.usage({
      scope: { by: 'catalog', catalogId: 'PSB-POP' },
      limit: 10,
      cursor: first.nextCursor!,
    });
    expect(second.items[0]?.id).toBe('U14');
    const third = await index.usage({
      scope: { by: 'catalog', catalogId: 'PSB-POP' },
      limit: 10,
      cursor: second.nextCursor!,
    });
    expect(third.items).toHaveLength(5);
    expect(third.nextCursor).toBeNull();

    const window = await index.usage({
      scope: { by: 'user', department: 'health', user: 'doc' },
      from: Date.UTC(2026, 0, 3),
      to: Date.UTC(2026, 0, 5),
      limit: 100,
    });
    expect(window.items.map((u) => u.id)).toEqual(['U4', 'U3', 'U2']);

    const denied = await index.usage({
      scope: { by: 'provider', department: 'psb' },
      outcome: 'DENIED',
      limit: 100,
    });
    expect(denied.items.map((u) => u.id)).toEqual(['U20', 'U15', 'U10', 'U5', 'U0']);

    const stats = await index.stats('psb', Date.UTC(2026, 5, 1));
    expect(stats.usesDenied).toBe(5);
    expect(stats.usesAllowed).toBe(20);
    // Allowed uses move the grant's use count, as the ledger does.
    expect((await index.get('grant', 'G1'))?.useCount).toBe(20);
  });

  it('flags overdue open requests in stats', async () => {
    await index.applyBlock(
      block(
        0,
        tx(EVENTS.ShareRequestCreated, {
          request: request('R1', '2026-01-01T00:00:00Z'),
          grant: null,
        }),
      ),
    );
    expect((await index.stats('psb', Date.UTC(2026, 0, 10))).overdueRequests).toBe(0);
    expect((await index.stats('psb', Date.UTC(2026, 0, 20))).overdueRequests).toBe(1);
  });
});
