/**
 * The gateway directory (部门网关目录): where each department's own gateway answers other
 * departments' gateways and the TLS certificate they pin. A department's admin publishes its
 * entry (a signed transaction, `governance:PublishGateway`; every publication stays in the
 * entry's history); anyone lists the directory, as anyone lists the departments.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_PAGE_SIZE,
  TX,
  type DepartmentGateway as Entry,
  type HistoryItem as Item,
  type Page,
} from '@shulian/chaincode/constants';
import { callerOf, principalOf } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import { READ, WRITE } from '../operation-errors.js';
import type { GatewayContext } from '../services/runtime.js';
import type { Caller } from '../ledger/types.js';
import type { RouteOptions } from './context.js';
import { responses, submitAs } from './helpers.js';
import * as examples from './examples.js';
import { DepartmentGateway, HistoryItem, Items, Written } from './schemas.js';

const Params = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$', description: 'MSP id' }) },
  { additionalProperties: false },
);

const Publication = Type.Object(
  {
    url: Type.String({
      pattern: '^https://[^\\s/?#]+(/[^\\s?#]*)?$',
      maxLength: 2048,
      description: 'https base URL of the gateway, without query or fragment',
    }),
    tlsCertificate: Type.String({
      maxLength: 16384,
      pattern: '^-----BEGIN CERTIFICATE-----',
      description: 'one PEM certificate: the gateway’s TLS certificate or its issuing CA',
    }),
  },
  { additionalProperties: false, examples: [examples.gatewayPublication] },
);

/** Every entry of the directory, read as `caller` (the ledger's pages walked to the end). */
export async function listGateways(ctx: GatewayContext, caller: Caller): Promise<Entry[]> {
  const out: Entry[] = [];
  let bookmark = '';
  do {
    const page = await ctx.chaincode.evaluate<Page<Entry>>(caller, TX.governance.ListGateways, [
      String(MAX_PAGE_SIZE),
      bookmark,
    ]);
    out.push(...page.items);
    bookmark = page.items.length === MAX_PAGE_SIZE ? page.bookmark : '';
  } while (bookmark);
  return out;
}

export const gatewayRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const tags = ['gateways'];

  app.get(
    '/',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'the gateway directory: every department’s published gateway (no token needed)',
        description:
          'Each department’s gateway URL and TLS certificate as its admin last published them on the ledger. Public, like the departments: other gateways find and pin each other from it. Records nothing.',
        response: responses(Items(DepartmentGateway), [...READ]),
      },
    },
    async (request) => ({
      items: await listGateways(ctx, request.principal ? callerOf(request) : ctx.publicReader),
    }),
  );

  app.put(
    '/:id',
    {
      schema: {
        tags,
        summary: 'publish the department’s gateway (its admin)',
        description:
          'The department’s admin publishes where its gateway answers and the TLS certificate to pin. A signed transaction of the department; a later publication replaces the entry and the earlier one stays in its history. Only for the caller’s own department.',
        params: Params,
        body: Publication,
        response: responses(Written(DepartmentGateway), [...WRITE, 'FORBIDDEN']),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.department !== request.params.id)
        throw new GatewayError(
          'FORBIDDEN',
          `${principal.department}'s admin publishes ${principal.department}'s gateway, not ${request.params.id}'s`,
        );
      return submitAs<Entry>(ctx, request, TX.governance.PublishGateway, [request.body]);
    },
  );

  app.get(
    '/:id/history',
    {
      schema: {
        tags,
        summary: 'every publication of a department’s gateway, from the ledger',
        description:
          'The entry’s history: each publication with its transaction and time. Any member department; records nothing.',
        params: Params,
        response: responses(Items(HistoryItem(DepartmentGateway)), [...READ, 'GATEWAY_NOT_FOUND']),
      },
    },
    async (request) => ({
      items: await ctx.chaincode.evaluate<Item<Entry>[]>(
        callerOf(request),
        TX.governance.GetGatewayHistory,
        [request.params.id],
      ),
    }),
  );

  done();
};
