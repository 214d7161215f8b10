/**
 * Data quality objections (数据异议): a consumer raises one against a dataset version; the provider
 * resolves it within the working-day deadline by correcting (linking the new version) or rejecting.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TX, type QualityObjection as ObjectionType } from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
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

export const objectionRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['objections'];
  const overdue = withOverdue(ctx);

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'objections raised by my department, or against its data',
        querystring: Type.Object(
          {
            as: Type.Optional(StringEnum(['raiser', 'provider'] as const)),
            department: Type.Optional(Id('whose (supervisors and the coordinator); default mine')),
            status: Type.Optional(Enums.objectionStatus),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: responses(Page(QualityObjection)),
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
      schema: {
        tags,
        summary: 'raise an objection against a dataset version (consumer)',
        body: ObjectionInput,
        response: responses(Written(QualityObjection), 201),
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
        params: Params,
        response: responses(QualityObjection),
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
        params: Params,
        body: ObjectionResolution,
        response: responses(Written(QualityObjection)),
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
