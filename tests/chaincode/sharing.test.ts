import { beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  EVENTS,
  isOverdue,
  TX,
  type Grant,
  type HistoryItem,
  type Page,
  type RequestDecisionResult,
  type ShareRequest,
} from '@shulian/chaincode/constants';
import {
  COORD,
  createWorld,
  cst,
  DAY,
  HOUR,
  MARKET,
  ok,
  PSB,
  publishEntry,
  refused,
  shareRequest,
  T0,
  type World,
} from './world.js';

describe('share requests', () => {
  let w: World;
  beforeEach(async () => {
    w = await createWorld();
    await publishEntry(w, 'PSB-0001');
    await publishEntry(w, 'PSB-OPEN', { shareType: 'unconditional', shareConditions: null });
    await publishEntry(w, 'PSB-SECRET', {
      shareType: 'not_shared',
      shareConditions: null,
      legalBasis: '《中华人民共和国反恐怖主义法》第四十八条',
    });
  });

  const file = async (overrides: Record<string, unknown> = {}, at = T0) =>
    ok<RequestDecisionResult>(
      await w.submit(
        'marketConsumer',
        TX.sharing.CreateRequest,
        [shareRequest('PSB-0001', overrides)],
        at,
      ),
    ).request;

  describe('deadlines', () => {
    it('counts 10 working days across the Spring Festival, with both make-up Saturdays', async () => {
      // Fri 13 Feb: Sat 14 (调休) is day 1, 15-23 Feb are holidays, Sat 28 Feb (调休) is day 6,
      // so day 10 is Thu 5 Mar and the answer is due by its end in Beijing.
      const r = await w.submit('marketConsumer', TX.sharing.CreateRequest, [
        shareRequest('PSB-0001'),
      ]);
      const { request, grant } = ok<RequestDecisionResult>(r);
      expect(grant).toBeNull();
      expect(request).toMatchObject({
        status: 'pending',
        provider: PSB,
        requester: { department: MARKET, user: 'mona' },
        emergency: false,
        automatic: false,
        createdAt: new Date(T0).toISOString(),
        deadline: new Date(cst('2026-03-05T23:59:59.999')).toISOString(),
        deadlineProvisional: false,
        deadlineUnpublishedYears: [],
      });
      expect(request.id).toMatch(/^REQ-[0-9a-f]{16}$/);
      expect(r.event).toEqual({
        name: EVENTS.ShareRequestCreated,
        payload: { request, grant: null },
      });
      expect(isOverdue(request, cst('2026-03-05T23:59:59'))).toBe(false);
      expect(isOverdue(request, cst('2026-03-06T00:00:01'))).toBe(true);
    });

    it('counts a request made on a make-up Saturday from that day', async () => {
      const request = await file({}, cst('2026-02-14T09:00:00'));
      expect(request.deadline).toBe(new Date(cst('2026-03-06T23:59:59.999')).toISOString());
    });

    it('gives emergency requests a deadline in hours, holiday or not', async () => {
      const request = await file({ emergency: true }, cst('2026-02-17T22:30:00'));
      expect(request.emergency).toBe(true);
      expect(request.deadline).toBe(new Date(cst('2026-02-18T02:30:00')).toISOString());
      expect(isOverdue(request, cst('2026-02-18T02:30:01'))).toBe(true);
    });

    it('counts weekdays through a year without a published calendar, marked provisional', async () => {
      // Mon 28 Dec 2026: 29-31 Dec, then 2027 unpublished, so Fri 1 Jan counts and day 10 is
      // Mon 11 Jan. The request is filed rather than refused.
      const period = { from: '2026-12-28', to: '2027-06-30' };
      const request = await file({ period }, cst('2026-12-28T10:00:00'));
      expect(request).toMatchObject({
        status: 'pending',
        deadline: new Date(cst('2027-01-11T23:59:59.999')).toISOString(),
        deadlineProvisional: true,
        deadlineUnpublishedYears: [2027],
      });
      const escalated = ok<RequestDecisionResult>(
        await w.submit(
          'marketConsumer',
          TX.sharing.EscalateRequest,
          [request.id, 'No answer over the new year'],
          cst('2026-12-31T10:00:00'),
        ),
      ).request;
      expect(escalated.escalation).toMatchObject({
        deadline: new Date(cst('2027-01-14T23:59:59.999')).toISOString(),
        deadlineProvisional: true,
        deadlineUnpublishedYears: [2027],
      });
      // No calendar at all for the year of the request: every year counted is named.
      const later = await file(
        { period: { from: '2030-03-01', to: '2030-12-31' } },
        cst('2030-03-02T10:00:00'),
      );
      expect(later).toMatchObject({
        deadline: new Date(cst('2030-03-15T23:59:59.999')).toISOString(),
        deadlineProvisional: true,
        deadlineUnpublishedYears: [2030],
      });
    });

    it('is final again once the coordinator has published the next year', async () => {
      ok(
        await w.submit(
          'coordAdmin',
          TX.governance.SetCalendar,
          ['2027', '{"holidays":["2027-01-01"],"workdays":[]}'],
          cst('2026-12-01T10:00:00'),
        ),
      );
      const request = await file(
        { period: { from: '2026-12-28', to: '2027-06-30' } },
        cst('2026-12-28T10:00:00'),
      );
      expect(request).toMatchObject({
        deadline: new Date(cst('2027-01-12T23:59:59.999')).toISOString(),
        deadlineProvisional: false,
        deadlineUnpublishedYears: [],
      });
    });
  });

  it('grants unconditional entries at once and records the grant', async () => {
    const r = await w.submit('marketConsumer', TX.sharing.CreateRequest, [
      shareRequest('PSB-OPEN'),
    ]);
    const { request, grant } = ok<RequestDecisionResult>(r);
    expect(request).toMatchObject({ status: 'approved', automatic: true, grantId: grant?.id });
    expect(grant).toMatchObject({
      consumer: MARKET,
      provider: PSB,
      catalogId: 'PSB-OPEN',
      fields: ['id_number', 'name'],
      purpose: 'data_verification',
      automatic: true,
      useCount: 0,
      useLimit: null,
      validFrom: new Date(cst('2026-02-13T00:00:00')).toISOString(),
      validTo: new Date(cst('2026-12-31T23:59:59.999')).toISOString(),
      revocation: null,
    });
    expect(r.event).toEqual({ name: EVENTS.ShareRequestApproved, payload: { request, grant } });
    expect(
      ok<Grant>(await w.evaluate('marketConsumer', TX.sharing.GetGrant, [grant?.id ?? ''])),
    ).toEqual(grant);
  });

  it('answers unconditional requests at once, needing no calendar for a deadline', async () => {
    const at = cst('2030-03-02T10:00:00');
    const r = await w.submit(
      'marketConsumer',
      TX.sharing.CreateRequest,
      [shareRequest('PSB-OPEN', { period: { from: '2030-03-02', to: '2030-12-31' } })],
      at,
    );
    const { request } = ok<RequestDecisionResult>(r);
    expect(request).toMatchObject({ status: 'approved', deadline: new Date(at).toISOString() });
  });

  it('refuses not-shared entries, citing their legal basis', async () => {
    refused(
      await w.submit('marketConsumer', TX.sharing.CreateRequest, [shareRequest('PSB-SECRET')]),
      ErrorCode.NOT_SHARED,
      /反恐怖主义法/,
    );
  });

  it('refuses bad requests with the field named', async () => {
    const create = (
      overrides: Record<string, unknown>,
      user: 'marketConsumer' | 'psbConsumer' = 'marketConsumer',
    ) => w.submit(user, TX.sharing.CreateRequest, [shareRequest('PSB-0001', overrides)]);
    refused(
      await create({ fields: ['name', 'salary'] }),
      ErrorCode.FIELD_NOT_IN_CATALOG,
      /^fields\[1\] salary/,
    );
    refused(
      await create({ purpose: 'curiosity' }),
      ErrorCode.INVALID_ARGUMENT,
      /^purpose must be one of administrative_basis/,
    );
    refused(
      await create({ scenario: '' }),
      ErrorCode.INVALID_ARGUMENT,
      /^scenario must not be empty$/,
    );
    refused(
      await create({ period: { from: '2026-05-01', to: '2026-04-01' } }),
      ErrorCode.INVALID_ARGUMENT,
      /period\.to/,
    );
    refused(
      await create({ period: { from: '2026-01-01', to: '2026-01-31' } }),
      ErrorCode.INVALID_ARGUMENT,
      /already past/,
    );
    refused(
      await create({ emergency: 'yes' }),
      ErrorCode.INVALID_ARGUMENT,
      /^emergency must be true or false$/,
    );
    refused(await create({ catalogId: 'NOPE' }), ErrorCode.CATALOG_NOT_FOUND);
    refused(await create({}, 'psbConsumer'), ErrorCode.INVALID_ARGUMENT, /itself/);
    refused(
      await w.submit('marketPublisher', TX.sharing.CreateRequest, [shareRequest('PSB-0001')]),
      ErrorCode.FORBIDDEN_ROLE,
      /consumer/,
    );
  });

  describe('decisions', () => {
    it('lets the provider approve, narrowing fields and period and capping uses', async () => {
      const request = await file();
      const r = await w.submit(
        'psbPublisher',
        TX.sharing.ApproveRequest,
        [
          request.id,
          JSON.stringify({ fields: ['name'], validTo: '2026-06-30', useLimit: 3, reason: '同意' }),
        ],
        T0 + DAY,
      );
      const { request: approved, grant } = ok<RequestDecisionResult>(r);
      expect(approved).toMatchObject({
        status: 'approved',
        grantId: grant?.id,
        decision: {
          by: { department: PSB, user: 'pia' },
          reason: '同意',
          at: new Date(T0 + DAY).toISOString(),
        },
      });
      expect(grant).toMatchObject({
        fields: ['name'],
        useLimit: 3,
        automatic: false,
        requestId: request.id,
        validTo: new Date(cst('2026-06-30T23:59:59.999')).toISOString(),
      });
      expect(grant?.id).toMatch(/^GRANT-/);
      expect(r.event?.name).toBe(EVENTS.ShareRequestApproved);
      expect(isOverdue(approved, cst('2027-01-01T00:00:00'))).toBe(false);
    });

    it('refuses approval by others, wider terms and a second decision', async () => {
      const request = await file();
      refused(
        await w.submit('marketPublisher', TX.sharing.ApproveRequest, [request.id, '{}']),
        ErrorCode.NOT_OWNER,
      );
      refused(
        await w.submit('psbConsumer', TX.sharing.ApproveRequest, [request.id, '{}']),
        ErrorCode.FORBIDDEN_ROLE,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, [
          request.id,
          '{"fields":["name","address"]}',
        ]),
        ErrorCode.INVALID_ARGUMENT,
        /^fields\[1\] address is not in the request$/,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, [
          request.id,
          '{"validTo":"2027-06-30"}',
        ]),
        ErrorCode.INVALID_ARGUMENT,
        /within the requested period/,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{"useLimit":0}']),
        ErrorCode.INVALID_ARGUMENT,
        /^useLimit must be between 1/,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, ['REQ-404', '{}']),
        ErrorCode.REQUEST_NOT_FOUND,
      );
      ok(await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '']));
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{}']),
        ErrorCode.INVALID_STATE,
        /approved/,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.RejectRequest, [request.id, 'late no']),
        ErrorCode.INVALID_STATE,
      );
    });

    it('rejects only with a reason', async () => {
      const request = await file();
      refused(
        await w.submit('psbPublisher', TX.sharing.RejectRequest, [request.id, ' ']),
        ErrorCode.REASON_REQUIRED,
      );
      refused(
        await w.submit('marketPublisher', TX.sharing.RejectRequest, [request.id, 'no']),
        ErrorCode.NOT_OWNER,
      );
      const r = await w.submit('psbPublisher', TX.sharing.RejectRequest, [
        request.id,
        '超出共享条件',
      ]);
      const { request: rejected } = ok<RequestDecisionResult>(r);
      expect(rejected).toMatchObject({
        status: 'rejected',
        decision: { reason: '超出共享条件' },
        grantId: null,
      });
      expect(r.event?.name).toBe(EVENTS.ShareRequestRejected);
    });

    it('takes a disputed rejection to the coordinator, whose decision is final', async () => {
      const request = await file();
      ok(await w.submit('psbPublisher', TX.sharing.RejectRequest, [request.id, 'no basis given']));
      refused(
        await w.submit('psbPublisher', TX.sharing.EscalateRequest, [request.id, 'x']),
        ErrorCode.INVALID_STATE,
      );
      refused(
        await w.submit('healthConsumer', TX.sharing.EscalateRequest, [request.id, 'x']),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      refused(
        await w.submit('marketConsumer', TX.sharing.EscalateRequest, [request.id, '']),
        ErrorCode.REASON_REQUIRED,
      );
      const at = cst('2026-03-02T09:00:00');
      const r = await w.submit(
        'marketConsumer',
        TX.sharing.EscalateRequest,
        [request.id, '拒绝无依据'],
        at,
      );
      const { request: escalated } = ok<RequestDecisionResult>(r);
      expect(escalated.status).toBe('escalated');
      expect(escalated.escalation).toMatchObject({
        by: { department: MARKET, user: 'mona' },
        reason: '拒绝无依据',
        deadline: new Date(cst('2026-03-16T23:59:59.999')).toISOString(),
      });
      expect(r.event?.name).toBe(EVENTS.ShareRequestEscalated);
      expect(isOverdue(escalated, cst('2026-03-17T00:00:01'))).toBe(true);
      refused(
        await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{}']),
        ErrorCode.NOT_COORDINATOR,
      );
      refused(
        await w.submit('supervisor', TX.sharing.ApproveRequest, [request.id, '{}']),
        ErrorCode.FORBIDDEN_ROLE,
      );
      const { request: decided, grant } = ok<RequestDecisionResult>(
        await w.submit(
          'coordAdmin',
          TX.sharing.ApproveRequest,
          [request.id, '{"reason":"以共享为原则"}'],
          at + HOUR,
        ),
      );
      expect(decided).toMatchObject({
        status: 'approved',
        decision: { by: { department: COORD }, reason: '以共享为原则' },
      });
      expect(grant).toMatchObject({
        consumer: MARKET,
        provider: PSB,
        grantedBy: { department: COORD },
      });
    });

    it('lets the provider escalate a pending request and the coordinator reject it', async () => {
      const request = await file();
      ok(
        await w.submit('psbPublisher', TX.sharing.EscalateRequest, [request.id, '需主管部门协调']),
      );
      const { request: rejected } = ok<RequestDecisionResult>(
        await w.submit('coordAdmin', TX.sharing.RejectRequest, [request.id, '涉及个人隐私']),
      );
      expect(rejected.status).toBe('rejected');
    });

    it('lets the requester withdraw a pending request only', async () => {
      const request = await file();
      refused(
        await w.submit('psbPublisher', TX.sharing.WithdrawRequest, [request.id, '']),
        ErrorCode.NOT_OWNER,
      );
      const r = await w.submit('marketConsumer', TX.sharing.WithdrawRequest, [request.id, '']);
      expect(ok<RequestDecisionResult>(r).request).toMatchObject({
        status: 'withdrawn',
        decision: { reason: null },
      });
      expect(r.event?.name).toBe(EVENTS.ShareRequestWithdrawn);
      refused(
        await w.submit('marketConsumer', TX.sharing.WithdrawRequest, [request.id, '']),
        ErrorCode.INVALID_STATE,
      );
    });

    it('expires an unanswered request only after its period', async () => {
      const request = await file({ period: { from: '2026-02-13', to: '2026-02-28' } });
      refused(
        await w.submit(
          'marketConsumer',
          TX.sharing.ExpireRequest,
          [request.id],
          cst('2026-02-28T23:00:00'),
        ),
        ErrorCode.INVALID_STATE,
        /cannot expire yet/,
      );
      refused(
        await w.submit(
          'healthConsumer',
          TX.sharing.ExpireRequest,
          [request.id],
          cst('2026-03-01T00:00:00'),
        ),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      const r = await w.submit(
        'marketConsumer',
        TX.sharing.ExpireRequest,
        [request.id],
        cst('2026-03-01T00:00:00'),
      );
      expect(ok<RequestDecisionResult>(r).request.status).toBe('expired');
      expect(r.event?.name).toBe(EVENTS.ShareRequestExpired);
    });
  });

  describe('grants', () => {
    it('lets the provider revoke a grant with a reason, once', async () => {
      const { grant } = ok<RequestDecisionResult>(
        await w.submit('marketConsumer', TX.sharing.CreateRequest, [shareRequest('PSB-OPEN')]),
      );
      const id = grant?.id ?? '';
      refused(
        await w.submit('marketConsumer', TX.sharing.RevokeGrant, [id, 'mine']),
        ErrorCode.NOT_OWNER,
      );
      refused(
        await w.submit('psbConsumer', TX.sharing.RevokeGrant, [id, 'x']),
        ErrorCode.FORBIDDEN_ROLE,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.RevokeGrant, [id, '']),
        ErrorCode.REASON_REQUIRED,
      );
      const r = await w.submit('psbPublisher', TX.sharing.RevokeGrant, [id, '超范围使用']);
      const revoked = ok<Grant>(r);
      expect(revoked.revocation).toMatchObject({ by: { department: PSB }, reason: '超范围使用' });
      expect(r.event).toEqual({ name: EVENTS.GrantRevoked, payload: revoked });
      refused(
        await w.submit('psbPublisher', TX.sharing.RevokeGrant, [id, 'again']),
        ErrorCode.GRANT_REVOKED,
      );
      refused(
        await w.submit('psbPublisher', TX.sharing.RevokeGrant, ['GRANT-404', 'x']),
        ErrorCode.GRANT_NOT_FOUND,
      );
      const history = ok<HistoryItem<Grant>[]>(
        await w.evaluate('marketConsumer', TX.sharing.GetGrantHistory, [id]),
      );
      expect(history.map((h) => h.value?.revocation === null)).toEqual([false, true]);
      const listed = async (fcn: string, arg: string, user: 'psbPublisher' | 'marketConsumer') =>
        ok<Page<Grant>>(await w.evaluate(user, fcn, [arg, '', ''])).items.map((g) => g.id);
      expect(await listed(TX.sharing.ListGrantsByConsumer, MARKET, 'marketConsumer')).toEqual([id]);
      expect(await listed(TX.sharing.ListGrantsByProvider, PSB, 'psbPublisher')).toEqual([id]);
      expect(await listed(TX.sharing.ListGrantsByCatalog, 'PSB-OPEN', 'psbPublisher')).toEqual([
        id,
      ]);
      refused(
        await w.evaluate('marketConsumer', TX.sharing.ListGrantsByProvider, [PSB, '', '']),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      refused(
        await w.evaluate('healthConsumer', TX.sharing.ListGrantsByCatalog, ['PSB-OPEN', '', '']),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      refused(
        await w.evaluate('healthConsumer', TX.sharing.GetGrant, [id]),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
    });
  });

  describe('who reads what', () => {
    it('shows a request to its parties, the coordinator and supervisors only', async () => {
      const request = await file();
      refused(
        await w.evaluate('healthConsumer', TX.sharing.GetRequest, [request.id]),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      for (const user of ['marketConsumer', 'psbPublisher', 'supervisor', 'coordAdmin'] as const) {
        expect(
          ok<ShareRequest>(await w.evaluate(user, TX.sharing.GetRequest, [request.id])).id,
        ).toBe(request.id);
      }
      refused(
        await w.evaluate('healthConsumer', TX.sharing.ListRequestsByRequester, [MARKET, '', '']),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      refused(
        await w.evaluate('healthConsumer', TX.sharing.ListRequestsByCatalog, ['PSB-0001', '', '']),
        ErrorCode.FORBIDDEN_DEPARTMENT,
      );
      const byRequester = ok<Page<ShareRequest>>(
        await w.evaluate('marketConsumer', TX.sharing.ListRequestsByRequester, [MARKET, '', '']),
      );
      expect(byRequester.items.map((x) => x.id)).toEqual([request.id]);
      const byCatalog = ok<Page<ShareRequest>>(
        await w.evaluate('psbPublisher', TX.sharing.ListRequestsByCatalog, ['PSB-0001', '', '']),
      );
      expect(byCatalog.items.map((x) => x.id)).toEqual([request.id]);
      const byProvider = ok<Page<ShareRequest>>(
        await w.evaluate('psbPublisher', TX.sharing.ListRequestsByProvider, [PSB, '', '']),
      );
      expect(byProvider.items.map((x) => x.id)).toEqual([request.id]);
    });

    it('moves requests between status lists, visible to supervisors', async () => {
      const request = await file();
      const listed = async (status: string) =>
        ok<Page<ShareRequest>>(
          await w.evaluate('supervisor', TX.sharing.ListRequestsByStatus, [status, '', '']),
        ).items.map((x) => x.id);
      expect(await listed('pending')).toEqual([request.id]);
      ok(await w.submit('psbPublisher', TX.sharing.ApproveRequest, [request.id, '{}']));
      expect(await listed('pending')).toEqual([]);
      expect(await listed('approved')).toEqual([request.id]);
      refused(
        await w.evaluate('marketConsumer', TX.sharing.ListRequestsByStatus, ['pending', '', '']),
        ErrorCode.FORBIDDEN_ROLE,
      );
      refused(
        await w.evaluate('supervisor', TX.sharing.ListRequestsByStatus, ['lost', '', '']),
        ErrorCode.INVALID_ARGUMENT,
      );
      const history = ok<HistoryItem<ShareRequest>[]>(
        await w.evaluate('supervisor', TX.sharing.GetRequestHistory, [request.id]),
      );
      expect(history.map((h) => h.value?.status)).toEqual(['approved', 'pending']);
    });
  });
});
