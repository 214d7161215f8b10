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
import { LIST, READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import { GRANT_OPERATIONS } from './grants.js';
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
  ReasonBody,
  ShareRequest,
  StringEnum,
  Text,
  Written,
} from './schemas.js';
import * as examples from './examples.js';
import { FieldNames, RequestDecision, RequestInput } from './shapes.js';

const Params = Type.Object({ id: Id('request id') }, { additionalProperties: false });

const ApproveBody = Type.Object(
  {
    fields: Type.Optional(FieldNames),
    validTo: Type.Optional(Day),
    useLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    reason: Type.Optional(Nullable(Text(2048))),
  },
  { additionalProperties: false, examples: [examples.approval] },
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

/**
 * The transitions that take only a reason, each with an example reason and the codes it adds to
 * TRANSITION_ERRORS: an escalated request is the coordinator's to answer, so a provider's
 * rejection of it is NOT_COORDINATOR.
 */
const TRANSITIONS = [
  {
    path: 'reject',
    fcn: TX.sharing.RejectRequest,
    summary: 'reject with a reason (provider)',
    example: '申请字段超出该事项履职所需，请按最小必要原则重新申请',
    errors: ['NOT_COORDINATOR'],
  },
  {
    path: 'escalate',
    fcn: TX.sharing.EscalateRequest,
    summary: 'escalate a dispute or an overdue request to the coordinator',
    example: '超过答复期限未答复，提请协调',
    errors: [],
  },
  {
    path: 'withdraw',
    fcn: TX.sharing.WithdrawRequest,
    summary: 'withdraw (requester)',
    example: '业务已办结，无需再共享',
    errors: [],
  },
] as const;

/** What can be done with one share request: where a listed or created request links to. */
const REQUEST_OPERATIONS = [
  'GET /api/v1/requests/{id}',
  'GET /api/v1/requests/{id}/history',
  'POST /api/v1/requests/{id}/approve',
  'POST /api/v1/requests/{id}/reject',
  'POST /api/v1/requests/{id}/escalate',
  'POST /api/v1/requests/{id}/withdraw',
];

/** What the chaincode refuses a new request, an approval, and the other answers with. */
const CREATE_ERRORS = [
  ...WRITE,
  'CATALOG_NOT_FOUND',
  'CATALOG_RETIRED',
  'FIELD_NOT_IN_CATALOG',
  'NOT_SHARED',
  'INVALID_STATE',
] as const;
const APPROVE_ERRORS = [
  ...WRITE,
  'REQUEST_NOT_FOUND',
  'INVALID_STATE',
  'CATALOG_NOT_FOUND',
  'CATALOG_RETIRED',
  'FIELD_NOT_IN_CATALOG',
  // An escalated request is the coordinator's to answer.
  'NOT_COORDINATOR',
] as const;
const TRANSITION_ERRORS = [
  ...WRITE,
  'REQUEST_NOT_FOUND',
  'INVALID_STATE',
  'REASON_REQUIRED',
] as const;

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
      config: { links: follow({ id: '$response.body#/items/0/id' }, ...REQUEST_OPERATIONS) },
      schema: {
        tags,
        summary: 'inbox or outbox',
        description:
          "Share requests to the caller's department (inbox) or from it (outbox), from the query index, with deadlines and overdue state; supervisors and the coordinator may name a department. Records nothing.",
        querystring: ListQuery,
        response: responses(Page(ShareRequest), LIST),
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
      config: { links: follow({ id: '$response.body#/data/request/id' }, ...REQUEST_OPERATIONS) },
      schema: {
        tags,
        summary: 'request data (consumer)',
        description:
          "A consumer asks another department for an entry's data: fields, purpose, period, the matter it serves. The ledger records the request with the provider's working-day deadline; an entry shared without conditions (无条件共享) is granted at once (automatic, recorded) and the answer carries its grant.",
        body: RequestInput,
        response: responses(Written(RequestDecision), CREATE_ERRORS, 201),
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
        description:
          'One share request as the ledger holds it. Its requester, its provider, supervisors and the coordinator; records nothing.',
        params: Params,
        response: responses(ShareRequest, [...READ, 'REQUEST_NOT_FOUND']),
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
        description:
          "Every state the request went through, from the key's history on the ledger, each with its transaction. Records nothing.",
        params: Params,
        response: responses(Type.Object({ items: Type.Array(HistoryItem(ShareRequest)) }), [
          ...READ,
          'REQUEST_NOT_FOUND',
        ]),
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
      config: { links: follow({ id: '$response.body#/data/grant/id' }, ...GRANT_OPERATIONS) },
      schema: {
        tags,
        summary: 'approve (provider); may narrow fields, validity and use limit',
        description:
          'The provider approves; it may narrow the fields, the validity and the use limit. The ledger records the decision and the grant it issues (its id in the answer), which every later use is checked against.',
        params: Params,
        body: ApproveBody,
        response: responses(Written(RequestDecision), APPROVE_ERRORS),
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

  for (const { path, fcn, summary, example, errors } of TRANSITIONS)
    app.post(
      `/:id/${path}`,
      {
        schema: {
          tags,
          summary,
          description:
            "The share request's next state: reject (provider, with a reason), escalate (either party, a dispute or an overdue answer goes to the coordinator) or withdraw (requester). The ledger records the decision and its reason.",
          params: Params,
          body: ReasonBody(example),
          response: responses(Written(RequestDecision), [...TRANSITION_ERRORS, ...errors]),
        },
      },
      async (request) =>
        submitAs(ctx, request, fcn, [request.params.id, request.body.reason], decision),
    );
  done();
};
