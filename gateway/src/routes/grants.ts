/**
 * Grants (授权): mine as consumer or provider from the index, one from the ledger, revocation.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TX, type Grant as GrantType } from '@shulian/chaincode/constants';
import { callerOf } from '../auth/guard.js';
import { LIST, READ, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { RouteOptions } from './context.js';
import { listedDepartment, page, responses, submitAs } from './helpers.js';
import { Grant, Id, Page, PageQuery, ReasonBody, StringEnum, Written } from './schemas.js';

const Params = Type.Object({ id: Id('grant id') }, { additionalProperties: false });

/** What can be done with one grant: where a listed grant, or an approval's, links to. */
export const GRANT_OPERATIONS = ['GET /api/v1/grants/{id}', 'POST /api/v1/grants/{id}/revoke'];

export const grantRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['grants'];

  app.get(
    '/',
    {
      config: { links: follow({ id: '$response.body#/items/0/id' }, ...GRANT_OPERATIONS) },
      schema: {
        tags,
        summary: "a department's grants, newest first",
        description:
          "Grants the caller's department holds (as consumer) or issued (as provider), from the query index; supervisors and the coordinator may name a department. Records nothing.",
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
        response: responses(Page(Grant), LIST),
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
        description:
          'One grant as the ledger holds it: entry, consumer, purpose, fields, validity, use limit and count. Its consumer, its provider, supervisors and the coordinator; records nothing.',
        params: Params,
        response: responses(Grant, [...READ, 'GRANT_NOT_FOUND']),
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
        description:
          'The provider revokes a grant with a reason; the ledger records the revocation, and every later use under it is refused and recorded as DENIED (GRANT_REVOKED).',
        params: Params,
        body: ReasonBody('核查发现超出授权用途使用，撤销授权'),
        response: responses(Written(Grant), [
          ...WRITE,
          'GRANT_NOT_FOUND',
          'GRANT_REVOKED',
          'INVALID_STATE',
        ]),
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
