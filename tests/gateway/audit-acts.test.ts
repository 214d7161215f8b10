/**
 * The full-process trail (全流程审计) through the API: every act on the ledger, not only uses,
 * filtered, exported and counted per month and quarter; who may read which acts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type Fixture } from './fixture.js';

interface Act {
  id: string;
  at: string;
  act: string;
  actor: { department: string; user: string };
  departments: string[];
  target: { type: string; id: string } | null;
  catalogId: string | null;
  outcome: string | null;
  code: string | null;
  reason: string | null;
  fields: string[];
  automatic: boolean;
  txId: string;
  blockNumber: number;
}
interface Figures {
  period: string;
  from: string;
  to: string;
  items: {
    period: string;
    department: string;
    act: string;
    outcome: string | null;
    count: number;
  }[];
}

const cstMonth = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 7);

describe('full-process audit trail', () => {
  let f: Fixture;
  let rejectedId: string;
  const get = (url: string, who: [string, string] = ['coord', 'auditor']) =>
    f.app.inject({ method: 'GET', url, headers: f.auth(...who) });
  const acts = async (query: string, who?: [string, string]) => {
    const res = await get(`/api/v1/audit/acts?${query}`, who);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: Act[]; nextCursor: string | null }>();
  };

  beforeAll(async () => {
    f = await openFixture();
    // A refusal with its reason, so the trail has one to show.
    const asked = await f.app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers: f.auth('amr', 'clerk'),
      payload: {
        catalogId: 'PSB-POP-001',
        fields: ['name'],
        purpose: 'work_reference',
        scenario: '个体户经营者姓名抽查',
        period: { from: '2026-12-01', to: '2026-12-31' },
        emergency: false,
      },
    });
    expect(asked.statusCode, asked.body).toBe(201);
    const id = asked.json<{ data: { request: { id: string } } }>().data.request.id;
    const rejected = await f.app.inject({
      method: 'POST',
      url: `/api/v1/requests/${id}/reject`,
      headers: f.auth('psb', 'clerk'),
      payload: { reason: '超出监管职责范围' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    rejectedId = id;
  }, 120_000);
  afterAll(() => f.close());

  it('shows every kind of act to a supervisor, newest first, each with its actor and transaction', async () => {
    const all = await acts('limit=200');
    const kinds = new Set(all.items.map((a) => a.act));
    for (const kind of [
      'LedgerInitialized',
      'DepartmentRegistered',
      'UserRolesSet',
      'CalendarSet',
      'CatalogEntryCreated',
      'DatasetVersionAnchored',
      'ShareRequestCreated',
      'ShareRequestApproved',
      'ShareRequestRejected',
      'UseRecorded',
      'ObjectionRaised',
      'ObjectionResolved',
    ])
      expect(kinds, kind).toContain(kind);
    const times = all.items.map((a) => a.at);
    expect([...times].sort().reverse()).toEqual(times);
    const refusal = all.items.find(
      (a) => a.act === 'ShareRequestRejected' && a.target?.id === rejectedId,
    );
    expect(refusal).toMatchObject({
      actor: { department: 'psb', user: 'clerk' },
      departments: ['amr', 'psb'],
      catalogId: 'PSB-POP-001',
      reason: '超出监管职责范围',
      fields: ['name'],
    });
    expect(refusal!.automatic).toBe(false);
    // An unconditional entry's request is granted by rule, in the request's own transaction.
    const automatic = all.items.find((a) => a.act === 'ShareRequestApproved' && a.automatic);
    expect(automatic?.catalogId).toBe('HLT-ORG-001');
    // The act is the transaction that recorded it: the explorer finds it by that id.
    const tx = await get(`/api/v1/ledger/transactions/${refusal!.id}`);
    expect(tx.json()).toMatchObject({
      fcn: 'sharing:RejectRequest',
      blockNumber: refusal!.blockNumber,
    });
  });

  it('filters by department, act, outcome, user and period, and pages', async () => {
    const denied = await acts('act=UseRecorded&outcome=DENIED');
    expect(denied.items.length).toBeGreaterThan(0);
    expect(
      denied.items.every((a) => a.outcome === 'DENIED' && a.code === 'FIELDS_NOT_GRANTED'),
    ).toBe(true);
    const amr = await acts('department=amr&limit=200');
    expect(amr.items.every((a) => a.departments.includes('amr'))).toBe(true);
    expect(amr.items.some((a) => a.actor.department !== 'amr')).toBe(true); // psb's refusal
    const byUser = await acts('department=health&user=clerk&limit=200');
    expect(byUser.items.length).toBeGreaterThan(0);
    expect(
      byUser.items.every((a) => a.actor.department === 'health' && a.actor.user === 'clerk'),
    ).toBe(true);
    const future = await acts('from=2099-01-01');
    expect(future.items).toEqual([]);
    const first = await acts('limit=3');
    expect(first.items).toHaveLength(3);
    const next = await acts(`limit=3&cursor=${first.nextCursor}`);
    expect(next.items[0]!.at <= first.items[2]!.at).toBe(true);
    expect(next.items.map((a) => a.id)).not.toContain(first.items[2]!.id);
    const backwards = await get('/api/v1/audit/acts?from=2026-12-02&to=2026-12-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it("gives a department the acts that concern it, and refuses another department's", async () => {
    const own = await acts('limit=200', ['amr', 'clerk']);
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((a) => a.departments.includes('amr'))).toBe(true);
    const other = await get('/api/v1/audit/acts?department=psb', ['amr', 'clerk']);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const figures = await get('/api/v1/audit/acts/figures?department=psb', ['amr', 'clerk']);
    expect(figures.statusCode).toBe(403);
  });

  it('exports the acts as CSV with the fields by their catalogued names', async () => {
    const res = await get('/api/v1/audit/acts.csv?act=ShareRequestRejected');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/shulian-acts\.csv/);
    const [header, ...rows] = res.body.trim().split('\r\n');
    expect(header).toBe(
      'at,act,outcome,actorDepartment,actorUser,departments,targetType,targetId,catalogId,fields,fieldNames,code,reason,automatic,txId,blockNumber',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(`ShareRequestRejected,,psb,clerk,amr;psb,request,${rejectedId}`);
    expect(rows[0]).toContain(',name,姓名,,超出监管职责范围,false,');
  });

  it('counts acts per month and per quarter, department and act', async () => {
    const month = cstMonth(Date.now());
    const monthly = (await get('/api/v1/audit/acts/figures')).json<Figures>();
    expect(monthly).toMatchObject({ period: 'month', to: month });
    const all = await acts('limit=200');
    const thisMonth = all.items.filter((a) => cstMonth(Date.parse(a.at)) === month);
    const counted = (items: Figures['items'], period: string, dept: string, act: string) =>
      items
        .filter((i) => i.period === period && i.department === dept && i.act === act)
        .reduce((n, i) => n + i.count, 0);
    expect(counted(monthly.items, month, 'psb', 'ShareRequestRejected')).toBe(
      thisMonth.filter((a) => a.act === 'ShareRequestRejected' && a.actor.department === 'psb')
        .length,
    );
    const uses = monthly.items.filter((i) => i.act === 'UseRecorded' && i.department === 'health');
    expect(uses.map((i) => i.outcome).sort()).toEqual(['ALLOWED', 'DENIED']);
    const quarter = `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5)) / 3)}`;
    const quarterly = (await get('/api/v1/audit/acts/figures?period=quarter')).json<Figures>();
    expect(quarterly.period).toBe('quarter');
    expect(counted(quarterly.items, quarter, 'psb', 'CatalogEntryCreated')).toBeGreaterThanOrEqual(
      counted(monthly.items, month, 'psb', 'CatalogEntryCreated'),
    );
    expect(quarterly.items.every((i) => /^\d{4}-Q[1-4]$/.test(i.period))).toBe(true);
    const mine = (await get('/api/v1/audit/acts/figures', ['amr', 'clerk'])).json<Figures>();
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((i) => i.department === 'amr')).toBe(true);
    const backwards = await get('/api/v1/audit/acts/figures?from=2026-12&to=2026-01');
    expect(backwards.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
