import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  isOverdue,
  TX,
  type HistoryItem,
  type Page,
  type QualityObjection,
} from '@shulian/chaincode/constants';
import {
  anchor,
  anchorVersion,
  createWorld,
  cst,
  hex,
  HOUR,
  MARKET,
  ok,
  PSB,
  publishEntry,
  refused,
  T0,
  type World,
} from './world.js';

function objection(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    catalogId: 'PSB-0001',
    version: 1,
    description: '住址与不动产登记不一致',
    recordRefs: ['row:1024', 'row:2048'],
    fields: ['address'],
    ...overrides,
  });
}

describe('quality objections', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
    await publishEntry(w, 'PSB-0001');
    await anchorVersion(w, 'PSB-0001');
  });

  const raise = async (overrides: Record<string, unknown> = {}) =>
    ok<QualityObjection>(
      await w.submit('marketConsumer', TX.quality.RaiseObjection, [objection(overrides)]),
    );
  const correctVersion = () =>
    w.submit('psbPublisher', TX.dataset.AnchorVersion, [
      anchor('PSB-0001', {
        digest: { algorithm: 'sha256', value: hex(11) },
        reason: 'corrects the objection',
      }),
    ]);

  it('raises an objection with a 2-working-day deadline across the Spring Festival', async () => {
    const r = await w.submit('marketConsumer', TX.quality.RaiseObjection, [objection()]);
    const o = ok<QualityObjection>(r);
    // Fri 13 Feb: Sat 14 (调休) is day 1, the holiday runs to Mon 23, Tue 24 is day 2.
    expect(o).toMatchObject({
      status: 'open',
      provider: PSB,
      raisedBy: { department: MARKET, user: 'mona' },
      recordRefs: ['row:1024', 'row:2048'],
      deadline: new Date(cst('2026-02-24T23:59:59.999')).toISOString(),
      deadlineProvisional: false,
      deadlineUnpublishedYears: [],
      resolution: null,
    });
    expect(o.id).toMatch(/^OBJ-/);
    expect(r.event).toEqual({ name: EVENTS.ObjectionRaised, payload: o });
    expect(isOverdue(o, cst('2026-02-25T00:00:01'))).toBe(true);
    expect(isOverdue(o, cst('2026-02-24T18:00:00'))).toBe(false);
  });

  it('refuses objections that point at nothing', async () => {
    const attempt = (overrides: Record<string, unknown>) =>
      w.submit('marketConsumer', TX.quality.RaiseObjection, [objection(overrides)]);
    refused(
      await attempt({ recordRefs: [] }),
      ErrorCode.INVALID_ARGUMENT,
      /^recordRefs must not be empty$/,
    );
    refused(await attempt({ version: 9 }), ErrorCode.DATASET_VERSION_NOT_FOUND);
    refused(
      await attempt({ fields: ['salary'] }),
      ErrorCode.FIELD_NOT_IN_CATALOG,
      /^fields\[0\] salary/,
    );
    refused(
      await w.submit('psbConsumer', TX.quality.RaiseObjection, [objection()]),
      ErrorCode.FORBIDDEN_DEPARTMENT,
      /own data/,
    );
    refused(
      await w.submit('marketPublisher', TX.quality.RaiseObjection, [objection()]),
      ErrorCode.FORBIDDEN_ROLE,
    );
  });

  it('is resolved by a correction that links a newer anchored version', async () => {
    const o = await raise();
    ok(await correctVersion());
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"corrected"}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /correctedVersion is required/,
    );
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"corrected","correctedVersion":1}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /newer/,
    );
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"corrected","correctedVersion":3}',
      ]),
      ErrorCode.DATASET_VERSION_NOT_FOUND,
    );
    const r = await w.submit(
      'psbPublisher',
      TX.quality.ResolveObjection,
      [o.id, '{"resolution":"corrected","correctedVersion":2}'],
      T0 + 2 * HOUR,
    );
    const resolved = ok<QualityObjection>(r);
    expect(resolved).toMatchObject({
      status: 'corrected',
      resolution: {
        resolution: 'corrected',
        correctedVersion: 2,
        by: { department: PSB, user: 'pia' },
      },
    });
    expect(r.event).toEqual({ name: EVENTS.ObjectionResolved, payload: resolved });
    expect(isOverdue(resolved, cst('2026-12-31T00:00:00'))).toBe(false);
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"rejected","reason":"x"}',
      ]),
      ErrorCode.INVALID_STATE,
    );
    const history = ok<HistoryItem<QualityObjection>[]>(
      await w.evaluate('marketConsumer', TX.quality.GetObjectionHistory, [o.id]),
    );
    expect(history.map((h) => h.value?.status)).toEqual(['corrected', 'open']);
  });

  it('is rejected only with a reason, and only by the provider', async () => {
    const o = await raise();
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"rejected"}',
      ]),
      ErrorCode.REASON_REQUIRED,
    );
    refused(
      await w.submit('marketPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"rejected","reason":"x"}',
      ]),
      ErrorCode.NOT_OWNER,
    );
    refused(
      await w.submit('psbConsumer', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"rejected","reason":"x"}',
      ]),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"ignored"}',
      ]),
      ErrorCode.INVALID_ARGUMENT,
      /^resolution must be one of corrected, rejected$/,
    );
    const rejected = ok<QualityObjection>(
      await w.submit('psbPublisher', TX.quality.ResolveObjection, [
        o.id,
        '{"resolution":"rejected","reason":"经核实数据无误"}',
      ]),
    );
    expect(rejected).toMatchObject({
      status: 'rejected',
      resolution: { reason: '经核实数据无误', correctedVersion: null },
    });
  });

  it('lists objections for the parties and by status for supervisors', async () => {
    const o = await raise();
    expect(
      ok<QualityObjection>(await w.evaluate('psbPublisher', TX.quality.GetObjection, [o.id])),
    ).toEqual(o);
    const ids = (page: Page<QualityObjection>) => page.items.map((x) => x.id);
    expect(
      ids(ok(await w.evaluate('psbPublisher', TX.quality.ListObjectionsByProvider, [PSB, '', '']))),
    ).toEqual([o.id]);
    expect(
      ids(
        ok(await w.evaluate('marketConsumer', TX.quality.ListObjectionsByRaiser, [MARKET, '', ''])),
      ),
    ).toEqual([o.id]);
    expect(
      ids(
        ok(
          await w.evaluate('psbPublisher', TX.quality.ListObjectionsByCatalog, [
            'PSB-0001',
            '',
            '',
          ]),
        ),
      ),
    ).toEqual([o.id]);
    expect(
      ids(ok(await w.evaluate('supervisor', TX.quality.ListObjectionsByStatus, ['open', '', '']))),
    ).toEqual([o.id]);
    refused(
      await w.evaluate('psbPublisher', TX.quality.ListObjectionsByStatus, ['open', '', '']),
      ErrorCode.FORBIDDEN_ROLE,
    );
    refused(
      await w.evaluate('healthConsumer', TX.quality.GetObjection, [o.id]),
      ErrorCode.FORBIDDEN_DEPARTMENT,
    );
    refused(
      await w.evaluate('supervisor', TX.quality.GetObjection, ['OBJ-404']),
      ErrorCode.OBJECTION_NOT_FOUND,
    );
  });
});
