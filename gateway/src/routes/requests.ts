/**
 * Share requests (供需对接): create, the provider's answers (approve, reject), escalation to the
 * coordinator, withdrawal; inbox (to my department) and outbox (from my department) from the index,
 * each item flagged `overdue` when still open past its working-day deadline.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  TX,
  type HistoryItem as HistoryItemType,
  type RequestDecisionResult,
  type ShareRequest as ShareRequestType,
} from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import type { RouteOptions } from './context.js';
import {
  listedDepartmentOrAll,
  mapPage,
  orNull,
  page,
  responses,
  submitAs,
  withOverdue,
} from './helpers.js';
import {
  Day,
  Enums,
  HistoryItem,
  Id,
  Nullable,
  Page,
  PageQuery,
  ShareRequest,
  StringEnum,
  Text,
  Written,
} from './schemas.js';
import { FieldNames, RequestDecision, RequestInput } from './shapes.js';

const Params = Type.Object({ id: Id('request id') }, { additionalProperties: false });
const Reason = Type.Object({ reason: Text(2048, 1) }, { additionalProperties: false });

const ApproveBody = Type.Object(
  {
    fields: Type.Optional(FieldNames),
    validTo: Type.Optional(Day),
    useLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    reason: Type.Optional(Nullable(Text(2048))),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    box: Type.Optional(
      StringEnum(['inbox', 'outbox'] as const, {
        description: 'inbox: to my department; outbox: mine',
      }),
    ),
    department: Type.Optional(
      Id(
        'whose box (supervisors and the coordinator); default mine, or every department’s for supervisors and the coordinator',
      ),
    ),
    status: Type.Optional(Enums.requestStatus),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const requestRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['requests'];
  const overdue = withOverdue(ctx);
  const decision = (d: RequestDecisionResult) => ({
    request: overdue(d.request),
    grant: d.grant,
  });

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'inbox or outbox',
        querystring: ListQuery,
        response: responses(Page(ShareRequest)),
      },
    },
    async (request) => {
      const { box = 'outbox', department } = request.query;
      const listed = listedDepartmentOrAll(ctx, request, department);
      const result = await ctx.index.requests(
        listed === null
          ? { by: 'all' }
          : { by: box === 'inbox' ? 'provider' : 'requester', department: listed },
        page(request.query),
      );
      return mapPage(result, overdue);
    },
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'request data (consumer)',
        description:
          'An unconditional entry is granted at once (automatic, recorded); otherwise the provider answers by the deadline.',
        body: RequestInput,
        response: responses(Written(RequestDecision), 201),
      },
    },
    async (request, reply) => {
      const body = { ...request.body, emergency: request.body.emergency ?? false };
      return reply
        .status(201)
        .send(await submitAs(ctx, request, TX.sharing.CreateRequest, [body], decision));
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'one request, from the ledger',
        params: Params,
        response: responses(ShareRequest),
      },
    },
    async (request) =>
      overdue(
        await ctx.chaincode.evaluate<ShareRequestType>(callerOf(request), TX.sharing.GetRequest, [
          request.params.id,
        ]),
      ),
  );

  app.get(
    '/:id/history',
    {
      schema: {
        tags,
        summary: "the request's every state, from the ledger",
        params: Params,
        response: responses(Type.Object({ items: Type.Array(HistoryItem(ShareRequest)) })),
      },
    },
    async (request) => ({
      items: await ctx.chaincode.evaluate<HistoryItemType<ShareRequestType>[]>(
        callerOf(request),
        TX.sharing.GetRequestHistory,
        [request.params.id],
      ),
    }),
  );

  app.post(
    '/:id/approve',
    {
      schema: {
        tags,
        summary: 'approve (provider); may narrow fields, validity and use limit',
        params: Params,
        body: ApproveBody,
        response: responses(Written(RequestDecision)),
      },
    },
    async (request) =>
      submitAs(
        ctx,
        request,
        TX.sharing.ApproveRequest,
        [request.params.id, orNull(request.body, ['useLimit', 'reason'])],
        decision,
      ),
  );

  const transition = (
    path: string,
    fcn: (typeof TX.sharing)[keyof typeof TX.sharing],
    summary: string,
  ) =>
    app.post(
      `/:id/${path}`,
      {
        schema: {
          tags,
          summary,
          params: Params,
          body: Reason,
          response: responses(Written(RequestDecision)),
        },
      },
      async (request) =>
        submitAs(ctx, request, fcn, [request.params.id, request.body.reason], decision),
    );
  transition('reject', TX.sharing.RejectRequest, 'reject with a reason (provider)');
  transition(
    'escalate',
    TX.sharing.EscalateRequest,
    'escalate a dispute or an overdue request to the coordinator',
  );
  transition('withdraw', TX.sharing.WithdrawRequest, 'withdraw (requester)');
  done();
};
