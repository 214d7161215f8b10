/**
 * Data quality objections (数据异议): a consumer raises one against a dataset version; the provider
 * resolves it within the working-day deadline by correcting (linking the new version) or rejecting.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TX, type QualityObjection as ObjectionType } from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import { LIST, READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { RouteOptions } from './context.js';
import {
  listedDepartment,
  mapPage,
  orNull,
  page,
  responses,
  submitAs,
  withOverdue,
} from './helpers.js';
import { Enums, Id, Page, PageQuery, QualityObjection, StringEnum, Written } from './schemas.js';
import { ObjectionInput, ObjectionResolution } from './shapes.js';

const Params = Type.Object({ id: Id('objection id') }, { additionalProperties: false });

/** What can be done with one objection: where a listed or raised objection links to. */
const OBJECTION_OPERATIONS = [
  'GET /api/v1/objections/{id}',
  'POST /api/v1/objections/{id}/resolve',
];

export const objectionRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['objections'];
  const overdue = withOverdue(ctx);

  app.get(
    '/',
    {
      config: { links: follow({ id: '$response.body#/items/0/id' }, ...OBJECTION_OPERATIONS) },
      schema: {
        tags,
        summary: 'objections raised by my department, or against its data',
        description:
          "Quality objections (数据质量异议) raised by the caller's department or against its data, from the query index, with their working-day deadlines. Records nothing.",
        querystring: Type.Object(
          {
            as: Type.Optional(StringEnum(['raiser', 'provider'] as const)),
            department: Type.Optional(Id('whose (supervisors and the coordinator); default mine')),
            status: Type.Optional(Enums.objectionStatus),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: responses(Page(QualityObjection), LIST),
      },
    },
    async (request) => {
      const { as = 'provider', department } = request.query;
      const result = await ctx.index.objections(
        { by: as, department: listedDepartment(ctx, request, department) },
        page(request.query),
      );
      return mapPage(result, overdue);
    },
  );

  app.post(
    '/',
    {
      config: { links: follow({ id: '$response.body#/data/id' }, ...OBJECTION_OPERATIONS) },
      schema: {
        tags,
        summary: 'raise an objection against a dataset version (consumer)',
        description:
          "A consumer raises an objection against a version's data (fields, a description); the ledger records it with the owner's working-day deadline to answer.",
        body: ObjectionInput,
        response: responses(
          Written(QualityObjection),
          [
            ...WRITE,
            'CATALOG_NOT_FOUND',
            'DATASET_VERSION_NOT_FOUND',
            'FIELD_NOT_IN_CATALOG',
            'INVALID_STATE',
          ],
          201,
        ),
      },
    },
    async (request, reply) => {
      const body = { ...request.body, fields: request.body.fields ?? [] };
      return reply
        .status(201)
        .send(
          await submitAs(ctx, request, TX.quality.RaiseObjection, [body], overdue<ObjectionType>),
        );
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'one objection, from the ledger',
        description:
          'One objection as the ledger holds it, with its deadline and overdue state. The parties, supervisors and the coordinator; records nothing.',
        params: Params,
        response: responses(QualityObjection, [...READ, 'OBJECTION_NOT_FOUND']),
      },
    },
    async (request) =>
      overdue(
        await ctx.chaincode.evaluate<ObjectionType>(callerOf(request), TX.quality.GetObjection, [
          request.params.id,
        ]),
      ),
  );

  app.post(
    '/:id/resolve',
    {
      schema: {
        tags,
        summary: 'resolve (provider): corrected with the new version, or rejected with a reason',
        description:
          'The provider answers an objection: corrected (naming the new version that fixes the data) or rejected with a reason. The ledger records the resolution and its time against the deadline.',
        params: Params,
        body: ObjectionResolution,
        response: responses(Written(QualityObjection), [
          ...WRITE,
          'OBJECTION_NOT_FOUND',
          'INVALID_STATE',
          'DATASET_VERSION_NOT_FOUND',
        ]),
      },
    },
    async (request) =>
      submitAs(
        ctx,
        request,
        TX.quality.ResolveObjection,
        [request.params.id, orNull(request.body, ['correctedVersion', 'reason'])],
        overdue<ObjectionType>,
      ),
  );
  done();
};
