/**
 * Grants (授权): mine as consumer or provider from the index, one from the ledger, revocation.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TX, type Grant as GrantType } from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import type { RouteOptions } from './context.js';
import { listedDepartment, page, responses, submitAs } from './helpers.js';
import { Grant, Id, Page, PageQuery, StringEnum, Text, Written } from './schemas.js';

const Params = Type.Object({ id: Id('grant id') }, { additionalProperties: false });

export const grantRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['grants'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "a department's grants, newest first",
        querystring: Type.Object(
          {
            as: Type.Optional(StringEnum(['consumer', 'provider'] as const)),
            department: Type.Optional(
              Id('whose grants (supervisors and the coordinator); default mine'),
            ),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: responses(Page(Grant)),
      },
    },
    async (request) => {
      const { as = 'consumer', department } = request.query;
      return ctx.index.grants(
        { by: as, department: listedDepartment(ctx, request, department) },
        page(request.query),
      );
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'one grant, from the ledger',
        params: Params,
        response: responses(Grant),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<GrantType>(callerOf(request), TX.sharing.GetGrant, [
        request.params.id,
      ]),
  );

  app.post(
    '/:id/revoke',
    {
      schema: {
        tags,
        summary: 'revoke a grant (provider)',
        params: Params,
        body: Type.Object({ reason: Text(2048, 1) }, { additionalProperties: false }),
        response: responses(Written(Grant)),
      },
    },
    async (request) =>
      submitAs<GrantType>(ctx, request, TX.sharing.RevokeGrant, [
        request.params.id,
        request.body.reason,
      ]),
  );
  done();
};
